"""Maximum-likelihood fits of the six standard survival families to right-censored data.

One generic MLE serves every family: the log-likelihood of right-censored data is

    ℓ(θ) = Σ_i [ δ_i · log h(t_i; θ) + log S(t_i; θ) ]          (Collett 2015, §5.6)

with h and S written on the estimation scale of :mod:`cea.engine.survival` (same
coefficient names and order, t in months).  θ̂ maximises ℓ (BFGS with central-difference
gradients, then Newton polishing); its covariance is the inverse of the Hessian of −ℓ at
θ̂, computed by central finite differences with one Richardson extrapolation.

Model-selection criteria (NICE DSU TSD14; HTA_METHODS F10):
    AIC = 2k − 2ℓ,   BIC = k·ln(n) − 2ℓ,   n = number of OBSERVATIONS (not events).

Joint fits with treatment as a covariate (HTA_METHODS SV-6, F6):
    PH  (exponential, weibull, gompertz):  h_trt(t) = HR · h_ref(t), coefficient ``log_hr``;
    AFT (weibull, loglogistic, lognormal, gengamma[, exponential]):
        S_trt(t) = S_ref(t / AF), coefficient ``log_af``.
The reference arm's curve carries the family's own coefficients; the treated arm's
coefficients follow from :func:`treatment_coefficients`.

Convergence flag: finite ℓ, max |∂ℓ/∂θ| < 1e-3 at θ̂ and a positive-definite Hessian.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from scipy.integrate import trapezoid

from cea.engine import survival as engine

FAMILIES: tuple[str, ...] = tuple(engine.COEFFICIENTS)
JOINT_PH: tuple[str, ...] = ("exponential", "weibull", "gompertz")
JOINT_AFT: tuple[str, ...] = ("weibull", "loglogistic", "lognormal", "gengamma")
EFFECT_NAMES = {"ph": "log_hr", "aft": "log_af"}

_TINY = 1e-300
_Q_ZERO = 1e-8  # |Q| below this: generalised gamma evaluated as its log-normal limit
_GRADIENT_TOLERANCE = 1e-3


# ---------------------------------------------------------------------------------------
# log-hazard and log-survival on the engine's parameterisation
# ---------------------------------------------------------------------------------------


def _log_stirling_error(a: np.ndarray | float) -> np.ndarray:
    """ln Γ(a) − [(a − ½)ln a − a + ½ ln 2π]; asymptotic series for large a (no cancellation)."""
    a = np.asarray(a, dtype=float)
    series = 1 / (12 * a) - 1 / (360 * a**3) + 1 / (1260 * a**5) - 1 / (1680 * a**7)
    direct = special.gammaln(a) - (a - 0.5) * np.log(a) + a - 0.5 * np.log(2 * np.pi)
    return np.where(a > 10, series, direct)


def log_hazard_and_survival(family: str, coefficients, t) -> tuple[np.ndarray, np.ndarray]:
    """(log h(t), log S(t)) for ONE coefficient vector at times t > 0.

    Closed forms (flexsurv parameterisation, identical to :mod:`cea.engine.survival`):
    weibull log h = ln ρ − ln λ + (ρ−1)(ln t − ln λ); gompertz log h = ln b + a·t;
    loglogistic h = (β/α)(t/α)^(β−1)·S; lognormal / gengamma log h = log f − log S with
    gengamma (Q ≠ 0, w = (ln t − μ)/σ, a = Q⁻²):
        log f = −½ ln 2π − stirlerr(a) − (e^{Qw} − 1 − Qw)/Q² − ln σ − ln t
    (Prentice 1974; Cox, Chu, Schneider & Muñoz 2007), S = Q(a, a·e^{Qw}) for Q > 0 and
    P(a, a·e^{Qw}) for Q < 0.
    """
    x = np.asarray(coefficients, dtype=float).ravel()
    t = np.asarray(t, dtype=float)
    log_t = np.log(t)
    if family == "exponential":
        return np.full_like(t, x[0]), -np.exp(x[0]) * t
    if family == "weibull":
        log_scale, log_shape = x
        shape = np.exp(log_shape)
        log_ratio = log_t - log_scale
        return log_shape - log_scale + (shape - 1) * log_ratio, -np.exp(shape * log_ratio)
    if family == "gompertz":
        log_rate, shape = x
        cumulative = engine.cumulative_hazard("gompertz", x, t)[0]
        return log_rate + shape * t, -cumulative
    if family == "loglogistic":
        log_scale, log_shape = x
        shape = np.exp(log_shape)
        log_ratio = log_t - log_scale
        log_s = -np.logaddexp(0.0, shape * log_ratio)
        return log_shape - log_scale + (shape - 1) * log_ratio + log_s, log_s
    if family == "lognormal":
        mu, log_sigma = x
        w = (log_t - mu) / np.exp(log_sigma)
        log_s = special.log_ndtr(-w)
        return stats.norm.logpdf(w) - log_sigma - log_t - log_s, log_s
    if family == "gengamma":
        mu, log_sigma, q = x
        w = (log_t - mu) / np.exp(log_sigma)
        if abs(q) < _Q_ZERO:
            return log_hazard_and_survival("lognormal", (mu, log_sigma), t)
        a = q**-2
        qw = np.clip(q * w, -700, 700)
        log_f = -0.5 * np.log(2 * np.pi) - _log_stirling_error(a) - (np.expm1(qw) - qw) / q**2 - log_sigma - log_t
        u = a * np.exp(qw)
        s = special.gammaincc(a, u) if q > 0 else special.gammainc(a, u)
        log_s = np.log(np.maximum(s, _TINY))
        return log_f - log_s, log_s
    raise ValueError(f"unknown survival family {family!r}; expected one of {FAMILIES}")


def log_likelihood(family: str, coefficients, time, event) -> float:
    """ℓ(θ) = Σ δ_i log h(t_i) + log S(t_i) for right-censored data (t_i > 0)."""
    log_h, log_s = log_hazard_and_survival(family, coefficients, time)
    value = float(np.sum(np.asarray(event) * log_h + log_s))
    return value if np.isfinite(value) else -np.inf


# ---------------------------------------------------------------------------------------
# numerical derivatives and the optimiser
# ---------------------------------------------------------------------------------------


def _steps(x: np.ndarray, relative: float) -> np.ndarray:
    return relative * np.maximum(1.0, np.abs(x))


def numerical_gradient(f, x, relative: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of a scalar function."""
    x = np.asarray(x, dtype=float)
    h = _steps(x, relative)
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h[i]
        g[i] = (f(x + e) - f(x - e)) / (2 * h[i])
    return g


