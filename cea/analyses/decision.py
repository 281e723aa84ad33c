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

# Labels for a pairwise comparison (new strategy minus comparator).
COST_EFFECTIVE_RATIO = "cost-effective ratio"
DOMINANT = "dominant"
DOMINATED = "dominated"
LESS_COSTLY_LESS_EFFECTIVE = "less costly, less effective"
IDENTICAL = "identical"

# Labels in a fully incremental analysis.
REFERENCE = "reference"
NON_DOMINATED = "non-dominated"
EXTENDEDLY_DOMINATED = "extendedly dominated"


def icer_status(delta_cost: float, delta_qaly: float) -> tuple[float | None, str]:
    """ICER and quadrant label for one pairwise comparison (new minus comparator).

    ICER = ΔC/ΔE (F18), reported only where the ratio means something:

    ================  ==============  =================================  ============
    ΔE                ΔC              status                              icer
    ================  ==============  =================================  ============
    > 0               > 0             "cost-effective ratio"             ΔC/ΔE (cost per QALY gained)
    ≥ 0               ≤ 0             "dominant" (not both 0)            None
    ≤ 0               ≥ 0             "dominated" (not both 0)           None
    < 0               < 0             "less costly, less effective"      ΔC/ΔE (saving per QALY lost)
    = 0               = 0             "identical"                        None
    ================  ==============  =================================  ============

    In the south-west quadrant the ratio is a saving per QALY forgone: the new
    strategy is worth adopting when the ratio is *above* the threshold.
    Comparisons are exact (no tolerance). Drummond et al. 2015, ch. 4.
    """
    dc = float(delta_cost)
    de = float(delta_qaly)
    if dc == 0 and de == 0:
        return None, IDENTICAL
    if de > 0 and dc > 0:
        return dc / de, COST_EFFECTIVE_RATIO
    if de < 0 and dc < 0:
        return dc / de, LESS_COSTLY_LESS_EFFECTIVE
    if de >= 0 and dc <= 0:
        return None, DOMINANT
    return None, DOMINATED  # de <= 0 and dc >= 0


def icer_statuses(delta_cost: np.ndarray, delta_qaly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`icer_status` for arrays of any (matching) shape, e.g. (n_samples,).

    Returns (icer, status): icer is float with NaN where :func:`icer_status`
    returns None; status is an array of the same labels (dtype object).
    """
    dc, de = np.broadcast_arrays(np.asarray(delta_cost, dtype=float), np.asarray(delta_qaly, dtype=float))
    identical = (dc == 0) & (de == 0)
    north_east = (de > 0) & (dc > 0)
    south_west = (de < 0) & (dc < 0)
    dominant = (de >= 0) & (dc <= 0) & ~identical
    status = np.full(dc.shape, DOMINATED, dtype=object)
    status[dominant] = DOMINANT
    status[north_east] = COST_EFFECTIVE_RATIO
    status[south_west] = LESS_COSTLY_LESS_EFFECTIVE
    status[identical] = IDENTICAL
    has_ratio = north_east | south_west
    icer = np.full(dc.shape, np.nan)
    icer[has_ratio] = dc[has_ratio] / de[has_ratio]
    return icer, status


def incremental_analysis(costs: Sequence[float], qalys: Sequence[float], names: Sequence[str]) -> pd.DataFrame:
    """Fully incremental analysis of any number of mutually exclusive strategies.

    costs, qalys: (n_strategies,) expected values (e.g. PSA means); names: (n_strategies,).

    Steps (Drummond et al. 2015, ch. 4; dampack ``calculate_icers``):

    1. Sort by cost (ties: more QALYs first).
    2. Strong dominance: drop every strategy for which another costs no more and
       yields no fewer QALYs, one of the two strictly. Exact duplicates keep the
       first in input order; the others are labelled "dominated".
    3. Extended dominance: along the remaining strategies (now increasing in both
       cost and QALYs) compute ICERs against the previous one; whenever an ICER
       is larger than the next one, that strategy is "extendedly dominated"
       (a mix of its neighbours does better); drop it and repeat until the
       ICERs are non-decreasing. Equal ICERs are kept (not dominated).
    4. The cheapest survivor is the "reference"; each other survivor is
       "non-dominated" with inc_cost, inc_qaly and icer = inc_cost/inc_qaly
       against the previous survivor. Dominated rows carry NaN increments.

    Returns a DataFrame sorted by cost with columns
    strategy, cost, qaly, inc_cost, inc_qaly, icer, status.
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
            status[i] = DOMINATED
        else:
            best_qaly_so_far = qaly[i]
    frontier = [i for i in order if status[i] is None]

    # Extended dominance: remove the first ICER that exceeds its successor, repeat.
    while True:
        icers = [_ratio(cost, qaly, frontier[k - 1], frontier[k]) for k in range(1, len(frontier))]
        drop = next((k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]), None)
        if drop is None:
            break
        status[frontier[drop + 1]] = EXTENDEDLY_DOMINATED
        del frontier[drop + 1]

    rows = {i: (np.nan, np.nan, np.nan) for i in order}
    status[frontier[0]] = REFERENCE
    for previous, current in zip(frontier, frontier[1:]):
        status[current] = NON_DOMINATED
        inc_cost = cost[current] - cost[previous]
        inc_qaly = qaly[current] - qaly[previous]
        rows[current] = (inc_cost, inc_qaly, inc_cost / inc_qaly)

    import pandas as pd  # here, not at the top: the base case never needs it

    return pd.DataFrame(
        {
            "strategy": [names[i] for i in order],
            "cost": cost[order],
            "qaly": qaly[order],
            "inc_cost": [rows[i][0] for i in order],
            "inc_qaly": [rows[i][1] for i in order],
            "icer": [rows[i][2] for i in order],
            "status": [status[i] for i in order],
        }
    )


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
