"""Guyot (2012) IPD reconstruction: exact recovery, synthetic exponential data, BOLERO-2 OS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cea.survival.diagnostics import cox_hazard_ratio
from cea.survival.fitting import exponential_rate
from cea.survival.guyot import reconstruct_ipd
from cea.survival.kaplan_meier import kaplan_meier, km_median, km_survival, numbers_at_risk


def evidence_file(name: str) -> Path:
    path = Path(__file__).resolve().parents[1] / "inputs" / "evidence" / name
    return path


REFERENCE = "pbo_exe"


def _simulated_exponential(seed: int, n: int = 300, rate: float = 0.05, censor_max: float = 60.0):
    rng = np.random.default_rng(seed)
    t = rng.exponential(1 / rate, n)
    c = rng.uniform(0, censor_max, n)
    return np.minimum(t, c), (t <= c).astype(int)


def _digitise(time, event, grid_step: float, risk_step: float):
    """KM read off at a regular grid (as a digitiser would) plus a numbers-at-risk table."""
    km = kaplan_meier(time, event)
    grid = np.arange(0.0, np.max(time), grid_step)
    t_risk = np.arange(0.0, np.max(time), risk_step)
    return grid, km_survival(km, grid), t_risk, numbers_at_risk(time, t_risk)


def _km_steps(time, event):
    """The step coordinates of a KM curve: every event time, plus the end of follow-up."""
    km = kaplan_meier(time, event)
    jumps = km.n_event > 0
    return np.append(km.time[jumps], np.max(time)), np.append(km.survival[jumps], km.survival[-1])


def test_uncensored_curve_is_recovered_exactly():
    times = np.array([1.0, 2.0, 3.5, 4.0, 6.0, 7.5, 9.0, 10.0])
    events = np.ones_like(times, dtype=int)
    t_curve, s_curve = _km_steps(times, events)
    ipd = reconstruct_ipd(t_curve, s_curve, [0.0], [times.size])
    np.testing.assert_array_equal(np.sort(ipd["time"]), times)
    assert ipd["event"].sum() == times.size


def test_hand_traced_example_with_censoring():
    """10 patients, censored at 2.5 and 5.5; risk table at 0/4/8 = 10/6/1.  Hand trace:
    interval [0,4): c = round(10·S(4)/S(0) − 6) = round(0.857) = 1, spread to 0 + 4/2 = 2,
    i.e. into (1, 2], written at the midpoint 1.5; events 1 @1, 1 @2 (round(8·(1 − 8/9)) = 1),
    1 @3 (round(7·(1 − 0.6857/0.7875)) = 1), KM = 0.675 at t = 3, n̂(4) = 6 as published.
    Interval [4,8): c = round(6·0.1524/0.6857 − 1) = 0; from KM_last = 0.675:
    d(4.5) = round(0.92) = 1, d(5) = round(0.94) = 1, d(6) = round(1.29) = 1,
    d(7) = round(3·(1 − 0.1524/0.3375)) = round(1.65) = 2, n̂(8) = 1 as published.
    Last interval: c = min(round(1·(9 − 8)/7), 1) = 0; d(9) = 1."""
    time = np.array([1, 2, 2.5, 3, 4.5, 5, 5.5, 6, 7, 9.0])
    event = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1])
    t_curve, s_curve = _km_steps(time, event)
    t_risk = np.array([0.0, 4.0, 8.0])
    n_risk = numbers_at_risk(time, t_risk)
    np.testing.assert_array_equal(n_risk, [10, 6, 1])
    ipd = reconstruct_ipd(t_curve, s_curve, t_risk, n_risk)
    np.testing.assert_array_equal(np.sort(ipd.loc[ipd["event"] == 1, "time"]), [1, 2, 3, 4.5, 5, 6, 7, 7, 9])
    np.testing.assert_array_equal(ipd.loc[ipd["event"] == 0, "time"], [1.5])
    np.testing.assert_array_equal(numbers_at_risk(ipd["time"], t_risk), n_risk)


def test_synthetic_exponential_rate_recovered():
    time, event = _simulated_exponential(seed=2012)
    grid, s, t_risk, n_risk = _digitise(time, event, grid_step=0.5, risk_step=6.0)
    ipd = reconstruct_ipd(grid, s, t_risk, n_risk)
    assert len(ipd) == len(time)
    original, rebuilt = exponential_rate(time, event), exponential_rate(ipd["time"], ipd["event"])
    assert rebuilt == pytest.approx(original, rel=0.05)
    assert rebuilt == pytest.approx(0.05, rel=0.15)  # and near the simulated truth
    np.testing.assert_array_equal(numbers_at_risk(ipd["time"], t_risk), n_risk)


def test_total_events_are_honoured_and_output_is_deterministic():
    # the adjustment acts on the censoring of the LAST risk interval, so give it room:
    # numbers at risk only at 0 and 12 months, the curve to the end of follow-up
    time, event = _simulated_exponential(seed=99)
    grid, s, _, _ = _digitise(time, event, grid_step=0.5, risk_step=6.0)
    t_risk = np.array([0.0, 12.0])
    n_risk = numbers_at_risk(time, t_risk)
    for total in (int(event.sum()), int(event.sum()) - 15):
        first = reconstruct_ipd(grid, s, t_risk, n_risk, total_events=total)
        second = reconstruct_ipd(grid, s, t_risk, n_risk, total_events=total)
        assert first["event"].sum() == total
        assert len(first) == len(time)
        pd.testing.assert_frame_equal(first, second)


def test_origin_is_added_and_percent_scale_refused():
    ipd = reconstruct_ipd([1.0, 2.0, 3.0], [0.9, 0.8, 0.7], [0.0], [10])
    assert ipd["event"].sum() == 3 and len(ipd) == 10
    with pytest.raises(ValueError, match="0-1 scale"):
        reconstruct_ipd([0.0, 1.0], [100.0, 90.0], [0.0], [10])
    with pytest.raises(ValueError, match="time 0"):
        reconstruct_ipd([0.0, 1.0, 2.0], [1.0, 0.9, 0.8], [1.0], [10])


@pytest.fixture(scope="module")
def bolero2_reconstruction():
    original = pd.read_csv(evidence_file("bolero2_os_ipd_reconstructed.csv"))
    t_risk = np.arange(0.0, 49.0, 4.0)
    rebuilt = []
    for arm, group in original.groupby("arm"):
        t_curve, s_curve = _km_steps(group["time"], group["event"])
        ipd = reconstruct_ipd(t_curve, s_curve, t_risk, numbers_at_risk(group["time"], t_risk))
        rebuilt.append(ipd.assign(arm=arm))
    return original, pd.concat(rebuilt, ignore_index=True), t_risk


@pytest.mark.parametrize("arm", ["eve_exe", "pbo_exe"])
def test_bolero2_arm_reconstruction(bolero2_reconstruction, arm):
    original, rebuilt, t_risk = bolero2_reconstruction
    a, b = original[original["arm"] == arm], rebuilt[rebuilt["arm"] == arm]
    km_a, km_b = kaplan_meier(a["time"], a["event"]), kaplan_meier(b["time"], b["event"])
    assert len(b) == len(a)
    assert km_median(km_b) == pytest.approx(km_median(km_a), abs=0.5)
    assert abs(int(b["event"].sum()) - int(a["event"].sum())) <= 2
    np.testing.assert_allclose(numbers_at_risk(b["time"], t_risk), numbers_at_risk(a["time"], t_risk), atol=1)
    grid = np.linspace(0, 48, 481)
    assert np.max(np.abs(km_survival(km_a, grid) - km_survival(km_b, grid))) < 0.01


def test_bolero2_hazard_ratio_reproduced(bolero2_reconstruction):
    original, rebuilt, _ = bolero2_reconstruction
    hr_original = cox_hazard_ratio(original, REFERENCE).hazard_ratio
    hr_rebuilt = cox_hazard_ratio(rebuilt, REFERENCE).hazard_ratio
    assert hr_rebuilt == pytest.approx(hr_original, abs=0.02)
