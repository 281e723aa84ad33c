"""Landmark survival: the proportion alive (OS) or alive and progression-free (PFS) at 1, 2, 3, 5 and
10 years, for the modelled arms of the base case (from the trace, so with the hazard ratios,
background mortality and every other structural choice applied) and for every parametric curve in
the inputs (the extrapolations a committee compares, NICE DSU TSD 14 section 3.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cea.analyses.base_case import BaseCaseResult, trace_rows
from cea.engine import survival as engine_survival

LANDMARK_YEARS = (1, 2, 3, 5, 10)


def _at(times_months: np.ndarray, values: np.ndarray, months: float) -> float:
    """Value of a trace column at ``months`` (linear interpolation between cycles); NaN beyond the horizon."""
    if months > times_months[-1] + 1e-9:
        return float("nan")
    return float(np.interp(months, times_months, values))


def landmark_table(base_case: BaseCaseResult, years=LANDMARK_YEARS) -> pd.DataFrame:
    """Rows: (source, arm or curve, endpoint, family) with S at each landmark (columns ``s_<years>y``)."""
    inputs = base_case.inputs
    rows = []
    for arm in inputs.structure.arms:
        t = trace_rows(base_case, arm.id)
        for endpoint, values in (("os", t["PF"] + t["PD"]), ("pfs", t["PF"])):
            row = {"kind": "model", "name": arm.label, "arm": arm.id, "endpoint": endpoint,
                   "family": inputs.curves[getattr(arm, f"{endpoint}_curve")].family}
            row |= {f"s_{y}y": _at(t["time_months"], values, 12.0 * y) for y in years}
            rows.append(row)
    months = np.array([12.0 * y for y in years])
    for curve in inputs.curves.values():
        s = engine_survival.survival(curve.family, np.asarray(curve.estimates, dtype=float)[None, :], months)[0]
        row = {"kind": "curve", "name": curve.id, "arm": "", "endpoint": curve.endpoint, "family": curve.family}
        row |= {f"s_{y}y": float(v) for y, v in zip(years, s)}
        rows.append(row)
    return pd.DataFrame(rows)
