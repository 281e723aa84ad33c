"""The workbook with more than two arms: the fully incremental table by formulas (Results, and on the PSA
means), the PSA per strategy (CEAC, CEAF), checked against the engine and the decision rule
(cea.analyses.decision.incremental_analysis) in the cached values and after LibreOffice's recalculation;
the formula layout against the rule on synthetic costs and QALYs with ties; COUNTIFS against its definition.

Inputs: the shipped inputs with a strongly dominated and an extendedly dominated arm added (tests/n_arms.py)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.decision import (EXTENDEDLY_DOMINATED, NON_DOMINATED, REFERENCE, STRONGLY_DOMINATED,
                                   incremental_analysis)
from cea.analyses.psa import run_psa
from cea.inputs.model_inputs import load_inputs
from cea.workbook.build import build_book
from cea.workbook.core import Book, column_index, column_letter
from cea.workbook.evaluate import evaluate_book, f_countifs, Range
from cea.workbook.recalc import recalculate
from cea.workbook.strategies import PSA_STRATEGIES, many_arm_results, write_frontier
from cea.workbook.xlsx import write_xlsx
from tests.n_arms import DOMINATED, EXTENDED, n_arm_inputs

ROOT = Path(__file__).resolve().parents[1]
REL_TOL = 1e-9
ITERATIONS = 40


def _rc(coordinate: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", coordinate)
    return int(m.group(2)), column_index(m.group(1))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = n_arm_inputs(tmp_path_factory.mktemp("n_arms") / "inputs")
    inputs = load_inputs(folder)
    psa = run_psa(inputs, iterations=ITERATIONS, seed=7)
    frame = pd.DataFrame({f"{k}_{a}": getattr(psa, f"{k}s")[:, j] for j, a in enumerate(psa.arms)
                          for k in ("cost", "qaly")})
    return inputs, psa, frame


@pytest.fixture(scope="module")
def built(model):
    inputs, psa, frame = model
    book = build_book(inputs, psa.base_case, psa=frame, ceac=psa.ceac_frame())
    return book, evaluate_book(book)


def _expected(inputs, psa) -> dict[str, pd.DataFrame]:
    arms = list(inputs.structure.arm_ids)
    base = psa.base_case
    return {"base_case": incremental_analysis([base.arm_summary(a)["costs"] for a in arms],
                                              [base.arm_summary(a)["qalys"] for a in arms], arms),
            "psa": incremental_analysis(psa.costs.mean(axis=0), psa.qalys.mean(axis=0), list(psa.arms))}


def _check_frontier(inputs, book, read, expected: dict[str, pd.DataFrame], where: str) -> None:
    """read(sheet, coordinate) -> value; every position of each incremental table against the rule."""
    label = {a.id: a.label for a in inputs.structure.arms}
    thresholds = inputs.settings.wtp_thresholds
    for key, table in expected.items():
        facts = book.facts["frontier"][key]
        for p, row in enumerate(table.itertuples(), start=1):
            cells = facts["rows"][p]
            got = {field: read(facts["sheet"], cell) for field, cell in cells.items()}
            assert got["strategy"] == label[row.strategy], (where, key, p)
            assert got["status"] == row.status, (where, key, p)
            for field in ("cost", "qaly", "inc_cost", "inc_qaly", "icer"):
                want = getattr(row, field)
                if math.isnan(want):
                    assert got[field] in ("", None), (where, key, p, field, got[field])
                else:
                    assert abs(got[field] - want) <= REL_TOL * abs(want), (where, key, p, field, got[field], want)
            for w in thresholds:
                want = w * row.qaly - row.cost
                assert abs(got[f"nmb.{w:g}"] - want) <= REL_TOL * max(1.0, abs(want)), (where, key, p, w)
        for w in thresholds:
            nmb = w * table["qaly"] - table["cost"]
            assert read(facts["sheet"], facts["best"][f"{w:g}"]) == label[table["strategy"][int(np.argmax(nmb))]]


def _check_ceac(inputs, book, read, psa, where: str) -> None:
    label = {a.id: a.label for a in inputs.structure.arms}
    frame = psa.ceac_frame()
    for row in frame.itertuples(index=False):
        cells = book.facts["psa_ceac_cells"][float(row.wtp)]
        for a in psa.arms:
            assert abs(read(PSA_STRATEGIES, cells[a]) - getattr(row, a)) <= 1e-12, (where, row.wtp, a)
        assert abs(read(PSA_STRATEGIES, cells["ceaf"]) - row.ceaf_probability) <= 1e-12, (where, row.wtp)
        assert read(PSA_STRATEGIES, cells["optimal"]) == label[row.ceaf_strategy], (where, row.wtp)
    for a, cells in book.facts["psa_strategy_cells"].items():
        j = psa.arm_index(a)
        for field, values in (("cost", psa.costs[:, j]), ("qaly", psa.qalys[:, j])):
            assert abs(read(PSA_STRATEGIES, cells[field]) - values.mean()) <= REL_TOL * abs(values.mean())


def test_the_test_arms_are_dominated_as_designed(model):
    inputs, psa, _ = model
    table = _expected(inputs, psa)["base_case"].set_index("strategy")["status"]
    assert table[DOMINATED] == STRONGLY_DOMINATED and table[EXTENDED] == EXTENDEDLY_DOMINATED
    assert table["exe"] == REFERENCE and table["eve_exe"] == NON_DOMINATED


def test_every_arm_has_its_survival_and_trace_sheets_and_results_column(model, built):
    inputs = model[0]
    book, values = built
    for arm in inputs.structure.arm_ids:
        assert book.surv[arm] in book.sheets and book.trace[arm] in book.sheets
        assert f"arms.{arm}.costs" in book.result_cells and f"arms.{arm}.qalys" in book.result_cells
    assert PSA_STRATEGIES in book.sheets


def test_cached_values_equal_the_engine_and_the_decision_rule(model, built):
    inputs, psa, _ = model
    book, values = built
    read = lambda sheet, cell: values.get((sheet, *_rc(cell)))  # noqa: E731
    _check_frontier(inputs, book, read, _expected(inputs, psa), "cached")
    _check_ceac(inputs, book, read, psa, "cached")
    rows = book.facts["frontier_validation_rows"]
    assert len(rows) == 2 * 3 * len(inputs.structure.arm_ids)
    assert all(read("Validation", f"D{row}") <= REL_TOL for row in rows)
    assert set(many_arm_results(book)) == {"base_case", "psa"}


# --------------------------------------------------------------------------- the layout on synthetic cases
# (costs, QALYs) of 4 strategies in input order: ties in costs, in QALYs, exact duplicates, equal ICERs, a chain of
# extended dominance needing two passes, all strategies on the frontier
CASES = [
    ([100, 100, 200, 300], [1.0, 2.0, 2.5, 3.0]),        # equal costs: the one with more QALYs first, other dominated
    ([100, 200, 300, 400], [1.0, 2.0, 2.0, 3.0]),        # equal QALYs: the dearer one dominated
    ([100, 200, 200, 400], [1.0, 2.0, 2.0, 3.0]),        # exact duplicates: the first in input order kept
    ([100, 200, 300, 400], [1.0, 2.0, 3.0, 4.0]),        # equal ICERs: none extendedly dominated
    ([400, 100, 300, 200], [1.9, 1.0, 1.8, 1.5]),        # unsorted input, all on the frontier
    ([100, 150, 190, 400], [1.0, 1.05, 1.08, 3.0]),      # two passes: 190 then 150 extendedly dominated
    ([100, 200, 300, 400], [1.0, 3.0, 3.5, 3.7]),        # all on the frontier (ICERs 50, 200, 500)
    ([300, 300, 300, 300], [1.0, 1.0, 1.0, 1.0]),        # all identical
    ([0, 0.3, 0.9, 2.0], [0, 0.1, 0.3, 0.4]),            # on one line (ICERs 3, 3 differ by rounding), then 11
]


def _synthetic_book(inputs) -> tuple[Book, list[tuple[str, pd.DataFrame]]]:
    arms = list(inputs.structure.arm_ids)
    book = Book(inputs, n_rows=1)
    sheet = book.add_sheet("Cases")
    for i, w in enumerate(inputs.settings.wtp_thresholds, start=1):
        sheet.value(1, 30 + i, float(w))
        book.name(f"wtp_{i}", "Cases", f"${column_letter(30 + i)}$1")
    expected = []
    r = 3
    for k, (costs, qalys) in enumerate(CASES):
        cost, qaly = {}, {}
        for j, a in enumerate(arms):
            sheet.value(r + j, 30, float(costs[j]))
            sheet.value(r + j, 31, float(qalys[j]))
            cost[a], qaly[a] = f"$AD${r + j}", f"$AE${r + j}"
        r = write_frontier(book, sheet, r, arms, cost, qaly, f"Case {k}", f"case{k}") + 2
        expected.append((f"case{k}", incremental_analysis(costs, qalys, arms)))
    return book, expected


def test_the_formulas_follow_the_decision_rule_with_ties(model):
    inputs = model[0]
    book, expected = _synthetic_book(inputs)
    values = evaluate_book(book)
    read = lambda sheet, cell: values.get((sheet, *_rc(cell)))  # noqa: E731
    for key, table in expected:
        _check_frontier(inputs, book, read, {key: table}, "cached")
    statuses = {s for _, t in expected for s in t["status"]}
    assert statuses == {REFERENCE, NON_DOMINATED, STRONGLY_DOMINATED, EXTENDEDLY_DOMINATED}


# --------------------------------------------------------------------------- LibreOffice (one start)
@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_incremental_tables_and_ceac_to_the_engine(tmp_path, model, built):
    inputs, psa, _ = model
    full, values = built
    exported = tmp_path / "model.xlsx"
    write_xlsx(full, values, exported, title="model", creator="tests")  # as write_workbook, without a second evaluation
    book, expected_cases = _synthetic_book(inputs)
    cases = tmp_path / "cases.xlsx"
    write_xlsx(book, evaluate_book(book), cases, title="cases", creator="tests")
    out_model, out_cases = recalculate([exported, cases], tmp_path / "recalculated", processes=1)

    def reader(path, sheets):
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
        got = {(title, c.coordinate): c.value for title in sheets for row in wb[title].iter_rows() for c in row
               if hasattr(c, "coordinate")}
        wb.close()
        return lambda sheet, cell: got.get((sheet, cell))

    read = reader(out_model, ("Results", PSA_STRATEGIES, "Validation"))
    _check_frontier(inputs, full, read, _expected(inputs, psa), "LibreOffice")
    _check_ceac(inputs, full, read, psa, "LibreOffice")
    # the Validation sheet's own comparison of the tables with the engine
    assert all(read("Validation", f"D{row}") <= REL_TOL for row in full.facts["frontier_validation_rows"])
    read_cases = reader(out_cases, ("Cases",))
    for key, table in expected_cases:
        _check_frontier(inputs, book, read_cases, {key: table}, "LibreOffice")


# --------------------------------------------------------------------------- two arms: nothing new
def test_two_arms_have_no_incremental_table_nor_psa_strategies_sheet():
    shipped = load_inputs(ROOT / "inputs")
    book = build_book(shipped, run_base_case(shipped))
    assert "frontier" not in book.facts and PSA_STRATEGIES not in book.sheets


# --------------------------------------------------------------------------- COUNTIFS
class _Cells:
    """A stand-in evaluator for Range: values by (row, col)."""

    def __init__(self, values):
        self.values = values

    def raw(self, sheet, r, c):
        return self.values.get((r, c))


def test_countifs_counts_rows_meeting_every_criterion():
    """Excel: COUNTIFS(criteria_range1, criteria1, [criteria_range2, criteria2], …) 'applies criteria to cells
    across multiple ranges and counts the number of times all criteria are met'; the ranges must have the same
    number of rows and columns; criteria as COUNTIF ("<=5", a number, text); blanks never meet a numeric test."""
    ctx = _Cells({(1, 1): 1.0, (2, 1): 5.0, (3, 1): 7.0, (4, 1): None, (5, 1): "x",
                  (1, 2): 10.0, (2, 2): 3.0, (3, 2): 9.0, (4, 2): 1.0, (5, 2): 1.0})
    a, b = Range(ctx, 0, 1, 1, 5, 1), Range(ctx, 0, 1, 2, 5, 2)
    assert f_countifs(a, "<=5") == 2.0
    assert f_countifs(a, "<=5", b, ">=5") == 1.0
    assert f_countifs(a, ">0", b, "<10") == 2.0
    assert f_countifs(a, 7.0, b, 9.0) == 1.0
    assert f_countifs(a, "x") == 1.0
    # "<>5": text and blanks differ from 5 (Excel's COUNTIF criteria, shared with COUNTIF and SUMIF): rows 1, 3, 4, 5
    assert f_countifs(a, "<>5", b, ">0") == 4.0
    from cea.workbook.evaluate import XlError

    with pytest.raises(XlError):
        f_countifs(a, "<=5", Range(ctx, 0, 1, 2, 4, 2), ">=5")  # ranges of different shapes
    with pytest.raises(XlError):
        f_countifs(a)
