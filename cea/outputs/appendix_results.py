"""Appendix results sections (NICE Document B, B.3.10–B.3.11): base case, Markov traces,
one-way DSA, scenarios, threshold price, PSA and value of information.  Every number
is read from the bundle; the table builders are public so that tests can compare them
with results.json and the PSA summary."""

from __future__ import annotations

import math

import numpy as np

from cea.analyses.base_case import trace_rows
from cea.outputs.appendix_doc import AppendixContext, icer, number, qalys
from cea.outputs.appendix_methods import parameter_value
from cea.outputs.tables import base_case_table

TRACE_MONTHS = (0, 6, 12, 24, 36, 60, 120, 180)  # report points for the trace table (presentation only)


def icer_sentence(ctx: AppendixContext, inc: dict, prefix: str = "The base-case ICER") -> str:
    status, value = inc["status"], inc["icer"]
    if status == "cost-effective ratio":
        return f"{prefix} is {ctx.money(value)} per QALY gained"
    if status == "less costly, less effective":
        return f"{prefix} is {ctx.money(value)} saved per QALY forgone ({ctx.intervention} is less costly and less effective)"
    if status == "dominant":
        return f"{ctx.intervention} dominates {ctx.comparator} (it is less costly and at least as effective)"
    if status == "dominated":
        return f"{ctx.intervention} is dominated by {ctx.comparator} (more costly and no more effective)"
    return f"{ctx.intervention} and {ctx.comparator} have identical costs and QALYs"


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
    w.paragraph(
        f"{icer_sentence(ctx, inc)}. Compared with {ctx.comparator}, {ctx.intervention} yields "
        f"{qalys(inc['qalys'])} additional QALYs ({qalys(inc['lys'])} life years) at an additional cost of "
        f"{ctx.money(inc['costs'])} (discounted). At {thresholds} per QALY the incremental net monetary benefit is "
        f"{nmb_text}.{verdict}")
    w.table("Base-case results (deterministic, discounted)", ("Technologies", "Costs", "LYG", "QALYs",
            "Costs", "LYG", "QALYs", "ICER (per QALY gained)"), base_case_rows(ctx),
            (3.4, 1.8, 1.3, 1.4, 1.8, 1.3, 1.4, 3.6), font_size=8, groups=[("", 1), ("Total", 3), ("Incremental", 3),
                                                                          ("", 1)],
            notes=["LYG, life years gained; QALYs, quality-adjusted life years; ICER, incremental cost-effectiveness "
                   "ratio. Costs and QALYs discounted at the reference-case rates."])
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
    b, w = ctx.bundle, ctx.w
    ctx.section("traces", "Markov traces")
    arms = list(b.base_case.outcomes.arms)
    traces = {a: trace_rows(b.base_case, a) for a in arms}
    w.paragraph("The Markov traces give the proportion of each cohort in every health state over time. The "
                "progression-free curve is the modelled PFS and one minus the dead curve the modelled OS; both are "
                "compared with the trial in the validation section.")
    ctx.figure("markov_trace", "Markov traces: state occupancy over time by arm")
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


# --------------------------------------------------------------------------- deterministic sensitivity
def dsa_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("dsa", "Deterministic sensitivity analysis")
    dsa = b.one_way
    table = dsa.table
    top = [str(d).split(" (")[0] for d in table["description"].head(3)]
    positive = int(((table["inmb_low"] > 0) | (table["inmb_high"] > 0)).sum())
    w.paragraph(
        f"Each uncertain parameter was set to the bounds of its one-way range in turn ({len(table)} parameters), with "
        "bounds from the inputs or, where none are given, the 2.5th and 97.5th percentiles of its distribution. "
        "Survival-curve coefficients are jointly uncertain and are varied in the PSA and the scenarios instead. "
        f"Results are expressed as incremental net monetary benefit (INMB) at {wtp_text(ctx, dsa.wtp)}; the base-case "
        f"INMB is {ctx.money(dsa.base_inmb)}. The most influential parameters are: " + "; ".join(
            (t[0].lower() + t[1:] if len(t) > 1 and t[1].islower() else t) for t in top) + ". "
        + (f"INMB becomes positive at one bound of {positive} parameter(s)." if positive else
           "INMB stays negative across every one-way range." if dsa.base_inmb < 0 else ""))
    ctx.figure("tornado", f"Tornado diagram: INMB at {wtp_text(ctx, dsa.wtp)} at the low and high value of the "
               f"{min(15, len(table))} most influential parameters", width_cm=14.5)
    rows = []
    for _, r in table.iterrows():
        unit = b.inputs.parameters[r["parameter"]].unit
        rows.append([f"{str(r['description']).split(' (')[0]}\n[{r['parameter']}]",
                     parameter_value(r["low"], unit, ctx.currency), parameter_value(r["high"], unit, ctx.currency),
                     ctx.money(r["inmb_low"]), ctx.money(r["inmb_high"]),
                     icer(_finite(r["icer_low"]), r["status_low"], ctx.currency),
                     icer(_finite(r["icer_high"]), r["status_high"], ctx.currency)])
    w.table(f"One-way sensitivity analysis: all varied parameters, sorted by the swing in INMB at "
            f"{wtp_text(ctx, dsa.wtp)}", ("Parameter", "Low value", "High value", "INMB (low)", "INMB (high)",
                                          "ICER (low)", "ICER (high)"), rows, (4.4, 1.8, 1.8, 1.8, 1.8, 2.2, 2.2),
            font_size=7)


