"""The Results sheet as a payer reads it: discounted and undiscounted totals by category and state, costs by
health state, the threshold price, and the probabilistic block.

Every result cell is checked against the engine (BaseCaseResult.to_dict) and the threshold price against
`cea threshold` (cea.analyses.threshold) to a relative 1e-9: the cached values computed at export, and
LibreOffice's recalculation after edits (marked ``libreoffice``)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.threshold import threshold
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook import write_workbook
from cea.workbook.build import build_book
from cea.workbook.core import column_index
from cea.workbook.evaluate import evaluate_book
from cea.workbook.recalc import edit_inputs, recalculate
from cea.workbook.results import COST_STATE_NAMES, RESULTS, STATE_OF_BASIS, fill_psa_block, flatten

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
REL_TOL = 1e-9


def _split(coordinate: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", coordinate)
    return int(m.group(2)), column_index(m.group(1))


def _relative(got: float, want: float) -> float:
    return abs(got - want) / (abs(want) if want != 0 else 1.0)


def _thresholds(model_inputs) -> dict[str, float]:
    s = model_inputs.settings
    table = threshold(model_inputs, s.price_parameter, linked=s.price_linked).table
    return {f"{w:g}": v for w, v in zip(table["wtp"], table["threshold_value"])}


@pytest.fixture(scope="module")
def shipped():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def evaluated(shipped):
    base = run_base_case(shipped)
    book = build_book(shipped, base)
    return book, evaluate_book(book), base


def _result(values, coordinate: str):
    return values.get((RESULTS, *_split(coordinate)))


# --------------------------------------------------------------------------- cached values (no LibreOffice)
def test_every_result_cell_is_cached_at_the_engine_value(evaluated):
    book, values, base = evaluated
    expected = flatten(base.to_dict())
    for arm in ("eve_exe", "exe"):  # the payer's additions are laid out
        for key in ("undiscounted.costs", "undiscounted.qalys", "costs_by_state.PF", "costs_by_state.PD",
                    "costs_by_state.Dead", "undiscounted.qalys_by_state.AE",
                    *(f"undiscounted.costs_by_category.{c}" for c in base.outcomes.cost_categories)):
            assert f"arms.{arm}.{key}" in book.result_cells, key
    for path, coordinate in book.result_cells.items():
        want, got = expected[path], _result(values, coordinate)
        if isinstance(want, str):
            assert got == want, path
        else:
            assert _relative(got, want) <= REL_TOL, (path, got, want)


def test_costs_by_state_add_up_to_the_total_and_the_mapping_is_stated(evaluated):
    book, values, base = evaluated
    for arm in ("eve_exe", "exe"):
        by_state = sum(_result(values, book.result_cells[f"arms.{arm}.costs_by_state.{s}"]) for s in COST_STATE_NAMES)
        assert by_state == pytest.approx(_result(values, book.result_cells[f"arms.{arm}.costs"]), rel=1e-12)
    # terminal care is the only item paid at death: the Dead row equals that category
    dead = [i for i in book.inputs.structure.cost_items if STATE_OF_BASIS[i.basis] == "Dead"]
    assert {i.category for i in dead} == {"terminal_care"}
    for arm in ("eve_exe", "exe"):
        assert _result(values, book.result_cells[f"arms.{arm}.costs_by_state.Dead"]) == pytest.approx(
            _result(values, book.result_cells[f"arms.{arm}.costs_by_category.terminal_care"]), rel=1e-12)
    text = " ".join(str(c.value) for c in book.sheets[RESULTS].cells.values() if isinstance(c.value, str))
    assert "Mapping of cost items to states" in text and "terminal_care" in text


def test_undiscounted_totals_exceed_discounted_ones_at_a_positive_rate(evaluated):
    book, values, _ = evaluated
    for arm in ("eve_exe", "exe"):
        for what in ("costs", "qalys", "lys"):
            disc = _result(values, book.result_cells[f"arms.{arm}.{what}"])
            undisc = _result(values, book.result_cells[f"arms.{arm}.undiscounted.{what}"])
            assert undisc > disc > 0, (arm, what)


def test_threshold_price_is_cea_threshold(evaluated, shipped):
    book, values, _ = evaluated
    cells = book.facts["threshold_price_cells"]
    want = _thresholds(shipped)
    assert set(cells) == set(want) == {"20000", "30000"}
    for wtp, coordinate in cells.items():
        assert _relative(_result(values, coordinate), want[wtp]) <= REL_TOL, wtp


@pytest.mark.parametrize("overrides", [{"hr_pfs": "0.6", "eve_pack_price_10mg": "2000"},
                                       {"discount_rate_costs": "0", "tot_rate_everolimus": "0.1"}])
def test_threshold_price_after_overrides_gives_an_icer_equal_to_the_threshold(shipped, overrides):
    """Independent of cea.analyses.threshold: at the workbook's threshold price (linked prices moved by the
    same percentage) the engine's ICER equals the threshold."""
    model_inputs = apply_overrides(shipped, overrides)
    book = build_book(model_inputs, run_base_case(model_inputs))
    values = evaluate_book(book)
    s = model_inputs.settings
    want = _thresholds(model_inputs)
    for wtp, coordinate in book.facts["threshold_price_cells"].items():
        price = _result(values, coordinate)
        assert _relative(price, want[wtp]) <= REL_TOL
        factor = price / model_inputs.parameter_value(s.price_parameter)
        at_price = {s.price_parameter: repr(price),
                    **{p: repr(model_inputs.parameter_value(p) * factor) for p in s.price_linked}}
        icer = run_base_case(apply_overrides(model_inputs, at_price)).incremental()["icer"]
        assert icer == pytest.approx(float(wtp), rel=1e-8)


