"""B.3.5 Cost and healthcare resource use identification, measurement and valuation."""

from __future__ import annotations

import numpy as np

from cea.appendix.document import (
    AppendixContext,
    percent,
)
from cea.appendix import statements
from cea.appendix.parameters import parameter_groups, parameter_table
from cea.appendix.structure import BASIS_LABELS


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
        f"Costs are in {s.currency} at {s.price_year} prices from the {s.perspective} perspective. Drug acquisition "
        "is paid at the start of each cycle while the patient is on the drug (time on treatment, section B.3.3), "
        "without within-cycle correction. Health-state costs accrue per month in PF and PD; one-off costs are paid "
        "at progression and at death"
        + (f"; subsequent therapy is {sub}" if (sub := statements.subsequent_therapy(ctx)) else "")
        + f"; {statements.adverse_event_timing_short(ctx)} (the trial's incidence). Prices are "
        + (f"net of a confidential discount of {percent(s.pas_discount, 1)} on the list price of the technology; "
           "list-price results are given beside the base case (section B.3.10)."
           if s.pas_discount > 0 else "list prices; the threshold analysis reports the price at which the technology "
           "would be cost-effective."))
    rows = []
    for item in b.inputs.structure.cost_items:
        arm = "All" if item.arm == "all" else ctx.labels.get(item.arm, item.arm)
        rows.append([item.description or item.id, arm,
                     item.category.replace("_", " ").capitalize(), BASIS_LABELS.get(item.basis, item.basis),
                     ctx.money(unit_cost(ctx, item), 2)])
    w.table("Cost items: unit costs and how they accrue", ("Item", "Arm", "Category", "Basis",
            "Unit cost"), rows, (6.4, 2.4, 2.6, 2.8, 1.8), align="llllr", font_size=7.5)
    parameter_table(ctx, "Cost and resource-use parameters", parameter_groups(ctx)["costs"])
