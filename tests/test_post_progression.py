"""Post-progression mortality: the implied PD death hazard and hazard ratio recomputed from the trace occupancy
alone, the pooled calibration, and the structural-alternatives table (NICE DSU TSD19)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.post_progression import (TRIAL_WEIGHTS, calibrate_pooled_pd_rate, implied_pd_hazard,
                                           implied_post_progression_hr, pooled_mean_survival)
from cea.analyses.structures import compare_structures
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def shipped():
    return load_inputs(INPUTS)


@pytest.fixture(scope="module")
def base(shipped):
    return run_base_case(shipped)


def _hazard_from_occupancy(result, arm: str) -> float:
    """Independent re-computation: PD deaths D_k = PD_{k−1} + new progressions_k − PD_k from the occupancy,
    h_k = −ln(1 − D_k/PD_{k−1})/Δ, weighted by PD_{k−1}."""
    j = result.outcomes.arms.index(arm)
    tr = result.outcomes.trace
    pd_ = tr.pd[0, j]
    pf = tr.pf[0, j]
    dead = tr.dead[0, j]
    deaths_pd = pd_[:-1] + tr.new_progressions[0, j] - pd_[1:]  # PD balance; p_pd_death is not used
    assert np.allclose(pf[:-1] - pf[1:] + pd_[:-1] - pd_[1:], dead[1:] - dead[:-1], atol=1e-15)
    occupied = pd_[:-1] > 0
    ratio = np.where(occupied, deaths_pd / np.where(occupied, pd_[:-1], 1.0), 0.0)
    h = -np.log1p(-np.clip(ratio, 0, 1 - 1e-15)) / result.settings.cycle_months
    return float(np.sum(h * pd_[:-1]) / np.sum(pd_[:-1]))


def test_implied_post_progression_hazard_ratio_matches_an_independent_computation(base):
    h_eve, h_exe = _hazard_from_occupancy(base, "eve_exe"), _hazard_from_occupancy(base, "exe")
    assert implied_pd_hazard(base, "eve_exe") == pytest.approx(h_eve, rel=1e-9)
    assert implied_pd_hazard(base, "exe") == pytest.approx(h_exe, rel=1e-9)
    hr = implied_post_progression_hr(base)
    assert hr["overall"] == pytest.approx(h_eve / h_exe, rel=1e-9)
    # tracking OS with HR 0.90 while PFS has HR 0.45 makes post-progression mortality higher on everolimus
    assert 1.05 < hr["overall"] < 1.5
    assert all(np.isfinite(hr[k]) for k in ("years_0_1", "years_1_2", "years_2_3", "years_3_5"))


def test_constant_pd_mortality_implies_its_own_rate_and_a_unit_ratio(shipped):
    rate = shipped.parameter_value("pd_death_rate")
    result = run_base_case(apply_overrides(shipped, {"pd_mortality": "constant"}))
    for arm in ("eve_exe", "exe"):
        # p = 1 − exp(−r·Δ) each cycle, so h = r exactly wherever the general-population floor does not bind
        assert implied_pd_hazard(result, arm, (0.0, 60.0)) == pytest.approx(rate, rel=1e-12)
    assert implied_post_progression_hr(result)["years_0_1"] == pytest.approx(1.0, rel=1e-12)


def test_pooled_calibration_reproduces_the_pooled_survival(shipped, base):
    weights = {a: TRIAL_WEIGHTS[a] for a in ("eve_exe", "exe")}
    rate = calibrate_pooled_pd_rate(shipped, weights)
    assert shipped.parameter_value("pd_death_rate_pooled") == pytest.approx(rate, rel=1e-3), (
        "re-run `cea structures` and update pd_death_rate_pooled in parameters.csv")
    equal = apply_overrides(shipped, {"pd_mortality": "constant", "pd_death_rate": rate})
    assert pooled_mean_survival(run_base_case(equal), weights) == pytest.approx(pooled_mean_survival(base, weights),
                                                                               rel=1e-9)
    # the scenario uses the shipped value for both arms
    rows = {r.target: r.value for r in shipped.scenarios if r.scenario == "pd_mortality_equal_pooled"}
    assert rows == {"pd_mortality": "constant", "arm.eve_exe.pd_death_rate": "pd_death_rate_pooled",
                    "arm.exe.pd_death_rate": "pd_death_rate_pooled"}


def test_structures_table_puts_the_alternatives_side_by_side(shipped, base):
    table = compare_structures(shipped).set_index("key")
    assert list(table.index) == ["markov_os_tracking", "psm", "markov_pd_equal_pooled", "markov_pd_constant",
                                 "psm_minus_markov"]
    assert table.loc["markov_os_tracking", "role"] == "base case"
    assert table.loc["markov_os_tracking", "icer"] == pytest.approx(base.incremental()["icer"], rel=1e-12)
    assert table.loc["markov_os_tracking", "implied_pp_hr"] == pytest.approx(
        implied_post_progression_hr(base)["overall"], rel=1e-12)
    assert table.loc["markov_pd_equal_pooled", "implied_pp_hr"] == pytest.approx(1.0, abs=1e-3)
    # the partitioned-survival model follows the same OS curves: nearly the same result
    assert abs(table.loc["psm_minus_markov", "inc_lys"]) < 1e-3
    # equal PD mortality turns the whole PFS gain into an OS gain far above the trial's
    assert table.loc["markov_pd_equal_pooled", "inc_lys"] > 2 * table.loc["markov_os_tracking", "inc_lys"]
    assert not math.isnan(table.loc["markov_pd_equal_pooled", "icer"])
