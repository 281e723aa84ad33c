"""Calibrate parametric curves to published medians and a hazard ratio (no IPD available).

Coefficients are returned in the parameterisation of :mod:`cea.engine.survival`; every
number comes in as an argument (the evidence lives in the inputs, not here).

(a) Exponential per arm: S(t) = exp(−λt) with S(median) = ½  ⇒  λ = ln 2 / median.

(b) Proportional-hazards Weibull with a shared shape k (S = exp(−(t/λ)^k)):
    S_trt = S_ctrl^HR  ⇒  median_trt = median_ctrl · HR^(−1/k), hence
        k = −ln(HR) / ln(median_trt / median_ctrl),
        λ_ctrl = median_ctrl / (ln 2)^(1/k),   λ_trt = λ_ctrl · HR^(−1/k) = median_trt / (ln 2)^(1/k).
    Both medians are reproduced exactly and S_trt(t) = S_ctrl(t)^HR for every t.  The
    inputs must imply k > 0: the arm with the longer median must have the lower hazard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def exponential_from_median(median: float) -> np.ndarray:
    """Exponential coefficients (log_rate,) with rate = ln 2 / median."""
    return np.array([np.log(np.log(2.0) / _positive("median", median))])


@dataclass(frozen=True)
class WeibullCalibration:
    """Shared-shape PH Weibull; ``control``/``treatment`` are (log_scale, log_shape)."""

    shape: float
    hazard_ratio: float
    control: np.ndarray
    treatment: np.ndarray


def weibull_ph_from_medians(median_control: float, median_treatment: float, hazard_ratio: float) -> WeibullCalibration:
    """PH Weibull whose medians are the two given medians and whose hazard ratio is ``hazard_ratio``."""
    median_control = _positive("median_control", median_control)
    median_treatment = _positive("median_treatment", median_treatment)
    hazard_ratio = _positive("hazard_ratio", hazard_ratio)
    log_median_ratio = np.log(median_treatment / median_control)
    if log_median_ratio == 0 or np.log(hazard_ratio) == 0:
        raise ValueError(
            "a shared Weibull shape needs HR != 1 and unequal medians "
            f"(got HR={hazard_ratio}, medians {median_control} and {median_treatment})"
        )
    shape = -np.log(hazard_ratio) / log_median_ratio
    if not shape > 0:
        raise ValueError(
            f"inputs imply a Weibull shape k = {shape:.4g} <= 0: with HR={hazard_ratio} the treated median "
            f"({median_treatment}) must be {'longer' if hazard_ratio < 1 else 'shorter'} than the control "
            f"median ({median_control})"
        )
    log_shape = np.log(shape)
    log_scale_control = np.log(median_control) - np.log(np.log(2.0)) / shape
    log_scale_treatment = log_scale_control - np.log(hazard_ratio) / shape
    return WeibullCalibration(
        float(shape),
        hazard_ratio,
        np.array([log_scale_control, log_shape]),
        np.array([log_scale_treatment, log_shape]),
    )


def log_se_from_ci(low: float, high: float, level: float = 0.95) -> float:
    """Standard error on the log scale of a positive quantity reported with a symmetric-on-the-log CI:
    SE = (ln high − ln low) / (2·z), z = Φ⁻¹(½ + level/2) (1.95996 for 95%)."""
    from scipy import stats

    low, high = _positive("low", low), _positive("high", high)
    if not high > low:
        raise ValueError(f"need low < high, got {low} and {high}")
    return float((np.log(high) - np.log(low)) / (2 * stats.norm.ppf(0.5 + level / 2)))


def weibull_ph_control_covariance(median_control: float, median_treatment: float, hazard_ratio: float,
                                  se_log_median_control: float, se_log_median_treatment: float,
                                  se_log_hazard_ratio: float = 0.0) -> np.ndarray:
    """Delta-method covariance of the calibrated control curve's (log_scale, log_shape).

    With a = ln m_ctrl, b = ln m_trt, h = ln HR (independent, normal on the log scale with the given
    SEs; no correlation between the arms' medians and the HR is published), the calibration of
    :func:`weibull_ph_from_medians` is

        log_shape = ln(−h) − ln(b − a),       log_scale = a + ln(ln 2)·(b − a)/h,

    so the Jacobian J = ∂(log_scale, log_shape)/∂(a, b, h) is

        ∂log_scale/∂a = 1 − ln(ln 2)/h,  ∂log_scale/∂b = ln(ln 2)/h,  ∂log_scale/∂h = −ln(ln 2)(b − a)/h²
        ∂log_shape/∂a = 1/(b − a),       ∂log_shape/∂b = −1/(b − a),  ∂log_shape/∂h = 1/h

    and Cov = J · diag(SE_a², SE_b², SE_h²) · Jᵀ (first-order delta method).  Pass
    ``se_log_hazard_ratio = 0`` when the HR is sampled separately in the PSA (as `hr_pfs` is), so that
    its uncertainty is not counted twice.
    """
    cal = weibull_ph_from_medians(median_control, median_treatment, hazard_ratio)
    a, b, h = np.log(median_control), np.log(median_treatment), np.log(cal.hazard_ratio)
    lnln2 = np.log(np.log(2.0))
    jacobian = np.array([[1 - lnln2 / h, lnln2 / h, -lnln2 * (b - a) / h**2],
                         [1 / (b - a), -1 / (b - a), 1 / h]])
    sigma = np.diag([float(se_log_median_control) ** 2, float(se_log_median_treatment) ** 2,
                     float(se_log_hazard_ratio) ** 2])
    return jacobian @ sigma @ jacobian.T
