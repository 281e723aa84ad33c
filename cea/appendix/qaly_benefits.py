"""B.3.13 Benefits not captured in the QALY calculation, and equality considerations (Document B, B.1.4)."""

from __future__ import annotations

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
    ctx.w.paragraph(
        f"The population is {'women' if ctx.s.proportion_female == 1 else 'people'} with advanced breast cancer; sex "
        "and age are protected characteristics, but the analysis raises no equality issue beyond the condition "
        "itself: the recommendation would apply to everyone eligible. The severity modifier uses general-population "
        "norms for the sex mix of the trial population, as NICE's method requires. Men with breast cancer, who were "
        "not included in the trial, would be expected to be covered by the same recommendation.")
