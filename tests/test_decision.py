"""ICER quadrants, fully incremental analysis (strong and extended dominance), net benefit."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from cea.analyses.decision import (
    icer_status,
    icer_statuses,
    incremental_analysis,
    net_health_benefit,
    net_monetary_benefit,
)

# --------------------------------------------------------------- pairwise ICERs

PAIRWISE_CASES = [
    # (ΔC, ΔE, expected ICER, expected status)
    (10_000.0, 0.5, 20_000.0, "more costly, more effective"),  # north-east: a ratio, not a verdict
    (-5_000.0, 0.2, None, "less costly, more effective"),  # dominant
    (0.0, 0.2, None, "equally costly, more effective"),  # same cost, more QALYs: dominant
    (-5_000.0, 0.0, None, "less costly, equally effective"),  # cheaper, same QALYs: dominant
    (5_000.0, -0.2, None, "more costly, less effective"),  # dominated
    (0.0, -0.2, None, "equally costly, less effective"),
    (5_000.0, 0.0, None, "more costly, equally effective"),
    (-6_000.0, -0.3, 20_000.0, "less costly, less effective"),  # £20,000 saved per QALY lost
    (0.0, 0.0, None, "identical"),
]


def test_dominance_sets_partition_the_labels_that_have_no_ratio():
    from cea.analyses.decision import DOMINANT_STATUSES, DOMINATED_STATUSES, RATIO_STATUSES
    labels = {status for *_, status in PAIRWISE_CASES} - {"identical"}
    assert labels == DOMINANT_STATUSES | DOMINATED_STATUSES | RATIO_STATUSES
    assert not any("cost-effective" in label for label in labels)  # the quadrant, never a verdict


@pytest.mark.parametrize(("delta_cost", "delta_qaly", "icer", "status"), PAIRWISE_CASES)
def test_icer_status_labels_each_quadrant(delta_cost, delta_qaly, icer, status):
    got_icer, got_status = icer_status(delta_cost, delta_qaly)
    assert got_status == status
    if icer is None:
        assert got_icer is None
    else:
        assert got_icer == pytest.approx(icer)


def test_vectorised_icer_statuses_agree_with_scalar_version():
    dc = np.array([c[0] for c in PAIRWISE_CASES])
    de = np.array([c[1] for c in PAIRWISE_CASES])
    icers, statuses = icer_statuses(dc, de)
    assert list(statuses) == [c[3] for c in PAIRWISE_CASES]
    expected = np.array([np.nan if c[2] is None else c[2] for c in PAIRWISE_CASES])
    assert_allclose(icers, expected)


# ------------------------------------------------------ fully incremental analysis


def test_incremental_analysis_reproduces_hand_worked_example():
    # Six strategies, worked by hand (Drummond et al. 2015, ch. 4 procedure):
    #   sorted by cost: A 10,000/5.0; B 12,000/5.5; C 15,000/5.4; F 19,000/5.6; D 20,000/6.0; E 30,000/6.2
    #   C is strongly dominated by B (costs more, fewer QALYs).
    #   ICERs A→B 2,000/0.5 = 4,000; B→F 7,000/0.1 = 70,000; F→D 1,000/0.4 = 2,500
    #   70,000 > 2,500, so F is extendedly dominated; then B→D 8,000/0.5 = 16,000;
    #   D→E 10,000/0.2 = 50,000: non-decreasing 4,000 ≤ 16,000 ≤ 50,000. Done.
    names = ["A", "B", "C", "D", "E", "F"]
    costs = [10_000, 12_000, 15_000, 20_000, 30_000, 19_000]
    qalys = [5.0, 5.5, 5.4, 6.0, 6.2, 5.6]
    table = incremental_analysis(costs, qalys, names)

    assert list(table.columns) == ["strategy", "cost", "qaly", "inc_cost", "inc_qaly", "icer", "status"]
    assert list(table.strategy) == ["A", "B", "C", "F", "D", "E"]
    assert list(table.status) == [
        "reference",
        "non-dominated",
        "dominated",
        "extendedly dominated",
        "non-dominated",
        "non-dominated",
    ]
    frontier = table.set_index("strategy").loc[["B", "D", "E"]]
    assert_allclose(frontier.inc_cost, [2_000, 8_000, 10_000])
    assert_allclose(frontier.inc_qaly, [0.5, 0.5, 0.2])
    assert_allclose(frontier.icer, [4_000, 16_000, 50_000])
    off_frontier = table.set_index("strategy").loc[["A", "C", "F"]]
    assert off_frontier[["inc_cost", "inc_qaly", "icer"]].isna().all().all()


def test_extended_dominance_is_repeated_until_icers_are_non_decreasing():
    # Removing one strategy exposes the next one (a single pass would stop early):
    # P0 (0, 0), P1 (10, 1), P2 (25, 2), P3 (30, 2.2), P4 (31, 3.2)
    # ICERs 10, 15, 25, 1 → drop P3; then 10, 15, 6/1.2 = 5 → drop P2;
    # then 10, 21/2.2 = 9.545 → drop P1; frontier P0 → P4 with ICER 31/3.2 = 9.6875.
    table = incremental_analysis([0, 10, 25, 30, 31], [0, 1, 2, 2.2, 3.2], ["P0", "P1", "P2", "P3", "P4"])
    status = dict(zip(table.strategy, table.status))
    assert status == {
        "P0": "reference",
        "P1": "extendedly dominated",
        "P2": "extendedly dominated",
        "P3": "extendedly dominated",
        "P4": "non-dominated",
    }
    assert table.set_index("strategy").loc["P4", "icer"] == pytest.approx(31 / 3.2)


def test_equal_icers_are_both_kept_and_duplicates_keep_the_first():
    # X→Y and Y→Z both cost 10 per QALY: Y is not extendedly dominated.
    # Y2 duplicates Y exactly and is labelled dominated.
    table = incremental_analysis([0, 10, 10, 20], [0, 1, 1, 2], ["X", "Y", "Y2", "Z"])
    status = dict(zip(table.strategy, table.status))
    assert status == {"X": "reference", "Y": "non-dominated", "Y2": "dominated", "Z": "non-dominated"}
    assert_allclose(table.set_index("strategy").loc[["Y", "Z"], "icer"], [10, 10])


def test_two_strategies_match_pairwise_icer():
    table = incremental_analysis([40_000, 52_000], [2.1, 2.5], ["EXE", "EVE+EXE"])
    icer, status = icer_status(52_000 - 40_000, 2.5 - 2.1)
    assert status == "more costly, more effective"
    assert table.icer.iloc[1] == pytest.approx(icer) == pytest.approx(30_000)


def test_single_strategy_is_its_own_reference():
    table = incremental_analysis([5.0], [1.0], ["only"])
    assert list(table.status) == ["reference"]


def test_incremental_analysis_rejects_mismatched_inputs():
    with pytest.raises(ValueError):
        incremental_analysis([1, 2], [1.0], ["a", "b"])


strategy_sets = st.lists(
    st.tuples(st.integers(0, 200_000), st.integers(0, 40)),  # integer costs and QALYs: exact arithmetic
    min_size=1,
    max_size=9,
)


@settings(max_examples=200, deadline=None)
@given(strategy_sets)
def test_frontier_icers_non_decreasing_and_frontier_maximises_net_benefit(points):
    costs = np.array([p[0] for p in points], dtype=float)
    qalys = np.array([p[1] for p in points], dtype=float)
    names = [f"s{i}" for i in range(len(points))]
    table = incremental_analysis(costs, qalys, names)

    frontier = table[table.status.isin(["reference", "non-dominated"])]
    assert (table.status == "reference").sum() == 1
    icers = frontier.icer.to_numpy()[1:]
    assert np.all(np.diff(icers) >= 0)
    assert np.all(icers > 0)

    # Between consecutive frontier ICERs (and below the first, above the last),
    # the frontier strategy has the highest net monetary benefit of ALL strategies.
    bounds = np.concatenate([[0.0], icers, [2 * (icers[-1] if icers.size else 1.0) + 1.0]])
    for k, (_, row) in enumerate(frontier.iterrows()):
        wtp = (bounds[k] + bounds[k + 1]) / 2
        assert row.qaly * wtp - row.cost == pytest.approx((qalys * wtp - costs).max(), rel=1e-12, abs=1e-9)

    # Every strongly dominated strategy has a dominator; every extendedly dominated
    # one lies strictly below the chord joining its frontier neighbours.
    for _, row in table[table.status == "dominated"].iterrows():
        others = table.drop(index=row.name)
        assert ((others.cost <= row.cost) & (others.qaly >= row.qaly)).any()
    fc, fq = frontier.cost.to_numpy(), frontier.qaly.to_numpy()
    for _, row in table[table.status == "extendedly dominated"].iterrows():
        right = np.searchsorted(fc, row.cost)
        assert 0 < right < fc.size
        chord = fq[right - 1] + (row.cost - fc[right - 1]) * (fq[right] - fq[right - 1]) / (fc[right] - fc[right - 1])
        assert row.qaly < chord


# ------------------------------------------------------------------ net benefit


def test_net_monetary_benefit_scalar_and_grid():
    costs = np.array([[1_000.0, 3_000.0], [2_000.0, 2_500.0]])
    qalys = np.array([[1.0, 1.1], [0.9, 1.2]])
    assert_allclose(net_monetary_benefit(costs, qalys, 20_000), [[19_000, 19_000], [16_000, 21_500]])
    grid = net_monetary_benefit(costs, qalys, np.array([0.0, 20_000.0, 30_000.0]))
    assert grid.shape == (2, 2, 3)
    assert_allclose(grid[..., 0], -costs)
    assert_allclose(grid[0, 1], [-3_000, 19_000, 30_000])


def test_net_health_benefit_is_nmb_over_wtp():
    costs = np.array([12_000.0, 30_000.0])
    qalys = np.array([2.0, 2.5])
    assert_allclose(net_health_benefit(costs, qalys, 30_000), [1.6, 1.5])
    grid = np.array([20_000.0, 30_000.0])
    assert_allclose(net_health_benefit(costs, qalys, grid), net_monetary_benefit(costs, qalys, grid) / grid)
    with pytest.raises(ValueError):
        net_health_benefit(costs, qalys, 0.0)


def test_incremental_analysis_returns_dataframe_sorted_by_cost():
    table = incremental_analysis([3, 1, 2], [3, 1, 2], ["c", "a", "b"])
    assert isinstance(table, pd.DataFrame)
    assert list(table.cost) == [1, 2, 3]
