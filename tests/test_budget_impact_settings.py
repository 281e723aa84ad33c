"""The budget impact reads the engine result of `cea run` for every setting (issue 22).

`cea bia --set adverse_event_timing=at_start` once gave the base case's total to the penny (64,541,429.56):
the budget impact re-derived the adverse events' timing instead of taking it from the engine.  Here every
setting of settings.toml (and a few scenarios) is flipped in turn, and for each:

1. the budget impact equals a direct computation, written out here cohort by cohort, from the undiscounted
   per-cycle costs of `cea run`'s engine result (run_base_case);
2. the budget impact changes exactly when those per-cycle costs do (the arms' roles, which decide who
   receives what in the budget impact, are the one stated exception: they change the shares, not the costs);
3. the per-cycle costs are the ones behind the discounted totals `cea run` reports: for every category whose
   items are all paid at a cycle start (drug acquisition, adverse events) or at the cycle midpoint (one-off
   costs at progression and death), Σ_k cost_k·DF(anchor_k) is the discounted total.  A setting that moved
   the totals' timing and not the per-cycle costs (the adverse-event defect) fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cea.analyses.base_case import run_base_case
from cea.analyses.budget_impact import run_budget_impact
from cea.inputs.budget_impact import load_budget_impact
from cea.inputs.overrides import apply_overrides
from cea.inputs.settings import SETTING_NAMES
from tests.conftest import INPUTS

# one valid value other than the shipped one for every setting (settings that only label, or only matter to
# other analyses, are flipped too: they must leave both the per-cycle costs and the budget impact alone)
FLIPS: dict[str, dict[str, object]] = {
    "title": {"title": "another title"},
    "evidence_status": {"evidence_status": "exploratory"},
    "evidence_note": {"evidence_note": "another note"},
    "currency": {"currency": "EUR"},
    "price_year": {"price_year": 2020},
    "perspective": {"perspective": "payer"},
    "country": {"country": "Wales"},
    "cycle_length_days": {"cycle_length_days": 14},
    "horizon_years": {"horizon_years": 10},
    "days_per_year": {"days_per_year": 365},
    "discount_rate_costs": {"discount_rate_costs": 0.06},
    "discount_rate_outcomes": {"discount_rate_outcomes": 0.015},
    "within_cycle_correction": {"within_cycle_correction": "simpson"},
    "start_age": {"start_age": 80},
    "utility_age_adjustment": {"utility_age_adjustment": "false"},
    "pd_mortality": {"pd_mortality": "constant"},
    "model_structure": {"model_structure": "psm"},
    "adverse_event_timing": {"adverse_event_timing": "at_start"},
    "waning_start_months": {"waning_start_months": 3, "waning_end_months": 3},
    "waning_end_months": {"waning_start_months": 2, "waning_end_months": 12},
    "intervention": {"intervention": "exe", "comparator": "eve_exe"},
    "comparator": {"intervention": "exe", "comparator": "eve_exe"},
    "wtp_thresholds": {"wtp_thresholds": "50000"},
    "primary_wtp": {"primary_wtp": 20000},
    "wtp_grid_max": {"wtp_grid_max": 100000},
    "wtp_grid_step": {"wtp_grid_step": 1000},
    "psa_iterations": {"psa_iterations": 50},
    "seed": {"seed": 7},
    "price_parameter": {"price_parameter": "eve_pack_price_5mg", "price_linked": "eve_pack_price_10mg"},
    "price_linked": {"price_linked": ""},
    "pas_discount": {"pas_discount": 0.3},
    "annual_incidence": {"annual_incidence": 100},
    "decision_horizon_years": {"decision_horizon_years": 3},
    "proportion_female": {"proportion_female": 0.5},
    "on_treatment_disutility": {"on_treatment_disutility": "everolimus"},
}
ROLES = {"intervention", "comparator"}
SCENARIOS = {
    "scenario ae_at_start, 30-day cycles": {"adverse_event_timing": "at_start", "cycle_length_days": 30.4375},
    "scenario ae_at_start, no correction": {"adverse_event_timing": "at_start", "within_cycle_correction": "none"},
    "scenario tot_to_progression": {"tot_rate_everolimus": 0, "tot_rate_exemestane_with_everolimus": 0,
                                    "tot_rate_exemestane_with_placebo": 0},
    "scenario os_loglogistic_aft, psm": {"arm.eve_exe.os_curve": "os_exe_loglogistic_aft",
                                         "arm.exe.os_curve": "os_exe_loglogistic_aft",
                                         "arm.eve_exe.os_hazard_ratio": "none",
                                         "arm.eve_exe.os_acceleration_factor": "af_os_loglogistic",
                                         "model_structure": "psm"},
    "scenario dose_intensity_desiree": {"eve_days_dosed": 0.914285714286},
}
START = ("drug_acquisition", "adverse_events")  # every item paid at a cycle start t_k
MIDPOINT = ("subsequent_therapy", "terminal_care")  # every item a one-off at progression or death


def test_every_setting_is_flipped():
    assert set(FLIPS) == set(SETTING_NAMES)


@pytest.fixture(scope="module")
def bia():
    return load_budget_impact(INPUTS)


@pytest.fixture(scope="module")
def base(shipped_inputs, bia):
    return _case(shipped_inputs, bia)


def _direct(per_cycle: np.ndarray, times: np.ndarray, bia, arms: tuple[str, ...], intervention: str,
            comparator: str) -> float:
    """Net budget impact written out: cycle k's cost split between years by the time it spends in each, then each
    cohort y (1..H) of N_y patients, a share u_y (with) or v_y (without) on the intervention, the rest on the
    comparator, paying its year-(t − y) costs in calendar year t."""
    horizon = bia.n_years
    per_patient = np.zeros(per_cycle.shape[:2] + (horizon,))  # (A, C, H)
    for k in range(per_cycle.shape[-1]):
        t0, t1 = times[k], times[k + 1]
        for j in range(horizon):
            inside = max(0.0, min(t1, j + 1.0) - max(t0, float(j)))
            per_patient[:, :, j] += per_cycle[:, :, k] * inside / (t1 - t0)
    i, c = arms.index(intervention), arms.index(comparator)
    eligible = bia.eligible()
    net = 0.0
    for y in range(horizon):
        for t in range(y, horizon):
            for uptake, sign in ((bia.uptake_with[y], 1.0), (bia.uptake_without[y], -1.0)):
                cost = uptake * per_patient[i, :, t - y].sum() + (1.0 - uptake) * per_patient[c, :, t - y].sum()
                net += sign * eligible[y] * cost
    return net


def _case(inputs, bia):
    run = run_base_case(inputs).outcomes
    result = run_budget_impact(inputs, bia=bia, sensitivity=False)
    return inputs, run, result


@pytest.mark.parametrize("overrides", list(FLIPS.values()) + list(SCENARIOS.values()),
                         ids=list(FLIPS) + list(SCENARIOS))
def test_the_budget_impact_follows_the_engine_for_every_setting(shipped_inputs, bia, base, overrides):
    _, base_run, base_result = base
    inputs, run, result = _case(apply_overrides(shipped_inputs, overrides), bia)
    s = inputs.settings
    per_cycle = run.costs_by_cycle_undiscounted[0]

    # 1. equal to the direct computation from `cea run`'s per-cycle costs
    direct = _direct(per_cycle, run.times_years, bia, run.arms, s.intervention, s.comparator)
    assert math.isclose(result.total_net, direct, rel_tol=1e-12), (result.total_net, direct)

    # 2. changes exactly when the engine's undiscounted per-cycle costs do
    base_cycles = base_run.costs_by_cycle_undiscounted[0]
    cycles_moved = base_cycles.shape != per_cycle.shape or not np.array_equal(base_cycles, per_cycle)
    budget_moved = result.total_net != base_result.total_net
    if ROLES & set(overrides):
        assert not cycles_moved and budget_moved  # the same costs, the other arm displaced
        # Σ_y N_y (u_y − v_y)(P_new − P_old) with the arms swapped: the negative of the base case
        assert math.isclose(result.total_net, -base_result.total_net, rel_tol=1e-12)
    else:
        assert budget_moved == cycles_moved, (overrides, budget_moved, cycles_moved)

    # 3. the per-cycle costs are those behind the discounted totals of `cea run`
    times = run.times_years
    df_start = (1.0 + s.discount_rate_costs) ** -times[:-1]
    df_mid = (1.0 + s.discount_rate_costs) ** -((times[:-1] + times[1:]) / 2)
    for category, df in [(c, df_start) for c in START] + [(c, df_mid) for c in MIDPOINT]:
        k = run.cost_categories.index(category)
        assert_allclose(per_cycle[:, k, :] @ df, run.costs_by_category[0, :, k], rtol=1e-12, err_msg=category)
    assert_allclose(per_cycle.sum(axis=-1), run.costs_by_category_undiscounted[0], rtol=1e-12)


def test_adverse_event_timing_at_start_by_hand(shipped_inputs, bia):
    """At start, every arm's adverse-event costs fall in cycle 0 (incidence × cost), so in year 1 of each cohort; the
    shipped total is 62,792,966.78 (base case, spread over the time on treatment: 62,735,863.18; before the issue-23 cost and days-dosed changes 64,632,394.67 and 64,541,429.56)."""
    inputs = apply_overrides(shipped_inputs, {"adverse_event_timing": "at_start"})
    run = run_base_case(inputs).outcomes
    k = run.cost_categories.index("adverse_events")
    v = {pid: row.value for pid, row in inputs.parameters.items()}
    for a, arm in enumerate(run.arms):
        incidence_cost = sum(v[e.rate] * v[e.cost] for e in inputs.structure.adverse_events if e.arm == arm)
        expected = np.zeros(run.costs_by_cycle_undiscounted.shape[-1])
        expected[0] = incidence_cost
        assert_allclose(run.costs_by_cycle_undiscounted[0, a, k], expected, rtol=1e-14, atol=0)
        assert math.isclose(run.costs_by_category[0, a, k], incidence_cost, rel_tol=1e-14)  # DF(0) = 1
    result = run_budget_impact(inputs, bia=bia, sensitivity=False)
    assert round(result.total_net, 2) == 62_792_966.78
    assert round(run_budget_impact(shipped_inputs, bia=bia, sensitivity=False).total_net, 2) == 62_735_863.18
