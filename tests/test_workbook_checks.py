"""Checked inputs: the CHECKS cell names the first invalid input (the issue's test list), valid inputs
say OK, and every numeric input carries data validation from the ranges cea.inputs enforces."""

from __future__ import annotations

from pathlib import Path

import pytest

from cea.analyses.base_case import run_base_case
from cea.errors import InputError
from cea.inputs.model_inputs import load_inputs, unit_range
from cea.inputs.overrides import apply_overrides
from cea.inputs.settings import SETTING_RANGES
from cea.workbook.build import build_book
from tests.books import editable_book
from cea.workbook.core import column_index
from cea.workbook.evaluate import evaluate_book, set_inputs

ROOT = Path(__file__).resolve().parents[1]
INPUTS = load_inputs(ROOT / "inputs")
BASE = run_base_case(INPUTS)


def named_value(book, values, name):
    ref = book.defined[name].rpartition("!")[2].replace("$", "")
    letters = ref.rstrip("0123456789")
    return values[(book.defined[name].rpartition("!")[0].strip("'"), int(ref[len(letters):]), column_index(letters))]


def checks_after(changes):
    book = editable_book(INPUTS, BASE, 15.1)
    set_inputs(book, changes)
    values = evaluate_book(book)
    return named_value(book, values, "checks"), book, values


BAD = {  # the test list: workbook message, and the tool must refuse the same entry
    "negative price": ({"eve_pack_price_10mg": -1000.0}, "eve_pack_price_10mg: -1000 is outside [0, 1e+12]"),
    "utility 1.7": ({"u_pd": 1.7}, "u_pd: 1.7 is outside [-0.594, 1]"),
    "blank HR": ({"hr_pfs": None}, "hr_pfs: blank (a value is required)"),
    "dose shares 1.15": ({"eve_share_10mg": 0.9, "eve_share_5mg": 0.25},
                         "eve_share_10mg: Dirichlet group everolimus_dose sums to 1.15, not 1"),
    "age outside the life table": ({"start_age": 50.0},
                                   "start_age: the life table starts at age 55 but the start age is 50"),
    "'None ' correction": ({"within_cycle_correction": "None "},
                           'within_cycle_correction: "None " is not one of none | half_cycle | simpson'),
    "text in a price": ({"eve_pack_price_10mg": "abc"}, 'eve_pack_price_10mg: "abc" is not a number'),
    "'no' for a boolean": ({"utility_age_adjustment": "no"}, 'utility_age_adjustment: "no" is not TRUE or FALSE'),
    "HR on a log-normal curve": ({"arm.eve_exe.os_curve": "os_eve_exe_lognormal",
                                  "arm.eve_exe.os_hazard_ratio": "hr_pfs"},
                                 "arm.eve_exe.os_hazard_ratio: a hazard ratio needs a proportional-hazards family; "
                                 "os_eve_exe_lognormal is lognormal"),
    "waning start without an end": ({"waning_start_months": 24.0, "waning_end_months": None},
                                    "waning_end_months: waning starts at 24 months but has no end; give the end "
                                    "(equal to the start for an immediate loss of effect)"),
    "PFS curve as OS": ({"arm.exe.os_curve": "pfs_exe"}, 'arm.exe.os_curve: "pfs_exe" is not a fitted OS curve'),
}


def test_valid_inputs_say_ok():
    assert checks_after({})[0] == "OK"


@pytest.mark.parametrize("case", list(BAD))
def test_the_checks_cell_names_the_first_invalid_input(case):
    changes, message = BAD[case]
    assert checks_after(changes)[0] == message
    tool = {k: ("" if v is None else str(v)) for k, v in changes.items()}
    if case not in ("'no' for a boolean",):  # the tool reads 'no' as false; the workbook asks for TRUE/FALSE
        with pytest.raises(InputError):
            apply_overrides(INPUTS, tool)


def test_two_problems_name_the_first_on_the_sheet():
    got, _, _ = checks_after({"u_pd": 1.7, "discount_rate_costs": -0.1})
    assert got.startswith("discount_rate_costs:")  # settings come before parameters on Inputs


def test_every_numeric_input_has_validation_from_the_tool_rules():
    book = build_book(INPUTS, BASE, max_horizon_years=15.1)
    ws = book.sheets["Inputs"]
    by_row = {v[0]: v[4] for v in ws.validations}
    rows = {model_id: row for model_id, _, row in book.facts["input_rows"]}
    for pid, p in INPUTS.parameters.items():
        low, high = unit_range(p.unit, INPUTS.settings.currency)
        rule = by_row[rows[pid]]
        assert (rule["minimum"], rule["maximum"]) == (low, high), pid
    for key in ("horizon_years", "cycle_length_days", "discount_rate_costs", "start_age"):
        low, high, _ = SETTING_RANGES[key]
        assert (by_row[rows[key]]["minimum"], by_row[rows[key]]["maximum"]) == (low, high), key
    for key in ("within_cycle_correction", "pd_mortality", "utility_age_adjustment", "arm.eve_exe.os_curve"):
        assert by_row[rows[key]]["validate"] == "list", key
    cover = book.sheets["Cover"]
    assert any(c.formula == "checks" for c in cover.cells.values())
    assert any(c.formula == "checks" for c in book.sheets["Results"].cells.values())
