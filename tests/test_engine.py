"""Engine closed forms and black-box checks (TECH-VER) on small synthetic models."""

import numpy as np
import pytest

from cea.engine.model import evaluate
from tests.conftest import EngineSettings, exponential_model


def test_life_years_match_the_trapezoid_closed_form_and_the_integral():
    lam = 0.1  # per month, all PF exits are deaths, no background mortality
    structure, params = exponential_model(pfs_rate=lam, death_share=1.0, hr=1.0)
    s = EngineSettings(horizon_years=5.0)
    out = evaluate(structure, params, s)
    T, dy = s.n_cycles, s.cycle_years
    q = np.exp(-lam * s.cycle_months)
    closed = dy * ((1 - q ** (T + 1)) / (1 - q) - (1 + q**T) / 2)
    assert out.lys_by_state[0, 1, 0] == pytest.approx(closed, rel=1e-12)
    assert out.lys_by_state[0, 1, 1] == pytest.approx(0.0, abs=1e-15)
    horizon_months = T * s.cycle_months
    integral = (1 - np.exp(-lam * horizon_months)) / (lam * 12)
    # trapezoid rule error for an exponential: relative ≈ (λΔ)²/12
    assert out.lys[0, 1] == pytest.approx(integral, rel=(lam * s.cycle_months) ** 2 / 12 * 1.01)


def test_drug_cost_is_paid_at_cycle_start_without_correction():
    lam, price = 0.1, 100.0
    structure, params = exponential_model(pfs_rate=lam, death_share=1.0, hr=1.0, drug_price=price)
    for method in ("none", "half_cycle", "simpson"):
        s = EngineSettings(horizon_years=2.0, within_cycle_correction=method)
        out = evaluate(structure, params, s)
        T = s.n_cycles
        q = np.exp(-lam * s.cycle_months)
        expected = price * s.cycle_length_days * (1 - q**T) / (1 - q)
        assert out.costs_by_category[0, 0, out.cost_categories.index("drug")] == pytest.approx(expected, rel=1e-12)


def test_terminal_care_equals_unit_cost_times_deaths_within_horizon():
    structure, params = exponential_model()
    s = EngineSettings(horizon_years=3.0)
    out = evaluate(structure, params, s, keep_trace=True)
    dead_at_end = out.trace.dead[0, :, -1]
    k = out.cost_categories.index("terminal")
    assert out.costs_by_category[0, :, k] == pytest.approx(1000.0 * dead_at_end, rel=1e-12)


def test_pf_occupancy_equals_pfs_curve_when_floor_does_not_bind():
    structure, params = exponential_model(pfs_rate=0.2, hr=0.6)
    s = EngineSettings(horizon_years=2.0)
    out = evaluate(structure, params, s, keep_trace=True)
    t = out.times_years * 12
    np.testing.assert_allclose(out.trace.pf[0, 0], np.exp(-0.6 * 0.2 * t), rtol=1e-12)
    np.testing.assert_allclose(out.trace.pf[0, 1], np.exp(-0.2 * t), rtol=1e-12)


def test_no_mortality_and_no_progression_gives_life_years_equal_to_horizon():
    structure, params = exponential_model(pfs_rate=1e-300, pd_rate=0.0)
    s = EngineSettings(horizon_years=4.0, cycle_length_days=365.25 / 12)
    out = evaluate(structure, params, s)
    assert out.lys[0] == pytest.approx([4.0, 4.0], rel=1e-12)
    assert out.qalys[0] == pytest.approx([0.8 * 4.0, 0.8 * 4.0], rel=1e-12)


def test_death_probability_one_kills_everyone_in_the_first_cycle():
    structure, params = exponential_model(qx=1.0)
    out = evaluate(structure, params, EngineSettings(horizon_years=1.0), keep_trace=True)
    assert out.trace.dead[0, :, 1] == pytest.approx([1.0, 1.0])


def test_single_cycle_horizon():
    structure, params = exponential_model()
    s = EngineSettings(horizon_years=7 / 365.25)
    assert s.n_cycles == 1
    out = evaluate(structure, params, s, keep_trace=True)
    assert out.trace.pf.shape[-1] == 2


def test_huge_discount_rate_leaves_only_the_first_cycle():
    structure, params = exponential_model(death_share=1.0)
    s = EngineSettings(horizon_years=5.0, cycle_length_days=365.25, discount_rate_outcomes=1e9,
                       within_cycle_correction="none")
    out = evaluate(structure, params, s)
    assert out.lys[0] == pytest.approx([s.cycle_years, s.cycle_years], rel=1e-6)


def test_background_mortality_is_a_floor_on_death():
    structure, params = exponential_model(pfs_rate=1e-9, pd_rate=0.0, qx=0.1)
    s = EngineSettings(horizon_years=3.0, cycle_length_days=365.25)
    out = evaluate(structure, params, s, keep_trace=True)
    alive = 1 - out.trace.dead[0, 0]
    np.testing.assert_allclose(alive, 0.9 ** np.arange(4), rtol=1e-9)


def test_chunked_evaluation_equals_one_call():
    structure, params = exponential_model(n_samples=7)
    rng = np.random.default_rng(3)
    params["hr"] = rng.uniform(0.3, 1.2, 7)
    params["u_pf"] = rng.uniform(0.5, 0.9, 7)
    whole = evaluate(structure, params, EngineSettings())
    chunked = evaluate(structure, params, EngineSettings(), chunk_size=3)
    np.testing.assert_allclose(whole.qalys, chunked.qalys, rtol=1e-13)
    np.testing.assert_allclose(whole.costs, chunked.costs, rtol=1e-13)
