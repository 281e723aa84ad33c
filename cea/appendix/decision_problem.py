"""B.3.2 Economic analysis: population, comparators, perspective, time horizon and discounting."""

from __future__ import annotations

import csv
import math

from cea.appendix.document import (
    AppendixContext,
    number,
    percent,
)
from cea.appendix.structure import CORRECTION_TEXT

LIFETIME_ALIVE = 0.001  # HTA_METHODS MS-3: a lifetime horizon leaves fewer than 0.1% alive


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
