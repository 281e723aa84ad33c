"""B.3.2 Economic analysis: the decision problem, the baseline characteristics of the modelled population, and the
features of the analysis (perspective, time horizon, discounting, cycle length)."""

from __future__ import annotations

import csv

from cea.appendix.document import (
    AppendixContext,
    in_sentence,
    number,
    percent,
)
from cea.appendix.citations import clean
from cea.appendix import statements
from cea.appendix.prose import evidence_status_sentence, prose
from cea.appendix.strategies import many_arms, other_strategies
from cea.inputs.references import cited_keys
from cea.inputs.submission import load_baseline_characteristics



def features_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("features", "Features of the economic analysis")
    alive = statements.alive_at_end(ctx)
    reference = s.discount_rate_costs == 0.035 and s.discount_rate_outcomes == 0.035  # NICE reference case
    lifetime = statements.is_lifetime(ctx)
    life_source = _life_table_source(ctx)
    w.paragraph(
        f"The cohort starts at age {s.start_age:g} years; background mortality is taken from {life_source}. "
        f"Table {ctx.next_table()} lists the features of the analysis and why each was chosen.")
    w.paragraph(
        f"Costs are from the {s.perspective} perspective in {s.country}; health effects are QALYs of patients. The time "
        f"horizon of {s.horizon_years:g} years is "
        + ("a lifetime horizon" if lifetime else "shorter than a lifetime") + ": at its end "
        + ", ".join(f"{percent(alive[a], 2)} of the {in_sentence(ctx.labels[a])} cohort" for a in alive)
        + " remain alive. Discounting: " + statements.discounting(ctx) + ".")
    rows = [
        ["Population", statements.upper_first(prose(ctx, "decision_problem", "population", s.title)),
         prose(ctx, "decision_problem", "population_justification",
               "Population of the pivotal trial and of the decision problem")],
        ["Model structure", statements.upper_first(statements.model_noun(ctx)) + " with three health states",
         statements.pd_mortality_short(ctx)],
        ["Survival", statements.curve_sentence(ctx, "os") + "; " + statements.curve_sentence(ctx, "pfs")[0].lower()
         + statements.curve_sentence(ctx, "pfs")[1:], "Section B.3.3"],
        ["Starting age", f"{s.start_age:g} years", prose(ctx, "decision_problem", "start_age_note",
                                                         "Median age of the trial population")],
        ["Intervention", ctx.intervention, "Technology appraised"],
        ["Comparator", ctx.comparator, prose(ctx, "decision_problem", "comparator_justification",
                                             "Control arm of the trial; current care")],
        ["Perspective", f"{s.perspective} ({s.country})", "NICE reference case" if ctx.nice else
         "Perspective of the decision maker"],
        ["Outcomes", "QALYs, life years, costs; ICER and net monetary benefit", "Cost–utility analysis"],
        ["Time horizon", f"{s.horizon_years:g} years", ("Lifetime: " if lifetime else "Shorter than a lifetime: ")
         + "; ".join(f"{percent(alive[a], 2)} alive at the end ({in_sentence(ctx.labels[a])})" for a in alive)],
        ["Cycle length", f"{s.cycle_length_days:g} days ({number(s.cycle_months, 2)} months)",
         "Short relative to the median PFS of the comparator arm"],
        ["Within-cycle correction", statements.upper_first(statements.correction(ctx)),
         "Drug acquisition is paid at the start of each cycle, uncorrected"],
        ["Discount rates", f"Costs {percent(s.discount_rate_costs)}, outcomes {percent(s.discount_rate_outcomes)} "
         "per year", "NICE reference case" if reference else
         "Non-reference-case rates" if ctx.nice else "Rates of the decision maker's guidance"],
        ["Currency and price year", f"{s.currency} {s.price_year}", "Price year of the unit costs: NHS costs from "
         "earlier years are inflated with the NHS Cost Inflation Index; drug prices are list prices at their "
         "published date"],
        ["Time on treatment", statements.time_on_treatment_short(ctx), "Section B.3.3"],
        ["Adverse events", statements.upper_first(statements.adverse_event_timing_short(ctx)), "Section B.3.3"],
        ["Utility age adjustment", "Yes" if s.utility_age_adjustment else "No",
         "Utilities capped at and moved with general-population norms" if s.utility_age_adjustment else ""],
        ["Treatment-effect waning", statements.waning_short(ctx), statements.upper_first(statements.waning(ctx))],
        ["Software", "Python (executable model)",
         "The payer workbook holds the same model as live Excel formulas (section B.3.14); versions in the technical "
         "annex"],
        ["Prices", "Net price after a confidential discount of " + percent(s.pas_discount, 1)
         if s.pas_discount > 0 else "List prices", "Confidential discount on the list price of the technology"
         if s.pas_discount > 0 else "No confidential discount in this run"],
    ]
    w.table("Features of the economic analysis", ("Factor", "Chosen value", "Justification"), rows, (3.4, 7.0, 5.6),
            align="lll")


