"""More than two strategies: the fully incremental analysis by formulas (Results, and on the PSA means), and
the PSA per strategy (mean costs and QALYs, CEAC per strategy, CEAF) on the sheet 'PSA strategies'.

Written only when the model has more than two arms; with two arms the pairwise block of the Results
sheet (intervention vs comparator) is the whole analysis and the workbook is as before.

Sorting and dominance use spreadsheet functions every version of Excel and LibreOffice has (IF, AND, OR,
MAX, INDEX, MATCH, IFERROR, COUNTIFS): no macros, no dynamic arrays.  The layout has a fixed size because
the number of strategies N is known when the workbook is built:

1. rank by cost: 1 + the number of strategies sorted before this one, counted by explicit pairwise
   comparisons (cost lower, or equal cost and more QALYs, or equal both and earlier in input order), the
   order of ``cea.analyses.decision.incremental_rows``;
2. sorted table: position p reads the strategy whose rank is p (MATCH(p, ranks, 0), then INDEX);
3. strong dominance: the strategy at p is dominated when its QALYs are at most the largest QALYs at
   positions 1..p-1 (cheaper or equally costly and sorted first);
4. extended dominance by iterative elimination, N-2 passes of five helper columns (in the frontier;
   last frontier position up to p; next frontier position from p; ICER against the previous frontier
   strategy; 1 when that ICER exceeds the next frontier strategy's).  Each pass removes the first
   strategy whose ICER exceeds the next one's (MATCH(1, …, 0)), as the Python rule does; at most N-2
   strategies can be removed (never the cheapest or the last), so N-2 passes always reach the end.

Comparisons are exact in Excel; LibreOffice treats two numbers within about 1e-15 (relative) of each other as
equal, so only a near-tie that close (not an exact tie) could be sorted or labelled differently there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cea.analyses.decision import ICER_TOLERANCE
from cea.analyses.strategies import strategy_table
from cea.workbook.registry import register_sheet
from cea.workbook.core import Book, sheet_ref
from cea.workbook.core import column_letter as letter
from cea.workbook.style import (GENERAL, INTEGER, SECTION_FONT, SUBTITLE_FONT, TOTAL_FONT, WRAP, area, header_row,
                                line_chart, put_formula, put_text, put_value, title, widths)

PSA_STRATEGIES = "PSA strategies"
NONE = ""  # shown where a figure does not apply (reference and dominated strategies)


def many_arms(book: Book) -> bool:
    return len(book.inputs.structure.arm_ids) > 2


def _quote(text: str) -> str:
    return text.replace('"', '""')


def write_frontier(book: Book, ws, r: int, arms: list[str], cost: dict[str, str], qaly: dict[str, str],
                   heading: str, key: str) -> int:
    """The fully incremental table at row ``r`` of ``ws`` for the strategies ``arms`` whose costs and QALYs are
    in the cells ``cost[arm]``, ``qaly[arm]``; its helper columns below it.  Records the cells in
    ``book.facts['frontier'][key]`` and returns the next free row."""
    st, s = book.inputs.structure, book.inputs.settings
    n = len(arms)
    passes = max(n - 2, 1)
    money = book.money
    label = {a: st.arm(a).label for a in arms}
    put_text(ws, r, 1, heading, font=SECTION_FONT)
    put_text(ws, r + 1, 1, "Strategies sorted by cost. Incremental costs and QALYs and the ICER are against the "
                           "previous strategy on the frontier (the non-dominated strategies); dominated: another "
                           "strategy costs no more and gives at least as many QALYs; extendedly dominated: a mix of "
                           "its frontier neighbours costs less for the same QALYs (its ICER exceeds the next one's). "
                           "Formulas: the helper columns below.", font=SUBTITLE_FONT)
    thresholds = list(s.wtp_thresholds)
    for c, width in ((1, 40), (2, 14), (3, 12), (4, 14), (5, 12), (6, 16), (7, 20), (8, 44),
                     *((8 + i, 16) for i in range(1, len(thresholds) + 1))):
        ws.widths[c] = max(ws.widths.get(c, 0), width)
    head = r + 2
    header_row(ws, head, ["Strategy (sorted by cost)", "Costs", "QALYs", "Incremental costs", "Incremental QALYs",
                          "ICER (cost per QALY gained)", "Status", "Compared with"]
               + [f"NMB at {s.currency} {w:,.0f} per QALY" for w in thresholds], height=45)
    top = head + 1  # position 1
    bottom = top + n - 1
    best_row = bottom + 1

    # ---- helper block (input order in A:D, sorted positions from E)
    h0 = best_row + 3
    put_text(ws, h0 - 1, 1, "Sorting and dominance (helper columns; one elimination pass per strategy that can be "
                            "extendedly dominated)", font=SECTION_FONT)
    names = ["Strategy (input order)", "Costs", "QALYs", "Rank by cost", "Position p", "Strategy at p (input row)",
             "Costs at p", "QALYs at p", "Strongly dominated (1 = yes)"]
    for t in range(1, passes + 1):
        names += [f"Pass {t}: on the frontier", f"Pass {t}: last frontier position up to p",
                  f"Pass {t}: next frontier position from p", f"Pass {t}: ICER vs previous",
                  f"Pass {t}: ICER above the next one's"]
    names += ["Frontier (final)", "Last frontier position up to p", "Next frontier position from p"]
    header_row(ws, h0, names, height=60)
    f, l = h0 + 1, h0 + n  # helper rows
    drop_row = l + 1

    def rng(c: int) -> str:
        return f"${letter(c)}${f}:${letter(c)}${l}"

    def at(c: int, row: int) -> str:
        return f"${letter(c)}${row}"

    A, B, C, D, E, F, G, H, I = range(1, 10)
    for k, a in enumerate(arms):
        row = f + k
        put_text(ws, row, A, label[a])
        put_formula(ws, row, B, cost[a], money)
        put_formula(ws, row, C, qaly[a], "0.0000")
        terms = []
        for j in range(n):
            if j == k:
                continue
            cj, ck, qj, qk = at(B, f + j), at(B, row), at(C, f + j), at(C, row)
            tie = f"{qj}>={qk}" if j < k else f"{qj}>{qk}"  # equal costs and QALYs: input order
            terms.append(f"IF(OR({cj}<{ck},AND({cj}={ck},{tie})),1,0)")
        put_formula(ws, row, D, "1+" + "+".join(terms), INTEGER)
    for p in range(1, n + 1):
        row = f + p - 1
        put_value(ws, row, E, p, INTEGER)
        put_formula(ws, row, F, f"MATCH({at(E, row)},{rng(D)},0)", INTEGER)
        put_formula(ws, row, G, f"INDEX({rng(B)},{at(F, row)})", money)
        put_formula(ws, row, H, f"INDEX({rng(C)},{at(F, row)})", "0.0000")
        put_formula(ws, row, I, "0" if p == 1 else f"IF({at(H, row)}<=MAX(${letter(H)}${f}:{at(H, row - 1)}),1,0)",
                    INTEGER)

    def pass_columns(alive: int, first_formula) -> tuple[int, int, int]:
        """alive, last, next columns from ``alive`` on (alive formulas from first_formula(p, row))."""
        last_c, next_c = alive + 1, alive + 2
        for p in range(1, n + 1):
            row = f + p - 1
            put_formula(ws, row, alive, first_formula(p, row), INTEGER)
            put_formula(ws, row, last_c, f"IF({at(alive, row)}=1,{p},{0 if p == 1 else at(last_c, row - 1)})", INTEGER)
        for p in range(n, 0, -1):
            row = f + p - 1
            put_formula(ws, row, next_c, f"IF({at(alive, row)}=1,{p},{0 if p == n else at(next_c, row + 1)})", INTEGER)
        return alive, last_c, next_c

    column = I + 1
    alive_formula = lambda p, row: f"1-{at(I, row)}"  # noqa: E731
    for t in range(1, passes + 1):
        alive, last_c, next_c = pass_columns(column, alive_formula)
        icer_c, above_c = column + 3, column + 4
        for p in range(1, n + 1):
            row = f + p - 1
            if p == 1:
                put_formula(ws, row, icer_c, '""', money)
            else:
                prev = at(last_c, row - 1)
                put_formula(ws, row, icer_c, f'IF(AND({at(alive, row)}=1,{prev}>0),({at(G, row)}-INDEX({rng(G)},{prev}))'
                                             f'/({at(H, row)}-INDEX({rng(H)},{prev})),"")', money)
            if p == n:
                put_formula(ws, row, above_c, "0", INTEGER)
            else:
                nxt = at(next_c, row + 1)
                put_formula(ws, row, above_c, f"IF({at(alive, row)}=1,IF(ISNUMBER({at(icer_c, row)}),IF({nxt}>0,"
                                              f"IF({at(icer_c, row)}-INDEX({rng(icer_c)},{nxt})>{ICER_TOLERANCE!r}*INDEX({rng(icer_c)},{nxt}),1,0),0),0),0)", INTEGER)
        put_formula(ws, drop_row, alive, f"IFERROR(MATCH(1,{rng(above_c)},0),0)", INTEGER, font=TOTAL_FONT)
        drop = at(alive, drop_row)
        alive_formula = (lambda p, row, a=alive, d=drop: f"IF(AND({at(a, row)}=1,{p}<>{d}),1,0)")
        column += 5
    put_text(ws, drop_row, I, "Position removed by the pass (0 = none)", font=TOTAL_FONT)
    final, last_f, next_f = pass_columns(column, alive_formula)
    widths(ws, {c: 14 for c in range(E, next_f + 1) if c not in ws.widths})

    # ---- the table
    cells: dict[int, dict[str, str]] = {}
    labels_sorted = f"$A${top}:$A${bottom}"
    for p in range(1, n + 1):
        row, hrow = top + p - 1, f + p - 1
        c = {}
        put_formula(ws, row, 1, f"INDEX({rng(A)},{at(F, hrow)})", font=TOTAL_FONT)
        put_formula(ws, row, 2, at(G, hrow), money)
        put_formula(ws, row, 3, at(H, hrow), "0.0000")
        status = (f'IF({at(I, hrow)}=1,"dominated",IF({at(final, hrow)}=0,"extendedly dominated","non-dominated"))'
                  if p > 1 else '"reference"')
        put_formula(ws, row, 7, status, font=TOTAL_FONT)
        on = f'$G${row}="non-dominated"'
        if p == 1:
            for col_ in (4, 5, 6):
                put_formula(ws, row, col_, '""')
            put_formula(ws, row, 8, '"cheapest strategy"')
        else:
            prev = at(last_f, hrow - 1)
            put_formula(ws, row, 4, f'IF({on},$B${row}-INDEX($B${top}:$B${bottom},{prev}),"")', money)
            put_formula(ws, row, 5, f'IF({on},$C${row}-INDEX($C${top}:$C${bottom},{prev}),"")', "0.0000")
            put_formula(ws, row, 6, f'IF({on},$D${row}/$E${row},"")', money, font=TOTAL_FONT)
            after = "" if p == n else at(next_f, hrow + 1)
            dominator = (f'INDEX({labels_sorted},MATCH(MAX($C${top}:$C${row - 1}),$C${top}:$C${row - 1},0))')
            extended = (f'"between "&INDEX({labels_sorted},{prev})&" and "&INDEX({labels_sorted},{after})'
                        if after else '""')
            put_formula(ws, row, 8, f'IF({on},INDEX({labels_sorted},{prev}),IF($G${row}="dominated",'
                                    f'"dominated by "&{dominator},{extended}))')
        for i, w in enumerate(thresholds, start=1):
            put_formula(ws, row, 8 + i, f"{book.n(f'wtp_{i}')}*$C${row}-$B${row}", money)
            c[f"nmb.{w:g}"] = f"{letter(8 + i)}{row}"
        c |= {"strategy": f"A{row}", "cost": f"B{row}", "qaly": f"C{row}", "inc_cost": f"D{row}",
              "inc_qaly": f"E{row}", "icer": f"F{row}", "status": f"G{row}", "compared_with": f"H{row}"}
        cells[p] = c
    put_text(ws, best_row, 8, "Highest NMB", font=TOTAL_FONT)
    best = {}
    for i, w in enumerate(thresholds, start=1):
        col_ = letter(8 + i)
        put_formula(ws, best_row, 8 + i, f"INDEX({labels_sorted},MATCH(MAX({col_}{top}:{col_}{bottom}),"
                                         f"{col_}{top}:{col_}{bottom},0))", font=TOTAL_FONT)
        best[f"{w:g}"] = f"{col_}{best_row}"
    book.facts.setdefault("frontier", {})[key] = {"sheet": ws.title, "rows": cells, "best": best}
    return drop_row + 2


def write_results_frontier(book: Book, ws, r: int, cost_row: int, qaly_row: int, col: dict[str, int]) -> int:
    """Results: the fully incremental table of the deterministic base case (more than two arms only)."""
    if not many_arms(book):
        return r
    arms = list(book.inputs.structure.arm_ids)
    cost = {a: f"${letter(col[a])}${cost_row}" for a in arms}
    qaly = {a: f"${letter(col[a])}${qaly_row}" for a in arms}
    return write_frontier(book, ws, r, arms, cost, qaly, "Fully incremental analysis: all strategies", "base_case")


# --------------------------------------------------------------------------- PSA per strategy
def _psa_frame(book: Book) -> pd.DataFrame | None:
    psa = book.analyses.get("psa")
    arms = list(book.inputs.structure.arm_ids)
    if psa is None or len(psa) == 0 or not all(f"{k}_{a}" in psa for a in arms for k in ("cost", "qaly")):
        return None
    return psa.reset_index(drop=True)


def write_psa_strategies(book: Book) -> None:
    """'PSA strategies' (more than two arms and a PSA given): the engine's costs and QALYs per iteration and
    strategy, their means and the fully incremental table on the means, and over the willingness-to-pay grid
    the probability that each strategy has the highest net monetary benefit (CEAC) and the CEAF.

    CEAC without array formulas: in iteration i strategy k has the highest NMB λ·Q_k − C_k exactly when λ lies
    in an interval [lo_ik, hi_ik] (NMB is linear in λ): lo = the largest (C_k − C_j)/(Q_k − Q_j) over the j
    with fewer QALYs, hi = the smallest over the j with more QALYs (equal QALYs: k is never best if it costs
    more).  So CEAC_k(λ) = COUNTIFS(lo_k, "<="&λ, hi_k, ">="&λ)/n.  Ties (probability zero with continuous
    draws) would be counted for every tied strategy, where the engine splits them."""
    psa = _psa_frame(book)
    if not many_arms(book) or psa is None:
        return
    from cea.analyses.psa import wtp_grid

    st, s = book.inputs.structure, book.inputs.settings
    arms = list(st.arm_ids)
    n_arms, n = len(arms), len(psa)
    label = {a: st.arm(a).label for a in arms}
    money = book.money
    ws = book.add_sheet(PSA_STRATEGIES)
    title(ws, "PSA: every strategy",
          f"Values from the Python model's PSA ({n:,} iterations, at the bottom of this sheet); means, the fully "
          "incremental table, CEAC and CEAF are formulas over them. The live PSA (sheet PSA) re-runs the "
          f"pairwise comparison {label[s.intervention]} vs {label[s.comparator]}.")
    widths(ws, {1: 40, **{c: 16 for c in range(2, 2 + 2 * n_arms + 4)}})
    grid = wtp_grid(book.inputs)
    # rows: summary, frontier table and helpers, CEAC grid, iterations
    r = 4
    put_text(ws, r, 1, "Mean costs and QALYs per strategy", font=SECTION_FONT)
    header_row(ws, r + 1, ["Strategy", "Mean costs", "Mean QALYs", "Costs, 2.5th percentile",
                           "Costs, 97.5th percentile", "QALYs, 2.5th percentile", "QALYs, 97.5th percentile"], height=30)
    frontier_rows = 2 * n_arms + 14
    grid_top = r + 2 + n_arms + 1 + frontier_rows + 3
    it_head = grid_top + len(grid) + 3
    it_first, it_last = it_head + 1, it_head + n
    cost_col = {a: 2 + j for j, a in enumerate(arms)}
    qaly_col = {a: 2 + n_arms + j for j, a in enumerate(arms)}
    lo_col = {a: 2 + 2 * n_arms + 2 * j for j, a in enumerate(arms)}
    hi_col = {a: 3 + 2 * n_arms + 2 * j for j, a in enumerate(arms)}

    def column(c: int) -> str:
        return f"${letter(c)}${it_first}:${letter(c)}${it_last}"

    mean_cost, mean_qaly = {}, {}
    summary = book.facts.setdefault("psa_strategy_cells", {})
    for j, a in enumerate(arms):
        row = r + 2 + j
        put_text(ws, row, 1, label[a])
        put_formula(ws, row, 2, f"AVERAGE({column(cost_col[a])})", money, font=TOTAL_FONT)
        put_formula(ws, row, 3, f"AVERAGE({column(qaly_col[a])})", "0.0000", font=TOTAL_FONT)
        put_formula(ws, row, 4, f"PERCENTILE({column(cost_col[a])},0.025)", money)
        put_formula(ws, row, 5, f"PERCENTILE({column(cost_col[a])},0.975)", money)
        put_formula(ws, row, 6, f"PERCENTILE({column(qaly_col[a])},0.025)", "0.0000")
        put_formula(ws, row, 7, f"PERCENTILE({column(qaly_col[a])},0.975)", "0.0000")
        mean_cost[a], mean_qaly[a] = f"$B${row}", f"$C${row}"
        summary[a] = {"cost": f"B{row}", "qaly": f"C{row}"}
    r = r + 2 + n_arms + 1
    end = write_frontier(book, ws, r, arms, mean_cost, mean_qaly,
                         "Fully incremental analysis of the PSA means (probabilistic)", "psa")
    assert end <= grid_top - 2, (end, grid_top)

    # ---- CEAC and CEAF over the grid
    g0 = grid_top
    put_text(ws, g0 - 2, 1, "Acceptability: probability that each strategy has the highest net monetary benefit "
                            "(CEAC), and the CEAF (the strategy with the highest mean NMB)", font=SECTION_FONT)
    nmb_col = {a: 4 + n_arms + j for j, a in enumerate(arms)}
    header_row(ws, g0 - 1, ["Willingness to pay"] + [f"P(CE): {label[a]}" for a in arms]
               + ["CEAF: optimal (highest mean NMB)", "CEAF: P(CE) of the optimal"]
               + [f"Mean NMB: {label[a]}" for a in arms], height=45)
    p_col = {a: 2 + j for j, a in enumerate(arms)}
    opt_c, ceaf_c = 2 + n_arms, 3 + n_arms
    ceac_cells = book.facts.setdefault("psa_ceac_cells", {})
    for k, w in enumerate(grid):
        row = g0 + k
        x = f"$A${row}"
        put_value(ws, row, 1, float(w), money)
        for a in arms:
            put_formula(ws, row, p_col[a], f'COUNTIFS({column(lo_col[a])},"<="&{x},{column(hi_col[a])},">="&{x})/{n}',
                        "0.000")
            put_formula(ws, row, nmb_col[a], f"{x}*{mean_qaly[a]}-{mean_cost[a]}", money)
        nmbs = f"${letter(nmb_col[arms[0]])}{row}:${letter(nmb_col[arms[-1]])}{row}"
        ps = f"${letter(p_col[arms[0]])}{row}:${letter(p_col[arms[-1]])}{row}"
        optimal = f"MATCH(MAX({nmbs}),{nmbs},0)"
        put_formula(ws, row, opt_c, "CHOOSE(" + optimal + "," + ",".join(f'"{_quote(label[a])}"' for a in arms) + ")")
        put_formula(ws, row, ceaf_c, f"INDEX({ps},{optimal})", "0.000", font=TOTAL_FONT)
        ceac_cells[float(w)] = {**{a: f"{letter(p_col[a])}{row}" for a in arms}, "ceaf": f"{letter(ceaf_c)}{row}",
                                "optimal": f"{letter(opt_c)}{row}"}
    g_last = g0 + len(grid) - 1
    chart = line_chart("Cost-effectiveness acceptability curves", area(ws.title, g0, 1, g_last),
                       [(area(ws.title, g0, p_col[a], g_last), label[a]) for a in arms],
                       f"Willingness to pay per QALY ({s.currency})", "Probability cost-effective", y_max=1,
                       x_format=money)
    ws.charts.append({**chart, "size": (18, 11), "anchor": (4, 10 + 2 * n_arms)})

    # ---- iterations: the engine's values, and each strategy's interval of λ where it has the highest NMB
    put_text(ws, it_head - 1, 1, "PSA iterations (values from the Python model) and, per strategy, the interval of "
                                 "willingness to pay over which it has the highest NMB", font=SECTION_FONT)
    header_row(ws, it_head, ["Iteration"] + [f"Costs: {label[a]}" for a in arms] + [f"QALYs: {label[a]}" for a in arms]
               + [x for a in arms for x in (f"Best from (λ): {label[a]}", f"Best up to (λ): {label[a]}")], height=60)
    costs = psa[[f"cost_{a}" for a in arms]].to_numpy(float)
    qalys = psa[[f"qaly_{a}" for a in arms]].to_numpy(float)
    for i in range(n):
        row = it_first + i
        put_value(ws, row, 1, i + 1, INTEGER)
        for j, a in enumerate(arms):
            ws.value(row, cost_col[a], float(costs[i, j]))
            ws.value(row, qaly_col[a], float(qalys[i, j]))
        for a in arms:
            ca, qa = f"{letter(cost_col[a])}{row}", f"{letter(qaly_col[a])}{row}"
            lo, hi = [], []
            for b in arms:
                if b == a:
                    continue
                cb, qb = f"{letter(cost_col[b])}{row}", f"{letter(qaly_col[b])}{row}"
                ratio = f"({ca}-{cb})/({qa}-{qb})"
                lo.append(f"IF({qa}>{qb},{ratio},IF(AND({qa}={qb},{ca}>{cb}),1E+300,-1E+300))")
                hi.append(f"IF({qa}<{qb},{ratio},1E+300)")
            put_formula(ws, row, lo_col[a], f"MAX({','.join(lo)})", GENERAL)
            put_formula(ws, row, hi_col[a], f"MIN({','.join(hi)})", GENERAL)
    ws.freeze = (4, 1)


def many_arm_results(book: Book) -> dict[str, Any]:
    """{'base_case': the fully incremental table (cea.analyses.strategies.strategy_table), 'psa': the same on the
    PSA means (when a PSA is given)} of the engine's results, for the Validation sheet and the tests."""
    base = book.analyses["base_case"]
    arms = list(book.inputs.structure.arm_ids)
    summary = {a: base.arm_summary(a) for a in arms}
    out = {"base_case": strategy_table(arms, [summary[a]["costs"] for a in arms],
                                       [summary[a]["qalys"] for a in arms])}
    psa = _psa_frame(book)
    if psa is not None:
        out["psa"] = strategy_table(arms, [float(np.mean(psa[f"cost_{a}"])) for a in arms],
                                    [float(np.mean(psa[f"qaly_{a}"])) for a in arms])
    return out