def test_psa_block_waits_for_the_psa_names_then_reads_them(shipped):
    book = build_book(shipped, run_base_case(shipped))
    row = book.facts["results_psa_row"]
    assert book.sheets[RESULTS].get(row, 1).value == "PSA: see PSA sheet"
    assert "psa_result_cells" not in book.facts
    # the names the PSA sheet defines: put known numbers behind them and fill the block
    psa = book.sheets["PSA"]
    numbers = {"psa_mean_incremental_costs": 19000.5, "psa_mean_incremental_qalys": 0.25, "psa_icer": 76002.0,
               "psa_p_ce_1": 0.125, "psa_p_ce_2": 0.375}
    for k, (name, number) in enumerate(numbers.items()):
        psa.value(200 + k, 30, number)
        book.define(name, "PSA", f"$AD${200 + k}")
    fill_psa_block(book)
    filled = evaluate_book(book)
    cells = book.facts["psa_result_cells"]
    assert set(cells) == set(numbers)
    for name, number in numbers.items():
        assert filled[(RESULTS, *_split(cells[name]))] == number
        assert book.sheets[RESULTS].get(*_split(cells[name])).formula == name


# --------------------------------------------------------------------------- LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_new_results_to_the_engine(tmp_path, shipped):
    exported = write_workbook(tmp_path / "model.xlsx", shipped, run_base_case(shipped))
    edits = {"hr_pfs": 0.6, "eve_pack_price_10mg": 2000.0, "discount_rate_outcomes": 0.015}
    edited = edit_inputs(exported, tmp_path / "edited.xlsx", edits)
    base_out, edited_out = recalculate([exported, edited], tmp_path / "recalculated")
    for path, model_inputs in ((base_out, shipped),
                               (edited_out, apply_overrides(shipped, {k: str(v) for k, v in edits.items()}))):
        book = build_book(model_inputs, run_base_case(model_inputs))
        expected = flatten(run_base_case(model_inputs).to_dict())
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
        ws = wb[RESULTS]
        got = {c.coordinate: c.value for row in ws.iter_rows() for c in row if hasattr(c, "coordinate")}
        wb.close()
        for result_path, coordinate in book.result_cells.items():
            if not isinstance(expected[result_path], str):
                assert _relative(got[coordinate], expected[result_path]) <= REL_TOL, (path.name, result_path)
        want = _thresholds(model_inputs)
        for wtp, coordinate in book.facts["threshold_price_cells"].items():
            assert _relative(got[coordinate], want[wtp]) <= REL_TOL, (path.name, wtp)


def test_psa_names_defined_by_a_later_psa_writer_reach_the_results(shipped, monkeypatch):
    """The integration path: a writer placed after the PSA sheet's (as a PSA data-table module would be) defines
    the names; the Results block, filled after every PSA writer, reads them."""
    import cea.workbook as workbook
    import cea.workbook.registry as registry

    monkeypatch.setattr(registry, "_REGISTRY", list(registry._REGISTRY))

    def psa_names(book):
        psa = book.sheets["PSA"]
        for k, name in enumerate(("psa_mean_incremental_costs", "psa_mean_incremental_qalys", "psa_icer",
                                  "psa_p_ce_1", "psa_p_ce_2")):
            psa.value(300 + k, 40, 0.5 + k)
            book.define(name, "PSA", f"$AN${300 + k}")

    workbook.register_sheet("psa_names_test", psa_names, after="psa")
    book = build_book(shipped, run_base_case(shipped))
    values = evaluate_book(book)
    cells = book.facts["psa_result_cells"]
    assert [values[(RESULTS, *_split(cells[name]))] for name in ("psa_mean_incremental_costs", "psa_icer",
                                                                 "psa_p_ce_2")] == [0.5, 2.5, 4.5]
