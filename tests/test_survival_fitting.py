"""Parametric MLE fits: closed forms, nesting, lifelines cross-checks, BOLERO-2 OS AICs,
joint PH/AFT fits and the PH diagnostics."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import pandas as pd
import pytest
from lifelines import (
    ExponentialFitter,
    GeneralizedGammaFitter,
    LogLogisticFitter,
    LogNormalFitter,
    WeibullFitter,
)
from lifelines.fitters import ParametricUnivariateFitter
from scipy.integrate import trapezoid

from cea.engine import survival as engine
from cea.survival import diagnostics
from cea.survival.fitting import (
    FAMILIES,
    JointFit,
    exponential_rate,
    fit,
    fit_all,
    fit_joint,
    log_hazard_and_survival,
    log_likelihood,
    numerical_hessian,
    treatment_coefficients,
)


def evidence_file(name: str) -> Path:
    path = Path(__file__).resolve().parents[1] / "inputs" / "evidence" / name
    return path


ARM_LABELS = {"eve_exe": "EVE+EXE", "pbo_exe": "PBO+EXE"}
REFERENCE = "pbo_exe"


@pytest.fixture(scope="module")
def os_ipd() -> pd.DataFrame:
    return pd.read_csv(evidence_file("bolero2_os_ipd_reconstructed.csv"))


@pytest.fixture(scope="module")
def os_table(os_ipd):
    return fit_all(os_ipd, reference=REFERENCE, endpoint="OS")


@pytest.fixture(scope="module")
def exponential_data():
    rng = np.random.default_rng(20240601)
    t = rng.exponential(1 / 0.04, 400)
    c = rng.uniform(0, 60, 400)
    return np.minimum(t, c), (t <= c).astype(int)


EXAMPLE_COEFFICIENTS = {
    "exponential": [(-3.5,)],
    "weibull": [(3.6, 0.3), (2.0, -0.4)],
    "gompertz": [(-4.0, 0.03), (-3.0, -0.05)],
    "loglogistic": [(3.4, 0.5), (2.5, -0.2)],
    "lognormal": [(3.4, 0.1), (2.0, -0.5)],
    "gengamma": [(3.6, -0.2, 0.8), (3.0, 0.1, -0.7), (3.2, -0.3, 2.5)],
}


# --- the likelihood formulas against the engine -----------------------------------------


@pytest.mark.parametrize("family, coefficients", [(f, c) for f, cs in EXAMPLE_COEFFICIENTS.items() for c in cs])
def test_log_survival_and_hazard_agree_with_engine(family, coefficients):
    t = np.linspace(0.2, 80, 60)
    log_h, log_s = log_hazard_and_survival(family, coefficients, t)
    np.testing.assert_allclose(np.exp(log_s), engine.survival(family, coefficients, t)[0], rtol=1e-10, atol=1e-14)
    # h = dH/dt (central difference of the engine's cumulative hazard)
    step = 1e-5
    upper = engine.cumulative_hazard(family, coefficients, t + step)[0]
    lower = engine.cumulative_hazard(family, coefficients, t - step)[0]
    dH = (upper - lower) / (2 * step)
    np.testing.assert_allclose(np.exp(log_h), dH, rtol=1e-6, atol=1e-9)


def test_gengamma_special_cases_on_engine():
    t = np.linspace(0.0, 150, 301)
    mu, log_sigma = 3.5, -0.3
    # Q = 1: Weibull with scale e^mu and shape 1/sigma
    np.testing.assert_allclose(
        engine.survival("gengamma", [mu, log_sigma, 1.0], t),
        engine.survival("weibull", [mu, -log_sigma], t),
        atol=1e-13,
    )
    # Q = 0: log-normal; Q -> 0 from either side converges to it
    lognormal = engine.survival("lognormal", [mu, log_sigma], t)
    np.testing.assert_allclose(engine.survival("gengamma", [mu, log_sigma, 0.0], t), lognormal, atol=1e-15)
    for q in (1e-4, -1e-4):
        np.testing.assert_allclose(engine.survival("gengamma", [mu, log_sigma, q], t), lognormal, atol=1e-4)
    # and the same for the fitting formulas (log-density included)
    tp = t[1:]
    # (at Q = 1e-7 the true gap to the log-normal is O(Q·w³) < 1e-5 on this grid)
    for q, other, coefficients in ((1.0, "weibull", [mu, -log_sigma]), (1e-7, "lognormal", [mu, log_sigma])):
        got = log_hazard_and_survival("gengamma", [mu, log_sigma, q], tp)
        want = log_hazard_and_survival(other, coefficients, tp)
        np.testing.assert_allclose(got[0], want[0], atol=1e-5)
        np.testing.assert_allclose(got[1], want[1], atol=1e-5)


# --- closed forms and nesting -----------------------------------------------------------


def test_exponential_mle_is_events_over_time_at_risk(exponential_data):
    time, event = exponential_data
    fitted = fit("exponential", time, event)
    rate = event.sum() / time.sum()
    assert exponential_rate(time, event) == pytest.approx(rate, rel=1e-14)
    # fitted by BFGS + Newton polish, stopping at |dℓ/dθ| < 1e-7 (+ ~4e-8 rounding of the numerical gradient):
    # log(rate) is then within var·1.5e-7 = 1.5e-7/D of the closed form (D events)
    assert np.exp(fitted.coefficients[0]) == pytest.approx(rate, rel=1.5e-7 / event.sum())
    # observed information of log(rate) is D: se = 1/sqrt(D)
    assert fitted.standard_errors[0] == pytest.approx(1 / np.sqrt(event.sum()), rel=1e-5)
    assert fitted.loglik == pytest.approx(event.sum() * np.log(rate) - event.sum(), rel=1e-12)
    assert fitted.converged


def test_weibull_with_shape_one_is_the_exponential(exponential_data):
    time, event = exponential_data
    exponential = fit("exponential", time, event)
    weibull = fit("weibull", time, event)
    at_shape_one = log_likelihood("weibull", [-exponential.coefficients[0], 0.0], time, event)
    assert at_shape_one == pytest.approx(exponential.loglik, abs=1e-9)
    assert weibull.loglik >= exponential.loglik
    # data are exponential: shape 1 lies inside the 99% interval
    assert abs(weibull.coefficients[1]) < 2.576 * weibull.standard_errors[1]
    # and the nested gengamma is at least as good as the Weibull
    assert fit("gengamma", time, event).loglik >= weibull.loglik - 1e-6


def test_weibull_parameters_recovered_from_simulation():
    rng = np.random.default_rng(7)
    scale, shape = 30.0, 1.4
    t = scale * rng.weibull(shape, 3000)
    c = rng.uniform(0, 80, 3000)
    fitted = fit("weibull", np.minimum(t, c), (t <= c).astype(int))
    estimate = np.exp(fitted.coefficients)
    z = np.abs(fitted.coefficients - np.log([scale, shape])) / fitted.standard_errors
    assert np.all(z < 3.5), (estimate, z)


def test_information_criteria_definitions(exponential_data):
    time, event = exponential_data
    fitted = fit("loglogistic", time, event)
    assert fitted.aic == pytest.approx(2 * 2 - 2 * fitted.loglik)
    assert fitted.bic == pytest.approx(2 * np.log(len(time)) - 2 * fitted.loglik)  # n = observations


def test_numerical_hessian_on_a_quadratic():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    hessian = numerical_hessian(lambda x: 0.5 * x @ a @ x + x[0] ** 3 / 6, np.array([0.7, -1.2]))
    np.testing.assert_allclose(hessian, a + np.array([[0.7, 0], [0, 0]]), atol=1e-8)


def test_rejects_non_positive_times():
    with pytest.raises(ValueError):
        fit("weibull", [0.0, 1.0, 2.0], [1, 0, 1])
    with pytest.raises(ValueError):
        fit("weibull", [1.0, 2.0], [0, 0])


# --- lifelines cross-checks on the BOLERO-2 OS data -------------------------------------


class _GompertzFitter(ParametricUnivariateFitter):
    """An independent Gompertz in lifelines: H = e^{log_rate}/shape·(e^{shape·t} − 1)."""

    _fitted_parameter_names = ["log_rate_", "shape_"]
    _bounds = [(None, None), (None, None)]

    def _cumulative_hazard(self, params, times):
        log_rate, shape = params
        return anp.exp(log_rate) / shape * anp.expm1(shape * times)


LIFELINES = {
    "exponential": ExponentialFitter,
    "weibull": WeibullFitter,
    "lognormal": LogNormalFitter,
    "loglogistic": LogLogisticFitter,
    "gengamma": GeneralizedGammaFitter,
    "gompertz": _GompertzFitter,
}


@pytest.mark.parametrize("arm", ["eve_exe", "pbo_exe"])
@pytest.mark.parametrize("family", FAMILIES)
def test_fitted_survival_matches_lifelines(os_ipd, os_table, arm, family):
    group = os_ipd[os_ipd["arm"] == arm]
    ours = os_table.fits[("independent", arm, family)]
    assert ours.converged
    options = {}
    if family == "gompertz":
        options["initial_point"] = np.array([np.log(group["event"].sum() / group["time"].sum()), 0.01])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LIFELINES[family]().fit(group["time"], group["event"], **options)
    grid = np.linspace(0.5, 60, 120)
    theirs_s = theirs.survival_function_at_times(grid).to_numpy()
    difference = np.abs(theirs_s - engine.survival(family, ours.coefficients, grid)[0])
    if family == "gengamma":
        # lifelines stops early on the flat gen-gamma likelihood; ours must be at least as good
        assert ours.loglik >= theirs.log_likelihood_ - 1e-6
        assert difference.max() < 5e-4
    else:
        assert difference.max() < 1e-4
        assert ours.loglik == pytest.approx(theirs.log_likelihood_, abs=1e-4)
    if family in ("gengamma", "gompertz"):  # same estimation scale as ours: compare the covariance
        np.testing.assert_allclose(ours.standard_errors, np.sqrt(np.diag(theirs.variance_matrix_)), rtol=0.01)
    if family == "weibull":  # lifelines reports (λ, ρ): delta method to the log scale
        theirs_se = np.sqrt(np.diag(theirs.variance_matrix_)) / np.array([theirs.lambda_, theirs.rho_])
        np.testing.assert_allclose(ours.standard_errors, theirs_se, rtol=0.01)


def _published_coefficients(family: str, params: dict) -> np.ndarray:
    if family == "Exponential":
        return np.array([-np.log(params["lambda_"])])
    if family == "Weibull":
        return np.log([params["lambda_"], params["rho_"]])
    if family == "LogNormal":
        return np.array([params["mu_"], np.log(params["sigma_"])])
    return np.log([params["alpha_"], params["beta_"]])


def test_aic_and_parameters_match_the_evidence_file(os_table):
    published = pd.read_csv(evidence_file("bolero2_os_piccart2014_parametric_fits.csv"))
    table = os_table.table.query("model == 'independent'")
    family_of = {"Exponential": "exponential", "Weibull": "weibull", "LogNormal": "lognormal"}
    family_of["LogLogistic"] = "loglogistic"
    arm_of = {label: arm for arm, label in ARM_LABELS.items()}
    assert len(published) == 8
    for row in published.itertuples():
        ours = table[(table["arm"] == arm_of[row.arm]) & (table["family"] == family_of[row.distribution])].iloc[0]
        assert ours["aic"] == pytest.approx(row.AIC, abs=0.05), row
        assert ours["median"] == pytest.approx(row.median_months, abs=0.01), row
        coefficients = _published_coefficients(row.distribution, json.loads(row.lifelines_params))
        np.testing.assert_allclose(ours["coefficients"], coefficients, atol=2e-4)
        s48 = engine.survival(ours["family"], np.array(ours["coefficients"]), np.linspace(0, 48, 4801))[0]
        assert trapezoid(s48, dx=0.01) == pytest.approx(row.rmst_0_48_months, abs=0.002), row


def test_fit_table_layout(os_table):
    table = os_table.table
    assert len(table) == 2 * 6 + 2 * 3 + 2 * 4
    assert table["converged"].all()
    expected = ("endpoint", "model", "arm", "family", "k", "loglik", "aic", "bic", "coefficients")
    assert set(expected + ("median", "rmst", "s_24", "s_60", "s_120")) <= set(table.columns)
    independent = table.query("model == 'independent'")
    assert sorted(independent.groupby("arm")["family"].apply(sorted).iloc[0]) == sorted(FAMILIES)
    bic = independent["k"] * np.log(independent["n"]) - 2 * independent["loglik"]
    np.testing.assert_allclose(independent["bic"], bic)
    for key, covariance in os_table.covariances.items():
        k = len(engine.COEFFICIENTS[key[2]])
        assert covariance.shape == (k, k)
        assert np.all(np.linalg.eigvalsh(covariance) > 0), key
    # landmarks are the engine's S at those times
    row = independent.iloc[1]
    s_60 = engine.survival(row["family"], np.array(row["coefficients"]), np.array([60.0]))[0, 0]
    assert row["s_60"] == pytest.approx(s_60)


# --- joint fits ------------------------------------------------------------------------


def test_joint_exponential_hr_has_closed_form(os_ipd):
    treated = (os_ipd["arm"] != REFERENCE).to_numpy()
    joint = fit_joint("exponential", os_ipd["time"], os_ipd["event"], treated)
    rate = {flag: exponential_rate(os_ipd["time"][treated == flag], os_ipd["event"][treated == flag])
            for flag in (0, 1)}
    hr, lower, upper = joint.ratio()
    # optimiser output: |∇ℓ| < 1e-7 (+ gradient rounding) leaves log HR within ‖Σ‖∞·1.5e-7, Σ = inverse Hessian
    events = (os_ipd["event"][treated].sum(), os_ipd["event"][~treated].sum())
    assert hr == pytest.approx(rate[1] / rate[0], rel=2 * (1 / events[0] + 2 / events[1]) * 1.5e-7)
    # se(log HR) = sqrt(1/D1 + 1/D0)
    se = np.sqrt(1 / os_ipd["event"][treated].sum() + 1 / os_ipd["event"][~treated].sum())
    assert np.log(upper / hr) / 1.959963984540054 == pytest.approx(se, rel=1e-4)
    separate = sum(fit("exponential", g["time"], g["event"]).loglik for _, g in os_ipd.groupby("arm"))
    assert joint.loglik == pytest.approx(separate, abs=1e-8)  # the joint exponential is saturated


@pytest.mark.parametrize("family", ["exponential", "weibull", "gompertz"])
def test_ph_joint_fit_gives_proportional_curves(os_table, family):
    joint = os_table.fits[("ph", "eve_exe", family)]
    assert isinstance(joint, JointFit) and joint.converged
    hr = joint.ratio()[0]
    t = np.linspace(0, 120, 121)
    s_ref = engine.survival(family, joint.arm_coefficients(False), t)[0]
    s_trt = engine.survival(family, joint.arm_coefficients(True), t)[0]
    np.testing.assert_allclose(s_trt, s_ref**hr, rtol=1e-10)
    lower, upper = joint.ratio()[1:]
    assert lower < hr < upper


def test_weibull_ph_and_aft_are_the_same_model(os_table, os_ipd):
    ph = os_table.fits[("ph", "eve_exe", "weibull")]
    aft = os_table.fits[("aft", "eve_exe", "weibull")]
    # two optimiser runs of one model: at |∇ℓ| < 1.5e-7 each log-likelihood is within ½·gᵀΣg (~1e-14) of the
    # maximum; the ratio below moves with the coefficients themselves (|δθ| <= ‖Σ‖·1.5e-7, ~1e-9)
    assert ph.loglik == pytest.approx(aft.loglik, abs=1e-7)
    shape = np.exp(ph.coefficients[1])
    assert ph.ratio()[0] == pytest.approx(aft.ratio()[0] ** -shape, rel=1e-6)
    # and the Weibull PH HR is close to the Cox HR (EVIDENCE_REVIEW.md §7: 0.90)
    cox = diagnostics.cox_hazard_ratio(os_ipd, REFERENCE)
    assert ph.ratio()[0] == pytest.approx(cox.hazard_ratio, abs=0.01)
    assert cox.hazard_ratio == pytest.approx(0.90, abs=0.005)


@pytest.mark.parametrize("family", ["loglogistic", "lognormal", "gengamma"])
def test_aft_joint_fit_accelerates_time(os_table, family):
    joint = os_table.fits[("aft", "eve_exe", family)]
    af = joint.ratio()[0]
    t = np.linspace(0, 120, 121)
    s_ref = engine.survival(family, joint.arm_coefficients(False), t)[0]
    s_trt = engine.survival(family, joint.arm_coefficients(True), t * af)[0]
    np.testing.assert_allclose(s_trt, s_ref, rtol=1e-10)
    # delta-method covariance of the treated arm: only the location gains the effect's variance
    cov_trt = joint.arm_covariance(True)
    c = joint.covariance
    assert cov_trt[0, 0] == pytest.approx(c[0, 0] + c[-1, -1] + 2 * c[0, -1], rel=1e-6)


def test_hazard_ratio_refused_for_aft_families():
    with pytest.raises(ValueError, match="proportional-hazards"):
        treatment_coefficients("lognormal", "ph", [3.0, 0.1], np.log(0.9))
    with pytest.raises(ValueError, match="AFT"):
        treatment_coefficients("gompertz", "aft", [-4.0, 0.01], 0.1)


def test_treatment_coefficients_is_batched():
    baseline = np.array([[3.6, 0.3], [3.5, 0.2], [3.7, 0.25]])
    log_hr = np.array([-0.1, 0.0, 0.2])
    out = treatment_coefficients("weibull", "ph", baseline, log_hr)
    np.testing.assert_allclose(out[:, 0], baseline[:, 0] - log_hr / np.exp(baseline[:, 1]))
    np.testing.assert_array_equal(out[:, 1], baseline[:, 1])


# --- diagnostics -------------------------------------------------------------------------


def test_ph_diagnostics_on_bolero2(os_ipd):
    p_value = diagnostics.ph_test(os_ipd, REFERENCE)
    assert 0.0 < p_value < 1.0
    curves = diagnostics.log_cumulative_hazard(os_ipd)
    assert set(curves["arm"]) == {"eve_exe", "pbo_exe"}
    for _, curve in curves.groupby("arm"):
        assert np.all(np.diff(curve["log_cumhaz"]) > 0)  # -log S_KM increases at every event


def test_empirical_hazards_recover_a_constant_hazard():
    rng = np.random.default_rng(11)
    t = rng.exponential(1 / 0.05, 5000)
    c = rng.uniform(0, 40, 5000)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    pieces = diagnostics.piecewise_hazard(time, event, np.arange(0, 31, 6.0))
    assert pieces["events"].sum() == event[time < 30].sum()
    np.testing.assert_allclose(pieces["exposure"].sum(), np.minimum(time, 30).sum())
    assert np.all((pieces["lower"] < 0.05) & (0.05 < pieces["upper"]))
    smooth = diagnostics.smoothed_hazard(time, event, np.arange(6, 25, 3.0), bandwidth=4.0)
    np.testing.assert_allclose(smooth["hazard"], 0.05, rtol=0.2)


def test_gompertz_with_a_falling_hazard_warns_of_a_plateau():
    rng = np.random.default_rng(3)
    cured = rng.random(600) < 0.4
    t = np.where(cured, np.inf, rng.exponential(10.0, 600))
    c = rng.uniform(0, 60, 600)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    with pytest.warns(UserWarning, match="plateaus"):
        fitted = fit("gompertz", time, event)
    assert fitted.coefficients[1] < 0
    plateau = np.exp(np.exp(fitted.coefficients[0]) / fitted.coefficients[1])
    assert plateau == pytest.approx(0.4, abs=0.08)
