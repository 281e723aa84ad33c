"""On-treatment disutility (setting on_treatment_disutility, parameter disutility_on_treatment): off in the base
case; when on, the QALY loss is the decrement times the time on the drug (docs/MODEL.md section 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides, scenario_overrides
from cea.errors import InputError

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(INPUTS)


def test_off_in_the_base_case(inputs):
    assert inputs.settings.on_treatment_disutility == ""


def test_loss_is_decrement_times_time_on_everolimus(inputs):
    base = run_base_case(inputs)
    on = run_base_case(apply_overrides(inputs, scenario_overrides(inputs)["on_treatment_disutility_everolimus"],
                                       origin="test"))
    d = inputs.parameter_value("disutility_on_treatment")
    assert d == pytest.approx(0.461 * 0.10, abs=5e-4)
    j, c = base.arm_index("eve_exe"), base.arm_index("exe")
    a_base, a_on = base.arm_summary("eve_exe"), on.arm_summary("eve_exe")
    months = a_base["mean_months"]["on_treatment"]["everolimus"]
    # undiscounted: exactly decrement x mean months on everolimus / 12
    assert a_base["undiscounted"]["qalys"] - a_on["undiscounted"]["qalys"] == pytest.approx(d * months / 12, rel=1e-12)
    # discounted loss between 0 and the undiscounted one; the comparator (no everolimus) does not move
    loss = a_base["qalys"] - a_on["qalys"]
    assert 0.97 * d * months / 12 < loss < d * months / 12
    assert on.arm_summary("exe")["qalys"] == pytest.approx(base.arm_summary("exe")["qalys"], rel=1e-14)
    assert on.incremental()["costs"] == pytest.approx(base.incremental()["costs"], rel=1e-14)
    # linear in the decrement
    twice = run_base_case(apply_overrides(inputs, {"on_treatment_disutility": "everolimus",
                                                   "disutility_on_treatment": str(2 * d)}, origin="test"))
    assert a_base["qalys"] - twice.arm_summary("eve_exe")["qalys"] == pytest.approx(2 * loss, rel=1e-10)


def test_unknown_drug_is_refused(inputs):
    with pytest.raises(InputError, match="not a drug"):
        apply_overrides(inputs, {"on_treatment_disutility": "aspirin"}, origin="test")


def test_varied_in_dsa_and_psa(inputs):
    row = inputs.parameters["disutility_on_treatment"]
    assert row.distribution == "beta" and row.low < row.value < row.high
    assert row.status == "assumption" and row.source.startswith("Assumption:")