def write_validation_block(book: Book) -> None:
    """Validation sheet (more than two arms): the fully incremental tables of the workbook beside the engine's
    (cea.analyses.strategies.strategy_table on the engine's results), strategy, status and ICER by position."""
    frontier = book.facts.get("frontier", {})
    if not many_arms(book) or not frontier or "Validation" not in book.sheets:
        return
    ws = book.sheets["Validation"]
    st = book.inputs.structure
    expected = many_arm_results(book)
    r = ws.max_row() + 2
    put_text(ws, r, 1, "Fully incremental analysis: workbook vs Python engine (values at export)", font=SECTION_FONT)
    r += 1
    header_row(ws, r, ["Result", "Python engine", "Workbook", "Relative difference", "Cell"], height=30)
    r += 1
    for key, what in (("base_case", "deterministic"), ("psa", "PSA means")):
        if key not in frontier or key not in expected:
            continue
        where = frontier[key]
        ref = sheet_ref(where["sheet"])
        for p, row in enumerate(expected[key].itertuples(), start=1):
            cells = where["rows"][p]
            checks = [("strategy", st.arm(row.arm).label), ("status", row.status),
                      ("icer", None if np.isnan(row.icer) else float(row.icer))]
            for field, value in checks:
                put_text(ws, r, 1, f"{what}, position {p} by cost: {field}")
                put_text(ws, r, 5, f"{where['sheet']}!{cells[field]}", font=SUBTITLE_FONT)
                if isinstance(value, float):
                    put_value(ws, r, 2, value, GENERAL)
                    put_formula(ws, r, 3, f"{ref}{cells[field]}", GENERAL)
                    put_formula(ws, r, 4, f"IF(ISNUMBER(C{r}),IF(B{r}=0,ABS(C{r}),ABS(C{r}-B{r})/ABS(B{r})),1)",
                                "0.0E+00")
                else:
                    put_value(ws, r, 2, "" if value is None else value)
                    put_formula(ws, r, 3, f"{ref}{cells[field]}")
                    put_formula(ws, r, 4, f"IF(C{r}=B{r},0,1)", "0.0E+00")
                book.facts.setdefault("frontier_validation_rows", []).append(r)
                r += 1


register_sheet("psa_strategies", write_psa_strategies, after="psa")
register_sheet("validation_strategies", write_validation_block, after="validation")
