"""Parametric survival families, batched over PSA samples.

Every family is one cumulative-hazard formula H(t) in a stated parameterisation;
survival S(t) = exp(-H(t)) is derived once for all of them.  Coefficients live on
the estimation scale (logs of positive quantities) so that a multivariate normal
can be sampled on them (Briggs, Claxton & Sculpher 2006; NICE DSU TSD14).

Shapes: ``coefficients`` is (n_samples, k); ``t`` is (n_times,) in months; every
function returns (n_samples, n_times).  Pure numpy/scipy: no I/O.

Parameterisations (flexsurv / lifelines conventions):

=============  =========================  =====================================
family         coefficients               cumulative hazard / survival
=============  =========================  =====================================
exponential    log_rate                   H = rate·t
weibull        log_scale, log_shape       H = (t/scale)^shape  (lifelines λ, ρ)
gompertz       log_rate, shape            h = rate·e^(shape·t); H = rate/shape·(e^(shape·t) − 1)
loglogistic    log_scale, log_shape       S = 1 / (1 + (t/scale)^shape)  (lifelines α, β)
lognormal      mu, log_sigma              S = 1 − Φ((ln t − mu)/sigma)
gengamma       mu, log_sigma, q           flexsurv GenGamma (Prentice 1974)
=============  =========================  =====================================
"""

from __future__ import annotations

import numpy as np

from cea.structure import ACCELERATED_FAILURE_TIME, COEFFICIENTS, PROPORTIONAL_HAZARDS  # noqa: F401

_TINY = 1e-300  # keeps log() finite where S underflows to zero


def _columns(coefficients: np.ndarray, family: str, time_major: bool) -> list[np.ndarray]:
    """Coefficient columns shaped to broadcast against t: (n, 1) sample-major, (1, n) time-major."""
    if family not in COEFFICIENTS:
        raise ValueError(f"unknown survival family {family!r}; expected one of {sorted(COEFFICIENTS)}")
    coefficients = np.asarray(coefficients, dtype=float)
    if coefficients.ndim == 1:
        coefficients = coefficients[None, :]
    expected = len(COEFFICIENTS[family])
    if coefficients.shape[-1] != expected:
        raise ValueError(f"{family} takes {expected} coefficients {COEFFICIENTS[family]}, got {coefficients.shape[-1]}")
    return [coefficients[:, j][None, :] if time_major else coefficients[:, [j]] for j in range(expected)]


def _times(t: np.ndarray, time_major: bool) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return t[:, None] if time_major else t[None, :]


def cumulative_hazard(family: str, coefficients: np.ndarray, t: np.ndarray, time_major: bool = False) -> np.ndarray:
    """H(t): (n_samples, n_times), or (n_times, n_samples) when ``time_major``; t in months, H(0) = 0."""
    cols, tt = _columns(coefficients, family, time_major), _times(t, time_major)
    if family == "exponential":
        return np.exp(cols[0]) * tt
    if family == "weibull":
        scale, shape = np.exp(cols[0]), np.exp(cols[1])
        return (tt / scale) ** shape
    if family == "gompertz":
        rate, shape = np.exp(cols[0]), cols[1]
        # rate/shape·expm1(shape·t) → rate·t as shape → 0
        small = np.abs(shape) < 1e-12
        safe = np.where(small, 1.0, shape)
        return np.where(small, rate * tt, rate / safe * np.expm1(safe * tt))
    return -np.log(np.maximum(survival(family, coefficients, t, time_major), _TINY))


def survival(family: str, coefficients: np.ndarray, t: np.ndarray, time_major: bool = False) -> np.ndarray:
    """S(t): (n_samples, n_times), or (n_times, n_samples) when ``time_major``; S(0) = 1, non-increasing."""
    if family in ("exponential", "weibull", "gompertz"):
        return np.exp(-cumulative_hazard(family, coefficients, t, time_major))
    cols, tt = _columns(coefficients, family, time_major), _times(t, time_major)
    positive_t = np.maximum(tt, _TINY)
    from scipy import special  # imported here: the PH families (the base case) never load scipy.special

    if family == "loglogistic":
        scale, shape = np.exp(cols[0]), np.exp(cols[1])
        value = 1.0 / (1.0 + (positive_t / scale) ** shape)
    elif family == "lognormal":
        mu, sigma = cols[0], np.exp(cols[1])
        value = special.ndtr(-(np.log(positive_t) - mu) / sigma)
    else:
        value = _gengamma_survival(cols, positive_t)
    return np.where(tt > 0, value, 1.0)


def _gengamma_survival(cols: list[np.ndarray], t: np.ndarray) -> np.ndarray:
    """Generalised gamma, flexsurv parameterisation (mu, sigma, Q).

    w = (ln t − mu)/sigma; for Q ≠ 0, u = Q^-2·exp(Q·w) and
    S = 1 − P(Q^-2, u) when Q > 0, S = P(Q^-2, u) when Q < 0 (P: regularised lower
    incomplete gamma); Q = 0 is the log-normal.  Q = 1 is the Weibull, Q = sigma the gamma.
    """
    from scipy import special

    mu, sigma, q = cols[0], np.exp(cols[1]), cols[2]
    w = (np.log(t) - mu) / sigma
    near_zero = np.abs(q) < 1e-8
    q_safe = np.where(near_zero, 1.0, q)
    a = q_safe**-2
    u = a * np.exp(np.clip(q_safe * w, -700, 700))
    s_q = np.where(q_safe > 0, special.gammaincc(a, u), special.gammainc(a, u))
    return np.where(near_zero, special.ndtr(-w), s_q)


def median(family: str, coefficients: np.ndarray, upper: float = 1200.0) -> np.ndarray:
    """Median survival (months) per sample, by bisection on S(t) = 0.5; inf if not reached by ``upper``."""
    coefficients = np.atleast_2d(np.asarray(coefficients, dtype=float))
    lo = np.zeros(coefficients.shape[0])
    hi = np.full(coefficients.shape[0], upper)
    reached = survival(family, coefficients, np.array([upper]))[:, 0] < 0.5
    for _ in range(80):
        mid = (lo + hi) / 2
        s_mid = np.array([survival(family, coefficients[[i]], np.array([mid[i]]))[0, 0] for i in range(len(mid))])
        lo, hi = np.where(s_mid > 0.5, mid, lo), np.where(s_mid > 0.5, hi, mid)
    return np.where(reached, (lo + hi) / 2, np.inf)


def accelerate(family: str, coefficients: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Coefficients of S(t / AF) for an accelerated-failure-time family (per-sample AF, shape (n_samples,)).

    AF > 1 stretches time (longer survival).  Every AFT family has a log-time location:
    log_scale (Weibull, log-logistic) or mu (log-normal, gen. gamma) moves by +ln AF; the
    exponential's log_rate moves by −ln AF.
    """
    if family not in ACCELERATED_FAILURE_TIME:
        raise ValueError(f"{family} is not an accelerated-failure-time family")
    out = np.array(coefficients, dtype=float, copy=True)
    shift = np.log(np.asarray(factor, dtype=float)).reshape(-1)
    out[:, 0] += -shift if family == "exponential" else shift
    return out
