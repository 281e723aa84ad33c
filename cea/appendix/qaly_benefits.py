"""B.3.13 Benefits not captured in the QALY calculation, and equality considerations (Document B, B.1.4)."""

from __future__ import annotations

from cea.appendix import statements
from cea.appendix.document import AppendixContext


def qaly_benefits_section(ctx: AppendixContext) -> None:
    ctx.section("qaly_benefits", "Benefits not captured in the QALY calculation")
    ctx.w.paragraph(
        f"The QALY calculation includes the health effects of patients only. Not captured: {ctx.intervention} is "
        "taken by mouth at home, so it needs no infusion visits, but the monitoring it requires (blood glucose, lipids "
        "and, for pneumonitis, clinical review) is costed only as the routine monitoring of the progression-free "
        "state; effects on carers and family are not included, in line with the reference case; and grade 1 and 2 "
        "adverse events (stomatitis especially) reduce quality of life without being counted, which favours the "
        "intervention. None of these was quantified, and none is expected to change the decision.")


def equality_section(ctx: AppendixContext) -> None:
    ctx.section("equality", "Equality considerations")
    who = statements.licensed_population(ctx)
    ctx.w.paragraph(
        f"The marketing authorisation, and so any recommendation, covers {who} with the condition, the population of "
        "the pivotal trial; people outside the licence (for example men with breast cancer) are outside the scope of "
        "the appraisal. Sex and age are protected characteristics, but the analysis raises no equality issue beyond "
        "the licensed indication: a recommendation would apply to everyone within it. The severity modifier uses "
        f"general-population norms for the modelled population ({statements.population(ctx)}), as NICE's method "
        "requires.")
