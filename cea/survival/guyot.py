"""Reconstruct individual patient data from a digitised Kaplan–Meier curve (Guyot et al. 2012).

Source: Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan–Meier survival curves. BMC Med Res
Methodol 2012;12:9.  Steps as in HTA_METHODS.md §3.1 (and the authors' published code):

1. Digitised points (t_k, S_k), k = 0..K, with (0, 1) added when missing, S forced into
   [0, 1] and non-increasing; numbers at risk n_i at times T_i (T_0 = 0).  Risk interval i
   holds the points lower_i..upper_i (T_i <= t_k < T_{i+1}).  Where no point sits exactly
   at a risk time T_i, one is added with S carried forward from the step curve, so every
   interval starts at T_i (no interval is empty; censorings stay inside their interval).
2. First guess of the censorings in interval i: c_i = round(n_i·S(T_{i+1})/S(T_i) − n_{i+1}),
   spread evenly: censoring times T_i + j·(T_{i+1} − T_i)/(c_i + 1), j = 1..c_i, counted
   into the digitised sub-intervals (t_k, t_{k+1}].
3. Walk the points: d_k = round(n̂_k·(1 − S_k / KM_last)), KM_k = KM_last·(1 − d_k/n̂_k),
   n̂_{k+1} = n̂_k − d_k − cen_k (KM_last: the KM at the last point with an event).
4. c_i ← c_i + (n̂(T_{i+1}) − n_{i+1}); repeat 2–3 until n̂(T_{i+1}) = n_{i+1} (or c_i = 0
   and n̂ is already below n_{i+1}, in which case n_{i+1} ← n̂(T_{i+1})).
5. Last interval: censoring at the average rate of the earlier intervals,
   c_last = min(round(Σ_{i<last} c_i · (t_K − T_last)/(t_{upper_{last−1}} − t_0)), n_last).
   If the total number of events D is given, c_last ← c_last + (Σ d − D) until Σ d = D.
6. IPD: d_k events at t_k; cen_k censorings at (t_k + t_{k+1})/2; everyone left is censored
   at the last digitised time t_K.

Deterministic (R-compatible round-half-to-even).  Deviations from the published code,
only as guards: d_k is floored at 0, no division by a zero number at risk, and each
adjustment loop stops (with a warning) after ``max_iterations``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def _clean_curve(t_curve, s_curve) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t_curve, dtype=float)
    s = np.asarray(s_curve, dtype=float)
    if t.shape != s.shape or t.ndim != 1 or t.size == 0:
        raise ValueError("digitised times and survival must be 1-D arrays of equal length")
    if np.any(t < 0) or np.any(~np.isfinite(t)) or np.any(~np.isfinite(s)):
        raise ValueError("digitised coordinates must be finite with t >= 0")
    if np.max(s) > 1.0 + 1e-9:
        raise ValueError("survival must be on the 0-1 scale, not a percentage")
    order = np.argsort(t, kind="stable")
    t, s = t[order], np.minimum.accumulate(np.clip(s[order], 0.0, 1.0))
    if t[0] > 0:
        t, s = np.concatenate(([0.0], t)), np.concatenate(([1.0], s))
    # one point per time: keep the lowest S (the value after a vertical drop)
    keep = np.append(t[1:] != t[:-1], True)
    return t[keep], s[keep]


def _add_risk_times(t: np.ndarray, s: np.ndarray, t_risk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a point (T_i, S(T_i)) at every risk time without one; S carried forward (step curve)."""
    new = t_risk[~np.isin(t_risk, t)]
    if new.size == 0:
        return t, s
    s_new = s[np.searchsorted(t, new, side="right") - 1]
    order = np.argsort(np.concatenate((t, new)), kind="stable")
    return np.concatenate((t, new))[order], np.concatenate((s, s_new))[order]


def _spread(n_censored: int, breaks: np.ndarray) -> np.ndarray:
    """Counts of n censorings placed evenly on (breaks[0], breaks[-1]) per sub-interval (b_m, b_{m+1}]."""
    j = np.arange(1, n_censored + 1)
    times = breaks[0] + j * (breaks[-1] - breaks[0]) / (n_censored + 1)
    bins = np.searchsorted(breaks, times, side="left") - 1
    return np.bincount(np.clip(bins, 0, breaks.size - 2), minlength=breaks.size - 1)


class _State:
    """Working arrays of the algorithm, indexed by digitised point k."""

    def __init__(self, s: np.ndarray, n0: int):
        self.s = s
        self.n_hat = np.full(s.size + 1, n0 + 1, dtype=np.int64)
        self.d = np.zeros(s.size, dtype=np.int64)
        self.cen = np.zeros(s.size, dtype=np.int64)
        self.km = np.ones(s.size)

    def walk(self, lo: int, hi: int, n_start: int, last: int, first_interval: bool, floor_at_zero: bool) -> int:
        """Step 3 over points lo..hi; returns the index of the last point with an event."""
        self.n_hat[lo] = n_start
        for k in range(lo, hi + 1):
            if first_interval and k == lo:
                self.d[k], self.km[k] = 0, 1.0
            elif self.n_hat[k] > 0 and self.km[last] > 0:
                self.d[k] = max(0, round(self.n_hat[k] * (1 - self.s[k] / self.km[last])))
                self.km[k] = self.km[last] * (1 - self.d[k] / self.n_hat[k])
            else:
                self.d[k], self.km[k] = 0, self.km[last]
            self.n_hat[k + 1] = self.n_hat[k] - self.d[k] - self.cen[k]
            if floor_at_zero and self.n_hat[k + 1] < 0:
                self.n_hat[k + 1] = 0
                self.cen[k] = self.n_hat[k] - self.d[k]
            if self.d[k] != 0:
                last = k
        return last


