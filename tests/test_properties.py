"""Hypothesis invariants of the engine (HTA_METHODS MS-6, VV-1, VV-6, VV-10, VV-16)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cea.engine.model import evaluate
from cea.inputs.overrides import apply_overrides
from cea.parameters.parameter_set import point_estimates
from tests.conftest import EngineSettings, exponential_model

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(hr=st.floats(0.1, 3.0), scale=st.floats(0.5, 4.5), shape=st.floats(-1.2, 1.2),
       share=st.floats(0.0, 1.0), correction=st.sampled_from(["none", "half_cycle", "simpson"]))
def test_trace_rows_sum_to_one_and_never_go_negative(shipped_inputs, hr, scale, shape, share, correction):
    inputs = apply_overrides(shipped_inputs, {"hr_pfs": hr, "pfs_exe.log_scale": scale, "pfs_exe.log_shape": shape,
                                              "pf_death_share": share, "within_cycle_correction": correction,
                                              "horizon_years": 5})
    out = evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings, keep_trace=True)
    tr = out.trace
    total = tr.pf + tr.pd + tr.dead
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert tr.pf.min() >= 0 and tr.pd.min() >= -1e-15 and tr.dead.min() >= 0
    assert np.all(np.diff(tr.dead, axis=-1) >= -1e-15)  # dead never decreases
    assert np.all(np.diff(tr.pf, axis=-1) <= 1e-15)  # nobody returns to PF


@FAST
@given(rate=st.floats(0.01, 0.5), pd_rate=st.floats(0.0, 0.3), share=st.floats(0.0, 1.0),
       correction=st.sampled_from(["none", "half_cycle", "simpson"]))
def test_hazard_ratio_one_gives_identical_arms(rate, pd_rate, share, correction):
    structure, params = exponential_model(pfs_rate=rate, pd_rate=pd_rate, hr=1.0, death_share=share, drug_price=0.0)
    out = evaluate(structure, params, EngineSettings(within_cycle_correction=correction, discount_rate_costs=0.035,
                                                     discount_rate_outcomes=0.035))
    np.testing.assert_allclose(out.qalys[0, 0], out.qalys[0, 1], rtol=1e-13)
    np.testing.assert_allclose(out.lys[0, 0], out.lys[0, 1], rtol=1e-13)
    np.testing.assert_allclose(out.costs[0, 0], out.costs[0, 1], rtol=1e-13)


def test_zero_discount_equals_undiscounted(shipped_inputs):
    inputs = apply_overrides(shipped_inputs, {"discount_rate_costs": 0, "discount_rate_outcomes": 0})
    out = evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings)
    np.testing.assert_allclose(out.costs, out.costs_undiscounted, rtol=1e-13)
    np.testing.assert_allclose(out.qalys, out.qalys_undiscounted, rtol=1e-13)
    np.testing.assert_allclose(out.lys, out.lys_undiscounted, rtol=1e-13)
    discounted = evaluate(shipped_inputs.structure, point_estimates(shipped_inputs).values, shipped_inputs.settings)
    assert np.all(discounted.costs < out.costs) and np.all(discounted.qalys < out.qalys)


@FAST
@given(factor=st.floats(0.0, 5.0))
def test_costs_scale_linearly_with_everolimus_price(shipped_inputs, factor):
    def total(price_factor):
        inputs = apply_overrides(shipped_inputs, {"eve_pack_price_10mg": 2673 * price_factor,
                                                  "eve_pack_price_5mg": 2250 * price_factor, "horizon_years": 3})
        return evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings).costs[0]

    c0, c1, cf = total(0.0), total(1.0), total(factor)
    np.testing.assert_allclose(cf, c0 + factor * (c1 - c0), rtol=1e-10)
    assert c1[1] == pytest.approx(c0[1], rel=1e-14)  # the comparator arm has no everolimus


@FAST
@given(scale=st.floats(0.1, 10.0))
def test_all_costs_scale_with_a_common_price_factor(shipped_inputs, scale):
    currency_rows = {pid: row.value * scale for pid, row in shipped_inputs.parameters.items()
                     if row.unit == shipped_inputs.settings.currency}
    inputs = apply_overrides(shipped_inputs, {**currency_rows, "horizon_years": 3})
    base = apply_overrides(shipped_inputs, {"horizon_years": 3})
    a = evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings)
    b = evaluate(base.structure, point_estimates(base).values, base.settings)
    np.testing.assert_allclose(a.costs, scale * b.costs, rtol=1e-12)
    np.testing.assert_allclose(a.qalys, b.qalys, rtol=1e-14)
