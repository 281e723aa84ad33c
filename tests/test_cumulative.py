"""Cumulative scenarios (cea.analyses.cumulative): each step adds a scenario to the last; the final step equals one
run with every change at once; bounds sit on top of the sequence; bad lists are refused with file and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.cumulative import load_cumulative, run_cumulative
from cea.analyses.severity import severity
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides, scenario_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def shipped(inputs):
    steps = load_cumulative(inputs)
    return steps, run_cumulative(inputs, steps).table


def test_shipped_sequence(shipped):
    steps, table = shipped
    assert [s.kind for s in steps].count("bound") >= 1
    assert table["step"].tolist()[0] == 0 and table["scenario"].iloc[0] == "base_case"
    assert "os_equal" in table.loc[table["kind"] == "bound", "scenario"].tolist()
    assert "on_treatment_disutility_everolimus" in table["scenario"].tolist()


def test_first_step_equals_its_scenario_alone(inputs, shipped):
    _, table = shipped
    first = table.iloc[1]
    alone = run_base_case(apply_overrides(inputs, scenario_overrides(inputs)[first["scenario"]], origin="t"))
    assert first["icer"] == pytest.approx(alone.incremental()["icer"], rel=1e-12)


def test_final_step_equals_one_run_with_every_change(inputs, shipped):
    """Built independently: every scenario's rows applied one after another (each override on the inputs the last
    one returned), against the table's last sequence step."""
    steps, table = shipped
    case = inputs
    for s in steps:
        if s.kind == "sequence":
            case = apply_overrides(case, scenario_overrides(inputs)[s.scenario], origin=s.scenario)
    once = run_base_case(case)
    inc = once.incremental()
    last = table[table["kind"] == "sequence"].iloc[-1]
    assert last["inc_cost"] == pytest.approx(inc["costs"], rel=1e-12)
    assert last["inc_qaly"] == pytest.approx(inc["qalys"], rel=1e-12)
    assert last["icer"] == pytest.approx(inc["icer"], rel=1e-12)
    w = severity(once)["weight"]
    assert last["severity_weight"] == w and last["icer_weighted"] == pytest.approx(inc["icer"] / w, rel=1e-12)
    # changes add up: base ICER + the sum of the step changes = the last sequence ICER
    seq = table[table["kind"] != "bound"]
    assert seq["icer"].iloc[0] + seq["icer_change"].iloc[1:].sum() == pytest.approx(last["icer"], rel=1e-12)


def test_bound_is_on_top_of_the_whole_sequence(inputs, shipped):
    steps, table = shipped
    names = [s.scenario for s in steps if s.kind == "sequence"] + ["os_equal"]
    case = inputs
    for name in names:
        case = apply_overrides(case, scenario_overrides(inputs)[name], origin=name)
    bound = table[table["scenario"] == "os_equal"].iloc[0]
    assert bound["icer"] == pytest.approx(run_base_case(case).incremental()["icer"], rel=1e-12)
    assert abs(bound["inc_ly"]) < 1e-3  # equal OS: (almost) no life-year gain


def test_bad_list_is_refused(inputs, tmp_path):
    bad = tmp_path / "cumulative.csv"
    bad.write_text("step,scenario,kind,label,rationale\n1,no_such_scenario,sequence,x,y\n1,os_equal,sideways,x,y\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_cumulative(inputs, bad)
    text = str(info.value)
    assert "cumulative.csv:2" in text and "no_such_scenario" in text
    assert "appears twice" in text and "sideways" in text
