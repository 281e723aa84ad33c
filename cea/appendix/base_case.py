"""B.3.10 Base-case results (and the Markov traces)."""

from __future__ import annotations

import numpy as np

from cea.analyses.base_case import trace_rows
from cea.analyses.decision import (DOMINANT_STATUSES, DOMINATED_STATUSES, LESS_COSTLY_LESS_EFFECTIVE,
                                   MORE_COSTLY_MORE_EFFECTIVE)
from cea.appendix.document import (
    AppendixContext,
    icer,
    in_sentence,
    number,
    percent,
    qalys,
)
from cea.appendix.controls import price_label
from cea.appendix.strategies import base_case_strategies, many_arms
from cea.outputs.tables import base_case_table

TRACE_MONTHS = (0, 6, 12, 24, 36, 60, 120, 180)  # report points for the trace table (presentation only)


def icer_sentence(ctx: AppendixContext, inc: dict, prefix: str = "The base-case ICER") -> str:
    status, value = inc["status"], inc["icer"]
    if status == MORE_COSTLY_MORE_EFFECTIVE:
        return f"{prefix} is {ctx.money(value)} per QALY gained"
    if status == LESS_COSTLY_LESS_EFFECTIVE:
        return f"{prefix} is {ctx.money(value)} saved per QALY forgone ({in_sentence(ctx.intervention)} is less costly and less effective)"
    if status in DOMINANT_STATUSES:
        return f"{ctx.intervention} dominates {in_sentence(ctx.comparator)} (it is {status})"
    if status in DOMINATED_STATUSES:
        return f"{ctx.intervention} is dominated by {in_sentence(ctx.comparator)} (it is {status})"
    return f"{ctx.intervention} and {in_sentence(ctx.comparator)} have identical costs and QALYs"


def wtp_text(ctx: AppendixContext, wtp: float | str) -> str:
    return f"{ctx.money(float(wtp))} per QALY"


# --------------------------------------------------------------------------- base case
def base_case_rows(ctx: AppendixContext) -> list[list[str]]:
    """NICE B.3.10 layout: comparator first, then the intervention with increments and ICER."""
    d = ctx.bundle.base_case.to_dict()
    inc = d["incremental"]
    comparator, intervention = d["arms"][inc["comparator"]], d["arms"][inc["intervention"]]
    return [
        [comparator["label"], ctx.money(comparator["costs"]), qalys(comparator["lys"]), qalys(comparator["qalys"]),
         "", "", "", ""],
        [intervention["label"], ctx.money(intervention["costs"]), qalys(intervention["lys"]),
         qalys(intervention["qalys"]), ctx.money(inc["costs"]), qalys(inc["lys"]), qalys(inc["qalys"]),
         icer(inc["icer"], inc["status"], ctx.currency)],
    ]


def nmb_rows(ctx: AppendixContext) -> list[list[str]]:
    inc = ctx.bundle.base_case.to_dict()["incremental"]
    return [[wtp_text(ctx, w), ctx.money(v), qalys(v / float(w)) if float(w) > 0 else "—"] for w, v in inc["nmb"].items()]


