"""Appendix sections on the model and its inputs (NICE Document B, B.3.2–B.3.5): structure,
model features, clinical parameters and survival extrapolation, adverse events,
utilities, costs.  Every number is read from the bundle's inputs or results."""

from __future__ import annotations

import csv
import math

import numpy as np

from cea.outputs.appendix_doc import AppendixContext, money, number, percent, significant
from cea.outputs.parameter_table import parameter_frame

BASIS_LABELS = {
    "per_day_on_treatment": "per day on treatment (cycle start)",
    "per_month_in_pf": "per month in PF",
    "per_month_in_pd": "per month in PD",
    "per_progression": "once at progression",
    "per_death": "once at death",
    "at_start": "once at the start",
}
CORRECTION_TEXT = {
    "half_cycle": "Half-cycle (trapezoidal) correction of occupancy-based outcomes and costs",
    "simpson": "Simpson's 1/3 rule on occupancy-based outcomes and costs",
    "none": "None (occupancy at the start of each cycle)",
}
LIFETIME_ALIVE = 0.001  # HTA_METHODS MS-3: a lifetime horizon leaves fewer than 0.1% alive
PARAMETER_HEADER = ("Parameter", "Value", "Distribution (PSA)", "DSA range", "Source")
PARAMETER_WIDTHS = (3.9, 1.9, 2.5, 2.3, 5.4)
ASSUMPTION_NOTE = ("‡ The value is an assumption (its source begins 'Assumption'); † the uncertainty (SE or range) "
                   "is assumed (see the note).  DSA: one-way bounds from the inputs, else the 2.5th and 97.5th "
                   "percentiles of the distribution; 'Not varied' = fixed, with the reason in the note.")


