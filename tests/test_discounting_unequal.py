"""Unequal discount rates for costs and outcomes: every discounted quantity of the engine in closed form.

A bug that discounts a cost at the outcomes' rate (or an outcome at the costs' rate) is invisible while the two
rates are equal, as in the shipped inputs.  Here costs are discounted at 6% and outcomes at 1.5% (and the
reverse), on a model whose trace is known in closed form, and every discounted quantity is derived by hand
from the conventions of docs/MODEL.md:

- yearly cycles (Δ = 1 year = 12 months = 365.25 days), n = 6 cycles, no general-population mortality,
  no PFS deaths (π = 0), exponential PFS (monthly rate r·HR) and a constant PD death rate ρ per month:
  PF_k = a^k with a = e^{−12·r·HR}, PD_k = (1 − a)(a^k − b^k)/(a − b) with b = e^{−12ρ} (Markov), or
  PD_k = c^k − a^k with c = e^{−12·r_OS} (partitioned survival);
- DF_c(t) = 1.06^{−t}, DF_o(t) = 1.015^{−t};
- drug acquisition: price·Δ_days·Σ_{k<n} ToT_k·DF_c(t_k), ToT_k = PF_k·e^{−12λk};
- per-state costs per month: c_s·12·Σ_k w_k·DF_c(t_k)·m_k, w the within-cycle weights;
- one-off costs at progression and death: Σ_{k<n} (new entrants of cycle k)·DF_c(t_k + ½);
- at-start costs: the cost, undiscounted (DF_c(0) = 1);
- adverse events: incidence × cost × Σ_{k<n} ToT_k·DF_c(t_k) / Σ_{k<n} ToT_k, and the QALY loss
  −incidence × disutility × days/365.25 × the same with DF_o (at_start: no discounting);
- LYs and QALYs: Δ·Σ_k w_k·DF_o(t_k)·m_k (× utility).
Tolerance: exact arithmetic over 7 trace points (rel 1e-12).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from cea.engine.model import evaluate
from cea.structure import CostItem
from tests.conftest import EngineSettings, exponential_model

PFS_RATE, HR, OS_RATE, PD_RATE, TOT_RATE = 0.1, 0.5, 0.03, 0.04, 0.02  # per month
U_PF, U_PD = 0.8, 0.6
PRICE, PF_COST, PD_COST, DEATH_COST, PROGRESSION_COST, ENTRY_COST = 100.0, 10.0, 20.0, 1000.0, 700.0, 55.0
AE = (0.3, 250.0, 0.15, 21.0)  # incidence, cost, disutility, duration (days)
N = 6
WEIGHTS = {  # the within-cycle weights written out for n = 6 (docs/MODEL.md, within-cycle correction)
    "none": [1, 1, 1, 1, 1, 1, 0],
    "half_cycle": [0.5, 1, 1, 1, 1, 1, 0.5],
    "simpson": [x / 3 for x in (1, 4, 2, 4, 2, 4, 1)],
}
RATES = [(0.06, 0.015), (0.015, 0.06)]


def _model():
    structure, p = exponential_model(pfs_rate=PFS_RATE, os_rate=OS_RATE, pd_rate=PD_RATE, hr=HR, u_pf=U_PF, u_pd=U_PD,
                                     drug_price=PRICE, tot_rate=TOT_RATE, adverse_event=AE)
    items = structure.cost_items + (CostItem("progression", "all", "progression", "per_progression", ("prog_cost",)),
                                    CostItem("entry", "all", "entry", "at_start", ("entry_cost",)))
    p = p | {"prog_cost": np.array([PROGRESSION_COST]), "entry_cost": np.array([ENTRY_COST])}
    return replace(structure, cost_items=items), p


def _expected(arm: str, structure: str, correction: str, dc: float, do: float, ae_timing: str) -> dict[str, float]:
    """Every discounted quantity of one arm, by hand from the closed-form trace."""
    a = math.exp(-12 * PFS_RATE * (HR if arm == "trt" else 1.0))
    b, c = math.exp(-12 * PD_RATE), math.exp(-12 * OS_RATE)
    pf = [a**k for k in range(N + 1)]
    if structure == "markov":
        pd = [(1 - a) * (a**k - b**k) / (a - b) for k in range(N + 1)]
        deaths = [pd[k] * (1 - b) for k in range(N)]  # PD deaths only: π = 0, no background mortality
    else:
        pd = [c**k - a**k for k in range(N + 1)]
        deaths = [c**k - c ** (k + 1) for k in range(N)]  # the fall in OS
    progressions = [pf[k] - pf[k + 1] for k in range(N)]  # (1 − π)·fall in PF, π = 0
    dfc = lambda t: (1 + dc) ** -t  # noqa: E731
    dfo = lambda t: (1 + do) ** -t  # noqa: E731
    w = WEIGHTS[correction]
    occupancy = lambda m, df: sum(w[k] * df(k) * m[k] for k in range(N + 1))  # noqa: E731
    out = {
        "care": PF_COST * 12 * occupancy(pf, dfc) + PD_COST * 12 * occupancy(pd, dfc),
        "terminal": DEATH_COST * sum(deaths[k] * dfc(k + 0.5) for k in range(N)),
        "progression": PROGRESSION_COST * sum(progressions[k] * dfc(k + 0.5) for k in range(N)),
        "entry": ENTRY_COST,
        "ly_pf": occupancy(pf, dfo), "ly_pd": occupancy(pd, dfo),
        "qaly_pf": U_PF * occupancy(pf, dfo), "qaly_pd": U_PD * occupancy(pd, dfo),
        "drug": 0.0, "adverse_events": 0.0, "qaly_ae": 0.0,
    }
    if arm == "trt":
        tot = [pf[k] * math.exp(-12 * TOT_RATE * k) for k in range(N)]
        out["drug"] = PRICE * 365.25 * sum(tot[k] * dfc(k) for k in range(N))
        incidence, cost, disutility, days = AE
        if ae_timing == "at_start":
            cost_factor = qaly_factor = 1.0
        else:
            cost_factor = sum(tot[k] * dfc(k) for k in range(N)) / sum(tot)
            qaly_factor = sum(tot[k] * dfo(k) for k in range(N)) / sum(tot)
        out["adverse_events"] = incidence * cost * cost_factor
        out["qaly_ae"] = -incidence * disutility * days / 365.25 * qaly_factor
    return out


@pytest.mark.parametrize("ae_timing", ["on_treatment", "at_start"])
@pytest.mark.parametrize("correction", sorted(WEIGHTS))
@pytest.mark.parametrize("structure", ["markov", "psm"])
@pytest.mark.parametrize("dc,do", RATES, ids=["costs6_outcomes1.5", "costs1.5_outcomes6"])
def test_every_discounted_quantity_at_unequal_rates(dc, do, structure, correction, ae_timing):
    model, p = _model()
    s = EngineSettings(cycle_length_days=365.25, horizon_years=N, discount_rate_costs=dc, discount_rate_outcomes=do,
                       within_cycle_correction=correction, model_structure=structure, adverse_event_timing=ae_timing)
    out = evaluate(model, p, s)
    assert s.n_cycles == N and s.cycle_months == 12.0
    cat = out.cost_categories.index
    for j, arm in enumerate(out.arms):
        e = _expected(arm, structure, correction, dc, do, ae_timing)
        for category in ("drug", "care", "terminal", "progression", "entry", "adverse_events"):
            assert out.costs_by_category[0, j, cat(category)] == pytest.approx(e[category], rel=1e-12, abs=1e-12), \
                (arm, category)
        assert out.lys_by_state[0, j].tolist() == pytest.approx([e["ly_pf"], e["ly_pd"]], rel=1e-12)
        assert out.qalys_by_state[0, j].tolist() == pytest.approx([e["qaly_pf"], e["qaly_pd"], e["qaly_ae"]],
                                                                 rel=1e-12, abs=1e-15)
        # by state: PF carries drug, PF care, entry and adverse events; PD the PD care and progression costs;
        # Dead the costs at death
        pf_care = PF_COST * 12 * sum(WEIGHTS[correction][k] * (1 + dc) ** -k * math.exp(
            -12 * PFS_RATE * (HR if arm == "trt" else 1.0) * k) for k in range(N + 1))
        assert out.costs_by_state[0, j].tolist() == pytest.approx(
            [e["drug"] + pf_care + e["entry"] + e["adverse_events"],
             e["care"] - pf_care + e["progression"], e["terminal"]], rel=1e-12)


def test_the_rates_are_not_interchangeable():
    """The hand-derived values at (6%, 1.5%) differ from those at (1.5%, 6%) by far more than the tolerance, for
    every discounted quantity, so a quantity discounted at the other rate fails the test above."""
    for arm in ("trt", "ctl"):
        one = _expected(arm, "markov", "half_cycle", 0.06, 0.015, "on_treatment")
        other = _expected(arm, "markov", "half_cycle", 0.015, 0.06, "on_treatment")
        for key, value in one.items():
            if key == "entry" or value == 0.0:
                continue  # undiscounted by definition (t = 0), or absent from the arm
            assert abs(value / other[key] - 1) > 1e-3, key


@pytest.mark.parametrize("structure", ["markov", "psm"])
def test_the_wide_psa_path_discounts_the_same(structure):
    """40 identical samples (80 arm-columns: the PSA's wide trace loop and the panelled sums, not the base case's
    narrow path) give the closed forms in every sample."""
    model, p = _model()
    p = {k: np.repeat(v, 40) for k, v in p.items()}
    s = EngineSettings(cycle_length_days=365.25, horizon_years=N, discount_rate_costs=0.06,
                       discount_rate_outcomes=0.015, model_structure=structure)
    out = evaluate(model, p, s)
    cat = out.cost_categories.index
    for j, arm in enumerate(out.arms):
        e = _expected(arm, structure, "half_cycle", 0.06, 0.015, "on_treatment")
        for category in ("drug", "care", "terminal", "progression", "entry", "adverse_events"):
            np.testing.assert_allclose(out.costs_by_category[:, j, cat(category)], e[category], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(out.qalys_by_state[:, j], [[e["qaly_pf"], e["qaly_pd"], e["qaly_ae"]]] * 40,
                                   rtol=1e-12, atol=1e-15)