def base_case_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("base_case", "Base-case results")
    inc = b.base_case.to_dict()["incremental"]
    primary = f"{ctx.s.primary_wtp:g}"
    nmb_text = " and ".join(ctx.money(v) for v in inc["nmb"].values())
    thresholds = " and ".join(ctx.money(float(x)) for x in inc["nmb"])
    verdict = ""
    if primary in inc["nmb"]:
        verdict = (f" {ctx.intervention} is {'not ' if inc['nmb'][primary] < 0 else ''}cost-effective at "
                   f"{wtp_text(ctx, ctx.s.primary_wtp)}.")
    base_case_strategies(ctx)  # more than two arms: the fully incremental table and the frontier, the decision
    opening = (f"Table {ctx.next_table()} gives the pairwise comparison of {in_sentence(ctx.intervention)} with "
               f"{in_sentence(ctx.comparator)} {price_label(ctx)}" if many_arms(b) else
               f"Table {ctx.next_table()} gives the base-case results {price_label(ctx)}")
    w.paragraph(
        f"{opening}. "
        f"{icer_sentence(ctx, inc)}. Compared with {in_sentence(ctx.comparator)}, {in_sentence(ctx.intervention)} yields "
        f"{qalys(inc['qalys'])} additional QALYs ({qalys(inc['lys'])} life years) at an additional cost of "
        f"{ctx.money(inc['costs'])} (discounted). At {thresholds} per QALY the incremental net monetary benefit is "
        f"{nmb_text}.{verdict}")
    w.table(f"Base-case results (deterministic, discounted), {price_label(ctx)}", ("Technologies", "Costs", "LYG", "QALYs",
            "Costs", "LYG", "QALYs", "ICER (per QALY gained)"), base_case_rows(ctx),
            (3.4, 1.8, 1.3, 1.4, 1.8, 1.3, 1.4, 3.6), font_size=8, groups=[("", 1), ("Total", 3), ("Incremental", 3),
                                                                          ("", 1)],
            notes=["LYG, life years gained; QALYs, quality-adjusted life years; ICER, incremental cost-effectiveness "
                   "ratio. Costs and QALYs discounted at the reference-case rates."])
    severity_results(ctx)
    list_price_results(ctx)
    w.table("Incremental net benefit of the intervention (deterministic)", ("Threshold", "Incremental net monetary "
            "benefit", "Incremental net health benefit (QALYs)"), nmb_rows(ctx), (5.0, 5.5, 5.5))
    frame = base_case_table(b.base_case)
    rows = []
    for label, values in frame.iterrows():
        is_cost = label.startswith(("Costs", "Total costs"))
        rows.append([label] + [ctx.money(v) if is_cost else qalys(v) for v in values])
    bold = [k for k, r in enumerate(rows) if r[0].startswith("Total")]
    w.table("Disaggregated base-case results: costs by category, life years and QALYs by health state",
            ["Outcome"] + list(frame.columns), rows, [5.5] + [10.5 / len(frame.columns)] * len(frame.columns),
            bold_rows=bold, notes=["QALYs: AE is the one-off loss from adverse events (negative). Costs by category "
                                   "and outcomes by state sum to the totals."])
    und = {a: b.base_case.arm_summary(a)["undiscounted"] for a in b.base_case.outcomes.arms}
    w.table("Undiscounted totals", ["Outcome"] + [ctx.labels[a] for a in und],
            [["Total costs"] + [ctx.money(u["costs"]) for u in und.values()],
             ["Total LYs"] + [qalys(u["lys"]) for u in und.values()],
             ["Total QALYs"] + [qalys(u["qalys"]) for u in und.values()]], [5.5] + [10.5 / len(und)] * len(und))


def traces_section(ctx: AppendixContext) -> None:
    from cea.appendix import statements

    b, w = ctx.bundle, ctx.w
    title = statements.traces_title(ctx)
    ctx.section("traces", title)
    arms = list(b.base_case.outcomes.arms)
    traces = {a: trace_rows(b.base_case, a) for a in arms}
    w.paragraph(f"The {'state occupancy' if statements.is_psm(ctx) else 'Markov traces'} of the "
                f"{statements.model_short(ctx)} give the proportion of each cohort in every health state over time. "
                "The progression-free curve is the modelled PFS and one minus the dead curve the modelled OS; both are "
                "compared with the trial in the validation section.")
    ctx.figure("markov_trace", f"{title.split(' (')[0]}: state occupancy over time by arm")
    horizon = ctx.s.horizon_years * 12.0
    rows = []
    for month in [m for m in TRACE_MONTHS if m <= horizon + 1e-9]:
        row = [f"{month:g}"]
        for a in arms:
            t = traces[a]["time_months"]
            row += [number(float(np.interp(month, t, traces[a][state])), 3) for state in ("PF", "PD", "Dead")]
        rows.append(row)
    header = ["Month"] + [state for _ in arms for state in ("PF", "PD", "Dead")]
    w.table("State occupancy at selected times (proportion of the cohort)", header, rows,
            [1.6] + [14.4 / (3 * len(arms))] * (3 * len(arms)), align="r" * len(header),
            groups=[("", 1)] + [(ctx.labels[a], 3) for a in arms])


