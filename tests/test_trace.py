"""Cohort trace: a hand-computed 3-cycle trace, a plain-loop re-implementation, OS tracking."""

import numpy as np
import pytest

from cea.engine.trace import cohort_trace


def test_hand_computed_three_cycle_trace():
    # PF→PD 0.2, PF→D 0.1, PD→D 0.3 every cycle
    p = lambda v: np.full((3, 1), v)  # noqa: E731
    tr = cohort_trace(p(0.2), p(0.1), p_pd_d=p(0.3))
    # cycle 1: PF .7, PD .2, D .1
    # cycle 2: PF .49, PD .2*.7 + .7*.2 = .28, D .23
    # cycle 3: PF .343, PD .28*.7 + .49*.2 = .294, D .363
    assert tr.pf[:, 0] == pytest.approx([1, 0.7, 0.49, 0.343])
    assert tr.pd[:, 0] == pytest.approx([0, 0.2, 0.28, 0.294])
    assert tr.dead[:, 0] == pytest.approx([0, 0.1, 0.23, 0.363])
    assert tr.new_progressions[:, 0] == pytest.approx([0.2, 0.14, 0.098])
    assert tr.new_deaths[:, 0] == pytest.approx([0.1, 0.13, 0.133])


def loop_trace(p_pf_pd, p_pf_d, p_pd_d):
    """Plain matrix-by-matrix re-implementation: m_{k+1} = m_k · P_k."""
    m = np.array([1.0, 0.0, 0.0])
    out = [m]
    for a, b, c in zip(p_pf_pd, p_pf_d, p_pd_d):
        P = np.array([[1 - a - b, a, b], [0, 1 - c, c], [0, 0, 1]])
        m = m @ P
        out.append(m)
    return np.array(out)


def test_batched_trace_equals_plain_matrix_loop():
    rng = np.random.default_rng(1)
    n, T = 5, 40
    a = rng.uniform(0, 0.3, (n, T))
    b = rng.uniform(0, 0.2, (n, T))
    c = rng.uniform(0, 0.5, (n, T))
    tr = cohort_trace(a.T, b.T, p_pd_d=c.T)  # the engine is time-major
    for i in range(n):
        expected = loop_trace(a[i], b[i], c[i])
        np.testing.assert_allclose(np.column_stack([tr.pf[:, i], tr.pd[:, i], tr.dead[:, i]]), expected,
                                   rtol=1e-12, atol=1e-15)


def test_os_tracking_reproduces_the_target_survival():
    t = np.arange(1, 101) * 0.25
    pfs = np.exp(-0.1 * t)
    os_target = np.exp(-0.03 * t)[:, None]
    p_exit = 1 - pfs / np.concatenate([[1.0], pfs[:-1]])
    tr = cohort_trace((0.9 * p_exit)[:, None], (0.1 * p_exit)[:, None], os_target=os_target,
                      p_pd_d_floor=np.zeros(100))
    # nobody is in PD during the first cycle, so only PF deaths happen there; from cycle 2 on the
    # PD death probability makes up the difference and OS is tracked exactly
    np.testing.assert_allclose((tr.pf + tr.pd)[2:, 0], os_target[1:, 0], rtol=1e-12)
    assert (tr.pf + tr.pd)[1, 0] == pytest.approx(1 - 0.1 * p_exit[0])
    assert np.all(tr.p_pd_death >= 0) and np.all(tr.p_pd_death <= 1)
