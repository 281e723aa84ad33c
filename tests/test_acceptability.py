"""CEAC, CEAF, probabilistic ICER and Monte Carlo convergence (HTA_METHODS UN-3, UN-6, UN-7)."""

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cea.analyses.acceptability import ceac, ceaf, monte_carlo_convergence, probabilistic_icer

WTP_GRID = np.linspace(0, 100_000, 41)


@pytest.fixture(scope="module")
def three_strategy_psa():
    rng = np.random.default_rng(20240601)
    n = 20_000
    costs = np.column_stack(
        [rng.normal(20_000, 2_000, n), rng.normal(30_000, 4_000, n), rng.normal(45_000, 6_000, n)]
    )
    qalys = np.column_stack([rng.normal(2.0, 0.3, n), rng.normal(2.4, 0.35, n), rng.normal(2.7, 0.4, n)])
    return costs, qalys


def test_ceac_sums_to_one_at_every_wtp(three_strategy_psa):
    costs, qalys = three_strategy_psa
    curves = ceac(costs, qalys, WTP_GRID)
    assert curves.shape == (WTP_GRID.size, 3)
    assert_allclose(curves.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all((curves >= 0) & (curves <= 1))


def test_ceac_at_zero_wtp_is_probability_of_saving_money():
    rng = np.random.default_rng(7)
    n = 10_000
    costs = np.column_stack([rng.normal(1_000, 300, n), rng.normal(1_100, 300, n)])
    qalys = np.column_stack([rng.normal(1.0, 0.1, n), rng.normal(1.05, 0.1, n)])
    curves = ceac(costs, qalys, [0.0])
    assert curves[0, 1] == pytest.approx(np.mean(costs[:, 1] - costs[:, 0] < 0), abs=1e-15)


def test_ceac_hand_counted_example():
    # Four iterations, λ = 10: NMB(A) = 10·E − C.
    #   it1: A 10·1−5 = 5,  B 10·2−20 = 0   → A
    #   it2: A 10·1−5 = 5,  B 10·2−10 = 10  → B
    #   it3: A 10·1−5 = 5,  B 10·1−5  = 5   → tie, half each
    #   it4: A 10·1−5 = 5,  B 10·3−5  = 25  → B
    costs = np.array([[5, 20], [5, 10], [5, 5], [5, 5]], dtype=float)
    qalys = np.array([[1, 2], [1, 2], [1, 1], [1, 3]], dtype=float)
    assert_allclose(ceac(costs, qalys, [10.0]), [[1.5 / 4, 2.5 / 4]])


def test_ceac_splits_ties_equally_between_identical_strategies():
    rng = np.random.default_rng(3)
    costs = rng.normal(100, 10, (1_000, 1)).repeat(3, axis=1)
    qalys = rng.normal(1, 0.1, (1_000, 1)).repeat(3, axis=1)
    assert_allclose(ceac(costs, qalys, [0.0, 50.0]), np.full((2, 3), 1 / 3))


def test_ceaf_is_the_ceac_of_the_strategy_with_highest_expected_nmb(three_strategy_psa):
    costs, qalys = three_strategy_psa
    probability, optimal = ceaf(costs, qalys, WTP_GRID)
    curves = ceac(costs, qalys, WTP_GRID)
    expected_nmb = WTP_GRID[:, None] * qalys.mean(axis=0) - costs.mean(axis=0)
    assert_allclose(probability, curves[np.arange(WTP_GRID.size), expected_nmb.argmax(axis=1)])
    assert np.array_equal(optimal, expected_nmb.argmax(axis=1))
    # The optimal strategy switches where λ passes the ICERs of the means (10,000/0.4 = 25,000
    # then 15,000/0.3 = 50,000 in expectation): cheapest first, most effective last.
    assert optimal[0] == 0 and optimal[-1] == 2
    assert set(optimal) == {0, 1, 2}
    assert np.all(np.diff(optimal) >= 0)


def test_ceac_stays_small_in_memory_for_a_million_samples():
    # 10^6 samples × 2 strategies: loops over λ, so the peak is a few (n, 2) arrays,
    # far below the 10^6 × 2 × n_wtp × 8 bytes a fully broadcast version needs (320 MB for 20 λ).
    rng = np.random.default_rng(11)
    n = 1_000_000
    costs = rng.normal(10_000, 1_000, (n, 2))
    qalys = rng.normal(5, 0.5, (n, 2))
    tracemalloc.start()
    try:
        curves = ceac(costs, qalys, np.linspace(0, 50_000, 20))
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_allclose(curves.sum(axis=1), 1.0)
    assert peak_bytes < 120e6


def test_probabilistic_icer_is_ratio_of_means_not_mean_of_ratios():
    delta_cost = np.array([100.0, 300.0, 200.0])
    delta_qaly = np.array([1.0, 0.01, 0.5])
    # ratio of means = 200 / 0.50333… = 397.35; mean of ratios = (100 + 30,000 + 400)/3 = 10,166.7
    assert probabilistic_icer(delta_cost, delta_qaly) == pytest.approx(600.0 / 1.51)
    assert probabilistic_icer(delta_cost, delta_qaly) != pytest.approx(np.mean(delta_cost / delta_qaly))


def test_probabilistic_icer_per_comparison_and_zero_effect():
    dc = np.array([[100.0, 10.0], [300.0, -10.0]])
    de = np.array([[1.0, 0.1], [1.0, -0.1]])
    assert_allclose(probabilistic_icer(dc, de), [200.0, np.nan])


def test_monte_carlo_convergence_matches_prefix_statistics():
    rng = np.random.default_rng(5)
    inmb = rng.normal(2_000, 15_000, 5_000)
    table = monte_carlo_convergence(inmb)
    assert list(table.columns) == ["iteration", "running_mean", "mcse"]
    assert table.iteration.iloc[0] == 10 and table.iteration.iloc[-1] == 5_000
    assert np.all(np.diff(table.iteration) > 0)
    ratios = table.iteration.to_numpy()[1:] / table.iteration.to_numpy()[:-1]
    assert ratios.max() < 1.4  # roughly log-spaced
    for _, row in table.iterrows():
        prefix = inmb[: int(row.iteration)]
        assert row.running_mean == pytest.approx(prefix.mean(), rel=1e-10)
        assert row.mcse == pytest.approx(prefix.std(ddof=1) / np.sqrt(prefix.size), rel=1e-8)
    # The final standard error is about σ/√n = 15,000/√5,000 = 212.
    assert table.mcse.iloc[-1] == pytest.approx(212.1, rel=0.05)
