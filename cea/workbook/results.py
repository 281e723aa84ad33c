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
from cea.workbook.registry import register_sheet
from cea.workbook.analyses import write_frame
from cea.workbook.core import Book, sheet_ref
from cea.workbook.core import column_letter as get_column_letter
from cea.workbook.strategies import write_results_frontier
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


# Health state a cost item's costs belong to, by its basis (as cea.engine.model: costs_by_state).  Adverse
# events count in PF (they occur on treatment, before progression).
STATE_OF_BASIS = {"per_month_in_pf": "PF", "per_day_on_treatment": "PF", "at_start": "PF",
                  "per_month_in_pd": "PD", "per_progression": "PD", "per_death": "Dead"}
COST_STATE_NAMES = {"PF": "Progression-free", "PD": "Progressed disease", "Dead": "Death (one-off costs at death)"}
PSA_NAMES = ("psa_mean_incremental_costs", "psa_mean_incremental_qalys", "psa_icer")  # defined on the PSA sheet


class TraceSums:
    """Formula text for per-patient totals of one arm over its trace sheet (discounted and undiscounted)."""

    def __init__(self, book: Book, arm: str) -> None:
        self.book, self.arm = book, arm
        self.ref = sheet_ref(book.trace[arm])
        self.treatments = book.inputs.structure.arm_treatments(arm)

    def rng(self, key: str) -> str:
        letter = get_column_letter(self.book.trace_cols[key])
        return f"{self.ref}${letter}${self.book.first_row}:${letter}${self.book.last_row}"

    def total(self, key: str) -> str:
        return f"SUM({self.rng(key)})"

    def drug_of(self, item) -> str:
        return next(t.drug for t in self.treatments if item.id in t.cost_items)

    def quantity(self, item, discounted: bool) -> str | None:
        """Units of an item's basis per patient (None: a one-off at the start, quantity 1).

        Discounted: the trace's basis columns (b_pf, b_pd, b_prog, b_death, b_drug:<drug>) summed.  Undiscounted:
        the same sums without the discount factor, over the same cycles — months in a state Σ w_k·state_k x cycle
        months; progressions and deaths Σ_{1≤k≤n}; days on a drug Σ_{k<n} ToT_k x cycle days (cycle start)."""
        n = self.book.n
        nc = n("n_cycles")
        basis = item.basis
        if basis == "at_start":
            return None
        if discounted:
            if basis == "per_day_on_treatment":
                return self.total(f"b_drug:{self.drug_of(item)}")
            from cea.workbook.model import BASIS_COLUMN

            return self.total(BASIS_COLUMN[basis])
        cycle = self.rng("cycle")
        if basis == "per_month_in_pf":
            return f"SUMPRODUCT({self.rng('w')},{self.rng('pf')})*{n('cycle_months')}"
        if basis == "per_month_in_pd":
            return f"SUMPRODUCT({self.rng('w')},{self.rng('pd')})*{n('cycle_months')}"
        if basis == "per_progression":
            return f'SUMIF({cycle},"<="&{nc},{self.rng("new_prog")})'
        if basis == "per_death":
            return f'SUMIF({cycle},"<="&{nc},{self.rng("new_deaths")})'
        if basis == "per_day_on_treatment":
            return f'SUMIF({cycle},"<"&{nc},{self.rng("on:" + self.drug_of(item))})*{n("cycle_length_days")}'
        raise ValueError(f"unknown cost basis {basis!r}")

    def items(self):
        """(item, unit cost name) of every cost item this arm pays."""
        st = self.book.inputs.structure
        return [(item, self.book.unit_cost[k]) for k, item in enumerate(st.cost_items) if item.arm in ("all", self.arm)]

    def item_cost(self, item, unit: str, discounted: bool) -> str:
        q = self.quantity(item, discounted)
        return unit if q is None else f"{unit}*{q}"

    def ae_cost(self, discounted: bool) -> str | None:
        """Adverse-event costs: Σ rate x cost, spread over the time on treatment (ae_share) and discounted in the
        trace; undiscounted, the per-patient total itself."""
        ae = self.book.ae_cells.get(self.arm, [])
        if not ae:
            return None
        total = "(" + "+".join(cost for cost, _ in ae) + ")"
        return f"{total}*SUMPRODUCT({self.rng('ae_share')},{self.rng('df_c')})" if discounted else total

    def ae_qalys_undiscounted(self) -> str:
        ae = self.book.ae_cells.get(self.arm, [])
        return "-1*(" + "+".join(q for _, q in ae) + ")" if ae else "0"

    def sum_of(self, parts: list[str]) -> str:
        return "+".join(parts) if parts else "0"


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
    sums = {a: TraceSums(book, a) for a in arms}
    r = 5

    def coord(c: int, row: int) -> str:
        return f"{get_column_letter(c)}{row}"

    def section(text: str) -> None:
        nonlocal r
        put_text(ws, r, 1, text, font=SECTION_FONT)
        r += 1

    def note(text: str) -> None:
        nonlocal r
        put_text(ws, r, 1, text, font=SUBTITLE_FONT)
        r += 1

    def line(text: str, formula_for, path_for, fmt: str, total: bool = False, inc_path: str | None = None) -> int:
        """One row: a formula per arm, the increment, and the result paths recorded (path_for may give None)."""
        nonlocal r
        put_text(ws, r, 1, text, font=TOTAL_FONT if total else None)
        for a in arms:
            put_formula(ws, r, col[a], formula_for(a), fmt, font=TOTAL_FONT if total else None,
                        extra=TOP_BORDER if total else None)
            path = path_for(a)
            if path:
                cells[path] = coord(col[a], r)
        put_formula(ws, r, inc_col, f"{a_int}{r}-{a_cmp}{r}", fmt, font=TOTAL_FONT if total else None,
                    extra=TOP_BORDER if total else None)
        if inc_path:
            cells[inc_path] = coord(inc_col, r)
        r += 1
        return r - 1

    def column_total(rows: list[int]):
        return lambda a: f"SUM({get_column_letter(col[a])}{rows[0]}:{get_column_letter(col[a])}{rows[-1]})"

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
        total_costs = line("Total costs", column_total(cat_rows), lambda a: f"arms.{a}.costs", money, total=True)
    else:
        total_costs = line("Total costs", lambda a: "0", lambda a: f"arms.{a}.costs", money, total=True)
    r += 1

    # costs by health state: each cost item's total (unit cost x its basis summed over the trace) in the state of
    # its basis, adverse events in PF; the mapping is stated on the sheet
    def state_costs(state: str):
        def formula(a: str) -> str:
            t = sums[a]
            parts = [t.item_cost(item, unit, True) for item, unit in t.items() if STATE_OF_BASIS[item.basis] == state]
            if state == "PF" and t.ae_cost(True):
                parts.append(t.ae_cost(True))
            return t.sum_of(parts)
        return formula

    section("Costs by health state (discounted)")
    state_rows = [line(COST_STATE_NAMES[state], state_costs(state), lambda a, x=state: f"arms.{a}.costs_by_state.{x}",
                       money) for state in COST_STATE_NAMES]
    line("Total (equals total costs)", column_total(state_rows), lambda a: None, money, total=True)
    by_state_items = {state: sorted({item.id for item in st.cost_items if STATE_OF_BASIS[item.basis] == state})
                      for state in COST_STATE_NAMES}
    mapping = ("Mapping of cost items to states, by basis: progression-free = costs per month in PF, per day on "
               "treatment (drugs, drug monitoring), one-off costs at the start and adverse events ("
               + ", ".join(by_state_items["PF"] + (["adverse events"] if st.adverse_events else [])) + "); "
               "progressed disease = costs per month in PD and one-off costs at progression ("
               + ", ".join(by_state_items["PD"]) + "); death = one-off costs at death ("
               + ", ".join(by_state_items["Dead"]) + ").")
    put_text(ws, r, 1, mapping, font=SUBTITLE_FONT, align=WRAP)
    ws.merges.append((r, 1, r, inc_col))
    r += 2

    def undiscounted_category(c: str):
        def formula(a: str) -> str:
            t = sums[a]
            parts = [t.item_cost(item, unit, False) for item, unit in t.items() if item.category == c]
            if c == "adverse_events" and t.ae_cost(False):
                parts.append(t.ae_cost(False))
            return t.sum_of(parts)
        return formula

    section("Costs (undiscounted)")
    u_rows = [line(category_label(c), undiscounted_category(c),
                   lambda a, c=c: f"arms.{a}.undiscounted.costs_by_category.{c}", money) for c in st.cost_categories]
    line("Total costs (undiscounted)", column_total(u_rows) if u_rows else (lambda a: "0"),
         lambda a: f"arms.{a}.undiscounted.costs", money, total=True)
    note("Undiscounted = the same cost items over the same cycles without the discount factor (months in a state "
         "Σ w·occupancy x cycle months; events and days on treatment summed).")
    r += 1

    def by_state(heading: str, keys: dict[str, str], prefix: str, total_path: str, fmt: str) -> int:
        nonlocal r
        section(heading)
        rows = []
        for state, source in keys.items():
            rows.append(line(STATE_NAMES[state], source, lambda a, st_=state: f"arms.{a}.{prefix}.{st_}", fmt))
        total = line("Total", column_total(rows), lambda a: f"arms.{a}.{total_path}", fmt, total=True)
        r += 1
        return total

    def ae_qalys(a: str) -> str:  # spread over the time on treatment and discounted in the trace (ae_q)
        return "-" + trace_sum("ae_q")(a)

    def undiscounted_qalys(state: str):
        level = book.n(f"level:{st.utility_pf if state == 'PF' else st.utility_pd}")
        occupancy = "pf" if state == "PF" else "pd"
        return lambda a: (f"{level}*SUMPRODUCT({sums[a].rng('w')},{sums[a].rng('u_profile')},"
                          f"{sums[a].rng(occupancy)})*{book.n('cycle_years')}")

    total_lys = by_state("Life-years (discounted)", {"PF": trace_sum("ly_pf"), "PD": trace_sum("ly_pd")},
                         "lys_by_state", "lys", "0.0000")
    total_qalys = by_state("QALYs (discounted)", {"PF": trace_sum("q_pf"), "PD": trace_sum("q_pd"), "AE": ae_qalys},
                           "qalys_by_state", "qalys", "0.0000")
    assert tuple(STATE_NAMES) == QALY_COMPONENTS
    by_state("Life-years (undiscounted)", {"PF": trace_sum("ly_pf_u"), "PD": trace_sum("ly_pd_u")},
             "undiscounted.lys_by_state", "undiscounted.lys", "0.0000")
    by_state("QALYs (undiscounted)", {"PF": undiscounted_qalys("PF"), "PD": undiscounted_qalys("PD"),
                                      "AE": lambda a: sums[a].ae_qalys_undiscounted()},
             "undiscounted.qalys_by_state", "undiscounted.qalys", "0.0000")

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
    put_formula(ws, r, 2, f'IF(AND({dc}=0,{dq}=0),"identical",IF({dc}>0,"more",IF({dc}<0,"less","equally"))'
                          f'&" costly, "&IF({dq}>0,"more",IF({dq}<0,"less","equally"))&" effective")')
    cells["incremental.status"] = coord(2, r)
    r += 1
    put_text(ws, r, 1, "Interpretation")
    put_formula(ws, r, 2, f'IF(AND({dq}>0,{dc}>0),"Cost per QALY gained",'
                          f'IF(AND({dq}<0,{dc}<0),"Saving per QALY forgone: adopt if above '
                          f'the threshold",IF(AND({dc}=0,{dq}=0),"No difference",IF(AND({dq}>=0,{dc}<=0),'
                          f'"Intervention dominates: no more costly and at least as effective",'
                          f'"Intervention is dominated: no less costly and at most as effective"))))')
    r += 2
    header_row(ws, r, ["Net monetary benefit", "Willingness to pay per QALY", "Incremental NMB"], height=30)
    r += 1
    nmb_rows = {}
    for i, w in enumerate(s.wtp_thresholds, start=1):
        put_text(ws, r, 1, f"Threshold {i}")
        put_formula(ws, r, 2, book.n(f"wtp_{i}"), money)
        put_formula(ws, r, 3, f"B{r}*{dq}-{dc}", money, font=TOTAL_FONT)
        cells[f"incremental.nmb.{w:g}"] = coord(3, r)
        nmb_rows[i] = r
        r += 1
    r += 1
    r = _threshold_price(book, ws, r, sums, arms, nmb_rows, inc_col)
    r += 1
    r = write_results_frontier(book, ws, r, total_costs, total_qalys, col)  # more than two arms only
    _reserve_psa_block(book, ws, r)
    if "scenario" in book.names:
        _settings_in_use(book, ws, inc_col + 2)
    ws.freeze = (5, 2)
    ws.repeat_rows = (4, 4)


