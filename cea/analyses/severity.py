"""NICE severity modifier (PMG36 §6.2.12–6.2.14; HTA_METHODS F19, OR-12): QALY shortfall of the
population under current care and the resulting QALY weight.

* general-population QALYs: remaining quality-adjusted life expectancy from the cohort's
  starting age, S_gp(t) from ``life_table.csv`` (annual q_x as constant hazards within each
  year of age, ages beyond the table use its last row) times the EQ-5D norm
  U(a) = c0 + c1·a + c2·a² (the ``gp_utility_*`` parameters), discounted at the outcomes
  rate, integrated monthly (trapezoid) to age 120;
* QALYs under current care: the comparator's total discounted QALYs of the base case;
* absolute shortfall AS = general − current; proportional PS = AS / general;
* weight ×1.7 if PS ≥ 0.95 or AS ≥ 18; ×1.2 if PS ≥ 0.85 or AS ≥ 12; else ×1 (higher band when
  either criterion qualifies).  The bands are NICE's (PMG36), not model assumptions.

This approximates the NICE/York shortfall calculator, which uses its own population norms.
"""

from __future__ import annotations

import numpy as np

from cea.analyses.base_case import BaseCaseResult
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


def severity(base_case: BaseCaseResult) -> dict[str, float]:
    inputs = base_case.inputs
    general = general_population_qalys(inputs)
    current = base_case.arm_summary(inputs.settings.comparator)["qalys"]
    absolute = general - current
    proportional = absolute / general if general > 0 else float("nan")
    inc = base_case.incremental()
    weight = severity_weight(absolute, proportional)
    weighted = inc["costs"] / (weight * inc["qalys"]) if inc["status"] == "cost-effective ratio" else None
    return {"general": general, "current": current, "absolute": absolute, "proportional": proportional,
            "weight": weight, "weighted_icer": weighted}
