"""Appendix section B.3.6: the NICE severity modifier, computed by :mod:`cea.analyses.severity` with the
QALY Shortfall Calculator's method and norms (or, for input sets without norms, an approximation that
the section names as such)."""

from __future__ import annotations

from cea.appendix.controls import price_label
from cea.appendix.document import AppendixContext, in_sentence, number, percent


def severity_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    ctx.section("severity", "Severity")
    r = b.severity
    if r is None:
        w.paragraph(f"The severity modifier is a NICE method; this {s.perspective} analysis does not apply it.")
        return
    calculator = r["method"] == "calculator"
    method = (
        "the method and population norms of the QALY Shortfall Calculator "
        f"{ctx.cite('Schneider 2021', 'McNamara 2023')}: quality-adjusted life expectancy by Sullivan's method on the "
        f"annual life table for England 2017–2019 {ctx.cite('ONS England life tables 2017-2019')}, with EQ-5D-3L "
        f"norms by age and sex from the Health Survey for England valued with the UK tariff "
        f"{ctx.cite('HSE 2012 and 2014', 'Dolan 1997')}, for a population that is {percent(s.proportion_female, 0)} "
        "female. The calculator's reference-case norms are the model of Hernandez Alava et al. "
        f"{ctx.cite('Hernandez Alava 2022')} fitted to the Health Survey for England 2014; its coefficients were not "
        "available to this analysis, so the age-band means of the 2012 and 2014 surveys, the calculator's own "
        "alternative norms on the same instrument and tariff, are used" if calculator else
        "the life table and the EQ-5D population norm of the inputs (Ara and Brazier "
        f"{ctx.cite('Ara 2010')}), integrated monthly; an approximation of the QALY Shortfall Calculator, because "
        "this input set holds no calculator norms")
    w.paragraph(
        f"NICE weights QALYs by the severity of the condition under current care {ctx.cite('NICE PMG36')}: the "
        f"absolute and proportional QALY shortfall of patients on {in_sentence(ctx.comparator)} against the general population "
        f"of the same age and sex. General-population QALYs from age {s.start_age:g} are computed with {method}, "
        f"discounted at {percent(s.discount_rate_outcomes)}. The general population can expect "
        f"{number(r['general'], 2)} discounted QALYs and patients on current care {number(r['current'], 2)}: an "
        f"absolute shortfall of {number(r['absolute'], 2)} QALYs and a proportional shortfall of "
        f"{percent(r['proportional'], 1)}, which gives a QALY weight of {r['weight']:g} (Table {ctx.next_table()}).")
    rows = [["General-population QALYs (discounted, remaining lifetime)", number(r["general"], 3)],
            [f"QALYs under current care ({in_sentence(ctx.comparator)}, discounted)", number(r["current"], 3)],
            ["Absolute QALY shortfall", number(r["absolute"], 3)],
            ["Proportional QALY shortfall", percent(r["proportional"], 1)],
            ["Severity weight", f"×{r['weight']:g}"],
            [f"ICER with the severity weight, {price_label(ctx)}",
             ctx.money(r["weighted_icer"]) if r["weighted_icer"] is not None else "—"]]
    w.table("QALY shortfall and severity weight", ("Quantity", "Value"), rows, (11.0, 5.0),
            notes=["Weights (NICE PMG36): ×1.7 if the proportional shortfall is at least 95% or the absolute shortfall "
                   "at least 18 QALYs; ×1.2 if at least 85% or 12 QALYs; otherwise ×1."])
    if r["weight"] > 1:
        w.paragraph(
            f"The weight applies to the QALYs gained wherever NICE uses them for the decision: the base-case ICER "
            "(section B.3.10), the probability of being cost-effective (B.3.11.1), the threshold price (B.3.11) "
            "and the conclusions (B.3.15). The proportional shortfall is "
            f"{number(100 * (r['proportional'] - (0.95 if r['weight'] > 1.2 else 0.85)), 1)} percentage points "
            f"above the {95 if r['weight'] > 1.2 else 85}% cut-off, so the band "
            "does not depend on the small differences between published population norms.")