def priced_items(book: Book) -> list[tuple[int, Any]]:
    """(index, cost item) of the items whose unit cost multiplies a priced parameter (price_parameter or
    price_linked): their costs are proportional to the price, so ΔC is linear in a common price multiplier."""
    s = book.inputs.settings
    priced = {s.price_parameter, *s.price_linked}
    return [(k, item) for k, item in enumerate(book.inputs.structure.cost_items)
            if priced & set(item.multiply)]


def _threshold_price(book: Book, ws, r: int, sums: dict[str, TraceSums], arms: list[str], nmb_rows: dict[int, int],
                     inc_col: int) -> int:
    """Threshold price: the price of ``price_parameter`` (and its linked prices, moved by the same relative
    change, as `cea threshold`) at which the incremental NMB at each threshold is 0, i.e. the ICER equals it.

    Costs are linear in a common multiplier m on the priced parameters: ΔC(m) = ΔC − ΔC_p + m·ΔC_p, with ΔC_p
    the incremental discounted costs of the priced items (each parameter appears once in the item's
    'multiply' list).  INMB(m) = λΔQ − ΔC(m) = 0 gives m* = 1 + INMB(1)/ΔC_p, price* = m*·price."""
    s, st = book.inputs.settings, book.inputs.structure
    money, cells = book.money, book.facts.setdefault("threshold_price_cells", {})
    price_id = s.price_parameter
    items = priced_items(book)
    description = book.inputs.parameters[price_id].description if price_id in book.inputs.parameters else price_id
    put_text(ws, r, 1, f"Threshold price: {description}", font=SECTION_FONT)
    r += 1
    linear = items and all(sum(p in (price_id, *s.price_linked) for p in item.multiply) == 1
                           and not {price_id, *s.price_linked} & set(item.divide) for _, item in items)
    if not linear or price_id not in book.names:
        put_text(ws, r, 1, "The priced parameter does not enter the costs linearly through cost items: use Goal Seek "
                 "(see below).", font=SUBTITLE_FONT)
        return _goal_seek_note(ws, r + 1, inc_col)
    col = {a: 2 + j for j, a in enumerate(arms)}
    a_int, a_cmp = get_column_letter(col[s.intervention]), get_column_letter(col[s.comparator])
    put_text(ws, r, 1, "Costs of the priced items (discounted)")
    for a in arms:
        t = sums[a]
        parts = [t.item_cost(item, book.unit_cost[k], True) for k, item in items if item.arm in ("all", a)]
        put_formula(ws, r, col[a], t.sum_of(parts), money)
    put_formula(ws, r, inc_col, f"{a_int}{r}-{a_cmp}{r}", money)
    d_priced = f"${get_column_letter(inc_col)}${r}"
    book.facts["priced_cost_increment"] = f"{sheet_ref(ws.title)}{d_priced}"  # read by the Price sheet
    r += 1
    price = book.n(price_id)
    put_text(ws, r, 1, f"Price in use ({price_id})")
    put_formula(ws, r, 2, price, book.money2)
    price_cell = f"$B${r}"
    r += 1
    linked = ", ".join(s.price_linked)
    header_row(ws, r, ["Threshold (ICER = WTP)", "Willingness to pay per QALY", "Threshold price",
                       "Change from the price in use"], height=30)
    r += 1
    for i, w in enumerate(s.wtp_thresholds, start=1):
        put_text(ws, r, 1, f"Threshold {i}")
        put_formula(ws, r, 2, book.n(f"wtp_{i}"), money)
        put_formula(ws, r, 3, f"IF({d_priced}=0,NA(),{price_cell}*(1+C{nmb_rows[i]}/{d_priced}))", book.money2,
                    font=TOTAL_FONT)
        put_formula(ws, r, 4, f"IF(ISNUMBER(C{r}),C{r}/{price_cell}-1,NA())", "0.0%")
        cells[f"{w:g}"] = f"C{r}"
        r += 1
    text = (f"Closed form (costs are linear in the price): price* = price x (1 + INMB/ΔC_priced), with INMB the "
            f"incremental NMB above and ΔC_priced the incremental costs of the priced items ("
            + ", ".join(item.id for _, item in items) + ")"
            + (f"; the linked prices ({linked}) move by the same percentage" if linked else "")
            + ". Equals `cea threshold`. The NICE severity modifier is not applied in the workbook (`cea all` reports "
              "the weighted threshold price when it applies).")
    put_text(ws, r, 1, text, font=SUBTITLE_FONT, align=WRAP)
    ws.merges.append((r, 1, r, inc_col))
    return _goal_seek_note(ws, r + 1, inc_col)


