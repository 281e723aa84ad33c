"""The workbook's budget impact sheets: live formulas that equal `cea bia` after LibreOffice recalculation,
also after editing budget-impact inputs and model inputs in the workbook."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.budget_impact import run_budget_impact
from cea.inputs.budget_impact import load_budget_impact
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook import write_workbook
from cea.workbook.recalc import edit_inputs, input_cells, recalculate
from tests.workbook_compare import NamedValues

ROOT = Path(__file__).resolve().parents[1]
REL_TOL = 1e-9

# workbook edits (defined name -> value) and the same change for the engine: (model overrides, BIA changes)
VARIANTS = {
    "base": ({}, {}, {}),
    "uptake_and_population": ({"bia_uptake_with_1": 0.5, "bia_uptake_without_2": 0.1, "bia_eligible_1": 2000,
                               "bia_incidence_growth": 0.03, "bia_prevalent_patients": 300},
                              {}, {"uptake_with": 0, "uptake_without": 1, "eligible": 2000, "growth": 0.03,
                                   "prevalent": 300}),
    "half_price_simpson": ({"eve_pack_price_10mg": 1336.5, "eve_pack_price_5mg": 1125.0,
                            "within_cycle_correction": "simpson"},
                           {"eve_pack_price_10mg": 1336.5, "eve_pack_price_5mg": 1125.0,
                            "within_cycle_correction": "simpson"}, {}),
    "discontinuation_none_correction": ({"tot_rate_everolimus": 0.1, "within_cycle_correction": "none"},
                                        {"tot_rate_everolimus": 0.1, "within_cycle_correction": "none"}, {}),
    "monthly_cycles": ({"cycle_length_days": 30.4375}, {"cycle_length_days": 30.4375}, {}),
}


def _bia_for(bia, change):
    if not change:
        return bia
    with_ = list(bia.uptake_with)
    without = list(bia.uptake_without)
    with_[change["uptake_with"]] = 0.5
    without[change["uptake_without"]] = 0.1
    return replace(bia, uptake_with=tuple(with_), uptake_without=tuple(without),
                   eligible_given={1: float(change["eligible"])}, incidence_growth=change["growth"],
                   prevalent_patients=float(change["prevalent"]))


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(ROOT / "inputs")


@pytest.fixture(scope="module")
def exported(tmp_path_factory, inputs):
    folder = tmp_path_factory.mktemp("bia_workbook")
    return write_workbook(folder / "model.xlsx", inputs, run_base_case(inputs),
                          budget_impact=load_budget_impact(inputs.folder))


def test_sheets_names_and_formulas(exported):
    wb = openpyxl.load_workbook(exported)
    assert {"Budget impact", "BIA cycles"} <= set(wb.sheetnames)
    assert wb.sheetnames.index("Budget impact") == wb.sheetnames.index("Results") + 1
    cells = input_cells(exported)
    for name in ("bia_incidence_growth", "bia_prevalent_patients", "bia_eligible_1", "bia_uptake_with_5",
                 "bia_uptake_without_1", "bia_net_1", "bia_total_net"):
        assert name in cells, name
    sheet, coordinate = cells["bia_uptake_with_1"]
    assert wb[sheet][coordinate].value == 0.3 and not wb[sheet][coordinate].protection.locked
    sheet, coordinate = cells["bia_net_1"]
    assert str(wb[sheet][coordinate].value).startswith("=")
    cycles = wb["BIA cycles"]
    assert str(cycles["F6"].value).startswith("=MAX(0,MIN(")  # share of cycle 0 in year 1
    assert "'Trace eve_exe'!" in str(cycles.cell(row=6, column=11).value)


def test_input_sets_without_budget_impact_have_no_sheet(tmp_path, inputs):
    path = write_workbook(tmp_path / "m.xlsx", inputs, run_base_case(inputs))
    assert "Budget impact" not in openpyxl.load_workbook(path, read_only=True).sheetnames


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, exported):
    folder = tmp_path_factory.mktemp("bia_edits")
    paths = [edit_inputs(exported, folder / f"{key}.xlsx", edits) for key, (edits, _, _) in VARIANTS.items()]
    out = recalculate(paths, folder / "recalculated")
    return dict(zip(VARIANTS, out))


@pytest.mark.libreoffice
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_recalculated_budget_impact_equals_the_engine(recalculated, inputs, variant):
    _, overrides, bia_change = VARIANTS[variant]
    expected = run_budget_impact(apply_overrides(inputs, overrides), bia=_bia_for(load_budget_impact(inputs.folder),
                                                                                 bia_change), sensitivity=False)
    value = NamedValues(recalculated[variant])
    for j in range(1, 6):
        assert value(f"bia_costs_with_{j}") == pytest.approx(expected.costs_with[:, j - 1].sum(), rel=REL_TOL)
        assert value(f"bia_costs_without_{j}") == pytest.approx(expected.costs_without[:, j - 1].sum(), rel=REL_TOL)
        assert value(f"bia_net_{j}") == pytest.approx(expected.net[j - 1], rel=REL_TOL)
    assert value("bia_total_net") == pytest.approx(expected.total_net, rel=REL_TOL)
    for title in ("Budget impact", "BIA cycles"):
        assert not any(isinstance(v, str) and (v.startswith("#") or v.startswith("Err:"))
                       for v in value.sheet(title).values()), title


@pytest.mark.libreoffice
def test_libreoffice_and_the_cached_values_agree_cell_by_cell(recalculated, exported):
    """Every cell of every sheet, Budget impact and BIA cycles included: the unedited copy recalculated by
    LibreOffice equals the values cached at export (numbers to 1e-9; text, logical values and errors exactly)."""
    from tests.workbook_compare import differences

    compared, wrong = differences(exported, recalculated["base"])
    assert not wrong, wrong[:10]
    assert compared["Budget impact"] > 50 and compared["BIA cycles"] > 1000, compared


def test_cached_values_equal_the_engine(exported, inputs):
    """The file shows the budget impact in a reader that does not recalculate (cached values)."""
    expected = run_budget_impact(inputs, sensitivity=False)
    value = NamedValues(exported)
    for j in range(1, 6):
        assert value(f"bia_net_{j}") == pytest.approx(expected.net[j - 1], rel=REL_TOL)
    assert value("bia_total_net") == pytest.approx(expected.total_net, rel=REL_TOL)
