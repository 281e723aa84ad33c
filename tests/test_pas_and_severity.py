"""Results at a confidential price (PAS discount on the list price) and the NICE severity modifier by
the QALY Shortfall Calculator's method (Sullivan QALE on the annual life table)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.severity import calculator_qale, severity, weighted_acceptability
from cea.errors import InputError
from cea.inputs.overrides import apply_overrides
from cea.inputs.population_norms import load_population_norms
from cea.inputs.pricing import list_price, priced_parameters

PRICES = ("eve_pack_price_10mg", "eve_pack_price_5mg")


def test_discount_scales_the_priced_rows_and_their_ranges(shipped_inputs):
    s = shipped_inputs.settings
    assert set(priced_parameters(s)) == set(PRICES)
    net = apply_overrides(shipped_inputs, {"pas_discount": "0.3"})
    for pid in PRICES:
        before, after = shipped_inputs.parameters[pid], net.parameters[pid]
        assert after.value == pytest.approx(0.7 * before.value, rel=1e-15)
        assert (after.low, after.high) == pytest.approx((0.7 * before.low, 0.7 * before.high), rel=1e-15)
        assert list_price(after.value, net.settings) == pytest.approx(before.value, rel=1e-15)
    assert net.parameters["exe_pack_price"] == shipped_inputs.parameters["exe_pack_price"]  # the comparator's price is not discounted
    back = apply_overrides(net, {"pas_discount": "0"})
    for pid in PRICES:
        assert back.parameters[pid].value == pytest.approx(shipped_inputs.parameters[pid].value, rel=1e-14)


def test_an_overridden_price_is_a_list_price(shipped_inputs):
    net = apply_overrides(shipped_inputs, {"pas_discount": "0.5", "eve_pack_price_10mg": "3000"})
    assert net.parameters["eve_pack_price_10mg"].value == pytest.approx(1500.0, rel=1e-15)
    assert net.parameters["eve_pack_price_5mg"].value == pytest.approx(0.5 * 2250, rel=1e-15)


def test_costs_at_the_discount_follow_linearity_in_price(shipped_inputs):
    """Costs are linear in the priced parameters: C(d) = C(0) − d·(C(0) − C(prices = 0))."""
    d = 0.37
    at_list = run_base_case(shipped_inputs)
    free = run_base_case(apply_overrides(shipped_inputs, {pid: "0" for pid in PRICES}))
    at_pas = run_base_case(apply_overrides(shipped_inputs, {"pas_discount": str(d)}))
    arm = shipped_inputs.settings.intervention
    c0, cf, cd = (r.arm_summary(arm)["costs"] for r in (at_list, free, at_pas))
    assert cd == pytest.approx(c0 - d * (c0 - cf), rel=1e-12)
    assert at_pas.incremental()["qalys"] == pytest.approx(at_list.incremental()["qalys"], rel=1e-14)


@pytest.mark.parametrize("value", ["1", "1.2", "-0.1"])
def test_a_discount_outside_0_to_99_percent_is_refused(shipped_inputs, value):
    with pytest.raises(InputError, match="pas_discount"):
        apply_overrides(shipped_inputs, {"pas_discount": value})


# --------------------------------------------------------------------------- severity (calculator method)
def _norms(ages, lx, dx, u):
    return SimpleNamespace(ages=tuple(ages), lx={"female": tuple(lx), "male": tuple(lx)},
                           dx={"female": tuple(dx), "male": tuple(dx)}, utility={"female": tuple(u), "male": tuple(u)})


def test_qale_of_a_table_with_no_deaths_is_a_discounted_annuity():
    # no deaths: L_x = l, so QALE = u · Σ_k (1 + r)^−k over the n ages from the start
    ages = range(60, 101)
    n = len(ages)
    r, u = 0.035, 0.8
    q = calculator_qale(_norms(ages, [1e5] * n, [0.0] * n, [u] * n), 60, 1.0, r)
    assert q == pytest.approx(u * (1 - (1 + r) ** -n) / (1 - 1 / (1 + r)), rel=1e-13)


def test_qale_equals_the_shortfall_calculators_loop(shipped_inputs):
    """An independent loop transcribing the calculator's compQale (person-years, discounting, Nx / lx)."""
    norms = load_population_norms(shipped_inputs.folder)
    f, r, age = 0.4, 0.035, 62
    rows = [(a, *((1 - f) * norms.__dict__[k]["male"][i] + f * norms.__dict__[k]["female"][i]
                  for k in ("lx", "dx", "utility"))) for i, a in enumerate(norms.ages) if a >= age]
    total = 0.0
    for k, (a, lx, dx, u) in enumerate(rows):
        person_years = rows[k + 1][1] + 0.5 * dx if k + 1 < len(rows) else (lx - dx) + 0.5 * dx
        total += u * person_years / (1 + r) ** k
    assert calculator_qale(norms, age, f, r) == pytest.approx(total / rows[0][1], rel=1e-13)


def test_shipped_norms_give_the_published_female_life_expectancy(shipped_inputs):
    """With utility 1 and no discounting the QALE is the life table's expectation of life to age 100,
    which must be within the table's rounding of ONS e_62 for women, 2017-2019 (23.86 years)."""
    norms = load_population_norms(shipped_inputs.folder)
    ones = replace(norms, utility={s: tuple(1.0 for _ in norms.ages) for s in norms.utility})
    assert calculator_qale(ones, 62, 1.0, 0.0) == pytest.approx(23.86, abs=0.1)


def test_severity_uses_the_calculator_and_the_comparators_qalys(shipped_inputs):
    base = run_base_case(shipped_inputs)
    r = severity(base)
    assert r["method"] == "calculator"
    assert r["current"] == pytest.approx(base.arm_summary(shipped_inputs.settings.comparator)["qalys"], rel=1e-15)
    assert r["absolute"] == pytest.approx(r["general"] - r["current"], rel=1e-15)
    assert r["proportional"] == pytest.approx(1 - r["current"] / r["general"], rel=1e-14)
    inc = base.incremental()
    assert r["weighted_icer"] == pytest.approx(inc["costs"] / (r["weight"] * inc["qalys"]), rel=1e-14)


def test_weighted_acceptability_counts_iterations_with_positive_weighted_net_benefit():
    psa = SimpleNamespace(incremental=lambda: (np.array([100.0, 100.0, 100.0]), np.array([0.0045, 0.004, 0.01])))
    # at λ = 20,000: weighted NMB = 1.2·20,000·ΔQ − 100 = 8, −4, 140; unweighted −10, −20, 100
    assert weighted_acceptability(psa, 1.2, [20000]) == {20000.0: pytest.approx(2 / 3)}
    assert weighted_acceptability(psa, 1.0, [20000]) == {20000.0: pytest.approx(1 / 3)}
