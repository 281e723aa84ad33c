"""More than two strategies: the fully incremental analysis in the base-case, PSA and budget-impact sections and
the cost-effectiveness frontier figure.

With two arms nothing here is written (the pairwise tables of those sections are the whole analysis).  The
table is the engine's (cea.analyses.strategies.strategy_table, the one table of the decision rule); every
sentence is built from it (which strategy is dominated, by which, the ICERs on the frontier, the strategy with
the highest net monetary benefit at each threshold).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from cea.analyses.decision import EXTENDEDLY_DOMINATED, NON_DOMINATED, REFERENCE, STRONGLY_DOMINATED
from cea.analyses.strategies import strategy_table
from cea.appendix.document import AppendixContext, in_sentence, qalys

STATUS_TEXT = {REFERENCE: "Reference (least costly)", NON_DOMINATED: "On the frontier",
               STRONGLY_DOMINATED: "Dominated", EXTENDEDLY_DOMINATED: "Extendedly dominated"}

# the frontier figure: share of the QALY span left free left and right of the points (labels sit on the right)
LABEL_ROOM = (0.08, 0.5)


def many_arms(bundle) -> bool:
    return len(bundle.inputs.structure.arm_ids) > 2


def base_case_table(bundle) -> pd.DataFrame:
    base = bundle.base_case
    arms = list(bundle.inputs.structure.arm_ids)
    summary = {a: base.arm_summary(a) for a in arms}
    return strategy_table(arms, [summary[a]["costs"] for a in arms], [summary[a]["qalys"] for a in arms])


def psa_table(bundle) -> pd.DataFrame:
    psa = bundle.psa
    arms = list(bundle.inputs.structure.arm_ids)
    return strategy_table(arms, [float(psa.costs[:, psa.arm_index(a)].mean()) for a in arms],
                          [float(psa.qalys[:, psa.arm_index(a)].mean()) for a in arms])


def _rows(ctx: AppendixContext, table: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in table.itertuples():
        on = r.status == NON_DOMINATED
        rows.append([ctx.labels[r.arm], ctx.money(r.costs), qalys(r.qalys),
                     ctx.money(r.inc_costs) if on else "—", qalys(r.inc_qalys) if on else "—",
                     ctx.money(r.icer) if on else "—", STATUS_TEXT[r.status]])
    return rows


def other_strategies(ctx: AppendixContext, start: bool = False) -> str:
    """The labels of the arms other than the intervention and the comparator ('A and B'); ``start``: the first
    keeps its capital (a table cell, a sentence start)."""
    return _names(ctx, [a for a in ctx.bundle.inputs.structure.arm_ids
                        if a not in (ctx.s.intervention, ctx.s.comparator)], start)


def _names(ctx: AppendixContext, arms: list[str], start: bool = False) -> str:
    """'A, B and C' inside a sentence; ``start``: the first label opens the sentence and keeps its capital."""
    names = [ctx.labels[a] if start and k == 0 else in_sentence(ctx.labels[a]) for k, a in enumerate(arms)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def frontier_text(ctx: AppendixContext, table: pd.DataFrame) -> str:
    """Sentences read off the table: the reference, who dominates whom, the frontier's ICERs, the best strategy at
    each threshold."""
    order = list(table["arm"])
    cost = dict(zip(order, table["costs"]))
    qaly = dict(zip(order, table["qalys"]))
    status = dict(zip(order, table["status"]))
    frontier = [a for a in order if status[a] in (REFERENCE, NON_DOMINATED)]
    parts = [f"Sorted by cost, {in_sentence(ctx.labels[order[0]])} is the least costly of the {len(order)} strategies and the "
             "reference."]
    for k, a in enumerate(order):
        if status[a] == STRONGLY_DOMINATED:
            earlier = order[:k]
            by = max(earlier, key=lambda b: (qaly[b], -order.index(b)))
            cheaper = "costs less" if cost[by] < cost[a] else "costs the same"
            more = "yields more QALYs" if qaly[by] > qaly[a] else "yields as many QALYs"
            parts.append(f"{ctx.labels[a]} is dominated by {in_sentence(ctx.labels[by])}, which {cheaper} and {more}.")
        elif status[a] == EXTENDEDLY_DOMINATED:
            before = [b for b in frontier if order.index(b) < k][-1]
            after = [b for b in frontier if order.index(b) > k][0]
            parts.append(f"{ctx.labels[a]} is extendedly dominated: it lies above the line joining {in_sentence(ctx.labels[before])} "
                         f"and {in_sentence(ctx.labels[after])} on the cost-effectiveness plane, so a mix of those two would give "
                         "its QALYs at a lower cost.")
    for r in table.itertuples():
        if r.status == NON_DOMINATED:
            previous = frontier[frontier.index(r.arm) - 1]
            parts.append(f"On the frontier, {in_sentence(ctx.labels[r.arm])} costs {ctx.money(r.inc_costs)} more "
                         f"than {in_sentence(ctx.labels[previous])} for {qalys(r.inc_qalys)} more QALYs: an ICER of "
                         f"{ctx.money(r.icer)} "
                         "per QALY gained.")
    if len(frontier) == 1:
        parts.append(f"{ctx.labels[frontier[0]]} is the only strategy on the frontier: it dominates every other.")
    for w in ctx.s.wtp_thresholds:
        nmb = w * table["qalys"].to_numpy() - table["costs"].to_numpy()
        best = order[int(np.argmax(nmb))]
        parts.append(f"At {ctx.money(float(w))} per QALY the strategy with the highest net monetary benefit is "
                     f"{in_sentence(ctx.labels[best])} ({ctx.money(float(nmb.max()))} per patient).")
    return " ".join(parts)


def frontier_summary(ctx: AppendixContext, table: pd.DataFrame) -> str:
    """The decision with more than two strategies, in one paragraph read off the fully incremental table: the
    strategies on the cost-effectiveness frontier with their ICERs, the dominated and extendedly dominated ones, and
    the strategy with the highest net monetary benefit at each threshold."""
    order = list(table["arm"])
    status = dict(zip(order, table["status"]))
    frontier = [a for a in order if status[a] in (REFERENCE, NON_DOMINATED)]
    parts = [f"In the fully incremental analysis of the {len(order)} strategies, "]
    if len(frontier) == 1:
        parts[0] += (f"{in_sentence(ctx.labels[frontier[0]])} is the only strategy on the cost-effectiveness "
                     "frontier: it dominates every other.")
    else:
        steps = []
        for r in table.itertuples():
            if r.status == NON_DOMINATED:
                previous = frontier[frontier.index(r.arm) - 1]
                steps.append(f"{in_sentence(ctx.labels[r.arm])} (ICER {ctx.money(r.icer)} per QALY gained "
                             f"against {in_sentence(ctx.labels[previous])})")
        parts[0] += (f"the cost-effectiveness frontier runs from {in_sentence(ctx.labels[frontier[0]])}, the least "
                     "costly, to " + (steps[0] if len(steps) == 1 else ", ".join(steps[:-1]) + " and " + steps[-1])
                     + ".")
    dominated = [a for a in order if status[a] == STRONGLY_DOMINATED]
    extended = [a for a in order if status[a] == EXTENDEDLY_DOMINATED]
    off = []
    if dominated:
        off.append(f"{_names(ctx, dominated)} {'is' if len(dominated) == 1 else 'are'} dominated")
    if extended:
        off.append(f"{_names(ctx, extended)} {'is' if len(extended) == 1 else 'are'} extendedly dominated")
    if off:
        text = "; ".join(off)
        parts.append("Off the frontier, " + text + ".")
    best: dict[str, list[str]] = {}  # strategy -> the thresholds at which its net monetary benefit is highest
    for w in ctx.s.wtp_thresholds:
        nmb = w * table["qalys"].to_numpy() - table["costs"].to_numpy()
        best.setdefault(order[int(np.argmax(nmb))], []).append(ctx.money(float(w)))
    parts.append("The strategy with the highest net monetary benefit is " + " and ".join(
        f"{in_sentence(ctx.labels[a])} at {' and '.join(ws)} per QALY" for a, ws in best.items()) + ".")
    return " ".join(parts)


def _table(ctx: AppendixContext, table: pd.DataFrame, caption: str) -> int:
    return ctx.w.table(caption, ("Strategy", "Costs", "QALYs", "Incremental costs", "Incremental QALYs",
                                 "ICER (per QALY gained)", "Status"), _rows(ctx, table),
                       (3.6, 2.0, 1.5, 2.1, 1.8, 2.4, 2.6), font_size=8,
                       notes=["Strategies sorted by cost. Incremental costs, QALYs and ICERs are against the previous "
                              "strategy on the frontier. Dominated: another strategy costs no more and yields at least "
                              "as many QALYs. Extendedly dominated: a mix of the neighbouring frontier strategies gives "
                              "the same QALYs at a lower cost (its ICER exceeds that of the next strategy)."])


def base_case_strategies(ctx: AppendixContext) -> None:
    """Base-case section: the fully incremental table and the frontier figure (more than two arms)."""
    if not many_arms(ctx.bundle):
        return
    table = base_case_table(ctx.bundle)
    ctx.w.paragraph(f"With {len(table)} strategies the decision is between all of them at once: Table "
                    f"{ctx.next_table()} is the fully incremental analysis of the deterministic results. "
                    + frontier_text(ctx, table))
    _table(ctx, table, "Fully incremental analysis of all strategies (deterministic, discounted)")
    ctx.figure("frontier", "Cost-effectiveness frontier: every strategy's costs and QALYs (deterministic)",
               width_cm=14.0)


def psa_strategies(ctx: AppendixContext) -> None:
    """PSA section: the fully incremental table on the PSA means (more than two arms)."""
    if not many_arms(ctx.bundle):
        return
    table = psa_table(ctx.bundle)
    det = base_case_table(ctx.bundle).set_index("arm")["status"]
    changed = [a for a in table["arm"] if det[a] != table.set_index("arm").loc[a, "status"]]
    same = ("Every strategy has the same status as in the deterministic analysis." if not changed else
            f"The status of {_names(ctx, changed)} differs from the deterministic analysis.")
    ctx.w.paragraph(f"Table {ctx.next_table()} is the fully incremental analysis of the mean costs and QALYs of the "
                    f"PSA. {same} " + frontier_text(ctx, table)
                    + " The probability that each strategy has the highest net monetary benefit is in the "
                      "acceptability table and curves below.")
    _table(ctx, table, "Fully incremental analysis of all strategies (probabilistic means, discounted)")


def budget_impact_strategies(ctx: AppendixContext) -> None:
    """Budget-impact section: which strategies the budget impact covers, and every strategy's per-patient costs
    with its status in the fully incremental analysis (more than two arms)."""
    b = ctx.bundle
    if not many_arms(b) or getattr(b, "budget_impact", None) is None:
        return
    table = base_case_table(b).set_index("arm")
    base = b.base_case
    comparator = ctx.s.comparator
    others = [a for a in b.inputs.structure.arm_ids if a not in (ctx.s.intervention, comparator)]
    undiscounted = {a: base.arm_summary(a)["undiscounted"]["costs"] for a in b.inputs.structure.arm_ids}
    rows = [[ctx.labels[a], STATUS_TEXT[table.loc[a, "status"]], ctx.money(table.loc[a, "costs"]),
             ctx.money(undiscounted[a]), "—" if a == comparator else ctx.money(undiscounted[a] - undiscounted[comparator])]
            for a in table.index]
    market_shares_table(ctx)
    ctx.w.paragraph(f"Table {ctx.next_table()} gives every strategy's costs per patient over the model horizon with "
                    "its status in the fully incremental analysis.")
    ctx.w.table("Costs per patient of every strategy and status in the fully incremental analysis",
                ("Strategy", "Status", "Costs (discounted)", "Costs (undiscounted)",
                 f"Undiscounted difference vs {in_sentence(ctx.comparator)}"), rows, (4.0, 3.0, 2.6, 2.6, 3.8), font_size=8)


def _share(value: float) -> str:
    return f"{100 * value:.1f}%".replace(".0%", "%")


def market_shares_table(ctx: AppendixContext) -> None:
    """The market of the world without the intervention and who its uptake comes from (more than two arms): one row
    per strategy other than the intervention, its market share (by year when the shares change over the years) and
    its share of the intervention's extra uptake, from the budget-impact inputs."""
    bia = getattr(getattr(ctx.bundle, "budget_impact", None), "inputs", None)
    market = getattr(bia, "market_share_without", None)
    if not market:
        return
    others = [a for a in ctx.bundle.inputs.structure.arm_ids if a != ctx.s.intervention and a in market]
    n_years = bia.n_years
    by_year = any(len(set(market[a])) > 1 for a in others)
    given = bool(bia.displaced_share)
    displaced = {a: (bia.displaced_share.get(a, 0.0),) * n_years if given else market[a] for a in others}
    by_year_displaced = any(len(set(displaced[a])) > 1 for a in others)
    nobody = [a for a in others if not any(market[a])]
    most = max(sum(displaced[a]) for a in others)
    leads = [a for a in others if sum(displaced[a]) > most - 1e-12]
    where = (f"the largest share from {in_sentence(ctx.labels[leads[0]])}" if len(leads) == 1 else
             f"equal largest shares from {_names(ctx, leads)}")
    how = ("in the shares given in the table" if given else
           "in proportion to their market shares (no other split is assumed)")
    sentence = (f"In the world without {in_sentence(ctx.intervention)} the patients who do not start it start the other "
                f"strategies in the market shares of Table {ctx.next_table()}; in the world with it, its extra uptake "
                f"is taken from them {how}, {where}.")
    if nobody:
        sentence += (f" {_names(ctx, nobody, start=True)} {'has' if len(nobody) == 1 else 'have'} no market share: "
                     f"{'it is' if len(nobody) == 1 else 'they are'} compared in the cost-effectiveness analysis but "
                     f"{'is' if len(nobody) == 1 else 'are'} not a treatment {in_sentence(ctx.intervention)} displaces.")
    ctx.w.paragraph(sentence)
    years = range(1, n_years + 1)
    if by_year or by_year_displaced:
        header = (["Strategy"] + [f"Share without, year {y}" for y in years]
                  + ([f"Taken from, year {y}" for y in years] if by_year_displaced else ["Share of the uptake taken"]))
        rows = [[ctx.labels[a]] + [_share(market[a][y - 1]) for y in years]
                + ([_share(displaced[a][y - 1]) for y in years] if by_year_displaced else [_share(displaced[a][0])])
                for a in others]
        widths = [3.6] + [1.4] * (len(header) - 1)
    else:
        header = ["Strategy", f"Market share without {in_sentence(ctx.intervention)}", f"Share of {in_sentence(ctx.intervention)}'s extra uptake "
                  "taken from it"]
        rows = [[ctx.labels[a], _share(market[a][0]), _share(displaced[a][0])] for a in others]
        widths = [5.6, 4.6, 5.6]
    ctx.w.table(f"Budget impact: market shares of the world without {in_sentence(ctx.intervention)} and the shares its uptake "
                "is taken from", header, rows, widths, font_size=8,
                notes=["Market share: share of the patients who do not start the intervention in the world without "
                       "it (each year's shares sum to 100%). Share of the uptake taken: share of the intervention's "
                       "extra uptake (uptake with it less uptake without it) that would otherwise have started the "
                       "strategy" + ("" if given else "; in proportion to the market shares") + "."])


