"""OS plausibility and time-on-treatment checks (cea.analyses.os_plausibility) on the shipped inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cea.analyses import os_plausibility as op
from cea.analyses.base_case import run_base_case
from cea.analyses.survival_fits import run_survival_fits
from cea.inputs.model_inputs import load_inputs

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def shipped():
    inputs = load_inputs(INPUTS)
    fits = run_survival_fits(inputs)
    base = run_base_case(inputs)
    return inputs, fits, base, op.joint_fit_table(fits, inputs)


def test_akaike_weights():
    w = op.akaike_weights(np.array([10.0, 12.0, 20.0]))
    assert w.sum() == pytest.approx(1.0)
    assert w[0] / w[1] == pytest.approx(np.exp(1.0))


def test_joint_fit_table_ranks_the_fits_and_gives_the_aft_weibull_no_weight(shipped):
    _, _, _, joint = shipped
    assert list(joint["family"][:3]) == ["weibull", "weibull", "gengamma"]
    assert joint.loc[0, "model"] == "ph" and joint.loc[1, "duplicate_of"] == "ph/weibull"
    assert joint["akaike_weight"].sum() == pytest.approx(1.0)
    ph = joint[(joint["model"] == "ph") & (joint["family"] == "weibull")].iloc[0]
    assert ph["aic"] == pytest.approx(3884.99, abs=0.01)
    assert ph["effect_estimate"] == pytest.approx(0.9014, abs=1e-3)
    assert ph["exe_s_5y"] == pytest.approx(0.1554, abs=1e-3)
    gg = joint[(joint["model"] == "aft") & (joint["family"] == "gengamma")].iloc[0]
    assert gg["aic"] == pytest.approx(3885.06, abs=0.01)
    assert ph["akaike_weight"] / gg["akaike_weight"] == pytest.approx(np.exp(0.5 * (gg["aic"] - ph["aic"])))


def test_landmarks_carry_the_external_benchmarks_and_the_mixture(shipped):
    _, fits, base, joint = shipped
    rows = op.landmark_rows(fits, base, joint)
    bench = rows[rows["row"] == "external benchmark"]
    assert sorted(bench["s_5y"]) == [0.23, 0.27]
    mix = rows[(rows["row"] == "model average") & (rows["arm"] == "exe")].iloc[0]
    expected = sum(r["akaike_weight"] * r["exe_s_5y"] for _, r in joint.iterrows())
    assert mix["s_5y"] == pytest.approx(expected)


def test_implied_post_progression_death_rates(shipped):
    _, _, base, _ = shipped
    p = op.pd_death_rates(base).set_index("month")
    assert p.loc[3, "ratio"] == pytest.approx(2.05, abs=0.05)
    assert p.loc[12, "ratio"] == pytest.approx(1.36, abs=0.05)
    assert 0.02 < p.loc[12, "exe_rate"] < 0.03


def test_model_average_is_the_weighted_average_of_each_arms_outcomes(shipped):
    inputs, _, base, joint = shipped
    avg = op.model_average(inputs, joint, base)
    t = avg.table[avg.table["model"] != "average"]
    assert t["akaike_weight"].sum() == pytest.approx(1.0)
    assert avg.inc_costs == pytest.approx(float(np.sum(t["akaike_weight"] * t["inc_costs"])))
    assert avg.icer == pytest.approx(avg.inc_costs / avg.inc_qalys)
    gg = t[t["family"] == "gengamma"].iloc[0]
    assert 60_000 < gg["icer"] < 90_000  # the joint AFT generalised gamma, unlike the independent fits
    assert 65_000 < avg.icer < 85_000


def test_time_on_treatment_at_6_12_24_months(shipped):
    _, _, base, _ = shipped
    tot = op.time_on_treatment_table(base).set_index(["arm", "drug"])
    eve = tot.loc[("eve_exe", "everolimus")]
    assert eve["median_months"] == pytest.approx(5.1, abs=0.05)
    assert eve["on_6m"] == pytest.approx(0.447, abs=0.005)
    assert eve["on_12m"] == pytest.approx(0.215, abs=0.005)
    assert eve["on_24m"] == pytest.approx(0.053, abs=0.005)
    assert np.all(tot["on_12m"] <= tot["pf_12m"])


def test_model_averaged_psa_allocates_iterations_by_the_akaike_weights(shipped):
    inputs, _, _, joint = shipped
    m = op.model_average_psa(inputs, joint, iterations=300, seed=3)
    assert sum(m.counts.values()) == 300 == len(m.inc_costs)
    assert set(m.counts) == {"base_case", "os_joint_gengamma_aft", "os_loglogistic_aft"}  # the others weigh < 0.002
    w = joint.set_index(["model", "family"])["akaike_weight"]
    assert m.counts["base_case"] == pytest.approx(300 * w[("ph", "weibull")] / w.sum(), abs=2)
    assert 0.0 <= m.prob_cost_effective(30_000) <= 0.1 and 50_000 < m.icer < 100_000
