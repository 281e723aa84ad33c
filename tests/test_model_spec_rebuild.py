"""A second implementation of the model written from docs/MODEL.md alone (sections cited), in plain Python loops,
compared with the engine on the shipped inputs under many settings: the specification is true of the code.

It reads the inputs (values, curves, arms, cost items, adverse events, treatments, life table) and nothing of
cea.engine.  Tolerance: the two compute the same arithmetic in different orders (rel 1e-10).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from cea.analyses.base_case import run_base_case
from cea.inputs.overrides import apply_overrides
from cea.parameters.parameter_set import point_estimates


def _cumulative_hazard(family: str, c: list[float], tau: np.ndarray) -> np.ndarray:
    """§4: H(τ) of each family (τ in months)."""
    if family == "exponential":
        return math.exp(c[0]) * tau
    if family == "weibull":
        return (tau / math.exp(c[0])) ** math.exp(c[1])
    if family == "gompertz":
        b, theta = math.exp(c[0]), c[1]
        return b * tau if abs(theta) < 1e-12 else b / theta * np.expm1(theta * tau)
    t = np.maximum(tau, 1e-300)
    if family == "loglogistic":
        s = 1 / (1 + (t / math.exp(c[0])) ** math.exp(c[1]))
    elif family == "lognormal":
        s = 1 - special.ndtr((np.log(t) - c[0]) / math.exp(c[1]))
    else:  # gengamma
        w = (np.log(t) - c[0]) / math.exp(c[1])
        q = c[2]
        if abs(q) < 1e-8:
            s = 1 - special.ndtr(w)
        else:
            u = q**-2 * np.exp(np.clip(q * w, -700, 700))
            s = special.gammaincc(q**-2, u) if q > 0 else special.gammainc(q**-2, u)
    s = np.where(tau > 0, s, 1.0)
    return -np.log(np.maximum(s, 1e-300))


def rebuild(inputs) -> dict:
    s, st = inputs.settings, inputs.structure
    v = {k: float(x[0]) for k, x in point_estimates(inputs).values.items()}
    # §1, §2
    dt = s.cycle_length_days / s.days_per_year
    n = max(1, int(round(s.horizon_years / dt)))
    t = np.arange(n + 1) * dt
    tau = 12 * t
    mid = (t[:-1] + t[1:]) / 2
    # §6: life table at the cycle midpoint
    ages, qx = np.array(st.life_table_ages), np.array(st.life_table_qx)
    idx = np.clip(np.floor(s.start_age + mid).astype(int) - ages[0], 0, len(ages) - 1)
    mu = -np.log(1 - qx[idx]) * dt
    # §4: increments per arm and endpoint
    def own(arm, endpoint):
        curve = st.curves[getattr(arm, f"{endpoint}_curve")]
        c = [v[name] for name in curve.parameter_names()]
        af = getattr(arm, f"{endpoint}_acceleration_factor")
        if af:
            shift = math.log(v[af])
            c[0] += -shift if curve.family == "exponential" else shift
        inc = np.maximum(np.diff(_cumulative_hazard(curve.family, c, tau)), 0.0)
        hr = getattr(arm, f"{endpoint}_hazard_ratio")
        return inc * v[hr] if hr else inc
    # §5: waning at the midpoint
    ws, we = s.waning_start_months, s.waning_end_months
    if not math.isfinite(ws):
        omega = np.zeros(n)
    elif we == ws:
        omega = (12 * mid >= ws).astype(float)
    else:
        omega = np.clip((12 * mid - ws) / (we - ws), 0, 1)
    increments = {}
    for arm in st.arms:
        for e in ("pfs", "os"):
            x = own(arm, e)
            if arm.waning_reference:
                x = (1 - omega) * x + omega * own(st.arm(arm.waning_reference), e)
            increments[(arm.id, e)] = x
    # §10: weights and discount factors
    if s.within_cycle_correction == "none":
        w = np.r_[np.ones(n), 0.0]
    elif s.within_cycle_correction == "half_cycle" or n == 1:
        w = np.r_[0.5, np.ones(n - 1), 0.5]
    else:
        w = np.zeros(n + 1)
        even = n if n % 2 == 0 else n - 3
        for k in range(even + 1):
            w[k] += (1 if k in (0, even) else (4 if k % 2 else 2)) / 3 if even > 0 else 0
        if n % 2:
            w[even:even + 4] += np.array([3, 9, 9, 3]) / 8
    dfc = (1 + s.discount_rate_costs) ** -t
    dfo = (1 + s.discount_rate_outcomes) ** -t
    dfc_mid = (1 + s.discount_rate_costs) ** -mid
    pi = v[st.pf_death_share]
    out = {}
    for arm in st.arms:
        dh, dh_os = increments[(arm.id, "pfs")], increments[(arm.id, "os")]
        pf, pd = np.zeros(n + 1), np.zeros(n + 1)
        prog, deaths = np.zeros(n), np.zeros(n)
        pf[0] = 1.0
        if s.model_structure == "psm":  # §8
            s_pfs = np.exp(-np.r_[0, np.cumsum(np.maximum(dh, mu))])
            s_os = np.exp(-np.r_[0, np.cumsum(np.maximum(dh_os, mu))])
            pf = np.minimum(s_pfs, s_os)
            pd = s_os - pf
            deaths = s_os[:-1] - s_os[1:]
            prog = np.maximum((1 - pi) * (pf[:-1] - pf[1:]), 0)
        else:  # §7
            s_os = np.exp(-np.cumsum(dh_os))
            for k in range(n):
                hd, hp = max(pi * dh[k], mu[k]), (1 - pi) * dh[k]
                p_exit = 1 - math.exp(-(hd + hp))
                p_prog = p_exit * hp / (hd + hp) if hd + hp > 0 else 0.0
                p_death = p_exit - p_prog
                floor = 1 - math.exp(-mu[k])
                if s.pd_mortality == "os_tracking":
                    d_pd = min(max(pf[k] - pf[k] * p_death - s_os[k] + pd[k], floor * pd[k]), pd[k])
                else:
                    d_pd = pd[k] * max(1 - math.exp(-v[arm.pd_death_rate] * 12 * dt), floor)
                prog[k] = pf[k] * p_prog
                deaths[k] = pf[k] * p_death + d_pd
                pf[k + 1] = pf[k] * (1 - p_prog - p_death)
                pd[k + 1] = pd[k] + prog[k] - d_pd
        # §9 time on treatment
        tot = {tr.drug: pf * (math.exp(0) if not tr.discontinuation_rate else np.exp(-v[tr.discontinuation_rate] * tau))
               for tr in st.arm_treatments(arm.id)}
        # §11 LYs and QALYs
        if s.utility_age_adjustment:
            c0, c1, c2 = (v[x] for x in st.gp_utility_terms)
            norm = c0 + c1 * (s.start_age + t) + c2 * (s.start_age + t) ** 2
            level = lambda u: min(u, norm[0]) / norm[0]  # noqa: E731
        else:
            norm, level = np.ones(n + 1), (lambda u: u)
        qaly = [dt * level(v[st.utility_pf]) * np.sum(w * dfo * norm * pf),
                dt * level(v[st.utility_pd]) * np.sum(w * dfo * norm * pd), 0.0]
        # §12 costs by basis, §14 by state
        costs = {c: 0.0 for c in st.cost_categories}
        by_state = [0.0, 0.0, 0.0]
        # §15: per-cycle undiscounted costs; the weights shared between the cycles that meet at a trace point
        if s.within_cycle_correction == "none":
            alpha, beta = w[:-1].copy(), np.zeros(n)
        elif n == 1:
            alpha, beta = w[:1].copy(), w[1:].copy()
        else:
            alpha, beta = w[:-1] / 2, w[1:] / 2
            alpha[0], beta[-1] = w[0], w[-1]
        per_cycle = {c: np.zeros(n) for c in st.cost_categories}
        units = {"per_month_in_pf": (alpha * pf[:-1] + beta * pf[1:]) * 12 * dt,
                 "per_month_in_pd": (alpha * pd[:-1] + beta * pd[1:]) * 12 * dt,
                 "per_progression": prog, "per_death": deaths, "at_start": np.r_[1.0, np.zeros(n - 1)]}
        for item in st.cost_items:
            if item.arm not in ("all", arm.id):
                continue
            unit = math.prod(v[x] for x in item.multiply) / math.prod(v[x] for x in item.divide)
            if item.basis == "per_day_on_treatment":
                drug = next(tr.drug for tr in st.arm_treatments(arm.id) if item.id in tr.cost_items)
                value, state = s.cycle_length_days * np.sum(dfc[:-1] * tot[drug][:-1]), 0
            elif item.basis == "per_month_in_pf":
                value, state = 12 * dt * np.sum(w * dfc * pf), 0
            elif item.basis == "per_month_in_pd":
                value, state = 12 * dt * np.sum(w * dfc * pd), 1
            elif item.basis == "per_progression":
                value, state = np.sum(dfc_mid * prog), 1
            elif item.basis == "per_death":
                value, state = np.sum(dfc_mid * deaths), 2
            else:
                value, state = 1.0, 0
            costs[item.category] += unit * value
            by_state[state] += unit * value
            if item.basis == "per_day_on_treatment":
                per_cycle[item.category] += unit * tot[drug][:-1] * s.cycle_length_days
            else:
                per_cycle[item.category] += unit * units[item.basis]
        # §13 adverse events
        events = [e for e in st.adverse_events if e.arm == arm.id]
        if events:
            timing = next(tr.drug for tr in st.arm_treatments(arm.id) if tr.times_adverse_events)
            if s.adverse_event_timing == "at_start":
                phi = np.r_[1.0, np.zeros(n - 1)]
            else:
                phi = tot[timing][:-1] / tot[timing][:-1].sum()
            for e in events:
                value = v[e.rate] * v[e.cost] * np.sum(phi * dfc[:-1])
                per_cycle["adverse_events"] += v[e.rate] * v[e.cost] * phi
                costs["adverse_events"] += value
                by_state[0] += value
                qaly[2] -= v[e.rate] * v[e.disutility] * v[e.duration_days] / s.days_per_year * np.sum(phi * dfo[:-1])
        out[arm.id] = {"per_cycle": per_cycle, "costs": costs, "by_state": by_state, "qalys": qaly,
                       "lys": [dt * np.sum(w * dfo * pf), dt * np.sum(w * dfo * pd)]}
    return out


CASES = {
    "base case": {},
    "psm": {"model_structure": "psm"},
    "constant PD mortality": {"pd_mortality": "constant"},
    "simpson, odd n": {"within_cycle_correction": "simpson", "horizon_years": 10.0},
    "simpson, even n, monthly": {"within_cycle_correction": "simpson", "cycle_length_days": 30.4375},
    "no correction, unequal rates": {"within_cycle_correction": "none", "discount_rate_costs": 0.06,
                                     "discount_rate_outcomes": 0.015},
    "AE at start, no age adjustment": {"adverse_event_timing": "at_start", "utility_age_adjustment": "false"},
    "waning ramp": {"waning_start_months": 24, "waning_end_months": 36},
    "waning step, psm": {"waning_start_months": 12, "waning_end_months": 12, "model_structure": "psm"},
    "floor binds (start age 85)": {"start_age": 85},
    "loglogistic AFT OS": {"arm.eve_exe.os_curve": "os_exe_loglogistic_aft", "arm.exe.os_curve": "os_exe_loglogistic_aft",
                           "arm.eve_exe.os_hazard_ratio": "none",
                           "arm.eve_exe.os_acceleration_factor": "af_os_loglogistic"},
    "gengamma and gompertz OS": {"arm.eve_exe.os_curve": "os_eve_exe_gengamma", "arm.exe.os_curve": "os_exe_gompertz",
                                 "arm.eve_exe.os_hazard_ratio": "none"},
    "lognormal OS, ToT to progression": {"arm.eve_exe.os_curve": "os_eve_exe_lognormal",
                                         "arm.exe.os_curve": "os_exe_lognormal", "arm.eve_exe.os_hazard_ratio": "none",
                                         "tot_rate_everolimus": 0},
}


@pytest.mark.parametrize("overrides", list(CASES.values()), ids=list(CASES))
def test_a_rebuild_from_the_specification_agrees_with_the_engine(shipped_inputs, overrides):
    inputs = apply_overrides(shipped_inputs, overrides)
    expected = rebuild(inputs)
    o = run_base_case(inputs).outcomes
    for j, arm in enumerate(o.arms):
        e = expected[arm]
        for k, category in enumerate(o.cost_categories):
            assert o.costs_by_category[0, j, k] == pytest.approx(e["costs"][category], rel=1e-10), (arm, category)
        assert o.costs_by_state[0, j].tolist() == pytest.approx(e["by_state"], rel=1e-10)
        assert o.qalys_by_state[0, j].tolist() == pytest.approx(e["qalys"], rel=1e-10)
        assert o.lys_by_state[0, j].tolist() == pytest.approx(e["lys"], rel=1e-10)
        for k, category in enumerate(o.cost_categories):  # §15, the budget impact's input
            assert o.costs_by_cycle_undiscounted[0, j, k] == pytest.approx(e["per_cycle"][category], rel=1e-10,
                                                                         abs=1e-12), (arm, category)


def test_the_severity_calculator_from_the_specification(shipped_inputs):
    """§21: Sullivan person-years L_x = l_(x+1) + d_x/2 (last age l_x − d_x/2), mixed over sex by the proportion
    female, discounted from the start of each year of age, over l at the starting age."""
    from cea.analyses.severity import severity
    from cea.inputs.population_norms import load_population_norms

    s = shipped_inputs.settings
    norms = load_population_norms(shipped_inputs.folder)
    for f, r, age in ((s.proportion_female, s.discount_rate_outcomes, s.start_age), (0.3, 0.015, 70.6)):
        ages = [a for a in norms.ages if a >= int(age)]
        mix = lambda table, a: (1 - f) * table["male"][norms.ages.index(a)] + f * table["female"][norms.ages.index(a)]  # noqa: E731
        total = 0.0
        for i, a in enumerate(ages):
            l, d = mix(norms.lx, a), mix(norms.dx, a)
            person_years = mix(norms.lx, ages[i + 1]) + d / 2 if i + 1 < len(ages) else l - d / 2
            total += mix(norms.utility, a) * person_years * (1 + r) ** -(a - int(age))
        expected = total / mix(norms.lx, ages[0])
        inputs = apply_overrides(shipped_inputs, {"proportion_female": f, "discount_rate_outcomes": r, "start_age": age})
        assert severity(run_base_case(inputs))["general"] == pytest.approx(expected, rel=1e-12)
