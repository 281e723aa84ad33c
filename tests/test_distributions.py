"""Distribution constructors and PSA sampling (HTA_METHODS UN-2, SV-13, VV-24)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cea.parameters import distributions as dist
from cea.parameters.sampling import draw, stochastic_ids


@given(mean=st.floats(0.02, 0.98), rel=st.floats(0.01, 0.9))
def test_beta_method_of_moments_round_trip(mean, rel):
    se = rel * np.sqrt(mean * (1 - mean))
    d = dist.beta_from_mean_se(mean, se)
    assert d.mean() == pytest.approx(mean, rel=1e-9)
    assert d.std() == pytest.approx(se, rel=1e-9)


def test_beta_refuses_impossible_se():
    with pytest.raises(ValueError, match="se²"):
        dist.beta_from_mean_se(0.5, 0.5)


@given(mean=st.floats(0.01, 1e5), rel=st.floats(0.01, 2.0))
def test_gamma_method_of_moments_round_trip(mean, rel):
    d = dist.gamma_from_mean_se(mean, rel * mean)
    assert d.mean() == pytest.approx(mean, rel=1e-9) and d.std() == pytest.approx(rel * mean, rel=1e-9)


def test_lognormal_from_ci_recovers_the_interval():
    d = dist.lognormal_from_ci(0.45, 0.38, 0.54)
    assert d.median() == pytest.approx(0.45)
    s = (np.log(0.54) - np.log(0.38)) / (2 * 1.959963984540054)
    assert d.ppf(0.025) == pytest.approx(0.45 * np.exp(-1.959963984540054 * s), rel=1e-9)
    assert d.ppf(0.975) == pytest.approx(0.45 * np.exp(1.959963984540054 * s), rel=1e-9)
    # the published CI is slightly asymmetric on the log scale; the fitted interval is within 2% of it
    assert d.ppf(0.025) == pytest.approx(0.38, rel=0.02) and d.ppf(0.975) == pytest.approx(0.54, rel=0.02)


def test_multivariate_normal_reproduces_mean_and_covariance():
    rng = np.random.default_rng(7)
    mu = np.array([1.5, -0.1])
    cov = np.array([[0.02, -0.006], [-0.006, 0.01]])
    x = dist.multivariate_normal_draws(mu, cov, rng.standard_normal((200_000, 2)))
    assert np.all(np.abs(x.mean(0) - mu) < 4 * np.sqrt(np.diag(cov) / 200_000))
    np.testing.assert_allclose(np.cov(x.T), cov, rtol=0.02, atol=2e-5)


FAMILIES = [dist.beta_from_mean_se(0.72, 0.03), dist.beta_from_counts(39, 482), dist.beta_from_counts(0.4, 1.5),
            dist.gamma_from_mean_se(2500.0, 600.0), dist.gamma_from_mean_se(3.0, 5.0),
            dist.lognormal_from_ci(0.45, 0.38, 0.54), dist.normal_from_mean_se(-0.02, 0.01),
            dist.dirichlet_marginal(361.0, 482.0)]


@pytest.mark.parametrize("distribution", FAMILIES, ids=lambda d: f"{d.dist.name}{d.kwds}")
def test_native_draws_follow_the_scipy_distribution(distribution):
    """numpy's samplers draw from the distribution the constructor defines: Kolmogorov-Smirnov distance of
    100,000 draws below its 0.1% critical value 1.95/√n (a swapped beta, a rate for a scale or a variance for
    an SD is far beyond it), and mean and SD within 4 Monte Carlo standard errors (the SD's relative
    standard error is √((κ − 1)/(4n)), κ the kurtosis)."""
    from scipy import stats

    n = 100_000
    x = dist.random_draws(distribution, np.random.default_rng(2024), n)
    assert stats.kstest(x, distribution.cdf).statistic < 1.95 / np.sqrt(n)
    assert abs(x.mean() - distribution.mean()) < 4 * distribution.std() / np.sqrt(n)
    excess_kurtosis = float(distribution.stats(moments="k"))
    assert abs(x.std() / distribution.std() - 1) < 4 * np.sqrt((excess_kurtosis + 2) / (4 * n))  # SE(s)/σ


@pytest.mark.parametrize("distribution", FAMILIES, ids=lambda d: f"{d.dist.name}{d.kwds}")
def test_native_draws_are_prefix_stable(distribution):
    """The first m of n draws are the m draws of the same stream (rejection samplers included: the gamma for a
    shape below 1, Jöhnk's beta for a, b ≤ 1): a PSA's first iterations do not depend on its length."""
    long = dist.random_draws(distribution, np.random.default_rng(8), 1000)
    for m in (1, 137, 999):
        np.testing.assert_array_equal(dist.random_draws(distribution, np.random.default_rng(8), m), long[:m])


def test_every_shipped_parameter_is_drawn_from_its_own_distribution(shipped_inputs):
    """Each stochastic scalar of the shipped inputs, as the PSA draws it, against the CDF of its scipy
    distribution (KS distance below the 1e-6 critical value 2.77/√n, so that one of ~80 fixed-seed checks
    does not fail by chance); fixed parameters stay at their value."""
    from scipy import stats

    from cea.parameters.parameter_set import dirichlet_totals, marginal_distribution

    n = 20_000
    sample = draw(shipped_inputs, n, np.random.default_rng(5))
    totals = dirichlet_totals(shipped_inputs)
    checked = 0
    for row in shipped_inputs.parameters.values():
        distribution = marginal_distribution(row, totals.get(row.dirichlet_group))
        if distribution is None or not row.is_stochastic:
            assert np.all(sample[row.id] == row.value), row.id
            continue
        assert stats.kstest(sample[row.id], distribution.cdf).statistic < 2.77 / np.sqrt(n), row.id
        checked += 1
    assert checked >= 70


def test_psa_draws_match_their_distributions(shipped_inputs):
    sample = draw(shipped_inputs, 20_000, np.random.default_rng(11))
    hr = sample["hr_pfs"]
    assert np.median(hr) == pytest.approx(0.45, rel=0.01)
    u = sample["u_pf"]
    assert u.mean() == pytest.approx(0.72, abs=4 * 0.03 / np.sqrt(20_000))
    shares = sample["eve_share_10mg"] + sample["eve_share_5mg"]
    np.testing.assert_allclose(shares, 1.0, rtol=1e-12)
    assert sample["eve_share_10mg"].mean() == pytest.approx(0.75, abs=0.005)
    assert np.all(sample["ae_rate_pneumonitis_exe"] == 0.0)  # fixed
    stomatitis = sample["ae_rate_stomatitis_eve_exe"]
    assert stomatitis.mean() == pytest.approx(39 / 482, rel=0.02)
    assert np.cov(sample["os_exe_weibull_ph.log_scale"], sample["os_exe_weibull_ph.log_shape"])[0, 1] == pytest.approx(
        -0.000375, rel=0.15)
    # the OS hazard ratio is drawn with the reference curve (covariance with its log scale 0.00528)
    assert np.cov(sample["os_exe_weibull_ph.log_scale"], np.log(sample["hr_os"]))[0, 1] == pytest.approx(0.00528, rel=0.1)


def test_same_seed_same_draws_and_zero_variance_gives_point_estimates(shipped_inputs):
    a = draw(shipped_inputs, 50, np.random.default_rng(3))
    b = draw(shipped_inputs, 50, np.random.default_rng(3))
    for k in a.values:
        np.testing.assert_array_equal(a[k], b[k])
    z = draw(shipped_inputs, 5, np.random.default_rng(3), zero_variance=True)
    for pid in stochastic_ids(shipped_inputs):
        np.testing.assert_array_equal(z[pid], np.repeat(shipped_inputs.parameter_value(pid), 5))


def test_an_override_recentres_the_psa_distribution(shipped_inputs):
    from cea.inputs.overrides import apply_overrides

    inputs = apply_overrides(shipped_inputs, {"hr_pfs": 0.7, "ae_rate_stomatitis_eve_exe": 0.3})
    sample = draw(inputs, 20_000, np.random.default_rng(2))
    assert np.median(sample["hr_pfs"]) == pytest.approx(0.7, rel=0.01)
    assert sample["ae_rate_stomatitis_eve_exe"].mean() == pytest.approx(0.3, rel=0.01)
    # the spread is kept: the log-normal's σ comes from the published CI width
    sigma = (np.log(0.54) - np.log(0.38)) / (2 * 1.959963984540054)
    assert np.log(sample["hr_pfs"]).std() == pytest.approx(sigma, rel=0.02)


def test_z95_equals_the_normal_quantile_to_the_last_bit():
    from scipy import stats

    assert dist.Z95 == float(stats.norm.ppf(0.975))
