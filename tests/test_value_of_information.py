"""EVPI, population EVPI and regression-based EVPPI (HTA_METHODS F20–F23, UN-14, UN-15)."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from cea.analyses.value_of_information import evpi, evppi, evppi_table, population_evpi

N = 10_000  # PSA size for the EVPPI tests


def normal_inb_evpi(mu: float, sigma: float) -> float:
    """Closed form for two strategies with INB ~ N(μ, σ²): σφ(μ/σ) − |μ|Φ(−|μ|/σ) (F21)."""
    return sigma * stats.norm.pdf(mu / sigma) - abs(mu) * stats.norm.cdf(-abs(mu) / sigma)


def quantile_normal(n: int, mu: float, sigma: float) -> np.ndarray:
    """Stratified ('quantile') sample: the normal quantiles at (i − ½)/n, i = 1..n."""
    return mu + sigma * stats.norm.ppf((np.arange(n) + 0.5) / n)


def psa_from_inb(inb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two strategies whose incremental NB at λ = 0 is `inb`: costs (0, −inb), QALYs zero."""
    costs = np.column_stack([np.zeros_like(inb), -inb])
    return costs, np.zeros_like(costs)


def sample_evppi(conditional_inb: np.ndarray) -> float:
    """EVPPI from the TRUE conditional expectation E[INB | φ] on the sample (the regression target)."""
    return float(np.maximum(conditional_inb, 0).mean() - max(conditional_inb.mean(), 0.0))


# ----------------------------------------------------------------------- EVPI


def test_closed_form_normal_evpi_agrees_with_numerical_integration():
    # E[max(INB, 0)] − max(μ, 0) by quadrature. 1000·φ(0.1) − 100·Φ(−0.1) = 396.953 − 46.017
    # = 350.936. (HTA_METHODS F21 quotes 350.89; the formula gives 350.94.)
    mu, sigma = 100.0, 1000.0
    upper = integrate.quad(lambda x: x * stats.norm.pdf(x, mu, sigma), 0, np.inf)[0]
    assert normal_inb_evpi(mu, sigma) == pytest.approx(upper - mu, abs=1e-6)
    assert normal_inb_evpi(mu, sigma) == pytest.approx(350.94, abs=0.005)


def test_evpi_matches_closed_form_for_normal_inb_quantile_sample():
    costs, qalys = psa_from_inb(quantile_normal(1_000_000, 100, 1000))
    # Quantile sampling makes the sample average a fine quadrature: error ≪ 0.05.
    assert evpi(costs, qalys, [0.0])[0] == pytest.approx(normal_inb_evpi(100, 1000), abs=0.05)


def test_evpi_matches_closed_form_for_random_draws_within_monte_carlo_error():
    rng = np.random.default_rng(2024)
    inb = rng.normal(100, 1000, 1_000_000)
    # Express INB through QALYs at λ = 20,000 to exercise NB = λ·E − C.
    costs = np.column_stack([np.full(inb.size, 5_000.0), np.full(inb.size, 6_000.0)])
    qalys = np.column_stack([np.full(inb.size, 1.0), 1.0 + (inb + 1_000.0) / 20_000])
    value = evpi(costs, qalys, [20_000.0])[0]
    # With mean INB > 0 the estimator is the sample mean of max(−INB, 0): its standard error.
    assert inb.mean() > 0
    mcse = np.maximum(-inb, 0).std() / np.sqrt(inb.size)
    assert abs(value - normal_inb_evpi(100, 1000)) < 4 * mcse
    assert mcse < 1.0


def test_evpi_is_zero_when_one_strategy_always_wins():
    rng = np.random.default_rng(1)
    qalys = rng.uniform(1, 2, (5_000, 3))
    qalys[:, 2] += 1.0  # strategy 2 always has more QALYs …
    costs = np.tile([100.0, 200.0, 50.0], (5_000, 1))  # … and is always cheapest
    assert np.all(evpi(costs, qalys, [0.0, 20_000.0, 50_000.0]) == 0.0)


