"""The payer workbook's formulas evaluated in Python (cea.workbook.evaluate, which also computes the cached
values the file stores), without LibreOffice.

The LibreOffice tests recalculate the workbook; these evaluate the same formulas in Python, cell by cell,
and compare every trace
column (time, occupancy, within-cycle weights, discount factors) and every per-arm total (LYs,
QALYs, costs) with the engine.  A formula written with the wrong convention (a discount factor one
cycle late, a weight in the wrong place) shows here on any machine.  Both sides are exact arithmetic
in a different order: rel 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest

from cea.analyses.base_case import run_base_case
from cea.engine.discounting import discount_factors, within_cycle_weights
from cea.inputs.model_inputs import load_inputs
from cea.inputs.overrides import apply_overrides
from cea.workbook.build import build_book
from cea.workbook.evaluate import evaluate_book
from tests.conftest import INPUTS

REL = 1e-9
HORIZON = {"horizon_years": "4"}  # fewer cycles to evaluate; every formula is the same for any horizon
HEADER_ROW = 9  # the trace sheet's column headers; row 10 is cycle 0


@pytest.fixture(scope="module")
def engine():
    return run_base_case(apply_overrides(load_inputs(INPUTS), HORIZON))


@pytest.fixture(scope="module")
def evaluator():
    inputs = apply_overrides(load_inputs(INPUTS), HORIZON)
    book = build_book(inputs, run_base_case(inputs), max_horizon_years=4.0)
    return book, evaluate_book(book)


def column(ev, arm: str, header: str, n_rows: int) -> np.ndarray:
    book, values = ev
    ws = book.sheets[f"Trace {arm}"]
    columns = [col for (row, col), cell in ws.cells.items() if row == HEADER_ROW and cell.value == header]
    assert len(columns) == 1, f"no single column '{header}' in Trace {arm}"
    return np.array([values.get((ws.title, HEADER_ROW + 1 + k, columns[0])) for k in range(n_rows)], dtype=float)


@pytest.mark.parametrize("arm", ["eve_exe", "exe"])
def test_trace_columns_equal_the_engine(evaluator, engine, arm):
    s, o = engine.settings, engine.outcomes
    j, n = o.arms.index(arm), s.n_cycles + 1
    t = o.times_years
    np.testing.assert_allclose(column(evaluator, arm, "Time (years)", n), t, rtol=REL)
    np.testing.assert_allclose(column(evaluator, arm, "Discount factor, outcomes", n),
                               discount_factors(t, s.discount_rate_outcomes), rtol=REL)
    np.testing.assert_allclose(column(evaluator, arm, "Discount factor, costs", n),
                               discount_factors(t, s.discount_rate_costs), rtol=REL)
    np.testing.assert_allclose(column(evaluator, arm, "Discount factor, costs at mid-cycle", n)[1:],
                               discount_factors((t[:-1] + t[1:]) / 2, s.discount_rate_costs), rtol=REL)
    np.testing.assert_allclose(column(evaluator, arm, "Within-cycle weight", n),
                               within_cycle_weights(s.n_cycles, s.within_cycle_correction), rtol=REL)
    for header, state in (("PF", o.trace.pf), ("PD", o.trace.pd), ("Dead", o.trace.dead)):
        np.testing.assert_allclose(column(evaluator, arm, header, n), state[0, j], rtol=REL, atol=1e-15,
                                   err_msg=header)


@pytest.mark.parametrize("arm", ["eve_exe", "exe"])
def test_per_arm_totals_equal_the_engine(evaluator, engine, arm):
    s, o = engine.settings, engine.outcomes
    j, n = o.arms.index(arm), s.n_cycles + 1
    total = lambda header: column(evaluator, arm, header, n).sum()  # noqa: E731
    assert total("LYs PF (disc.)") == pytest.approx(o.lys_by_state[0, j, 0], rel=REL)
    assert total("LYs PD (disc.)") == pytest.approx(o.lys_by_state[0, j, 1], rel=REL)
    assert total("LYs PF (undisc.)") == pytest.approx(o.lys_by_state_undiscounted[0, j, 0], rel=REL)
    assert total("LYs PD (undisc.)") == pytest.approx(o.lys_by_state_undiscounted[0, j, 1], rel=REL)
    assert total("QALYs PF (disc.)") == pytest.approx(o.qalys_by_state[0, j, 0], rel=REL)
    assert total("QALYs PD (disc.)") == pytest.approx(o.qalys_by_state[0, j, 1], rel=REL)
    assert total("Total costs") == pytest.approx(o.costs[0, j], rel=REL)


@pytest.mark.parametrize("arm", ["eve_exe", "exe"])
def test_adverse_events_are_spread_over_the_time_on_the_timing_drug(evaluator, engine, arm):
    """Share of cycle k = ToT_k / Σ_{j<n} ToT_j of the timing drug (cea.engine.model.ae_discount_factors), 0 from
    cycle n on; the denominator is one cell per sheet, never a SUMIF in every row (quadratic in the rows)."""
    s, o = engine.settings, engine.outcomes
    j, n = o.arms.index(arm), s.n_cycles + 1
    timing = next(t.drug for t in engine.inputs.structure.arm_treatments(arm) if t.times_adverse_events)
    on = o.on_treatment[0, j, o.drugs.index(timing)]
    expected = np.append(on[:-1] / on[:-1].sum(), 0.0)
    share = column(evaluator, arm, "Share of adverse events in this cycle (ToT of the timing drug)", n)
    np.testing.assert_allclose(share, expected, rtol=REL, atol=1e-15)
    assert share.sum() == pytest.approx(1.0, rel=1e-12)
    book, _ = evaluator
    formulas = [cell.formula for cell in book.sheets[f"Trace {arm}"].cells.values() if cell.formula]
    assert sum("SUMIF(" in f for f in formulas) == 1
