"""Kaplan–Meier: hand-computed values, lifelines cross-check, and the BOLERO-2 OS evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from cea.survival.kaplan_meier import kaplan_meier, km_median, km_survival, numbers_at_risk, restricted_mean


def evidence_file(name: str) -> Path:
    path = Path(__file__).resolve().parents[1] / "inputs" / "evidence" / name
    return path


ARM_LABELS = {"eve_exe": "EVE+EXE", "pbo_exe": "PBO+EXE"}


@pytest.fixture(scope="module")
def os_ipd() -> pd.DataFrame:
    return pd.read_csv(evidence_file("bolero2_os_ipd_reconstructed.csv"))


@pytest.fixture(scope="module")
def os_monthly() -> pd.DataFrame:
    return pd.read_csv(evidence_file("bolero2_os_piccart2014_km_monthly.csv"))


def test_hand_computed_example():
    # t: 1 2 2+ 3 4+ 5 ; events precede censorings at t = 2
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(km.time, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(km.n_risk, [6, 5, 3, 2, 1])
    np.testing.assert_array_equal(km.n_event, [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(km.n_censor, [0, 1, 0, 1, 0])
    expected = np.cumprod([5 / 6, 4 / 5, 2 / 3, 1.0, 0.0])
    np.testing.assert_allclose(km.survival, expected)
    greenwood = np.cumsum([1 / (6 * 5), 1 / (5 * 4), 1 / (3 * 2), 0.0])
    np.testing.assert_allclose(km.greenwood_var_log[:4], greenwood)
    se = np.sqrt(greenwood[2]) / abs(np.log(expected[2]))
    np.testing.assert_allclose(km.lower[2], expected[2] ** np.exp(1.959963984540054 * se))
    assert km_median(km) == 3.0  # S(3) = 4/9 is the first value <= 0.5
    # area: 1·1 + 1·5/6 + 1·4/6 + 1·4/9 + 1·4/9 = 3.3889
    assert restricted_mean(km, 5.0) == pytest.approx(1 + 5 / 6 + 4 / 6 + 4 / 9 + 4 / 9)
    np.testing.assert_allclose(km_survival(km, [0, 0.99, 1, 2.5, 10]), [1, 1, 5 / 6, 4 / 6, 0])
    np.testing.assert_array_equal(numbers_at_risk([1, 2, 2, 3, 4, 5], [0, 2, 2.5, 5, 6]), [6, 5, 3, 1, 0])


def test_median_not_reached_is_inf():
    km = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert km_median(km) == np.inf


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError):
        kaplan_meier([1, -2], [1, 0])


@pytest.mark.parametrize("arm", ["eve_exe", "pbo_exe"])
def test_matches_lifelines(os_ipd, arm):
    group = os_ipd[os_ipd["arm"] == arm]
    km = kaplan_meier(group["time"], group["event"])
    reference = KaplanMeierFitter().fit(group["time"], group["event"])
    grid = np.linspace(0, 48, 193)
    np.testing.assert_allclose(km_survival(km, grid), reference.survival_function_at_times(grid).to_numpy(), atol=1e-12)
    ci = reference.confidence_interval_.iloc[1:]  # lifelines adds t = 0
    np.testing.assert_allclose(km.lower, ci.iloc[:, 0].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(km.upper, ci.iloc[:, 1].to_numpy(), atol=1e-10)
    assert km_median(km) == reference.median_survival_time_
    assert restricted_mean(km, 48.0) == pytest.approx(restricted_mean_survival_time(reference, 48.0), abs=1e-9)


@pytest.mark.parametrize(
    "arm, landmarks, median, rmst48",
    # EVIDENCE_REVIEW.md §2b (reconstructed KM: S(12/24/36), RMST 0-48) and §7 (medians 30.8 / 26.5)
    [("eve_exe", (0.819, 0.615, 0.435), 30.8, 29.96), ("pbo_exe", (0.781, 0.529, 0.384), 26.5, 28.54)],
)
def test_bolero2_os_landmarks(os_ipd, arm, landmarks, median, rmst48):
    group = os_ipd[os_ipd["arm"] == arm]
    km = kaplan_meier(group["time"], group["event"])
    np.testing.assert_allclose(km_survival(km, [12, 24, 36]), landmarks, atol=0.002)
    assert km_median(km) == pytest.approx(median, abs=0.05)
    assert restricted_mean(km, 48.0) == pytest.approx(rmst48, abs=0.01)


@pytest.mark.parametrize("arm", ["eve_exe", "pbo_exe"])
def test_bolero2_os_monthly_table(os_ipd, os_monthly, arm):
    group = os_ipd[os_ipd["arm"] == arm]
    table = os_monthly[os_monthly["arm"] == ARM_LABELS[arm]]
    km = kaplan_meier(group["time"], group["event"])
    months = table["month"].to_numpy()
    np.testing.assert_allclose(km_survival(km, months), table["km_os"], atol=1e-4)
    np.testing.assert_array_equal(numbers_at_risk(group["time"], months), table["n_at_risk"])
    # the CSV's 95% limits are log-log Greenwood too: read our step-function limits at each month
    idx = np.searchsorted(km.time, months, side="right") - 1
    np.testing.assert_allclose(np.where(idx >= 0, km.lower[np.maximum(idx, 0)], 1.0), table["ci95_lower"], atol=1e-4)
    np.testing.assert_allclose(np.where(idx >= 0, km.upper[np.maximum(idx, 0)], 1.0), table["ci95_upper"], atol=1e-4)
