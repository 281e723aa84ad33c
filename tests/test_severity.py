"""NICE severity modifier: QALY shortfall closed forms and the weight bands."""

from dataclasses import replace

import numpy as np
import pytest

from cea.analyses.severity import general_population_qalys, severity_weight
from cea.inputs.overrides import apply_overrides


@pytest.mark.parametrize("absolute, proportional, weight", [
    (11.99, 0.8499, 1.0), (12.0, 0.5, 1.2), (5.0, 0.85, 1.2), (17.99, 0.9499, 1.2), (18.0, 0.1, 1.7), (1.0, 0.95, 1.7)])
def test_weight_bands_at_their_boundaries(absolute, proportional, weight):
    assert severity_weight(absolute, proportional) == weight


def test_general_population_qalys_closed_forms(shipped_inputs):
    flat = apply_overrides(shipped_inputs, {"gp_utility_intercept": 1.0, "gp_utility_age": 0.0,
                                            "gp_utility_age_squared": 0.0, "discount_rate_outcomes": 0.0})
    immortal = replace(flat, structure=replace(flat.structure, life_table_qx=tuple(0.0 for _ in flat.structure.life_table_qx)))
    assert general_population_qalys(immortal) == pytest.approx(120 - 62, rel=1e-12)
    # constant annual q: survival (1 − q)^t, so remaining life expectancy is ∫ e^(−μt) dt to age 120
    q = 0.02
    constant = replace(flat, structure=replace(flat.structure, life_table_qx=tuple(q for _ in flat.structure.life_table_qx)))
    mu = -np.log(1 - q)
    exact = (1 - np.exp(-mu * 58)) / mu
    assert general_population_qalys(constant) == pytest.approx(exact, rel=1e-4)  # monthly trapezoid
