"""NICE severity modifier (NICE PMG36 sections 6.2.12–6.2.14; NICE DSU TSD 23): QALY shortfall of
the population under current care and the resulting QALY weight.

* general-population QALYs, **NICE calculator method** (when the inputs hold
  ``population_norms.csv``): the quality-adjusted life expectancy (QALE) of the QALY Shortfall
  Calculator (Schneider et al. 2021; McNamara et al. 2023), Sullivan's method on the annual
  life table from the cohort's (whole-year) starting age to the table's last age:
  L_x = l_(x+1) + d_x / 2 (last age: l_x − d_x / 2), Y_x = U_x · L_x · (1 + r)^−(x − a),
  QALE = Σ Y_x / l_a, with l, d and U mixed over sex by the proportion female (as the
  calculator does) and r the outcomes discount rate;
* otherwise (the approximation kept for input sets without norms): remaining QALE from the cohort's
  starting age, S_gp(t) from ``life_table.csv`` (annual q_x as constant hazards within each
  year of age, ages beyond the table use its last row) times the EQ-5D norm
  U(a) = c0 + c1·a + c2·a² (the ``gp_utility_*`` parameters), discounted at the outcomes
  rate, integrated monthly (trapezoid) to age 120;
* QALYs under current care: the comparator's total discounted QALYs of the base case;
* absolute shortfall AS = general − current; proportional PS = AS / general;
* weight ×1.7 if PS ≥ 0.95 or AS ≥ 18; ×1.2 if PS ≥ 0.85 or AS ≥ 12; else ×1 (higher band when
  either criterion qualifies).  The bands are NICE's (PMG36), not model assumptions.

Where NICE applies the weight (an NHS/PSS analysis), it multiplies the incremental QALYs of
the ICER, the net monetary benefit, the probability of being cost-effective and the threshold
price: ``weighted_acceptability`` and the bundle's weighted threshold analysis.
"""

from __future__ import annotations

import numpy as np

from cea.analyses.base_case import BaseCaseResult
from cea.analyses.decision import MORE_COSTLY_MORE_EFFECTIVE
from cea.engine.transitions import general_population_hazard

MAX_AGE = 120.0
STEP_YEARS = 1.0 / 12.0


def severity_weight(absolute: float, proportional: float) -> float:
    if proportional >= 0.95 or absolute >= 18:
        return 1.7
    if proportional >= 0.85 or absolute >= 12:
        return 1.2
    return 1.0


def general_population_qalys(inputs) -> float:
    """Discounted remaining QALYs of the general population from the cohort's starting age."""
    s, st = inputs.settings, inputs.structure
    grid = np.arange(0.0, max(MAX_AGE - s.start_age, STEP_YEARS) + STEP_YEARS / 2, STEP_YEARS)
    mids = (grid[:-1] + grid[1:]) / 2
    hazard = general_population_hazard(s.start_age + mids, st.life_table_ages, st.life_table_qx, STEP_YEARS)
    survival = np.exp(-np.concatenate(([0.0], np.cumsum(hazard))))
    c0, c1, c2 = (inputs.parameter_value(p) for p in st.gp_utility_terms)
    ages = s.start_age + grid
    utility = np.clip(c0 + c1 * ages + c2 * ages**2, 0.0, 1.0)
    values = survival * utility * (1.0 + s.discount_rate_outcomes) ** (-grid)
    return float(np.sum((values[:-1] + values[1:]) / 2) * STEP_YEARS)


def calculator_qale(norms, start_age: float, proportion_female: float, discount_rate: float) -> float:
    """Discounted QALE of the general population by the QALY Shortfall Calculator's method (module docstring)."""
    ages = np.asarray(norms.ages)
    keep = ages >= int(start_age)
    if not keep.any():
        raise ValueError(f"population norms end at age {ages[-1]}, before the starting age {start_age:g}")
    f = proportion_female

    def mixed(table):
        return (1 - f) * np.asarray(table["male"])[keep] + f * np.asarray(table["female"])[keep]

    lx, dx, u = mixed(norms.lx), mixed(norms.dx), mixed(norms.utility)
    person_years = np.append(lx[1:] + 0.5 * dx[:-1], (lx[-1] - dx[-1]) + 0.5 * dx[-1])
    discount = (1.0 + discount_rate) ** -np.arange(len(lx))
    return float(np.sum(u * person_years * discount) / lx[0])


def severity(base_case: BaseCaseResult) -> dict[str, float]:
    """QALY shortfall and weight; ``method`` says which general-population QALYs were used."""
    from cea.inputs.population_norms import load_population_norms

    inputs = base_case.inputs
    s = inputs.settings
    norms = load_population_norms(inputs.folder)
    if norms is not None:
        general = calculator_qale(norms, s.start_age, s.proportion_female, s.discount_rate_outcomes)
        method = "calculator"
    else:
        general = general_population_qalys(inputs)
        method = "approximation"
    current = base_case.arm_summary(inputs.settings.comparator)["qalys"]
    absolute = general - current
    proportional = absolute / general if general > 0 else float("nan")
    inc = base_case.incremental()
    weight = severity_weight(absolute, proportional)
    weighted = inc["costs"] / (weight * inc["qalys"]) if inc["status"] == MORE_COSTLY_MORE_EFFECTIVE else None
    return {"general": general, "current": current, "absolute": absolute, "proportional": proportional,
            "weight": weight, "weighted_icer": weighted, "method": method,
            "norms": None if norms is None else {"life_table": norms.life_table_source, "utility": norms.utility_source}}


def weighted_acceptability(psa, weight: float, wtps) -> dict[float, float]:
    """Probability that the intervention has the higher net benefit with QALYs weighted by ``weight``:
    share of PSA iterations with weight·λ·ΔQALY − ΔCost > 0, at each λ in ``wtps``."""
    d_costs, d_qalys = psa.incremental()
    return {float(x): float(np.mean(weight * x * d_qalys - d_costs > 0)) for x in wtps}