def frontier_plot(table: pd.DataFrame, labels: dict[str, str], currency: str, path: Path) -> Path:
    """All strategies on the cost-QALY plane (QALYs across, costs up), the frontier joined by a line, dominated and
    extendedly dominated strategies marked differently, each point labelled with the arm's label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cea.outputs.style import WIDTH, save

    fig, ax = plt.subplots(figsize=(WIDTH * 0.8, 4.2))
    on = table[table["status"].isin([REFERENCE, NON_DOMINATED])]
    ax.plot(on["qalys"], on["costs"], color="#1F3864", lw=1.6, zorder=1, label="Frontier")
    styles = {REFERENCE: ("o", "#1F3864", "Reference / on the frontier"),
              NON_DOMINATED: ("o", "#1F3864", "Reference / on the frontier"),
              STRONGLY_DOMINATED: ("X", "#C00000", "Dominated"),
              EXTENDEDLY_DOMINATED: ("D", "#ED7D31", "Extendedly dominated")}
    shown = set()
    for k, r in enumerate(table.itertuples()):  # sorted by cost: labels alternate above and below the points
        marker, colour, name = styles[r.status]
        ax.scatter([r.qalys], [r.costs], marker=marker, s=55, color=colour, edgecolor="black", linewidth=0.5, zorder=2,
                   label=None if name in shown else name)
        shown.add(name)
        ax.annotate(labels[r.arm], (r.qalys, r.costs), xytext=(7, 5 if k % 2 == 0 else -12),
                    textcoords="offset points", fontsize=7.5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    span_q = float(table["qalys"].max() - table["qalys"].min()) or 1.0
    left, right = LABEL_ROOM  # room beside the outermost points; the right side takes the point labels
    ax.set_xlim(float(table["qalys"].min()) - left * span_q, float(table["qalys"].max()) + right * span_q)
    ax.set_xlabel("QALYs (discounted)")
    ax.set_ylabel(f"Costs ({currency}, discounted)")
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}.get(currency, "")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{symbol}{v:,.0f}"))
    ax.grid(True, lw=0.4, alpha=0.5)
    ax.legend(frameon=False, fontsize=7.5, loc="upper left")
    ax.set_title("Cost-effectiveness frontier", fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return Path(path)


def write_frontier_figure(bundle, folder: Path, labels: dict[str, str]) -> dict[str, Path]:
    """{'frontier': path} with more than two arms, else {}."""
    if not many_arms(bundle):
        return {}
    table = base_case_table(bundle)
    if not all(math.isfinite(v) for v in table["costs"]):
        return {}
    return {"frontier": frontier_plot(table, labels, bundle.inputs.settings.currency, Path(folder) / "frontier.png")}
