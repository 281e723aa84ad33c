"""Survival analysis for the CEA: Kaplan–Meier, parametric MLE fits, PH diagnostics,
Guyot IPD reconstruction and calibration to published medians/HRs.

Times are in months; coefficients use the parameterisation of :mod:`cea.engine.survival`.

Names are imported lazily (PEP 562), so that the estimation primitives `guyot` and
`kaplan_meier` (numpy/pandas only, no cea imports) can be used by the inputs layer to turn
digitised curves into IPD without importing the fitting code or the engine.
"""

from importlib import import_module

# The primitives are imported eagerly: they are light, and the function kaplan_meier must win over the
# submodule of the same name once that submodule has been imported.
from cea.survival.guyot import reconstruct_ipd
from cea.survival.kaplan_meier import (KaplanMeier, kaplan_meier, km_median, km_survival, numbers_at_risk,
                                       restricted_mean)

_SOURCES = {
    "calibration": ("WeibullCalibration", "exponential_from_median", "weibull_ph_from_medians"),
    "diagnostics": ("CoxResult", "cox_hazard_ratio", "log_cumulative_hazard", "ph_test", "piecewise_hazard",
                    "smoothed_hazard"),
    "fitting": ("FAMILIES", "JOINT_AFT", "JOINT_PH", "FitTable", "JointFit", "SurvivalFit", "exponential_rate", "fit",
                "fit_all", "fit_joint", "log_hazard_and_survival", "log_likelihood", "numerical_hessian",
                "treatment_coefficients"),
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"cea.survival.{_WHERE[name]}"), name)
    if name in _SOURCES:
        return import_module(f"cea.survival.{name}")
    raise AttributeError(f"module 'cea.survival' has no attribute {name!r}")

__all__ = [
    "FAMILIES",
    "JOINT_AFT",
    "JOINT_PH",
    "CoxResult",
    "FitTable",
    "JointFit",
    "KaplanMeier",
    "SurvivalFit",
    "WeibullCalibration",
    "cox_hazard_ratio",
    "exponential_from_median",
    "exponential_rate",
    "fit",
    "fit_all",
    "fit_joint",
    "kaplan_meier",
    "km_median",
    "km_survival",
    "log_cumulative_hazard",
    "log_hazard_and_survival",
    "log_likelihood",
    "numbers_at_risk",
    "numerical_hessian",
    "ph_test",
    "piecewise_hazard",
    "reconstruct_ipd",
    "restricted_mean",
    "smoothed_hazard",
    "treatment_coefficients",
    "weibull_ph_from_medians",
]
