"""Calibration of PFS curves to published medians and a hazard ratio."""

from __future__ import annotations

import numpy as np
import pytest

from cea.engine import survival as engine
from cea.survival.calibration import exponential_from_median, weibull_ph_from_medians

# example inputs shaped like EVIDENCE_REVIEW.md §2a (local final: medians 3.2 / 7.8 months, HR 0.45)
MEDIAN_CONTROL, MEDIAN_TREATMENT, HAZARD_RATIO = 3.2, 7.8, 0.45


@pytest.mark.parametrize("median", [3.2, 7.8, 31.0])
def test_exponential_rate_is_ln2_over_median(median):
    coefficients = exponential_from_median(median)
    assert np.exp(coefficients[0]) == pytest.approx(np.log(2) / median, rel=1e-14)
    assert engine.survival("exponential", coefficients, np.array([median]))[0, 0] == pytest.approx(0.5, abs=1e-14)


def test_weibull_reproduces_both_medians_and_the_hazard_ratio():
    calibrated = weibull_ph_from_medians(MEDIAN_CONTROL, MEDIAN_TREATMENT, HAZARD_RATIO)
    expected_shape = -np.log(HAZARD_RATIO) / np.log(MEDIAN_TREATMENT / MEDIAN_CONTROL)
    assert calibrated.shape == pytest.approx(expected_shape, rel=1e-14)
    assert calibrated.shape == pytest.approx(0.798508 / 0.890973, abs=1e-6)  # ln(1/0.45) / ln(7.8/3.2)
    np.testing.assert_allclose(
        engine.survival("weibull", calibrated.control, np.array([MEDIAN_CONTROL]))[0], 0.5, atol=1e-14
    )
    np.testing.assert_allclose(
        engine.survival("weibull", calibrated.treatment, np.array([MEDIAN_TREATMENT]))[0], 0.5, atol=1e-14
    )
    assert engine.median("weibull", calibrated.control)[0] == pytest.approx(MEDIAN_CONTROL, abs=1e-9)
    assert engine.median("weibull", calibrated.treatment)[0] == pytest.approx(MEDIAN_TREATMENT, abs=1e-9)
    t = np.linspace(0, 120, 241)
    s_control = engine.survival("weibull", calibrated.control, t)[0]
    s_treatment = engine.survival("weibull", calibrated.treatment, t)[0]
    np.testing.assert_allclose(s_treatment, s_control**HAZARD_RATIO, rtol=1e-12)
    # shared shape, scale from the median: λ = median / (ln 2)^(1/k)
    assert calibrated.control[1] == calibrated.treatment[1]
    assert np.exp(calibrated.control[0]) == pytest.approx(MEDIAN_CONTROL / np.log(2) ** (1 / calibrated.shape))


def test_weibull_with_exponential_consistent_inputs_has_shape_one():
    # medians in the ratio 1/HR are exactly exponential
    calibrated = weibull_ph_from_medians(4.0, 8.0, 0.5)
    assert calibrated.shape == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_allclose(
        engine.survival("weibull", calibrated.control, np.linspace(0, 50, 11)),
        engine.survival("exponential", exponential_from_median(4.0), np.linspace(0, 50, 11)),
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    "median_control, median_treatment, hazard_ratio",
    [
        (7.8, 3.2, 0.45),  # HR < 1 but the treated median is shorter: k < 0
        (3.2, 7.8, 1.2),  # HR > 1 but the treated median is longer: k < 0
        (3.2, 3.2, 0.45),  # equal medians with HR != 1: k infinite
        (3.2, 7.8, 1.0),  # HR = 1 with different medians: k = 0
        (0.0, 7.8, 0.45),
        (3.2, 7.8, -0.45),
    ],
)
def test_inconsistent_inputs_raise(median_control, median_treatment, hazard_ratio):
    with pytest.raises(ValueError):
        weibull_ph_from_medians(median_control, median_treatment, hazard_ratio)


def test_exponential_rejects_non_positive_median():
    with pytest.raises(ValueError):
        exponential_from_median(0.0)
