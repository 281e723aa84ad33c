"""Budget impact sheets of the payer workbook: 'Budget impact' (inputs, costs per patient by year since
start, costs by calendar year with and without the intervention, net budget impact) and 'BIA cycles'
(undiscounted costs of every cycle by arm and category, and the share of each cycle in each year).

Live formulas driven by the budget-impact inputs (named input cells on 'Budget impact'), the unit costs
on Inputs and the trace sheets, mirroring cea.analyses.budget_impact and cea.engine.cycle_costs:

- cycle k = [t_k, t_k+1): drug = ToT_drug,k·days·unit (k < n), each drug on its own time on treatment; state
  costs = (a_k·m_k + b_k·m_k+1)·months·unit, with a_k, b_k the within-cycle weight w split between the cycles
  that share a trace point; progression and death costs on the new entrants of cycle k (trace row k+1);
  adverse events spread over the time on the timing drug (the trace's ae_share); at-start costs in cycle 0;
- share of cycle k in year j = max(0, min(t_k+1, j) − max(t_k, j − 1)) / (t_k+1 − t_k);
- per patient, year j since start: P_a,c(j) = SUMPRODUCT(cost_a,c, share_j);
- world costs in year t: Σ_{y ≤ t} N_y·(s_y·P_int,c(t − y + 1) + (1 − s_y)·P_comp,c(t − y + 1)).

With more than two arms the market of the other arms is on the sheet as inputs (cea.analyses.budget_impact._shares):
market shares m_a,y of the world without the intervention (each year's sum to 1) and the shares d_a of the
intervention's extra uptake taken from each arm (displaced shares; without such rows in the inputs, d_a,y = m_a,y);
the share of cohort y starting arm a is u0_y (intervention) and (1 − u0_y)·m_a,y in the world without,
u1_y and MAX(0, (1 − u0_y)·m_a,y − (u1_y − u0_y)·d_a,y) in the world with, and the world costs are
Σ_{y ≤ t} N_y·Σ_a s_a,y·P_a,c(t − y + 1) (``shares_world_formula``).  A check cell (``bia_shares_check``, part of
CHECKS) names the first share out of [0, 1], a year whose market shares do not sum to 1, displaced shares that do
not sum to 1, or an arm that would lose more patients than it has, as `cea bia` refuses them.

The formula text is built by plain functions (``basis_term``, ``world_formula``); ``build_budget_impact`` lays
them out.  Registered after the results (``register_sheet``); it runs when the workbook is given
``budget_impact=`` (the BudgetImpactInputs of the input set) and does nothing otherwise.
"""

from __future__ import annotations

import math

from cea.inputs.budget_impact import BudgetImpactInputs
from cea.structure import category_label
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, abs_ref, sheet_ref
from cea.workbook.core import column_letter as get_column_letter
from cea.workbook.checks import _validation
from cea.workbook.inputs import INPUTS
from cea.workbook.style import (FORMULA_FONT, GENERAL, INTEGER, PCT, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT,
                                header_row, put_formula, put_input, put_text, title, widths)

SHEET = "Budget impact"
CYCLES = "BIA cycles"
FIRST = 6  # first data row on the cycles sheet (cycle 0)
SHARE_FMT = "0.000000"
COST_FMT = "#,##0.0000"
SHARE_PCT = "0.00%"


def basis_term(basis: str, trace: str, cols: dict[str, str], row: int, k: int, nc: str, days: str, months: str,
               a: str, b: str, drug: str | None = None, k_cell: str | None = None) -> str:
    """Units of ``basis`` in cycle k (trace rows ``row`` = t_k and ``row + 1`` = t_k+1); drug costs on the
    time on ``drug`` (the trace's 'on:<drug>' column).  ``k_cell``: the cell holding k, referred to instead of
    the number (every cycle's formula is then the same but for its row)."""
    k_text = k_cell or k
    if basis == "per_day_on_treatment":
        return f"IF({k_text}<{nc},{trace}{cols['on:' + drug]}{row}*{days},0)"
    if basis in ("per_month_in_pf", "per_month_in_pd"):
        state = cols["pf" if basis == "per_month_in_pf" else "pd"]
        return f"({a}*{trace}{state}{row}+{b}*{trace}{state}{row + 1})*{months}"
    if basis in ("per_progression", "per_death"):
        flow = cols["new_prog" if basis == "per_progression" else "new_deaths"]
        return f"IF({k_text}<{nc},{trace}{flow}{row + 1},0)"
    if basis == "at_start":
        return "1" if k == 0 else "0"
    raise ValueError(f"unknown cost basis {basis!r}")


