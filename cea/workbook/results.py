"""Results sheet (totals by formula over the traces) and the Validation sheet.

Every Results cell that has a counterpart in ``BaseCaseResult.to_dict()`` is recorded in
``results_layout`` under the same dotted path (e.g. ``arms.eve_exe.costs_by_category.
drug_acquisition``, ``incremental.icer``), so that tests and the Validation sheet can
compare the workbook with the Python engine cell by cell.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cea.analyses.base_case import BaseCaseResult
from cea.engine.model import QALY_COMPONENTS
from cea.structure import category_label
from cea.workbook import register_sheet
from cea.workbook.core import Book, sheet_ref
from cea.workbook.core import column_letter as get_column_letter
from cea.workbook.style import (GENERAL, SECTION_FONT, SUBTITLE_FONT, TITLE_FONT, TOP_BORDER, TOTAL_FONT, WRAP,
                                header_row, put_formula, put_text, put_value, title, widths)

RESULTS = "Results"
VALIDATION = "Validation"
STATE_NAMES = {"PF": "Progression-free", "PD": "Progressed disease", "AE": "Adverse events (QALY loss)"}


def flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} → {'a.b': 1} (the paths used by results_layout)."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flatten(value, path + ".")
        else:
            out[path] = value
    return out


def build_results(book: Book) -> None:
    inputs = book.inputs
    s, st = inputs.settings, inputs.structure
    ws = book.add_sheet(RESULTS)
    arms = book.arm_order()
    label = {a: st.arm(a).label for a in arms}
    title(ws, "Results: deterministic base case",
          f"Totals are formulas over the trace sheets. Incremental = {label[s.intervention]} minus "
          f"{label[s.comparator]}. Costs in {s.currency} ({s.price_year} prices).")
    if "checks" in book.names:
        from cea.workbook.checks import show_checks

        show_checks(book, ws, 3)
    n_arms = len(arms)
    col = {a: 2 + j for j, a in enumerate(arms)}
    inc_col = 2 + n_arms
    widths(ws, {1: 46, **{c: 22 for c in range(2, inc_col + 1)}})
    header_row(ws, 4, ["Outcome"] + [label[a] for a in arms] + ["Incremental"], height=32)
    T = book.trace_cols
    first, last = book.first_row, book.last_row
    a_int, a_cmp = get_column_letter(col[s.intervention]), get_column_letter(col[s.comparator])
    cells = book.result_cells
    r = 5

    def coord(c: int, row: int) -> str:
        return f"{get_column_letter(c)}{row}"

    def section(text: str) -> None:
        nonlocal r
        put_text(ws, r, 1, text, font=SECTION_FONT)
        r += 1

    def line(text: str, formula_for, path_for, fmt: str, total: bool = False, inc_path: str | None = None) -> int:
        """One row: a formula per arm, the increment, and the result paths recorded."""
        nonlocal r
        put_text(ws, r, 1, text, font=TOTAL_FONT if total else None)
        for a in arms:
            put_formula(ws, r, col[a], formula_for(a), fmt, font=TOTAL_FONT if total else None,
                        extra=TOP_BORDER if total else None)
            cells[path_for(a)] = coord(col[a], r)
        put_formula(ws, r, inc_col, f"{a_int}{r}-{a_cmp}{r}", fmt, font=TOTAL_FONT if total else None,
                    extra=TOP_BORDER if total else None)
        if inc_path:
            cells[inc_path] = coord(inc_col, r)
        r += 1
        return r - 1

    def trace_sum(key: str):
        letter = get_column_letter(T[key])
        return lambda a: f"SUM({sheet_ref(book.trace[a])}{letter}{first}:{letter}{last})"

    money = book.money
    section("Costs (discounted)")
    cat_rows = []
    for c in st.cost_categories:
        cat_rows.append(line(category_label(c), trace_sum(f"cat:{c}"),
                             lambda a, c=c: f"arms.{a}.costs_by_category.{c}", money,
                             inc_path=f"incremental.costs_by_category.{c}"))
    if cat_rows:
        total_costs = line("Total costs", lambda a: f"SUM({get_column_letter(col[a])}{cat_rows[0]}:"
                                                    f"{get_column_letter(col[a])}{cat_rows[-1]})",
                           lambda a: f"arms.{a}.costs", money, total=True)
    else:
        total_costs = line("Total costs", lambda a: "0", lambda a: f"arms.{a}.costs", money, total=True)
    r += 1

    def by_state(heading: str, keys: dict[str, str], prefix: str, total_path: str, fmt: str) -> int:
        nonlocal r
        section(heading)
        rows = []
        for state, source in keys.items():
            rows.append(line(STATE_NAMES[state], source, lambda a, st_=state: f"arms.{a}.{prefix}.{st_}", fmt))
        total = line("Total", lambda a: f"SUM({get_column_letter(col[a])}{rows[0]}:{get_column_letter(col[a])}{rows[-1]})",
                     lambda a: f"arms.{a}.{total_path}", fmt, total=True)
        r += 1
        return total

    def ae_qalys(a: str) -> str:  # spread over the time on treatment and discounted in the trace (ae_q)
        return "-" + trace_sum("ae_q")(a)

    total_lys = by_state("Life-years (discounted)", {"PF": trace_sum("ly_pf"), "PD": trace_sum("ly_pd")},
                         "lys_by_state", "lys", "0.0000")
    total_qalys = by_state("QALYs (discounted)", {"PF": trace_sum("q_pf"), "PD": trace_sum("q_pd"), "AE": ae_qalys},
                           "qalys_by_state", "qalys", "0.0000")
    assert tuple(STATE_NAMES) == QALY_COMPONENTS
    by_state("Life-years (undiscounted)", {"PF": trace_sum("ly_pf_u"), "PD": trace_sum("ly_pd_u")},
             "undiscounted.lys_by_state", "undiscounted.lys", "0.0000")

    section(f"Cost-effectiveness: {label[s.intervention]} vs {label[s.comparator]}")
    ce: dict[str, str] = {}
    for key, text, src, fmt in (("costs", "Incremental costs", total_costs, money),
                                ("qalys", "Incremental QALYs", total_qalys, "0.0000"),
                                ("lys", "Incremental life-years", total_lys, "0.0000")):
        put_text(ws, r, 1, text)
        put_formula(ws, r, 2, f"{a_int}{src}-{a_cmp}{src}", fmt, font=TOTAL_FONT)
        ce[key] = coord(2, r)
        cells[f"incremental.{key}"] = ce[key]
        r += 1
    dc, dq = ce["costs"], ce["qalys"]
    put_text(ws, r, 1, "ICER (cost per QALY gained)", font=TOTAL_FONT)
    put_formula(ws, r, 2, f'IF(OR(AND({dq}>0,{dc}>0),AND({dq}<0,{dc}<0)),{dc}/{dq},"n/a")', money, font=TOTAL_FONT)
    put_text(ws, r, 3, "n/a when one option dominates (see status)", font=SUBTITLE_FONT)
    cells["incremental.icer"] = coord(2, r)
    r += 1
    put_text(ws, r, 1, "Status")
    put_formula(ws, r, 2, f'IF(AND({dc}=0,{dq}=0),"identical",IF(AND({dq}>0,{dc}>0),"cost-effective ratio",'
                          f'IF(AND({dq}<0,{dc}<0),"less costly, less effective",IF(AND({dq}>=0,{dc}<=0),'
                          f'"dominant","dominated"))))')
    cells["incremental.status"] = coord(2, r)
    r += 1
    put_text(ws, r, 1, "Interpretation")
    put_formula(ws, r, 2, f'IF({coord(2, r - 1)}="cost-effective ratio","Cost per QALY gained",'
                          f'IF({coord(2, r - 1)}="less costly, less effective","Saving per QALY forgone: adopt if above '
                          f'the threshold",IF({coord(2, r - 1)}="dominant","Intervention dominates: cheaper and at least '
                          f'as effective",IF({coord(2, r - 1)}="dominated","Intervention is dominated","No difference"))))')
    r += 2
    header_row(ws, r, ["Net monetary benefit", "Willingness to pay per QALY", "Incremental NMB"], height=30)
    r += 1
    for i, w in enumerate(s.wtp_thresholds, start=1):
        put_text(ws, r, 1, f"Threshold {i}")
        put_formula(ws, r, 2, book.n(f"wtp_{i}"), money)
        put_formula(ws, r, 3, f"B{r}*{dq}-{dc}", money, font=TOTAL_FONT)
        cells[f"incremental.nmb.{w:g}"] = coord(3, r)
        r += 1
    if "scenario" in book.names:
        _settings_in_use(book, ws, inc_col + 2)
    ws.freeze = (5, 2)
    ws.repeat_rows = (4, 4)


def _settings_in_use(book: Book, ws, col: int) -> None:
    """The title says which case is shown; a block beside the table echoes the settings and curves in use."""
    raw = book.raw
    case = (f'IF(LEN({raw("dsa_parameter")})>0,"one-way DSA: "&{raw("dsa_parameter")}&" at its "&{raw("dsa_bound")}'
            f'&" value",IF({raw("scenario")}="base case","deterministic base case","scenario "&{raw("scenario")}))')
    put_formula(ws, 1, 1, f'"Results: "&{case}', font=TITLE_FONT)
    header_row(ws, 4, ["Settings in use", "Value"], col=col, height=32)
    ws.widths[col], ws.widths[col + 1] = 34, 26
    n = book.n
    rows = [("Case", case), ("Horizon modelled (years)", n("horizon_modelled")), ("Cycles", n("n_cycles")),
            ("Cycle length (days)", n("cycle_length_days")), ("Discount rate, costs", n("discount_rate_costs")),
            ("Discount rate, outcomes", n("discount_rate_outcomes")),
            ("Within-cycle correction", n("within_cycle_correction")), ("Start age", n("start_age")),
            ("Utilities adjusted for age", n("utility_age_adjustment")),
            ("Post-progression mortality", n("pd_mortality")),
            ("Waning (months)", f'IF(ISNUMBER({n("waning_start_months")}),{n("waning_start_months")}&" to "&'
                                f'{n("waning_end_months")},"none")')]
    for arm in book.arm_order():
        for endpoint in ("pfs", "os"):
            rows.append((f"{arm}: {endpoint.upper()} curve", n(f"arm.{arm}.{endpoint}_curve")))
    for r, (text_, formula) in enumerate(rows, start=5):
        put_text(ws, r, col, text_)
        put_formula(ws, r, col + 1, formula, GENERAL)
    r = 5 + len(rows) + 1
    put_text(ws, r, col, "Threshold price", font=SECTION_FONT)
    put_text(ws, r + 1, col, "Goal Seek (Data > What-If Analysis > Goal Seek): set the incremental NMB cell at the "
             "threshold to 0 by changing the intervention's price input; `cea threshold` gives the same price.",
             align=WRAP)
    ws.heights[r + 1] = 60


def build_validation(book: Book, base_case: BaseCaseResult, validation: pd.DataFrame | None,
                     crossval: pd.DataFrame | None = None) -> None:
    from cea.workbook.analyses import write_frame

    ws = book.add_sheet(VALIDATION)
    title(ws, "Validation", "Checks that recalculate with the workbook, and the Python model's validation results.")
    widths(ws, [58, 20, 20, 16, 40, 16, 16, 16])
    expected = flatten(base_case.to_dict())
    results = sheet_ref(RESULTS)
    r = 4
    put_text(ws, r, 1, "Workbook vs Python engine (values at export)", font=SECTION_FONT)
    r += 1
    put_text(ws, r, 1, "Largest relative difference")
    first = r + 3
    last = first + len(book.result_cells) - 1
    put_formula(ws, r, 2, f"MAX(D{first}:D{last})", "0.0E+00", font=TOTAL_FONT)
    put_text(ws, r, 3, "after edits to Inputs the workbook departs from these export values by design",
             font=SUBTITLE_FONT)
    r += 2
    header_row(ws, r, ["Result", "Python engine", "Workbook", "Relative difference"], height=30)
    r += 1
    for path, coordinate in book.result_cells.items():
        value = expected.get(path)
        put_text(ws, r, 1, path)
        if isinstance(value, str) or value is None:
            put_value(ws, r, 2, "n/a" if value is None else value)
            put_formula(ws, r, 3, f"{results}{coordinate}")
            put_formula(ws, r, 4, f"IF(C{r}=B{r},0,1)", "0.0E+00")
        else:
            put_value(ws, r, 2, float(value), GENERAL)
            put_formula(ws, r, 3, f"{results}{coordinate}", GENERAL)
            put_formula(ws, r, 4, f"IF(ISNUMBER(C{r}),IF(B{r}=0,ABS(C{r}),ABS(C{r}-B{r})/ABS(B{r})),1)", "0.0E+00")
        r += 1
    r += 1
    put_text(ws, r, 1, "Trace checks", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Check", "Value", "Expected"])
    r += 1
    T = book.trace_cols
    for arm in book.inputs.structure.arm_ids:
        ref = sheet_ref(book.trace[arm])
        total = get_column_letter(T["total"])
        rng = f"{ref}{total}{book.first_row}:{total}{book.last_row}"
        put_text(ws, r, 1, f"{arm}: largest |PF + PD + Dead − 1| over the trace")
        put_formula(ws, r, 2, f"MAX(MAX({rng})-1,1-MIN({rng}))", "0.0E+00")
        put_text(ws, r, 3, "< 1e-12")
        r += 1
        for key, text in (("pf", "PF"), ("pd", "PD"), ("dead", "Dead")):
            letter = get_column_letter(T[key])
            put_text(ws, r, 1, f"{arm}: smallest {text} occupancy")
            put_formula(ws, r, 2, f"MIN({ref}{letter}{book.first_row}:{letter}{book.last_row})", "0.0E+00")
            put_text(ws, r, 3, ">= 0")
            r += 1
    r += 1
    put_text(ws, r, 1, "Validation results from the Python model (`cea all`)", font=SECTION_FONT)
    r += 1
    if validation is None or len(validation) == 0:
        put_text(ws, r, 1, "Not run: run `cea all` to fill this table.", font=SUBTITLE_FONT)
        r += 2
    else:
        _, last, _ = write_frame(ws, validation, r, 1, book)
        r = last + 2
    if crossval is not None and len(crossval):
        put_text(ws, r, 1, "Cross-validation: published analyses beside the Python model re-run under their "
                 "assumptions (published_analyses.csv; `cea crossval`)", font=SECTION_FONT)
        write_frame(ws, crossval, r + 1, 1, book)


register_sheet("results", build_results)
