"""Appendix section B.3.6: the NICE severity modifier, computed by :mod:`cea.analyses.severity`."""

from __future__ import annotations

from cea.analyses.severity import severity
from cea.appendix.document import AppendixContext, number, percent


def severity_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("severity", "Severity")
    r = severity(b.base_case)
    w.paragraph(
        f"The severity modifier weights QALYs by the QALY shortfall of people with the condition under current care "
        f"({ctx.comparator}) relative to the general population of the same age (NICE PMG36). From age "
        f"{s.start_age:g} the general population can expect {number(r['general'], 2)} discounted QALYs and patients "
        f"on current care {number(r['current'], 2)}: an absolute shortfall of {number(r['absolute'], 2)} and a "
        f"proportional shortfall of {percent(r['proportional'], 1)}, which gives a QALY weight of "
        f"{r['weight']:g}."
        + (f" With this weight the ICER is {ctx.money(r['weighted_icer'])} per weighted QALY gained."
           if r["weighted_icer"] is not None and r["weight"] > 1 else ""))
    rows = [["General-population QALYs (discounted, remaining lifetime)", number(r["general"], 3)],
            [f"QALYs under current care ({ctx.comparator}, discounted)", number(r["current"], 3)],
            ["Absolute QALY shortfall", number(r["absolute"], 3)],
            ["Proportional QALY shortfall", percent(r["proportional"], 1)],
            ["Severity weight", f"×{r['weight']:g}"],
            ["ICER with the severity weight", ctx.money(r["weighted_icer"]) if r["weighted_icer"] is not None
             else "—"]]
    w.table("QALY shortfall and severity weight", ("Quantity", "Value"), rows, (11.0, 5.0),
            notes=["Weights: ×1.7 if the proportional shortfall is at least 95% or the absolute shortfall at least 18 "
                   "QALYs; ×1.2 if at least 85% or 12 QALYs; otherwise ×1. General-population QALYs from the life "
                   "table and the EQ-5D population norm in the inputs (Ara and Brazier 2010), discounted at "
                   f"{percent(s.discount_rate_outcomes)}; an approximation of the NICE QALY-shortfall calculator, "
                   "which uses other population norms."])
