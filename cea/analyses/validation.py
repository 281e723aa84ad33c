"""Validation of the model's outcomes against data (HTA_METHODS MS-3, MS-8, MS-10, VV-13; AdViSHE C/D).

Every check has a ``kind`` (AdViSHE; Vemer et al. 2016, PharmacoEconomics 34:349-61), and the
kinds are reported apart because they mean different things:

* ``internal`` (dependent validation): the target is data the curves were fitted or calibrated
  to (e.g. the BOLERO-2 PFS medians the Weibull was calibrated to; the Kaplan–Meier of the
  reconstructed OS IPD the Weibulls were fitted to).  A pass shows the fit is implemented as
  intended; it says nothing about predictive validity.  A failure is an error: exit code 1.
* ``same_trial`` (dependent validation): another data cut of the same trial, not used in fitting
  (e.g. the interim OS of BOLERO-2 when the curves were fitted to the final cut): the same patients,
  so it is not independent.  Reported as within/outside the band, like external checks.
* ``external`` (independent validation): data from other patients (another study, a registry), never
  used to build the model.  Reported as within/outside the accepted band; a result outside is a
  finding about the model, not an implementation error, so it does not change the exit code.
* ``structural``: properties the model must have whatever the data (checked for every arm and
  any ``structural`` rows of the file); a failure is an error: exit code 1.

The deterministic base case's Markov trace gives the modelled curves: PFS = PF occupancy,
OS = 1 − Dead.  Medians are interpolated linearly between cycle boundaries, landmarks
likewise, and restricted means integrate the trace (trapezoid) to the stated time; the
average OS hazard ratio to time t is ln S_arm(t) / ln S_comparator(t) (the ratio of cumulative
hazards; exact under proportional hazards).  They are compared with ``validation_targets.csv``
(published figures, or the Kaplan–Meier landmarks, medians and restricted means of the data
in ``survival_data.csv``: ``target_basis`` says which, and ``published`` gives the published
value beside a reconstructed one), and two structural checks run for every arm:

* ``below_general_population_<arm>``: modelled OS never exceeds general-population survival
  from the life table at the start age (model: max over cycles of S_model − S_gp; passes
  when ≤ 1e-9);
* ``pf_le_os_<arm>``: PF ≤ OS at every cycle (model: max of PF − OS, i.e. −min PD; passes
  when ≤ 1e-12).

JSON (``ValidationResult.to_dict``)::

    {"checks": [{"name", "kind", "arm", "metric", "model", "target", "target_basis", "published",
                 "tolerance", "lower", "upper", "passed"}, ...],
     "summary": {"internal": {"checks", "passed", "failed"}, "same_trial": {...}, "external": {...},
                 "structural": {...}},
     "passed": bool}   # internal and structural checks only

``tolerance`` is the half-width when the band is target ± tolerance, else null (the band is
then lower–upper).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from cea.analyses.base_case import BaseCaseResult, run_base_case, trace_rows
from cea.engine.transitions import general_population_hazard
from cea.errors import InputError
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.survival_data import has_survival_data, load_survival_data
from cea.inputs.validation_targets import FINDING_KINDS, KINDS, ValidationTarget, load_validation_targets
from cea.survival.kaplan_meier import kaplan_meier, km_median, restricted_mean

GP_TOLERANCE = 1e-9  # numerical slack: the engine floors every death hazard at the background hazard
PF_OS_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Check:
    name: str
    arm: str
    model: float
    target: float
    tolerance: float | None
    lower: float
    upper: float
    passed: bool
    metric: str = ""
    time_months: float | None = None
    source: str = ""
    kind: str = "structural"
    target_basis: str = "stated"
    published: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "arm": self.arm, "metric": self.metric, "model": self.model,
                "target": self.target, "target_basis": self.target_basis, "published": self.published,
                "tolerance": self.tolerance, "lower": self.lower, "upper": self.upper, "passed": self.passed}


@dataclass(frozen=True)
class ValidationResult:
    checks: tuple[Check, ...]
    base_case: BaseCaseResult

    def of_kind(self, kind: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.kind == kind)

    @property
    def passed(self) -> bool:
        """Every internal and structural check passed (same-trial and external results are findings, not errors)."""
        return all(c.passed for c in self.checks if c.kind not in FINDING_KINDS)

    @property
    def failed(self) -> tuple[Check, ...]:
        """Internal and structural checks that failed."""
        return tuple(c for c in self.checks if not c.passed and c.kind not in FINDING_KINDS)

    def summary(self) -> dict[str, dict[str, int]]:
        return {kind: {"checks": len(self.of_kind(kind)), "passed": sum(c.passed for c in self.of_kind(kind)),
                       "failed": sum(not c.passed for c in self.of_kind(kind))} for kind in KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {"checks": [c.to_dict() for c in self.checks], "summary": self.summary(), "passed": self.passed}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{**c.to_dict(), "time_months": c.time_months, "source": c.source}
                             for c in self.checks])


# --------------------------------------------------------------------------- modelled curves
def modelled_curves(result: BaseCaseResult, arm: str) -> dict[str, np.ndarray]:
    """time (months), PFS (PF occupancy), OS (1 − Dead) and Dead from an arm's trace."""
    rows = trace_rows(result, arm)
    return {"time": rows["time_months"], "pfs": rows["PF"], "os": 1.0 - rows["Dead"], "dead": rows["Dead"],
            "pd": rows["PD"]}


def curve_median(time: np.ndarray, survival: np.ndarray) -> float:
    """First time S reaches 0.5, interpolated linearly between grid points; inf if never."""
    below = np.flatnonzero(survival <= 0.5)
    if below.size == 0:
        return math.inf
    k = int(below[0])
    if k == 0:
        return float(time[0])
    s0, s1 = survival[k - 1], survival[k]
    return float(time[k - 1] + (s0 - 0.5) / (s0 - s1) * (time[k] - time[k - 1]))