def world_formula(year: int, eligible: list[str], uptake: list[str], per_patient: dict[str, list[str]],
                  intervention: str, comparator: str) -> str:
    """Costs of one category in calendar year ``year`` (1-based) of one world, as one formula:
    Σ_{y ≤ t} N_y·(s_y·P_int(t − y + 1) + (1 − s_y)·P_comp(t − y + 1))."""
    terms = []
    for y in range(1, year + 1):
        j = year - y  # 0-based year since start
        terms.append(f"{eligible[y - 1]}*({uptake[y - 1]}*{per_patient[intervention][j]}"
                     f"+(1-{uptake[y - 1]})*{per_patient[comparator][j]})")
    return "+".join(terms)


def shares_world_formula(year: int, eligible: list[str], shares: dict[str, list[str]],
                         per_patient: dict[str, list[str]]) -> str:
    """Costs of one category in calendar year ``year`` (1-based) of one world with the arm shares of each cohort
    in cells (more than two arms): Σ_{y ≤ t} N_y·Σ_a s_a,y·P_a(t − y + 1)."""
    terms = []
    for y in range(1, year + 1):
        j = year - y
        mix = "+".join(f"{shares[a][y - 1]}*{per_patient[a][j]}" for a in shares)
        terms.append(f"{eligible[y - 1]}*({mix})")
    return "+".join(terms)


SHARES_CHECK = "bia_shares_check"


def many_arms(book: Book) -> bool:
    """More than two arms: the budget impact takes the market shares of every arm from the sheet."""
    return len(book.inputs.structure.arm_ids) > 2


