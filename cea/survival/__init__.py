"""Survival analysis for the CEA: Kaplan–Meier, parametric MLE fits, PH diagnostics,
Guyot IPD reconstruction and calibration to published medians/HRs.

Times are in months; coefficients use the parameterisation of :mod:`cea.engine.survival`.
"""

from cea.survival.calibration import WeibullCalibration, exponential_from_median, weibull_ph_from_medians
from cea.survival.diagnostics import (
    CoxResult,
    cox_hazard_ratio,
    log_cumulative_hazard,
    ph_test,
    piecewise_hazard,
    smoothed_hazard,
)
from cea.survival.fitting import (
    FAMILIES,
    JOINT_AFT,
    JOINT_PH,
    FitTable,
    JointFit,
    SurvivalFit,
    exponential_rate,
    fit,
    fit_all,
    fit_joint,
    log_hazard_and_survival,
    log_likelihood,
    numerical_hessian,
    treatment_coefficients,
)
from cea.survival.guyot import reconstruct_ipd
from cea.survival.kaplan_meier import (
    KaplanMeier,
    kaplan_meier,
    km_median,
    km_survival,
    numbers_at_risk,
    restricted_mean,
)

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