def numerical_hessian(f, x, relative: float = 1e-3) -> np.ndarray:
    """Hessian by central differences, Richardson-extrapolated: H = (4·D(h/2) − D(h)) / 3.

    D(h): diagonal (f(x+h_i) − 2f(x) + f(x−h_i))/h_i², off-diagonal
    (f(++) − f(+−) − f(−+) + f(−−)) / (4 h_i h_j).  Error O(h⁴) plus rounding.
    """
    x = np.asarray(x, dtype=float)
    f0 = f(x)

    def central(h: np.ndarray) -> np.ndarray:
        k = x.size
        out = np.empty((k, k))
        unit = np.eye(k) * h
        for i in range(k):
            out[i, i] = (f(x + unit[i]) - 2 * f0 + f(x - unit[i])) / h[i] ** 2
            for j in range(i):
                value = (
                    f(x + unit[i] + unit[j])
                    - f(x + unit[i] - unit[j])
                    - f(x - unit[i] + unit[j])
                    + f(x - unit[i] - unit[j])
                ) / (4 * h[i] * h[j])
                out[i, j] = out[j, i] = value
        return out

    h = _steps(x, relative)
    return (4 * central(h / 2) - central(h)) / 3


def _is_positive_definite(matrix: np.ndarray) -> bool:
    if not np.all(np.isfinite(matrix)):
        return False
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _minimise(nll, start: np.ndarray) -> np.ndarray:
    """BFGS from ``start`` followed by up to 20 damped Newton steps on the numerical Hessian."""
    result = optimize.minimize(
        nll, start, jac=lambda z: numerical_gradient(nll, z), method="BFGS", options={"gtol": 1e-7, "maxiter": 2000}
    )
    x = result.x
    for _ in range(20):
        gradient = numerical_gradient(nll, x)
        if np.max(np.abs(gradient)) < 1e-7:
            break
        hessian = numerical_hessian(nll, x)
        if not _is_positive_definite(hessian):
            break
        step = np.linalg.solve(hessian, gradient)
        current, damping = nll(x), 1.0
        while damping > 1e-6 and not nll(x - damping * step) <= current:
            damping /= 2
        if damping <= 1e-6:
            break
        x = x - damping * step
    return x


