"""B.3.2 Economic analysis: model structure, cycle length, within-cycle correction."""

from __future__ import annotations

from cea.appendix.document import (
    AppendixContext,
    number,
    significant,
)
from cea.appendix.parameters import _pv

BASIS_LABELS = {
    "per_day_on_treatment": "per day on treatment (cycle start)",
    "per_month_in_pf": "per month in PF",
    "per_month_in_pd": "per month in PD",
    "per_progression": "once at progression",
    "per_death": "once at death",
    "at_start": "once at the start",
}


FAMILY_NAMES = {"exponential": "Exponential", "weibull": "Weibull", "gompertz": "Gompertz",
                "loglogistic": "Log-logistic", "lognormal": "Log-normal", "gengamma": "Generalised gamma"}

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
    w.paragraph(
        f"A cohort state-transition (Markov) model with three mutually exclusive health states — progression-free "
        f"(PF), progressed disease (PD) and dead — was built to compare {ctx.intervention} with {ctx.comparator}. "
        f"The cohort starts in PF. In each cycle of {s.cycle_length_days:g} days patients may remain in their state, "
        f"progress (PF → PD) or die (PF → Dead, PD → Dead); there is no return from PD to PF and death is absorbing "
        f"(Figure {w.figures + 1}). This structure is the standard for advanced breast cancer appraisals, where the "
        f"clinical evidence is reported as progression-free and overall survival.")
    ctx.figure("state_diagram", "Model structure: health states and the transitions allowed between them",
               intro="")
    pd_text = ("each cycle's post-progression death probability is set so that modelled overall survival follows the "
               "arm's fitted OS curve" if s.pd_mortality == "os_tracking" else
               "post-progression death follows a constant monthly rate")
    w.paragraph(
        f"Transition probabilities come from parametric survival curves: p(t) = 1 − S(t)/S(t − Δ) per cycle. Exits from "
        f"PF are split into progression and death by the share of PFS events that are deaths "
        f"({number(_pv(ctx, st.pf_death_share), 2)}), with general-population mortality as a floor on every death "
        f"hazard; {pd_text}. Hazard ratios act on the hazard scale (proportional-hazards families only).")
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
