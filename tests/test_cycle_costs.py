"""Undiscounted costs per cycle (the engine's totals spread over time, for budget impact)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from cea.engine.cycle_costs import interval_weights
from cea.engine.discounting import within_cycle_weights
from cea.engine.model import evaluate
from cea.inputs.overrides import apply_overrides
from cea.parameters.parameter_set import point_estimates


def _run(inputs, **kwargs):
    return evaluate(inputs.structure, point_estimates(inputs).values, inputs.settings, keep_trace=True,
                    keep_cycle_costs=True, **kwargs)


@pytest.mark.parametrize("method", ["none", "half_cycle", "simpson"])
@given(n=st.integers(1, 40), seed=st.integers(0, 10_000))
@hyp_settings(max_examples=30, deadline=None)
def test_interval_weights_reproduce_the_total_for_any_occupancy(method, n, seed):
    m = np.random.default_rng(seed).random(n + 1)
    w = within_cycle_weights(n, method)
    a, b = interval_weights(w, method)
    assert_allclose((a * m[:-1] + b * m[1:]).sum(), w @ m, rtol=1e-13)
    assert (a >= 0).all() and (b >= 0).all()


def test_interval_weights_by_hand():
    a, b = interval_weights(within_cycle_weights(4, "half_cycle"), "half_cycle")
    assert_allclose(a, [0.5] * 4) and assert_allclose(b, [0.5] * 4)
    a, b = interval_weights(within_cycle_weights(4, "simpson"), "simpson")  # w = (1, 4, 2, 4, 1)/3
    assert_allclose(a, [1 / 3, 2 / 3, 1 / 3, 2 / 3]) and assert_allclose(b, [2 / 3, 1 / 3, 2 / 3, 1 / 3])
    a, b = interval_weights(within_cycle_weights(4, "none"), "none")
    assert_allclose(a, [1.0] * 4) and assert_allclose(b, [0.0] * 4)


@pytest.mark.parametrize("overrides", [
    {}, {"within_cycle_correction": "none"}, {"within_cycle_correction": "simpson"},
    {"model_structure": "psm"}, {"tot_rate_everolimus": 0.2}, {"tot_rate_everolimus": 0.0}, {"pd_mortality": "constant"},
    {"cycle_length_days": 30, "horizon_years": 7},
], ids=str)
def test_cycle_costs_sum_to_the_undiscounted_totals(shipped_inputs, overrides):
    out = _run(apply_overrides(shipped_inputs, overrides))
    assert out.costs_by_cycle_undiscounted.shape == out.costs_by_category_undiscounted.shape + (len(out.times_years) - 1,)
    assert_allclose(out.costs_by_cycle_undiscounted.sum(axis=-1), out.costs_by_category_undiscounted, rtol=1e-12)


def test_each_cycle_by_hand_from_the_trace(shipped_inputs):
    """Every category recomputed cycle by cycle from the trace, independently of the engine's helpers:
    each drug on its own time on treatment PF(t)·exp(−λ_drug·t), adverse events spread over the time on
    the drug that times them (everolimus; exemestane in the placebo arm)."""
    out = _run(shipped_inputs)
    s, v = shipped_inputs.settings, shipped_inputs.parameters
    val = lambda pid: v[pid].value  # noqa: E731
    cats = out.cost_categories
    t_months = out.times_years * 12
    tot = lambda pf, rate: pf * np.exp(-val(rate) * t_months)  # noqa: E731
    eve_daily = val("eve_days_dosed") * (val("eve_pack_price_10mg") * val("eve_share_10mg")
                                         + val("eve_pack_price_5mg") * val("eve_share_5mg")) / val("eve_tablets_per_pack")
    exe_daily = val("exe_pack_price") / val("exe_tablets_per_pack")
    for j, arm in enumerate(out.arms):
        pf, pd_ = out.trace.pf[0, j], out.trace.pd[0, j]
        got = out.costs_by_cycle_undiscounted[0, j]
        if arm == "eve_exe":
            timing = tot(pf, "tot_rate_everolimus")
            drug = timing * eve_daily + tot(pf, "tot_rate_exemestane_with_everolimus") * exe_daily
        else:
            timing = tot(pf, "tot_rate_exemestane_with_placebo")
            drug = timing * exe_daily
        assert_allclose(got[cats.index("drug_acquisition")], drug[:-1] * s.cycle_length_days, rtol=1e-12)
        trapezoid = lambda m: (m[:-1] + m[1:]) / 2 * s.cycle_months  # noqa: E731
        monitoring = trapezoid(pf) * val("pf_monitoring_cost_month")
        if arm == "eve_exe":  # everolimus-specific tests, paid per day on everolimus at the start of each cycle
            monitoring = monitoring + timing[:-1] * val("eve_monitoring_cost_month") / val("days_per_month") \
                * s.cycle_length_days
        assert_allclose(got[cats.index("monitoring")], monitoring, rtol=1e-12)
        per_progression = (val(f"subsequent_chemo_share_{arm}") * val("subsequent_chemo_course_cost")
                           + val(f"subsequent_other_share_{arm}") * val("subsequent_other_course_cost"))
        assert_allclose(got[cats.index("subsequent_therapy")], out.trace.new_progressions[0, j] * per_progression,
                        rtol=1e-12)
        assert_allclose(got[cats.index("progressed_disease_care")],
                        trapezoid(pd_) * val("pd_care_cost_month") + out.trace.new_progressions[0, j] * val("progression_cost"),
                        rtol=1e-12)
        assert_allclose(got[cats.index("terminal_care")], out.trace.new_deaths[0, j] * val("terminal_care_cost"), rtol=1e-12)
        events = [e for e in shipped_inputs.structure.adverse_events if e.arm == arm]
        incidence_cost = sum(val(e.rate) * val(e.cost) for e in events)
        assert_allclose(got[cats.index("adverse_events")], incidence_cost * timing[:-1] / timing[:-1].sum(),
                        rtol=1e-12, atol=1e-12)


def test_cycle_costs_are_optional_and_batched(shipped_inputs):
    plain = evaluate(shipped_inputs.structure, point_estimates(shipped_inputs).values, shipped_inputs.settings)
    assert plain.costs_by_cycle_undiscounted is None
    values = {k: np.repeat(x, 5) for k, x in point_estimates(shipped_inputs).values.items()}
    values["hr_pfs"] = np.linspace(0.3, 0.9, 5)
    chunked = evaluate(shipped_inputs.structure, values, shipped_inputs.settings, keep_cycle_costs=True, chunk_size=2)
    whole = evaluate(shipped_inputs.structure, values, shipped_inputs.settings, keep_cycle_costs=True)
    assert_allclose(chunked.costs_by_cycle_undiscounted, whole.costs_by_cycle_undiscounted, rtol=1e-13)
    assert_allclose(whole.costs_by_cycle_undiscounted.sum(-1), whole.costs_by_category_undiscounted, rtol=1e-12)
