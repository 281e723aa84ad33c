"""B.3.12 Subgroup analysis."""

from __future__ import annotations

from cea.appendix.prose import prose
from cea.appendix.document import AppendixContext


def subgroups_section(ctx: AppendixContext) -> None:
    ctx.section("subgroups", "Subgroup analysis")
    ctx.w.paragraph(
        "No subgroup cost-effectiveness analysis is presented. "
        + prose(ctx, "clinical_evidence", "subgroups",
                "Overall survival, time on treatment, adverse events and utilities by subgroup were not available to "
                "the model."))