def test_evpi_equals_brute_force_formula_for_three_strategies():
    rng = np.random.default_rng(8)
    costs = rng.normal([10_000, 14_000, 20_000], [1_000, 3_000, 5_000], (20_000, 3))
    qalys = rng.normal([3.0, 3.2, 3.4], [0.2, 0.3, 0.5], (20_000, 3))
    grid = np.array([0.0, 10_000.0, 25_000.0, 40_000.0])
    expected = []
    for wtp in grid:
        nb = wtp * qalys - costs
        expected.append(nb.max(axis=1).mean() - nb.mean(axis=0).max())  # F20 as written in voi
    assert np.allclose(evpi(costs, qalys, grid), expected, rtol=1e-9, atol=1e-7)
    assert np.all(evpi(costs, qalys, grid) > 0)


def test_population_evpi_discounting_conventions():
    # 1,000 patients a year for 3 years, 3.5%: first year undiscounted (default) …
    effective = 1_000 * (1 + 1 / 1.035 + 1 / 1.035**2)
    assert population_evpi(100.0, 1_000, 3, 0.035) == pytest.approx(100.0 * effective)
    # … or every year discounted, HTA_METHODS F23: Σ_{y=1..3} N/(1.035)^y
    assert population_evpi(100.0, 1_000, 3, 0.035, first_year_discounted=True) == pytest.approx(
        100.0 * effective / 1.035
    )
    # Year-specific incidence and a per-λ vector of per-patient values
    got = population_evpi(np.array([10.0, 20.0]), np.array([100.0, 200.0]), 2, 0.0)
    assert np.allclose(got, [3_000.0, 6_000.0])
    with pytest.raises(ValueError):
        population_evpi(1.0, 100, 0, 0.035)


# ---------------------------------------------------------------------- EVPPI


@pytest.fixture(scope="module")
def additive_normal_psa():
    """INB = a + b, a ~ N(100, 800²) and b ~ N(0, 600²) independent (so INB ~ N(100, 1000²)).

    Quantile samples in random order; b is made exactly uncorrelated with a and of
    mean 0, so E[INB | a] = a on the sample and the only error left is the regression's.
    """
    rng = np.random.default_rng(0)
    a = rng.permutation(quantile_normal(N, 100, 800))
    b = rng.permutation(quantile_normal(N, 0, 600))
    design = np.column_stack([np.ones(N), a])
    b = b - design @ np.linalg.lstsq(design, b, rcond=None)[0]
    dummy = rng.normal(size=N)
    return a, b, dummy


def test_evppi_matches_closed_form_for_one_normal_component(additive_normal_psa):
    a, b, _ = additive_normal_psa
    costs, qalys = psa_from_inb(a + b)
    # EVPPI(a) = EVPI of E[INB | a] = a ~ N(100, 800²): 800φ(0.125) − 100Φ(−0.125) = 271.64
    assert normal_inb_evpi(100, 800) == pytest.approx(271.64, abs=0.01)
    assert evppi(costs, qalys, a, 0.0) == pytest.approx(271.64, rel=0.01)


def test_evppi_between_zero_and_evpi_for_each_parameter_and_groups(additive_normal_psa):
    a, b, dummy = additive_normal_psa
    costs, qalys = psa_from_inb(a + b)
    total = evpi(costs, qalys, [0.0])[0]
    assert total == pytest.approx(normal_inb_evpi(100, 1000), rel=0.01)
    for phi in (a, b, dummy, np.column_stack([a, dummy]), np.column_stack([b, dummy, a])):
        value = evppi(costs, qalys, phi, 0.0)
        assert 0.0 <= value <= total * (1 + 1e-6)


def test_evppi_of_a_parameter_the_net_benefit_ignores_is_near_zero(additive_normal_psa):
    a, b, dummy = additive_normal_psa
    # Worst case for the regression's upward bias: mean INB ≈ 0, so any fitted
    # slope in the dummy crosses the decision boundary.
    costs, qalys = psa_from_inb(a + b - 100.0)
    total = evpi(costs, qalys, [0.0])[0]
    value, se = evppi(costs, qalys, dummy, 0.0, return_se=True)
    assert total == pytest.approx(normal_inb_evpi(0, 1000), rel=0.01)  # 398.9
    assert value < 0.02 * total  # < 8, against EVPI ≈ 399
    assert 0 < se < 0.02 * total


def test_evppi_of_a_parameter_that_determines_inb_equals_evpi():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 3, N)
    inb = 1_000 * np.sin(2 * x) + 100  # nonlinear, no noise
    costs, qalys = psa_from_inb(inb)
    assert evppi(costs, qalys, x, 0.0) == pytest.approx(evpi(costs, qalys, [0.0])[0], rel=1e-3)


