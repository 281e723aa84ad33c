"""B.3.4 Measurement and valuation of health effects."""

from __future__ import annotations

from cea.appendix.document import (
    AppendixContext,
    number,
)
from cea.appendix.parameters import _pv, parameter_groups, parameter_table


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
        "preferences) are given for each value in the table below.")
    parameter_table(ctx, "Utility values and disutilities", parameter_groups(ctx)["utilities"])
