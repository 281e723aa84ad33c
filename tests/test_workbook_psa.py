"""The PSA inside the workbook (cea.workbook.psa): the engine's draws on 'PSA draws', the model re-run once
per iteration by a data table, and the decision statistics as formulas.

Checked three ways: the cached values (what a reader that does not recalculate shows) against the
engine's PsaResult; the statistics' formulas against cea.analyses' own CEAC / EVPI on synthetic tables
with every sign of ΔQ (the base case has few ΔQ < 0 draws); and LibreOffice re-running the data table,
before and after edits, against `cea psa` with the same seed and overrides (1e-9).
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cea.analyses.acceptability import ceac
from cea.analyses.base_case import run_base_case
from cea.analyses.psa import run_psa
from cea.analyses.value_of_information import evpi
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook.build import build_book, table_paths, write_workbook
from cea.workbook.evaluate import evaluate_book
from cea.analyses.psa import wtp_grid
from cea.workbook.psa import DRAWS, PSA, TABLE_HEADER
from cea.workbook.recalc import edit_inputs, recalculate, soffice
from tests.workbook_compare import NamedValues, sheet_cells

ROOT = Path(__file__).resolve().parents[1]
INPUTS = load_inputs(ROOT / "inputs")
N, SEED = 6, 20121
YEARS = 15.1  # rows for the shipped 15-year horizon (quick)
REL = 1e-9
# LibreOffice tests at a monthly cycle (181 rows, not 783): a data table re-runs the whole model per row
MONTHLY = apply_overrides(INPUTS, {"cycle_length_days": "30.4375"})


def psa_frame(psa) -> pd.DataFrame:
    return pd.DataFrame({f"{m}_{a}": getattr(psa, attr)[:, j] for j, a in enumerate(psa.arms)
                         for m, attr in (("cost", "costs"), ("qaly", "qalys"), ("ly", "lys"))})


def psa_path(path: Path) -> Path:
    """model_psa.xlsx beside ``path``: the copy with the live PSA data table."""
    return table_paths(path)["psa"]


def export(path: Path, inputs=INPUTS, n: int = N) -> tuple[Path, object]:
    psa = run_psa(inputs, n, SEED)
    write_workbook(path, inputs, psa.base_case, psa=psa_frame(psa), ceac=psa.ceac_frame(), psa_draws=psa.parameters,
                   psa_seed=psa.seed, max_horizon_years=YEARS)
    return path, psa


def named_values(path: Path) -> dict[str, object]:
    value = NamedValues(path)
    return {name: value(name) for name in value.cells if name.startswith("psa_")}


def table(path: Path, n: int = N) -> np.ndarray:
    cells = sheet_cells(path, PSA)[PSA]
    return np.array([[cells.get((r, c)) for c in (4, 5)] for r in range(TABLE_HEADER + 2, TABLE_HEADER + 3 + n)],
                    dtype=object)  # the shown columns: the data table when re-run, else the engine's values


def raw_table(path: Path, n: int = N) -> list:
    cells = sheet_cells(path, PSA)[PSA]
    return [cells.get((r, c)) for r in range(TABLE_HEADER + 2, TABLE_HEADER + 3 + n) for c in (2, 3)]


def assert_summary_equals_engine(values: dict[str, object], psa) -> None:
    summary = psa.summary()
    inc = summary["incremental"]
    assert values["psa_iterations_run"] == psa.iterations
    assert math.isclose(values["psa_mean_incremental_costs"], inc["costs"], rel_tol=REL)
    assert math.isclose(values["psa_mean_incremental_qalys"], inc["qalys"], rel_tol=REL)
    assert math.isclose(values["psa_icer"], inc["icer"], rel_tol=REL)
    for k, w in enumerate(INPUTS.settings.wtp_thresholds, start=1):
        assert values[f"psa_p_ce_{k}"] == pytest.approx(summary["prob_cost_effective"][f"{w:g}"][psa.intervention],
                                                        abs=1e-12)
        assert values[f"psa_evpi_{k}"] == pytest.approx(summary["evpi"][f"{w:g}"], rel=REL, abs=1e-9)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return export(tmp_path_factory.mktemp("psa") / "model.xlsx")


def test_cached_table_and_statistics_equal_the_engine(exported):
    path, psa = exported
    dc, dq = psa.incremental()
    got = table(path)
    base = psa.base_case.incremental()
    assert got[0, 0] == pytest.approx(base["costs"], rel=1e-15) and got[0, 1] == pytest.approx(base["qalys"], rel=1e-15)
    # the file stores numbers with 16 significant digits (XlsxWriter's %.16g)
    np.testing.assert_allclose(got[1:].astype(float), np.column_stack([dc, dq]), rtol=1e-15, atol=0)
    assert_summary_equals_engine(named_values(path), psa)


def test_every_draw_is_on_the_draws_sheet_and_feeds_its_input(exported):
    path, psa = exported
    wb = openpyxl.load_workbook(path)
    ws = wb[DRAWS]
    ids = [ws.cell(4, j).value for j in range(2, ws.max_column + 1)]
    assert ids == list(psa.parameters.columns)
    first = [ws.cell(9, j).value for j in range(2, 2 + len(ids))]
    np.testing.assert_allclose(first, psa.parameters.iloc[0].to_numpy(), rtol=1e-15, atol=0)  # 16 digits
    in_use = wb["Inputs"]
    formulas = [c.value for row in in_use.iter_rows() for c in row if isinstance(c.value, str)
                and "psa_iteration" not in c.value and "'PSA'!$C$5>0" in c.value]
    assert len(formulas) == len(ids)  # one value-in-use cell per stochastic parameter reads its draws


def sheet_xml(path: Path, title: str) -> tuple[str, str]:
    from cea.workbook.data_table import sheet_parts

    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    return files["xl/workbook.xml"].decode(), files[sheet_parts(files)[title]].decode()


def test_the_model_has_no_data_table_and_its_tables_copy_has_one_with_every_value_cached(exported):
    """model.xlsx: no data table (LibreOffice would recompute it on opening and after every edit), the table's
    cells hold the engine's results, automatic calculation, no recalculation on load.  model_psa.xlsx: the
    same cells with the data table as Excel writes one (the formula on the first cell, a cached value in
    every cell), 'automatic except tables', no recalculation on load."""
    path, psa = exported
    dc, dq = psa.incremental()
    base = psa.base_case.incremental()
    want = [base["costs"], base["qalys"]] + [x for pair in zip(dc, dq) for x in pair]
    book, sheet = sheet_xml(path, PSA)
    assert "dataTable" not in sheet and "calcMode" not in book and "fullCalcOnLoad" not in book
    np.testing.assert_allclose(np.array(raw_table(path), dtype=float), want, rtol=1e-15, atol=0)
    live = psa_path(path)
    book, sheet = sheet_xml(live, PSA)
    first = TABLE_HEADER + 2
    tables = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f t="dataTable"([^>]*)/><v>([^<]+)</v></c>', sheet)
    assert [(c, a) for c, a, _ in tables] == [(f"B{first}", f' ref="B{first}:C{first + N}" dt2D="0" dtr="0" r1="C5"')]
    assert 'calcMode="autoNoTable"' in book and "fullCalcOnLoad" not in book
    np.testing.assert_allclose(np.array(raw_table(live), dtype=float), want, rtol=1e-15, atol=0)
    assert sheet.count("<f t=\"dataTable\"") == 1 and sheet.count("<f") == sheet_xml(path, PSA)[1].count("<f") + 1
    assert not table_paths(path)["dsa"].exists()  # exported without a DSA: no DSA copy


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_acceptability_and_evpi_formulas_equal_the_engine_for_every_sign_of_the_increments(seed):
    """Synthetic iterations in all four quadrants, ΔQ = 0 with ΔC < 0 and > 0, and INB = 0 exactly at a
    grid point: the workbook's COUNTIF/SUMIF forms against cea.analyses' ceac() and evpi()."""
    rng = np.random.default_rng(seed)
    n = 40
    dq = rng.normal(0.05, 0.2, n)
    dc = rng.normal(2_000, 6_000, n)
    dq[:3], dc[:3] = 0.0, [-500.0, 700.0, -1.0]
    psa = pd.DataFrame({"cost_eve_exe": dc + 10_000.0, "cost_exe": 10_000.0, "qaly_eve_exe": dq + 1.0,
                        "qaly_exe": 1.0})
    draws = pd.DataFrame({"u_pd": np.full(n, INPUTS.parameters["u_pd"].value)})
    book = build_book(INPUTS, run_base_case(INPUTS), psa=psa, psa_draws=draws, max_horizon_years=YEARS)
    values = evaluate_book(book)
    costs = np.column_stack([dc + 10_000.0, np.full(n, 10_000.0)])
    qalys = np.column_stack([dq + 1.0, np.ones(n)])
    grid = wtp_grid(INPUTS)
    want_p = ceac(costs, qalys, grid)[:, 0]
    want_evpi = evpi(costs, qalys, grid)
    g0 = TABLE_HEADER + 1
    got_p = np.array([values[(PSA, g0 + k, 11)] for k in range(len(grid))])
    got_evpi = np.array([values[(PSA, g0 + k, 15)] for k in range(len(grid))])
    np.testing.assert_allclose(got_p, want_p, atol=1e-12)
    np.testing.assert_allclose(got_evpi, want_evpi, rtol=1e-9, atol=1e-6)
    assert book.sheets[PSA].get(g0, 13).formula.startswith("IF(")  # the CEAF picks the highest mean NMB


needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


@needs_lo
def test_libreoffice_reruns_the_psa_and_follows_edits(tmp_path):
    """psa_run = yes: the data table recomputed by LibreOffice equals `cea psa` (same seed), as exported and
    after a price edit (a fixed input: every draw the same, every iteration re-run).  With psa_run = no (as
    shipped) the exported results are shown, and an edit is named by the check."""
    exported_path, psa = export(tmp_path / "model.xlsx", inputs=MONTHLY)
    path = psa_path(exported_path)
    price = "eve_pack_price_10mg"
    new_price = INPUTS.parameters[price].value * 0.6
    live = edit_inputs(path, tmp_path / "live.xlsx", {"psa_run": "yes"})
    edited = edit_inputs(path, tmp_path / "price.xlsx", {"psa_run": "yes", price: new_price})
    off = edit_inputs(path, tmp_path / "off.xlsx", {price: new_price})
    moved = edit_inputs(path, tmp_path / "moved.xlsx", {"psa_run": "yes", "u_pd": 0.5})
    plain = edit_inputs(exported_path, tmp_path / "plain.xlsx", {price: new_price})  # no data table in it
    out = {p.name: p for p in recalculate([live, edited, off, moved, plain], tmp_path / "lo")}
    dc, dq = psa.incremental()
    got = table(out["live.xlsx"]).astype(float)
    np.testing.assert_allclose(got[1:], np.column_stack([dc, dq]), rtol=REL)
    assert_summary_equals_engine(named_values(out["live.xlsx"]), psa)
    assert named_values(out["live.xlsx"])["psa_check"] in (None, "")

    cheaper = run_psa(apply_overrides(MONTHLY, {price: repr(new_price)}), N, SEED)
    c_dc, c_dq = cheaper.incremental()
    np.testing.assert_allclose(table(out["price.xlsx"])[1:].astype(float), np.column_stack([c_dc, c_dq]), rtol=REL)
    assert_summary_equals_engine(named_values(out["price.xlsx"]), cheaper)

    shown_off = named_values(out["off.xlsx"])
    assert shown_off["psa_check"].startswith("Inputs differ from the export")
    assert_summary_equals_engine(shown_off, psa)  # the exported PSA, shown as such
    assert all(v == "#N/A" for v in raw_table(out["off.xlsx"]))

    assert "u_pd" in named_values(out["moved.xlsx"])["psa_check"]

    shown_plain = named_values(out["plain.xlsx"])
    assert shown_plain["psa_check"].startswith("Inputs differ from the export")
    assert_summary_equals_engine(shown_plain, psa)  # the exported PSA, shown as such
    np.testing.assert_allclose(table(out["plain.xlsx"])[1:].astype(float), np.column_stack([dc, dq]), rtol=1e-14)


@needs_lo
def test_a_first_load_without_recalculation_shows_the_engine_results(exported, tmp_path):
    """The trap of an Excel data table in LibreOffice: a file without cached values showed empty table cells
    on first load.  Shipped switched off, the engine's results are shown; switched on and opened by a LibreOffice
    set never to recalculate on load, the table is computed (LibreOffice recomputes the MULTIPLE.OPERATIONS
    cells it creates on import) and equals the engine to 1e-9, as do the statistics over it."""
    path, psa = exported
    on = edit_inputs(psa_path(path), tmp_path / "on.xlsx", {"psa_run": "yes"})
    out = {p.name: p for p in recalculate([path, on], tmp_path / "lo", recalculate_on_load=False)}
    assert_summary_equals_engine(named_values(out["model.xlsx"]), psa)
    got = table(out["on.xlsx"])
    assert not any(v is None for v in got.ravel())
    np.testing.assert_allclose(got[1:].astype(float), np.column_stack(psa.incremental()), rtol=REL)
    assert_summary_equals_engine(named_values(out["on.xlsx"]), psa)


def test_without_draws_the_psa_sheet_keeps_the_pasted_results():
    book = build_book(INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    assert DRAWS not in book.sheets and book.data_tables == []
    with pytest.raises(KeyError):
        book.defined["psa_iteration"]


# --------------------------------------------------------------------------- fresh draws
def engine_values_from_fresh(inputs, sheet_values, plan, n: int) -> dict[str, np.ndarray]:
    """Parameter values implied by the fresh draws shown on 'PSA fresh draws' (an independent reading of
    what the value-in-use formulas compute): scalars as drawn, Dirichlet gamma draws normalised in their
    group, survival coefficients μ + L·z (exp for a linked log-scale parameter)."""
    from cea.parameters.parameter_set import point_estimates

    base = point_estimates(inputs).values
    out = {k: np.repeat(v, n) for k, v in base.items()}
    drawn = {pid: np.array([sheet_values[pid][i] for i in range(n)], dtype=float) for pid in plan["columns"]}
    for pid, kind in plan["kinds"].items():
        if kind[0] == "scalar":
            out[pid] = drawn[pid]
        elif kind[0] == "dirichlet":
            out[pid] = drawn[pid] / sum(drawn[q] for q in kind[1])
        else:
            members, k, factor, log_scale = kind[1], kind[2], kind[3], kind[4]
            mean = np.log(base[pid][0]) if log_scale else base[pid][0]
            value = mean + sum(factor[m] * drawn[q] for m, q in enumerate(members))
            out[pid] = np.exp(value) if log_scale else value
    return out


@pytest.mark.parametrize("seed", [1, 7.5])
def test_fresh_draws_follow_the_engine_distributions(seed):
    """Every fresh draw is the engine's distribution at its own uniform u (the seeded sequence, computed here
    independently of the formulas): the inverse CDF of each scalar marginal, gamma(α_i) shares, and
    μ + L·Φ⁻¹(u) for the survival coefficients (the same marginal and Cholesky code the engine samples
    with); no RAND() anywhere in the file (nothing volatile)."""
    from cea.parameters.distributions import multivariate_normal_draws
    from cea.parameters.parameter_set import marginal_distribution
    from cea.workbook.evaluate import set_inputs
    from cea.workbook.psa import fresh_uniform
    from scipy import stats

    psa = run_psa(MONTHLY, 2, SEED)
    book = build_book(MONTHLY, psa.base_case, psa=psa_frame(psa), psa_draws=psa.parameters, max_horizon_years=YEARS)
    assert not any("RAND(" in (c.formula or "") for ws in book.sheets.values() for c in ws.cells.values())
    plan = book.facts["psa_plan"]
    for iteration in (1, 2):
        set_inputs(book, {"psa_draws": "fresh", "psa_iteration": iteration, "psa_fresh_seed": seed})
        values = evaluate_book(book)
        got = {pid: values[("Inputs", row, 13)] for pid, row in plan["rows"].items()}
        u = {pid: fresh_uniform(seed, iteration, j) for pid, j in plan["columns"].items()}
        assert len(set(u.values())) == len(u)  # one stream per parameter
        for pid, kind in plan["kinds"].items():
            if kind[0] == "scalar":
                want = marginal_distribution(MONTHLY.parameters[pid]).ppf(u[pid])
            elif kind[0] == "dirichlet":
                gammas = {q: stats.gamma.ppf(u[q], MONTHLY.parameters[q].value * kind[2]) for q in kind[1]}
                want = gammas[pid] / sum(gammas.values())
            else:
                members, k, log_scale = kind[1], kind[2], kind[4]
                curve = MONTHLY.curves[members[0].rpartition(".")[0]]
                mean = list(curve.estimates)
                covariance = curve.covariance
                if log_scale or members[-1] in MONTHLY.parameters:
                    from cea.inputs.model_inputs import joint_covariance

                    partner = members[-1]
                    covariance = joint_covariance(curve, partner, MONTHLY.parameters[partner])
                    mean.append(np.log(MONTHLY.parameters[partner].value))
                z = np.array([[stats.norm.ppf(u[q]) for q in members]])
                x = multivariate_normal_draws(np.array(mean), covariance, z)[0]
                want = np.exp(x[k]) if log_scale else x[k]
            assert got[pid] == pytest.approx(want, rel=1e-9, abs=1e-12), pid


@needs_lo
def test_fresh_draws_in_libreoffice_are_the_ones_each_iteration_used(tmp_path):
    """psa_draws = fresh, recalculated by LibreOffice: every iteration's (ΔC, ΔQ) is the engine's result for
    the parameter values the sheet shows (no re-drawing between the table's two columns)."""
    from cea.engine.model import evaluate
    from cea.workbook.psa import FRESH, FRESH_HEADER

    path, psa = export(tmp_path / "model.xlsx", inputs=MONTHLY)
    fresh = edit_inputs(psa_path(path), tmp_path / "fresh.xlsx", {"psa_draws": "fresh", "psa_run": "yes"})
    out = recalculate([fresh], tmp_path / "lo")[0]
    book = build_book(MONTHLY, psa.base_case, psa=psa_frame(psa), psa_draws=psa.parameters, max_horizon_years=YEARS)
    plan = book.facts["psa_plan"]
    cells = sheet_cells(out, FRESH)[FRESH]
    shown = {pid: [cells.get((FRESH_HEADER + 1 + i, j)) for i in range(N)] for pid, j in plan["columns"].items()}
    parameters = engine_values_from_fresh(MONTHLY, shown, plan, N)
    outcome = evaluate(MONTHLY.structure, parameters, MONTHLY.settings)
    i, c = outcome.arms.index(psa.intervention), outcome.arms.index(psa.comparator)
    want = np.column_stack([outcome.costs[:, i] - outcome.costs[:, c], outcome.qalys[:, i] - outcome.qalys[:, c]])
    got = table(out).astype(float)[1:]
    assert not np.allclose(got, np.column_stack(psa.incremental()), rtol=1e-6)  # fresh, not the engine's draws
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_a_curve_choice_other_than_the_exported_one_is_named_by_the_check():
    from cea.workbook.evaluate import set_inputs

    psa = run_psa(MONTHLY, 2, SEED)
    book = build_book(MONTHLY, psa.base_case, psa=psa_frame(psa), psa_draws=psa.parameters, max_horizon_years=YEARS)
    set_inputs(book, {"arm.eve_exe.os_curve": "os_exe_gengamma", "psa_run": "yes"})
    values = evaluate_book(book)
    sheet, _, ref = book.defined["psa_check"].rpartition("!")
    assert values[(PSA, int(ref.split("$")[2]), 3)].startswith("Stale")  # the table has not been re-run
    for col, path in ((2, "incremental.costs"), (3, "incremental.qalys")):  # as a recalculation would leave it
        coordinate = book.result_cells[path]
        letters = coordinate.rstrip("0123456789")
        book.sheets[PSA].put(TABLE_HEADER + 2, col, values[("Results", int(coordinate[len(letters):]),
                                                             ord(letters) - 64)])
    values = evaluate_book(book)
    check = values[(PSA, int(ref.split("$")[2]), 3)]
    assert check.startswith("eve_exe OS curve is not the exported os_exe_weibull_ph"), check


def test_results_sheet_shows_the_probabilistic_results():
    from cea.workbook.core import column_index

    psa = run_psa(MONTHLY, N, SEED)
    book = build_book(MONTHLY, psa.base_case, psa=psa_frame(psa), psa_draws=psa.parameters, max_horizon_years=YEARS)
    values = evaluate_book(book)
    cells = book.facts["psa_result_cells"]
    got = {}
    for name, ref in cells.items():
        letters = ref.rstrip("0123456789")
        got[name] = values[("Results", int(ref[len(letters):]), column_index(letters))]
    assert_summary_equals_engine({**got, "psa_iterations_run": N,
                                  **{f"psa_evpi_{k}": psa.summary()["evpi"][f"{w:g}"]
                                     for k, w in enumerate(MONTHLY.settings.wtp_thresholds, start=1)}}, psa)
    assert set(cells) >= {"psa_mean_incremental_costs", "psa_mean_incremental_qalys", "psa_icer", "psa_p_ce_1"}


# --------------------------------------------------------------------------- independent readers
def cached_cells(path: Path) -> dict[tuple[str, int, int], object]:
    """Every cell's cached value as openpyxl reads it (errors and empty text as None)."""
    out = {}
    for title, cells in sheet_cells(path).items():
        for (row, column), v in cells.items():
            if isinstance(v, str) and (v == "" or v.startswith("#")):
                continue
            out[(title, row, column)] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return out


def calamine_cells(path: Path) -> dict[tuple[str, int, int], object]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        for r, row in enumerate(wb.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, str) and (v == "" or v.startswith("#")):
                    v = None
                if v is not None:
                    out[(name, r, c)] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
    return out


def test_openpyxl_and_calamine_read_the_same_cached_values_in_both_files(exported):
    """Two independent readers (openpyxl; python-calamine, a Rust reader) see the same value in every cell of
    model.xlsx and of model_psa.xlsx (the data table's cells included), and the two files hold the same
    values."""
    pytest.importorskip("python_calamine")
    path, psa = exported
    first = cached_cells(path)
    assert first == calamine_cells(path)
    assert cached_cells(psa_path(path)) == calamine_cells(psa_path(path)) == first
    dc, dq = psa.incremental()
    assert first[(PSA, TABLE_HEADER + 3, 2)] == pytest.approx(dc[0], rel=1e-15)


@needs_lo
def test_libreoffice_opens_model_xlsx_with_the_cached_values(exported, tmp_path):
    """LibreOffice set never to recalculate on load, re-saving model.xlsx: every number and text as cached (its
    file stores 15 significant digits).  With 'always recalculate', both files agree with the cached values cell
    by cell on every sheet (PSA draws, PSA fresh draws, the PSA statistics with their percentiles, and every
    model sheet), except the data table's own cells in model_psa.xlsx: shipped with psa_run = no, LibreOffice's
    recomputed table shows #N/A there (the engine's results are shown beside it, and compared); the table re-run
    is compared with `cea psa` in test_libreoffice_reruns_the_psa_and_follows_edits."""
    from tests.workbook_compare import compare_with_companion, data_table_cells

    path, _ = exported
    cached = cached_cells(path)
    out = recalculate([path], tmp_path / "lo0", recalculate_on_load=False)[0]
    seen = cached_cells(out)
    assert len(cached) > 10_000
    for key, want in cached.items():
        got = seen.get(key)
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-14, abs=1e-300), key
        elif not isinstance(want, bool):
            assert got == want, key
    tables = psa_path(path)
    assert len(data_table_cells(tables)) == 2 * (N + 1)
    for compared in compare_with_companion(path, tables, tmp_path / "pair").values():
        assert {PSA, DRAWS, "PSA fresh draws", "Inputs", "Results"} <= {s for s, n in compared.items() if n}
        assert compared[PSA] > 500 and compared[DRAWS] > 500


