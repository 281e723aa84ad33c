"""Rewards: life-years, QALYs and costs from a trace (HTA_METHODS F15, F16).

Upstream: trace.py, discounting.py.  Downstream: model.py.  Pure numpy.

- Occupancy rewards (LYs, QALYs, state costs): Σ_k w_k·DF(t_k)·m_k·v·Δ, with the
  within-cycle weights w (none / half-cycle / Simpson).
- Drug acquisition: paid at the start of each cycle while on treatment, Σ_{k<n} DF(t_k)·ToT_k·c·Δ,
  never corrected (TECH-VER; WD-4).
- One-off transition costs (progression, death): new entrants in cycle k discounted at the
  cycle midpoint (CU-10).
- Adverse events and at-start costs: once at t = 0, undiscounted (DF(0) = 1).
"""

from __future__ import annotations

import numpy as np


def occupancy_total(occupancy: np.ndarray, weights: np.ndarray, discount: np.ndarray, per_cycle: np.ndarray | float) -> np.ndarray:
    """Σ_k w_k·DF_k·occupancy_k·v_k; occupancy (n, T+1), v broadcastable to it → (n,)."""
    return np.einsum("nt,t->n", occupancy * per_cycle, weights * discount)


def cycle_start_total(occupancy: np.ndarray, discount: np.ndarray, per_cycle: np.ndarray) -> np.ndarray:
    """Σ_{k<n} DF_k·occupancy_k·c: paid at cycle start, no within-cycle correction → (n,)."""
    return occupancy[:, :-1] @ discount[:-1] * per_cycle


def event_total(flows: np.ndarray, discount_mid: np.ndarray, per_event: np.ndarray) -> np.ndarray:
    """Σ_k new_k·DF(mid_k)·c over the n cycles → (n,)."""
    return flows @ discount_mid * per_event


def age_adjusted_utility(utility: np.ndarray, ages: np.ndarray, terms: tuple[np.ndarray, np.ndarray, np.ndarray],
                         adjust: bool) -> np.ndarray:
    """u(t) = min(u·U_gp(age_t)/U_gp(age_0), U_gp(age_t)) (multiplicative, NICE DSU TSD12; capped at the
    general-population norm U_gp(a) = c0 + c1·a + c2·a², Ara & Brazier 2010).  → (n, T+1)."""
    u = np.asarray(utility, dtype=float).reshape(-1, 1)
    if not adjust:
        return np.broadcast_to(u, (u.shape[0], len(ages)))
    c0, c1, c2 = (np.asarray(c, dtype=float).reshape(-1, 1) for c in terms)
    norm = c0 + c1 * ages[None, :] + c2 * ages[None, :] ** 2
    return np.minimum(u * norm / norm[:, [0]], norm)
