"""Closed forms for the engine's conventions at non-zero discounting, with age-varying life tables.

Each test derives the expected number by hand from the convention docs/MODEL.md states, on a model
small enough to sum in closed form (geometric series), so that a wrong convention shows as a
wrong number: adverse-event QALY loss (sign and size), the age-adjusted utility, the units of the
discontinuation rate, undiscounted costs when discounting is on, the life table read at the
current age, p = 1 − exp(−r·Δt), one-off costs at mid-cycle and the background-mortality floor
on post-progression death.  All tolerances are for exact arithmetic (a few ulps over a few hundred
cycles), except where a test says otherwise.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cea.engine.model import evaluate
from cea.engine.trace import cohort_trace
from tests.conftest import EngineSettings, exponential_model

NEVER = 1e-300  # a monthly PFS rate so small that nobody progresses within the horizon (PF stays exactly 1)
YEARLY = 365.25  # cycle length in days that makes one cycle exactly one year


def _geometric(q: float, n: int) -> float:
    """Σ_{k=0}^{n−1} q^k."""
    return n if q == 1 else (1 - q**n) / (1 - q)


def test_adverse_event_qaly_loss_is_minus_rate_times_disutility_times_duration():
    # Nobody progresses, so everyone is on the drug all along (ToT = 1) and the events are spread evenly over the
    # n cycle starts: undiscounted, the loss is rate x disutility x duration in years; discounted, each share 1/n
    # at t_k = k·Δ is weighed by (1 + d)^−t_k, i.e. the loss times (1/n)·Σ_{k<n} q^k with q = (1 + d)^−Δ.
    rate, cost, disutility, days, d = 0.3, 250.0, 0.15, 21.0, 0.035
    structure, p = exponential_model(pfs_rate=NEVER, adverse_event=(rate, cost, disutility, days))
    without, _ = exponential_model(pfs_rate=NEVER)
    s = EngineSettings(discount_rate_costs=d, discount_rate_outcomes=d)
    out, baseline = evaluate(structure, p, s), evaluate(without, p, s)
    loss = -rate * disutility * days / 365.25
    spread = _geometric((1 + d) ** -s.cycle_years, s.n_cycles) / s.n_cycles
    assert out.qalys_by_state_undiscounted[0, 0, 2] == pytest.approx(loss, rel=1e-14)
    assert out.qalys_by_state[0, 0, 2] == pytest.approx(loss * spread, rel=1e-12)
    assert out.qalys_by_state[0, 1, 2] == 0.0  # the control arm has no such event
    assert out.qalys[0, 0] - baseline.qalys[0, 0] == pytest.approx(loss * spread, rel=1e-9)
    k = out.cost_categories.index("adverse_events")
    assert out.costs_by_category_undiscounted[0, 0, k] == pytest.approx(rate * cost, rel=1e-14)
    assert out.costs_by_category[0, 0, k] == pytest.approx(rate * cost * spread, rel=1e-12)


@pytest.mark.parametrize("u_pf", [0.8, 0.95])  # below the norm at the start age, and above it (capped)
def test_age_adjusted_utility_equals_the_integral_of_the_linear_norm(u_pf):
    # Everyone stays progression-free and alive, so QALY_PF = Σ_k w_k·u(t_k)·Δ with the age-adjusted utility
    # u(t) = min(u·U(a_t)/U(a_0), U(a_t)).  With a norm linear in age, U(a) = g0 + g1·a, the trapezoid rule is
    # exact: QALY_PF = min(u/U(a_0), 1)·∫_0^T U(a_0 + t) dt = min(u/U(a_0), 1)·T·(g0 + g1·(a_0 + T/2)).
    structure, p = exponential_model(pfs_rate=NEVER, u_pf=u_pf)
    g0, g1, a0 = 1.2, -0.005, 60.0  # U(60) = 0.9
    p |= {"g0": np.array([g0]), "g1": np.array([g1])}
    s = EngineSettings(utility_age_adjustment=True, start_age=a0, horizon_years=20.0)
    out = evaluate(structure, p, s)
    horizon = out.times_years[-1]
    level = min(u_pf / (g0 + g1 * a0), 1.0)
    expected = level * horizon * (g0 + g1 * (a0 + horizon / 2))
    assert out.lys_by_state[0, 1, 0] == pytest.approx(horizon, rel=1e-12)
    assert out.qalys_by_state[0, 1, 0] == pytest.approx(expected, rel=1e-12)
    # without the adjustment it is u·T: the two differ by ~5% here, far above rounding
    flat = evaluate(structure, p, replace(s, utility_age_adjustment=False))
    assert flat.qalys_by_state[0, 1, 0] == pytest.approx(u_pf * horizon, rel=1e-12)


def test_discontinuation_rate_is_per_month_and_undiscounted_costs_ignore_the_discount_rate():
    # Nobody progresses; the treated arm stops treatment at δ per month, so on treatment at t_k is
    # exp(−δ·t_k[months]) and the drug is paid at each cycle start:
    #   discounted   = c·days·Σ_{k<n} (e^{−δ·Δm}·(1+d)^{−Δy})^k,   undiscounted = c·days·Σ_{k<n} e^{−δ·Δm·k}.
    delta, d = 0.035, 0.035
    structure, p = exponential_model(pfs_rate=NEVER, drug_price=100.0, tot_rate=delta)
    s = EngineSettings(discount_rate_costs=d, discount_rate_outcomes=d, horizon_years=15.0)
    out = evaluate(structure, p, s)
    k = out.cost_categories.index("drug")
    per_cycle = 100.0 * s.cycle_length_days
    stay = np.exp(-delta * s.cycle_months)
    discounted = per_cycle * _geometric(stay * (1 + d) ** -s.cycle_years, s.n_cycles)
    undiscounted = per_cycle * _geometric(stay, s.n_cycles)
    assert out.costs_by_category[0, 0, k] == pytest.approx(discounted, rel=1e-12)
    assert out.costs_by_category_undiscounted[0, 0, k] == pytest.approx(undiscounted, rel=1e-12)
    # the state costs are undiscounted occupancy sums too: PF for the whole horizon, £10 a month
    care = out.cost_categories.index("care")
    assert out.costs_by_category_undiscounted[0, 0, care] == pytest.approx(10.0 * out.times_years[-1] * 12, rel=1e-12)


def test_general_population_mortality_uses_the_life_table_at_the_current_age():
    # Yearly cycles from age 60: cycle k (ages 60+k to 61+k, midpoint 60.5+k) uses q at floor(60.5+k) = 60+k.
    # Nobody progresses and the disease kills no one, so the background floor is the only death:
    # alive_k = Π_{i<k} (1 − q_{60+i}), with q rising steeply with age so that a one-year shift is visible.
    ages = tuple(range(0, 121))
    qx = tuple(0.0 if a < 60 else min(0.01 + 0.02 * (a - 60), 1.0) for a in ages)
    structure, p = exponential_model(pfs_rate=NEVER, death_share=0.0)
    structure = replace(structure, life_table_ages=ages, life_table_qx=qx)
    s = EngineSettings(cycle_length_days=YEARLY, horizon_years=10.0, start_age=60.0)
    out = evaluate(structure, p, s, keep_trace=True)
    alive = np.concatenate([[1.0], np.cumprod([1 - qx[60 + i] for i in range(10)])])
    np.testing.assert_allclose(1 - out.trace.dead[0, 1], alive, rtol=1e-12)
    np.testing.assert_allclose(out.trace.pf[0, 1], alive, rtol=1e-12)


def test_constant_pd_mortality_converts_the_rate_with_one_minus_exp():
    # Yearly cycles, PF exits by progression only (rate λ per month), PD death at μ per month, no background:
    # PF_k = a^k and PD_{k+1} = PD_k·b + PF_k·(1 − a), with a = e^{−12λ}, b = e^{−12μ}, so
    # PD_k = (1 − a)·(b^k − a^k)/(b − a).  With p = μ·Δt instead, b would be 1 − 12μ = 0.52 instead of 0.619.
    lam, mu = 0.05, 0.04
    structure, p = exponential_model(pfs_rate=lam, pd_rate=mu, hr=1.0, death_share=0.0)
    s = EngineSettings(cycle_length_days=YEARLY, horizon_years=8.0, pd_mortality="constant")
    out = evaluate(structure, p, s, keep_trace=True)
    a, b = np.exp(-12 * lam), np.exp(-12 * mu)
    k = np.arange(9)
    np.testing.assert_allclose(out.trace.pf[0, 1], a**k, rtol=1e-12)
    np.testing.assert_allclose(out.trace.pd[0, 1], (1 - a) * (b**k - a**k) / (b - a), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(out.trace.p_pd_death[0, 1], 1 - b, rtol=1e-12)


def test_one_off_costs_are_discounted_at_mid_cycle():
    # Every PF exit is a death (death share 1), at rate λ per month, yearly cycles, costs discounted at d:
    # deaths in cycle k are a^k(1 − a) and cost £1,000 each at t = k + 1/2 years, so
    #   discounted = 1000·(1 − a)·v^{1/2}·Σ_{k<n} (a·v)^k with v = 1/(1 + d);  undiscounted = 1000·(1 − a^n).
    lam, d, n = 0.03, 0.035, 6
    structure, p = exponential_model(pfs_rate=lam, hr=1.0, death_share=1.0)
    s = EngineSettings(cycle_length_days=YEARLY, horizon_years=float(n), discount_rate_costs=d,
                       discount_rate_outcomes=d)
    out = evaluate(structure, p, s)
    a, v = np.exp(-12 * lam), 1 / (1 + d)
    k = out.cost_categories.index("terminal")
    assert out.costs_by_category[0, 1, k] == pytest.approx(1000 * (1 - a) * v**0.5 * _geometric(a * v, n), rel=1e-12)
    assert out.costs_by_category_undiscounted[0, 1, k] == pytest.approx(1000 * (1 - a**n), rel=1e-12)


def test_post_progression_death_never_falls_below_general_population_mortality_when_tracking_os():
    # os_tracking sets PD deaths so that alive follows S_OS; here S_OS stays at 1 (no deaths needed), so the
    # general-population floor binds every cycle: PD_{k+1} = PD_k·(1 − f) + PF_k·p, PF_k = (1 − p)^k.
    n, p, floor = 12, 0.2, 0.1
    p_pf_pd = np.full((n, 1), p)
    trace = cohort_trace(p_pf_pd, np.zeros((n, 1)), os_target=np.ones((n, 1)), p_pd_d_floor=np.full(n, floor))
    k = np.arange(n + 1)
    a, b = 1 - p, 1 - floor
    np.testing.assert_allclose(trace.pd[:, 0], p * (b**k - a**k) / (b - a), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(trace.new_deaths[:, 0], floor * trace.pd[:-1, 0], rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(trace.p_pd_death[1:, 0], floor, rtol=1e-12)


def test_the_engine_floors_post_progression_death_at_general_population_mortality_when_tracking_os():
    # The same floor through evaluate() (its few-sample path): S_OS stays at 1, so OS tracking asks for no PD deaths
    # and the floor q binds every cycle.  Yearly cycles, PF exits by progression (λ per month) and background death:
    # h = 12λ + μ with μ = −ln(1 − q); PF_k = a^k, a = e^{−h}; PF→PD takes p = (1 − a)·12λ/h of PF, and
    # PD_{k+1} = PD_k·(1 − q) + PF_k·p, so PD_k = p·(b^k − a^k)/(b − a) with b = 1 − q.
    lam, q = 0.05, 0.04
    structure, p = exponential_model(pfs_rate=lam, os_rate=NEVER, hr=1.0, death_share=0.0, qx=q)
    s = EngineSettings(cycle_length_days=YEARLY, horizon_years=8.0, pd_mortality="os_tracking")
    out = evaluate(structure, p, s, keep_trace=True)
    h = 12 * lam - np.log1p(-q)
    a, b = np.exp(-h), 1 - q
    to_pd = (1 - a) * 12 * lam / h
    k = np.arange(9)
    np.testing.assert_allclose(out.trace.pf[0, 1], a**k, rtol=1e-12)
    np.testing.assert_allclose(out.trace.pd[0, 1], to_pd * (b**k - a**k) / (b - a), rtol=1e-12, atol=1e-16)
