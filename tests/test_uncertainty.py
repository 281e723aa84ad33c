"""DSA, scenarios, threshold, PSA and VOI on the shipped inputs (issue 4)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cea.analyses.base_case import run_base_case
from cea.analyses.one_way import one_way
from cea.analyses.psa import run_psa
from cea.analyses.scenarios import run_scenarios
from cea.analyses.threshold import threshold
from cea.cli import app
from cea.inputs.overrides import apply_overrides
from cea.outputs.psa_samples import samples_file


@pytest.fixture(scope="module")
def small(shipped_inputs):
    """Shorter horizon keeps the tests quick; every check holds for any horizon."""
    return apply_overrides(shipped_inputs, {"horizon_years": 6})


def test_zero_variance_psa_reproduces_the_deterministic_base_case_exactly(small):
    psa = run_psa(small, iterations=7, seed=1, zero_variance=True)
    base = run_base_case(small).outcomes
    np.testing.assert_allclose(psa.costs, np.repeat(base.costs, 7, axis=0), rtol=1e-14)
    np.testing.assert_allclose(psa.qalys, np.repeat(base.qalys, 7, axis=0), rtol=1e-14)


def test_psa_summary_contract_and_probabilistic_icer_is_ratio_of_means(small):
    psa = run_psa(small, iterations=300, seed=5)
    summary = psa.summary()
    assert summary["iterations"] == 300 and summary["seed"] == 5
    dc, dq = psa.incremental()
    assert summary["incremental"]["icer"] == pytest.approx(dc.mean() / dq.mean(), rel=1e-12)
    for wtp, probs in summary["prob_cost_effective"].items():
        assert sum(probs.values()) == pytest.approx(1.0)
    assert set(summary["mean"]) == {"eve_exe", "exe"}
    nb = 30000 * psa.qalys - psa.costs  # EVPI by brute force: E[max NB] − max E[NB]
    brute = nb.max(axis=1).mean() - nb.mean(axis=0).max()  # (a difference of means: cancellation ~1e-16·|NB|)
    assert summary["evpi"]["30000"] == pytest.approx(brute, rel=1e-9, abs=1e-12 * np.abs(nb).max())
    # PSA mean close to the deterministic result (non-linearity is small here)
    assert summary["incremental"]["qalys"] == pytest.approx(summary["deterministic"]["qalys"], rel=0.1)


def test_psa_is_prefix_stable_and_reproducible(small):
    a = run_psa(small, iterations=120, seed=9)
    b = run_psa(small, iterations=60, seed=9)
    np.testing.assert_array_equal(a.costs[:60], b.costs)


def test_dsa_bounds_bracket_the_base_and_match_separate_runs(small):
    result = one_way(small)
    table = result.table
    assert np.all(table["low"] <= table["base"]) and np.all(table["base"] <= table["high"])
    assert not any("." in p for p in table["parameter"])  # no survival coefficients one-way
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)
    row = table[table["parameter"] == "hr_pfs"].iloc[0]
    check = run_base_case(apply_overrides(small, {"hr_pfs": row["high"]})).incremental()
    assert row["inmb_high"] == pytest.approx(check["nmb"]["30000"], rel=1e-10)
    base = run_base_case(small).incremental()
    assert result.base_inmb == pytest.approx(base["nmb"]["30000"], rel=1e-12)


def test_dirichlet_member_in_dsa_keeps_the_group_summing_to_one(small):
    table = one_way(small).table
    row = table[table["parameter"] == "eve_share_10mg"].iloc[0]
    low_share = row["low"]
    manual = run_base_case(apply_overrides(small, {"eve_share_10mg": low_share, "eve_share_5mg": 1 - low_share}))
    assert row["inmb_low"] == pytest.approx(manual.incremental()["nmb"]["30000"], rel=1e-10)


def test_scenarios_equal_the_same_overrides_run_directly(small):
    table = run_scenarios(small).table.set_index("scenario")
    direct = run_base_case(apply_overrides(small, {"discount_rate_costs": 0, "discount_rate_outcomes": 0})).incremental()
    assert table.loc["discount_0", "inc_cost"] == pytest.approx(direct["costs"], rel=1e-12)
    assert table.loc["discount_0", "inc_cost"] > table.loc["base_case", "inc_cost"]


@pytest.mark.parametrize("wtp", [20000.0, 30000.0])
def test_threshold_price_makes_the_icer_equal_the_threshold(small, wtp):
    row = threshold(small, "eve_pack_price_10mg", [wtp], linked=("eve_pack_price_5mg",)).table.iloc[0]
    factor = row["threshold_value"] / 2673.0
    rerun = run_base_case(apply_overrides(small, {"eve_pack_price_10mg": 2673.0 * factor,
                                                  "eve_pack_price_5mg": 2250.0 * factor})).incremental()
    assert abs(rerun["nmb"][f"{wtp:g}"]) < 1.0
    # brentq stops within xtol = rtol = 1e-12 of the root multiplier; INMB's slope (the drug cost, ~£3e4 per unit
    # multiplier) turns that into < 1e-7 of INMB, i.e. < 1e-11 relative on the ICER: 1e-9 leaves room for rounding
    assert rerun["icer"] == pytest.approx(wtp, rel=1e-9)


def test_threshold_for_a_nonlinear_parameter_uses_a_root_finder(small):
    row = threshold(small, "hr_pfs", [200000.0]).table.iloc[0]
    assert row["method"] == "Brent root"
    assert abs(row["inmb_at_threshold"]) < 1e-3


def test_cli_psa_outputs_are_byte_identical_for_the_same_seed(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(app, ["psa", "--iterations", "50", "--seed", "3", "--out", str(tmp_path / name),
                                     "--set", "horizon_years=3", "--json"])
        assert result.exit_code == 0, result.output
    samples = samples_file(tmp_path / "a/psa").name  # CSV at 50 iterations (Parquet above a spreadsheet's size)
    assert samples == "psa_samples.csv"
    for file in (samples, "psa_summary.json", "ceac.csv", "convergence.csv", "evpi.csv"):
        assert (tmp_path / "a/psa" / file).read_bytes() == (tmp_path / "b/psa" / file).read_bytes(), file
    summary = json.loads((tmp_path / "a/psa/psa_summary.json").read_text())
    assert summary["iterations"] == 50 and summary["seed"] == 3
    rows = (tmp_path / "a/psa/psa_samples.csv").read_text().splitlines()
    assert len(rows) == 51 and rows[0].startswith("iteration,")


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 25 iterations, so that a PSA of 100 runs four blocks (the 1,000,000 run's structure)."""
    import cea.analyses.psa as psa_module

    monkeypatch.setattr(psa_module, "BLOCK", 25)


