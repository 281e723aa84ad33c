"""Decision rules on arrays: ICERs, dominance, fully incremental analysis, net benefit.

This module knows nothing about the model. Every function takes plain numpy
arrays (or scalars); where there is a sample axis it comes first and strategies
lie on the second axis, i.e. costs and QALYs of shape (n_samples, n_strategies).

Sources: Drummond et al. 2015, *Methods for the Economic Evaluation of Health
Care Programmes*, 4th ed., ch. 4 (ICERs, strong and extended dominance);
Briggs, Claxton & Sculpher 2006, *Decision Modelling for Health Economic
Evaluation*, ch. 5 (net benefit); HTA_METHODS F17, F18, VV-22.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# Labels for a pairwise comparison (new strategy minus comparator): they name the quadrant of the
# cost-effectiveness plane, "<more|less|equally> costly, <more|less|equally> effective", and judge nothing
# (whether a north-east ratio is cost-effective depends on the threshold, not on the quadrant).
MORE_COSTLY_MORE_EFFECTIVE = "more costly, more effective"  # north-east: ICER = cost per QALY gained
LESS_COSTLY_MORE_EFFECTIVE = "less costly, more effective"  # south-east: the new strategy dominates
MORE_COSTLY_LESS_EFFECTIVE = "more costly, less effective"  # north-west: the new strategy is dominated
LESS_COSTLY_LESS_EFFECTIVE = "less costly, less effective"  # south-west: ICER = saving per QALY forgone
IDENTICAL = "identical"
# on an axis (one increment exactly zero): still dominance, named as it is
EQUALLY_COSTLY_MORE_EFFECTIVE = "equally costly, more effective"
LESS_COSTLY_EQUALLY_EFFECTIVE = "less costly, equally effective"
EQUALLY_COSTLY_LESS_EFFECTIVE = "equally costly, less effective"
MORE_COSTLY_EQUALLY_EFFECTIVE = "more costly, equally effective"
DOMINANT = LESS_COSTLY_MORE_EFFECTIVE
DOMINATED = MORE_COSTLY_LESS_EFFECTIVE
DOMINANT_STATUSES = frozenset({LESS_COSTLY_MORE_EFFECTIVE, EQUALLY_COSTLY_MORE_EFFECTIVE, LESS_COSTLY_EQUALLY_EFFECTIVE})
DOMINATED_STATUSES = frozenset({MORE_COSTLY_LESS_EFFECTIVE, EQUALLY_COSTLY_LESS_EFFECTIVE, MORE_COSTLY_EQUALLY_EFFECTIVE})
RATIO_STATUSES = frozenset({MORE_COSTLY_MORE_EFFECTIVE, LESS_COSTLY_LESS_EFFECTIVE})  # the ICER is reported


def _word(delta: float) -> str:
    return "more" if delta > 0 else "less" if delta < 0 else "equally"


def quadrant_label(delta_cost: float, delta_qaly: float) -> str:
    """'more costly, more effective', 'less costly, more effective', … or 'identical' (exact comparisons)."""
    dc, de = float(delta_cost), float(delta_qaly)
    if dc == 0 and de == 0:
        return IDENTICAL
    return f"{_word(dc)} costly, {_word(de)} effective"


# Labels in a fully incremental analysis.
REFERENCE = "reference"
STRONGLY_DOMINATED = "dominated"
NON_DOMINATED = "non-dominated"
EXTENDEDLY_DOMINATED = "extendedly dominated"


def icer_status(delta_cost: float, delta_qaly: float) -> tuple[float | None, str]:
    """ICER and quadrant label for one pairwise comparison (new minus comparator).

    ICER = ΔC/ΔE (F18), reported only where the ratio means something:

    ================  ==============  ===================================  ============
    ΔE                ΔC              status                                icer
    ================  ==============  ===================================  ============
    > 0               > 0             "more costly, more effective"        ΔC/ΔE (cost per QALY gained)
    > 0               < 0             "less costly, more effective"        None (dominant)
    ≤ 0               ≥ 0             "more costly, less effective"        None (dominated)
    < 0               < 0             "less costly, less effective"        ΔC/ΔE (saving per QALY lost)
    = 0               = 0             "identical"                          None
    ================  ==============  ===================================  ============

    On an axis the label says "equally": ΔC = 0 < ΔE is "equally costly, more effective" (dominant),
    ΔC < 0 = ΔE "less costly, equally effective" (dominant), and the mirror images are dominated
    (``DOMINANT_STATUSES``, ``DOMINATED_STATUSES``).  The labels describe the quadrant; they are not a
    verdict on cost-effectiveness, which depends on the threshold.

    In the south-west quadrant the ratio is a saving per QALY forgone: the new
    strategy is worth adopting when the ratio is *above* the threshold.
    Comparisons are exact (no tolerance). Drummond et al. 2015, ch. 4.
    """
    dc = float(delta_cost)
    de = float(delta_qaly)
    status = quadrant_label(dc, de)
    return (dc / de if status in RATIO_STATUSES else None), status


def icer_statuses(delta_cost: np.ndarray, delta_qaly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`icer_status` for arrays of any (matching) shape, e.g. (n_samples,).

    Returns (icer, status): icer is float with NaN where :func:`icer_status`
    returns None; status is an array of the same labels (dtype object).
    """
    dc, de = np.broadcast_arrays(np.asarray(delta_cost, dtype=float), np.asarray(delta_qaly, dtype=float))
    def words(delta: np.ndarray) -> np.ndarray:
        return np.select([delta > 0, delta < 0], ["more", "less"], "equally").astype(object)

    status = words(dc) + " costly, " + words(de) + " effective"
    status[(dc == 0) & (de == 0)] = IDENTICAL
    has_ratio = ((de > 0) & (dc > 0)) | ((de < 0) & (dc < 0))
    icer = np.full(dc.shape, np.nan)
    icer[has_ratio] = dc[has_ratio] / de[has_ratio]
    return icer, status


