"""Partitioned-survival structure (NICE DSU TSD19) against the Markov model."""

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.engine.model import evaluate
from cea.engine.psm import partitioned_survival_trace
from cea.inputs.overrides import apply_overrides
from tests.conftest import EngineSettings, exponential_model


def test_psm_states_are_read_from_the_curves():
    t = np.arange(0, 41) * 0.5
    pfs_inc = np.full((40, 1), 0.1 * 0.5)
    os_inc = np.full((40, 1), 0.03 * 0.5)
    trace, capped = partitioned_survival_trace(pfs_inc, os_inc, np.array([0.1]), np.zeros(40))
    np.testing.assert_allclose(trace.pf[:, 0], np.exp(-0.1 * t), rtol=1e-12)
    np.testing.assert_allclose(trace.pd[:, 0], np.exp(-0.03 * t) - np.exp(-0.1 * t), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(trace.dead[:, 0], 1 - np.exp(-0.03 * t), rtol=1e-12)
    assert capped[0] == 0


def test_crossing_pfs_is_capped_at_os_and_counted():
    pfs_inc = np.full((20, 1), 0.01)
    os_inc = np.full((20, 1), 0.05)  # OS falls faster than PFS: the curves cross at once
    trace, capped = partitioned_survival_trace(pfs_inc, os_inc, np.array([0.0]), np.zeros(20))
    assert capped[0] == 20
    assert np.all(trace.pd >= 0) and np.allclose(trace.pf, 1 - trace.dead)


@pytest.mark.parametrize("correction", ["none", "half_cycle", "simpson"])
def test_constant_hazards_psm_equals_markov_where_theory_says_so(correction):
    # exponential PFS (λ) and OS (μ): a Markov model with PF death hazard = PD death hazard = μ (π = μ/λ)
    # has OS = exp(−μt) in continuous time, so in the comparator arm (no hazard ratio) the structures
    # agree exactly on PF and, on OS, up to the discrete-time error of the Markov model (someone who
    # progresses cannot also die in the same cycle), which vanishes as the cycle shrinks
    lam, mu = 0.12, 0.03
    structure, params = exponential_model(pfs_rate=lam, os_rate=mu, pd_rate=mu, hr=0.7, death_share=mu / lam)

    def gap(days):
        kw = dict(horizon_years=8, within_cycle_correction=correction, cycle_length_days=days)
        markov = evaluate(structure, params, EngineSettings(pd_mortality="constant", **kw), keep_trace=True)
        psm = evaluate(structure, params, EngineSettings(model_structure="psm", **kw), keep_trace=True)
        np.testing.assert_allclose(psm.trace.pf, markov.trace.pf, rtol=1e-12)
        return abs(psm.lys[0, 1] / markov.lys[0, 1] - 1)

    weekly, daily = gap(7.0), gap(1.0)
    assert weekly < 5e-3
    assert daily < weekly / 5


def test_os_tracking_markov_and_psm_agree_on_the_shipped_inputs(shipped_inputs):
    markov = run_base_case(shipped_inputs).outcomes
    psm = run_base_case(apply_overrides(shipped_inputs, {"model_structure": "psm"})).outcomes
    np.testing.assert_allclose(psm.lys_by_state[..., 0], markov.lys_by_state[..., 0], rtol=1e-9)
    np.testing.assert_allclose(psm.lys, markov.lys, rtol=2e-3)
    assert np.all(psm.pfs_os_crossings == 0)


def test_psm_never_beats_general_population_survival(shipped_inputs):
    inputs = apply_overrides(shipped_inputs, {"model_structure": "psm", "os_exe_weibull_ph.log_scale": 9.0})
    o = run_base_case(inputs).outcomes
    qx = np.array(inputs.structure.life_table_qx)
    ages = np.array(inputs.structure.life_table_ages)
    years = np.arange(0, 15)
    # general-population survival at whole years from age 62
    s_gp = np.concatenate([[1.0], np.cumprod(1 - qx[62 - ages[0] + years])])
    idx = np.searchsorted(o.times_years, years + 1, side="right") - 1
    alive = 1 - o.trace.dead[0][:, idx]
    assert np.all(alive <= s_gp[1:][None, :] + 2e-3)