def _maximum_likelihood(loglik, starts: list[np.ndarray]):
    """Best of the optimisations from each start: (θ̂, ℓ̂, covariance, converged)."""

    def nll(z):
        value = -loglik(z)
        return value if np.isfinite(value) else 1e300

    best = min((_minimise(nll, np.asarray(s, dtype=float)) for s in starts), key=nll)
    hessian = numerical_hessian(nll, best)
    gradient = numerical_gradient(nll, best)
    converged = bool(
        np.isfinite(loglik(best))
        and np.max(np.abs(gradient)) < _GRADIENT_TOLERANCE
        and _is_positive_definite(hessian)
    )
    covariance = np.linalg.inv(hessian) if converged else np.full_like(hessian, np.nan)
    return best, float(loglik(best)), covariance, converged


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalFit:
    """One fitted model: coefficients on the engine's estimation scale with their covariance."""

    family: str
    coefficient_names: tuple[str, ...]
    coefficients: np.ndarray
    covariance: np.ndarray
    loglik: float
    n: int
    events: int
    converged: bool

    @property
    def k(self) -> int:
        return len(self.coefficients)

    @property
    def aic(self) -> float:
        return 2 * self.k - 2 * self.loglik

    @property
    def bic(self) -> float:
        """k·ln(n) − 2ℓ with n the number of observations."""
        return self.k * np.log(self.n) - 2 * self.loglik

    @property
    def standard_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))


@dataclass(frozen=True)
class JointFit(SurvivalFit):
    """Both arms in one model: the reference-arm coefficients followed by ``log_hr`` / ``log_af``."""

    effect: str = "ph"

    @property
    def baseline(self) -> np.ndarray:
        return self.coefficients[:-1]

    def ratio(self, confidence: float = 0.95) -> tuple[float, float, float]:
        """HR (effect 'ph') or acceleration factor (effect 'aft') with its Wald interval."""
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_ratio, se = self.coefficients[-1], self.standard_errors[-1]
        return float(np.exp(log_ratio)), float(np.exp(log_ratio - z * se)), float(np.exp(log_ratio + z * se))

    def arm_coefficients(self, treated: bool) -> np.ndarray:
        """Engine coefficients of the reference (treated=False) or treated arm's curve."""
        if not treated:
            return self.baseline.copy()
        return treatment_coefficients(self.family, self.effect, self.baseline, self.coefficients[-1])[0]

    def arm_covariance(self, treated: bool) -> np.ndarray:
        """Covariance of :meth:`arm_coefficients` by the delta method (J Σ Jᵀ)."""
        k = self.k - 1
        if not treated:
            return self.covariance[:k, :k].copy()
        jacobian = np.empty((k, self.k))
        h = _steps(self.coefficients, 1e-6)
        for j in range(self.k):
            e = np.zeros(self.k)
            e[j] = h[j]
            up, down = self.coefficients + e, self.coefficients - e
            jacobian[:, j] = (
                treatment_coefficients(self.family, self.effect, up[:-1], up[-1])[0]
                - treatment_coefficients(self.family, self.effect, down[:-1], down[-1])[0]
            ) / (2 * h[j])
        return jacobian @ self.covariance @ jacobian.T


def treatment_coefficients(family: str, effect: str, coefficients, log_effect) -> np.ndarray:
    """Treated-arm engine coefficients from reference-arm ones, batched over rows.

    PH (h_trt = HR·h_ref): exponential/gompertz log_rate + log HR; weibull
    log_scale − log HR / shape.  AFT (S_trt(t) = S_ref(t/AF)): weibull/loglogistic
    log_scale + log AF; lognormal/gengamma mu + log AF; exponential log_rate − log AF.
    """
    out = np.atleast_2d(np.array(coefficients, dtype=float))
    log_effect = np.broadcast_to(np.asarray(log_effect, dtype=float), out.shape[:1])
    if effect == "ph":
        if family not in engine.PROPORTIONAL_HAZARDS:
            raise ValueError(f"a hazard ratio needs a proportional-hazards family, not {family!r} (use effect='aft')")
        if family == "weibull":
            out[:, 0] -= log_effect / np.exp(out[:, 1])
        else:
            out[:, 0] += log_effect
        return out
    if effect == "aft":
        if family not in engine.ACCELERATED_FAILURE_TIME:
            raise ValueError(f"an acceleration factor needs an AFT family, not {family!r} (use effect='ph')")
        return engine.accelerate(family, out, np.exp(log_effect))
    raise ValueError(f"effect must be 'ph' or 'aft', not {effect!r}")


# ---------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------


