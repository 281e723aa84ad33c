"""Discount factors and within-cycle weights (HTA_METHODS WD-1..WD-4, F12-F14)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cea.engine.discounting import discount_factors, within_cycle_weights


def test_discount_factor_at_two_years_is_one_over_1035_squared():
    assert discount_factors(np.array([0.0, 2.0]), 0.035) == pytest.approx([1.0, 1 / 1.035**2], rel=1e-15)
    assert discount_factors(np.array([2.0]), 0.035)[0] == pytest.approx(0.933511, abs=5e-7)  # TECH-VER's value


@given(n=st.integers(1, 400), method=st.sampled_from(["none", "half_cycle", "simpson"]))
def test_weights_sum_to_number_of_cycles(n, method):
    assert within_cycle_weights(n, method).sum() == pytest.approx(n, rel=1e-12)


def test_simpson_weights_pattern_is_1_4_2_4_1():
    assert within_cycle_weights(4, "simpson") * 3 == pytest.approx([1, 4, 2, 4, 1])
    assert within_cycle_weights(2, "none") == pytest.approx([1, 1, 0])
    assert within_cycle_weights(3, "half_cycle") == pytest.approx([0.5, 1, 1, 0.5])


@pytest.mark.parametrize("n", [2, 3, 6, 7, 10, 11])
@pytest.mark.parametrize("power", [0, 1, 2, 3])
def test_simpson_is_exact_for_cubics(n, power):
    t = np.linspace(0, 10, n + 1)
    step = t[1] - t[0]
    integral = 10 ** (power + 1) / (power + 1)
    assert (within_cycle_weights(n, "simpson") * t**power).sum() * step == pytest.approx(integral, rel=1e-12)


def test_published_exponential_benchmark_wd3():
    # S(t) = exp(-0.3 t), 10 yearly cycles: exact 3.167376, Simpson 3.167517, trapezoid 3.191096, none 3.666203
    s = np.exp(-0.3 * np.arange(11))
    fine = np.exp(-0.3 * np.linspace(0, 10, 2001))  # Simpson on 2,000 steps: the exact integral to ~1e-13
    assert within_cycle_weights(2000, "simpson") @ fine * (10 / 2000) == pytest.approx(3.167376, abs=1e-6)
    assert within_cycle_weights(10, "simpson") @ s == pytest.approx(3.167517, abs=1e-6)
    assert within_cycle_weights(10, "half_cycle") @ s == pytest.approx(3.191096, abs=1e-6)
    assert within_cycle_weights(10, "none") @ s == pytest.approx(3.666203, abs=1e-6)
