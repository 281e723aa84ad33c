"""Six-family survival fits of survival_data.csv, curves written back in the inputs' format, PFS data cuts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cea.analyses.survival_fits import CurveChoice, curve_rows, recommended_choices, run_survival_fits, write_curve_rows
from cea.inputs.overrides import scenario_overrides
from cea.survival import exponential_from_median, weibull_ph_from_medians
from cea.survival.fitting import FAMILIES
from tests.conftest import INPUTS


@pytest.fixture(scope="module")
def fits(shipped_inputs):
    return run_survival_fits(shipped_inputs)


@pytest.fixture(scope="module")
def table(fits):
    return fits.to_frame()


def test_every_family_per_arm_and_the_joint_models(table):
    independent = table[table["model"] == "independent"]
    assert sorted(independent.groupby("arm")["family"].apply(sorted).to_dict().items()) == [
        ("eve_exe", sorted(FAMILIES)), ("exe", sorted(FAMILIES))]
    assert set(table.loc[table["model"] == "ph", "family"]) == {"exponential", "weibull", "gompertz"}
    assert set(table.loc[table["model"] == "aft", "family"]) == {"weibull", "loglogistic", "lognormal", "gengamma"}
    assert table["converged"].all()
    np.testing.assert_allclose(table["aic"], 2 * table["k"] - 2 * table["loglik"])
    np.testing.assert_allclose(table["bic"], table["k"] * np.log(table["n"]) - 2 * table["loglik"])
    assert set(table.loc[independent.index, "n"]) == {485, 239}
    assert {"s_2y", "s_5y", "s_10y", "mean_to_horizon", "plausible", "ph_test_p", "cox_hr", "delta_aic"} <= set(table)


def test_fit_statistics_match_closed_forms_and_the_independent_lifelines_fits(fits, table):
    data = fits.endpoints["os"].data
    for arm in ("eve_exe", "exe"):
        part = data[data["arm"] == arm]
        rate = part["event"].sum() / part["time"].sum()  # exponential MLE D / sum(t) (HTA_METHODS F11)
        assert fits.coefficients("os", arm, "exponential")[0] == pytest.approx(np.log(rate), abs=1e-7)
        assert fits.covariance("os", arm, "exponential")[0, 0] == pytest.approx(1 / part["event"].sum(), rel=1e-4)
    lifelines = pd.read_csv(INPUTS / "evidence" / "bolero2_os_piccart2014_parametric_fits.csv")
    aic = table[table["model"] == "independent"].set_index(["arm", "family"])["aic"]
    names = {"Exponential": "exponential", "Weibull": "weibull", "LogNormal": "lognormal", "LogLogistic": "loglogistic"}
    for _, row in lifelines.iterrows():
        arm = {"EVE+EXE": "eve_exe", "PBO+EXE": "exe"}[row["arm"]]
        assert aic[(arm, names[row["distribution"]])] == pytest.approx(row["AIC"], abs=0.01)


def test_diagnostics_and_plausibility(fits, table):
    os_fits = fits.endpoints["os"]
    assert os_fits.reference == "exe"
    assert os_fits.cox.hazard_ratio == pytest.approx(0.90, abs=0.01)  # published 0.89 (0.73-1.10)
    assert 0.73 <= os_fits.cox.hazard_ratio <= 1.10
    assert os_fits.ph_p_value > 0.05
    weibull = table[(table["model"] == "independent") & (table["family"] == "weibull")].set_index("arm")
    assert weibull.loc["eve_exe", "median"] == pytest.approx(30.8, abs=0.1)
    assert weibull["plausible"].all() and (weibull["s_10y"] < weibull["s_5y"]).all()
    assert (weibull["mean_to_horizon"] > weibull["rmst"]).all()
    # the general-population curve is the inputs' life table from start_age
    assert fits.gp_survival[0] == 1 and np.all(np.diff(fits.gp_survival) < 0)
    assert [c.family for c in recommended_choices(fits, "os")] == ["weibull", "weibull"]


def _shipped(path: str) -> pd.DataFrame:
    return pd.read_csv(INPUTS / path)


def test_shipped_os_rows_equal_a_refit_of_the_shipped_ipd(fits, tmp_path):
    choices = [CurveChoice("os_eve_exe", "os", "eve_exe", "weibull"), CurveChoice("os_exe", "os", "exe", "weibull")]
    write_curve_rows(fits, choices, tmp_path / "models.csv", tmp_path / "covariance.csv")
    models, covariance = pd.read_csv(tmp_path / "models.csv"), pd.read_csv(tmp_path / "covariance.csv")
    assert list(models.columns) == list(_shipped("survival_models.csv").columns)
    assert list(covariance.columns) == list(_shipped("survival_covariance.csv").columns)
    shipped_models = _shipped("survival_models.csv").set_index(["curve", "coefficient"])["estimate"]
    shipped_cov = _shipped("survival_covariance.csv").set_index(["curve", "coefficient_1", "coefficient_2"])["covariance"]
    for _, row in models.iterrows():
        assert row["estimate"] == pytest.approx(shipped_models[(row["curve"], row["coefficient"])], abs=2e-6)
    for _, row in covariance.iterrows():
        expected = shipped_cov[(row["curve"], row["coefficient_1"], row["coefficient_2"])]
        assert row["covariance"] == pytest.approx(expected, rel=2e-4)


def test_alternative_os_curves_in_the_inputs_equal_the_refit(fits):
    """Every os_<arm>_<family> curve of survival_models.csv / survival_covariance.csv is reproducible."""
    shipped = _shipped("survival_models.csv")
    alternatives = sorted(c for c in shipped["curve"].unique() if c.startswith("os_") and c not in ("os_eve_exe", "os_exe"))
    assert {f"os_{arm}_{family}" for arm in ("eve_exe", "exe")
            for family in ("loglogistic", "lognormal", "gengamma", "gompertz", "exponential")} <= set(alternatives)
    choices = []
    for curve in alternatives:
        arm = "eve_exe" if curve.startswith("os_eve_exe_") else "exe"
        family = curve.removeprefix(f"os_{arm}_")
        model = next((m for m in ("ph", "aft") if family.endswith(f"_{m}")), "independent")
        choices.append(CurveChoice(curve, "os", arm, family.removesuffix(f"_{model}"), model))
    models, covariance = curve_rows(fits, choices)
    merged = models.merge(shipped, on=["curve", "coefficient"], suffixes=("", "_shipped"))
    assert len(merged) == len(models)
    cov = covariance.merge(_shipped("survival_covariance.csv"), on=["curve", "coefficient_1", "coefficient_2"],
                           suffixes=("", "_shipped"))
    assert len(cov) == len(covariance)
    # Tolerances from the fitter's convergence criterion (cea.survival.fitting._minimise), not from rounding:
    # - the optimum is accepted when |∇ℓ|∞ < 1e-7, and the central-difference gradient (step 1e-5·max(1, |θ|))
    #   carries a rounding error of about ε·|ℓ|/1e-5 ≈ 4e-8 (|ℓ| <= 2,000 nats here), so the estimate can sit
    #   |δθ| <= ‖Σ‖∞ · 1.5e-7 from the exact maximum (Σ = inverse Hessian, the shipped covariance);
    # - Σ is the inverse of a Richardson central-difference Hessian with step h = 1e-3·max(1, |θ|); rounding makes
    #   each entry uncertain by about 16·ε·|ℓ|/h² (h/2 steps), and δΣ = −Σ·δH·Σ, so |δΣ| <= k·‖Σ‖₂²·16·ε·|ℓ|/h².
    # The flattest fit (generalised gamma of the exe arm) moves by ~1.6e-7 relative across scipy builds and CPUs.
    # The shipped files hold estimates to 10 decimals and covariances to 10 significant digits (write_curve_rows).
    eps, loglik_bound = np.finfo(float).eps, 2_000.0
    for curve, rows in cov.groupby("curve"):
        names = list(dict.fromkeys([*rows["coefficient_1"], *rows["coefficient_2"]]))
        sigma = np.zeros((len(names), len(names)))
        for _, r in rows.iterrows():
            i, j = names.index(r["coefficient_1"]), names.index(r["coefficient_2"])
            sigma[i, j] = sigma[j, i] = r["covariance_shipped"]
        estimate_tol = np.abs(sigma).sum(axis=1).max() * (1e-7 + eps * loglik_bound / 1e-5) + 5e-11
        covariance_tol = len(names) * np.linalg.norm(sigma, 2) ** 2 * 16 * eps * loglik_bound / 1e-3**2
        estimates = merged[merged["curve"] == curve]
        np.testing.assert_allclose(estimates["estimate"], estimates["estimate_shipped"], rtol=0, atol=estimate_tol,
                                   err_msg=curve)
        np.testing.assert_allclose(rows["covariance"], rows["covariance_shipped"], rtol=5e-10, atol=covariance_tol,
                                   err_msg=curve)


def test_every_pfs_scenario_is_the_calibration_of_its_data_cut(shipped_inputs):
    cuts = pd.read_csv(INPUTS / "pfs_data_cuts.csv").set_index("cut")
    scenarios = {k: v for k, v in scenario_overrides(shipped_inputs).items() if k.startswith("pfs_")}
    assert set(scenarios) == {"pfs_final_central", "pfs_interim_local", "pfs_interim_central", "pfs_exponential"}
    for name, overrides in scenarios.items():
        assert set(overrides) == {"pfs_exe.log_scale", "pfs_exe.log_shape", "hr_pfs"}
        if name == "pfs_exponential":
            row = cuts.loc["final_local"]
            expected = (-exponential_from_median(row["median_control"])[0], 0.0)
        else:
            row = cuts.loc[name.removeprefix("pfs_")]
            expected = tuple(weibull_ph_from_medians(row["median_control"], row["median_treatment"],
                                                     row["hazard_ratio"]).control)
        assert float(overrides["pfs_exe.log_scale"]) == pytest.approx(expected[0], abs=1e-10)
        assert float(overrides["pfs_exe.log_shape"]) == pytest.approx(expected[1], abs=1e-10)
        assert float(overrides["hr_pfs"]) == row["hazard_ratio"]
    # the base case is the final local cut, and its hr_pfs parameter carries that row's CI
    base = cuts.loc["final_local"]
    calibration = weibull_ph_from_medians(base["median_control"], base["median_treatment"], base["hazard_ratio"])
    np.testing.assert_allclose(shipped_inputs.curves["pfs_exe"].estimates, calibration.control, atol=1e-9)
    hr = shipped_inputs.parameters["hr_pfs"]
    assert (hr.value, hr.ci_low, hr.ci_high) == (base["hazard_ratio"], base["ci_low"], base["ci_high"])


def test_os_distribution_scenarios_switch_both_arms(shipped_inputs):
    scenarios = scenario_overrides(shipped_inputs)
    for family in ("loglogistic", "lognormal", "gengamma", "gompertz", "exponential"):
        assert scenarios[f"os_{family}"] == {"arm.eve_exe.os_curve": f"os_eve_exe_{family}",
                                             "arm.exe.os_curve": f"os_exe_{family}",
                                             "arm.eve_exe.os_hazard_ratio": "none"}
        for arm in ("eve_exe", "exe"):
            assert shipped_inputs.curves[f"os_{arm}_{family}"].family == family
            curve = shipped_inputs.curves[f"os_{arm}_{family}"]
            rows = _shipped("survival_covariance.csv").query("curve == @curve.id")
            assert len(rows) == len(curve.coefficients) * (len(curve.coefficients) + 1) // 2  # every entry once
            for _, r in rows.iterrows():  # the matrix the PSA samples from is the one in the file
                i, j = curve.coefficients.index(r["coefficient_1"]), curve.coefficients.index(r["coefficient_2"])
                assert curve.covariance[i, j] == curve.covariance[j, i] == r["covariance"]