def test_no_formula_is_volatile(exported):
    """A volatile function (RAND, NOW, TODAY, OFFSET, INDIRECT, INFO, CELL) is recomputed by LibreOffice when it
    opens the file, with everything that depends on it: the fresh draws once made it recompute the whole model
    on opening.  None may appear in either file."""
    path, _ = exported
    volatile = re.compile(r"\b(RAND|RANDBETWEEN|NOW|TODAY|OFFSET|INDIRECT|INFO|CELL)\(", re.I)
    for file in (path, psa_path(path)):
        with zipfile.ZipFile(file) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    formulas = re.findall(r"<f[^>]*>([^<]*)</f>", archive.read(name).decode())
                    assert formulas or "sheet" in name
                    bad = [f for f in formulas if volatile.search(f)]
                    assert not bad, (file.name, name, bad[:2])


def test_the_fresh_draw_primes_are_the_primes():
    """The sieve behind each column's additive-sequence constants gives the primes trial division gives."""
    from cea.workbook.psa import _primes

    def trial_division(count):
        found, k = [], 2
        while len(found) < count:
            if all(k % q for q in found if q * q <= k):
                found.append(k)
            k += 1
        return tuple(found)

    for count in (1, 2, 5, 18, 100, 1000, 1100):
        assert _primes(count) == trial_division(count)
    assert _primes(10) == (2, 3, 5, 7, 11, 13, 17, 19, 23, 29)
