"""The Cover sheet: what the workbook is, how to use it, colour key, sheet list, run manifest."""

from __future__ import annotations

from typing import Any

from cea.version import __version__
from cea.workbook.core import Book, Sheet
from cea.workbook.inputs import INPUTS, LIFE
from cea.workbook.results import RESULTS, VALIDATION, flatten
from cea.workbook.style import (FORMULA_FONT, INPUT_FILL, INPUT_FONT, KEY_FILL, SECTION_FONT, SUBTITLE_FONT,
                                TITLE_FONT, UNLOCKED, VALUE_FONT, WRAP, merge, put_formula, put_text, put_value,
                                widths)

SHEET_NOTES = {
    "Cover": "This page: what the workbook is, how to use it, the run manifest",
    INPUTS: "Every input (blue): settings, parameters, survival coefficients; cost items and adverse events",
    RESULTS: "Totals per arm (discounted and undiscounted; costs by category and health state), increments, ICER, "
             "net monetary benefit, threshold price, probabilistic results (all formulas)",
    "Surv": "Survival curves, hazard increments, background mortality, transition probabilities (one per arm)",
    "Trace": "Markov trace with discounting, within-cycle correction, LYs, QALYs and costs (one per arm)",
    "DSA": "One-way sensitivity analysis: every parameter at its low and high value, tornado; the engine's results "
           "at export, or re-run here by a data table (dsa_run = yes)",
    "Scenarios": "Every row of scenarios.csv (editable; pick one with the 'scenario' cell on Inputs) and the Python "
                 "model's scenario results at export",
    "PSA": "PSA: CE plane, CEAC, CEAF, EVPI, probabilistic ICER and P(cost-effective) as formulas; the engine's "
           "iterations at export, or re-run here by a data table (psa_run = yes)",
    "PSA strategies": "More than two arms: every strategy's PSA costs and QALYs, their means, the fully incremental "
                      "analysis of the means, CEAC per strategy and CEAF (formulas over the engine's iterations)",
    "PSA draws": "The engine's PSA draws (cea psa, the run's seed): row i feeds iteration i",
    "PSA fresh draws": "Distributions with numeric parameters and Cholesky factors; fresh draws from a seed "
                       "(psa_draws = fresh)",
    VALIDATION: "Workbook vs Python engine at export; trace checks; validation results",
    LIFE: "General-population mortality by age (inputs)",
    "Budget impact": "Budget impact: population and uptake inputs, costs per patient by year, costs with and without, "
                     "net budget impact (all formulas)",
    "BIA cycles": "Budget impact: undiscounted costs of every cycle by arm and category, share of each cycle in each year",
}


def build_cover(book: Book, ws: Sheet) -> None:
    manifest = book.manifest
    s = book.inputs.settings
    widths(ws, [30, 110])
    put_text(ws, 1, 1, s.title, font=TITLE_FONT)
    put_text(ws, 2, 1, f"Cost-effectiveness model workbook: cea version {__version__}; {s.perspective} perspective; "
             f"{s.currency} {s.price_year} prices; {s.country}", font=SUBTITLE_FONT)
    if "checks" in book.names:
        from cea.workbook.checks import show_checks

        show_checks(book, ws, 3)
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
    para("Horizon (rows)", f"Each trace has {book.n_rows} cycles of {s.cycle_length_days:g} days "
         f"({horizon:.2f} years). Any horizon and cycle length entered on Inputs that fit in these rows are "
         "modelled exactly (later rows get zero weight); one needing more rows is refused: the results show #N/A "
         "and the checks name the horizon (never a truncated answer). Re-export with `cea excel --max-horizon` "
         "for more rows.")
    r += 1
    section("How to use")
    for i, text in enumerate((
            "Change blue cells on the Inputs sheet (settings, parameters, survival coefficients) or the Life table.",
            "Results, survival and trace sheets recalculate automatically (if calculation is set to manual: F9; "
            "LibreOffice: Data > Calculate > Recalculate Hard).",
            "Pick a scenario (cell 'scenario' on Inputs) or set one parameter to its DSA low or high value "
            "(cells 'dsa_parameter' and 'dsa_bound'): column M of Inputs shows every value in use and Results says "
            "which case it shows.",
            "DSA and PSA: this workbook shows the engine's results at export, and their check cells say when inputs "
            "have changed since. To re-run them inside a workbook, open one of the copies written beside this one "
            "(the same cells, one data table live in each): to re-run the PSA, the copy with '_psa' added to its "
            "name (model_psa.xlsx), make the edits, then set psa_run (PSA sheet) to yes; to re-run the DSA, the copy "
            "with '_dsa' added to its name (model_dsa.xlsx), make the edits, then set dsa_run (DSA sheet) to yes. "
            "The data table re-evaluates the whole model once per iteration or per parameter bound (each copy shows "
            "the other analysis as exported). Excel: these files are in 'automatic except tables' mode, press "
            "F9 after editing. LibreOffice: open the copy with the default setting (never recalculate on load), switch "
            "Data > Calculate > AutoCalculate off, make the edits, set the switch to yes, then switch AutoCalculate "
            "on: the table is computed once (with AutoCalculate on, every table cell is computed again after each "
            "edit, switched on or off; README: measured times). This file has no data table, so it opens and "
            "recalculates an edit in seconds in both.",
            "CHECKS (top of this sheet and of Results) turns red and names the first invalid input; the same rules "
            "as `cea run --set` (Inputs, column K, checks every input).",
            "Sheets are protected without a password so formulas are not overwritten by accident "
            "(Review > Unprotect Sheet).",
            "Text settings accept the listed values only: within_cycle_correction none | half_cycle | simpson; "
            "pd_mortality os_tracking | constant; utility_age_adjustment TRUE | FALSE; a blank waning start means "
            "no waning; each arm's PFS and OS curve is a drop-down of every fitted curve.",
            "Printing / PDF: every sheet is set up for A4 landscape with the sheet name and page number in the footer. "
            "Tables fit one page wide (long text wraps); Inputs prints columns A to J (the check and value-in-use "
            "columns stay on screen); the survival, trace and BIA cycles sheets, and any sheet too wide to read on one "
            "page, print across pages at 64% with their header row and first column repeated; the model sheets print "
            "only the cycles of the exported horizon (Page Layout > Print Area to print more)."), start=1):
        para(f"Step {i}", text)
    r += 1
    section("Colour key")
    ws.text(r, 1, "Input (editable)", merge(INPUT_FONT, INPUT_FILL, UNLOCKED))
    put_text(ws, r, 2, "Blue on yellow: values you may change; every one has a defined name")
    r += 1
    put_formula(ws, r, 1, '"Formula (protected)"', font=FORMULA_FONT)
    put_text(ws, r, 2, "Black: formulas calculated from the inputs")
    r += 1
    put_text(ws, r, 1, "Value (static)", font=VALUE_FONT)
    put_text(ws, r, 2, "Grey: values from the Python analyses (scenario results, PSA draws)")
    r += 2
    section("Sheets")
    for other in book.sheets:
        put_text(ws, r, 1, other, fill=KEY_FILL)
        put_text(ws, r, 2, SHEET_NOTES.get(book.title_keys.get(other, other), ""))
        r += 1
    r += 1
    section("Run manifest")
    for key, value in flatten(manifest).items():
        put_text(ws, r, 1, key, font=SUBTITLE_FONT)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        value = value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else str(value)
        if isinstance(value, str):
            put_text(ws, r, 2, value, font=VALUE_FONT, align=WRAP)
        else:
            put_value(ws, r, 2, value, font=VALUE_FONT)
        r += 1
