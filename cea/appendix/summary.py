"""Summary of the economic evidence (the overview that opens NICE Document B, B.3)."""

from __future__ import annotations

from cea.appendix.prose import evidence_status_sentence, exploratory, prose
from cea.analyses.severity import weighted_acceptability
from cea.appendix.base_case import icer_sentence, weight, wtp_text
from cea.appendix import statements
from cea.appendix.controls import price_label
from cea.appendix.drivers import top_dsa
from cea.appendix.scenarios import price_scenario_names
from cea.appendix.document import (
    AppendixContext,
    in_sentence,
    lower_first,
    percent,
    qalys,
)
from cea.appendix.strategies import base_case_table, frontier_summary, many_arms


def summary_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("summary", "Summary of the cost-effectiveness evidence")
    inc = b.base_case.to_dict()["incremental"]
    psa = b.psa.summary()
    p_ce = psa["prob_cost_effective"]
    drivers = top_dsa(ctx, 1)
    top = drivers[0][0] if drivers else ""
    scen = b.scenarios.table.iloc[1:]
    price_scenarios = set(price_scenario_names(ctx))
    scen = scen[~scen["scenario"].isin(price_scenarios)]  # a price is a negotiation, not an uncertainty
    icers = scen["icer"].astype(float)
    icers = icers[icers.notna()]
    w.paragraph(
        ("This appendix presents an exploratory cost-effectiveness analysis, set out as for "
         if exploratory(ctx) else "This appendix presents the cost-effectiveness analysis for ")
        + ("a NICE technology appraisal" if ctx.nice else "a health technology assessment") + f" of: {s.title}. "
        f"The question is whether {in_sentence(ctx.intervention)}, compared with {in_sentence(ctx.comparator)}, is a cost-effective use of "
        f"{s.perspective} resources at the thresholds {ctx.decision_maker} uses.",
        bold_lead="Background and objectives. ")
    status = evidence_status_sentence(ctx)
    if status:
        w.paragraph(status, bold_lead="Evidence status. ")
    w.paragraph(
        f"A three-state {statements.model_noun(ctx)} (progression-free, progressed disease, dead) with "
        f"{statements.cycle(ctx)} over {statements.horizon(ctx)}, {s.perspective} perspective, costs in "
        f"{s.currency} {s.price_year}, {statements.discounting(ctx)}, {statements.prices(ctx)}. "
        f"{statements.curve_sentence(ctx, 'os')}; {statements.time_on_treatment(ctx)}; grade 3/4 adverse events are "
        f"{statements.adverse_event_when(ctx)}. "
        "Survival curves were fitted to or calibrated on "
        + prose(ctx, "clinical_evidence", "survival_source", "the pivotal trial") + f"; uncertainty was explored in one-way, scenario, threshold and probabilistic ({psa['iterations']:,} "
        "iterations) analyses and by value of information.", bold_lead="Methods. ")
    pair = many_arms(b)  # more than two strategies: the decision is the fully incremental analysis, the pair second
    if pair:
        w.paragraph(f"{price_label(ctx).capitalize()}: " + lower_first(frontier_summary(ctx, base_case_table(b))),
                    bold_lead="Results. ")
    prefix = (f"The base-case ICER of {in_sentence(ctx.intervention)} against {in_sentence(ctx.comparator)} alone"
              if pair else "The base-case ICER")
    w.paragraph(
        f"{price_label(ctx).capitalize()}: {lower_first(icer_sentence(ctx, inc, prefix))} "
        f"({qalys(inc['qalys'])} QALYs gained at an additional cost of "
        f"{ctx.money(inc['costs'])}). "
        + icer_sentence(ctx, psa["incremental"], prefix="The probabilistic ICER") + ". The probability of "
        f"{in_sentence(ctx.intervention)} being cost-effective is "
        + " and ".join(f"{percent(p[s.intervention], 1)} at {wtp_text(ctx, wtp)}" for wtp, p in p_ce.items())
        + ".", bold_lead="Pairwise comparison. " if pair else "Results. ")
    w_ = weight(ctx)
    if w_ > 1 and inc["qalys"] > 0:
        probs = weighted_acceptability(b.psa, w_, s.wtp_thresholds)
        w.paragraph(
            f"The condition meets NICE's severity criteria (QALY weight {w_:g}, section B.3.6): with the weight the "
            f"ICER is {ctx.money(inc['costs'] / (w_ * inc['qalys']))} per QALY gained and the probability of being "
            "cost-effective " + " and ".join(f"{percent(p, 1)} at {wtp_text(ctx, x)}" for x, p in probs.items())
            + ".", bold_lead="Severity. ")
    lp = b.list_price_base_case
    if lp is not None:
        w.paragraph(f"These results are {price_label(ctx)}. At the list price "
                    + icer_sentence(ctx, lp.to_dict()["incremental"])[0].lower()
                    + icer_sentence(ctx, lp.to_dict()["incremental"])[1:] + ".", bold_lead="Prices. ")
    alternative = []
    if top:
        alternative.append(f"the one-way analysis is most sensitive to {statements.lower_first(top)}")
    if len(icers):
        alternative.append(f"ICERs of the scenarios on methods, evidence and structure range from "
                           f"{ctx.money(icers.min())} to {ctx.money(icers.max())} per QALY"
                           + (" (price scenarios are reported with the threshold price)" if price_scenarios else ""))
    t = b.threshold.table
    t = t[t["wtp"] == s.primary_wtp]
    if len(t) and t["threshold_value"].notna().iloc[0]:
        change = float(t["relative_change_pct"].iloc[0])
        alternative.append(f"the price would need to {'fall' if change < 0 else 'rise'} by {abs(change):.1f}% for an "
                           f"ICER of {wtp_text(ctx, s.primary_wtp)}")
    if alternative:
        text = "; ".join(alternative)
        w.paragraph(text[0].upper() + text[1:] + ".", bold_lead="Alternative analyses. ")
