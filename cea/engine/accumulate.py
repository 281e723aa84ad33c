"""Rewards: life-years, QALYs and costs from a time-major trace (HTA_METHODS F15, F16).

Upstream: trace.py, discounting.py.  Downstream: model.py.  Pure numpy.  Occupancy is
(n_cycles + 1, n_samples); flows (n_cycles, n_samples); results (n_samples,).

- Occupancy rewards (LYs, QALYs, state costs): Σ_k w_k·DF(t_k)·m_k·v·Δ, with the
  within-cycle weights w (none / half-cycle / Simpson).
- Drug acquisition: paid at the start of each cycle while on treatment, Σ_{k<n} DF(t_k)·ToT_k·c·Δ,
  never corrected (TECH-VER; WD-4).
- One-off transition costs (progression, death): new entrants in cycle k discounted at the
  cycle midpoint (CU-10).
- At-start costs: once at t = 0, undiscounted (DF(0) = 1).  Adverse events: model.adverse_event_shares
  (spread over the time on treatment at the cycle starts, or all at t = 0).
"""

from __future__ import annotations

import numpy as np


PANEL = 16  # samples per matrix product in weighted_sums


def weighted_sums(values: np.ndarray, time_weights: np.ndarray) -> np.ndarray:
    """Several weighted sums over time in one pass: (T, k) weights and (T, n) values → (k, n).

    The samples go through the matrix product in panels of PANEL columns (a partial last panel padded with
    zeros), so every sample's sums are computed by the same arithmetic whatever the number of samples
    beside it: a PSA's first N iterations are bit for bit those of any longer run (prefix stability), and
    (T, k)ᵀ·(T, 16) products are faster here than one wide product.
    """
    values = np.asarray(values, dtype=float)
    time_weights = np.asarray(time_weights, dtype=float)
    n_times, n = values.shape
    full, rest = divmod(n, PANEL)
    out = np.empty((time_weights.shape[1], n))
    weights_t = time_weights.T
    if full:
        panels = values[:, :full * PANEL].reshape(n_times, full, PANEL).transpose(1, 0, 2)
        out[:, :full * PANEL] = np.matmul(weights_t, panels).transpose(1, 0, 2).reshape(-1, full * PANEL)
    if rest:
        last = np.zeros((n_times, PANEL))
        last[:, :rest] = values[:, full * PANEL:]
        out[:, full * PANEL:] = (weights_t @ last)[:, :rest]
    return out


def occupancy_total(occupancy: np.ndarray, time_weights: np.ndarray) -> np.ndarray:
    """Σ_k v_k·m_k with time weights v (n_cycles + 1,) or (n_cycles + 1, n_samples) → (n_samples,)."""
    if time_weights.ndim == 1:
        return weighted_sums(occupancy, time_weights[:, None])[0]
    return np.einsum("tn,tn->n", time_weights, occupancy)


def utility_time_profile(utility: np.ndarray, ages: np.ndarray, terms: tuple[np.ndarray, np.ndarray, np.ndarray],
                         adjust: bool) -> tuple[np.ndarray, np.ndarray]:
    """Age-adjusted utility u(t) = min(u·U_gp(a_t)/U_gp(a_0), U_gp(a_t)) as a per-sample level times a time
    profile: u(t) = level·profile_t, with level = min(u, U_gp(a_0))/U_gp(a_0) and profile = U_gp(a_t).

    Multiplicative adjustment (NICE DSU TSD12) capped at the general-population norm
    U_gp(a) = c0 + c1·a + c2·a² (Ara & Brazier 2010); the cap binds at every age or none,
    because u·U(a_t)/U(a_0) ≤ U(a_t) ⇔ u ≤ U(a_0).  Returns level (n_samples,) and
    profile (T+1,) or (T+1, n_samples).
    """
    u = np.asarray(utility, dtype=float)
    if not adjust:
        return u, np.ones(len(ages))
    c0, c1, c2 = (np.asarray(c, dtype=float) for c in terms)
    if c0.size == c1.size == c2.size == 1 or (np.ptp(c0) == np.ptp(c1) == np.ptp(c2) == 0):
        norm = c0.flat[0] + c1.flat[0] * ages + c2.flat[0] * ages**2
        start = norm[0]
    else:
        norm = c0[None, :] + c1[None, :] * ages[:, None] + c2[None, :] * ages[:, None] ** 2
        start = norm[0]
    return np.minimum(u, start) / start, norm
