"""The workbook's Price sheet (cea.workbook.price) equals `cea price`'s deterministic part, as formulas over the
workbook's own Results: a payer's edit of an input moves it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.price import price_analysis
from cea.analyses.severity import severity
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook.build import build_book
from cea.workbook.evaluate import evaluate_book, set_inputs

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
HORIZON = {"horizon_years": "4"}  # fewer cycles to evaluate; every formula is the same for any horizon


def _sheet_rows(book, values):
    ws = book.sheets["Price"]
    grid = {}
    for (row, col), cell in ws.cells.items():
        if col == 1 and isinstance(cell.value, float) and row > 10:
            grid[round(cell.value, 2)] = row
    return ws, grid


def _check(book, values, result):
    ws, grid = _sheet_rows(book, values)
    header = {cell.value: col for (row, col), cell in ws.cells.items() if cell.value == "ICER"}
    icer_col = header["ICER"]
    for d in (0.0, 0.45, 0.9):
        row = grid[d]
        expect = result.grid[np.isclose(result.grid["discount"], d)].iloc[0]
        assert values[("Price", row, icer_col)] == pytest.approx(expect["icer"], rel=1e-9)
        assert values[("Price", row, icer_col + 1)] == pytest.approx(expect["icer_weighted"], rel=1e-9)
    found = 0
    for (row, col), cell in ws.cells.items():
        if col == 2 and cell.value in ("unweighted", "weighted"):
            wtp = values[("Price", row, 3)]
            t = result.thresholds
            expect = t[(t["weighting"] == cell.value) & np.isclose(t["wtp"], wtp)].iloc[0]
            assert values[("Price", row, 4)] == pytest.approx(expect["threshold_discount"], rel=1e-9)
            found += 1
    assert found == 4


def test_price_sheet_equals_cea_price_and_follows_an_edit():
    inputs = apply_overrides(load_inputs(INPUTS), HORIZON)
    base = run_base_case(inputs)
    book = build_book(inputs, base, max_horizon_years=4.0)
    values = evaluate_book(book)
    weight = severity(base)["weight"]
    _check(book, values, price_analysis(base, None, weight))
    # a payer's edit: the PF utility; the sheet follows the workbook's own results
    set_inputs(book, {"u_pf": 0.80})
    edited = apply_overrides(inputs, {"u_pf": "0.80"})
    _check(book, evaluate_book(book), price_analysis(run_base_case(edited), None, weight))