def _check_data(time, event) -> tuple[np.ndarray, np.ndarray]:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    if time.shape != event.shape or time.ndim != 1 or time.size == 0:
        raise ValueError("time and event must be non-empty 1-D arrays of equal length")
    if np.any(~np.isfinite(time)) or np.any(time <= 0):
        raise ValueError("parametric fits need strictly positive, finite times")
    if not np.all(np.isin(event, (0.0, 1.0))):
        raise ValueError("event must be 0 (censored) or 1 (event)")
    if event.sum() == 0:
        raise ValueError("no events: the likelihood has no maximum")
    return time, event


def exponential_rate(time, event) -> float:
    """Closed-form exponential MLE λ̂ = D / Σ t_i (events over total time at risk)."""
    time, event = _check_data(time, event)
    return float(event.sum() / time.sum())


def _starts(family: str, time: np.ndarray, event: np.ndarray) -> list[np.ndarray]:
    log_rate = np.log(exponential_rate(time, event))
    log_median = np.log(np.log(2)) - log_rate
    if family == "exponential":
        return [np.array([log_rate])]
    if family == "weibull":
        return [np.array([-log_rate, 0.0])]
    if family == "gompertz":
        return [np.array([log_rate, 0.0]), np.array([log_rate, 0.01]), np.array([log_rate, -0.01])]
    if family in ("loglogistic", "lognormal"):
        return [np.array([log_median, 0.0])]
    if family == "gengamma":
        weibull = fit("weibull", time, event).coefficients
        lognormal = fit("lognormal", time, event).coefficients
        # Q = 1 is the Weibull (mu = ln λ, σ = 1/ρ); Q → 0 the log-normal
        return [np.array([weibull[0], -weibull[1], 1.0]), np.array([*lognormal, 0.1]), np.array([*lognormal, -0.1])]
    raise ValueError(f"unknown survival family {family!r}; expected one of {FAMILIES}")


def fit(family: str, time, event) -> SurvivalFit:
    """Maximum-likelihood fit of one family to right-censored (time, event) data."""
    time, event = _check_data(time, event)
    theta, loglik, covariance, converged = _maximum_likelihood(
        lambda z: log_likelihood(family, z, time, event), _starts(family, time, event)
    )
    if family == "gompertz" and theta[1] < 0:  # HTA_METHODS SV-9 / P8
        plateau = np.exp(np.exp(theta[0]) / theta[1])
        message = f"Gompertz shape {theta[1]:.4g} < 0: S(t) plateaus at {plateau:.3g} (a cured fraction)"
        warnings.warn(message, stacklevel=2)
    return SurvivalFit(
        family, engine.COEFFICIENTS[family], theta, covariance, loglik, int(time.size), int(event.sum()), converged
    )


def fit_joint(family: str, time, event, treated, effect: str | None = None) -> JointFit:
    """One model for both arms with treatment as a covariate (PH: log HR; AFT: log AF).

    ``treated`` is 1 for the treated arm and 0 for the reference arm; ``effect`` defaults
    to 'ph' for PH families and 'aft' otherwise.
    """
    time, event = _check_data(time, event)
    treated = np.asarray(treated).astype(bool)
    if treated.shape != time.shape or treated.all() or not treated.any():
        raise ValueError("treated must flag some, but not all, observations")
    effect = effect or ("ph" if family in engine.PROPORTIONAL_HAZARDS else "aft")
    treatment_coefficients(family, effect, np.zeros(len(engine.COEFFICIENTS[family])), 0.0)  # validates the pair

    def loglik(z: np.ndarray) -> float:
        baseline, log_effect = z[:-1], z[-1]
        other = treatment_coefficients(family, effect, baseline, log_effect)[0]
        return log_likelihood(family, baseline, time[~treated], event[~treated]) + log_likelihood(
            family, other, time[treated], event[treated]
        )

    reference = fit(family, time[~treated], event[~treated]).coefficients
    theta, value, covariance, converged = _maximum_likelihood(loglik, [np.append(reference, 0.0)])
    names = (*engine.COEFFICIENTS[family], EFFECT_NAMES[effect])
    return JointFit(family, names, theta, covariance, value, int(time.size), int(event.sum()), converged, effect)


# ---------------------------------------------------------------------------------------
# the table of all fits
# ---------------------------------------------------------------------------------------