def test_evppi_with_three_strategies_and_a_determining_pair_equals_evpi():
    rng = np.random.default_rng(6)
    u, v = rng.normal(size=N), rng.gamma(3.0, 1.0, N)
    costs = np.column_stack([np.zeros(N), 500 * u * v, 2_000 - 400 * v])
    qalys = np.column_stack([np.zeros(N), 0.02 * v, 0.01 * u**2])
    for wtp in (0.0, 30_000.0):
        assert evppi(costs, qalys, np.column_stack([u, v]), wtp) == pytest.approx(
            evpi(costs, qalys, [wtp])[0], rel=0.01
        )


def test_evppi_of_interacting_pair_matches_true_conditional_expectation():
    # Log-normal and gamma parameters (skewed, as HRs and costs are), acting through a product.
    rng = np.random.default_rng(9)
    x1 = rng.lognormal(0.0, 0.4, N)
    x2 = rng.gamma(4.0, 0.25, N)
    x3 = rng.normal(size=N)  # ignored by the model, and by E[INB | x1, x2]
    conditional = 2_000 * (x1 * x2 - 1.0) + 300 * np.sin(3 * x1)
    costs, qalys = psa_from_inb(conditional + 500 * rng.standard_normal(N))
    target = sample_evppi(conditional)  # ≈ 382
    assert evppi(costs, qalys, np.column_stack([x1, x2]), 0.0) == pytest.approx(target, rel=0.03)
    assert evppi(costs, qalys, np.column_stack([x1, x2, x3]), 0.0) == pytest.approx(target, rel=0.03)


def test_evppi_of_correlated_survival_coefficients():
    # A Weibull curve's log-scale and log-shape, drawn jointly (correlation −0.75), act
    # through mean survival = scale·Γ(1 + 1/shape): a smooth, interacting function of both.
    rng = np.random.default_rng(12)
    log_coef = rng.multivariate_normal([np.log(20), np.log(1.2)], [[0.04, -0.03], [-0.03, 0.04]], N)
    scale, shape = np.exp(log_coef[:, 0]), np.exp(log_coef[:, 1])
    conditional = 4_000 * (scale * np.exp(special.gammaln(1 + 1 / shape)) - 18.5)
    costs, qalys = psa_from_inb(conditional + 3_000 * rng.standard_normal(N))
    assert evppi(costs, qalys, log_coef, 0.0) == pytest.approx(sample_evppi(conditional), rel=0.02)


def test_evppi_of_a_large_linear_group_uses_additive_model():
    # Six cost-like parameters entering linearly (as costs do): additive model is exact.
    rng = np.random.default_rng(10)
    phi = rng.gamma(5.0, 1.0, (N, 6))
    weights = np.array([300.0, -200.0, 150.0, 100.0, -50.0, 250.0])
    conditional = phi @ weights - 2_800
    other = 800 * rng.standard_normal(N)
    costs, qalys = psa_from_inb(conditional + other)
    assert evppi(costs, qalys, phi, 0.0) == pytest.approx(sample_evppi(conditional), rel=0.03)


@pytest.mark.parametrize("n_parameters", [2, 6])  # a tensor design (penalties over every coefficient); additive
def test_gcv_gradient_equals_central_differences(n_parameters):
    """The analytic gradient of GCV in log10 λ that L-BFGS-B uses, against central differences of the score
    itself (step 1e-4: truncation error ~1e-8 relative), at points away from the grid; and its score is the
    score the grid search and the final comparison use."""
    from cea.analyses.value_of_information import _design_for, _GcvCriterion

    rng = np.random.default_rng(n_parameters)
    phi = rng.gamma(3.0, 1.0, (800, n_parameters))
    y = np.sin(phi).sum(axis=1) * 500 + phi[:, 0] * phi[:, -1] * 40 + rng.normal(0, 300, 800)
    criterion = _GcvCriterion(_design_for(phi, 800), np.column_stack([y, -2 * y + phi[:, 0] ** 2]))
    n_pen = len(criterion.penalties)
    assert n_pen == (2 if n_parameters == 2 else 6)
    for col in (0, 1):
        for point in rng.uniform(-4.0, 2.0, (3, n_pen)):
            score, gradient = criterion.score_and_gradient(point, col)
            assert score == pytest.approx(criterion.scores(point, [col])[0], rel=1e-12)
            h = 1e-4
            central = np.array([(criterion.scores(point + h * e, [col])[0] - criterion.scores(point - h * e, [col])[0])
                                / (2 * h) for e in np.eye(n_pen)])
            assert np.abs(gradient - central).max() <= 1e-6 * max(np.abs(central).max(), score * 1e-3)