def _market_block(book: Book, ws, bia: BudgetImpactInputs, r: int, year_cols: dict[int, int], total_col: int,
                  label: dict[str, str], with_cells: list[str], without_cells: list[str]
                  ) -> tuple[int, dict[str, dict[str, list[str]]]]:
    """Inputs of the market of the other arms (more than two arms), the share of each cohort starting each arm in
    each world, and their checks, from row ``r``.  Returns the next free row and {world: {arm: share cells}}."""
    s, arms = book.inputs.settings, list(book.inputs.structure.arm_ids)
    intervention = s.intervention
    others = [a for a in arms if a != intervention]
    horizon = bia.n_years
    checks: list[tuple[str, str]] = []  # (what is checked, formula: "" or a message)

    def source(row: int, quantity: str, arm: str) -> None:
        found = next((x for x in bia.rows if x.quantity == quantity and x.arm == arm), None)
        if found is not None:
            put_text(ws, row, total_col + 1, found.source[:250], font=SUBTITLE_FONT)

    def share_input(model_id: str, row: int, col: int, value: float, what: str) -> str:
        put_input(ws, row, col, value, SHARE_PCT)
        ws.validations.append((row, col, row, col, _validation(0.0, 1.0, what, False)))
        name = book.name(model_id, SHEET, abs_ref(col, row), model_id)
        checks.append((f"{what} in [0, 1]", f'IF(OR(NOT(ISNUMBER({name})),{name}<0,{name}>1),"{name}: {_q(what)} '
                                             f'must be a number in [0, 1]","")'))
        return name

    put_text(ws, r, 1, f"Market of the other arms (inputs): share of the patients not starting {label[intervention]} "
                       "in the world without it, and share of its extra uptake taken from each arm", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Quantity"] + [f"Year {j}" for j in year_cols] + ["", "Source"])
    r += 1
    market: dict[str, list[str]] = {}
    for a in others:
        put_text(ws, r, 1, f"Market share without {label[intervention]}: {label[a]}")
        values = bia.market_share_without.get(a, (0.0,) * horizon)
        market[a] = [share_input(f"bia_market_share_{a}_{j}", r, col, values[j - 1],
                                 f"market share of {label[a]}, year {j}") for j, col in year_cols.items()]
        source(r, "market_share_without", a)
        r += 1
    put_text(ws, r, 1, "Sum of the market shares (must be 1 each year)", font=TOTAL_FONT)
    for j, col in year_cols.items():
        total = "+".join(market[a][j - 1] for a in others)
        put_formula(ws, r, col, total, SHARE_PCT, font=TOTAL_FONT)
        checks.append((f"market shares of year {j} sum to 1",
                       f'IF(ABS(({total})-1)>1E-9,"{market[others[0]][j - 1]}: the market shares of year {j} sum to "'
                       f'&ROUND({total},9)&", not 1","")'))
    r += 1
    displaced: dict[str, list[str]] = {}
    if bia.displaced_share:
        for a in others:
            put_text(ws, r, 1, f"Share of the extra uptake taken from {label[a]} (every year)")
            cell = share_input(f"bia_displaced_share_{a}", r, year_cols[1], bia.displaced_share.get(a, 0.0),
                               f"displaced share of {label[a]}")
            displaced[a] = [cell] * horizon
            source(r, "displaced_share", a)
            r += 1
        put_text(ws, r, 1, "Sum of the displaced shares (must be 1)", font=TOTAL_FONT)
        total = "+".join(displaced[a][0] for a in others)
        put_formula(ws, r, year_cols[1], total, SHARE_PCT, font=TOTAL_FONT)
        checks.append(("displaced shares sum to 1", f'IF(ABS(({total})-1)>1E-9,"{displaced[others[0]][0]}: the '
                                                    f'displaced shares sum to "&ROUND({total},9)&", not 1","")'))
        r += 1
    else:
        for a in others:
            put_text(ws, r, 1, f"Share of the extra uptake taken from {label[a]} (= its market share: no displaced "
                               "shares in the inputs)")
            for j, col in year_cols.items():
                put_formula(ws, r, col, market[a][j - 1], SHARE_PCT)
            displaced[a] = [abs_ref(col, r) for col in year_cols.values()]
            r += 1
    r += 1
    put_text(ws, r, 1, "Share of each year's cohort starting each arm", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["World: arm"] + [f"Year {j}" for j in year_cols])
    r += 1
    shares: dict[str, dict[str, list[str]]] = {"with": {}, "without": {}}
    for world, uptake in (("with", with_cells), ("without", without_cells)):
        for a in arms:
            put_text(ws, r, 1, f"World {world} {label[intervention]}: {label[a]}")
            cells = []
            for j, col in year_cols.items():
                u1, u0 = with_cells[j - 1], without_cells[j - 1]
                if a == intervention:
                    formula = uptake[j - 1]
                elif world == "without":
                    formula = f"(1-{u0})*{market[a][j - 1]}"
                else:
                    formula = f"MAX(0,(1-{u0})*{market[a][j - 1]}-({u1}-{u0})*{displaced[a][j - 1]})"
                put_formula(ws, r, col, formula, SHARE_PCT)
                cells.append(abs_ref(col, r))
            shares[world][a] = cells
            r += 1
    for a in others:
        lost = ",".join(f"(1-{without_cells[j - 1]})*{market[a][j - 1]}-({with_cells[j - 1]}-{without_cells[j - 1]})*"
                        f"{displaced[a][j - 1]}<-1E-12" for j in year_cols)
        checks.append((f"{label[a]} keeps a share of at least 0",
                       f'IF(OR({lost}),"{displaced[a][0] if bia.displaced_share else market[a][0]}: the intervention would take more patients from '
                       f'{_q(label[a])} than it has in the world without it (displaced share too large for its '
                       'market share)","")'))
    r += 1
    put_text(ws, r, 1, "Checks of the market shares (as cea bia refuses them)", font=SECTION_FONT)
    r += 1
    previous = None
    for what, formula in checks:
        put_text(ws, r, 1, what)
        put_formula(ws, r, 2, f'IFERROR({formula},"{_q(what)}: cannot be checked")', extra={"font_color": "#9C0006"})
        mine = abs_ref(2, r)
        put_formula(ws, r, 3, mine if previous is None else f"IF(LEN({previous})>0,{previous},{mine})",
                    font=SUBTITLE_FONT)
        previous = abs_ref(3, r)
        r += 1
    put_text(ws, r, 1, "Market shares: first problem (blank when every check passes; part of CHECKS)",
             font=TOTAL_FONT)
    put_formula(ws, r, 2, previous, font=TOTAL_FONT)
    book.name(SHARES_CHECK, SHEET, abs_ref(2, r), SHARES_CHECK)
    return r + 2, shares


def _q(text: str) -> str:
    return text.replace('"', '""')


def build_budget_impact(book: Book, bia: BudgetImpactInputs) -> None:
    """Add the 'BIA cycles' and 'Budget impact' sheets (after the model sheets exist)."""
    st, s = book.inputs.structure, book.inputs.settings
    arms, categories = list(st.arm_ids), list(st.cost_categories)
    horizon = bia.n_years
    n = book.n
    nc, corr, days, months = n("n_cycles"), n("within_cycle_correction"), n("cycle_length_days"), n("cycle_months")
    tcols = {k: get_column_letter(j) for k, j in book.trace_cols.items()}
    first_trace = sheet_ref(book.trace[arms[0]])

    # ------------------------------------------------------------------ cycles sheet
    ws = book.add_sheet(CYCLES, key=CYCLES)
    title(ws, "Budget impact: undiscounted costs per cycle and the share of each cycle in each year",
          "Cycle k runs from t_k to t_k+1.  State costs use the within-cycle weights of the trace, split between the "
          "two cycles that share a trace point (a_k, b_k); drug costs are paid at the cycle start on each drug's time on "
          "treatment; one-off costs at progression and death fall in the cycle of the event; adverse events are spread "
          "over the time on treatment as on the trace sheets.")
    labels = ["Cycle", "Start (years)", "End (years)", "a_k (weight of t_k)", "b_k (weight of t_k+1)"]
    labels += [f"Share in year {j}" for j in range(1, horizon + 1)]
    cost_col: dict[tuple[str, str], int] = {}
    for arm in arms:
        for c in categories:
            cost_col[(arm, c)] = len(labels) + 1
            labels.append(f"{arm}: {category_label(c)}")
    header_row(ws, FIRST - 1, labels, height=45)
    widths(ws, [7, 9, 9, 10, 10] + [9] * horizon + [13] * len(cost_col))
    ws.freeze = (FIRST, 2)
    ws.repeat_rows = (FIRST - 1, FIRST - 1)
    # print: across pages (cycle column repeated), only the cycles that fall in the budget-impact years
    ws.fit_width = False
    ws.print_area = (1, 1, FIRST - 1 + min(book.n_rows, math.ceil(horizon / s.cycle_years - 1e-9)), len(labels))

    def put(row: int, col: int, value, fmt: str) -> None:
        if isinstance(value, str):
            put_formula(ws, row, col, value, fmt, FORMULA_FONT)
        else:
            ws.value(row, col, value, {"num_format": fmt} if fmt != GENERAL else None)
    share_col = {j: 5 + j for j in range(1, horizon + 1)}
    items = {arm: [(k, item) for k, item in enumerate(st.cost_items) if item.arm in ("all", arm)] for arm in arms}
    paid_on = {(t.arm, item): t.drug for t in st.treatments for item in t.cost_items}
    last = FIRST + book.n_rows - 1
    for k in range(book.n_rows):
        r, tr = FIRST + k, book.first_row + k
        put(r, 1, k, INTEGER)
        put(r, 2, f"={first_trace}{tcols['t_years']}{tr}", GENERAL)
        put(r, 3, f"={first_trace}{tcols['t_years']}{tr + 1}", GENERAL)
        w0, w1 = f"{first_trace}{tcols['w']}{tr}", f"{first_trace}{tcols['w']}{tr + 1}"
        a_k = w0 if k == 0 else f"{w0}/2"
        k_cell = f"$A{r}"  # the cycle number in column A: each cycle's formulas differ only in their row
        put(r, 4, f'=IF({k_cell}>={nc},0,IF({corr}="none",{w0},{a_k}))', GENERAL)
        put(r, 5, f'=IF({k_cell}>={nc},0,IF({corr}="none",0,IF({k_cell}+1={nc},{w1},{w1}/2)))', GENERAL)
        for j, col in share_col.items():
            put(r, col, f"=MAX(0,MIN($C{r},{j})-MAX($B{r},{j - 1}))/($C{r}-$B{r})", SHARE_FMT)
        for arm in arms:
            trace = sheet_ref(book.trace[arm])
            parts = {c: [] for c in categories}
            for k_item, item in items[arm]:
                term = basis_term(item.basis, trace, tcols, tr, k, nc, days, months, f"$D{r}", f"$E{r}",
                                  paid_on.get((arm, item.id)), k_cell)
                if term != "0":
                    parts[item.category].append(f"{book.unit_cost[k_item]}*{term}")
            ae = [cost for cost, _ in book.ae_cells.get(arm, [])]
            if ae:
                parts.setdefault("adverse_events", []).append(f"({'+'.join(ae)})*{trace}{tcols['ae_share']}{tr}")
            for c in categories:
                put(r, cost_col[(arm, c)], "=" + ("+".join(parts[c]) if parts[c] else "0"), COST_FMT)

    # ------------------------------------------------------------------ budget impact sheet
    ws = book.add_sheet(SHEET, key=SHEET)
    intervention, comparator = s.intervention, s.comparator
    label = {a.id: a.label for a in st.arms}
    many = many_arms(book)
    if many:
        title(ws, f"Budget impact: {label[intervention]} in the market of {len(arms) - 1} other arms ({s.currency}, "
                  "undiscounted)",
              "ISPOR Budget Impact Analysis Good Practice II (Sullivan 2014); NICE budget impact template layout.  Each "
              "year's cohort starts at the start of the year; the rest of each cohort starts the other arms in their "
              "market shares, and the intervention's extra uptake is taken from them in the displaced shares.  Blue "
              "cells are inputs (budget_impact.csv); everything else is a formula.")
    else:
        title(ws, f"Budget impact: {label[intervention]} replacing {label[comparator]} ({s.currency}, undiscounted)",
              "ISPOR Budget Impact Analysis Good Practice II (Sullivan 2014); NICE budget impact template layout.  Each "
              "year's cohort starts at the start of the year; the rest of each cohort starts the comparator, which the "
              "intervention displaces.  Blue cells are inputs (budget_impact.csv); everything else is a formula.")
    widths(ws, [44] + [15] * horizon + [16, 60])
    year_cols = {j: 1 + j for j in range(1, horizon + 1)}
    total_col = horizon + 2
    r = 4
    put_text(ws, r, 1, "Population and market (inputs)", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Quantity"] + [f"Year {j}" for j in year_cols] + ["", "Source"])
    r += 1
    growth_row, prevalent_row, given_row, with_row, without_row = r, r + 1, r + 2, r + 3, r + 4

    def named_input(model_id: str, row: int, col: int, value: float, fmt: str) -> str:
        put_input(ws, row, col, value, fmt)
        return book.name(model_id, SHEET, abs_ref(col, row), model_id)

    def source(row: int, quantity: str, year: int | None = None) -> None:
        found = bia.row(quantity, year)
        if found is not None:
            put_text(ws, row, total_col + 1, found.source[:250], font=SUBTITLE_FONT)

    put_text(ws, growth_row, 1, "Growth of the eligible population a year")
    growth = named_input("bia_incidence_growth", growth_row, 2, bia.incidence_growth, PCT)
    source(growth_row, "incidence_growth")
    put_text(ws, prevalent_row, 1, "Prevalent patients treated with year 1's cohort")
    prevalent = named_input("bia_prevalent_patients", prevalent_row, 2, bia.prevalent_patients, INTEGER)
    source(prevalent_row, "prevalent_patients")
    put_text(ws, given_row, 1, "Newly eligible patients (blue: entered; black: previous year × (1 + growth))")
    put_text(ws, with_row, 1, f"Uptake of {label[intervention]}, world with it")
    put_text(ws, without_row, 1, f"Uptake of {label[intervention]}, world without it")
    new_cells, with_cells, without_cells = [], [], []
    for j, col in year_cols.items():
        if j in bia.eligible_given:
            named_input(f"bia_eligible_{j}", given_row, col, bia.eligible_given[j], INTEGER)
        else:
            put_formula(ws, given_row, col, f"{abs_ref(col - 1, given_row)}*(1+{growth})", INTEGER)
        new_cells.append(abs_ref(col, given_row))
        with_cells.append(named_input(f"bia_uptake_with_{j}", with_row, col, bia.uptake_with[j - 1], PCT))
        without_cells.append(named_input(f"bia_uptake_without_{j}", without_row, col, bia.uptake_without[j - 1], PCT))
    source(given_row, "eligible_patients", 1)
    source(with_row, "uptake_with", 1)
    source(without_row, "uptake_without", 1)
    r = without_row + 2
    arm_shares = None
    if many:
        r, arm_shares = _market_block(book, ws, bia, r, year_cols, total_col, label, with_cells, without_cells)
    put_text(ws, r, 1, "Patients", font=SECTION_FONT)
    r += 1
    eligible_row, treated_row = r, r + 1
    put_text(ws, eligible_row, 1, "Eligible patients (year 1 includes the prevalent patients)")
    put_text(ws, treated_row, 1, f"Treated: starting {label[intervention]} (world with it)")
    eligible = []
    for j, col in year_cols.items():
        put_formula(ws, eligible_row, col, f"{new_cells[j - 1]}" + (f"+{prevalent}" if j == 1 else ""), INTEGER)
        eligible.append(abs_ref(col, eligible_row))
        put_formula(ws, treated_row, col, f"{eligible[-1]}*{with_cells[j - 1]}", INTEGER)
    r = treated_row + 2
    put_text(ws, r, 1, "Costs per patient by year since the cohort started (undiscounted)", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Arm: category"] + [f"Year {j}" for j in year_cols] + ["Total"])
    r += 1
    per_patient: dict[str, dict[str, list[str]]] = {c: {} for c in categories}
    cycles = sheet_ref(CYCLES)
    for arm in arms:
        for c in categories:
            put_text(ws, r, 1, f"{label[arm]}: {category_label(c)}")
            col_letter = get_column_letter(cost_col[(arm, c)])
            cells = []
            for j, col in year_cols.items():
                share_letter = get_column_letter(share_col[j])
                put_formula(ws, r, col, f"SUMPRODUCT({cycles}${col_letter}${FIRST}:${col_letter}${last},"
                                        f"{cycles}${share_letter}${FIRST}:${share_letter}${last})", book.money2)
                cells.append(abs_ref(col, r))
            put_formula(ws, r, total_col, f"SUM({cells[0]}:{cells[-1]})", book.money2)
            per_patient[c][arm] = cells
            r += 1
    world_rows: dict[str, dict[str, int]] = {"with": {}, "without": {}}
    for world, uptake in (("with", with_cells), ("without", without_cells)):
        r += 1
        put_text(ws, r, 1, f"Costs by calendar year, world {world} {label[intervention]}", font=SECTION_FONT)
        r += 1
        header_row(ws, r, ["Category"] + [f"Year {j}" for j in year_cols] + ["Total"])
        r += 1
        for c in categories:
            put_text(ws, r, 1, category_label(c))
            for j, col in year_cols.items():
                formula = (shares_world_formula(j, eligible, arm_shares[world], per_patient[c]) if arm_shares else
                           world_formula(j, eligible, uptake, per_patient[c], intervention, comparator))
                put_formula(ws, r, col, formula, book.money)
            put_formula(ws, r, total_col, f"SUM({abs_ref(2, r)}:{abs_ref(1 + horizon, r)})", book.money)
            world_rows[world][c] = r
            r += 1
        put_text(ws, r, 1, "Total", font=TOTAL_FONT)
        first_c, last_c = world_rows[world][categories[0]], world_rows[world][categories[-1]]
        for col in list(year_cols.values()) + [total_col]:
            put_formula(ws, r, col, f"SUM({abs_ref(col, first_c)}:{abs_ref(col, last_c)})", book.money)
        world_rows[world]["total"] = r
        r += 1
    r += 1
    put_text(ws, r, 1, "Budget impact", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Year", "Eligible", "Treated", "Costs with", "Costs without", "Net budget impact"])
    r += 1
    summary_first = r
    for j, col in year_cols.items():
        put_text(ws, r, 1, f"Year {j}")
        put_formula(ws, r, 2, eligible[j - 1], INTEGER)
        put_formula(ws, r, 3, abs_ref(col, treated_row), INTEGER)
        put_formula(ws, r, 4, abs_ref(col, world_rows["with"]["total"]), book.money)
        put_formula(ws, r, 5, abs_ref(col, world_rows["without"]["total"]), book.money)
        put_formula(ws, r, 6, f"{abs_ref(4, r)}-{abs_ref(5, r)}", book.money)
        book.name(f"bia_net_{j}", SHEET, abs_ref(6, r), f"bia_net_{j}")
        book.name(f"bia_costs_with_{j}", SHEET, abs_ref(4, r), f"bia_costs_with_{j}")
        book.name(f"bia_costs_without_{j}", SHEET, abs_ref(5, r), f"bia_costs_without_{j}")
        r += 1
    put_text(ws, r, 1, "Total", font=TOTAL_FONT)
    for col in range(2, 7):
        put_formula(ws, r, col, f"SUM({abs_ref(col, summary_first)}:{abs_ref(col, r - 1)})",
                    INTEGER if col < 4 else book.money)
    book.name("bia_total_net", SHEET, abs_ref(6, r), "bia_total_net")
    r += 2
    put_text(ws, r, 1, f"Prices are those on {INPUTS} (edit the everolimus pack prices there for a discounted price); "
             "costs are undiscounted and in the model's price year.", font=SUBTITLE_FONT)


def write(book: Book) -> None:
    """Sheet writer: the budget impact sheets when the workbook is given budget-impact inputs."""
    bia = book.analyses.get("budget_impact")
    if bia is not None:
        build_budget_impact(book, bia)


register_sheet("budget_impact", write, after="results")
