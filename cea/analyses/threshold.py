"""Threshold analysis: the value of a parameter at which incremental NMB = 0 at each WTP.

INMB(θ) = λ·ΔE(θ) − ΔC(θ).  Costs are linear in prices, so for a price the root has the
closed form θ* = θ₀ − INMB(θ₀)/(∂INMB/∂θ), from two engine runs (HTA_METHODS UN-12);
otherwise a bracketed root (Brent) over the parameter's range.  Every threshold is
verified by re-running the model at θ*.

Headline (what a payer negotiates): the everolimus price at which the ICER equals the
threshold — one discount applied to every pack price named in ``linked``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from cea.engine.model import evaluate
from cea.errors import InputError, Problem
from cea.inputs.model_inputs import ModelInputs
from cea.parameters.parameter_set import point_estimates


@dataclass(frozen=True)
class ThresholdResult:
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _inmb_function(inputs: ModelInputs, wtp: float, parameters: tuple[str, ...], base_values: tuple[float, ...]):
    """INMB as a function of a multiplier m on the given parameters (value = m·base)."""
    s = inputs.settings
    point = point_estimates(inputs)

    def inmb(multipliers: np.ndarray) -> np.ndarray:
        multipliers = np.atleast_1d(np.asarray(multipliers, dtype=float))
        n = len(multipliers)
        values = {k: np.repeat(v, n) for k, v in point.values.items()}
        for pid, base in zip(parameters, base_values):
            values[pid] = multipliers * base
        out = evaluate(inputs.structure, values, s)
        i, c = out.arms.index(s.intervention), out.arms.index(s.comparator)
        return wtp * (out.qalys[:, i] - out.qalys[:, c]) - (out.costs[:, i] - out.costs[:, c])

    return inmb


def threshold(inputs: ModelInputs, parameter: str, wtp_values: list[float] | None = None,
              linked: tuple[str, ...] = ()) -> ThresholdResult:
    """θ* for ``parameter`` (and ``linked`` parameters moved by the same relative change)."""
    known = inputs.known_ids()
    for pid in (parameter, *linked):
        if pid not in known:
            raise InputError(Problem("--parameter", "unknown parameter id (see `cea params`)", parameter=pid))
    ids = (parameter, *linked)
    bases = tuple(inputs.parameter_value(p) for p in ids)
    if bases[0] == 0:
        raise InputError(Problem("--parameter", "threshold search needs a non-zero base value", parameter=parameter))
    wtps = list(inputs.settings.wtp_thresholds if wtp_values is None else wtp_values)
    rows = []
    for wtp in wtps:
        f = _inmb_function(inputs, float(wtp), ids, bases)
        at = f(np.array([1.0, 0.0, 2.0]))
        linear = abs(at[0] - (at[1] + at[2]) / 2) <= 1e-9 * max(1.0, abs(at[0]))
        if linear:  # INMB linear in the multiplier: closed form from two runs
            slope = at[0] - at[1]
            multiplier = np.nan if slope == 0 else 1.0 - at[0] / slope
            method = "closed form (linear)"
        else:
            multiplier, method = _bracketed_root(f), "Brent root"
        verified = float(f(np.array([multiplier]))[0]) if np.isfinite(multiplier) else np.nan
        rows.append({"parameter": parameter, "linked": ",".join(linked), "wtp": float(wtp), "base_value": bases[0],
                     "threshold_value": multiplier * bases[0] if np.isfinite(multiplier) else np.nan,
                     "relative_change_pct": (multiplier - 1) * 100, "inmb_at_base": float(at[0]),
                     "inmb_at_threshold": verified, "method": method})
    return ThresholdResult(pd.DataFrame(rows))


def _bracketed_root(f) -> float:
    grid = np.concatenate([np.linspace(0.0, 2.0, 41), np.geomspace(2.5, 1000.0, 30)])
    values = f(grid)
    sign_change = np.nonzero(np.sign(values[:-1]) * np.sign(values[1:]) <= 0)[0]
    if len(sign_change) == 0:
        return float("nan")
    k = sign_change[np.argmin(np.abs(grid[sign_change] - 1.0))]
    return optimize.brentq(lambda m: float(f(np.array([m]))[0]), grid[k], grid[k + 1], xtol=1e-12, rtol=1e-12)
