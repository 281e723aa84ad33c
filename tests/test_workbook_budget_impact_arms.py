"""The workbook's budget impact with more than two arms (tests/fixtures/four_arms): the market shares of the world
without the intervention and the displaced shares are input cells on 'Budget impact', each world's costs are
formulas over every arm, and the sheet equals `cea bia` after LibreOffice recalculation (one LibreOffice start for
every variant), also after editing the shares; shares that `cea bia` refuses show in CHECKS."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.budget_impact import run_budget_impact
from cea.errors import InputError
from cea.inputs.budget_impact import load_budget_impact
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook import write_workbook
from cea.workbook.recalc import edit_inputs, input_cells, recalculate

ROOT = Path(__file__).resolve().parents[1]
FOUR = ROOT / "tests" / "fixtures" / "four_arms"
REL_TOL = 1e-9
OTHERS = ("exe", "fx_dominated", "fx_extended")

# workbook edits (defined name -> value) and the same change for `cea bia`: (market shares by arm and year, displaced)
SHARES = {"exe": (0.5, 0.6, 0.7, 0.8, 0.85), "fx_dominated": (0.3, 0.25, 0.2, 0.15, 0.1),
          "fx_extended": (0.2, 0.15, 0.1, 0.05, 0.05)}
DISPLACED = {"exe": 0.8, "fx_dominated": 0.15, "fx_extended": 0.05}
VARIANTS = {
    "base": {},
    "shares_edited": {**{f"bia_market_share_{a}_{j}": SHARES[a][j - 1] for a in OTHERS for j in range(1, 6)},
                      **{f"bia_displaced_share_{a}": DISPLACED[a] for a in OTHERS}, "bia_uptake_without_2": 0.1},
    # refused by `cea bia`: the CHECKS cell names the problem
    "sum_not_one": {"bia_market_share_exe_3": 0.5},
    "displaced_not_one": {"bia_displaced_share_exe": 0.5},
    "too_much_taken": {"bia_displaced_share_exe": 0.05, "bia_displaced_share_fx_extended": 0.75},
    "share_outside": {"bia_market_share_fx_dominated_1": -0.1, "bia_market_share_exe_1": 1.0},
}
MESSAGES = {"sum_not_one": "bia_market_share_exe_3: the market shares of year 3 sum to 0.8, not 1",
            "displaced_not_one": "the displaced shares sum to 0.75, not 1",
            "too_much_taken": "would take more patients from",
            "share_outside": "bia_market_share_fx_dominated_1: market share of"}


@pytest.fixture(scope="module")
def inputs():
    """The fixture at a 6-year horizon: the budget impact's 5 years are covered and the workbook's traces are a
    third of the base case's rows (the test is about the shares, not the trace length)."""
    return apply_overrides(load_inputs(FOUR), {"horizon_years": 6})


@pytest.fixture(scope="module")
def exported(tmp_path_factory, inputs):
    folder = tmp_path_factory.mktemp("bia_arms_workbook")
    return write_workbook(folder / "model.xlsx", inputs, run_base_case(inputs), budget_impact=load_budget_impact(FOUR))


def _values(path: Path):
    from tests.workbook_compare import NamedValues

    return NamedValues(path)


def _expected(inputs, variant: str):
    bia = load_budget_impact(FOUR)
    if variant == "shares_edited":
        without = list(bia.uptake_without)
        without[1] = 0.1
        bia = replace(bia, market_share_without=dict(SHARES), displaced_share=dict(DISPLACED),
                      uptake_without=tuple(without))
    return run_budget_impact(inputs, bia=bia, sensitivity=False)


def test_shares_are_named_input_cells_with_validation(exported):
    wb = openpyxl.load_workbook(exported)
    cells = input_cells(exported)
    for a in OTHERS:
        sheet, coordinate = cells[f"bia_market_share_{a}_1"]
        assert sheet == "Budget impact" and not wb[sheet][coordinate].protection.locked
        assert any(coordinate in str(v.sqref) for v in wb[sheet].data_validations.dataValidation)
        assert f"bia_displaced_share_{a}" in cells
    assert wb["Budget impact"][cells["bia_market_share_exe_1"][1]].value == 0.7
    sheet, coordinate = cells["bia_costs_with_1"]
    text = str(wb[sheet][coordinate].value)
    assert text.startswith("=")
    assert "Trace" not in text  # the world rows read the per-patient costs of every arm
    assert "bia_shares_check" in cells and "checks" in cells