# relative difference below which two frontier ICERs count as equal (rounding, not extended dominance)
ICER_TOLERANCE = 1e-9


def incremental_rows(costs: Sequence[float], qalys: Sequence[float], names: Sequence[str]) -> list[dict]:
    """Fully incremental analysis of any number of mutually exclusive strategies, without pandas.

    costs, qalys: (n_strategies,) expected values (e.g. PSA means); names: (n_strategies,), unique.

    Steps (Drummond et al. 2015, ch. 4; dampack ``calculate_icers``):

    1. Sort by cost (ties: more QALYs first, then input order).
    2. Strong dominance: drop every strategy for which another costs no more and
       yields no fewer QALYs, one of the two strictly. Exact duplicates keep the
       first in input order; the others are labelled "dominated".  So of two strategies
       with equal costs the one with fewer QALYs is dominated, and of two with equal QALYs
       the dearer one.
    3. Extended dominance: along the remaining strategies (now strictly increasing in both
       cost and QALYs) compute ICERs against the previous one; whenever an ICER
       is larger than the next one, that strategy is "extendedly dominated"
       (a mix of its neighbours does better); drop it and repeat until the
       ICERs are non-decreasing. Equal ICERs are kept (not dominated): "larger" means by more than
       ``ICER_TOLERANCE`` relative, so that strategies on one line (equal ICERs in exact arithmetic,
       e.g. costs 0, 0.3, 0.9 and QALYs 0, 0.1, 0.3) are not split by rounding.
    4. The cheapest survivor is the "reference"; each other survivor is
       "non-dominated" with inc_cost, inc_qaly and icer = inc_cost/inc_qaly
       against the previous survivor (``compared_with``). Other rows carry NaN increments
       and ``compared_with`` None.

    Returns one dict per strategy, sorted by cost, with keys
    strategy, cost, qaly, inc_cost, inc_qaly, icer, status, compared_with.
    """
    cost = np.asarray(costs, dtype=float)
    qaly = np.asarray(qalys, dtype=float)
    names = [str(n) for n in names]
    if not (cost.ndim == 1 and cost.shape == qaly.shape and len(names) == cost.size):
        raise ValueError("costs, qalys and names must be 1-d and of equal length")
    if cost.size == 0:
        raise ValueError("need at least one strategy")
    if not (np.all(np.isfinite(cost)) and np.all(np.isfinite(qaly))):
        raise ValueError("costs and qalys must be finite")

    # Sort by cost, then by QALYs descending, then by input order (stable).
    order = np.lexsort((np.arange(cost.size), -qaly, cost))
    status = {i: None for i in order}

    # Strong dominance. After the sort, strategy i is dominated exactly when an
    # earlier strategy in the order has at least as many QALYs.
    best_qaly_so_far = -np.inf
    for i in order:
        if qaly[i] <= best_qaly_so_far:
            status[i] = STRONGLY_DOMINATED
        else:
            best_qaly_so_far = qaly[i]
    frontier = [i for i in order if status[i] is None]

    # Extended dominance: remove the first ICER that exceeds its successor, repeat.
    while True:
        icers = [_ratio(cost, qaly, frontier[k - 1], frontier[k]) for k in range(1, len(frontier))]
        drop = next((k for k in range(len(icers) - 1) if icers[k] - icers[k + 1] > ICER_TOLERANCE * icers[k + 1]),
                    None)
        if drop is None:
            break
        status[frontier[drop + 1]] = EXTENDEDLY_DOMINATED
        del frontier[drop + 1]

    rows = {i: (np.nan, np.nan, np.nan, None) for i in order}
    status[frontier[0]] = REFERENCE
    for previous, current in zip(frontier, frontier[1:]):
        status[current] = NON_DOMINATED
        inc_cost = float(cost[current] - cost[previous])
        inc_qaly = float(qaly[current] - qaly[previous])
        rows[current] = (inc_cost, inc_qaly, inc_cost / inc_qaly, names[previous])

    return [{"strategy": names[i], "cost": float(cost[i]), "qaly": float(qaly[i]), "inc_cost": rows[i][0],
             "inc_qaly": rows[i][1], "icer": rows[i][2], "status": status[i], "compared_with": rows[i][3]}
            for i in order]


