"""B.3.4 Measurement and valuation of health effects."""

from __future__ import annotations

from cea.appendix.prose import prose
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
           f"ages (Ara and Brazier {ctx.cite('Ara 2010')}) and never exceed it." if s.utility_age_adjustment else
           " State utilities are not adjusted for age in this run.")
    w.paragraph(
        f"Health-state utilities are {number(_pv(ctx, st.utility_pf), 3)} in progression-free disease and "
        f"{number(_pv(ctx, st.utility_pd), 3)} after progression, applied to the time spent in each state.{age} "
        "Adverse-event disutilities are one-off QALY losses (section on adverse events). "
        + (f"The state utilities are standard-gamble values from UK members of the public valuing vignettes"
           f"{ctx.cite_if('Lloyd 2006')}: a departure from the NICE reference case, which prefers EQ-5D-3L measured in "
           f"patients and valued with UK population preferences {ctx.cite('NICE PMG36')}. "
           + (f"{qol.rstrip('.')}; the utilities" if (qol := prose(ctx, "clinical_evidence", "quality_of_life"))
              else "The utilities") + " are varied in "
           "the deterministic and probabilistic analyses. " if ctx.cite_if('Lloyd 2006') else "")
        + f"Table {ctx.next_table()} gives each value with its source and uncertainty.")
    parameter_table(ctx, "Utility values and disutilities", parameter_groups(ctx)["utilities"])
