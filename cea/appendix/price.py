"""B.3.11 Price analysis (the decision at the confidential price) and the review group's preferred assumptions
added one at a time (cumulative scenarios).  Every number comes from the run's bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cea.appendix.prose import technology_name, prose
from cea.appendix.base_case import wtp_text
from cea.appendix.document import AppendixContext, number
from cea.outputs.style import save

TABLE_DISCOUNTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _figure_path(ctx: AppendixContext, name: str) -> Path | None:
    if not ctx.figures:
        return None
    return Path(next(iter(ctx.figures.values()))).parent / name


def _pct(x: float, decimals: int = 0) -> str:
    return f"{number(100 * x, decimals)}%"


def _icer(ctx: AppendixContext, value) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return ctx.money(value)


def price_section(ctx: AppendixContext) -> None:
    from cea.analyses.price import PRICE_EVIDENCE

    b, w = ctx.bundle, ctx.w
    result = b.price
    if result is None:
        return
    ctx.section("price", "Price analysis")
    s = ctx.s
    params = b.inputs.parameters
    priced = [pid for pid in (s.price_parameter, *s.price_linked) if pid in result.list_prices]
    names = {pid: params[pid].description.split(",")[0] if pid in params else pid for pid in priced}
    weight = result.weight
    evidence = prose(ctx, "discussion", "price_evidence")
    if evidence:
        w.paragraph(evidence)
    elif technology_name(ctx) == "everolimus":  # the NICE and eMIT evidence on the price of everolimus
        ta421 = ctx.cite_if("NICE TA421")
        w.paragraph(PRICE_EVIDENCE["pas"] + ta421 + " " + PRICE_EVIDENCE["recommendation"])
        w.paragraph(PRICE_EVIDENCE["generic"] + ctx.cite_if("eMIT", "BNF"))
    t = result.thresholds
    lines = []
    for label, text in (("unweighted", "Without the severity weight"), ("weighted", f"with the severity weight ×{weight:g}")):
        part = t[t["weighting"] == label]
        if part.empty:
            continue
        bits = [f"{_pct(r.threshold_discount, 1)} at {wtp_text(ctx, r.wtp)}" for r in part.itertuples()]
        lines.append(f"{text}, the discount off the list price that brings the ICER to the threshold is "
                     + " and ".join(bits))
    w.paragraph(
        "Drug acquisition cost is proportional to the price of the technology, so the incremental cost, the ICER and "
        "the net monetary benefit are linear in the discount; the probability of cost-effectiveness at each price is "
        f"computed from the {result.iterations:,} PSA iterations, each re-priced (the PSA records each iteration's "
        "cost of the technology, so re-pricing is exact and no iteration is re-drawn). "
        + "; ".join(lines) + ". Both pack strengths take the same discount.")
    rows = []
    wtps = s.wtp_thresholds
    for d in TABLE_DISCOUNTS:
        g = result.grid[np.isclose(result.grid["discount"], d)]
        if g.empty:
            continue
        r = g.iloc[0]
        row = [_pct(d)] + [ctx.money(r[f"price_{pid}"], 2) for pid in priced] + [_icer(ctx, r["icer"])]
        if weight != 1.0:
            row.append(_icer(ctx, r["icer_weighted"]))
        row += [ctx.money(r[f"inmb_unweighted_{x:g}"]) for x in wtps]
        if weight != 1.0:
            row += [ctx.money(r[f"inmb_weighted_{x:g}"]) for x in wtps]
        rows.append(row)
    header = ["Discount"] + [f"{names[p]} pack" for p in priced] + ["ICER"]
    if weight != 1.0:
        header.append(f"ICER per weighted QALY (×{weight:g})")
    header += [f"INMB at {wtp_text(ctx, x)}" for x in wtps]
    if weight != 1.0:
        header += [f"Weighted INMB at {wtp_text(ctx, x)}" for x in wtps]
    w.paragraph(f"Table {ctx.next_table()} gives the results by discount off the list price.")
    w.table("Cost-effectiveness by discount off the list price of the technology", header, rows, font_size=7,
            notes=["Pack prices per 30 tablets after the discount; incremental QALYs do not depend on the price "
                   f"({number(result.inc_qaly, 3)} per patient)."])
    rows = []
    for d in TABLE_DISCOUNTS:
        g = result.grid[np.isclose(result.grid["discount"], d)]
        if g.empty:
            continue
        r = g.iloc[0]
        rows.append([_pct(d)] + [number(r[f"p_ce_{lab}_{x:g}"], 3) for lab in ("unweighted", "weighted")
                                 for x in wtps if f"p_ce_{lab}_{x:g}" in r])
    header = ["Discount"] + [f"{wtp_text(ctx, x)}{'' if lab == 'unweighted' else ' (weighted)'}"
                             for lab in ("unweighted", "weighted") for x in wtps
                             if f"p_ce_{lab}_{x:g}" in result.grid]
    if len(header) > 1:
        w.paragraph(f"Table {ctx.next_table()} gives the probability that the technology is cost-effective at each "
                    "price.")
        w.table("Probability cost-effective by discount off the list price", header, rows, font_size=7.5)
    rows = [[("Unweighted" if r.weighting == "unweighted" else f"Weighted ×{r.weight:g}"), wtp_text(ctx, r.wtp),
             wtp_text(ctx, r.effective_wtp), _pct(r.threshold_discount, 1)]
            + [ctx.money(getattr(r, f"threshold_price_{pid}"), 2) for pid in priced]
            + ([number(r.p_ce_at_threshold_price, 3)] if "p_ce_at_threshold_price" in t else [])
            for r in t.itertuples()]
    w.paragraph(f"Table {ctx.next_table()} gives the threshold prices with and without the severity weight.")
    w.table("Threshold prices of the technology, with and without the severity weight",
            ["QALYs", "Threshold", "Equivalent unweighted threshold", "Discount needed"]
            + [f"{names[p]} pack" for p in priced]
            + (["P(cost-effective) at that price"] if "p_ce_at_threshold_price" in t else []), rows, font_size=7.5,
            notes=["With the severity weight the ICER per weighted QALY equals a threshold λ when the unweighted ICER "
                   "equals the weight times λ."])
    path = _figure_path(ctx, "price.png")
    if path is not None:
        from cea.outputs.price_files import price_figure

        from cea.appendix.figures import _save

        ctx.figures["price"] = _save(lambda: price_figure(result, s.currency, wtps), path, ctx.rendered.get("price"))
        ctx.figure("price", "ICER and probability of cost-effectiveness by discount off the list price", width_cm=15.0,
                   intro="Figure {n} shows the ICER, with and without the severity weight, and the probability of "
                         "cost-effectiveness at each threshold against the discount off the list price.")


def cumulative_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    result = b.cumulative
    if result is None:
        return
    ctx.section("cumulative", "Review group's preferred assumptions, step by step")
    t = result.table
    seq = t[t["kind"] != "bound"]
    bounds = t[t["kind"] == "bound"]
    base, last = seq.iloc[0], seq.iloc[-1]
    w.paragraph(
        "An evidence review group presents its preferred assumptions cumulatively: each change is added to the ones "
        "before it and the ICER is reported after every step, so that the effect of each change is seen given the "
        f"others. The base-case ICER of {_icer(ctx, base['icer'])} per QALY "
        f"({_icer(ctx, base['icer_weighted'])} per severity-weighted QALY) becomes {_icer(ctx, last['icer'])} "
        f"({_icer(ctx, last['icer_weighted'])} weighted) when all {len(seq) - 1} changes are made together; the last "
        "step is one run of the model with every change at once. "
        + (" ".join(f"{r.label}, run on top of every change, is reported beside the sequence as a bound and not "
                    f"carried into it: {_icer(ctx, r.icer)} per QALY ({_icer(ctx, r.icer_weighted)} weighted)."
                    for r in bounds.itertuples())))
    rows = []
    for r in t.itertuples():
        change = "" if r.icer_change is None or not np.isfinite(r.icer_change) else ctx.money(r.icer_change)
        rows.append([("Bound" if r.kind == "bound" else str(r.step)), r.label, ctx.money(r.inc_cost),
                     number(r.inc_qaly, 3), _icer(ctx, r.icer), change, number(r.severity_weight, 1),
                     _icer(ctx, r.icer_weighted)])
    w.paragraph(f"Table {ctx.next_table()} lists the steps; the reason for each follows the table.")
    w.table("Preferred assumptions added one at a time", ("Step", "Change", "Incremental cost", "Incremental QALYs",
            "ICER", "Change in ICER", "Severity weight", "ICER per weighted QALY"), rows, font_size=7.5,
            notes=["Each step keeps every change above it; a bound is added to the whole sequence and not carried "
                   "forward. The severity weight is recomputed at every step."])
    w.bullets([f"{r.label}: {r.rationale}." if not r.rationale.endswith(".") else f"{r.label}: {r.rationale}"
               for r in t.itertuples() if r.kind != "base"])
    path = _figure_path(ctx, "cumulative.png")
    if path is not None:
        from cea.outputs.price_files import cumulative_figure

        from cea.appendix.figures import _save

        ctx.figures["cumulative"] = _save(lambda: cumulative_figure(result, ctx.s.currency, ctx.s.wtp_thresholds),
                                          path, ctx.rendered.get("cumulative"))
        ctx.figure("cumulative", "Waterfall of the ICER as each preferred assumption is added", width_cm=15.0)
    if "disutility_on_treatment" in b.inputs.parameters:
        p = b.inputs.parameters["disutility_on_treatment"]
        w.paragraph(
            f"The on-treatment disutility is a decrement of {number(p.value, 3)} (range {number(p.low, 3)} to "
            f"{number(p.high, 3)}, varied in the probabilistic analysis) for the time on everolimus; it is an "
            "assumption, because no published utility decrement for grade 1–2 everolimus toxicity exists: it "
            "combines the share of patients with grade 2 or worse stomatitis early on everolimus "
            "in the DESIREE trial with the smallest grade 3/4 toxicity decrement of the UK valuation study"
            f"{ctx.cite_if('Lloyd 2006')}, as an upper bound for a grade 2 episode. BOLERO-2's own quality-of-life "
            "results cannot be mapped to EQ-5D: the trial reported EORTC QLQ-C30 global health status as time to "
            f"definitive deterioration{ctx.cite_if('Burris 2013')} and as changes from baseline in global health "
            f"status and two breast-symptom scales{ctx.cite_if('Campone 2013 (HRQoL)')}, not the domain scores by "
            "health state that the published QLQ-C30 to EQ-5D mapping algorithms take as inputs. The on-treatment "
            f"difference in global health status (−{number(100 * p.low, 1)} points on the 0–100 scale, not "
            "significant), read on the utility scale, sets the low end of the range.")
