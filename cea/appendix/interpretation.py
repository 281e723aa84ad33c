"""B.3.15 Interpretation and conclusions of economic evidence."""

from __future__ import annotations

import math

from cea.appendix.base_case import icer_sentence, wtp_text
from cea.appendix.document import (
    AppendixContext,
    number,
    percent,
    qalys,
)


# --------------------------------------------------------------------------- interpretation
def interpretation_section(ctx: AppendixContext) -> None:
    b, w, s = ctx.bundle, ctx.w, ctx.s
    ctx.section("interpretation", "Interpretation and limitations")
    inc = b.base_case.to_dict()["incremental"]
    summary = b.psa.summary()
    primary = f"{s.primary_wtp:g}"
    p_ce = summary["prob_cost_effective"].get(primary, {}).get(s.intervention)
    threshold = b.threshold.table
    price = threshold[threshold["wtp"] == s.primary_wtp]
    findings = [f"{icer_sentence(ctx, inc)} ({qalys(inc['qalys'])} QALYs gained at an additional "
                f"{ctx.money(inc['costs'])})."]
    if p_ce is not None:
        findings.append(f"The probability that {ctx.intervention} is cost-effective at {wtp_text(ctx, s.primary_wtp)} "
                        f"is {percent(p_ce, 1)}.")
    if len(price) and math.isfinite(float(price["threshold_value"].iloc[0])):
        r = price.iloc[0]
        findings.append(f"At {wtp_text(ctx, s.primary_wtp)} the price parameter [{r['parameter']}] would need to be "
                        f"{ctx.money(r['threshold_value'], 2)} instead of {ctx.money(r['base_value'], 2)} "
                        f"({number(r['relative_change_pct'], 1)}%).")
    w.paragraph(" ".join(findings))
    assumptions = [p.id for p in b.inputs.parameters.values() if p.is_assumption]
    limitations = []
    if assumptions:
        limitations.append(f"{len(assumptions)} of {len(b.inputs.parameters)} scalar parameters are assumptions "
                           f"(flagged ‡ in the parameter tables): {', '.join(assumptions)}. All are varied in the "
                           "one-way and probabilistic analyses unless fixed with a stated reason.")
    fitted = set(getattr(b.fits, "endpoints", {}) or {}) if b.fits is not None else set()
    if "pfs" not in fitted:
        limitations.append("No patient-level PFS data were available: PFS curves are calibrated to published medians "
                           "and the hazard ratio, so within-trial fit can be checked only at the medians.")
    if b.validation is not None and not b.validation.passed:
        limitations.append("Some validation checks fail (see the validation section).")
    limitations.append("List prices are used; confidential commercial arrangements are not modelled (see the threshold "
                       "analysis).")
    limitations.append("No subgroup analyses and no patient or public involvement in the model's design; "
                       "equity effects other than those of the NICE severity modifier are not quantified.")
    w.paragraph("", bold_lead="Limitations")
    w.bullets(limitations)