def _life_table_source(ctx: AppendixContext) -> str:
    try:
        with open(ctx.bundle.inputs.folder / "life_table.csv", newline="", encoding="utf-8") as handle:
            sources = {row.get("source", "") for row in csv.DictReader(handle)} - {""}
        return "; ".join(f"{clean(x)} {ctx.cite(*k)}" if (k := cited_keys(x, ctx.citations.references)) else clean(x)
                         for x in sorted(sources)) or "a national life table"
    except OSError:
        return "a national life table"


def decision_problem_section(ctx: AppendixContext) -> None:
    """The decision problem (population, intervention, comparator, outcomes) and the trial's baseline
    characteristics beside the modelled cohort."""
    s, w = ctx.s, ctx.w
    ctx.section("decision_problem", "Decision problem and modelled population")
    pathway = prose(ctx, "decision_problem", "treatment_pathway")
    indirect = prose(ctx, "decision_problem", "indirect_comparison")
    if many_arms(ctx.bundle):
        comparison = (f"the model also includes {other_strategies(ctx)}, and all {len(ctx.labels)} strategies are "
                      "compared in a fully incremental analysis with the base-case results; "
                      + (indirect.rstrip(".") if indirect else "no indirect comparison was carried out") + ".")
    else:
        comparison = (indirect.rstrip(".") + "." if indirect else
                      "no indirect comparison or fully incremental analysis was carried out.")
    w.paragraph(
        "The analysis addresses the decision problem "
        + (f"for {population}" if (population := prose(ctx, "decision_problem", "population")) else f"of {in_sentence(s.title)}")
        + ": "
        f"whether {in_sentence(ctx.intervention)} is a cost-effective use "
        f"of {s.perspective} resources compared with {in_sentence(ctx.comparator)} (Table {ctx.next_table()}). "
        + prose(ctx, "decision_problem", "comparator_rationale",
                "The comparator is the control arm of the pivotal trial, the only comparison for which randomised "
                "evidence is available to the model.")
        + (f" {pathway.rstrip('.')}; {comparison}" if pathway else f" {comparison[:1].upper()}{comparison[1:]}")
        + " This is discussed as a limitation.")
    status = evidence_status_sentence(ctx)
    if status:
        w.paragraph(status, bold_lead="Evidence status. ")
    history = prose(ctx, "decision_problem", "appraisal_history")
    subsequent = prose(ctx, "decision_problem", "subsequent_treatments")
    rows = [["Population", statements.upper_first(prose(ctx, "decision_problem", "population", s.title)),
             prose(ctx, "decision_problem", "population_note", "Trial population of the pivotal study")],
            ["Intervention", ctx.intervention, prose(ctx, "decision_problem", "intervention_note",
                                                     "Technology appraised")],
            ["Comparator", ctx.comparator, prose(ctx, "decision_problem", "comparator_note",
                                                 "Control arm of the pivotal trial")],
            *([["Other strategies", other_strategies(ctx, start=True), "In the fully incremental analysis"]]
              if many_arms(ctx.bundle) else []),
            ["Outcomes", "Progression-free survival, overall survival, adverse events, health-related quality of life; "
             "costs, life years, QALYs", prose(ctx, "decision_problem", "outcomes_note",
                                               "Outcomes of the trial that the model uses")],
            *([["Subsequent treatments", subsequent, "Costed after progression"]] if subsequent else []),
            ["Economic analysis", "Cost-utility analysis: ICER and net monetary benefit", "NICE reference case"
             if ctx.nice else "Decision maker's guidance"],
            ["Subgroups", "None (section B.3.12)", "No subgroup-specific evidence is used by the model"]]
    w.table("The decision problem addressed by the economic analysis", ("Element", "This analysis", "Note"), rows,
            (3.0, 8.4, 4.6), align="lll")
    if history:
        w.paragraph(history, bold_lead="Appraisal history. ")
    baseline = load_baseline_characteristics(ctx.bundle.inputs.folder)
    if not baseline:
        w.paragraph(f"The modelled cohort starts at age {s.start_age:g} years; the inputs hold no table of the trial's "
                    "baseline characteristics.", italic=True)
        return
    w.paragraph(
        f"Table {ctx.next_table()} sets the baseline characteristics of the trial population beside the modelled "
        f"cohort. The model uses the starting age ({s.start_age:g} years) and sex "
        f"({percent(s.proportion_female, 0)} women, for the general-population comparisons); the other "
        "characteristics define the population to which the results apply.")
    model_values = {"Median age": f"Starting age {s.start_age:g} years",
                    "Sex and menopausal status": f"{percent(s.proportion_female, 0)} women"}
    rows = [[r["characteristic"], r["trial_value"], model_values.get(r["characteristic"], "Not modelled"),
             ctx.source(r["source"])] for r in baseline]
    w.table("Baseline characteristics of the trial population and the modelled cohort", ("Characteristic",
            "Pivotal trial", "Model", "Source"), rows, (3.6, 5.0, 3.0, 4.4), align="llll", font_size=8)
