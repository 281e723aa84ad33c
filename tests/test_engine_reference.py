"""The vectorised engine equals a straightforward scalar loop to 1e-12 relative (issue 16: speed work must not
change results).

The loop below re-implements the Markov model one sample, one arm and one cycle at a time with the math
module: Weibull cumulative hazards, PF exits by competing hazards with the general-population floor,
post-progression deaths that make the alive total follow OS (clipped to [background, 1]) or a constant
PD→death rate, then LYs, age-adjusted QALYs and the occupancy- and event-based costs as plain sums with the
within-cycle weights and discounting written out.  It checks the shipped BOLERO-2 base case and a PSA sample
of the shipped inputs (both PD-mortality options, every within-cycle correction), including the trace that
`cea run` writes.  Drug costs and adverse events (being reworked for per-drug time on treatment) read the
same trace and are covered by tests/test_engine.py's closed forms.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from cea.engine.discounting import within_cycle_weights
from cea.engine.model import evaluate
from cea.parameters.parameter_set import point_estimates
from cea.parameters.sampling import draw

RTOL = 1e-12


def _weibull_h(values, curve, t_months):
    scale, shape = math.exp(values[f"{curve}.log_scale"]), math.exp(values[f"{curve}.log_shape"])
    return (t_months / scale) ** shape


def reference_arm(structure, settings, values: dict[str, float], arm) -> dict:
    """One arm, one sample: trace and totals by plain loops."""
    T, cy, cm = settings.n_cycles, settings.cycle_years, settings.cycle_months
    times = [k * cy for k in range(T + 1)]
    assert math.isinf(settings.waning_start_months), "the reference has no treatment-effect waning"
    ages, qx = structure.life_table_ages, structure.life_table_qx

    def background(k):  # per-cycle hazard at the cycle midpoint's age
        age = settings.start_age + (times[k] + times[k + 1]) / 2
        index = min(max(int(math.floor(age)) - ages[0], 0), len(ages) - 1)
        return -math.log1p(-qx[index]) * cy

    def increments(endpoint):
        curve = getattr(arm, f"{endpoint}_curve")
        hr_id = getattr(arm, f"{endpoint}_hazard_ratio")
        hr = values[hr_id] if hr_id else 1.0
        h = [_weibull_h(values, curve, t * 12.0) for t in times]
        return [max(hr * (h[k + 1] - h[k]), 0.0) for k in range(T)]

    d_pfs, d_os = increments("pfs"), increments("os")
    share = values[structure.pf_death_share]
    pf, pd, dead = [1.0], [0.0], [0.0]
    progressions, deaths, p_pd_death = [], [], []
    cumulative_os = 0.0
    for k in range(T):
        bg = background(k)
        p_bg = -math.expm1(-bg)
        death_h = max(share * d_pfs[k], bg)
        progression_h = (1.0 - share) * d_pfs[k]
        total = death_h + progression_h
        p_exit = -math.expm1(-total)
        p_progress = p_exit * progression_h / max(total, 1e-300)
        p_die = p_exit - p_progress
        new_progressions = pf[k] * p_progress
        pf_deaths = pf[k] * p_die
        if settings.pd_mortality == "os_tracking":
            cumulative_os += d_os[k]
            needed = pf[k] - pf_deaths - math.exp(-cumulative_os) + pd[k]  # alive_{k+1} = S_OS(t_{k+1})
            pd_deaths = min(max(needed, p_bg * pd[k]), pd[k])
            p_pd_death.append(pd_deaths / pd[k] if pd[k] > 0 else p_bg)
        else:
            p = max(-math.expm1(-values[arm.pd_death_rate] * cm), p_bg)
            pd_deaths = pd[k] * p
            p_pd_death.append(p)
        pf.append(pf[k] * (1.0 - p_progress - p_die))
        pd.append(pd[k] + new_progressions - pd_deaths)
        progressions.append(new_progressions)
        deaths.append(pf_deaths + pd_deaths)
        dead.append(dead[k] + deaths[k])

    w = within_cycle_weights(T, settings.within_cycle_correction)
    df = lambda rate, t: (1.0 + rate) ** -t  # noqa: E731
    rc, ro = settings.discount_rate_costs, settings.discount_rate_outcomes
    g0, g1, g2 = (values[t] for t in structure.gp_utility_terms)
    norm = lambda age: g0 + g1 * age + g2 * age * age  # noqa: E731
    a0 = settings.start_age

    def utility(uid, k):
        u = values[uid]
        if not settings.utility_age_adjustment:
            return u
        return min(u, norm(a0)) / norm(a0) * norm(a0 + times[k])

    out = {"pf": pf, "pd": pd, "dead": dead, "new_progressions": progressions, "new_deaths": deaths,
           "p_pd_death": p_pd_death}
    for discounted in (True, False):
        d_out = [df(ro, t) if discounted else 1.0 for t in times]
        d_cost = [df(rc, t) if discounted else 1.0 for t in times]
        d_mid = [df(rc, (times[k] + times[k + 1]) / 2) if discounted else 1.0 for k in range(T)]
        key = "disc" if discounted else "undisc"
        out[f"ly_pf_{key}"] = sum(w[k] * d_out[k] * pf[k] for k in range(T + 1)) * cy
        out[f"ly_pd_{key}"] = sum(w[k] * d_out[k] * pd[k] for k in range(T + 1)) * cy
        out[f"qaly_pf_{key}"] = sum(w[k] * d_out[k] * utility(structure.utility_pf, k) * pf[k]
                                    for k in range(T + 1)) * cy
        out[f"qaly_pd_{key}"] = sum(w[k] * d_out[k] * utility(structure.utility_pd, k) * pd[k]
                                    for k in range(T + 1)) * cy
        per_unit = {
            "per_month_in_pf": sum(w[k] * d_cost[k] * pf[k] for k in range(T + 1)) * cm,
            "per_month_in_pd": sum(w[k] * d_cost[k] * pd[k] for k in range(T + 1)) * cm,
            "per_progression": sum(d_mid[k] * progressions[k] for k in range(T)),
            "per_death": sum(d_mid[k] * deaths[k] for k in range(T)),
            "at_start": 1.0,
        }
        costs = {}
        for item in structure.cost_items:
            if item.arm in ("all", arm.id) and item.basis in per_unit:
                unit = math.prod(values[p] for p in item.multiply) / math.prod(values[p] for p in item.divide)
                costs[item.category] = costs.get(item.category, 0.0) + unit * per_unit[item.basis]
        out[f"costs_{key}"] = costs
    return out


def _compare(inputs, values: dict[str, np.ndarray], settings):
    structure = inputs.structure
    outcomes = evaluate(structure, values, settings, keep_trace=True)
    n = len(next(iter(values.values())))
    occupancy_bases = {"per_month_in_pf", "per_month_in_pd", "per_progression", "per_death", "at_start"}
    checked = 0
    for i in range(n):
        scalars = {k: float(v[i]) for k, v in values.items()}
        for j, arm in enumerate(structure.arms):
            ref = reference_arm(structure, settings, scalars, arm)
            for field in ("pf", "pd", "dead", "new_progressions", "new_deaths", "p_pd_death"):
                np.testing.assert_allclose(getattr(outcomes.trace, field)[i, j], ref[field], rtol=RTOL, atol=1e-15,
                                           err_msg=f"{field}, sample {i}, arm {arm.id}")
            for key, lys, qalys, costs in (("disc", outcomes.lys_by_state, outcomes.qalys_by_state,
                                            outcomes.costs_by_category),
                                           ("undisc", outcomes.lys_by_state_undiscounted,
                                            outcomes.qalys_by_state_undiscounted,
                                            outcomes.costs_by_category_undiscounted)):
                assert lys[i, j, 0] == pytest.approx(ref[f"ly_pf_{key}"], rel=RTOL)
                assert lys[i, j, 1] == pytest.approx(ref[f"ly_pd_{key}"], rel=RTOL)
                assert qalys[i, j, 0] == pytest.approx(ref[f"qaly_pf_{key}"], rel=RTOL)
                assert qalys[i, j, 1] == pytest.approx(ref[f"qaly_pd_{key}"], rel=RTOL)
                for category, value in ref[f"costs_{key}"].items():
                    if all(item.basis in occupancy_bases for item in structure.cost_items
                           if item.category == category and item.arm in ("all", arm.id)):
                        c = outcomes.cost_categories.index(category)
                        assert costs[i, j, c] == pytest.approx(value, rel=RTOL), (category, key)
                        checked += 1
    assert checked >= 4 * n * len(structure.arms)  # monitoring, PD care, subsequent therapy, terminal care


def test_base_case_equals_the_scalar_loop(shipped_inputs):
    _compare(shipped_inputs, point_estimates(shipped_inputs).values, shipped_inputs.settings)


@pytest.mark.parametrize("pd_mortality, correction", [("os_tracking", "half_cycle"), ("constant", "simpson"),
                                                      ("os_tracking", "none")])
def test_psa_sample_equals_the_scalar_loop(shipped_inputs, pd_mortality, correction):
    settings = replace(shipped_inputs.settings, pd_mortality=pd_mortality, within_cycle_correction=correction)
    sample = draw(shipped_inputs, 6, np.random.default_rng(16))
    _compare(shipped_inputs, sample.values, settings)


def test_psa_sample_equals_the_scalar_loop_across_chunks(shipped_inputs):
    """Chunks and threads: samples evaluated in several chunks on two threads still equal the loop."""
    sample = draw(shipped_inputs, 5, np.random.default_rng(3))
    structure, settings = shipped_inputs.structure, shipped_inputs.settings
    whole = evaluate(structure, sample.values, settings, keep_trace=True)
    chunked = evaluate(structure, sample.values, settings, keep_trace=True, chunk_size=2, workers=2)
    # equal up to the summation order of the reward matrix products (which depends on the chunk's width)
    np.testing.assert_allclose(whole.costs_by_category, chunked.costs_by_category, rtol=1e-14)
    np.testing.assert_allclose(whole.qalys_by_state, chunked.qalys_by_state, rtol=1e-14)
    np.testing.assert_array_equal(whole.trace.pd, chunked.trace.pd)
    _compare(shipped_inputs, {k: v[:2] for k, v in sample.values.items()}, settings)
