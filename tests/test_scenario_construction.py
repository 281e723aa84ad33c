"""Two scenarios built consistently with the base case (issue 23): DESIREE's mg-based relative dose intensity
applied once, and Peasgood's higher PF utility with the base case's progression decrement."""

from __future__ import annotations

from pathlib import Path

import pytest

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides, scenario_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(INPUTS)


def test_desiree_implied_mg_dose_intensity_is_0_80(inputs):
    o = scenario_overrides(inputs)["dose_intensity_desiree"]
    days = float(o["eve_days_dosed"])
    s10, s5 = inputs.parameter_value("eve_share_10mg"), inputs.parameter_value("eve_share_5mg")
    # mg delivered / mg planned = days dosed x mean mg per dosing day / 10 mg
    assert days * (s10 * 10 + s5 * 5) / 10 == pytest.approx(0.80, abs=1e-11)
    assert days > 0.80  # the dose reductions are not counted a second time


def test_desiree_icer(inputs):
    o = scenario_overrides(inputs)["dose_intensity_desiree"]
    inc = run_base_case(apply_overrides(inputs, o, origin="test")).incremental()
    base = run_base_case(inputs).incremental()
    # drug cost is linear in the days dosed: only everolimus's cost moves, by the ratio of days dosed
    assert inc["qalys"] == pytest.approx(base["qalys"], rel=1e-12)
    assert 76_000 < inc["icer"] < 77_200


def test_peasgood_keeps_the_progression_decrement(inputs):
    o = scenario_overrides(inputs)["utilities_peasgood_2010_upper"]
    u_pf, u_pd = float(o["u_pf"]), float(o["u_pd"])
    assert u_pf == 0.806
    base_gap = inputs.parameter_value("u_pf") - inputs.parameter_value("u_pd")
    assert u_pf - u_pd == pytest.approx(base_gap, abs=1e-12)  # 0.27, Lloyd 2006
    inc = run_base_case(apply_overrides(inputs, o, origin="test")).incremental()
    base_icer = run_base_case(inputs).incremental()["icer"]
    # both utilities higher by the same amount: more QALYs in the arm that lives longer, so a lower ICER
    assert inc["icer"] < base_icer
    assert 72_600 < inc["icer"] < 73_600
