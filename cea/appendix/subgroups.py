"""B.3.12 Subgroup analysis."""

from __future__ import annotations

from cea.appendix.document import AppendixContext


def subgroups_section(ctx: AppendixContext) -> None:
    ctx.section("subgroups", "Subgroup analysis")
    ctx.w.paragraph(
        "No subgroup cost-effectiveness analysis is presented. "
        + ("Prespecified subgroups of the pivotal trial, for "
           f"example patients with visceral metastases{ctx.cite_if('Campone 2013')} and patients whose last therapy "
           f"was in the (neo)adjuvant setting{ctx.cite_if('Beck 2014')}, reported progression-free survival benefits "
           "in line with the whole population, but " if ctx.cite_if('Campone 2013') else "In the pivotal trial ")
        + "overall survival, time on treatment, adverse events and utilities by "
        "subgroup were not available to the model. A subgroup analysis would therefore change only the PFS input and "
        "would not address the heterogeneity a committee would consider (for example prior CDK4/6 inhibitor "
        "treatment, which no patient in the trial had received).")
