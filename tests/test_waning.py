"""Treatment-effect waning at its edges (docs/MODEL.md, treatment-effect waning).

ω_k = clip((m_k − s)/(e − s), 0, 1) at the cycle midpoints m_k (months); s = ∞: no waning; e = s: a step at s;
a finite s with e = ∞, and e < s, are refused.  The waning arm's cumulative-hazard increments are
(1 − ω_k)·ΔH_own,k + ω_k·ΔH_ref,k, for PFS and OS alike.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from cea.engine.model import evaluate
from cea.engine.transitions import waning_weights
from cea.errors import InputError
from cea.inputs.overrides import apply_overrides
from tests.conftest import EngineSettings, exponential_model

MIDS = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])


def test_linear_ramp_read_at_the_midpoints():
    assert waning_weights(MIDS, 1.0, 5.0).tolist() == [0.0, 0.125, 0.375, 0.625, 0.875, 1.0]


def test_no_waning_when_the_start_is_infinite():
    assert waning_weights(MIDS, math.inf, math.inf).tolist() == [0.0] * 6


def test_end_equal_to_start_is_a_step_at_the_first_midpoint_at_or_after_it():
    assert waning_weights(MIDS, 2.5, 2.5).tolist() == [0, 0, 1, 1, 1, 1]
    assert waning_weights(MIDS, 2.0, 2.0).tolist() == [0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("start,end", [(2.0, math.inf), (3.0, 2.0)])
def test_undefined_waning_is_refused_by_the_engine(start, end):
    with pytest.raises(ValueError):
        waning_weights(MIDS, start, end)


@pytest.mark.parametrize("overrides,message", [
    ({"waning_start_months": "24"}, "has no end"),
    ({"waning_start_months": "24", "waning_end_months": "12"}, "must end after it starts"),
])
def test_undefined_waning_is_an_input_error(shipped_inputs, overrides, message):
    with pytest.raises(InputError, match=message):
        apply_overrides(shipped_inputs, overrides)


def test_a_step_gives_the_reference_arms_hazard_from_the_step_on():
    """Exponential PFS with HR 0.5, yearly cycles, a step at 18 months (midpoint of cycle 1): PF of the treated
    arm is exp(−12·r·HR) after cycle 0 and then falls at the control rate: PF_k = a_trt·a_ctl^(k−1)."""
    structure, p = exponential_model(pfs_rate=0.1, hr=0.5)
    arms = (replace(structure.arms[0], waning_reference="ctl"), structure.arms[1])
    structure = replace(structure, arms=arms)
    s = EngineSettings(cycle_length_days=365.25, horizon_years=4, waning_start_months=18.0, waning_end_months=18.0)
    out = evaluate(structure, p, s, keep_trace=True)
    a_trt, a_ctl = math.exp(-12 * 0.1 * 0.5), math.exp(-12 * 0.1)
    expected = [1.0, a_trt] + [a_trt * a_ctl ** (k - 1) for k in range(2, 5)]
    assert out.trace.pf[0, 0].tolist() == pytest.approx(expected, rel=1e-13)
