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
