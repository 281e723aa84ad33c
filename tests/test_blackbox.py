"""TECH-VER black-box tests on the shipped inputs (Büyükkaramikli et al. 2019; HTA_METHODS §8.2).

Each test changes the real BOLERO-2 inputs through the same override path users have
(``--set`` / scenarios), runs the base case and checks an outcome known in advance:
all costs 0 → total costs 0 (VV-8); utilities 1 → QALYs = LYs (VV-8); no progression →
PD empty (VV-3); certain death → everyone dead after one cycle (VV-5); a one-cycle
horizon; extreme hazard ratios still give valid traces (VV-1, VV-27); a huge discount
rate → only the first cycle counts (VV-16).  tests/test_engine.py checks the same ideas
on small synthetic models.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides


def base_case(inputs, **overrides):
    return run_base_case(apply_overrides(inputs, {k: str(v) for k, v in overrides.items()}))


def assert_valid_trace(result):
    """VV-1: occupancy in [0, 1] summing to one; PF never rises; the dead never come back."""
    tr = result.outcomes.trace
    total = tr.pf + tr.pd + tr.dead
    assert_allclose(total, 1.0, atol=1e-12)
    for state in (tr.pf, tr.pd, tr.dead):
        assert np.all(np.isfinite(state)) and state.min() >= -1e-12 and state.max() <= 1 + 1e-12
    assert np.all(np.diff(tr.pf, axis=-1) <= 1e-12)
    assert np.all(np.diff(tr.dead, axis=-1) >= -1e-12)
    o = result.outcomes
    for array in (o.costs, o.qalys, o.lys, o.costs_undiscounted, o.qalys_undiscounted, o.lys_undiscounted):
        assert np.all(np.isfinite(array))


def test_all_costs_zero_give_zero_total_costs(shipped_inputs):
    currency = shipped_inputs.settings.currency
    zero = {pid: 0 for pid, p in shipped_inputs.parameters.items()
            if p.unit == currency or p.unit.startswith(currency + " ")}
    assert len(zero) >= 10
    result = base_case(shipped_inputs, **zero)
    o = result.outcomes
    assert_allclose(o.costs_by_category, 0.0, atol=0)
    assert_allclose(o.costs_by_category_undiscounted, 0.0, atol=0)
    assert_allclose(o.costs_by_state, 0.0, atol=0)
    # effects are untouched
    assert_allclose(o.qalys, run_base_case(shipped_inputs).outcomes.qalys, rtol=1e-12)


def test_utilities_one_give_qalys_equal_to_life_years(shipped_inputs):
    disutilities = {pid: 0 for pid, p in shipped_inputs.parameters.items() if p.unit == "disutility"}
    result = base_case(shipped_inputs, u_pf=1, u_pd=1, utility_age_adjustment="false", **disutilities)
    o = result.outcomes
    assert_allclose(o.qalys, o.lys, rtol=1e-12)
    assert_allclose(o.qalys_undiscounted, o.lys_undiscounted, rtol=1e-12)
    assert_allclose(o.qalys_by_state[..., :2], o.lys_by_state, rtol=1e-12)
    assert_allclose(o.qalys_by_state[..., 2], 0.0, atol=0)  # no adverse-event QALY loss


def test_no_progression_leaves_progressed_disease_empty(shipped_inputs):
    """Every PFS event is a death (pf_death_share = 1), so PF→PD has probability 0."""
    result = base_case(shipped_inputs, pf_death_share=1)
    tr, o = result.outcomes.trace, result.outcomes
    assert_allclose(tr.pd, 0.0, atol=0)
    assert_allclose(tr.new_progressions, 0.0, atol=0)
    assert_allclose(o.lys_by_state[..., 1], 0.0, atol=0)
    assert_allclose(o.costs_by_state[..., 1], 0.0, atol=0)  # per-month-in-PD and per-progression costs
    assert_valid_trace(result)
    assert tr.dead[..., -1].min() > 0.99


def test_death_probability_one_kills_everyone_in_the_first_cycle(inputs_copy):
    path = inputs_copy / "life_table.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "qx": "1"} for row in rows)
    result = run_base_case(load_inputs(inputs_copy))
    tr, o, s = result.outcomes.trace, result.outcomes, result.settings
    assert_allclose(tr.dead[..., 1:], 1.0, atol=1e-15)
    assert_allclose(tr.pf[..., 1:] + tr.pd[..., 1:], 0.0, atol=1e-15)
    assert_allclose(tr.new_progressions, 0.0, atol=0)
    # half-cycle correction: the cohort is alive for half of the first cycle only
    assert s.within_cycle_correction == "half_cycle"
    assert_allclose(o.lys_undiscounted, 0.5 * s.cycle_years, rtol=1e-12)


def test_single_cycle_horizon(shipped_inputs):
    cycle_years = shipped_inputs.settings.cycle_years
    result = base_case(shipped_inputs, horizon_years=cycle_years)
    tr, o = result.outcomes.trace, result.outcomes
    assert result.settings.n_cycles == 1 and tr.pf.shape[-1] == 2
    assert_valid_trace(result)
    alive = tr.pf + tr.pd
    assert_allclose(o.lys_undiscounted[0], cycle_years * (alive[0, :, 0] + alive[0, :, 1]) / 2, rtol=1e-12)
    assert np.all(o.lys[0] <= cycle_years)


@pytest.mark.parametrize("hr", [1e-6, 1e-3, 50.0, 1e3])
def test_extreme_hazard_ratios_give_valid_traces(shipped_inputs, hr):
    result = base_case(shipped_inputs, hr_pfs=hr)
    assert_valid_trace(result)
    j = result.arm_index(result.settings.intervention)
    c = result.arm_index(result.settings.comparator)
    pf = result.outcomes.trace.pf[0]
    if hr < 1:  # almost nobody progresses: more time progression-free than the comparator throughout
        assert np.all(pf[j] >= pf[c] - 1e-12)
        assert result.outcomes.lys_by_state[0, j, 0] > result.outcomes.lys_by_state[0, c, 0]
    else:  # PF empties within a few cycles
        assert pf[j, 13] < 1e-3
        assert result.outcomes.lys_by_state[0, j, 0] < result.outcomes.lys_by_state[0, c, 0]


def test_huge_discount_rate_counts_only_the_first_cycle(shipped_inputs):
    yearly = {"cycle_length_days": shipped_inputs.settings.days_per_year, "discount_rate_costs": 1e6,
              "discount_rate_outcomes": 1e6}
    full = base_case(shipped_inputs, **yearly).outcomes
    first = base_case(shipped_inputs, horizon_years=1, **yearly).outcomes
    assert full.times_years.size > 10 and first.times_years.size == 2
    # later trace points are discounted by (1 + 1e6)^-t <= 1e-6 (the t = 1 point also changes its
    # trapezoid weight from 1/2 to 1), so the two agree to about 1e-6 relative
    assert_allclose(full.lys, first.lys, rtol=1e-5)
    # state QALYs and non-AE costs: adverse events are the trial's incidence spread over the time on
    # treatment within the horizon, so a 1-year horizon puts all of them in its first cycle
    assert_allclose(full.qalys_by_state[..., :2].sum(-1), first.qalys_by_state[..., :2].sum(-1), rtol=1e-5)
    ae = full.cost_categories.index("adverse_events")
    keep = [k for k in range(len(full.cost_categories)) if k != ae]
    assert_allclose(full.costs_by_category[..., keep].sum(-1), first.costs_by_category[..., keep].sum(-1), rtol=1e-5)
    # undiscounted AE totals are the incidence whatever the horizon
    assert_allclose(full.costs_by_category_undiscounted[..., ae], first.costs_by_category_undiscounted[..., ae],
                    rtol=1e-12)
    # trapezoid weight 1/2 on t = 0 with everyone alive, the t = 1 year point weighed by 1e-6
    assert_allclose(full.lys, 0.5, rtol=1e-5)
    assert np.all(full.lys_undiscounted > 2 * full.lys)
