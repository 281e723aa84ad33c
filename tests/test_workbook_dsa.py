"""The one-way DSA inside the workbook (cea.workbook.dsa): every parameter with a DSA range at each bound,
re-run by a data table, with a tornado sorted by formulas.  Cached values against cea.analyses.one_way;
LibreOffice re-running the table (as exported and after a price edit) against one_way with the same
override (`cea dsa --set`), to 1e-9."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.one_way import one_way
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook.build import build_book, table_paths, write_workbook
from cea.workbook.dsa import DSA, TABLE_HEADER
from cea.workbook.evaluate import evaluate_book
from cea.workbook.recalc import edit_inputs, recalculate, soffice
from tests.workbook_compare import NamedValues, sheet_cells

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = load_inputs(ROOT / "inputs")
YEARS = 15.1
REL = 1e-9
# LibreOffice tests at a monthly cycle (181 rows, not 783): a data table re-runs the whole model per row
MONTHLY = apply_overrides(INPUTS, {"cycle_length_days": "30.4375"})
PRICE = "eve_pack_price_10mg"


def rows(path: Path, n: int) -> list[tuple]:
    cells = sheet_cells(path, DSA)[DSA]
    first = TABLE_HEADER + 2
    return [tuple(cells.get((r, c)) for c in (4, 5, 6, 7)) for r in range(first, first + 2 * n + 1)]


def assert_rows_equal_engine(got: list[tuple], table: pd.DataFrame, rel: float) -> None:
    by_id = table.set_index("parameter")
    for costs, qalys, pid, bound in got[1:]:
        assert math.isclose(costs, by_id.at[pid, f"inc_cost_{bound}"], rel_tol=rel, abs_tol=1e-9), (pid, bound)
        assert math.isclose(qalys, by_id.at[pid, f"inc_qaly_{bound}"], rel_tol=rel, abs_tol=1e-12), (pid, bound)


def tornado(path: Path, n: int) -> list[tuple]:
    cells = sheet_cells(path, DSA)[DSA]
    return [tuple(cells.get((r, c)) for c in (22, 23, 24, 25)) for r in range(TABLE_HEADER + 1, TABLE_HEADER + 1 + n)]


def dsa_path(path: Path) -> Path:
    """model_dsa.xlsx beside ``path``: the copy with the live DSA data table."""
    return table_paths(path)["dsa"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    result = one_way(INPUTS)
    path = tmp_path_factory.mktemp("dsa") / "model.xlsx"
    write_workbook(path, INPUTS, run_base_case(INPUTS), dsa=result.table, max_horizon_years=YEARS)
    return path, result


def test_every_parameter_with_a_range_is_varied_at_both_bounds_in_the_engine_order(exported):
    path, result = exported
    got = rows(path, len(result.table))
    assert [(pid, bound) for *_, pid, bound in got[1:]] == [
        (pid, bound) for pid in book_parameters() for bound in ("low", "high")]
    assert set(book_parameters()) == set(result.table["parameter"])
    assert_rows_equal_engine(got, result.table, 1e-15)  # 16 significant digits in the file


def book_parameters() -> list[str]:
    book = build_book(INPUTS, run_base_case(INPUTS), dsa=one_way(INPUTS).table, max_horizon_years=YEARS)
    return list(book.facts["dsa_rows"])


def test_the_tornado_is_sorted_by_formulas_as_the_engine_sorts_it(exported):
    path, result = exported
    got = tornado(path, len(result.table))
    want = result.table  # sorted by swing, largest first (stable)
    labels = [INPUTS.parameters[p].description for p in want["parameter"]]
    assert [g[0] for g in got] == labels
    np.testing.assert_allclose([g[3] for g in got], want["swing"], rtol=1e-9)
    np.testing.assert_allclose([g[1] for g in got], want["inmb_low"] - result.base_inmb, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose([g[2] for g in got], want["inmb_high"] - result.base_inmb, rtol=1e-9, atol=1e-6)


def test_ties_in_the_swing_keep_both_parameters():
    """Two parameters with the same swing (a synthetic table): each appears once in the tornado."""
    table = one_way(INPUTS).table.copy()
    for column in ("inc_cost_low", "inc_cost_high", "inc_qaly_low", "inc_qaly_high"):
        table[column] = 1.0
    book = build_book(INPUTS, run_base_case(INPUTS), dsa=table, max_horizon_years=YEARS)
    values = evaluate_book(book)
    n = len(table)
    labels = [values[(DSA, TABLE_HEADER + 1 + k, 22)] for k in range(n)]
    assert sorted(labels) == sorted(INPUTS.parameters[p].description for p in table["parameter"])


needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


@needs_lo
def test_libreoffice_reruns_the_dsa_and_follows_a_price_edit(tmp_path):
    """Shipped with dsa_run = no (the engine's results shown); switched to yes, LibreOffice re-runs the table:
    as exported and after a price edit, equal to one_way with the same override.  An edit with dsa_run = no
    is named by the check (the DSA shown is the exported one)."""
    result = one_way(MONTHLY)
    exported = write_workbook(tmp_path / "model.xlsx", MONTHLY, run_base_case(MONTHLY), dsa=result.table,
                              max_horizon_years=YEARS)
    path = dsa_path(exported)  # the copy with the live data table
    new_price = INPUTS.parameters[PRICE].value * 0.5
    live = edit_inputs(path, tmp_path / "live.xlsx", {"dsa_run": "yes"})
    edited = edit_inputs(path, tmp_path / "price.xlsx", {"dsa_run": "yes", PRICE: new_price})
    off = edit_inputs(path, tmp_path / "off.xlsx", {PRICE: new_price})
    plain = edit_inputs(exported, tmp_path / "plain.xlsx", {"dsa_run": "yes", PRICE: new_price})  # no table in it
    out = {p.name: p for p in recalculate([live, edited, off, plain], tmp_path / "lo")}
    n = len(result.table)
    assert_rows_equal_engine(rows(out["live.xlsx"], n), result.table, REL)
    cheaper = one_way(apply_overrides(MONTHLY, {PRICE: repr(new_price)}))
    assert_rows_equal_engine(rows(out["price.xlsx"], n), cheaper.table, REL)
    got = tornado(out["price.xlsx"], n)
    assert [g[0] for g in got[:5]] == [INPUTS.parameters[p].description for p in cheaper.table["parameter"][:5]]
    assert_rows_equal_engine(rows(out["off.xlsx"], n), result.table, 1e-13)  # the exported results, shown
    assert NamedValues(out["off.xlsx"])("dsa_check").startswith("Inputs differ")
    assert_rows_equal_engine(rows(out["plain.xlsx"], n), result.table, 1e-13)  # model.xlsx: the engine's, as exported
    assert NamedValues(out["plain.xlsx"])("dsa_check").startswith("Stale")


@needs_lo
def test_libreoffice_and_the_cached_values_agree_cell_by_cell(exported, tmp_path):
    """Both files recalculated by LibreOffice equal the cached values on every sheet (the DSA's bounds, table
    and tornado, and every model sheet), except the data table's own cells in model_dsa.xlsx: shipped with
    dsa_run = no, the recomputed table shows #N/A there (the engine's results are shown beside it, and compared);
    its re-run is compared with one_way in test_libreoffice_reruns_the_dsa_and_follows_a_price_edit."""
    from tests.workbook_compare import compare_with_companion, data_table_cells

    path, result = exported
    tables = dsa_path(path)
    assert len(data_table_cells(tables)) == 2 * (2 * len(result.table) + 1)
    # abs 1e-6 on the DSA sheet: a tornado bar of a parameter without effect is INMB − base INMB, zero in
    # exact arithmetic, a few 1e-10 of rounding of the O(1e4) INMBs in either program (as test_the_tornado…)
    for compared in compare_with_companion(path, tables, tmp_path, abs_by_sheet={DSA: 1e-6}).values():
        assert compared[DSA] > 2000 and all(compared.values()), compared


def test_every_cell_of_the_dsa_table_holds_the_engine_result(exported):
    """Both files cache the engine's one-way results in the table's cells (Excel shows them until F9)."""
    path, result = exported
    by_id = result.table.set_index("parameter")
    for file in (path, dsa_path(path)):
        cells = sheet_cells(file, DSA)[DSA]
        first = TABLE_HEADER + 2
        for r in range(first + 1, first + 1 + 2 * len(result.table)):
            pid, bound = cells[(r, 6)], cells[(r, 7)]
            assert cells[(r, 2)] == pytest.approx(by_id.at[pid, f"inc_cost_{bound}"], rel=1e-15)
            assert cells[(r, 3)] == pytest.approx(by_id.at[pid, f"inc_qaly_{bound}"], rel=1e-15)


def test_an_export_writes_one_live_table_per_companion_and_removes_stale_ones(exported, tmp_path):
    """With the DSA only: model_dsa.xlsx carries the one data table (on the DSA sheet); a model_psa.xlsx or the
    model_tables.xlsx of an earlier export (both tables in one file) would not match this one and are removed."""
    import zipfile

    _, result = exported
    path = tmp_path / "model.xlsx"
    for stale in (tmp_path / "model_psa.xlsx", tmp_path / "model_tables.xlsx", tmp_path / "model_dsa.xlsx"):
        stale.write_bytes(b"stale")
    write_workbook(path, INPUTS, run_base_case(INPUTS), dsa=result.table, max_horizon_years=YEARS)
    assert table_paths(path) == {"psa": tmp_path / "model_psa.xlsx", "dsa": tmp_path / "model_dsa.xlsx"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xlsx", "model_dsa.xlsx"]
    with zipfile.ZipFile(dsa_path(path)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
    assert xml.count(b't="dataTable"') == 1
    first = [sheet_cells(f, DSA)[DSA].get((TABLE_HEADER + 2, 2)) for f in (path, dsa_path(path))]
    assert isinstance(first[0], float) and first[1] == first[0]
