"""Proportional-hazards and hazard-shape diagnostics for a two-arm trial (NICE DSU TSD14).

* Cox model with the treatment indicator (Efron ties; lifelines ``CoxPHFitter``): HR,
  Wald 95% CI, p-value (Cox 1972).
* Grambsch–Therneau test of the scaled Schoenfeld residuals against a transform of time
  (default 'km', as R ``cox.zph``): lifelines ``proportional_hazard_test``
  (Grambsch & Therneau 1994, Biometrika 81:515).
* Log-cumulative-hazard data: log t vs log(−log S_KM(t)) per arm; parallel lines support PH,
  straight lines a Weibull (Collett 2015, §4.4).
* Empirical hazards: piecewise-constant (events / person-time per interval, exact Poisson
  95% CI) and kernel-smoothed Nelson–Aalen with the Epanechnikov kernel
  ĥ(t) = b⁻¹ Σ_j K((t − t_j)/b)·d_j/n_j (Ramlau-Hansen 1983; no boundary correction, so
  ĥ is biased downwards within b of 0 and of the last time).

``data``: a DataFrame with columns time, event, arm; ``reference`` names the reference arm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test
from scipy import stats

from cea.survival.kaplan_meier import kaplan_meier


def _two_arm_frame(data: pd.DataFrame, reference: str) -> pd.DataFrame:
    arms = list(pd.unique(data["arm"]))
    if reference not in arms or len(arms) != 2:
        raise ValueError(f"need exactly two arms including the reference {reference!r}; got {arms}")
    return pd.DataFrame(
        {
            "time": data["time"].to_numpy(dtype=float),
            "event": data["event"].to_numpy(dtype=int),
            "treated": (data["arm"] != reference).to_numpy(dtype=int),
        }
    )


@dataclass(frozen=True)
class CoxResult:
    hazard_ratio: float
    lower: float
    upper: float
    log_hr: float
    se: float
    p_value: float


def _fit_cox(data: pd.DataFrame, reference: str) -> tuple[CoxPHFitter, pd.DataFrame]:
    frame = _two_arm_frame(data, reference)
    return CoxPHFitter().fit(frame, duration_col="time", event_col="event"), frame


def cox_hazard_ratio(data: pd.DataFrame, reference: str, confidence: float = 0.95) -> CoxResult:
    """Cox HR of the treated arm vs ``reference`` with its Wald interval exp(β̂ ± z·se)."""
    model, _ = _fit_cox(data, reference)
    beta, se = float(model.params_["treated"]), float(model.standard_errors_["treated"])
    z = stats.norm.ppf(0.5 + confidence / 2)
    p_value = float(model.summary.loc["treated", "p"])
    return CoxResult(float(np.exp(beta)), float(np.exp(beta - z * se)), float(np.exp(beta + z * se)), beta, se, p_value)


def ph_test(data: pd.DataFrame, reference: str, time_transform: str = "km") -> float:
    """Grambsch–Therneau (Schoenfeld-residual) test of PH for the treatment; returns the p-value."""
    model, frame = _fit_cox(data, reference)
    result = proportional_hazard_test(model, frame, time_transform=time_transform)
    return float(np.asarray(result.p_value).ravel()[0])


def log_cumulative_hazard(data: pd.DataFrame) -> pd.DataFrame:
    """Per arm, at the event times with 0 < S_KM < 1: columns arm, time, log_time, log_cumhaz."""
    frames = []
    for arm, group in data.groupby("arm", sort=False):
        km = kaplan_meier(group["time"], group["event"])
        keep = (km.n_event > 0) & (km.survival > 0) & (km.survival < 1) & (km.time > 0)
        frames.append(
            pd.DataFrame(
                {
                    "arm": arm,
                    "time": km.time[keep],
                    "log_time": np.log(km.time[keep]),
                    "log_cumhaz": np.log(-np.log(km.survival[keep])),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def piecewise_hazard(time, event, breaks, confidence: float = 0.95) -> pd.DataFrame:
    """Constant hazard per interval [b_m, b_{m+1}): d_m / person-time, exact Poisson CI."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    breaks = np.asarray(breaks, dtype=float)
    start, end = breaks[:-1], breaks[1:]
    exposure = np.clip(time[:, None] - start, 0, end - start).sum(axis=0)  # person-time in each interval
    in_interval = (time[:, None] >= start) & (time[:, None] < end)
    events = (in_interval * event[:, None]).sum(axis=0)
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = events / exposure
        lower = np.where(events > 0, stats.chi2.ppf(alpha / 2, 2 * events) / 2, 0.0) / exposure
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * (events + 1)) / 2 / exposure
    columns = {"start": start, "end": end, "events": events, "exposure": exposure}
    return pd.DataFrame({**columns, "hazard": hazard, "lower": lower, "upper": upper})


def smoothed_hazard(time, event, grid, bandwidth: float) -> pd.DataFrame:
    """Epanechnikov kernel-smoothed Nelson–Aalen hazard at ``grid`` (see module docstring)."""
    km = kaplan_meier(time, event)
    jumps = km.n_event > 0
    increments = km.n_event[jumps] / km.n_risk[jumps]  # Nelson–Aalen increments d_j / n_j
    grid = np.asarray(grid, dtype=float)
    u = (grid[:, None] - km.time[jumps][None, :]) / bandwidth
    kernel = np.where(np.abs(u) <= 1, 0.75 * (1 - u**2), 0.0)
    return pd.DataFrame({"time": grid, "hazard": kernel @ increments / bandwidth})
