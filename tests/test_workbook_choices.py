"""Every curve choice, treatment effect and horizon the workbook can represent: edits typed into the named
input cells, the workbook's formulas evaluated in Python (cea.workbook.evaluate, the same values the file
caches and that LibreOffice reproduces cell by cell, see test_workbook.py), against the engine run with the
same changes (apply_overrides, i.e. `cea run --set`)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cea.workbook.scenarios import representable

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides, scenario_overrides
from cea.workbook import results_layout
from tests.books import editable_book
from cea.workbook.core import column_index
from cea.workbook.evaluate import XlError, evaluate_book, set_inputs
from cea.workbook.results import flatten

ROOT = Path(__file__).resolve().parents[1]
INPUTS = load_inputs(ROOT / "inputs")
BASE = run_base_case(INPUTS)
REL_TOL = 1e-9
ROWS_YEARS = 15.1  # enough rows for the shipped 15-year horizon (fast tests); longer horizons are refused


def typed(value: str):
    """A --set value as a payer would type it in the cell."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    try:
        return float(value)
    except ValueError:
        return value


def workbook_results(changes: dict[str, object], years: float = ROWS_YEARS) -> dict[str, object]:
    book = editable_book(INPUTS, BASE, years)
    set_inputs(book, changes)
    values = evaluate_book(book)
    out = {}
    for key, coordinate in results_layout(INPUTS).items():
        letters = coordinate.rstrip("0123456789")
        out[key] = values.get(("Results", int(coordinate[len(letters):]), column_index(letters)))
    out["_values"] = values
    out["_book"] = book
    return out


def assert_equal_to_engine(got: dict[str, object], overrides: dict[str, str]) -> None:
    expected = flatten(run_base_case(apply_overrides(INPUTS, overrides)).to_dict())
    for key in results_layout(INPUTS):
        want, value = expected[key], got[key]
        if want is None:
            assert value == "n/a", key
        elif isinstance(want, str):
            assert value == want, key
        else:
            assert isinstance(value, float), (key, value)
            assert math.isclose(value, want, rel_tol=REL_TOL, abs_tol=1e-12), (key, value, want)


SCENARIOS = scenario_overrides(INPUTS)


def named_value(got: dict[str, object], name: str):
    """The evaluated value of a single-cell defined name (e.g. 'checks')."""
    book, values = got["_book"], got["_values"]
    sheet, _, ref = book.defined[name].rpartition("!")
    ref = ref.replace("$", "")
    letters = ref.rstrip("0123456789")
    return values[(sheet.strip("'"), int(ref[len(letters):]), column_index(letters))]


@pytest.mark.parametrize("scenario", ["os_gengamma", "os_loglogistic_aft", "os_weibull_independent",
                                      "pd_mortality_equal_pooled", "structure_psm", "pfs_final_central",
                                      "waning_24_36", "cycle_monthly", "no_age_adjustment"])
def test_scenario_rows_typed_into_the_input_cells_equal_the_engine(scenario):
    changes = SCENARIOS[scenario]
    assert_equal_to_engine(workbook_results({k: typed(v) for k, v in changes.items()}), changes)


def test_the_scenarios_cover_every_os_family_through_the_curve_drop_down():
    families = {INPUTS.curves[v].family for changes in SCENARIOS.values() for k, v in changes.items()
                if k.endswith("os_curve")}
    assert families == {"loglogistic", "lognormal", "gengamma", "gompertz", "exponential", "weibull"}


def test_os_hazard_ratio_and_acceleration_factor_are_named_inputs():
    """An OS HR (a parameter id, as `cea run --set` takes it) on the PH Weibull, and a typed number."""
    overrides = {"arm.eve_exe.os_hazard_ratio": "hr_pfs"}
    assert_equal_to_engine(workbook_results({"arm.eve_exe.os_hazard_ratio": "hr_pfs"}), overrides)
    typed_number = workbook_results({"arm.eve_exe.os_hazard_ratio": INPUTS.parameters["hr_pfs"].value})
    assert_equal_to_engine(typed_number, overrides)