def reconstruct_ipd(
    t_curve,
    s_curve,
    t_risk,
    n_risk,
    total_events: int | None = None,
    max_iterations: int = 10_000,
) -> pd.DataFrame:
    """Guyot (2012) reconstruction for one arm; returns a DataFrame with columns time, event.

    ``t_curve``/``s_curve``: digitised KM coordinates (S on 0–1); ``t_risk``/``n_risk``:
    the published numbers at risk (must include time 0); ``total_events``: optional
    reported number of events.  Risk times at or beyond the last digitised time are unused.
    """
    t, s = _clean_curve(t_curve, s_curve)
    t_risk = np.asarray(t_risk, dtype=float)
    n_risk = np.asarray(n_risk, dtype=float).round().astype(np.int64)
    if t_risk.shape != n_risk.shape or t_risk.ndim != 1:
        raise ValueError("t_risk and n_risk must be 1-D arrays of equal length")
    if np.any(np.diff(t_risk) <= 0):
        raise ValueError("t_risk must be strictly increasing")
    if t_risk[0] != 0:
        raise ValueError("the numbers-at-risk table must start at time 0")
    usable = t_risk < t[-1]
    t_risk, n_risk = t_risk[usable], n_risk[usable].copy()
    t, s = _add_risk_times(t, s, t_risk)
    n_int = t_risk.size
    lower = np.searchsorted(t, t_risk, side="left")
    upper = np.append(np.searchsorted(t, t_risk[1:], side="left") - 1, t.size - 1)
    if np.any(lower > upper):
        raise ValueError("every numbers-at-risk interval needs at least one digitised point")

    state = _State(s, int(n_risk[0]))
    n_censor = np.zeros(n_int, dtype=np.int64)
    last_i = np.zeros(n_int, dtype=np.int64)
    last = 0

    # steps 2-4: intervals 0 .. n_int-2
    for i in range(n_int - 1):
        lo, hi, lo_next = lower[i], upper[i], lower[i + 1]
        n_censor[i] = round(n_risk[i] * s[lo_next] / s[lo] - n_risk[i + 1]) if s[lo] > 0 else 0
        for _ in range(max_iterations):
            if n_censor[i] <= 0:
                state.cen[lo : hi + 1], n_censor[i] = 0, 0
            else:
                state.cen[lo : hi + 1] = _spread(int(n_censor[i]), t[lo : lo_next + 1])
            last = state.walk(lo, hi, int(n_risk[i]), int(last_i[i]), i == 0, floor_at_zero=False)
            n_censor[i] += state.n_hat[lo_next] - n_risk[i + 1]
            too_many = state.n_hat[lo_next] > n_risk[i + 1]
            too_few = state.n_hat[lo_next] < n_risk[i + 1] and n_censor[i] > 0
            if not (too_many or too_few):
                break
        else:
            warnings.warn(f"Guyot: censoring in risk interval {i} did not settle", RuntimeWarning, stacklevel=2)
        if state.n_hat[lo_next] < n_risk[i + 1]:
            n_risk[i + 1] = state.n_hat[lo_next]
        last_i[i + 1] = last

    # step 5: the last interval
    lo, hi = lower[-1], upper[-1]

    def place_last_censoring() -> None:
        if n_censor[-1] <= 0 or hi == lo:
            state.cen[lo:hi], n_censor[-1] = 0, 0
        else:
            state.cen[lo:hi] = _spread(int(n_censor[-1]), t[lo : hi + 1])

    if n_int > 1:
        span_before = t[upper[-2]] - t[lower[0]]
        rate = n_censor[:-1].sum() * (t[hi] - t[lo]) / span_before if span_before > 0 else 0
        n_censor[-1] = min(round(rate), n_risk[-1])
    place_last_censoring()
    state.walk(lo, hi, int(n_risk[-1]), int(last_i[-1]), False, floor_at_zero=True)

    if total_events is not None:
        events_before = int(state.d[: upper[-2] + 1].sum()) if n_int > 1 else 0
        if n_int > 1 and events_before >= total_events:
            state.d[lo : hi + 1], state.cen[lo : hi + 1] = 0, 0
            state.n_hat[lo + 1 : hi + 2] = n_risk[-1]
        else:
            for _ in range(max_iterations):
                total = int(state.d[: hi + 1].sum())
                if not (total > total_events or (total < total_events and n_censor[-1] > 0)):
                    break
                n_censor[-1] += total - total_events
                place_last_censoring()
                state.walk(lo, hi, int(n_risk[-1]), int(last_i[-1]), False, floor_at_zero=True)
            else:
                warnings.warn("Guyot: total-events adjustment did not settle", RuntimeWarning, stacklevel=2)

    # step 6: write out the IPD
    events = np.repeat(t, state.d)
    censored = np.repeat((t[:-1] + t[1:]) / 2, state.cen[:-1])
    n_left = max(0, int(n_risk[0]) - events.size - censored.size)
    times = np.concatenate((events, censored, np.full(n_left, t[-1])))
    flags = np.concatenate((np.ones(events.size, dtype=int), np.zeros(censored.size + n_left, dtype=int)))
    return pd.DataFrame({"time": times, "event": flags})