def test_evppi_agrees_with_pygam_linear_gam():
    pygam = pytest.importorskip("pygam")  # an independent GAM, as SAVI's mgcv
    rng = np.random.default_rng(5)
    x = rng.gamma(2.0, 0.5, 3_000)
    y = 3_000 * (np.exp(-x) - 0.4) + rng.normal(0, 800, x.size)
    costs, qalys = psa_from_inb(y)
    gam = pygam.LinearGAM(pygam.s(0, n_splines=20)).gridsearch(x[:, None], y, progress=False)
    reference = sample_evppi(gam.predict(x[:, None]))
    assert evppi(costs, qalys, x, 0.0) == pytest.approx(reference, rel=0.02)


def test_evppi_of_constant_or_binary_parameter():
    rng = np.random.default_rng(13)
    switch = rng.integers(0, 2, N).astype(float)
    inb = 400 * switch - 150 + rng.normal(0, 300, N)
    costs, qalys = psa_from_inb(inb)
    assert evppi(costs, qalys, np.full(N, 3.0), 0.0) == pytest.approx(0.0, abs=1e-9)
    # E[INB | switch] is −150 or +250 (sample means of each arm).
    conditional = np.where(switch == 1, inb[switch == 1].mean(), inb[switch == 0].mean())
    assert evppi(costs, qalys, switch, 0.0) == pytest.approx(sample_evppi(conditional), rel=1e-6)


def test_evppi_table_lists_parameters_then_groups_at_each_wtp():
    rng = np.random.default_rng(14)
    n = 2_000
    frame = pd.DataFrame({"hr": rng.lognormal(-0.3, 0.2, n), "u_pf": rng.beta(70, 30, n), "c_pd": rng.gamma(9, 100, n)})
    delta_qaly = 0.5 * (1 - frame.hr) + 0.4 * (frame.u_pf - 0.7) + rng.normal(0, 0.005, n)
    delta_cost = 800 + 2 * frame.c_pd + rng.normal(0, 50, n)
    costs = np.column_stack([np.zeros(n), delta_cost])
    qalys = np.column_stack([np.zeros(n), delta_qaly])
    groups = {"effects": ["hr", "u_pf"], "all": ["hr", "u_pf", "c_pd"]}
    wtps = np.array([20_000.0, 30_000.0])
    table = evppi_table(costs, qalys, frame, groups, wtps)

    assert list(table.columns) == ["kind", "name", "parameters", "n_parameters", "wtp", "evppi", "evpi"]
    assert len(table) == (3 + 2) * 2
    assert list(table.name.unique()) == ["hr", "u_pf", "c_pd", "effects", "all"]
    assert list(table.kind) == ["parameter"] * 6 + ["group"] * 4
    assert table.set_index(["name", "wtp"]).loc[("effects", 20_000.0), "parameters"] == "hr,u_pf"
    for _, row in table.iterrows():
        columns = row.parameters.split(",")
        # The smoothing parameter is an optimiser's output: the bounded search stops within xatol = 0.02 of
        # log10 λ's GCV minimum, and moving λ by that much moves these EVPPIs by up to 0.4% (c_pd at £30,000;
        # 3e-5 for hr).  The table fits every λ in one batch, so it may stop elsewhere within that tolerance.
        assert row.evppi == pytest.approx(evppi(costs, qalys, frame[columns].to_numpy(), row.wtp), rel=5e-3)
        assert 0 <= row.evppi <= row.evpi * (1 + 1e-6)
        assert row.evpi == pytest.approx(evpi(costs, qalys, [row.wtp])[0])
    # The three parameters explain all but a little noise in INB: EVPPI(all) ≈ EVPI.
    everything = table[(table.name == "all")]
    assert np.allclose(everything.evppi, everything.evpi, rtol=0.1)

    with_se = evppi_table(costs, qalys, frame[["hr"]], {}, [30_000.0], return_se=True)
    assert list(with_se.columns)[-1] == "se"
    assert 0 < with_se.se.iloc[0] < 0.1 * with_se.evppi.iloc[0]

    with pytest.raises(ValueError, match="not in parameter_frame"):
        evppi_table(costs, qalys, frame, {"bad": ["nope"]}, wtps)
