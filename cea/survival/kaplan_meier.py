"""Kaplan–Meier estimate for right-censored data, with Greenwood log–log intervals.

Pure numpy; times in months.  Conventions (Collett 2015, ch. 2; identical to lifelines
and R ``survival``):

* S(t) = prod_{t_j <= t} (1 − d_j / n_j), where n_j = #{i : T_i >= t_j} (events precede
  censorings at tied times);
* Greenwood: Var[log S(t)] = sum_{t_j <= t} d_j / (n_j (n_j − d_j));
* log–log 100(1−α)% interval: S(t)^exp(±z·se), se = sqrt(Var[log S]) / |log S|
  (Kalbfleisch & Prentice 2002), i.e. exp(−exp(log(−log S) ± z·se));
* median = the first time at which S(t) <= 0.5 (inf if never reached);
* restricted mean to tau = integral_0^tau S(t) dt of the step function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan–Meier table at every distinct observed time (events or censorings)."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    greenwood_var_log: np.ndarray  # Var[log S] (Greenwood)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


def _as_arrays(time, event) -> tuple[np.ndarray, np.ndarray]:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    if time.shape != event.shape or time.ndim != 1:
        raise ValueError("time and event must be 1-D arrays of equal length")
    if np.any(~np.isfinite(time)) or np.any(time < 0):
        raise ValueError("times must be finite and non-negative")
    if not np.all(np.isin(event, (0.0, 1.0))):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    return time, event


def kaplan_meier(time, event, confidence: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier estimate with Greenwood log–log confidence limits (see module docstring)."""
    time, event = _as_arrays(time, event)
    grid, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=grid.size)
    n_total = np.bincount(inverse, minlength=grid.size).astype(float)
    n_risk = time.size - np.concatenate(([0.0], np.cumsum(n_total)[:-1]))
    n_censor = n_total - n_event

    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        greenwood = np.cumsum(np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0))
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        se_loglog = np.sqrt(greenwood) / np.abs(log_s)
        lower = survival ** np.exp(z * se_loglog)
        upper = survival ** np.exp(-z * se_loglog)
    # before the first event S = 1 exactly: the interval collapses to 1; where S = 0 it is 0
    at_one = survival >= 1.0
    lower = np.where(at_one, 1.0, np.where(survival <= 0.0, 0.0, lower))
    upper = np.where(at_one, 1.0, np.where(survival <= 0.0, 0.0, upper))
    return KaplanMeier(grid, n_risk, n_event, n_censor, survival, lower, upper, greenwood)


def km_survival(km: KaplanMeier, t) -> np.ndarray:
    """Right-continuous step function S_KM(t) at arbitrary times t (S = 1 before the first time)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    idx = np.searchsorted(km.time, t, side="right") - 1
    return np.where(idx >= 0, km.survival[np.maximum(idx, 0)], 1.0)


def numbers_at_risk(time, at) -> np.ndarray:
    """Number still under observation at each time in ``at``: #{i : T_i >= t}."""
    time = np.sort(np.asarray(time, dtype=float))
    at = np.atleast_1d(np.asarray(at, dtype=float))
    return time.size - np.searchsorted(time, at, side="left")


def km_median(km: KaplanMeier) -> float:
    """Smallest observed time with S_KM(t) <= 0.5; inf if the curve never reaches 0.5."""
    reached = np.flatnonzero(km.survival <= 0.5)
    return float(km.time[reached[0]]) if reached.size else float("inf")


def restricted_mean(km: KaplanMeier, tau: float) -> float:
    """Restricted mean survival time: integral of the KM step function from 0 to tau."""
    knots = np.concatenate(([0.0], km.time[km.time < tau], [tau]))
    levels = km_survival(km, knots[:-1])
    return float(np.sum(levels * np.diff(knots)))
