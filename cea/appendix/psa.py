"""B.3.11.1 Probabilistic sensitivity analysis."""

from __future__ import annotations

import numpy as np

from cea.appendix.base_case import icer_sentence, wtp_text
from cea.appendix.strategies import psa_strategies
from cea.appendix.document import (
    AppendixContext,
    icer,
    in_sentence,
    percent,
    qalys,
)


def psa_rows(ctx: AppendixContext) -> list[list[str]]:
    """Deterministic vs probabilistic results: the probabilistic columns are psa.summary() values."""
    b = ctx.bundle
    summary = b.psa.summary()
    det = b.base_case.to_dict()
    psa = b.psa
    rows = []
    for j, arm in enumerate(psa.arms):
        d, m = det["arms"][arm], summary["mean"][arm]
        c_lo, c_hi = np.quantile(psa.costs[:, j], [0.025, 0.975])
        q_lo, q_hi = np.quantile(psa.qalys[:, j], [0.025, 0.975])
        rows.append([f"Total costs, {ctx.labels[arm]}", ctx.money(d["costs"]), ctx.money(m["costs"]),
                     f"{ctx.money(c_lo)} to {ctx.money(c_hi)}"])
        rows.append([f"Total QALYs, {ctx.labels[arm]}", qalys(d["qalys"]), qalys(m["qalys"]),
                     f"{qalys(q_lo)} to {qalys(q_hi)}"])
    inc, dinc = summary["incremental"], det["incremental"]
    rows.append(["Incremental costs", ctx.money(dinc["costs"]), ctx.money(inc["costs"]),
                 f"{ctx.money(inc['costs_95ci'][0])} to {ctx.money(inc['costs_95ci'][1])}"])
    rows.append(["Incremental QALYs", qalys(dinc["qalys"]), qalys(inc["qalys"]),
                 f"{qalys(inc['qalys_95ci'][0])} to {qalys(inc['qalys_95ci'][1])}"])
    rows.append(["Incremental LYs", qalys(dinc["lys"]), qalys(inc["lys"]), ""])
    rows.append(["ICER (per QALY gained)", icer(dinc["icer"], dinc["status"], ctx.currency),
                 icer(inc["icer"], inc["status"], ctx.currency), "Ratio of means"])
    for wtp, value in inc["nmb"].items():
        rows.append([f"INMB at {wtp_text(ctx, wtp)}", ctx.money(dinc["nmb"][wtp]), ctx.money(value),
                     f"Monte Carlo SE {ctx.money(inc['nmb_mcse'][wtp])}"])
    return rows


def acceptability_rows(ctx: AppendixContext) -> list[list[str]]:
    summary = ctx.bundle.psa.summary()
    return [[wtp_text(ctx, wtp)] + [percent(probs[a], 1) for a in ctx.bundle.psa.arms] + [ctx.money(summary["evpi"][wtp])]
            for wtp, probs in summary["prob_cost_effective"].items()]


def weighted_probability_text(ctx: AppendixContext) -> str:
    """The probability of cost-effectiveness with severity-weighted QALYs (where NICE applies the weight)."""
    from cea.analyses.severity import weighted_acceptability
    from cea.appendix.base_case import weight

    w_ = weight(ctx)
    if w_ <= 1:
        return ""
    probs = weighted_acceptability(ctx.bundle.psa, w_, ctx.s.wtp_thresholds)
    return (f" With the severity weight of {w_:g} on the QALYs gained, the probability that {in_sentence(ctx.intervention)} is "
            "cost-effective is " + " and ".join(f"{percent(p, 1)} at {wtp_text(ctx, x)}" for x, p in probs.items())
            + ".")


def quadrant_text(ctx: AppendixContext) -> str:
    """How many iterations fall in each quadrant of the cost-effectiveness plane, and how many lose life years."""
    psa = ctx.bundle.psa
    d_costs, d_qalys = psa.incremental()
    i, c = psa.arm_index(ctx.s.intervention), psa.arm_index(ctx.s.comparator)
    d_lys = psa.lys[:, i] - psa.lys[:, c]
    n = len(d_costs)
    ne = np.mean((d_qalys > 0) & (d_costs > 0))
    lose = np.mean(d_qalys < 0)
    return (f" Of the {n:,} iterations, {percent(ne, 1)} lie in the north-east quadrant (more costly, more effective) "
            f"and {percent(lose, 1)} give fewer QALYs with {in_sentence(ctx.intervention)}; {percent(float(np.mean(d_lys < 0)), 1)} "
            "give fewer life years, a consequence of the uncertain overall-survival benefit.")