def short_text(text: str, limit: int = 150) -> str:
    """The first sentence of ``text``, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    for stop in (". ", "; "):
        if stop in text:
            text = text.split(stop)[0]
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit - 1)] + "…"


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def scenarios_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("scenarios", "Scenario analyses")
    table = b.scenarios.table
    primary = f"inmb_{ctx.s.primary_wtp:g}"
    others = table.iloc[1:]
    icers = others["icer"].astype(float)
    icers = icers[np.isfinite(icers)]
    span = (f" The ICER ranges from {ctx.money(icers.min())} to {ctx.money(icers.max())} per QALY gained across the "
            f"{len(others)} scenarios" if len(icers) else "")
    count = int((others[primary] > 0).sum()) if primary in others else 0
    w.paragraph(
        "Scenario analyses explore structural and methodological uncertainty: discount rates, time horizon, "
        "within-cycle correction, cycle length, alternative survival distributions and data cuts, treatment "
        "duration, treatment-effect waning and the model structure." + span + "; "
        + (f"{count} scenario(s) give a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}." if count else
           f"none gives a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}."))
    rows = []
    for _, r in table.iterrows():
        change = r.get("icer_change_pct", float("nan"))
        rows.append([f"{r['scenario']}\n{short_text(str(r['rationale']))}", ctx.money(r["inc_cost"]), qalys(r["inc_qaly"]),
                     icer(_finite(r["icer"]), r["status"], ctx.currency),
                     "—" if _finite(change) is None or r["scenario"] == "base_case" else f"{number(change, 1)}%",
                     ctx.money(r[primary]) if primary in r else "—"])
    w.table("Scenario analyses (deterministic)", ("Scenario", "Costs", "QALYs", "ICER",
            "Change in ICER", f"INMB at {ctx.money(ctx.s.primary_wtp)}"), rows, (6.4, 1.9, 1.7, 2.2, 1.6, 2.2),
            groups=[("", 1), ("Incremental", 2), ("", 3)],
            font_size=7, notes=["Descriptions shortened; the full rationale of each scenario is in scenarios.csv."])


def threshold_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("threshold", "Threshold price analysis")
    table = b.threshold.table
    pid = table["parameter"].iloc[0] if len(table) else ctx.s.price_parameter
    row = b.inputs.parameters.get(pid)
    label = row.description if row else pid
    linked = [p for p in str(table["linked"].iloc[0]).split(",") if p] if len(table) else []
    sentences = []
    for _, r in table.iterrows():
        if _finite(r["threshold_value"]) is None:
            sentences.append(f"At {wtp_text(ctx, r['wtp'])} no price makes the INMB zero.")
            continue
        sentences.append(f"At {wtp_text(ctx, r['wtp'])} the price would have to change from "
                         f"{ctx.money(r['base_value'], 2)} to {ctx.money(r['threshold_value'], 2)} "
                         f"({number(r['relative_change_pct'], 1)}%).")
    w.paragraph(
        f"The threshold analysis solves for the value of '{label}' [{pid}] at which the ICER equals each threshold "
        "(INMB = 0)" + (f", moving the linked price(s) {', '.join(linked)} by the same proportion" if linked else "")
        + ". Costs are linear in the price, so the root is found in closed form and checked by re-running the model. "
        + " ".join(sentences))
    rows = [[wtp_text(ctx, r["wtp"]), ctx.money(r["base_value"], 2), ctx.money(_finite(r["threshold_value"]), 2),
             f"{number(r['relative_change_pct'], 1)}%", ctx.money(r["inmb_at_base"]),
             ctx.money(_finite(r["inmb_at_threshold"]), 2), str(r["method"])] for _, r in table.iterrows()]
    w.table("Threshold price analysis", ("Threshold", "Current price", "Threshold price", "Change", "INMB at current "
            "price", "INMB at threshold price", "Method"), rows, (2.7, 1.9, 2.0, 1.5, 2.2, 2.2, 3.5), font_size=7.5)