def test_acceleration_factor_on_a_log_logistic_curve():
    """The arm's hazard ratio removed by 'none' (as `cea run --set arm.eve_exe.os_hazard_ratio=none`), an AF on
    the AFT curve: a parameter id, then the same value typed as a number."""
    overrides = {"arm.eve_exe.os_curve": "os_exe_loglogistic", "arm.eve_exe.os_hazard_ratio": "none",
                 "arm.eve_exe.os_acceleration_factor": "hr_pfs"}
    got = workbook_results({k: typed(v) for k, v in overrides.items()})
    assert_equal_to_engine(got, overrides)
    assert named_value(got, "checks") == "OK"
    number = overrides | {"arm.eve_exe.os_acceleration_factor": INPUTS.parameters["hr_pfs"].value}
    assert_equal_to_engine(workbook_results({k: typed(str(v)) for k, v in number.items()}), overrides)


def test_a_hazard_ratio_left_on_a_non_ph_curve_is_refused_as_the_engine_refuses_it():
    """The engine does not clear an arm's OS hazard ratio when its curve changes: `cea run --set` refuses a
    hazard ratio on a log-logistic curve, and the workbook's CHECKS names the hazard-ratio cell."""
    from cea.errors import InputError

    changes = {"arm.eve_exe.os_curve": "os_exe_loglogistic", "arm.eve_exe.os_acceleration_factor": "hr_pfs"}
    with pytest.raises(InputError, match="a hazard ratio needs a proportional-hazards family"):
        apply_overrides(INPUTS, changes)
    got = workbook_results(changes)
    assert named_value(got, "checks").startswith("arm.eve_exe.os_hazard_ratio: a hazard ratio needs a "
                                                 "proportional-hazards family; os_exe_loglogistic is loglogistic")


@pytest.mark.parametrize("blank", [None, "none", "NONE"])
def test_a_blank_or_none_effect_means_no_effect(blank):
    """'none' (any case) or a blank in an arm's HR cell is the engine's 'no such column' (a hazard ratio of 1)."""
    got = workbook_results({"arm.eve_exe.os_hazard_ratio": blank})
    assert_equal_to_engine(got, {"arm.eve_exe.os_hazard_ratio": "none"})
    assert named_value(got, "checks") == "OK"


def test_the_pd_death_rate_of_an_arm_is_a_named_input():
    """pd_mortality = constant with the arms' PD death rate set by name (a parameter id) and by number."""
    overrides = {"pd_mortality": "constant", "arm.exe.pd_death_rate": "pd_death_rate_pooled"}
    assert_equal_to_engine(workbook_results(overrides), overrides)
    rate = INPUTS.parameters["pd_death_rate_pooled"].value
    assert_equal_to_engine(workbook_results({"pd_mortality": "constant", "arm.exe.pd_death_rate": rate}), overrides)
    unknown = workbook_results({"arm.exe.pd_death_rate": "no_such_rate"})
    assert named_value(unknown, "checks") == 'arm.exe.pd_death_rate: unknown parameter "no_such_rate"'


def test_constant_pd_mortality_without_a_rate_is_refused_as_the_engine_refuses_it():
    from cea.errors import InputError

    changes = {"pd_mortality": "constant", "arm.exe.pd_death_rate": "none"}
    with pytest.raises(InputError, match="needs a pd_death_rate for every arm"):
        apply_overrides(INPUTS, changes)
    got = workbook_results(changes)
    assert named_value(got, "checks") == ("arm.exe.pd_death_rate: pd_mortality = constant needs a PD death rate "
                                          "for every arm; exe has none")
    assert got["arms.exe.costs"] == XlError("#N/A")  # never a number computed without the rate
    assert named_value(workbook_results({"arm.exe.pd_death_rate": "none"}), "checks") == "OK"  # os_tracking


def test_curve_drop_downs_list_the_curves_of_their_endpoint():
    book = editable_book(INPUTS, BASE, ROWS_YEARS)
    validations = [v for v in book.sheets["Inputs"].validations if v[4].get("source") == "=curves_pfs"]
    assert len(validations) == len(INPUTS.structure.arms)
    assert len([v for v in book.sheets["Inputs"].validations if v[4].get("source") == "=curves_os"]) == len(
        INPUTS.structure.arms)


