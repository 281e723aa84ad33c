"""Partitioned-survival model (NICE DSU TSD19; HTA_METHODS F26): state membership read
directly from the PFS and OS curves, PF = S_PFS(t), PD = S_OS(t) − S_PFS(t), Dead = 1 − S_OS(t).

Upstream: transitions.py (the same hazard increments, hazard ratios, waning and
general-population floor as the Markov model).  Downstream: the same rewards code.
Where the PFS curve would cross above OS, PF is capped at OS (PD ≥ 0, TECH-VER) and the
number of capped cycles is reported so that callers can warn.
"""

from __future__ import annotations

import numpy as np

from cea.engine.trace import Trace, running_sum


def partitioned_survival_trace(pfs_increments: np.ndarray, os_increments: np.ndarray, death_share: np.ndarray,
                               background: np.ndarray) -> tuple[Trace, np.ndarray]:
    """Time-major increments (n_cycles, n_samples) → (Trace, capped cycles per sample (n_samples,)).

    Both curves' hazards are floored at the background hazard.  One-off flows: deaths are the
    fall in OS; progressions are the share (1 − π) of the fall in PF (π: share of PFS events
    that are deaths, as in the Markov model), never more than the PF fall.
    """
    floor = background[:, None]
    n = pfs_increments.shape[0]
    rest = pfs_increments.shape[1:]
    os_curve = np.empty((n + 1,) + rest)
    pf_curve = np.empty((n + 1,) + rest)
    os_curve[0] = pf_curve[0] = 1.0
    np.exp(-running_sum(np.maximum(os_increments, floor)), out=os_curve[1:])
    np.exp(-running_sum(np.maximum(pfs_increments, floor)), out=pf_curve[1:])
    capped = pf_curve > os_curve
    pf = np.minimum(pf_curve, os_curve)
    pd = os_curve - pf
    dead = 1.0 - os_curve
    deaths = os_curve[:-1] - os_curve[1:]
    pf_fall = pf[:-1] - pf[1:]
    share = np.asarray(death_share, dtype=float).reshape((1,) + rest)
    progressions = np.clip((1.0 - share) * pf_fall, 0.0, None)
    pd_deaths = np.clip(deaths - share * pf_fall, 0.0, None)
    implied = np.divide(pd_deaths, pd[:-1], out=np.zeros_like(pd_deaths), where=pd[:-1] > 0)
    return Trace(pf, pd, dead, progressions, deaths, np.minimum(implied, 1.0)), capped.sum(axis=0)
