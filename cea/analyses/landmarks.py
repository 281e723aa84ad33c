"""OS landmark table for choosing the extrapolation (NICE DSU TSD14 §4: fit, visual fit, hazards, and the
clinical plausibility of long-term survival against an external source).

One row per (model, family, arm) fitted by :mod:`cea.analyses.survival_fits` with S(t) at 1, 2, 3, 5 and 10
years, the total AIC/BIC of the family (both arms), the month from which the intervention's curve falls below
the comparator's for good (crossing; NaN when it ends at or above it), and whether 5-year survival is within the
external upper bound; then the Kaplan–Meier estimate (within follow-up), the base case's modelled OS
(1 − Dead of the trace) and the external benchmarks of ``evidence/os_external_benchmarks.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cea.analyses.base_case import BaseCaseResult, trace_rows
from cea.analyses.survival_fits import SurvivalFitsResult
from cea.engine import survival as engine
from cea.survival.kaplan_meier import kaplan_meier

LANDMARK_YEARS = (1, 2, 3, 5, 10)
BENCHMARK_FILE = Path("evidence") / "os_external_benchmarks.csv"


def _columns(values) -> dict[str, float]:
    return {f"s_{y}y": float(v) for y, v in zip(LANDMARK_YEARS, values)}


def crossing_month(s_intervention: np.ndarray, s_comparator: np.ndarray, months: np.ndarray) -> float:
    """The month from which the intervention's survival stays below the comparator's to the horizon (the
    curves cross for good: the intervention is worse in the long term); NaN if it ends at or above it.
    Both arrays are on the grid ``months`` (from 0, where both are 1)."""
    below = s_intervention < s_comparator - 1e-12
    if not below[-1]:
        return float("nan")
    not_below = np.flatnonzero(~below)
    return float(months[not_below[-1] + 1]) if not_below.size else float(months[0])


def external_benchmarks(folder: Path) -> pd.DataFrame:
    path = Path(folder) / BENCHMARK_FILE
    if not path.exists():
        return pd.DataFrame(columns=["time_years", "lower", "upper", "population", "source"])
    return pd.read_csv(path)


def os_landmark_table(fits: SurvivalFitsResult | None, base_case: BaseCaseResult) -> pd.DataFrame:
    inputs = base_case.inputs
    s = inputs.settings
    intervention, comparator = s.intervention, s.comparator
    months = np.arange(0.0, s.horizon_years * 12.0 + 1e-9, 1.0)
    t_land = np.array([12.0 * y for y in LANDMARK_YEARS])
    benchmarks = external_benchmarks(inputs.folder)
    upper_5y = benchmarks.loc[benchmarks["time_years"] == 5, "upper"].min() if len(benchmarks) else np.nan
    rows: list[dict] = []
    if fits is not None and "os" in fits.endpoints:
        table = fits.endpoints["os"].fit_table.table
        for (model, family), group in table.groupby(["model", "family"], sort=False):
            arms = list(group["arm"])
            if intervention not in arms or comparator not in arms:
                continue
            curves = {arm: fits.coefficients("os", arm, family, model) for arm in (intervention, comparator)}
            on_grid = {arm: engine.survival(family, c[None, :], months)[0] for arm, c in curves.items()}
            crossing = crossing_month(on_grid[intervention], on_grid[comparator], months)
            joint = model != "independent"
            aic = float(group["aic"].iloc[0]) if joint else float(group["aic"].sum())
            bic = float(group["bic"].iloc[0]) if joint else float(group["bic"].sum())
            for arm in (intervention, comparator):
                values = engine.survival(family, curves[arm][None, :], t_land)[0]
                rows.append({"source": "fit", "model": model, "family": family, "arm": arm, **_columns(values),
                             "aic_total": aic, "bic_total": bic, "crosses_at_month": crossing,
                             "within_external_5y": bool(values[LANDMARK_YEARS.index(5)] <= upper_5y)
                             if np.isfinite(upper_5y) else None})
        data = fits.endpoints["os"].data
        for arm in (intervention, comparator):
            d = data[data["arm"] == arm]
            if d.empty:
                continue
            km = kaplan_meier(d["time"].to_numpy(), d["event"].to_numpy())
            follow_up = float(d["time"].max())
            values = [float(km.survival[np.searchsorted(km.time, t, side="right") - 1])
                      if t <= follow_up and np.any(km.time <= t) else (1.0 if t <= follow_up else np.nan)
                      for t in t_land]
            rows.append({"source": "kaplan_meier", "model": "data", "family": "", "arm": arm, **_columns(values)})
    o = base_case.outcomes
    times = o.times_years * 12.0
    for j, arm in enumerate(o.arms):
        alive = 1.0 - o.trace.dead[0, j]
        values = np.interp(t_land, times, alive, right=np.nan)
        rows.append({"source": "model", "model": "base case", "family": "", "arm": arm, **_columns(values),
                     "within_external_5y": bool(values[LANDMARK_YEARS.index(5)] <= upper_5y)
                     if np.isfinite(upper_5y) else None})
    for _, b in benchmarks.iterrows():
        values = [b["upper"] if y == b["time_years"] else np.nan for y in LANDMARK_YEARS]
        rows.append({"source": "external upper bound", "model": b["population"], "family": "", "arm": "",
                     **_columns(values), "reference": b["source"]})
    columns = ["source", "model", "family", "arm", *[f"s_{y}y" for y in LANDMARK_YEARS], "aic_total", "bic_total",
               "crosses_at_month", "within_external_5y", "reference"]
    return pd.DataFrame(rows).reindex(columns=columns)


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
        s = engine.survival(curve.family, np.asarray(curve.estimates, dtype=float)[None, :], months)[0]
        row = {"kind": "curve", "name": curve.id, "arm": "", "endpoint": curve.endpoint, "family": curve.family}
        row |= {f"s_{y}y": float(v) for y, v in zip(years, s)}
        rows.append(row)
    return pd.DataFrame(rows)