def _assert_equals_cea_bia(value, expected) -> None:
    """The sheet's yearly costs with and without, net impact and total equal the engine's, and CHECKS says OK."""
    for j in range(1, 6):
        assert value(f"bia_costs_with_{j}") == pytest.approx(expected.costs_with[:, j - 1].sum(), rel=REL_TOL)
        assert value(f"bia_costs_without_{j}") == pytest.approx(expected.costs_without[:, j - 1].sum(), rel=REL_TOL)
        assert value(f"bia_net_{j}") == pytest.approx(expected.net[j - 1], rel=REL_TOL)
    assert value("bia_total_net") == pytest.approx(expected.total_net, rel=REL_TOL)
    assert value("checks") == "OK" and not value("bia_shares_check")


def test_cached_values_equal_cea_bia(exported, inputs):
    expected = _expected(inputs, "base")
    value = _values(exported)
    _assert_equals_cea_bia(value, expected)


@pytest.fixture(scope="module")
def exported_default(tmp_path_factory, inputs):
    """The same inputs without displaced shares: the intervention takes from every arm in proportion to its market
    share (the displaced-share rows of the sheet are formulas equal to the market shares)."""
    folder = tmp_path_factory.mktemp("bia_arms_default")
    bia = replace(load_budget_impact(FOUR), displaced_share={})
    return write_workbook(folder / "default.xlsx", inputs, run_base_case(inputs), budget_impact=bia)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, exported, exported_default):
    folder = tmp_path_factory.mktemp("bia_arms_edits")
    paths = [edit_inputs(exported, folder / f"{key}.xlsx", edits) for key, edits in VARIANTS.items()]
    paths.append(edit_inputs(exported_default, folder / "default.xlsx", {"bia_market_share_exe_2": 0.6,
                                                                        "bia_market_share_fx_dominated_2": 0.3}))
    return dict(zip(list(VARIANTS) + ["default"], recalculate(paths, folder / "recalculated", processes=1)))


@pytest.mark.libreoffice
def test_displaced_shares_default_to_the_market_shares(recalculated, inputs):
    bia = load_budget_impact(FOUR)
    market = dict(bia.market_share_without)
    market["exe"], market["fx_dominated"] = (0.7, 0.6, 0.7, 0.7, 0.7), (0.2, 0.3, 0.2, 0.2, 0.2)
    expected = run_budget_impact(inputs, bia=replace(bia, displaced_share={}, market_share_without=market),
                                 sensitivity=False)
    value = _values(recalculated["default"])
    for j in range(1, 6):
        assert value(f"bia_net_{j}") == pytest.approx(expected.net[j - 1], rel=REL_TOL)
    assert value("bia_total_net") == pytest.approx(expected.total_net, rel=REL_TOL)
    assert value("checks") == "OK"
    assert "bia_displaced_share_exe" not in input_cells(recalculated["default"])


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", ["base", "shares_edited"])
def test_recalculated_budget_impact_equals_cea_bia(recalculated, inputs, variant):
    expected = _expected(inputs, variant)
    value = _values(recalculated[variant])
    _assert_equals_cea_bia(value, expected)


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", list(MESSAGES))
def test_shares_refused_by_cea_bia_show_in_checks(recalculated, variant):
    value = _values(recalculated[variant])
    assert MESSAGES[variant] in str(value("bia_shares_check"))
    assert MESSAGES[variant] in str(value("checks"))


def test_the_refused_shares_are_refused_by_cea_bia(inputs):
    """The workbook checks mirror the tool: each refused variant is an InputError of `cea bia`."""
    bia = load_budget_impact(FOUR)
    market = dict(bia.market_share_without)
    refused = [
        replace(bia, market_share_without={**market, "exe": (0.7, 0.7, 0.5, 0.7, 0.7)}),
        replace(bia, displaced_share={**bia.displaced_share, "fx_extended": 0.7, "exe": 0.1}),
    ]
    for b in refused:
        with pytest.raises(InputError):
            run_budget_impact(inputs, bia=b, sensitivity=False)


@pytest.mark.libreoffice
def test_libreoffice_and_the_cached_values_agree_cell_by_cell(recalculated, exported):
    from tests.workbook_compare import differences

    compared, wrong = differences(exported, recalculated["base"])
    assert not wrong, wrong[:10]
    assert compared["Budget impact"] > 150, compared
