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
        """Apply ``fn`` to every array (fields left out of a partial trace stay None)."""
        return Trace(*(None if getattr(self, f) is None else fn(getattr(self, f)) for f in self.__dataclass_fields__))


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
                 os_target: np.ndarray | None = None, p_pd_d_floor: np.ndarray | None = None,
                 full: bool = True) -> Trace:
    """Run the trace.  Probabilities have shape (n_cycles, …); ``os_target`` (n_cycles, …) is S_OS at
    t_1..t_n (os_tracking); ``p_pd_d_floor`` broadcasts against (n_cycles, …).  ``full=False`` leaves out
    what only a kept trace shows (cumulative deaths and the PD death probability: None)."""
    if (p_pd_d is None) == (os_target is None):
        raise ValueError("give either p_pd_d (constant) or os_target (os_tracking)")
    n = p_pf_pd.shape[0]
    return _trace(n, p_pf_pd.shape[1:], lambda k: (p_pf_pd[k], p_pf_d[k]),
                  None if os_target is None else os_target.__getitem__, p_pd_d, p_pd_d_floor, full)


def markov_trace(pfs_increments: np.ndarray, death_share: np.ndarray, background: np.ndarray,
                 os_increments: np.ndarray | None = None, p_pd_d: np.ndarray | None = None,
                 full: bool = True) -> Trace:
    """The trace straight from hazard increments, PF exits computed cycle by cycle inside the one loop over
    cycles (no per-cycle probability arrays are stored; each cycle's rows stay in cache).

    PF exits by competing hazards (F7, as transitions.progression_free_exits, the same operations in the
    same order): death hazard max(π·ΔH_k, μ_k), progression hazard (1 − π)·ΔH_k, p_exit = 1 − exp(−total),
    p_PF→PD = p_exit·progression/total, p_PF→D = p_exit − p_PF→PD.  Post-progression deaths follow OS
    (``os_increments``: S_OS(t_k) = exp(−Σ_{j<k} ΔH_OS,j)) or a given probability ``p_pd_d``; both are
    floored at the background death probability 1 − exp(−μ_k).  Shapes: increments (n_cycles, m), share (m,),
    background (n_cycles,) hazards per cycle.
    """
    if (p_pd_d is None) == (os_increments is None):
        raise ValueError("give either p_pd_d (constant) or os_increments (os_tracking)")
    n, rest = pfs_increments.shape[0], pfs_increments.shape[1:]
    share = np.broadcast_to(np.asarray(death_share, dtype=float), rest)
    # hazards carried negated, so that exp(−total) needs no extra negation (negation is exact: same bits)
    minus_share, minus_keep = -share, share - 1.0
    if int(np.prod(rest)) < NARROW:  # the base case, a DSA: whole-array steps, then the short PD loop
        return _narrow_trace(pfs_increments, minus_share, minus_keep, background, os_increments, p_pd_d, full)
    minus_background = (-np.asarray(background, dtype=float)).tolist()
    increment_rows = list(pfs_increments)
    death, total, to_pd, to_dead = (np.empty(rest) for _ in range(4))

    def exits(k: int) -> tuple[np.ndarray, np.ndarray]:
        increments = increment_rows[k]
        np.multiply(minus_share, increments, out=death)
        np.minimum(death, minus_background[k], out=death)  # −max(π·ΔH, μ)
        np.multiply(increments, minus_keep, out=to_pd)  # −progression hazard
        np.add(to_pd, death, out=total)  # −total
        np.expm1(total, out=to_dead)
        np.negative(to_dead, out=to_dead)  # p_exit = 1 − exp(−total)
        np.minimum(total, -1e-300, out=total)  # where total = 0 the progression hazard is 0 too
        np.divide(to_pd, total, out=to_pd)  # progression / total
        np.multiply(to_pd, to_dead, out=to_pd)  # p_PF→PD
        np.subtract(to_dead, to_pd, out=to_dead)  # p_PF→D
        return to_pd, to_dead

    target = None
    if os_increments is not None:
        minus_cumulative, survival = np.zeros(rest), np.empty(rest)
        os_rows = list(os_increments)

        def target(k: int) -> np.ndarray:  # S_OS(t_{k+1}) = exp(−Σ_{j≤k} ΔH_j)
            np.subtract(minus_cumulative, os_rows[k], out=minus_cumulative)
            return np.exp(minus_cumulative, out=survival)

    return _trace(n, rest, exits, target, p_pd_d, -np.expm1(-background), full)


NARROW = 64  # fewer samples than this (times arms): the per-cycle loop's call overhead would dominate


