"""Excel workbook for payers: the model itself as live formulas (`cea excel`).

``build_workbook`` lays the model out as a NICE-style company model:

Cover        title, version, run manifest, how to use, colour key
Inputs       every setting, parameter and survival coefficient as a named, unlocked input cell;
             unit costs of cost items and adverse-event totals as formulas
Results      costs by category, LYs, QALYs per arm, increments, ICER with status, NMB at each WTP
Surv <arm>   cumulative hazards, increments (HR / AF / waning), background mortality, PF exit split
Trace <arm>  Markov trace, discounting, within-cycle weights, LYs, QALYs and costs per cycle
DSA          one-way results with a tornado chart       (values from the Python analyses)
Scenarios    scenario results                          (values)
PSA          iterations (values), summary formulas, CE-plane scatter and CEAC line charts
Validation   workbook vs the Python engine at export, trace checks, the model's validation table
Life table   general-population q_x by age (inputs)

Every formula mirrors cea.engine; the test suite recalculates the file in LibreOffice and
checks the Results against the engine to a relative 1e-9, also after editing inputs.
The number of trace rows (cycles) is fixed at export.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from cea import __version__
from cea.analyses.base_case import BaseCaseResult
from cea.inputs.model_inputs import ModelInputs
from cea.outputs.workbook_analyses import build_dsa, build_psa, build_scenarios
from cea.outputs.workbook_inputs import INPUTS, LIFE, Book, build_inputs
from cea.outputs.workbook_model import build_model_sheets
from cea.outputs.workbook_results import RESULTS, VALIDATION, build_results, build_validation, flatten
from cea.outputs.workbook_style import (FORMULA_FONT, INPUT_FILL, INPUT_FONT, KEY_FILL, SECTION_FONT, SUBTITLE_FONT,
                                        TITLE_FONT, UNLOCKED, VALUE_FONT, WRAP, protect, put_formula, put_text,
                                        put_value, sheet_title, widths)

__all__ = ["build_workbook", "write_workbook", "results_layout"]

SHEET_NOTES = {
    "Cover": "This page: what the workbook is, how to use it, the run manifest",
    INPUTS: "Every input (blue): settings, parameters, survival coefficients; cost items and adverse events",
    RESULTS: "Totals per arm, increments, ICER and net monetary benefit (all formulas)",
    "Surv": "Survival curves, hazard increments, background mortality, transition probabilities (one per arm)",
    "Trace": "Markov trace with discounting, within-cycle correction, LYs, QALYs and costs (one per arm)",
    "DSA": "One-way sensitivity analysis with tornado chart (values from the Python model)",
    "Scenarios": "Scenario analyses (values from the Python model)",
    "PSA": "PSA iterations (values), CE plane and CEAC charts",
    VALIDATION: "Workbook vs Python engine at export; trace checks; validation results",
    LIFE: "General-population mortality by age (inputs)",
}


def build_workbook(inputs: ModelInputs, base_case: BaseCaseResult, *, dsa: pd.DataFrame | None = None,
                   scenarios: pd.DataFrame | None = None, psa: pd.DataFrame | None = None,
                   ceac: pd.DataFrame | None = None, validation: pd.DataFrame | None = None,
                   manifest: dict[str, Any] | None = None) -> Workbook:
    """The model as an openpyxl Workbook (see the module docstring for the sheets)."""
    wb = Workbook()
    book = Book(wb, inputs, n_rows=inputs.settings.n_cycles)
    cover = wb.active
    cover.title = sheet_title("Cover", book.titles)
    build_inputs(book)
    build_model_sheets(book)
    build_results(book)
    inc = base_case.incremental()
    primary = inputs.settings.primary_wtp
    base_inmb = primary * inc["qalys"] - inc["costs"]
    build_dsa(book, dsa, base_inmb)
    build_scenarios(book, scenarios)
    build_psa(book, psa, ceac)
    build_validation(book, base_case, validation)
    order = ["Cover", INPUTS, RESULTS]
    for arm in inputs.structure.arm_ids:
        order += [book.surv[arm], book.trace[arm]]
    order += ["DSA", "Scenarios", "PSA", VALIDATION, LIFE]
    wb._sheets.sort(key=lambda ws: order.index(ws.title) if ws.title in order else len(order))
    _build_cover(book, cover, manifest if manifest is not None else base_case.manifest.to_dict())
    wb.active = 0
    for ws in wb.worksheets:
        protect(ws)
        ws.sheet_view.showGridLines = ws.title not in ("Cover",)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if not ws.title.startswith(("Surv ", "Trace ")) and ws.title != "PSA":
            ws.sheet_properties.pageSetUpPr.fitToPage = True  # print one page wide
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = inputs.settings.title[:200]
    wb.properties.creator = f"cea {__version__}"
    return wb


def write_workbook(path: Path | str, inputs: ModelInputs, base_case: BaseCaseResult, **kwargs: Any) -> Path:
    """Build and save the workbook atomically (a temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = build_workbook(inputs, base_case, **kwargs)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".xlsx")
    os.close(handle)
    try:
        wb.save(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def results_layout(inputs: ModelInputs) -> dict[str, str]:
    """{result path (as in BaseCaseResult.to_dict(), dotted): 'Results' cell coordinate}."""
    wb = Workbook()
    book = Book(wb, inputs, n_rows=1)
    build_inputs(book)
    for arm in inputs.structure.arm_ids:
        book.surv[arm], book.trace[arm] = f"Surv {arm}", f"Trace {arm}"
    from cea.outputs.workbook_model import trace_columns

    book.trace_cols = {c.key: j for j, c in enumerate(trace_columns(inputs.structure.cost_categories, inputs.structure.drugs), start=1)}
    build_results(book)
    return dict(book.result_cells)


def _build_cover(book: Book, ws, manifest: dict[str, Any]) -> None:
    s = book.inputs.settings
    widths(ws, [30, 110])
    put_text(ws, 1, 1, s.title, font=TITLE_FONT)
    put_text(ws, 2, 1, f"Cost-effectiveness model workbook: cea version {__version__}; {s.perspective} perspective; "
             f"{s.currency} {s.price_year} prices; {s.country}", font=SUBTITLE_FONT)
    r = 4

    def section(text: str) -> None:
        nonlocal r
        put_text(ws, r, 1, text, font=SECTION_FONT)
        r += 1

    def para(label: str, text: str) -> None:
        nonlocal r
        put_text(ws, r, 1, label)
        put_text(ws, r, 2, text, align=WRAP)
        r += 1

    section("About this workbook")
    para("What it is", "The cost-effectiveness model itself as live formulas: survival curves, transition "
         "probabilities, Markov traces, costs, LYs, QALYs and results are calculated in Excel from the Inputs sheet. "
         "It was exported from the Python model (cea) and reproduces its results (relative differences below 1e-9, "
         "floating-point rounding only; see Validation).")
    para("Model", "Three-state Markov model (progression-free, progressed disease, dead) driven by parametric PFS and "
         "OS curves; "
         f"{len(book.inputs.structure.arms)} arms; general-population mortality as a floor on every death hazard.")
    horizon = book.n_rows * s.cycle_years
    para("Horizon (fixed rows)", f"Each trace has {book.n_rows} cycles of {s.cycle_length_days:g} days "
         f"({horizon:.2f} years), fixed at export. A shorter horizon or a longer cycle length entered on Inputs is "
         "modelled exactly (later rows get zero weight); a horizon needing more cycles is truncated and flagged on "
         "Inputs. Re-export with `cea excel` for more rows.")
    r += 1
    section("How to use")
    for i, text in enumerate((
            "Change blue cells on the Inputs sheet (settings, parameters, survival coefficients) or the Life table.",
            "Results, survival and trace sheets recalculate automatically (if calculation is set to manual: F9; "
            "LibreOffice: Data > Calculate > Recalculate Hard).",
            "DSA, Scenarios and PSA hold results of the Python analyses at export (values): they do not change when "
            "inputs are edited. Rerun `cea all` and `cea excel` for new values.",
            "Sheets are protected without a password so formulas are not overwritten by accident "
            "(Review > Unprotect Sheet).",
            "Text settings accept the listed values only: within_cycle_correction none | half_cycle | simpson; "
            "pd_mortality os_tracking | constant; utility_age_adjustment TRUE | FALSE; a blank waning start means "
            "no waning."), start=1):
        para(f"Step {i}", text)
    r += 1
    section("Colour key")
    c = put_text(ws, r, 1, "Input (editable)", font=INPUT_FONT, fill=INPUT_FILL)
    c.protection = UNLOCKED
    put_text(ws, r, 2, "Blue on yellow: values you may change; every one has a defined name")
    r += 1
    put_formula(ws, r, 1, '"Formula (protected)"', font=FORMULA_FONT)
    put_text(ws, r, 2, "Black: formulas calculated from the inputs")
    r += 1
    put_text(ws, r, 1, "Value (static)", font=VALUE_FONT)
    put_text(ws, r, 2, "Grey: results pasted from the Python analyses (DSA, scenarios, PSA)")
    r += 2
    section("Sheets")
    for ws_other in book.wb.worksheets:
        key = ws_other.title.split(" ")[0] if ws_other.title.startswith(("Surv ", "Trace ")) else ws_other.title
        put_text(ws, r, 1, ws_other.title, fill=KEY_FILL)
        put_text(ws, r, 2, SHEET_NOTES.get(key, ""))
        r += 1
    r += 1
    section("Run manifest")
    for key, value in flatten(manifest).items():
        put_text(ws, r, 1, key, font=SUBTITLE_FONT)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        put_value(ws, r, 2, value if isinstance(value, (int, float, str)) and not isinstance(value, bool)
                  else str(value), font=VALUE_FONT)
        ws.cell(row=r, column=2).alignment = WRAP
        r += 1