@dataclass
class FitTable:
    """All fits of one endpoint.

    ``table``: one row per (model, arm, family); model is 'independent', 'ph' or 'aft'.
    For joint models k/loglik/aic/bic/n belong to the joint model (repeated on both arm
    rows) and ``coefficients`` are the arm's own curve.  ``fits[(model, arm, family)]``
    holds the fit object (a :class:`JointFit` for joint models, whose ``covariance`` spans
    baseline + effect); ``covariances[(model, arm, family)]`` the k×k covariance of that
    arm's coefficients (delta method for a joint model's treated arm).
    """

    table: pd.DataFrame
    fits: dict[tuple[str, str, str], SurvivalFit] = field(default_factory=dict)
    covariances: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)


def _curve_summary(family: str, coefficients: np.ndarray, tau: float, landmarks, horizon) -> dict:
    grid = np.linspace(0.0, tau, 4001)
    curve = engine.survival(family, coefficients, grid)[0]
    summary = {
        "median": float(engine.median(family, coefficients)[0]),
        "tau": tau,
        "rmst": float(trapezoid(curve, grid)),
    }
    if horizon is not None:
        long_grid = np.linspace(0.0, horizon, 20001)
        summary["mean_horizon"] = float(trapezoid(engine.survival(family, coefficients, long_grid)[0], long_grid))
    values = engine.survival(family, coefficients, np.asarray(landmarks, dtype=float))[0]
    summary.update({f"s_{m:g}": float(v) for m, v in zip(landmarks, values)})
    return summary


def _row(endpoint, model, arm, fitted: SurvivalFit, coefficients, summary, effect=None) -> dict:
    ratio = fitted.ratio() if isinstance(fitted, JointFit) else (np.nan, np.nan, np.nan)
    return {
        "endpoint": endpoint,
        "model": model,
        "arm": arm,
        "family": fitted.family,
        "k": fitted.k,
        "n": fitted.n,
        "events": fitted.events,
        "loglik": fitted.loglik,
        "aic": fitted.aic,
        "bic": fitted.bic,
        "converged": fitted.converged,
        "coefficient_names": engine.COEFFICIENTS[fitted.family],
        "coefficients": tuple(float(c) for c in coefficients),
        "effect": {"ph": "HR", "aft": "AF"}.get(effect, ""),
        "effect_estimate": ratio[0],
        "effect_lower": ratio[1],
        "effect_upper": ratio[2],
        **summary,
    }


def fit_all(
    data: pd.DataFrame,
    reference: str | None = None,
    endpoint: str = "",
    families=FAMILIES,
    tau: float | None = None,
    landmarks=(24.0, 60.0, 120.0),
    horizon: float | None = None,
) -> FitTable:
    """Fit every family to every arm of ``data`` (columns time, event, arm), and jointly.

    Independent per-arm fits always; joint fits (PH for :data:`JOINT_PH`, AFT for
    :data:`JOINT_AFT`) only when ``reference`` names the reference arm of exactly two
    arms.  Summaries per row: median, restricted mean to ``tau`` (default: the largest
    observed time), S at ``landmarks`` (months) and, if ``horizon`` is given, the mean
    restricted to ``horizon``.
    """
    missing = {"time", "event", "arm"} - set(data.columns)
    if missing:
        raise ValueError(f"data lacks columns {sorted(missing)}")
    arms = list(pd.unique(data["arm"]))
    tau = float(data["time"].max()) if tau is None else float(tau)
    rows, fits, covariances = [], {}, {}
    for arm in arms:
        subset = data[data["arm"] == arm]
        for family in families:
            fitted = fit(family, subset["time"], subset["event"])
            key = ("independent", arm, family)
            fits[key], covariances[key] = fitted, fitted.covariance
            summary = _curve_summary(family, fitted.coefficients, tau, landmarks, horizon)
            rows.append(_row(endpoint, "independent", arm, fitted, fitted.coefficients, summary))
    if reference is not None:
        if reference not in arms or len(arms) != 2:
            raise ValueError(f"joint fits need exactly two arms including the reference {reference!r}; got {arms}")
        treated = (data["arm"] != reference).to_numpy()
        for effect, joint_families in (("ph", JOINT_PH), ("aft", JOINT_AFT)):
            for family in (f for f in joint_families if f in families):
                fitted = fit_joint(family, data["time"], data["event"], treated, effect)
                for arm in arms:
                    is_treated = arm != reference
                    coefficients = fitted.arm_coefficients(is_treated)
                    key = (effect, arm, family)
                    fits[key], covariances[key] = fitted, fitted.arm_covariance(is_treated)
                    summary = _curve_summary(family, coefficients, tau, landmarks, horizon)
                    rows.append(_row(endpoint, effect, arm, fitted, coefficients, summary, effect))
    return FitTable(pd.DataFrame(rows), fits, covariances)
