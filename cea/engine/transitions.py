"""Per-cycle transition hazards and probabilities from survival curves.

Upstream: survival.py.  Downstream: trace.py.  Pure numpy.  Arrays are time-major,
(n_cycles, n_samples), so that the time loop in the trace reads contiguous rows.

An arm's curve is its own fitted curve, or a reference curve with a hazard ratio
(PH families: H_trt = HR·H_ref, HTA_METHODS F3/F6) or an acceleration factor (AFT
families: S_trt(t) = S_ref(t/AF)).  Curves are turned into per-cycle cumulative-hazard
increments ΔH_k = H(t_k) − H(t_{k−1}), so that p_k = 1 − S(t_k)/S(t_{k−1}) = 1 − exp(−ΔH_k)
(F5) and so that treatment-effect waning can blend two arms' increments.

General-population mortality is a floor on every death hazard (TECH-VER; MS-10): the
cycle hazard of death is max(model hazard, μ_gp(age)·Δ), μ_gp = −ln(1 − q_x).
"""

from __future__ import annotations

import numpy as np

from cea.engine import survival as surv


def curve_increments(family: str, coefficients: np.ndarray, times_months: np.ndarray,
                     hazard_ratio: np.ndarray | None = None,
                     acceleration_factor: np.ndarray | None = None) -> np.ndarray:
    """ΔH_k for k = 1..n: (n_cycles, n_samples) cumulative-hazard increments of one arm's curve."""
    if acceleration_factor is not None:
        coefficients = surv.accelerate(family, coefficients, acceleration_factor)
    cumulative = surv.cumulative_hazard(family, coefficients, times_months, time_major=True)
    increments = np.diff(cumulative, axis=0)
    if hazard_ratio is not None:
        increments *= np.asarray(hazard_ratio, dtype=float).reshape(1, -1)
    return np.maximum(increments, 0.0, out=increments)


def waning_weights(mid_months: np.ndarray, start: float, end: float) -> np.ndarray:
    """ω at each cycle midpoint (months): 0 before ``start``, rising linearly to 1 at ``end``, 1 after.

    Edge cases (docs/MODEL.md, treatment-effect waning): ``start`` = ∞ is no waning (ω ≡ 0, whatever ``end``);
    ``end`` = ``start`` is an immediate loss of effect, ω = 1 from the first midpoint at or after ``start``;
    a finite ``start`` with ``end`` = ∞ (a ramp that never ends) and ``end`` < ``start`` are undefined and
    refused (ValueError; settings.toml and --set report them as input errors).
    """
    if not np.isfinite(start):
        return np.zeros_like(mid_months)
    if not np.isfinite(end):
        raise ValueError(f"waning starts at {start:g} months but has no end: give waning_end_months "
                         "(equal to the start for an immediate loss of effect)")
    if end < start:
        raise ValueError(f"waning must end after it starts (start {start:g}, end {end:g} months)")
    if end == start:
        return (mid_months >= start).astype(float)
    return np.clip((mid_months - start) / (end - start), 0.0, 1.0)


def general_population_hazard(ages_years: np.ndarray, table_ages: tuple[int, ...], table_qx: tuple[float, ...],
                              cycle_years: float) -> np.ndarray:
    """Per-cycle death hazard μ_x·Δ at each age (years), from annual q_x by single year of age."""
    ages = np.asarray(table_ages)
    qx = np.asarray(table_qx, dtype=float)
    index = np.clip(np.floor(ages_years).astype(int) - ages[0], 0, len(ages) - 1)
    with np.errstate(divide="ignore"):
        annual = -np.log1p(-qx[index])
    return annual * cycle_years


def progression_free_exits(pfs_increments: np.ndarray, death_share: np.ndarray,
                           background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split PF exits into PF→PD and PF→Dead probabilities with competing hazards (F7).

    The PFS hazard increment ΔH is split into progression (1 − π)·ΔH and death π·ΔH, the
    death part floored at the background hazard; p_exit = 1 − exp(−total) and each exit
    takes its share of p_exit.  When the floor does not bind, PF occupancy equals S_PFS
    exactly (SV-7).  Shapes: increments (n_cycles, n_samples), share (n_samples,),
    background (n_cycles,).
    """
    share = np.asarray(death_share, dtype=float).reshape(1, -1)
    death = np.maximum(share * pfs_increments, background[:, None])
    progression = pfs_increments * (1.0 - share)
    total = progression + death
    p_exit = np.negative(total)
    np.expm1(p_exit, out=p_exit)
    np.negative(p_exit, out=p_exit)  # 1 − exp(−total)
    # p_PF→PD = p_exit·progression/total; where total = 0 progression is 0 too, so the floor gives 0
    np.maximum(total, 1e-300, out=total)
    np.divide(progression, total, out=progression)
    np.multiply(progression, p_exit, out=progression)
    np.subtract(p_exit, progression, out=p_exit)
    return progression, p_exit