def _switch_text(ctx: AppendixContext) -> str:
    frame = ctx.bundle.psa.ceac_frame()
    optimal = frame["ceaf_strategy"].to_numpy()
    best = np.flatnonzero(optimal == ctx.s.intervention)
    grid_max = float(frame["wtp"].max())
    if best.size == 0:
        return (f"{ctx.comparator} has the highest expected net benefit at every threshold up to "
                f"{ctx.money(grid_max)} per QALY, so the acceptability frontier follows its curve.")
    first = float(frame["wtp"].iloc[best[0]])
    if first == 0:
        return f"{ctx.intervention} has the highest expected net benefit at every threshold considered."
    return (f"{ctx.intervention} has the highest expected net benefit from a threshold of about "
            f"{ctx.money(first)} per QALY (grid step {ctx.money(ctx.s.wtp_grid_step)}); the frontier switches there.")


def psa_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("psa", "Probabilistic sensitivity analysis")
    summary = b.psa.summary()
    inc = summary["incremental"]
    det = b.base_case.to_dict()["incremental"]
    gap = (inc["qalys"] - det["qalys"]) / det["qalys"] if det["qalys"] else float("nan")
    probs = summary["prob_cost_effective"]
    prob_text = "; ".join(f"{percent(p[ctx.s.intervention], 1)} at {wtp_text(ctx, wtp)}" for wtp, p in probs.items())
    w.paragraph(
        f"All uncertain parameters were sampled jointly in {summary['iterations']:,} iterations (seed "
        f"{summary['seed']}): beta distributions for probabilities, proportions and utilities, gamma for costs and "
        "durations, log-normal for hazard ratios, Dirichlet for the dose mix and multivariate normal for the "
        f"coefficients of each survival curve (Briggs et al. {ctx.cite('Briggs 2006')}). The same draw feeds "
        f"{'both' if len(ctx.labels) == 2 else 'all'} arms. The probabilistic "
        "ICER is the ratio of mean incremental costs to mean incremental QALYs. "
        + icer_sentence(ctx, {"icer": inc["icer"], "status": inc["status"]}, prefix="The probabilistic ICER")
        + f", against {icer(det['icer'], det['status'], ctx.currency)} deterministically; mean incremental QALYs "
        f"differ from the deterministic value by {percent(gap, 1)}"
        + (" (above 5%: non-linearity in the model)" if abs(gap) > 0.05 else "")
        + f". The probability that {in_sentence(ctx.intervention)} is cost-effective is {prob_text}."
        + weighted_probability_text(ctx) + quadrant_text(ctx))
    w.table("Probabilistic and deterministic base-case results", ("Outcome", "Deterministic", "Probabilistic (mean)",
            "95% interval"), psa_rows(ctx), (5.4, 3.0, 3.0, 4.6))
    psa_strategies(ctx)  # more than two arms: the fully incremental table on the PSA means
    header = ["Threshold"] + [ctx.labels[a] for a in b.psa.arms] + ["EVPI per patient"]
    w.table("Probability of being cost-effective and expected value of perfect information", header,
            acceptability_rows(ctx), [4.0] + [4.0] * len(b.psa.arms) + [4.0],
            groups=[("", 1), ("Probability cost-effective", len(b.psa.arms)), ("", 1)])
    ctx.figure("ce_plane", "Cost-effectiveness plane: incremental costs and QALYs of each PSA iteration",
               width_cm=14.0)
    w.paragraph(_switch_text(ctx))
    ctx.figure("ceac", "Cost-effectiveness acceptability curves and frontier (CEAC, CEAF)", width_cm=14.0)
    if "convergence" in ctx.figures:
        mcse = " and ".join(f"{ctx.money(v)} at {wtp_text(ctx, k)}" for k, v in inc["nmb_mcse"].items())
        w.paragraph(f"Convergence: the running mean of the INMB stabilises as iterations accumulate; the Monte Carlo "
                    f"standard error of the mean INMB is {mcse} (Hatswell et al. {ctx.cite('Hatswell 2018')}).")
        ctx.figure("convergence", f"PSA convergence: running mean INMB at {wtp_text(ctx, ctx.s.primary_wtp)} with its "
                   "95% Monte Carlo interval", width_cm=14.0)
