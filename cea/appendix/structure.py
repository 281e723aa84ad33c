"""B.3.2 Economic analysis: model structure, cycle length, within-cycle correction."""

from __future__ import annotations

from cea.appendix import statements
from cea.appendix.document import (
    AppendixContext,
    in_sentence,
    significant,
)
from cea.appendix.parameters import _pv
from cea.analyses.survival_fits import FAMILY_LABELS as FAMILY_NAMES

BASIS_LABELS = {
    "per_day_on_treatment": "per day on treatment (cycle start)",
    "per_month_in_pf": "per month in PF",
    "per_month_in_pd": "per month in PD",
    "per_progression": "once at progression",
    "per_death": "once at death",
    "at_start": "once at the start",
}



CORRECTION_TEXT = {
    "half_cycle": "Half-cycle (trapezoidal) correction of occupancy-based outcomes and costs",
    "simpson": "Simpson's 1/3 rule on occupancy-based outcomes and costs",
    "none": "None (occupancy at the start of each cycle)",
}


# --------------------------------------------------------------------------- structure and features
def structure_section(ctx: AppendixContext) -> None:
    b, s, w = ctx.bundle, ctx.s, ctx.w
    st = b.inputs.structure
    ctx.section("structure", "Model structure")
    psm = statements.is_psm(ctx)
    w.paragraph(
        f"A {statements.model_noun(ctx)} with three mutually exclusive health states — progression-free "
        f"(PF), progressed disease (PD) and dead — was built to compare {in_sentence(ctx.intervention)} with {in_sentence(ctx.comparator)}. "
        f"The cohort starts in PF. In each cycle of {s.cycle_length_days:g} days patients may remain in their state, "
        "progress (PF → PD) or die (PF → Dead, PD → Dead); there is no return from PD to PF and death is absorbing "
        f"(Figure {w.figures + 1}). This structure is the standard for advanced breast cancer appraisals, where the "
        "clinical evidence is reported as progression-free and overall survival.")
    ctx.figure("state_diagram", "Model structure: health states and the transitions allowed between them",
               intro="")
    w.paragraph(f"{statements.structure_sentence(ctx)} {statements.upper_first(statements.pd_mortality(ctx))}. "
                + ("" if psm else "Hazard ratios act on the hazard scale (proportional-hazards families only). ")
                + f"{statements.curve_sentence(ctx, 'os')}; {statements.waning(ctx)}.")
    rows = []
    curves = ctx.bundle.inputs.curves
    for arm in st.arms:
        def effect(endpoint):
            text = FAMILY_NAMES.get(curves[getattr(arm, f"{endpoint}_curve")].family, "")
            hr, af = getattr(arm, f"{endpoint}_hazard_ratio"), getattr(arm, f"{endpoint}_acceleration_factor")
            if hr:
                text += f" × hazard ratio {significant(_pv(ctx, hr), 3)}"
            if af:
                text += f" with acceleration factor {significant(_pv(ctx, af), 3)}"
            own = not hr and not af and getattr(arm, f"{endpoint}_curve") != getattr(
                st.arms[0] if arm is not st.arms[0] else st.arms[-1], f"{endpoint}_curve")
            return text + (" (fitted to this arm)" if own else "")
        parts = []
        for t in st.arm_treatments(arm.id):
            stop = _pv(ctx, t.discontinuation_rate)
            parts.append(f"{t.label}: to progression" if not stop else
                         f"{t.label}: PF × exp(−{significant(stop, 3)}·t)")
        stop_text = "; ".join(parts) or "none"
        rows.append([arm.label, effect("pfs"), effect("os"), stop_text])
    w.paragraph(f"Table {ctx.next_table()} gives the survival curves and treatment effects of each arm.")
    w.table("Survival curves and treatment effect by arm (base case)", ("Arm", "PFS (PF exits)", "OS",
            "Treatment duration"), rows, (3.4, 5.0, 4.2, 3.4), align="llll",
            notes=["Distributions and their coefficients are in section B.3.3."])
