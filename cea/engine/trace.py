"""Cohort trace of the three-state model (PF, PD, Dead), batched over samples and arms.

Upstream: transitions.py.  Downstream: accumulate.py.  Pure numpy; loops over time only.

There is no return to PF, so PF occupancy is a cumulative product.  PD follows
PD_k = PD_{k−1}(1 − p_PD→D,k) + PF_{k−1}·p_PF→PD,k.  Post-progression death either
has its own probability per cycle ("constant"), or is set each cycle so that the total
alive follows the arm's OS curve ("os_tracking"):

    p_PD→D,k = (alive_{k−1} − PF deaths_k − S_OS(t_k)) / PD_{k−1},

clipped to [background death probability, 1] so that it stays a probability and never
beats general-population mortality.  Modelled OS then equals S_OS wherever feasible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trace:
    """Occupancy (…, n_cycles + 1) per state and flows (…, n_cycles) per cycle."""

    pf: np.ndarray
    pd: np.ndarray
    dead: np.ndarray
    new_progressions: np.ndarray
    new_deaths: np.ndarray
    p_pd_death: np.ndarray


def cohort_trace(p_pf_pd: np.ndarray, p_pf_d: np.ndarray, p_pd_d: np.ndarray | None = None,
                 os_target: np.ndarray | None = None, p_pd_d_floor: np.ndarray | None = None) -> Trace:
    """Run the trace.  Probabilities have shape (..., n_cycles); ``os_target`` (..., n_cycles) is
    S_OS at t_1..t_n (os_tracking); ``p_pd_d_floor`` broadcasts against (..., n_cycles)."""
    if (p_pd_d is None) == (os_target is None):
        raise ValueError("give either p_pd_d (constant) or os_target (os_tracking)")
    lead = p_pf_pd.shape[:-1]
    n = p_pf_pd.shape[-1]
    stay = 1.0 - p_pf_pd - p_pf_d
    pf = np.empty(lead + (n + 1,))
    pf[..., 0] = 1.0
    np.cumprod(stay, axis=-1, out=pf[..., 1:])
    progressions = pf[..., :-1] * p_pf_pd
    pf_deaths = pf[..., :-1] * p_pf_d
    pd = np.empty_like(pf)
    pd[..., 0] = 0.0
    pd_deaths = np.empty(lead + (n,))
    used = np.empty(lead + (n,))
    floor = np.broadcast_to(np.zeros(1) if p_pd_d_floor is None else p_pd_d_floor, lead + (n,))
    for k in range(n):
        pd_prev = pd[..., k]
        if os_target is not None:
            needed = pf[..., k] + pd_prev - pf_deaths[..., k] - os_target[..., k]
            with np.errstate(divide="ignore", invalid="ignore"):
                p = np.where(pd_prev > 0, needed / np.where(pd_prev > 0, pd_prev, 1.0), 0.0)
            p = np.clip(p, floor[..., k], 1.0)
        else:
            p = np.maximum(p_pd_d[..., k], floor[..., k])
        used[..., k] = p
        pd_deaths[..., k] = pd_prev * p
        pd[..., k + 1] = pd_prev - pd_deaths[..., k] + progressions[..., k]
    deaths = pf_deaths + pd_deaths
    dead = np.empty_like(pf)
    dead[..., 0] = 0.0
    np.cumsum(deaths, axis=-1, out=dead[..., 1:])
    return Trace(pf, pd, dead, progressions, deaths, used)
