"""Cohort trace of the three-state model (PF, PD, Dead), batched over samples.

Upstream: transitions.py.  Downstream: accumulate.py.  Pure numpy; loops over time only.
Arrays are time-major: probabilities (n_cycles, …), occupancy (n_cycles + 1, …).

There is no return to PF, so PF occupancy is a cumulative product.  PD follows
PD_k = PD_{k−1}(1 − p_PD→D,k) + PF_{k−1}·p_PF→PD,k.  Post-progression death either
has its own probability per cycle ("constant"), or is set each cycle so that the total
alive follows the arm's OS curve ("os_tracking"):

    p_PD→D,k = (alive_{k−1} − PF deaths_k − S_OS(t_k)) / PD_{k−1},

clipped to [background death probability, 1] so that it stays a probability and never
beats general-population mortality.  Modelled OS then equals S_OS wherever feasible
(nobody is in PD during the first cycle, so any shortfall there is made up in cycle 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trace:
    """Occupancy (n_cycles + 1, …) per state and flows (n_cycles, …) per cycle."""

    pf: np.ndarray
    pd: np.ndarray
    dead: np.ndarray
    new_progressions: np.ndarray
    new_deaths: np.ndarray
    p_pd_death: np.ndarray

    def map(self, fn) -> "Trace":
        return Trace(*(fn(getattr(self, f)) for f in self.__dataclass_fields__))


def running(values: np.ndarray, ufunc: np.ufunc = np.add) -> np.ndarray:
    """Cumulative ``ufunc`` (sum by default, or np.multiply for a product) over the leading (time) axis,
    row by row: on (n_cycles, n_samples) arrays this is several times faster than np.cumsum(axis=0),
    whose inner loop strides across rows.  Narrow arrays (the base case, a DSA) take one accumulate call:
    the same sequential operations, so the same bits."""
    if values.ndim < 2 or values[0].size < 64:
        return ufunc.accumulate(values, axis=0)
    out = np.empty_like(values)
    if len(values):
        out[0] = values[0]
    for k in range(1, len(values)):
        ufunc(out[k - 1], values[k], out=out[k])
    return out


def running_sum(values: np.ndarray) -> np.ndarray:
    return running(values, np.add)


def cohort_trace(p_pf_pd: np.ndarray, p_pf_d: np.ndarray, p_pd_d: np.ndarray | None = None,
                 os_target: np.ndarray | None = None, p_pd_d_floor: np.ndarray | None = None) -> Trace:
    """Run the trace.  Probabilities have shape (n_cycles, …); ``os_target`` (n_cycles, …) is S_OS at
    t_1..t_n (os_tracking); ``p_pd_d_floor`` broadcasts against (n_cycles, …)."""
    if (p_pd_d is None) == (os_target is None):
        raise ValueError("give either p_pd_d (constant) or os_target (os_tracking)")
    n = p_pf_pd.shape[0]
    rest = p_pf_pd.shape[1:]
    pf = np.empty((n + 1,) + rest)
    pf[0] = 1.0
    pf[1:] = running(1.0 - p_pf_pd - p_pf_d, np.multiply)
    progressions = pf[:-1] * p_pf_pd
    pf_deaths = pf[:-1] * p_pf_d
    floor = np.zeros(n) if p_pd_d_floor is None else np.asarray(p_pd_d_floor, dtype=float)
    if floor.ndim == 1:  # one floor per cycle, shared by every sample
        floor = floor.reshape((n,) + (1,) * len(rest))
    pd = np.empty_like(pf)
    pd[0] = 0.0
    pd_deaths = np.empty_like(progressions)
    if os_target is not None:
        # PD deaths needed so that alive_k = S_OS(t_k): (PF_{k-1} − PF deaths_k − S_OS(t_k)) + PD_{k-1},
        # kept within [floor·PD_{k-1}, PD_{k-1}]: the same as clipping p_PD→D to [floor, 1]
        surplus = pf[:-1] - pf_deaths - os_target
        for k in range(n):
            np.add(surplus[k], pd[k], out=pd_deaths[k])
            np.maximum(pd_deaths[k], floor[k] * pd[k], out=pd_deaths[k])
            np.minimum(pd_deaths[k], pd[k], out=pd_deaths[k])
            np.subtract(pd[k] + progressions[k], pd_deaths[k], out=pd[k + 1])
        used = np.divide(pd_deaths, pd[:-1], out=np.broadcast_to(floor, pd_deaths.shape).copy(), where=pd[:-1] > 0)
    else:
        used = np.maximum(p_pd_d, floor)
        for k in range(n):
            np.multiply(pd[k], used[k], out=pd_deaths[k])
            np.subtract(pd[k] + progressions[k], pd_deaths[k], out=pd[k + 1])
    deaths = pf_deaths + pd_deaths
    dead = np.empty_like(pf)
    dead[0] = 0.0
    dead[1:] = running_sum(deaths)
    return Trace(pf, pd, dead, progressions, deaths, used)
