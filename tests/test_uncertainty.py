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
    assert summary["evpi"]["30000"] >= 0
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
    for file in ("psa_samples.csv", "psa_summary.json", "ceac.csv", "convergence.csv", "evpi.csv"):
        assert (tmp_path / "a/psa" / file).read_bytes() == (tmp_path / "b/psa" / file).read_bytes(), file
    summary = json.loads((tmp_path / "a/psa/psa_summary.json").read_text())
    assert summary["iterations"] == 50 and summary["seed"] == 3
    rows = (tmp_path / "a/psa/psa_samples.csv").read_text().splitlines()
    assert len(rows) == 51 and rows[0].startswith("iteration,")