def test_a_horizon_beyond_the_rows_is_refused_never_truncated():
    got = workbook_results({"horizon_years": 25.0})
    assert got["incremental.icer"] == XlError("#N/A") and got["arms.eve_exe.costs"] == XlError("#N/A")
    book, values = got["_book"], got["_values"]
    sheet, _, ref = book.defined["horizon_check"].rpartition("!")
    letters = ref.replace("$", "").rstrip("0123456789")
    check = values[("Inputs", int(ref.replace("$", "")[len(letters):]), column_index(letters))]
    assert check.startswith("Refused: the horizon needs 1304 cycles")


def test_a_longer_horizon_or_shorter_cycle_within_the_rows_equals_the_engine():
    got = workbook_results({"horizon_years": 25.0}, years=25.0)
    assert_equal_to_engine(got, {"horizon_years": "25"})
    got = workbook_results({"cycle_length_days": 3.5}, years=30.0)  # 15 y of 3.5-day cycles: 1565 of 1566 rows
    assert_equal_to_engine(got, {"cycle_length_days": "3.5"})


# ------------------------------------------------------------------ live scenarios and the one-way DSA switch
SELECTABLE = [name for name, changes in SCENARIOS.items() if representable(changes)]


@pytest.mark.parametrize("scenario", SELECTABLE)
def test_the_scenario_selector_applies_every_row_by_formulas(scenario):
    assert_equal_to_engine(workbook_results({"scenario": scenario}), SCENARIOS[scenario])


def test_every_scenario_is_selectable_and_one_the_workbook_cannot_hold_is_not():
    """Every row of scenarios.csv is selectable (structure, OS curves, pooled PD mortality included); a scenario
    changing what the workbook fixes at export (an arm's waning reference, a setting without an input cell) is
    listed but never selectable, so the selector cannot return a number that differs from `cea scenarios`."""
    book = editable_book(INPUTS, BASE, ROWS_YEARS)
    sheet, _, ref = book.defined["scenario_names"].rpartition("!")
    first, last = (int(part.replace("$", "").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for part in ref.split(":"))
    listed = {book.sheets["Scenarios"].cells[(r, 1)].value for r in range(first, last + 1)}
    # the on-treatment disutility (a setting the workbook has no input cell for) is listed but not selectable
    not_held = {"on_treatment_disutility_everolimus"}
    assert listed == {"base case", *SCENARIOS} - not_held and SELECTABLE == [s for s in SCENARIOS if s not in not_held]
    assert not any(representable(SCENARIOS[s]) for s in not_held)
    assert {"structure_psm", "os_gengamma", "os_weibull_independent", "pd_mortality_equal_pooled"} <= listed
    assert not representable({"arm.eve_exe.waning_reference": "none"})
    assert not representable({"seed": "7"})
    assert representable({"arm.exe.pd_death_rate": "pd_death_rate_pooled", "model_structure": "psm"})


@pytest.mark.parametrize("pid, bound", [("hr_pfs", "low"), ("u_pd", "high"), ("eve_share_10mg", "low"),
                                        ("eve_pack_price_10mg", "high")])
def test_the_dsa_switch_equals_the_engine_one_way_variant(pid, bound):
    from cea.analyses.one_way import one_way
    from cea.parameters.ranges import dsa_range

    low, high = dsa_range(INPUTS, pid)
    value = low if bound == "low" else high
    overrides = {pid: repr(value)}
    row = INPUTS.parameters[pid]
    if row.distribution == "dirichlet":  # siblings rescaled to keep the group summing to one (one_way._variant)
        siblings = [p for p in INPUTS.parameters.values() if p.distribution == "dirichlet"
                    and p.dirichlet_group == row.dirichlet_group and p.id != pid]
        rest = sum(p.value for p in siblings)
        overrides |= {p.id: repr(p.value / rest * (1.0 - value)) for p in siblings}
    got = workbook_results({"dsa_parameter": pid, "dsa_bound": bound})
    assert_equal_to_engine(got, overrides)
    table = one_way(INPUTS).table.set_index("parameter")
    wtp = INPUTS.settings.primary_wtp
    inmb = wtp * got["incremental.qalys"] - got["incremental.costs"]
    column = [c for c in table.columns if c.endswith(f"_{bound}") and ("inmb" in c or "result" in c)][0]
    assert inmb == pytest.approx(table.loc[pid, column], rel=1e-9)