def curve_landmark(time: np.ndarray, survival: np.ndarray, at: float) -> float:
    return float(np.interp(at, time, survival))


def curve_rmst(time: np.ndarray, survival: np.ndarray, tau: float) -> float:
    keep = time < tau
    grid = np.append(time[keep], tau)
    return float(trapezoid(np.append(survival[keep], curve_landmark(time, survival, tau)), grid))


def general_population_survival(inputs: ModelInputs, times_years: np.ndarray) -> np.ndarray:
    """S_gp at the cycle boundaries, with the engine's convention (mid-cycle age hazard per cycle)."""
    s, st = inputs.settings, inputs.structure
    mid = (times_years[:-1] + times_years[1:]) / 2
    hazard = general_population_hazard(s.start_age + mid, st.life_table_ages, st.life_table_qx, s.cycle_years)
    return np.exp(-np.concatenate(([0.0], np.cumsum(hazard))))


# --------------------------------------------------------------------------- targets from data
def _km_target(target: ValidationTarget, data: pd.DataFrame) -> tuple[float, float | None, float | None]:
    """(value, KM lower, KM upper) of the target's statistic from the arm's data."""
    km = kaplan_meier(data["time"], data["event"])
    if target.statistic == "median":
        return km_median(km), None, None
    if target.statistic == "rmst":
        return restricted_mean(km, target.time_months), None, None
    idx = np.searchsorted(km.time, target.time_months, side="right") - 1
    if idx < 0:
        return 1.0, 1.0, 1.0
    return float(km.survival[idx]), float(km.lower[idx]), float(km.upper[idx])


def cumulative_hazard_ratio(time: np.ndarray, os_arm: np.ndarray, os_reference: np.ndarray, at: float) -> float:
    """Average hazard ratio to time ``at``: ln S_arm(at) / ln S_reference(at) (= HR under proportional hazards)."""
    return float(np.log(curve_landmark(time, os_arm, at)) / np.log(curve_landmark(time, os_reference, at)))


def _model_value(target: ValidationTarget, curves: dict[str, np.ndarray],
                 reference: dict[str, np.ndarray] | None = None) -> float:
    if target.metric == "dead_at_horizon":
        return float(curves["dead"][-1])
    if target.metric == "os_hazard_ratio":
        return cumulative_hazard_ratio(curves["time"], curves["os"], reference["os"], target.time_months)
    time, survival = curves["time"], curves[target.endpoint]
    if target.statistic == "median":
        return curve_median(time, survival)
    if target.statistic == "landmark":
        return curve_landmark(time, survival, target.time_months)
    return curve_rmst(time, survival, target.time_months)


def _band(target: ValidationTarget, value: float, km_lower: float | None,
          km_upper: float | None) -> tuple[float, float, float | None]:
    if target.lower is not None:
        return target.lower, target.upper, None
    if target.tolerance is not None:
        return value - target.tolerance, value + target.tolerance, target.tolerance
    return km_lower, km_upper, None


def run_validation(inputs: ModelInputs, overrides: dict[str, str] | None = None) -> ValidationResult:
    """Compare the base case (``inputs`` with any overrides already applied) with the targets."""
    result = run_base_case(inputs, overrides=overrides)
    arms = inputs.structure.arm_ids
    targets = load_validation_targets(inputs.folder, arms)
    data = load_survival_data(inputs.folder) if has_survival_data(inputs.folder) else {}
    curves = {arm: modelled_curves(result, arm) for arm in arms}
    problems = [t.problem(f"target is blank but survival_data.csv has no {t.endpoint} data for arm '{t.arm}'",
                          "target")
                for t in targets if t.target is None and (t.endpoint, t.arm) not in data]
    if problems:
        raise InputError(problems)
    checks: list[Check] = []
    for t in targets:
        km_lower = km_upper = None
        if t.target is None:
            value, km_lower, km_upper = _km_target(t, data[(t.endpoint, t.arm)])
        else:
            value = t.target
        lower, upper, tolerance = _band(t, value, km_lower, km_upper)
        model = _model_value(t, curves[t.arm], curves[inputs.settings.comparator])
        passed = bool(np.isfinite(model) and lower <= model <= upper)
        checks.append(Check(t.check, t.arm, model, value, tolerance, lower, upper, passed, t.metric,
                            t.time_months, t.source, t.kind, t.target_basis, t.published))
    times_years = result.outcomes.times_years
    s_gp = general_population_survival(inputs, times_years)
    for arm in arms:
        c = curves[arm]
        excess = float(np.max(c["os"] - s_gp))
        checks.append(Check(f"below_general_population_{arm}", arm, excess, 0.0, GP_TOLERANCE, -math.inf,
                            GP_TOLERANCE, excess <= GP_TOLERANCE, "os_minus_general_population", None,
                            "HTA_METHODS MS-10 / VV-11: modelled OS never above general-population survival "
                            "(life_table.csv at start_age); model = max over cycles of S_model - S_gp"))
        pf_minus_os = float(np.max(c["pfs"] - c["os"]))
        checks.append(Check(f"pf_le_os_{arm}", arm, pf_minus_os, 0.0, PF_OS_TOLERANCE, -math.inf, PF_OS_TOLERANCE,
                            pf_minus_os <= PF_OS_TOLERANCE, "pf_minus_os", None,
                            "HTA_METHODS VV-13: PF <= OS at every cycle; model = max over cycles of PF - OS"))
    return ValidationResult(tuple(checks), result)