def weight(ctx: AppendixContext) -> float:
    """The severity weight NICE applies to this analysis (1 outside an NHS/PSS analysis or without a shortfall)."""
    r = ctx.bundle.severity
    return float(r["weight"]) if ctx.nice and r is not None else 1.0


def severity_results(ctx: AppendixContext) -> None:
    """The base case with the severity weight applied to the QALY gain, where NICE applies it."""
    w_ = weight(ctx)
    if w_ <= 1:
        return
    inc = ctx.bundle.base_case.to_dict()["incremental"]
    weighted_q = w_ * inc["qalys"]
    icer_w = inc["costs"] / weighted_q if inc["status"] == MORE_COSTLY_MORE_EFFECTIVE else None
    rows = [["QALYs gained (unweighted)", qalys(inc["qalys"]), icer(inc["icer"], inc["status"], ctx.currency)],
            [f"QALYs gained × severity weight {w_:g}", qalys(weighted_q),
             ctx.money(icer_w) if icer_w is not None else icer(inc["icer"], inc["status"], ctx.currency)]]
    rows += [[f"Incremental net monetary benefit at {wtp_text(ctx, x)} (weighted)",
              ctx.money(float(x) * weighted_q - inc["costs"]), ""] for x in ctx.s.wtp_thresholds]
    ctx.w.paragraph(
        f"NICE applies the severity weight of {w_:g} (section B.3.6) to the QALYs gained: the decision-relevant ICER "
        f"{price_label(ctx)} is {ctx.money(icer_w)} per QALY gained with the weight, against "
        f"{icer(inc['icer'], inc['status'], ctx.currency)} without it (Table {ctx.next_table()}).")
    ctx.w.table(f"Base-case results with the severity weight, {price_label(ctx)}", ("Result", "QALYs",
                "ICER (per QALY)"), rows, (8.0, 3.5, 4.5))


def list_price_results(ctx: AppendixContext) -> None:
    """List-price results beside the confidential-price base case (when a discount is in the run)."""
    lp = ctx.bundle.list_price_base_case
    if lp is None:
        return
    at_list, at_net = lp.to_dict()["incremental"], ctx.bundle.base_case.to_dict()["incremental"]
    w_ = weight(ctx)
    rows = [["Incremental costs", ctx.money(at_list["costs"]), ctx.money(at_net["costs"])],
            ["Incremental QALYs", qalys(at_list["qalys"]), qalys(at_net["qalys"])],
            ["ICER (per QALY gained)", icer(at_list["icer"], at_list["status"], ctx.currency),
             icer(at_net["icer"], at_net["status"], ctx.currency)]]
    if w_ > 1:
        rows.append([f"ICER with the severity weight {w_:g}",
                     ctx.money(at_list["costs"] / (w_ * at_list["qalys"])) if at_list["qalys"] > 0 else "—",
                     ctx.money(at_net["costs"] / (w_ * at_net["qalys"])) if at_net["qalys"] > 0 else "—"])
    ctx.w.paragraph(f"Table {ctx.next_table()} sets the results at the list price beside those at the confidential "
                    f"price ({percent(ctx.s.pas_discount, 1)} discount).")
    ctx.w.table("Base-case results at the list price and at the confidential price", ("Result", "List price",
                f"Confidential price ({percent(ctx.s.pas_discount, 1)} off)"), rows, (6.0, 5.0, 5.0))
