"""B.3.9 Summary of base-case analysis inputs and assumptions: one table of every scalar input (value, how it is
varied, the section that justifies it) and one of the key assumptions with their justification and where they
are tested."""

from __future__ import annotations

import math

from cea.inputs.survival_data import has_survival_data
from cea.appendix import statements
from cea.appendix.controls import price_label
from cea.appendix.language import scenario_title, submission_text
from cea.appendix.document import AppendixContext, percent
from cea.appendix.parameters import parameter_value
from cea.appendix.scenarios import scenario_targets
from cea.outputs.parameter_table import parameter_frame

GROUP_SECTIONS = {"hazard_ratio": "B.3.3", "pfs_curve": "B.3.3", "os_curve": "B.3.3", "adverse_events": "B.3.3",
                  "utilities": "B.3.4", "drug_costs": "B.3.5", "other_costs": "B.3.5"}


def _tested_in(ctx: AppendixContext, targets: set[str]) -> str:
    """Names of the scenarios that change any of ``targets`` (parameter ids, settings or arm fields)."""
    rationale: dict[str, str] = {}
    for row in ctx.bundle.inputs.scenarios:
        rationale.setdefault(row.scenario, row.rationale)
    names = [scenario_title(ctx, name, rationale.get(name, "")) for name, changes in scenario_targets(ctx).items()
             if any(t in targets or any(t.endswith(x) for x in targets) for t, _ in changes)]
    return "; ".join(names) if names else "—"


def assumptions(ctx: AppendixContext) -> list[list[str]]:
    s, inputs = ctx.s, ctx.bundle.inputs
    one_trial = has_survival_data(inputs.folder)  # fitted to one trial's data, else calibrated to several trials
    rows = [[f"Three health states (progression-free, progressed, dead) in a {statements.model_noun(ctx)}",
             ("The trial reports" if one_trial else "The trials report")
             + " PFS and OS; the standard structure of appraisals in advanced breast cancer",
             _tested_in(ctx, {"model_structure"})]]
    rows.append([statements.pd_mortality_short(ctx), ("Reproduces the trial's OS in each arm within the data"
                                                      if one_trial else "Reproduces each arm's OS curve")
                 if s.pd_mortality == "os_tracking" or statements.is_psm(ctx) else
                 "A constant post-progression death rate (scenario of the base case)", _tested_in(ctx, {"pd_mortality"})])
    rows.append([statements.curve_sentence(ctx, "os"), "Section B.3.3 (goodness of fit, proportional hazards, "
                 "plausibility)", _tested_in(ctx, {"os_curve", "os_hazard_ratio", "os_acceleration_factor"})])
    treatments = getattr(inputs.structure, "treatments", ())
    rates = {t.discontinuation_rate for t in treatments if t.discontinuation_rate}
    rows.append([statements.time_on_treatment_short(ctx),
                 "Calibrated to published median treatment durations (section B.3.3)" if statements.treatment_stops(ctx)
                 else "Licensed posology: treatment until progression", _tested_in(ctx, rates) if rates else "—"])
    rows.append(["No waning of the treatment effect" if math.isinf(s.waning_start_months) else
                 f"Treatment effect wanes from {s.waning_start_months:g} to {s.waning_end_months:g} months",
                 "No evidence on the duration of effect beyond the trial",
                 _tested_in(ctx, {"waning_start_months", "waning_end_months"})])
    every = "both" if len(ctx.labels) == 2 else "all"
    rows.append([f"Health-state utilities are the same in {every} arms", "No evidence of a treatment-specific utility "
                 "in either state", _tested_in(ctx, {"utility_age_adjustment"})])
    rows.append([statements.upper_first(statements.adverse_event_timing_short(ctx)),
                 "Adverse events occur while patients are treated" if ctx.s.adverse_event_timing != "at_start" else
                 "Simple: the trial's incidence without its timing", _tested_in(ctx, {"adverse_event_timing"})])
    if (sub := statements.subsequent_therapy(ctx)):
        rows.append([f"Subsequent therapy is {sub}", "Assumed shares of patients and course costs"
                     if statements.subsequent_shares_assumed(ctx) else "Post-study therapy shares of the pivotal trial",
                     _tested_in(ctx, {p for i in inputs.structure.cost_items if i.category == "subsequent_therapy"
                                      for p in i.multiply})])
    rows.append([statements.upper_first(statements.horizon_sentence(ctx)), "Section B.3.2",
                 _tested_in(ctx, {"horizon_years"})])
    rows.append([f"Prices {price_label(ctx)}", "Confidential discount entered as an input" if s.pas_discount > 0
                 else "No confidential discount in this run", "Threshold price (B.3.11)"])
    return rows


def inputs_summary_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("inputs_summary", "Summary of base-case inputs and assumptions")
    frame = parameter_frame(ctx.bundle.inputs)
    scalars = frame[~frame["id"].str.contains(".", regex=False)]
    n_assumed = int(scalars["assumption"].sum())
    w.paragraph(
        f"Table {ctx.next_table()} lists every scalar input of the base case ({len(scalars)}, of which {n_assumed} "
        "are assumptions; the adverse-event inputs in one row, as they are tabulated in section B.3.3), with its "
        "value, how it is varied and the section that gives its source; Table "
        f"{ctx.next_table() + 1} lists the key modelling assumptions, why they were made and where they are tested.")
    # the adverse-event inputs are tabulated once, in section B.3.3 (rates and durations) with their costs and
    # disutilities (B.3.4, B.3.5): one summary row here instead of their ~45 rows again
    events = ctx.bundle.inputs.structure.adverse_events
    ae_ids = {pid for e in events for pid in (e.rate, e.cost, e.disutility, e.duration_days) if pid}
    n_ae = int(scalars["id"].isin(ae_ids).sum())
    scalars = scalars[~scalars["id"].isin(ae_ids)]
    rows = []
    if n_ae:
        labels = list(dict.fromkeys(e.label or e.id for e in events))
        rows.append([f"Grade 3/4 adverse events ({len(labels)} events, {n_ae} inputs): rate by arm, duration, "
                     "disutility and management cost of each", "Section B.3.3 table of adverse events",
                     "Beta (rates, disutilities), gamma (durations, costs); DSA on each", "B.3.3"])
    for _, p in scalars.iterrows():
        unit = str(p["unit"])
        varied = str(p["distribution"])
        if not (p["dsa_low"] is None or (isinstance(p["dsa_low"], float) and math.isnan(p["dsa_low"]))):
            varied += f"; DSA {parameter_value(p['dsa_low'], unit, ctx.currency)} – " \
                      f"{parameter_value(p['dsa_high'], unit, ctx.currency)}"
        rows.append([submission_text(ctx, str(p["description"])) + (" ‡" if p["assumption"] else ""),
                     parameter_value(p["value"], unit, ctx.currency), varied,
                     GROUP_SECTIONS.get(str(p["group"]), "B.3.3")])
    w.table("Summary of the base-case inputs", ("Input", "Value", "Distribution and DSA range", "Section"), rows,
            (7.0, 2.2, 5.4, 1.4), align="lrll", font_size=7,
            notes=[f"‡ assumption. Survival curves and their covariance are in section B.3.3; settings in section "
                   f"B.3.2. The confidential discount on the list price is {percent(ctx.s.pas_discount, 1)}."])
    w.table("Key assumptions of the base case", ("Assumption", "Justification", "Scenarios that test it"),
            assumptions(ctx), (6.0, 6.0, 4.0), align="lll", font_size=7.5)