def _goal_seek_note(ws, r: int, inc_col: int) -> int:
    text = ("Alternative, Goal Seek (Data > What-If Analysis > Goal Seek; LibreOffice: Tools > Goal Seek): set the "
            "incremental NMB cell at the threshold to 0 by changing the price input on Inputs (unprotect the sheet "
            "first).")
    put_text(ws, r, 1, text, font=SUBTITLE_FONT, align=WRAP)
    ws.merges.append((r, 1, r, inc_col))
    return r + 1


def _reserve_psa_block(book: Book, ws, r: int) -> None:
    """Section for the probabilistic results; filled by ``fill_psa_block`` once the PSA sheet exists."""
    put_text(ws, r, 1, "Probabilistic results (PSA)", font=SECTION_FONT)
    put_text(ws, r + 1, 1, "PSA: see PSA sheet")
    book.facts["results_psa_row"] = r + 1


def fill_psa_block(book: Book) -> None:
    """Mean incremental costs and QALYs, probabilistic ICER and P(cost-effective) at each threshold, by
    reference to the names the PSA sheet defines (psa_mean_incremental_costs, psa_mean_incremental_qalys,
    psa_icer, psa_p_ce_<i>); the placeholder stays when the book has none of them."""
    r = book.facts.get("results_psa_row")
    if r is None or RESULTS not in book.sheets or not any(name in book.defined for name in PSA_NAMES):
        return
    ws = book.sheets[RESULTS]
    s = book.inputs.settings
    rows = [(text, name, fmt) for text, name, fmt in (
        ("Mean incremental costs", "psa_mean_incremental_costs", book.money),
        ("Mean incremental QALYs", "psa_mean_incremental_qalys", "0.0000"),
        ("Probabilistic ICER (ratio of means)", "psa_icer", book.money)) if name in book.defined]
    rows += [(f"P(cost-effective) at threshold {i}", f"psa_p_ce_{i}", "0.0%")
             for i in range(1, len(s.wtp_thresholds) + 1) if f"psa_p_ce_{i}" in book.defined]
    cells = book.facts.setdefault("psa_result_cells", {})
    for k, (text, name, fmt) in enumerate(rows):
        put_text(ws, r + k, 1, text)
        put_formula(ws, r + k, 2, name, fmt, font=TOTAL_FONT)
        if name.startswith("psa_p_ce_"):
            put_formula(ws, r + k, 3, book.n(f"wtp_{name.rsplit('_', 1)[1]}"), book.money)
        cells[name] = f"B{r + k}"
    put_text(ws, r + len(rows), 1, "From the PSA sheet (recalculates with the inputs).", font=SUBTITLE_FONT)


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
        put_formula(ws, r, col + 1, formula, "0.00" if text_.startswith("Horizon") else GENERAL)


