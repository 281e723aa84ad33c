"""B.3.13 Benefits not captured in the QALY calculation, and equality considerations (Document B, B.1.4)."""

from __future__ import annotations

from cea.appendix.prose import prose
from cea.appendix import statements
from cea.appendix.document import AppendixContext


def qaly_benefits_section(ctx: AppendixContext) -> None:
    ctx.section("qaly_benefits", "Benefits not captured in the QALY calculation")
    ctx.w.paragraph(
        "The QALY calculation includes the health effects of patients only. "
        + prose(ctx, "discussion", "benefits_not_captured",
                "Not captured: effects on carers and family, in line with the reference case, and grade 1 and 2 "
                "adverse events, which reduce quality of life without being counted. None of these was quantified.")
        )


def equality_section(ctx: AppendixContext) -> None:
    ctx.section("equality", "Equality considerations")
    who = statements.licensed_population(ctx)
    ctx.w.paragraph(
        f"The marketing authorisation, and so any recommendation, covers {who} with the condition, "
        + prose(ctx, "discussion", "licence_population", "the population of the pivotal trial; people outside the "
                "licence (for example men with breast cancer) are outside the scope of the appraisal").rstrip(".")
        + ". Sex and age are protected characteristics, but the analysis raises no equality issue beyond "
        "the licensed indication: a recommendation would apply to everyone within it. The severity modifier uses "
        f"general-population norms for the modelled population ({statements.population(ctx)}), as NICE's method "
        "requires.")
