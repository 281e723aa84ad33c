"""Checked inputs: data validation on every input cell and a CHECKS cell that names the first invalid input.

The allowed values come from cea.inputs, the same rules `cea run --set` enforces (one source of truth):
settings from ``SETTING_RANGES``, ``CORRECTIONS`` and ``PD_MORTALITY``; parameters from their unit
(``unit_range``); survival coefficients from ``COEFFICIENT_BOUNDS``; Dirichlet groups must sum to 1; the
start age must lie in the life table; a hazard ratio needs a proportional-hazards family and an
acceleration factor an AFT family; a horizon needing more rows than the workbook holds is refused.

Data validation stops a bad value typed into a cell, but not one pasted or written by a program, so
every input also has a check formula (Inputs, column K): "" when valid, else "<name>: <reason>".  A
running column (L) carries the first message down the sheet; ``checks`` (Inputs) is "OK" or that first
message, shown on Cover and Results in green or red.
"""

from __future__ import annotations

import math

from cea.inputs.model_inputs import unit_range
from cea.inputs.settings import (ADVERSE_EVENT_TIMINGS, CORRECTIONS, PD_MORTALITY, SETTING_RANGES, STRUCTURES,
                                 WTP_RANGE)
from cea.inputs.tables import COEFFICIENT_BOUNDS
from cea.structure import ACCELERATED_FAILURE_TIME, PROPORTIONAL_HAZARDS
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, Sheet, abs_ref
from cea.workbook.style import ERROR_FILL, HEADER_FONT, HEADER_FILL, HEADER_ALIGN, OK_FILL, SECTION_FONT, \
    SUBTITLE_FONT, TOTAL_FONT, merge, put_formula, put_text

CHECK_COL, RUNNING_COL = 11, 12
CHOICE_SETTINGS = {"within_cycle_correction": CORRECTIONS, "pd_mortality": PD_MORTALITY, "model_structure": STRUCTURES,
                   "adverse_event_timing": ADVERSE_EVENT_TIMINGS}