def _narrow_trace(pfs_increments, minus_share, minus_keep, background, os_increments, p_pd_d, full) -> Trace:
    """markov_trace for a few samples: the same arithmetic, element by element, as whole-array steps (PF
    exits, PF by a running product, S_OS by a running sum) and a loop over cycles for PD only."""
    n, rest = pfs_increments.shape[0], pfs_increments.shape[1:]
    minus_background = -np.asarray(background, dtype=float).reshape((n,) + (1,) * len(rest))
    total = np.minimum(minus_share * pfs_increments, minus_background)
    to_pd = pfs_increments * minus_keep
    total = np.add(to_pd, total)
    to_dead = np.negative(np.expm1(total))
    np.minimum(total, -1e-300, out=total)
    np.divide(to_pd, total, out=to_pd)
    np.multiply(to_pd, to_dead, out=to_pd)
    np.subtract(to_dead, to_pd, out=to_dead)
    floor = -np.expm1(-np.asarray(background, dtype=float))
    if os_increments is None:
        return _trace(n, rest, lambda k: (to_pd[k], to_dead[k]), None, p_pd_d, floor, full)
    survival = np.exp(np.subtract.accumulate(np.concatenate([np.zeros((1,) + rest), os_increments]), axis=0)[1:])
    pf = np.empty((n + 1,) + rest)
    pf[0] = 1.0
    stay = np.subtract(1.0, to_pd)
    np.subtract(stay, to_dead, out=stay)
    pf[1:] = np.multiply.accumulate(stay, axis=0)
    progressions = pf[:-1] * to_pd
    pf_deaths = pf[:-1] * to_dead
    surplus = pf[:-1] - pf_deaths
    surplus -= survival
    pd = np.empty_like(pf)
    pd[0] = 0.0
    pd_deaths = np.empty_like(progressions)
    floors = floor.tolist()
    for k in range(n):
        np.add(surplus[k], pd[k], out=pd_deaths[k])
        np.maximum(pd_deaths[k], floors[k] * pd[k], out=pd_deaths[k])
        np.minimum(pd_deaths[k], pd[k], out=pd_deaths[k])
        np.add(pd[k], progressions[k], out=pd[k + 1])
        np.subtract(pd[k + 1], pd_deaths[k], out=pd[k + 1])
    deaths = pf_deaths + pd_deaths
    if not full:
        return Trace(pf, pd, None, progressions, deaths, None)
    floor_all = np.broadcast_to(floor.reshape((n,) + (1,) * len(rest)), (n,) + rest)
    used = np.divide(pd_deaths, pd[:-1], out=floor_all.copy(), where=pd[:-1] > 0)
    dead = np.empty_like(pf)
    dead[0] = 0.0
    dead[1:] = running_sum(deaths)
    return Trace(pf, pd, dead, progressions, deaths, used)


def _trace(n: int, rest: tuple, exits, target, p_pd_d, p_pd_d_floor, full: bool) -> Trace:
    """The one loop over cycles: ``exits(k)`` gives the rows (p_PF→PD, p_PF→D) of cycle k, ``target(k)``
    S_OS(t_{k+1}) (os_tracking) or ``p_pd_d`` the PD death probabilities (constant)."""
    floor = np.zeros(n) if p_pd_d_floor is None else np.asarray(p_pd_d_floor, dtype=float)
    if floor.ndim == 1:  # one floor per cycle, shared by every sample
        floor = floor.reshape((n,) + (1,) * len(rest))
    floor = np.broadcast_to(floor, (n,) + rest)
    used = None if target is not None else np.maximum(np.broadcast_to(p_pd_d, (n,) + rest), floor)
    pf = np.empty((n + 1,) + rest)
    pd = np.empty_like(pf)
    pf[0], pd[0] = 1.0, 0.0
    progressions = np.empty((n,) + rest)
    deaths = np.empty_like(progressions)
    pf_deaths, row, stay = (np.empty(rest) for _ in range(3))
    pd_deaths_all = np.empty_like(progressions) if full else None  # kept only to report p_PD→D
    # row views made once (indexing inside the loop would make them every cycle)
    pf_rows, pd_rows, progression_rows, death_rows = list(pf), list(pd), list(progressions), list(deaths)
    pd_death_rows = list(pd_deaths_all) if full else [row] * n
    shared_floor = floor.strides[1:] == (0,) * len(rest)  # one floor per cycle: plain floats are quicker
    floor_rows = floor[(slice(None),) + (0,) * len(rest)].tolist() if shared_floor else list(floor)
    used_rows = None if used is None else list(used)
    for k in range(n):
        pf_k, pd_k, new_pd, pd_deaths = pf_rows[k], pd_rows[k], progression_rows[k], pd_death_rows[k]
        to_pd, to_dead = exits(k)
        np.multiply(pf_k, to_pd, out=new_pd)
        np.multiply(pf_k, to_dead, out=pf_deaths)
        np.subtract(1.0, to_pd, out=stay)
        np.subtract(stay, to_dead, out=stay)
        np.multiply(pf_k, stay, out=pf_rows[k + 1])
        if target is not None:
            # PD deaths needed so that alive_{k+1} = S_OS(t_{k+1}): (PF_k − PF deaths − S_OS) + PD_k,
            # kept within [floor·PD_k, PD_k]: the same as clipping p_PD→D to [floor, 1]
            np.subtract(pf_k, pf_deaths, out=pd_deaths)
            np.subtract(pd_deaths, target(k), out=pd_deaths)
            np.add(pd_deaths, pd_k, out=pd_deaths)
            np.multiply(floor_rows[k], pd_k, out=stay)
            np.maximum(pd_deaths, stay, out=pd_deaths)
            np.minimum(pd_deaths, pd_k, out=pd_deaths)
        else:
            np.multiply(pd_k, used_rows[k], out=pd_deaths)
        np.add(pd_k, new_pd, out=pd_rows[k + 1])
        np.subtract(pd_rows[k + 1], pd_deaths, out=pd_rows[k + 1])
        np.add(pf_deaths, pd_deaths, out=death_rows[k])
    if not full:
        return Trace(pf, pd, None, progressions, deaths, None)
    if used is None:
        used = np.divide(pd_deaths_all, pd[:-1], out=floor.copy(), where=pd[:-1] > 0)
    dead = np.empty_like(pf)
    dead[0] = 0.0
    dead[1:] = running_sum(deaths)
    return Trace(pf, pd, dead, progressions, deaths, used)
