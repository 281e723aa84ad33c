"""B.3.7 Uncertainty: the key drivers of the result and the main uncertainties, in words, from the run; and
B.3.8, the managed access proposal."""

from __future__ import annotations

from cea.appendix.prose import technology_name, prose
from cea.appendix.document import AppendixContext, in_sentence, lower_first, percent
from cea.appendix.drivers import (
    assumption_parameters,
    drug_cost_share,
    os_hazard_ratio,
    scenario_icer_range,
    share_fewer_life_years,
    top_dsa,
)
from cea.appendix.scenarios import is_structural, scenario_targets


def uncertainty_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("uncertainty", "Key sources of uncertainty")
    points = []
    hr = os_hazard_ratio(ctx)
    if hr is not None:
        h, lo, hi, p = hr
        points.append(
            f"Overall survival. The OS hazard ratio estimated from the reconstructed trial data is {h:.2f} (95% CI "
            f"{lo:.2f}–{hi:.2f}): the survival benefit is not statistically significant. In the PSA "
            f"{percent(share_fewer_life_years(ctx), 1)} of iterations give fewer life years with {in_sentence(ctx.intervention)}. "
            "How OS is extrapolated beyond the trial is the largest structural uncertainty (section B.3.11.4).")
    targets = scenario_targets(ctx)
    structural = [n for n, t in targets.items() if is_structural([x for x, _ in t])]
    span = scenario_icer_range(ctx, structural)
    if span is not None:
        points.append(f"Structural choices. Across the structural scenarios the ICER ranges from {ctx.money(span[0])} "
                      f"to {ctx.money(span[1])} per QALY gained.")
    share = drug_cost_share(ctx)
    if share is not None:
        points.append(f"Treatment duration and drug cost. Drug acquisition is {percent(share, 0)} of the incremental "
                      f"cost, so how long {technology_name(ctx)} is taken and paid for, and its price, drive the ICER; the "
                      "threshold price analysis shows how far the price must fall.")
    drivers = top_dsa(ctx)
    if drivers:
        points.append("Parameters. The one-way analysis is most sensitive to "
                      + "; ".join(f"{lower_first(d)} (ICER {ctx.money(lo)} to {ctx.money(hi)})" for d, lo, hi in drivers)
                      + ".")
    assumptions = assumption_parameters(ctx)
    points.append(f"Evidence. {len(assumptions)} of {len(ctx.bundle.inputs.parameters)} scalar inputs are "
                  "assumptions rather than published estimates (section B.3.9); the utilities are not measured with "
                  "the EQ-5D in patients; progression-free survival is calibrated to published medians and a hazard "
                  "ratio rather than fitted to patient-level data.")
    w.paragraph("The main uncertainties, in order of their effect on the decision, are:")
    w.bullets(points)
    w.heading("Managed access proposal", level=2)
    w.paragraph("No managed access proposal is made."
                + (f" {reason}" if (reason := prose(ctx, "discussion", "managed_access")) else ""))
