"""Discount factors and within-cycle correction weights.

Discounting: DF(t) = (1 + d)^(−t), t in years from the model start (NICE PMG36 3.5%;
HTA_METHODS F12), applied at each trace point.  Within-cycle correction: rewards that
accrue with occupancy are integrated over the trace points t_0..t_n with weights w
(Elbasha & Chhatwal 2016; Srivastava et al. 2020):

- none: start-of-cycle sum, w = (1, …, 1, 0): n weights, not n + 1;
- half_cycle: trapezoid rule, w = (½, 1, …, 1, ½);
- simpson: Simpson's 1/3 rule, w = (1, 4, 2, 4, …, 2, 4, 1)/3 for even n; for odd n the
  last three intervals use Simpson's 3/8 rule (3, 9, 9, 3)/8 so that Σw = n and
  cubics stay exact.
"""

from __future__ import annotations

import numpy as np


def discount_factors(times_years: np.ndarray, annual_rate: float) -> np.ndarray:
    """(1 + d)^(−t) at each time (years)."""
    return np.power(1.0 + annual_rate, -np.asarray(times_years, dtype=float))


def within_cycle_weights(n_cycles: int, method: str) -> np.ndarray:
    """Weights for Σ w_k·x_k over trace points k = 0..n_cycles; Σw = n_cycles for every method."""
    n = int(n_cycles)
    if n < 1:
        raise ValueError("need at least one cycle")
    w = np.ones(n + 1)
    if method == "none":
        w[-1] = 0.0
    elif method == "half_cycle" or (method == "simpson" and n == 1):
        w[0] = w[-1] = 0.5
    elif method == "simpson":
        even = n if n % 2 == 0 else n - 3
        w[:] = 0.0
        if even > 0:
            w[: even + 1] += _simpson_third(even)
        if n % 2 == 1:
            w[even: even + 4] += np.array([3.0, 9.0, 9.0, 3.0]) / 8.0
    else:
        raise ValueError(f"unknown within-cycle correction {method!r}; expected none, half_cycle or simpson")
    return w


def _simpson_third(n_even: int) -> np.ndarray:
    w = np.empty(n_even + 1)
    w[0] = w[-1] = 1.0
    w[1:-1:2] = 4.0  # odd interior points
    w[2:-1:2] = 2.0  # even interior points
    return w / 3.0
