"""One-way deterministic sensitivity analysis (DSA): every uncertain scalar parameter at its
low and high bound, all variants stacked as samples into one engine call (HTA_METHODS UN-10).

Bounds are the inputs' low/high, else the 2.5th/97.5th percentiles of the parameter's
distribution.  Survival coefficients are jointly uncertain and left to scenarios.  A
Dirichlet member's siblings are rescaled so that the group still sums to one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cea.analyses.decision import icer_statuses
from cea.engine.model import evaluate
from cea.inputs.model_inputs import ModelInputs
from cea.parameters.parameter_set import ParameterSet, point_estimates
from cea.parameters.ranges import dsa_range


@dataclass(frozen=True)
class OneWayResult:
    table: pd.DataFrame  # one row per parameter, sorted by swing in incremental NMB
    base_inmb: float
    base_icer: float | None
    wtp: float

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _variant(inputs: ModelInputs, base: ParameterSet, pid: str, value: float) -> dict[str, float]:
    row = inputs.parameters[pid]
    change = {pid: value}
    if row.distribution == "dirichlet":
        siblings = [p for p in inputs.parameters.values()
                    if p.distribution == "dirichlet" and p.dirichlet_group == row.dirichlet_group and p.id != pid]
        rest = sum(p.value for p in siblings)
        for p in siblings:
            change[p.id] = p.value / rest * (1.0 - value) if rest > 0 else (1.0 - value) / len(siblings)
    return change


def one_way(inputs: ModelInputs, wtp: float | None = None) -> OneWayResult:
    s = inputs.settings
    wtp = float(s.primary_wtp if wtp is None else wtp)
    base = point_estimates(inputs)
    varied = []
    for pid, row in inputs.parameters.items():
        low, high = dsa_range(inputs, pid)
        if low is None or (low == row.value == high):
            continue
        varied.append((pid, low, high))
    variants = [base]
    for pid, low, high in varied:
        for bound in (low, high):
            variants.append(base.with_values(_variant(inputs, base, pid, bound)))
    stacked = ParameterSet.stack(variants)
    out = evaluate(inputs.structure, stacked.values, s)
    i, c = out.arms.index(s.intervention), out.arms.index(s.comparator)
    d_cost = out.costs[:, i] - out.costs[:, c]
    d_qaly = out.qalys[:, i] - out.qalys[:, c]
    inmb = wtp * d_qaly - d_cost
    icer, status = icer_statuses(d_cost, d_qaly)
    rows = []
    for k, (pid, low, high) in enumerate(varied):
        lo, hi = 1 + 2 * k, 2 + 2 * k
        row = inputs.parameters[pid]
        rows.append({
            "parameter": pid, "description": row.description, "group": row.group, "base": row.value,
            "low": low, "high": high,
            "inc_cost_low": d_cost[lo], "inc_cost_high": d_cost[hi],
            "inc_qaly_low": d_qaly[lo], "inc_qaly_high": d_qaly[hi],
            "inmb_low": inmb[lo], "inmb_high": inmb[hi],
            "icer_low": icer[lo], "icer_high": icer[hi], "status_low": status[lo], "status_high": status[hi],
            "swing": abs(inmb[hi] - inmb[lo]),
        })
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return OneWayResult(table, float(inmb[0]), None if np.isnan(icer[0]) else float(icer[0]), wtp)