def incremental_analysis(costs: Sequence[float], qalys: Sequence[float], names: Sequence[str]) -> pd.DataFrame:
    """:func:`incremental_rows` as a DataFrame sorted by cost with columns
    strategy, cost, qaly, inc_cost, inc_qaly, icer, status (dominated rows carry NaN increments)."""
    import pandas as pd  # here, not at the top: the base case never needs it

    columns = ["strategy", "cost", "qaly", "inc_cost", "inc_qaly", "icer", "status"]
    return pd.DataFrame(incremental_rows(costs, qalys, names), columns=columns)


def _ratio(cost: np.ndarray, qaly: np.ndarray, previous: int, current: int) -> float:
    return float((cost[current] - cost[previous]) / (qaly[current] - qaly[previous]))


def net_monetary_benefit(costs: np.ndarray, qalys: np.ndarray, wtp: float | np.ndarray) -> np.ndarray:
    """NMB = λ·E − C (F17; Stinnett & Mullahy 1998; Briggs et al. 2006, ch. 5).

    costs, qalys: arrays of equal shape, e.g. (n_samples, n_strategies).
    wtp: a scalar λ, giving the input shape; or a 1-d grid of n_wtp values,
    giving shape (..., n_wtp) with the WTP axis last.
    For large grids prefer looping over λ (see acceptability.ceac).
    """
    costs = np.asarray(costs, dtype=float)
    qalys = np.asarray(qalys, dtype=float)
    wtp = np.asarray(wtp, dtype=float)
    if wtp.ndim == 0:
        return wtp * qalys - costs
    if wtp.ndim != 1:
        raise ValueError("wtp must be a scalar or a 1-d grid")
    return qalys[..., np.newaxis] * wtp - costs[..., np.newaxis]


def net_health_benefit(costs: np.ndarray, qalys: np.ndarray, wtp: float | np.ndarray) -> np.ndarray:
    """NHB = E − C/λ in QALYs (F17; Stinnett & Mullahy 1998). λ must be > 0.

    Shapes as :func:`net_monetary_benefit`: a scalar λ keeps the input shape,
    a 1-d grid adds a trailing (n_wtp,) axis. NHB = NMB/λ.
    """
    costs = np.asarray(costs, dtype=float)
    qalys = np.asarray(qalys, dtype=float)
    wtp = np.asarray(wtp, dtype=float)
    if np.any(wtp <= 0):
        raise ValueError("net health benefit needs a willingness to pay > 0")
    if wtp.ndim == 0:
        return qalys - costs / wtp
    if wtp.ndim != 1:
        raise ValueError("wtp must be a scalar or a 1-d grid")
    return qalys[..., np.newaxis] - costs[..., np.newaxis] / wtp
