"""Partitioned survival selectable in the workbook: the 'model_structure' input cell (drop-down markov | psm, the
id `cea run --set` takes) switches the Trace sheets to the state membership of cea.engine.psm.

The Python evaluation of the workbook's formulas (cea.workbook.evaluate, the file's cached values) is compared
row by row with the engine's partitioned-survival trace, and with a re-implementation of NICE DSU TSD19's
partition inside this test; then the exported file, edited through its named cells and recalculated in
LibreOffice, is compared with `cea run --set model_structure=psm`.  Both sides are exact arithmetic in a
different order: rel 1e-9.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.cli import app
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook import results_layout
from cea.workbook.build import build_book, write_workbook
from cea.workbook.evaluate import evaluate_book, set_inputs
from cea.workbook.recalc import edit_inputs, recalculate
from cea.workbook.results import flatten

ROOT = Path(__file__).resolve().parents[1]
INPUTS = load_inputs(ROOT / "inputs")
REL = 1e-9
YEARS = 15.1  # rows for the shipped 15-year horizon: every formula is the same for any number of rows
HEADER_ROW = 9


def trace_column(book, values, arm: str, header: str, n: int) -> np.ndarray:
    ws = book.sheets[f"Trace {arm}"]
    columns = [col for (row, col), cell in ws.cells.items() if row == HEADER_ROW and cell.value == header]
    assert len(columns) == 1, header
    return np.array([values.get((ws.title, HEADER_ROW + 1 + k, columns[0])) for k in range(n)], dtype=float)


@pytest.fixture(scope="module")
def psm_book():
    book = build_book(INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    set_inputs(book, {"model_structure": "psm"})
    return book, evaluate_book(book)


@pytest.fixture(scope="module")
def psm_engine():
    inputs = apply_overrides(INPUTS, {"model_structure": "psm"})
    return inputs, run_base_case(inputs).outcomes


@pytest.mark.parametrize("arm", ["eve_exe", "exe"])
def test_psm_trace_rows_equal_the_engine(psm_book, psm_engine, arm):
    book, values = psm_book
    inputs, outcomes = psm_engine
    j, n = outcomes.arms.index(arm), inputs.settings.n_cycles + 1
    t = outcomes.trace
    for header, state in (("PF", t.pf), ("PD", t.pd), ("Dead", t.dead)):
        np.testing.assert_allclose(trace_column(book, values, arm, header, n), state[0, j], rtol=REL, atol=1e-15,
                                   err_msg=header)
    np.testing.assert_allclose(trace_column(book, values, arm, "New progressions", n)[1:],
                               t.new_progressions[0, j], rtol=REL, atol=1e-15)
    np.testing.assert_allclose(trace_column(book, values, arm, "New deaths", n)[1:], t.new_deaths[0, j],
                               rtol=REL, atol=1e-15)
    np.testing.assert_allclose(trace_column(book, values, arm, "P(PD→Dead)", n)[1:], t.p_pd_death[0, j],
                               rtol=REL, atol=1e-15)


def test_psm_trace_is_the_partition_of_the_floored_curves(psm_book):
    """An independent partition from the Surv sheet's own curve columns (time in months, ΔH x HR): each curve's
    hazard per cycle floored at the background hazard, PF = min(S_PFS, S_OS), PD = S_OS − PF, Dead = 1 − S_OS.
    A Markov trace, an unfloored curve or a PD computed from PFS alone fails here."""
    book, values = psm_book
    arm, n = "exe", INPUTS.settings.n_cycles + 1
    surv = book.sheets[f"Surv {arm}"]
    header = {cell.value: col for (row, col), cell in surv.cells.items() if row == HEADER_ROW}

    def col(name):
        return np.array([values.get((surv.title, HEADER_ROW + 1 + k, header[name])) or 0.0 for k in range(n)])

    bg = col("Background death hazard per cycle")[1:]
    s = {}
    for e in ("PFS", "OS"):
        dh = col(f"{e} ΔH (after waning)")[1:]
        s[e] = np.exp(-np.concatenate([[0.0], np.cumsum(np.maximum(dh, bg))]))
    pf = np.minimum(s["PFS"], s["OS"])
    np.testing.assert_allclose(trace_column(book, values, arm, "PF", n), pf, rtol=REL)
    np.testing.assert_allclose(trace_column(book, values, arm, "PD", n), s["OS"] - pf, rtol=REL, atol=1e-15)
    np.testing.assert_allclose(trace_column(book, values, arm, "Dead", n), 1 - s["OS"], rtol=REL, atol=1e-15)
    markov = build_book(INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    markov_values = evaluate_book(markov)
    assert not np.allclose(trace_column(markov, markov_values, arm, "PD", n), s["OS"] - pf, rtol=1e-3)


def test_the_structure_is_a_drop_down_input_named_as_the_setting():
    book = build_book(INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    sheet, _, ref = book.defined["model_structure"].rpartition("!")
    ref = ref.replace("$", "")
    row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    validations = [v for v in book.sheets["Inputs"].validations if v[0] == row and v[1] == 3]
    assert [v[4]["source"] for v in validations if v[4].get("validate") == "list"] == [["markov", "psm"]]
    assert book.sheets["Inputs"].cells[(row, 3)].value == INPUTS.settings.model_structure == "markov"


def test_each_trace_sheet_shows_which_structure_it_computes(psm_book):
    book, values = psm_book
    markov = build_book(INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    markov_values = evaluate_book(markov)
    for arm in INPUTS.structure.arm_ids:
        title = f"Trace {arm}"
        assert book.sheets[title].cells[(8, 1)].value == "Partitioned survival (model_structure = psm)?"
        assert values[(title, 8, 6)] is True and markov_values[(title, 8, 6)] is False


# ------------------------------------------------------------------------------ LibreOffice
EDITS = {
    "psm": {"model_structure": "psm"},
    "psm_loglogistic_os_waning": {"model_structure": "psm", "arm.eve_exe.os_curve": "os_eve_exe_loglogistic",
                                  "arm.exe.os_curve": "os_exe_loglogistic", "arm.eve_exe.os_hazard_ratio": "none",
                                  "waning_start_months": 24.0, "waning_end_months": 36.0},
}
SELECTED = ("structure_psm", "os_loglogistic_aft", "pd_mortality_equal_pooled")  # through the scenario selector


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("structure")
    exported = write_workbook(folder / "model.xlsx", INPUTS, run_base_case(INPUTS), max_horizon_years=YEARS)
    variants = {**EDITS, **{name: {"scenario": name} for name in SELECTED}}
    paths = [edit_inputs(exported, folder / f"{name}.xlsx", changes) for name, changes in variants.items()]
    out = recalculate(paths, folder / "recalculated")
    return dict(zip(variants, out))


def results_of(path: Path) -> dict[str, object]:
    layout = results_layout(INPUTS)
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    values = {c.coordinate: c.value for row in wb["Results"].iter_rows() for c in row if hasattr(c, "coordinate")}
    wb.close()
    return {key: values.get(coordinate) for key, coordinate in layout.items()}


def assert_results_equal(got: dict[str, object], overrides: dict[str, str]) -> None:
    expected = flatten(run_base_case(apply_overrides(INPUTS, overrides)).to_dict())
    for key, value in got.items():
        want = expected[key]
        if want is None:
            assert value == "n/a", key
        elif isinstance(want, str):
            assert value == want, key
        else:
            assert isinstance(value, (int, float)), (key, value)
            assert math.isclose(value, want, rel_tol=REL, abs_tol=1e-12), (key, value, want)


def as_set(changes: dict[str, object]) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in changes.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", list(EDITS))
def test_recalculated_psm_equals_the_engine(recalculated, variant):
    assert_results_equal(results_of(recalculated[variant]), as_set(EDITS[variant]))


@pytest.mark.libreoffice
@pytest.mark.parametrize("scenario", SELECTED)
def test_recalculated_selected_scenario_equals_the_engine(recalculated, scenario):
    from cea.inputs.overrides import scenario_overrides

    assert_results_equal(results_of(recalculated[scenario]), scenario_overrides(INPUTS)[scenario])


@pytest.mark.libreoffice
def test_recalculated_psm_equals_cea_run_set(recalculated, tmp_path):
    """The literal contract: the edited workbook == `cea run --set model_structure=psm`."""
    result = CliRunner().invoke(app, ["run", "--inputs", str(ROOT / "inputs"), "--out", str(tmp_path), "--json",
                                      "--set", "model_structure=psm"])
    assert result.exit_code == 0, result.output
    want = flatten(json.loads(result.stdout))
    got = results_of(recalculated["psm"])
    for key in ("arms.eve_exe.costs", "arms.exe.costs", "arms.eve_exe.qalys", "arms.exe.qalys", "arms.eve_exe.lys",
                "incremental.icer"):
        assert got[key] == pytest.approx(want[key], rel=REL), key
    markov = flatten(run_base_case(INPUTS).to_dict())  # both follow S_OS: the split between PF and PD differs
    assert abs(got["incremental.icer"] / markov["incremental.icer"] - 1) > 1e-4  # the switch changed the model
