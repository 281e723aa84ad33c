"""The workbook's cached values: the formula evaluator's Excel semantics, and the values stored in the
file (read without any recalculation) against the engine."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from scipy import special

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import load_inputs
from cea.workbook import results_layout, write_workbook
from cea.workbook.core import Book
from cea.workbook.evaluate import XlError, evaluate_book, evaluate_formula
from cea.workbook.results import flatten

ROOT = Path(__file__).resolve().parents[1]
REL_TOL = 1e-9


def value_of(formula: str, **cells) -> object:
    """Evaluate one formula on a sheet 'S' whose A1, A2, … hold the given values (names n_<key> too)."""
    book = Book(inputs=None, n_rows=0)
    ws = book.add_sheet("S")
    for i, (key, v) in enumerate(cells.items(), start=1):
        ws.put(i, 1, v)
        book.define(key, "S", f"$A${i}")
    ws.formula(1, 2, formula)
    return evaluate_formula(book, "S", 1, 2)


@pytest.mark.parametrize("formula, expected", [
    ("-2^2", 4.0),  # Excel: unary minus binds tighter than ^
    ("-1*2^2", -4.0),
    ("2^3^2", 64.0),  # left-associative
    ("1+2*3-4/2", 5.0),
    ("ROUND(2.5,0)", 3.0), ("ROUND(-2.5,0)", -3.0), ("ROUND(0.125,2)", 0.13),  # half away from zero
    ('IF("constant"="CONSTANT",1,0)', 1.0),  # text comparison ignores case
    ('"a"&1&TRUE', "a1TRUE"),
    ("MOD(-7,3)", 2.0),  # sign of the divisor
    ("CHOOSE(2,3,9,9,3)", 9.0),
    ("IFERROR(1/0,7)", 7.0), ("ISNUMBER(1/0)", False), ("ISNUMBER(2)", True),
    ("MAX(1,-2)+MIN(3,4)", 4.0),
    ("_xlfn.NORM.S.DIST(1.5,TRUE)", float(special.ndtr(1.5))),
    ("_xlfn.GAMMA.DIST(2.5,1.7,1,TRUE)", float(special.gammainc(1.7, 2.5))),
    ("TEXT(12345.6789,\"#,##0.000\")", "12,345.679"),
])
def test_excel_semantics(formula, expected):
    got = value_of(formula)
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-15, abs=1e-15)
    else:
        assert got == expected


def test_blank_is_zero_text_is_an_error_and_errors_propagate():
    assert value_of("x+1", x=None) == 1.0
    assert value_of("x*2", x="abc") == XlError("#VALUE!")
    assert value_of("x*2", x="2") == 4.0  # numeric text converts, as in Excel
    assert value_of("LN(x)", x=0.0) == XlError("#NUM!")
    assert value_of("(1/x)+5", x=0.0) == XlError("#DIV/0!")
    assert value_of("IF(x>0,1,NA())", x=-1.0) == XlError("#N/A")
    assert value_of("nothing+1") == XlError("#NAME?")
    assert value_of("ISNUMBER(x)", x=None) is False
    assert value_of("(-8)^(1/3)") == XlError("#NUM!")


def test_ranges_index_match_and_relative_rows_share_one_compiled_function():
    book = Book(inputs=None, n_rows=0)
    ws = book.add_sheet("S")
    for r in range(1, 6):
        ws.put(r, 1, 50.0 + 5 * r)  # ages 55..75
        ws.put(r, 2, r / 100)
    book.define("ages", "S", "$A$1:$A$5")
    book.define("qx", "S", "$B$1:$B$5")
    ws.put(1, 3, 0.0)
    for r in range(2, 6):
        ws.formula(r, 3, f"C{r - 1}+B{r}")  # running sum: relative references
    ws.formula(1, 4, "INDEX(qx,MATCH(67,ages,1))")
    ws.formula(2, 4, "SUM(S!C1:C5)")
    values = evaluate_book(book)
    assert values[("S", 5, 3)] == pytest.approx(0.02 + 0.03 + 0.04 + 0.05)
    assert values[("S", 1, 4)] == 0.03  # age 65 row
    assert values[("S", 2, 4)] == pytest.approx(0.02 + 0.05 + 0.09 + 0.14)


def test_a_book_evaluated_again_after_an_edit_gives_the_new_values():
    """Each formula cell keeps its compile key (fixed by formula and row) between evaluations; the values and the
    compiled functions are the new evaluation's own."""
    book = Book(inputs=None, n_rows=0)
    ws = book.add_sheet("S")
    ws.put(1, 3, 0.0)
    for r in range(1, 6):
        ws.put(r, 2, float(r))
    for r in range(2, 6):
        ws.formula(r, 3, f"C{r - 1}+B{r}*2")
    assert evaluate_book(book)[("S", 5, 3)] == 2 * (2 + 3 + 4 + 5)
    assert all(ws.get(r, 3).template is not None for r in range(2, 6))
    ws.put(3, 2, 10.0)  # as set_inputs does: a new cell in place of the old
    assert evaluate_book(book)[("S", 5, 3)] == 2 * (2 + 10 + 4 + 5)


def test_evaluation_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    assert value_of("1+1") == 2.0 and evaluate_book(_one_formula("1+1")) and gc.isenabled()
    with pytest.raises(ValueError, match="not known"):
        evaluate_book(_one_formula("VLOOKUP(1,2,3)"))
    assert gc.isenabled()
    gc.disable()
    try:
        evaluate_book(_one_formula("1+1"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _one_formula(formula: str) -> Book:
    book = Book(inputs=None, n_rows=0)
    book.add_sheet("S").formula(1, 1, formula)
    return book


def test_unknown_function_is_a_programming_error():
    with pytest.raises(ValueError, match="not known"):
        value_of("VLOOKUP(1,2,3)")


# ------------------------------------------------------------------ cached values in the shipped file
@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    inputs = load_inputs(ROOT / "inputs")
    base = run_base_case(inputs)
    path = write_workbook(tmp_path_factory.mktemp("cached") / "model.xlsx", inputs, base)
    return path, inputs, base


def test_cached_results_equal_the_engine_without_recalculation(shipped):
    """A reader that does not recalculate (openpyxl data_only, pandas, previews) sees the engine's numbers."""
    path, inputs, base = shipped
    expected = flatten(base.to_dict())
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    ws = wb["Results"]
    values = {c.coordinate: c.value for row in ws.iter_rows() for c in row if hasattr(c, "coordinate")}
    checked = 0
    for key, coordinate in results_layout(inputs).items():
        want, got = expected[key], values.get(coordinate)
        if want is None:
            assert got == "n/a", key
        elif isinstance(want, str):
            assert got == want, key
        else:
            assert isinstance(got, float) and math.isclose(got, want, rel_tol=REL_TOL, abs_tol=1e-12), (key, got, want)
            checked += 1
    assert checked > 40
    trace = wb["Trace eve_exe"]
    cells = [c.value for row in trace.iter_rows(min_row=10, max_row=12, max_col=14) for c in row]
    assert all(isinstance(v, (int, float)) for v in cells if v is not None) and len([v for v in cells if v]) > 10
    wb.close()


def test_no_cached_value_is_an_error(shipped):
    path, _, _ = shipped
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    for ws in wb.worksheets:
        bad = [c.coordinate for row in ws.iter_rows() for c in row
               if getattr(c, "value", None) in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")]
        assert not bad, (ws.title, bad[:5])
    wb.close()