def test_psa_over_several_blocks_is_prefix_stable(small, small_blocks):
    a = run_psa(small, iterations=100, seed=9)
    for n in (60, 25, 7):  # ends inside a block, at a block boundary, inside the first block
        b = run_psa(small, iterations=n, seed=9)
        np.testing.assert_array_equal(a.costs[:n], b.costs)
        np.testing.assert_array_equal(a.qalys[:n], b.qalys)
        np.testing.assert_array_equal(a.parameters.iloc[:n].to_numpy(), b.parameters.to_numpy())


def test_blocks_union_equals_one_unblocked_engine_run(small, small_blocks):
    """The blocks' results, put together, are one engine call on all the blocks' draws (each block's
    Generator seeded by (seed, block)), whichever thread ran which block."""
    from cea.analyses.psa import _blocks
    from cea.engine.model import evaluate
    from cea.parameters.parameter_set import ParameterSet
    from cea.parameters.sampling import draw

    psa = run_psa(small, iterations=90, seed=4)
    draws = ParameterSet.stack([draw(small, min(25, 90 - 25 * b), np.random.default_rng([4, b])) for b in range(4)])
    whole = evaluate(small.structure, draws.values, small.settings, chunk_size=10_000)
    np.testing.assert_allclose(psa.costs, whole.costs, rtol=1e-14)  # summation order of the reward products only
    np.testing.assert_allclose(psa.qalys, whole.qalys, rtol=1e-14)
    np.testing.assert_allclose(psa.lys, whole.lys, rtol=1e-14)
    serial = list(_blocks(small, 90, 4, False, workers=1))
    threaded = list(_blocks(small, 90, 4, False, workers=2))
    assert [b[0] for b in threaded] == [0, 25, 50, 75] and [b[1] for b in threaded] == [25, 25, 25, 15]
    for (_, _, s1, o1), (_, _, s2, o2) in zip(serial, threaded):
        np.testing.assert_array_equal(o1.costs, o2.costs)
        assert all(np.array_equal(s1[k], s2[k]) for k in s1.values)
