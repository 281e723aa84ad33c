"""Base case on the shipped BOLERO-2 inputs: identities, overrides, modelled medians."""

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.engine import survival as surv
from cea.inputs.overrides import apply_overrides


def crossing_time(times, curve, level=0.5):
    """First time (linear interpolation) at which ``curve`` falls to ``level``."""
    k = int(np.argmax(curve <= level))
    t0, t1, s0, s1 = times[k - 1], times[k], curve[k - 1], curve[k]
    return t0 + (s0 - level) / (s0 - s1) * (t1 - t0)


def test_utilities_of_one_give_qalys_equal_to_lys(shipped_inputs):
    zero_ae = {pid: 0.0 for pid in shipped_inputs.parameters if pid.startswith("ae_disutility_")}
    inputs = apply_overrides(shipped_inputs, {"u_pf": 1, "u_pd": 1, "utility_age_adjustment": "false", **zero_ae})
    o = run_base_case(inputs).outcomes
    np.testing.assert_allclose(o.qalys, o.lys, rtol=1e-13)


def test_zero_costs_give_zero_total_costs(shipped_inputs):
    zero = {pid: 0.0 for pid, row in shipped_inputs.parameters.items() if row.unit == "GBP"}
    o = run_base_case(apply_overrides(shipped_inputs, zero)).outcomes
    assert np.all(o.costs == 0)


def test_disaggregated_results_sum_to_totals(shipped_inputs):
    o = run_base_case(shipped_inputs).outcomes
    np.testing.assert_allclose(o.costs_by_state.sum(-1), o.costs, rtol=1e-12)
    np.testing.assert_allclose(o.costs_by_category.sum(-1), o.costs, rtol=1e-15)


def test_set_override_changes_exactly_what_it_should(shipped_inputs):
    base = run_base_case(shipped_inputs)
    changed = run_base_case(apply_overrides(shipped_inputs, {"u_pd": 0.3}))
    np.testing.assert_array_equal(base.outcomes.costs, changed.outcomes.costs)
    np.testing.assert_array_equal(base.outcomes.lys, changed.outcomes.lys)
    np.testing.assert_array_equal(base.outcomes.qalys_by_state[..., 0], changed.outcomes.qalys_by_state[..., 0])
    assert np.all(changed.outcomes.qalys_by_state[..., 1] < base.outcomes.qalys_by_state[..., 1])
    j = base.arm_index("eve_exe")
    price = run_base_case(apply_overrides(shipped_inputs, {"eve_pack_price_10mg": 3000}))
    k = base.outcomes.cost_categories.index("drug_acquisition")
    assert price.outcomes.costs_by_category[0, j, k] > base.outcomes.costs_by_category[0, j, k]
    others = [c for c in range(len(base.outcomes.cost_categories)) if c != k]
    np.testing.assert_array_equal(price.outcomes.costs_by_category[..., others], base.outcomes.costs_by_category[..., others])
    np.testing.assert_array_equal(price.outcomes.qalys, base.outcomes.qalys)


def test_modelled_medians_match_the_curves_the_inputs_were_built_from(shipped_inputs):
    result = run_base_case(shipped_inputs)
    tr, months = result.outcomes.trace, result.outcomes.times_years * 12
    # PFS: calibrated to Yardley 2013 medians 7.8 vs 3.2 months
    for arm, target in (("eve_exe", 7.8), ("exe", 3.2)):
        j = result.arm_index(arm)
        assert crossing_time(months, tr.pf[0, j]) == pytest.approx(target, abs=0.3)
    # OS: the fitted curve of each arm
    for arm in ("eve_exe", "exe"):
        j = result.arm_index(arm)
        curve = shipped_inputs.curves[f"os_{arm}"]
        target = surv.median(curve.family, np.array(curve.estimates))[0]
        assert crossing_time(months, 1 - tr.dead[0, j]) == pytest.approx(target, abs=0.3)


def test_everyone_is_dead_at_the_lifetime_horizon(shipped_inputs):
    o = run_base_case(shipped_inputs).outcomes
    assert np.all(o.trace.dead[0, :, -1] > 0.999)


def test_base_case_is_the_published_reference_case(shipped_inputs):
    s = shipped_inputs.settings
    assert (s.discount_rate_costs, s.discount_rate_outcomes) == (0.035, 0.035)
    assert s.cycle_length_days == 7 and s.horizon_years == 15
