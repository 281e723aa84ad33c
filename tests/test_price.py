"""Price analysis (cea.analyses.price): closed forms against engine re-runs at the discounted price, and the PSA
re-priced from its own per-iteration drug costs against a PSA re-run at that price."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.price import price_analysis
from cea.analyses.psa import run_psa
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides

INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def setup():
    inputs = load_inputs(INPUTS)
    psa = run_psa(inputs, 40, 7)
    return inputs, psa, price_analysis(psa.base_case, psa, weight=1.2)


def _at(inputs, discount):
    return run_base_case(apply_overrides(inputs, {"pas_discount": str(discount)}, origin="test")).incremental()


def test_icer_linear_in_price_matches_engine(setup):
    inputs, _, result = setup
    for d in (0.0, 0.35, 0.8):
        row = result.grid[np.isclose(result.grid["discount"], d)].iloc[0]
        inc = _at(inputs, d)
        assert row["inc_cost"] == pytest.approx(inc["costs"], rel=1e-10)
        assert row["icer"] == pytest.approx(inc["icer"], rel=1e-10)
        assert row["icer_weighted"] == pytest.approx(inc["icer"] / 1.2, rel=1e-10)
        assert row["inmb_unweighted_30000"] == pytest.approx(inc["nmb"]["30000"], rel=1e-9)
    # ICER is linear in the discount: equal steps give equal changes
    icer = result.grid["icer"].to_numpy()
    assert np.allclose(np.diff(icer, 2), 0, atol=1e-6)


def test_threshold_price_gives_icer_equal_to_threshold(setup):
    inputs, _, result = setup
    for row in result.thresholds.itertuples():
        inc = _at(inputs, row.threshold_discount)
        assert inc["icer"] / row.weight == pytest.approx(row.wtp, rel=1e-9)
        assert row.threshold_price_eve_pack_price_10mg == pytest.approx(2673 * (1 - row.threshold_discount), rel=1e-12)
        assert row.threshold_price_eve_pack_price_5mg == pytest.approx(2250 * (1 - row.threshold_discount), rel=1e-12)
    # the weighted threshold at lambda equals the unweighted one at 1.2 x lambda (one closed form)
    t = result.thresholds.set_index(["weighting", "wtp"])["threshold_discount"]
    assert t[("unweighted", 30000.0)] > t[("weighted", 30000.0)]


def test_repriced_psa_is_exact(setup):
    """Re-pricing the PSA's own per-iteration costs equals a PSA re-run at the discounted price, iteration by
    iteration (same seed: the pack prices are fixed, so every other draw is the same)."""
    inputs, psa, result = setup
    d = 0.6
    rerun = run_psa(apply_overrides(inputs, {"pas_discount": str(d)}, origin="test"), 40, 7)
    i, c = psa.arm_index("eve_exe"), psa.arm_index("exe")
    repriced = psa.costs + (1 - d - 1) * psa.priced_costs
    assert np.allclose(repriced, rerun.costs, rtol=1e-11, atol=1e-8)
    dq = rerun.qalys[:, i] - rerun.qalys[:, c]
    dc = rerun.costs[:, i] - rerun.costs[:, c]
    row = result.grid[np.isclose(result.grid["discount"], d)].iloc[0]
    for w, label in ((1.0, "unweighted"), (1.2, "weighted")):
        for wtp in (20000, 30000):
            assert row[f"p_ce_{label}_{wtp}"] == pytest.approx(np.mean(w * wtp * dq - dc > 0), abs=1e-12)


def test_price_statement_cites_ta421():
    from cea.analyses.price import PRICE_EVIDENCE

    assert "TA421" in PRICE_EVIDENCE["pas"] and "section 2" in PRICE_EVIDENCE["pas"]
    assert "commercial in confidence" in PRICE_EVIDENCE["pas"]


def test_a_confidential_run_reports_the_same_list_price_analysis(setup):
    """At pas_discount 0.3 the priced rows hold net prices; the analysis is still over discounts off the list
    price, so every row and threshold equals the list-price run's."""
    inputs, _, listed = setup
    net = apply_overrides(inputs, {"pas_discount": "0.3"}, origin="test")
    result = price_analysis(run_base_case(net), None, weight=1.2)
    assert result.list_prices["eve_pack_price_10mg"] == pytest.approx(2673, rel=1e-12)
    assert np.allclose(result.grid["icer"], listed.grid["icer"], rtol=1e-10)
    assert np.allclose(result.thresholds["threshold_discount"], listed.thresholds["threshold_discount"], rtol=1e-10)