BLANK_ALLOWED = {"waning_start_months", "waning_end_months"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def number_check(ref: str, label: str, low: float, high: float, blank_ok: bool = False,
                 low_open: bool = False) -> str:
    """'' if ref holds a number in [low, high] (or is blank where allowed), else '<label>: <reason>'."""
    tests = []
    if math.isfinite(low):
        tests.append(f"{ref}<={low!r}" if low_open else f"{ref}<{low!r}")
    if math.isfinite(high):
        tests.append(f"{ref}>{high!r}")
    bracket = "(" if low_open else "["
    span = f"{bracket}{_fmt(low)}, {_fmt(high)}]" if math.isfinite(high) else f"{bracket}{_fmt(low)}, ∞)"
    out_of_range = f'IF(OR({",".join(tests)}),"{label}: "&{ref}&" is outside {span}","")' if tests else '""'
    blank = '""' if blank_ok else f'"{label}: blank (a value is required)"'
    return (f'IF(LEN({ref})=0,{blank},IF(NOT(ISNUMBER({ref})),"{label}: """&{ref}&""" is not a number",'
            f"{out_of_range}))")


def choice_check(ref: str, label: str, options: tuple[str, ...]) -> str:
    exact = ",".join(f'EXACT({ref},"{o}")' for o in options)
    return f'IF(OR({exact}),"","{label}: """&{ref}&""" is not one of {" | ".join(options)}")'


def _validation(low: float, high: float, label: str, blank_ok: bool, integer: bool = False) -> dict:
    options = {"validate": "integer" if integer else "decimal", "ignore_blank": blank_ok,
               "input_title": label[:32], "error_title": "Outside the allowed range",
               "error_message": f"{label}: allowed {_fmt(low)} to {_fmt(high)}"[:255]}
    if math.isfinite(high):
        options |= {"criteria": "between", "minimum": low, "maximum": high}
    else:
        options |= {"criteria": ">=", "value": low}
    options["input_message"] = f"Allowed: {_fmt(low)} to {_fmt(high) if math.isfinite(high) else 'no limit'}"
    return options


def write_checks(book: Book) -> None:
    inputs = book.inputs
    ws = book.sheets["Inputs"]
    currency = inputs.settings.currency
    rows = book.facts.get("input_rows", [])
    checks: list[tuple[int, str]] = []  # (row, formula) on Inputs
    for model_id, name, row in rows:
        ref = abs_ref(3, row)
        rule = None
        if model_id in SETTING_RANGES:
            low, high, integer = SETTING_RANGES[model_id]
            rule = (low, high, model_id in BLANK_ALLOWED, integer)
        elif model_id.startswith("wtp_"):
            rule = (*WTP_RANGE, False, False)
        elif model_id in inputs.parameters:
            span = unit_range(inputs.parameters[model_id].unit, currency)
            if span is not None:
                rule = (*span, False, False)
        elif "." in model_id and model_id.split(".", 1)[0] in inputs.curves:
            coefficient = model_id.split(".", 1)[1]
            low, high = COEFFICIENT_BOUNDS.get(coefficient, (-math.inf, math.inf))
            rule = (low, high, False, False)
        if rule is not None:
            low, high, blank_ok, integer = rule
            checks.append((row, number_check(ref, name, low, high, blank_ok)))
            ws.validations.append((row, 3, row, 3, _validation(low, high, name, blank_ok, integer)))
        elif model_id in CHOICE_SETTINGS:
            checks.append((row, choice_check(ref, name, CHOICE_SETTINGS[model_id])))
        elif model_id == "utility_age_adjustment":
            checks.append((row, f'IF(ISLOGICAL({ref}),"","{name}: """&{ref}&""" is not TRUE or FALSE")'))
            ws.validations.append((row, 3, row, 3, {"validate": "list", "source": ["TRUE", "FALSE"]}))
    r = ws.max_row() + 2
    put_text(ws, r, 1, "Checks", font=SECTION_FONT)
    put_text(ws, r, 2, "Rules that join several inputs (the same as cea's validation)", font=SUBTITLE_FONT)
    r += 1
    n = book.raw  # the checks read what was typed
    groups: dict[str, list[str]] = {}
    for p in inputs.parameters.values():
        if p.distribution == "dirichlet" and p.dirichlet_group:
            groups.setdefault(p.dirichlet_group, []).append(n(p.id))
    for group, members in groups.items():
        put_text(ws, r, 2, f"Dirichlet group {group} sums to 1")
        total = "+".join(members)
        checks.append((r, f'IF(ABS(({total})-1)>1E-6,"{members[0]}: Dirichlet group {group} sums to "&'
                          f'ROUND({total},6)&", not 1","")'))
        r += 1
    put_text(ws, r, 2, "Start age within the life table")
    age = n("start_age")
    checks.append((r, f'IF(ISNUMBER({age}),IF({age}<MIN({n("life_age")}),"{age}: the life table starts at age "&'
                      f'MIN({n("life_age")})&" but the start age is "&{age},""),"")'))
    r += 1
    put_text(ws, r, 2, "Life table q_x are numbers in [0, 1)")
    qx = n("life_qx")
    n_ages = len(inputs.structure.life_table_ages)
    checks.append((r, f'IF(COUNT({qx})<{n_ages},"{qx}: a q_x is blank or not a number",IF(OR(MIN({qx})<0,'
                      f'MAX({qx})>=1),"{qx}: a q_x is outside [0, 1)",""))'))
    r += 1
    put_text(ws, r, 2, "Waning ends after it starts")
    ws_, we = n("waning_start_months"), n("waning_end_months")
    checks.append((r, f'IF(AND(ISNUMBER({ws_}),ISNUMBER({we})),IF({we}<{ws_},"{we}: waning must end after it '
                      f'starts",""),"")'))
    r += 1
    put_text(ws, r, 2, "Waning that starts also ends")
    checks.append((r, f'IF(AND(ISNUMBER({ws_}),NOT(ISNUMBER({we}))),"{we}: waning starts at "&{ws_}&" months but '
                      f'has no end; give the end (equal to the start for an immediate loss of effect)","")'))
    r += 1
    def given(x: str) -> str:  # blank or "none" = no such column (cea.inputs.overrides)
        return f'AND(LEN({x})>0,{x}<>"none")'

    def parameter(x: str) -> str:
        return (f'IF(NOT({given(x)}),"",IF(ISNUMBER({x}),IF({x}>0,"","{x}: must be positive"),'
                f'IF(ISNUMBER(MATCH({x},{n("param_ids")},0)),"","{x}: unknown parameter """&{x}&"""")))')

    ph = " ".join(sorted(PROPORTIONAL_HAZARDS))
    aft = " ".join(sorted(ACCELERATED_FAILURE_TIME))
    for arm in inputs.structure.arms:
        for endpoint in ("pfs", "os"):
            curve = n(f"arm.{arm.id}.{endpoint}_curve")
            hr, af = n(f"arm.{arm.id}.{endpoint}_hazard_ratio"), n(f"arm.{arm.id}.{endpoint}_acceleration_factor")
            family = f"INDEX({n('curve_family')},MATCH({curve},{n('curve_ids')},0))"
            put_text(ws, r, 2, f"{arm.id}: {endpoint.upper()} curve, hazard ratio and acceleration factor")
            wrong_family = (f'IF(AND({given(hr)},ISERROR(SEARCH(" "&{family}&" "," {ph} "))),'
                            f'"{hr}: a hazard ratio needs a proportional-hazards family; "&{curve}&" is "&{family},'
                            f'IF(AND({given(af)},ISERROR(SEARCH(" "&{family}&" "," {aft} "))),'
                            f'"{af}: an acceleration factor needs an AFT family; "&{curve}&" is "&{family},""))')
            checks.append((r, f'IF(ISNUMBER(MATCH({curve},{n(f"curves_{endpoint}")},0)),'
                              f'IF(LEN({wrong_family})>0,{wrong_family},IF(LEN({parameter(hr)})>0,{parameter(hr)},'
                              f'{parameter(af)})),"{curve}: """&{curve}&""" is not a fitted {endpoint.upper()} curve")'))
            r += 1
        put_text(ws, r, 2, f"{arm.id}: post-progression death rate (needed when pd_mortality = constant)")
        rate = n(f"arm.{arm.id}.pd_death_rate")
        checks.append((r, f'IF(AND(EXACT({n("pd_mortality")},"constant"),NOT({given(rate)})),"{rate}: pd_mortality '
                          f'= constant needs a PD death rate for every arm; {arm.id} has none",{parameter(rate)})'))
        r += 1
    put_text(ws, r, 2, "Horizon fits in the rows of this workbook")
    checks.append((r, f'IF({n("horizon_check")}="OK","",IF(ISERROR({n("horizon_check")}),"",'
                      f'"horizon_years: "&{n("horizon_check")}))'))
    r += 1
    if book.analyses.get("budget_impact") is not None and len(inputs.structure.arm_ids) > 2:
        put_text(ws, r, 2, "Budget impact: market shares of the other arms (sheet 'Budget impact')")
        checks.append((r, book.names.make("bia_shares_check")))  # defined by the budget-impact writer
        r += 1
    # check column and running first problem
    header = merge(HEADER_FONT, HEADER_FILL, HEADER_ALIGN)
    ws.text(rows[0][2] - 1 if rows else 4, CHECK_COL, "Check", header)
    ws.text(rows[0][2] - 1 if rows else 4, RUNNING_COL, "First problem so far", header)
    ws.widths[CHECK_COL], ws.widths[RUNNING_COL] = 40, 24
    previous = None
    for row, formula in sorted(checks):
        ws.formula(row, CHECK_COL, f"IFERROR({formula},\"{abs_ref(3, row)}: cannot be checked\")",
                   merge({"font_color": "#9C0006"}))
        mine = abs_ref(CHECK_COL, row)
        running = mine if previous is None else f'IF(LEN({previous})>0,{previous},{mine})'
        ws.formula(row, RUNNING_COL, running, merge(SUBTITLE_FONT))
        previous = abs_ref(RUNNING_COL, row)
    put_text(ws, r, 1, "checks", font=TOTAL_FONT)
    put_text(ws, r, 2, "CHECKS: OK, or the first invalid input", font=TOTAL_FONT)
    ws.formula(r, 3, f'IF(LEN({previous})=0,"OK",{previous})' if previous else '"OK"', merge(TOTAL_FONT))
    book.name("checks", ws.title, abs_ref(3, r))
    status_cell(ws, r, 3)
    book.facts["checks_name"] = n("checks")


def status_cell(ws: Sheet, row: int, col: int) -> None:
    """Green when the cell says OK, red otherwise."""
    ws.conditional.append((row, col, row, col, {"type": "cell", "criteria": "==", "value": '"OK"',
                                                "format": merge(OK_FILL)}))
    ws.conditional.append((row, col, row, col, {"type": "cell", "criteria": "!=", "value": '"OK"',
                                                "format": merge(ERROR_FILL)}))


def show_checks(book: Book, ws: Sheet, row: int, col: int = 1) -> None:
    """The CHECKS line on another sheet (Cover, Results)."""
    put_text(ws, row, col, "CHECKS", font=TOTAL_FONT)
    put_formula(ws, row, col + 1, book.n("checks"), font=TOTAL_FONT)
    status_cell(ws, row, col + 1)


register_sheet("checks", write_checks, after="model")
