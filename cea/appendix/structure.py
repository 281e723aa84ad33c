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
    ctx.figure("state_diagram", "Model structure: health states and the transitions allowed between them")
    pd_text = ("each cycle's post-progression death probability is set so that modelled overall survival follows the "
               "arm's fitted OS curve" if s.pd_mortality == "os_tracking" else
               "post-progression death follows a constant monthly rate")
    w.paragraph(
        f"Transition probabilities come from parametric survival curves: p(t) = 1 − S(t)/S(t − Δ) per cycle. Exits from "
        f"PF are split into progression and death by the share of PFS events that are deaths "
        f"({number(_pv(ctx, st.pf_death_share), 2)}), with general-population mortality as a floor on every death "
        f"hazard; {pd_text}. Hazard ratios act on the hazard scale (proportional-hazards families only).")
    rows = []
    for arm in st.arms:
        pfs = arm.pfs_curve + (f" × HR {significant(_pv(ctx, arm.pfs_hazard_ratio), 3)} [{arm.pfs_hazard_ratio}]"
                               if arm.pfs_hazard_ratio else "") + (
            f" with AF [{arm.pfs_acceleration_factor}]" if arm.pfs_acceleration_factor else "")
        os_ = arm.os_curve + (f" × HR [{arm.os_hazard_ratio}]" if arm.os_hazard_ratio else "") + (
            f" with AF [{arm.os_acceleration_factor}]" if arm.os_acceleration_factor else "")
        parts = []
        for t in st.arm_treatments(arm.id):
            stop = _pv(ctx, t.discontinuation_rate)
            parts.append(f"{t.label}: to progression" if not stop else
                         f"{t.label}: PF × exp(−{significant(stop, 3)}·t) [{t.discontinuation_rate}]")
        stop_text = "; ".join(parts) or "none"
        rows.append([arm.label, f"{pfs} ({ctx.bundle.inputs.curves[arm.pfs_curve].family})",
                     f"{os_} ({ctx.bundle.inputs.curves[arm.os_curve].family})", stop_text])
    w.table("Survival curves and treatment effect by arm (base case)", ("Arm", "PFS (PF exits)", "OS",
            "Treatment duration"), rows, (3.4, 5.0, 4.2, 3.4), align="llll",
            notes=["Curve ids refer to survival_models.csv; parameter ids in brackets to parameters.csv."])
