"""Undiscounted costs per cycle, by category: the engine's totals spread over time (for budget impact).

Upstream: trace.py, discounting.py (the same trace and weights as the totals).  Downstream:
model.py (``evaluate(..., keep_cycle_costs=True)``) and cea.analyses.budget_impact.  Pure numpy.
Cycle k is the interval [t_k, t_{k+1}); arrays are time-major (n_cycles, n_samples).

What cycle k carries, per unit cost (the same accounting as the totals in accumulate.py):
- drug acquisition: ToT(t_k)·Δ_days, paid at the cycle start;
- state costs per month: the within-cycle weights of the totals split between the two cycles
  that share a trace point, a_k·m(t_k) + b_k·m(t_{k+1}) (``interval_weights``), times Δ_months;
- one-off costs at progression and at death: the new entrants of cycle k;
- at-start costs (one-off at t = 0): cycle 0;
- adverse events: the incidence times the share of cycle k (model.adverse_event_shares, the schedule the
  discounted totals use: ToT_k / Σ_j ToT_j of the timing drug, or all in cycle 0 when ``at_start``).
So Σ_k over every cycle equals the engine's undiscounted total, category by category (tested).
"""

from __future__ import annotations

import numpy as np


def interval_weights(weights: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Split within-cycle weights w over trace points t_0..t_n into per-cycle weights (a_k, b_k), k < n.

    Cycle k carries a_k·m_k + b_k·m_{k+1}, with Σ_k (a_k·m_k + b_k·m_{k+1}) = Σ_k w_k·m_k for any m:
    - none (w = 1, …, 1, 0): the start-of-cycle value, a_k = w_k, b_k = 0;
    - half_cycle and simpson: an interior point's weight is shared equally by the two cycles that
      meet there, an end point's weight goes to its one cycle (half_cycle gives the trapezoid
      (m_k + m_{k+1})/2 for every cycle).
    """
    w = np.asarray(weights, dtype=float)
    n = len(w) - 1
    if method == "none":
        return w[:-1].copy(), np.zeros(n)
    a = w[:-1] / 2.0
    b = w[1:] / 2.0
    a[0] = w[0]
    b[-1] = w[-1]
    if n == 1:
        a[0], b[0] = w[0], w[1]
    return a, b


def per_cycle_occupancy(occupancy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n_cycles + 1, n) occupancy → (n_cycles, n) weighted occupancy a_k·m_k + b_k·m_{k+1} per cycle."""
    return a[:, None] * occupancy[:-1] + b[:, None] * occupancy[1:]


def at_start(n_cycles: int, n_samples: int) -> np.ndarray:
    """(n_cycles, n) indicator of cycle 0: one-off costs at t = 0."""
    out = np.zeros((n_cycles, n_samples))
    out[0] = 1.0
    return out


def arm_cycle_costs(n_categories: int, charges, bases: dict[str, np.ndarray]) -> np.ndarray:
    """One arm's undiscounted costs per cycle by category, (n, n_categories, n_cycles).

    ``charges``: (category index, unit cost (n,), basis) for every cost item and adverse event of the
    arm; ``bases``: basis → (n_cycles, n) units per cycle (days on treatment, weighted months in a
    state, new progressions, new deaths, the at-start indicator).  Cost_c,k = Σ_items unit·units_k.
    """
    first = next(iter(bases.values()))
    n_cycles, n = first.shape
    out = np.zeros((n, n_categories, n_cycles))
    for category, unit, basis in charges:
        out[:, category, :] += np.asarray(unit, dtype=float)[:, None] * bases[basis].T
    return out