# --------------------------------------------------------------------------- formatting helpers
def parameter_value(value: float | None, unit: str, currency: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == currency or unit.startswith(currency + " "):
        return money(value, currency, 2)
    if unit == "ratio":
        return significant(value, 3)
    return significant(value, 4)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def parameter_rows(ctx: AppendixContext, frame) -> list[list[str]]:
    """Rows of a parameter table (every row of ``frame``, in input order)."""
    rows = []
    for _, p in frame.iterrows():
        notes = str(p["notes"] or "")
        marks = (" ‡" if p["assumption"] else "") + (" †" if "assumption" in notes.lower() and not p["assumption"] else "")
        unit = str(p["unit"])
        if _is_missing(p["dsa_low"]):
            dsa = "Not varied"
        else:
            dsa = f"{parameter_value(p['dsa_low'], unit, ctx.currency)} – {parameter_value(p['dsa_high'], unit, ctx.currency)}"
        source = str(p["source"]) + (f" Note: {notes}" if notes else "")
        rows.append([f"{p['description']}{marks}\n[{p['id']}]", parameter_value(p["value"], unit, ctx.currency),
                     str(p["distribution"]), dsa, source])
    return rows


def parameter_table(ctx: AppendixContext, caption: str, frame) -> None:
    ctx.w.table(caption, PARAMETER_HEADER, parameter_rows(ctx, frame), PARAMETER_WIDTHS, align="lrlll", font_size=7.5,
                notes=[ASSUMPTION_NOTE])


def parameter_groups(ctx: AppendixContext):
    """The parameter frame split into the tables of the appendix; every row lands in exactly one."""
    frame = parameter_frame(ctx.bundle.inputs)
    curve_ids = frame["id"].str.contains(".", regex=False)
    scalars, curves = frame[~curve_ids], frame[curve_ids]
    tables = {
        "clinical": scalars[scalars["group"].isin(["hazard_ratio", "pfs_curve", "os_curve"])],
        "adverse_events": scalars[scalars["group"] == "adverse_events"],
        "utilities": scalars[scalars["group"] == "utilities"],
        "costs": scalars[scalars["group"].isin(["drug_costs", "other_costs"])],
    }
    placed = set().union(*(set(t["id"]) for t in tables.values()))
    tables["other"] = scalars[~scalars["id"].isin(placed)]
    tables["curves"] = curves
    return tables


def _pv(ctx: AppendixContext, pid: str | None) -> float | None:
    return None if not pid else ctx.bundle.inputs.parameter_value(pid)


# --------------------------------------------------------------------------- structure and features
def structure_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    st = b.inputs.structure
    ctx.section("structure", "Model structure")
    w.paragraph(
        f"A cohort state-transition (Markov) model with three mutually exclusive health states — progression-free "
        f"(PF), progressed disease (PD) and dead — was built to compare {ctx.intervention} with {ctx.comparator}. "
        f"The cohort starts in PF. In each cycle of {s.cycle_length_days:g} days patients may remain in their state, "
        f"progress (PF → PD) or die (PF → Dead, PD → Dead); there is no return from PD to PF and death is absorbing "
        f"(Figure {w.figures + 1}). This structure is the standard for advanced breast cancer appraisals, where the "
        f"clinical evidence is reported as progression-free and overall survival.")
    ctx.figure("state_diagram", "Model structure: health states and the transitions allowed between them")
    pd_text = ("each cycle's post-progression death probability is set so that modelled overall survival follows the "
               "arm's fitted OS curve" if s.pd_mortality == "os_tracking" else
               "post-progression death follows a constant monthly rate")
    w.paragraph(
        f"Transition probabilities come from parametric survival curves: p(t) = 1 − S(t)/S(t − Δ) per cycle. Exits from "
        f"PF are split into progression and death by the share of PFS events that are deaths "
        f"({number(_pv(ctx, st.pf_death_share), 2)}), with general-population mortality as a floor on every death "
        f"hazard; {pd_text}. Hazard ratios act on the hazard scale (proportional-hazards families only).")
    rows = []
    for arm in st.arms:
        pfs = arm.pfs_curve + (f" × HR {significant(_pv(ctx, arm.pfs_hazard_ratio), 3)} [{arm.pfs_hazard_ratio}]"
                               if arm.pfs_hazard_ratio else "") + (
            f" with AF [{arm.pfs_acceleration_factor}]" if arm.pfs_acceleration_factor else "")
        os_ = arm.os_curve + (f" × HR [{arm.os_hazard_ratio}]" if arm.os_hazard_ratio else "") + (
            f" with AF [{arm.os_acceleration_factor}]" if arm.os_acceleration_factor else "")
        parts = []
        for t in st.arm_treatments(arm.id):
            stop = _pv(ctx, t.discontinuation_rate)
            parts.append(f"{t.label}: to progression" if not stop else
                         f"{t.label}: PF × exp(−{significant(stop, 3)}·t) [{t.discontinuation_rate}]")
        stop_text = "; ".join(parts) or "none"
        rows.append([arm.label, f"{pfs} ({ctx.bundle.inputs.curves[arm.pfs_curve].family})",
                     f"{os_} ({ctx.bundle.inputs.curves[arm.os_curve].family})", stop_text])
    w.table("Survival curves and treatment effect by arm (base case)", ("Arm", "PFS (PF exits)", "OS",
            "Treatment duration"), rows, (3.4, 5.0, 4.2, 3.4), align="llll",
            notes=["Curve ids refer to survival_models.csv; parameter ids in brackets to parameters.csv."])


def features_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("features", "Population, comparators, perspective, time horizon and discounting")
    alive = {arm: 1.0 - float(b.base_case.outcomes.trace.dead[0, j, -1]) for j, arm in enumerate(b.base_case.outcomes.arms)}
    reference = s.discount_rate_costs == 0.035 and s.discount_rate_outcomes == 0.035  # NICE reference case
    lifetime = max(alive.values()) < LIFETIME_ALIVE
    life_source = _life_table_source(ctx)
    w.paragraph(
        f"The modelled population is that of the pivotal trial and the decision problem ({s.title}). The cohort "
        f"starts at age {s.start_age:g} years; background mortality is taken from {life_source}. The intervention is "
        f"{ctx.intervention} and the comparator {ctx.comparator}, the control arm of the pivotal trial. No subgroups "
        f"are analysed.")
    w.paragraph(
        f"Costs are from the {s.perspective} perspective in {s.country}; health effects are QALYs of patients. The time "
        f"horizon of {s.horizon_years:g} years is "
        + ("a lifetime horizon" if lifetime else "shorter than a lifetime") + ": at its end "
        + ", ".join(f"{percent(alive[a], 2)} of the {ctx.labels[a]} cohort" for a in alive)
        + " remain alive. "
        + (f"Costs and QALYs are discounted at {percent(s.discount_rate_costs)} per year, the NICE reference case."
           if reference else f"Costs are discounted at {percent(s.discount_rate_costs)} and outcomes at "
           f"{percent(s.discount_rate_outcomes)} per year" + (" (the NICE reference case is 3.5% for both)."
                                                               if ctx.nice else ".")))
    version = b.manifest.version
    rows = [
        ["Population", s.title, "Population of the pivotal trial and of the decision problem"],
        ["Starting age", f"{s.start_age:g} years", "Median age of the trial population"],
        ["Intervention", ctx.intervention, "Technology appraised"],
        ["Comparator", ctx.comparator, "Control arm of the trial; current care"],
        ["Perspective", f"{s.perspective} ({s.country})", "NICE reference case" if ctx.nice else
         "Perspective of the decision maker"],
        ["Outcomes", "QALYs, life years, costs; ICER and net monetary benefit", "Cost–utility analysis"],
        ["Time horizon", f"{s.horizon_years:g} years", ("Lifetime: " if lifetime else "Shorter than a lifetime: ")
         + "; ".join(f"{percent(alive[a], 2)} alive at the end ({ctx.labels[a]})" for a in alive)],
        ["Cycle length", f"{s.cycle_length_days:g} days ({number(s.cycle_months, 2)} months)",
         "Short relative to the median PFS of the comparator arm"],
        ["Within-cycle correction", CORRECTION_TEXT.get(s.within_cycle_correction, s.within_cycle_correction),
         "Drug acquisition is paid at the start of each cycle, uncorrected"],
        ["Discount rates", f"Costs {percent(s.discount_rate_costs)}, outcomes {percent(s.discount_rate_outcomes)} "
         "per year", "NICE reference case" if reference else
         "Non-reference-case rates" if ctx.nice else "Rates of the decision maker's guidance"],
        ["Currency and price year", f"{s.currency} {s.price_year}", "Costs inflated to one price year"],
        ["Utility age adjustment", "Yes" if s.utility_age_adjustment else "No",
         "Utilities capped at and moved with general-population norms" if s.utility_age_adjustment else ""],
        ["Treatment-effect waning", "None" if math.isinf(s.waning_start_months) else
         f"From {s.waning_start_months:g} to {s.waning_end_months:g} months", "Varied in scenarios"],
        ["Software", f"cea {version} (Python {b.manifest.python}, numpy {b.manifest.numpy})",
         "Executable code; Excel replica workbook"],
    ]
    w.table("Features of the economic analysis", ("Factor", "Chosen value", "Justification"), rows, (3.4, 7.0, 5.6),
            align="lll")


def _life_table_source(ctx: AppendixContext) -> str:
    try:
        with open(ctx.bundle.inputs.folder / "life_table.csv", newline="", encoding="utf-8") as handle:
            sources = {row.get("source", "") for row in csv.DictReader(handle)} - {""}
        return "; ".join(sorted(sources)) or "the life table in life_table.csv"
    except OSError:
        return "the life table in life_table.csv"


# --------------------------------------------------------------------------- adverse events, utilities, costs
def adverse_events_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    inputs = b.inputs
    ctx.section("adverse_events", "Adverse events")
    arms = list(b.base_case.outcomes.arms)
    events: dict[str, dict] = {}
    for ae in inputs.structure.adverse_events:
        entry = events.setdefault(ae.label or ae.id, {"cost": ae.cost, "disutility": ae.disutility,
                                                      "duration": ae.duration_days, "rates": {}})
        entry["rates"][ae.arm] = ae.rate
    w.paragraph(
        "Grade 3/4 adverse events are the proportion of each arm that experiences them, spread over the time on "
        "treatment (a share ToT_k / Σ ToT of the events in cycle k) and discounted where they fall: per patient the "
        "cost is rate × unit cost, the QALY loss rate × disutility × duration. Rates are from "
        "the pivotal trial's safety population; unit costs and disutilities are listed with their sources in the "
        "parameter tables.")
    if not events:
        w.paragraph("The inputs define no adverse events.", italic=True)
    else:
        rows = []
        for label, e in events.items():
            rows.append([label] + [percent(_pv(ctx, e["rates"].get(a)), 1) if e["rates"].get(a) else "—" for a in arms]
                        + [ctx.money(_pv(ctx, e["cost"]), 2), number(_pv(ctx, e["disutility"]), 3),
                           significant(_pv(ctx, e["duration"]), 3)])
        summaries = {a: b.base_case.arm_summary(a) for a in arms}
        rows.append(["Cost per patient (discounted)"]
                    + [ctx.money(summaries[a]["costs_by_category"].get("adverse_events", 0.0)) for a in arms]
                    + ["", "", ""])
        rows.append(["QALY loss per patient (discounted)"]
                    + [number(-summaries[a]["qalys_by_state"].get("AE", 0.0), 4) for a in arms] + ["", "", ""])
        header = ["Adverse event (grade 3/4)"] + [f"Rate\n{ctx.labels[a]}" for a in arms] + ["Unit cost", "Disutility",
                                                                                              "Duration (days)"]
        widths = [4.2] + [2.6] * len(arms) + [2.2, 2.2, 2.2]
        w.table("Grade 3/4 adverse events: rates by arm, unit costs, disutilities and durations", header, rows, widths,
                bold_rows=(len(rows) - 2, len(rows) - 1))
    parameter_table(ctx, "Adverse-event parameters (rates and durations)", parameter_groups(ctx)["adverse_events"])


def utilities_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    st = b.inputs.structure
    ctx.section("utilities", "Health-related quality of life")
    age = (" State utilities are adjusted for age: they move with the general-population EQ-5D norm as the cohort "
           "ages (Ara and Brazier 2010) and never exceed it." if s.utility_age_adjustment else
           " State utilities are not adjusted for age in this run.")
    w.paragraph(
        f"Health-state utilities are {number(_pv(ctx, st.utility_pf), 3)} in progression-free disease and "
        f"{number(_pv(ctx, st.utility_pd), 3)} after progression, applied to the time spent in each state.{age} "
        "Adverse-event disutilities are one-off QALY losses (section on adverse events). The sources, the "
        "uncertainty and any departure from the NICE reference case (EQ-5D-3L valued with UK population "
        "preferences) are given for each value in the table below." + _vignette_note(ctx))
    parameter_table(ctx, "Utility values and disutilities", parameter_groups(ctx)["utilities"])


def _vignette_note(ctx: AppendixContext) -> str:
    """A departure from the reference case, said in the text when the state utilities are Lloyd 2006 vignette values."""
    inputs = ctx.bundle.inputs
    pf = inputs.parameters.get(inputs.structure.utility_pf)
    if pf is None or "lloyd" not in pf.source.lower():
        return ""
    return (" The state utilities are standard-gamble valuations of written vignettes by members of the UK public "
            "(Lloyd et al. 2006), not EQ-5D measured in patients: they are outside the NICE reference case. BOLERO-2 "
            "collected EORTC QLQ-C30, not EQ-5D, and no mapped BOLERO-2 EQ-5D values were found in a readable "
            "source; published alternatives are run as scenarios.")


def unit_cost(ctx: AppendixContext, item) -> float:
    inputs = ctx.bundle.inputs
    value = float(np.prod([inputs.parameter_value(p) for p in item.multiply])) if item.multiply else 1.0
    for p in item.divide:
        value /= inputs.parameter_value(p)
    return value


def costs_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("costs", "Costs and healthcare resource use")
    w.paragraph(
        f"Costs are in {s.currency} at {s.price_year} prices from the {s.perspective} perspective"
        + (" (NHS unit costs inflated to the financial year 2023/24 with the NHS Cost Inflation Index; drug prices "
           "are list prices at the date of their source)" if s.currency == "GBP" and s.price_year == 2024 else "")
        + ". Drug acquisition "
        "is paid at the start of each cycle on each drug's own time on treatment (progression-free and not yet "
        "stopped for other reasons: PF(t)·exp(−λt), λ calibrated to published median treatment durations), without "
        "within-cycle correction. Health-state costs accrue per month in PF and PD; one-off "
        "costs are paid at progression and at death; adverse events (the trial's incidence) are spread over the time "
        "on treatment. List prices are "
        "used: confidential discounts are not modelled, and the threshold analysis reports the price at which the "
        "technology would be cost-effective.")
    rows = []
    for item in b.inputs.structure.cost_items:
        arm = "All" if item.arm == "all" else ctx.labels.get(item.arm, item.arm)
        formula = " × ".join(item.multiply) + ((" / " + " / ".join(item.divide)) if item.divide else "")
        rows.append([f"{item.description or item.id}\n[{formula}]", arm,
                     item.category.replace("_", " ").capitalize(), BASIS_LABELS.get(item.basis, item.basis),
                     ctx.money(unit_cost(ctx, item), 2)])
    w.table("Cost items: unit costs and how they accrue", ("Item [unit cost = parameters]", "Arm", "Category", "Basis",
            "Unit cost"), rows, (6.4, 2.4, 2.6, 2.8, 1.8), align="llllr", font_size=7.5)
    parameter_table(ctx, "Cost and resource-use parameters", parameter_groups(ctx)["costs"])
