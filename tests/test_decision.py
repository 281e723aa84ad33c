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


# ------------------------------------------- ties, dominance and the pandas-free rows (issue 24)

from cea.analyses.decision import incremental_rows  # noqa: E402


def _status(rows):
    return {r["strategy"]: r["status"] for r in rows}


def test_ties_equal_costs_equal_qalys_and_identical_strategies():
    """Worked by hand:
    A 100/1.0; B 100/1.5 (same cost as A, more QALYs); C 200/1.5 (same QALYs as B, dearer);
    D 300/2.0; E 300/2.0 (identical to D, later in the input).
    Sorted by cost, ties more QALYs first: B, A, C, D, E.
    A: B costs the same with more QALYs → dominated.  C: B has as many QALYs for less → dominated.
    E: identical to D, the first in input order is kept → dominated.
    Frontier B → D: ICER (300 − 100)/(2.0 − 1.5) = 400; compared_with B."""
    rows = incremental_rows([100, 100, 200, 300, 300], [1.0, 1.5, 1.5, 2.0, 2.0], list("ABCDE"))
    assert [r["strategy"] for r in rows] == ["B", "A", "C", "D", "E"]
    assert _status(rows) == {"A": "dominated", "B": "reference", "C": "dominated", "D": "non-dominated",
                             "E": "dominated"}
    d = next(r for r in rows if r["strategy"] == "D")
    assert (d["inc_cost"], d["inc_qaly"], d["icer"], d["compared_with"]) == (200.0, 0.5, 400.0, "B")
    assert all(r["compared_with"] is None for r in rows if r["strategy"] != "D")


def test_identical_strategies_alone_keep_the_first():
    rows = incremental_rows([5.0, 5.0], [1.0, 1.0], ["first", "second"])
    assert _status(rows) == {"first": "reference", "second": "dominated"}


def test_strong_dominance_of_the_cheapest_by_nothing_and_of_a_dearer_worse_one():
    """X 0/1; Y 10/0.5 (dearer, fewer QALYs than X: dominated); Z 30/3: ICER vs X 30/2 = 15."""
    rows = incremental_rows([0, 10, 30], [1, 0.5, 3], ["X", "Y", "Z"])
    assert _status(rows) == {"X": "reference", "Y": "dominated", "Z": "non-dominated"}
    assert rows[-1]["icer"] == 15.0 and rows[-1]["compared_with"] == "X"


def test_extended_dominance_after_strong_dominance_is_iterated():
    """Worked by hand: R 0/0; S 10/0.5; T 15/0.4 (strongly dominated by S); U 20/0.9; V 40/2.0.
    After T goes: ICERs R→S 20, S→U 10/0.4 = 25, U→V 20/1.1 = 18.18: 25 > 18.18 → U extendedly dominated;
    then R→S 20, S→V 30/1.5 = 20: equal, kept.  Frontier R, S, V with ICERs 20 and 20."""
    rows = incremental_rows([0, 10, 15, 20, 40], [0, 0.5, 0.4, 0.9, 2.0], list("RSTUV"))
    assert _status(rows) == {"R": "reference", "S": "non-dominated", "T": "dominated", "U": "extendedly dominated",
                             "V": "non-dominated"}
    by = {r["strategy"]: r for r in rows}
    assert by["S"]["icer"] == pytest.approx(20) and by["V"]["icer"] == pytest.approx(20)
    assert by["V"]["compared_with"] == "S"


def test_two_strategies_in_every_quadrant_match_the_pairwise_icer():
    """With two arms the fully incremental analysis is the pairwise comparison: north-east, the new one is the
    non-dominated one with the pairwise ICER; south-west, the new one is the reference and the old one carries the
    same ratio; dominance either way leaves one strategy."""
    for (c_new, q_new), expected in [((12.0, 2.0), ("old", "new")), ((8.0, 0.5), ("new", "old")),
                                     ((8.0, 2.0), ("new", None)), ((12.0, 0.5), ("old", None))]:
        rows = incremental_rows([c_new, 10.0], [q_new, 1.0], ["new", "old"])
        icer, status = icer_status(c_new - 10.0, q_new - 1.0)
        reference, second = expected
        assert _status(rows)[reference] == "reference"
        if second is None:
            assert icer is None and "dominated" in _status(rows).values()
        else:
            assert _status(rows)[second] == "non-dominated"
            assert next(r for r in rows if r["strategy"] == second)["icer"] == pytest.approx(icer)


def test_incremental_analysis_frame_is_the_rows():
    rows = incremental_rows([0, 10, 25, 30, 31], [0, 1, 2, 2.2, 3.2], ["P0", "P1", "P2", "P3", "P4"])
    frame = incremental_analysis([0, 10, 25, 30, 31], [0, 1, 2, 2.2, 3.2], ["P0", "P1", "P2", "P3", "P4"])
    assert list(frame.strategy) == [r["strategy"] for r in rows]
    assert list(frame.status) == [r["status"] for r in rows]


def test_base_case_incremental_analysis_equals_the_pairwise_result(shipped_inputs):
    """The shipped two-arm model: results.json's incremental_analysis reproduces its pairwise incremental block."""
    from cea.analyses.base_case import run_base_case

    result = run_base_case(shipped_inputs)
    pair, entries = result.incremental(), result.incremental_analysis()
    assert [e["arm"] for e in entries] == ["exe", "eve_exe"]  # exe is cheaper
    ref, new = entries
    assert (ref["status"], ref["compared_with"], ref["icer"]) == ("reference", None, None)
    assert new["status"] == "non-dominated" and new["compared_with"] == "exe"
    assert new["inc_costs"] == pytest.approx(pair["costs"], rel=1e-12)
    assert new["inc_qalys"] == pytest.approx(pair["qalys"], rel=1e-12)
    assert new["icer"] == pytest.approx(pair["icer"], rel=1e-12)
    for w, inmb in pair["nmb"].items():
        assert new["nmb"][w] - ref["nmb"][w] == pytest.approx(inmb, rel=1e-9)
    assert list(entries[0]) == ["arm", "label", "costs", "qalys", "lys", "status", "compared_with", "inc_costs",
                                "inc_qalys", "icer", "nmb"]


@pytest.mark.parametrize(("step_cost", "step_qaly"), [(0.3, 0.1), (0.7, 0.2), (1.1, 0.1), (0.3, 0.7)])
def test_strategies_on_one_line_are_all_on_the_frontier(step_cost, step_qaly):
    """x (0, 0), y (c, e), z (3c, 3e): the ICERs x→y and y→z are both c/e in exact arithmetic, so y is not
    extendedly dominated, although in floating point (3c − c)/(3e − e) and c/e may differ in the last bit
    (before the tolerance, each of these four cases labelled y extendedly dominated)."""
    rows = incremental_rows([0, step_cost, 3 * step_cost], [0, step_qaly, 3 * step_qaly], ["x", "y", "z"])
    assert _status(rows) == {"x": "reference", "y": "non-dominated", "z": "non-dominated"}
    assert rows[2]["icer"] == pytest.approx(step_cost / step_qaly, rel=1e-12)