def result_label(book: Book, path: str) -> str:
    """Words for a result path: 'arms.exe.undiscounted.costs_by_category.drug_acquisition' → 'Placebo +
    exemestane: costs, drug acquisition (undiscounted)'."""
    parts = path.split(".")
    if parts[0] == "arms" and len(parts) > 2:
        who, rest = book.inputs.structure.arm(parts[1]).label, parts[2:]
    elif parts[0] == "incremental":
        who, rest = "Incremental", parts[1:]
    else:
        return path
    when = "discounted"
    if rest[0] == "undiscounted":
        when, rest = "undiscounted", rest[1:]
    key, sub = rest[0], (rest[1] if len(rest) > 1 else None)
    words = {"costs": "total costs", "qalys": "total QALYs", "lys": "total life-years", "icer": "ICER",
             "status": "status"}
    if key in ("icer", "status"):
        return f"{who}: {words[key]}"
    if key == "nmb":
        return f"{who}: net monetary benefit at {float(sub):,.0f} per QALY"
    def lower_first(x: str) -> str:
        return x[:1].lower() + x[1:]

    if key == "costs_by_category":
        text = f"costs, {lower_first(category_label(sub))}"
    elif key == "costs_by_state":
        text = f"costs, {lower_first(COST_STATE_NAMES.get(sub, sub))}"
    elif key in ("lys_by_state", "qalys_by_state"):
        text = f"{'life-years' if key == 'lys_by_state' else 'QALYs'}, {lower_first(STATE_NAMES.get(sub, sub))}"
    else:
        text = words.get(key, key)
    return f"{who}: {text} ({when})"


def build_validation(book: Book, base_case: BaseCaseResult, validation: pd.DataFrame | None,
                     crossval: pd.DataFrame | None = None) -> None:
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
    header_row(ws, r, ["Result", "Python engine", "Workbook", "Relative difference", "Results cell"], height=30)
    r += 1
    for path, coordinate in book.result_cells.items():
        value = expected.get(path)
        put_text(ws, r, 1, result_label(book, path))
        put_text(ws, r, 5, f"{RESULTS}!{coordinate}", font=SUBTITLE_FONT)
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
    # the result labels and the comparison (the frames above set widths of their own)
    for c, width in ((1, 62), (2, 18), (3, 18), (4, 14), (5, 14)):
        ws.widths[c] = max(ws.widths.get(c, 0), width)
    ws.repeat_rows = None


def write_validation(book: Book) -> None:
    build_validation(book, book.analyses["base_case"], book.analyses.get("validation"), book.analyses.get("crossval"))


register_sheet("results", build_results)
register_sheet("validation", write_validation)
register_sheet("results_psa", fill_psa_block, after="validation")  # after every PSA writer
