"""Post-progression mortality: the hazard implied by a structure, and the structural alternatives side by side
(NICE DSU TSD19: a state-transition model to test the partitioned-survival model's assumptions).

* Implied PD death hazard of an arm (per month): PD deaths over PD person-time,
  h_PD = Σ_k D_k / Σ_k PD_{k−1}·Δ, with D_k the deaths from PD in cycle k; under a constant hazard this is
  the hazard itself.  Per cycle, h_k = −ln(1 − D_k / PD_{k−1}) / Δ; the summary is the occupancy-weighted
  mean Σ PD_{k−1}·h_k / Σ PD_{k−1}.  The implied post-progression hazard ratio is
  h_PD(intervention) / h_PD(comparator).
* Equal PD mortality calibrated to the pooled OS: one constant PD death rate λ for both arms such that the
  trial-weighted pooled mean survival over the horizon (undiscounted life-years, weights = the patients
  randomised per arm, arms.csv column ``n_randomised``; equal weights when either arm's is blank) equals that
  of the base-case OS curves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from cea.analyses.base_case import BaseCaseResult, run_base_case
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides

PERIODS_YEARS = ((0, 1), (1, 2), (2, 3), (3, 5), (5, 10))


def pd_death_hazards(result: BaseCaseResult, sample: int = 0) -> dict[str, np.ndarray]:
    """Per arm, the per-cycle PD death hazard h_k (per month) and the PD occupancy PD_{k−1} that weighs it."""
    o, s = result.outcomes, result.settings
    out = {}
    for j, arm in enumerate(o.arms):
        pd_prev = o.trace.pd[sample, j, :-1]
        p = np.clip(o.trace.p_pd_death[sample, j], 0.0, 1.0 - 1e-15)
        out[arm] = np.vstack([-np.log1p(-p) / s.cycle_months, pd_prev])
    return out


def implied_pd_hazard(result: BaseCaseResult, arm: str, months: tuple[float, float] | None = None) -> float:
    """Occupancy-weighted mean PD death hazard per month of ``arm`` (optionally within [start, end) months)."""
    h, w = pd_death_hazards(result)[arm]
    start = result.outcomes.times_years[:-1] * 12.0
    keep = np.ones_like(start, dtype=bool) if months is None else (start >= months[0]) & (start < months[1])
    return float(np.sum(h[keep] * w[keep]) / np.sum(w[keep])) if np.sum(w[keep]) > 0 else float("nan")


def implied_post_progression_hr(result: BaseCaseResult) -> dict[str, float]:
    """The overall and per-period ratio of the intervention's to the comparator's implied PD death hazard."""
    s = result.settings
    out = {"overall": implied_pd_hazard(result, s.intervention) / implied_pd_hazard(result, s.comparator)}
    for a, b in PERIODS_YEARS:
        window = (12.0 * a, 12.0 * b)
        out[f"years_{a}_{b}"] = implied_pd_hazard(result, s.intervention, window) / implied_pd_hazard(
            result, s.comparator, window)
    return out


def pooled_mean_survival(result: BaseCaseResult, weights: dict[str, float]) -> float:
    lys = {arm: result.arm_summary(arm)["undiscounted"]["lys"] for arm in result.outcomes.arms}
    return sum(weights[a] * lys[a] for a in weights) / sum(weights.values())


def calibrate_pooled_pd_rate(inputs: ModelInputs, weights: dict[str, float], parameter: str = "pd_death_rate") -> float:
    """λ (per month) for both arms under pd_mortality = constant such that the pooled undiscounted mean survival
    equals that of the base case's OS (tracking) structure; root found by Brent's method to 1e-12."""
    target = pooled_mean_survival(run_base_case(inputs), weights)

    def gap(rate: float) -> float:
        trial = apply_overrides(inputs, {"pd_mortality": "constant", parameter: rate})
        return pooled_mean_survival(run_base_case(trial), weights) - target

    return float(brentq(gap, 1e-4, 1.0, xtol=1e-12, rtol=1e-12))


def _row(key: str, label: str, role: str, result: BaseCaseResult) -> dict:
    row = {"key": key, "structure": label, "role": role}
    for arm in result.outcomes.arms:
        summary = result.arm_summary(arm)
        row |= {f"lys_{arm}": summary["lys"], f"lys_pd_{arm}": summary["lys_by_state"]["PD"],
                f"qalys_{arm}": summary["qalys"], f"costs_{arm}": summary["costs"],
                f"pd_death_hazard_{arm}": implied_pd_hazard(result, arm)}
    inc = result.incremental()
    row |= {"implied_pp_hr": implied_post_progression_hr(result)["overall"], "inc_lys": inc["lys"],
            "inc_qalys": inc["qalys"], "inc_costs": inc["costs"], "icer": inc["icer"], "status": inc["status"],
            "pfs_os_crossings": int(result.outcomes.pfs_os_crossings.sum())}
    return row


def pooling_weights(inputs: ModelInputs) -> tuple[dict[str, float], str]:
    """Weights of the intervention and the comparator in the pooled mean survival, and how they were chosen:
    the patients randomised to each arm (arms.csv ``n_randomised``), or equal weights when either is blank."""
    s = inputs.settings
    arms = {a.id: a for a in inputs.structure.arms}
    pair = (s.intervention, s.comparator)
    if any(arms[arm].n_randomised is None for arm in pair):
        return {arm: 1.0 for arm in pair}, "the arms weighted equally, the numbers randomised not being given"
    weights = {arm: float(arms[arm].n_randomised) for arm in pair}
    return weights, "weighted by the patients randomised: " + ", ".join(f"{arms[arm].label} {weights[arm]:g}"
                                                                       for arm in pair)


def structure_alternatives(inputs: ModelInputs) -> pd.DataFrame:
    """The base case and its structural alternatives, one row each (see the module docstring), plus
    the difference of the partitioned-survival model from the state-transition model with tracking."""
    s = inputs.settings
    base_structure = {"model_structure": "markov", "pd_mortality": "os_tracking"}
    tracking = apply_overrides(inputs, base_structure)
    weights, weighting = pooling_weights(inputs)
    rows = [
        _row("markov_os_tracking", "State transition; PD mortality set each cycle so that each arm follows its OS "
             "curve (os_tracking)", "base case" if s.model_structure == "markov" and s.pd_mortality == "os_tracking"
             else "scenario", run_base_case(tracking)),
        _row("psm", "Partitioned survival (PF = S_PFS, alive = S_OS)",
             "base case" if s.model_structure == "psm" else "scenario",
             run_base_case(apply_overrides(inputs, {"model_structure": "psm"}))),
    ]
    has_rate = all(arm.pd_death_rate for arm in inputs.structure.arms)
    if has_rate:
        rate_ids = {arm.pd_death_rate for arm in inputs.structure.arms}
        if len(rate_ids) == 1:
            rate_id = next(iter(rate_ids))
            calibrated = calibrate_pooled_pd_rate(tracking, weights, rate_id)
            equal = apply_overrides(inputs, {"model_structure": "markov", "pd_mortality": "constant", rate_id: calibrated})
            rows.append(_row("markov_pd_equal_pooled", f"State transition; PD mortality equal in both arms, "
                             f"{calibrated:.5f} per month, calibrated to the pooled OS (mean survival over the "
                             f"horizon, {weighting})", "scenario", run_base_case(equal)))
        rows.append(_row("markov_pd_constant", "State transition; PD mortality equal in both arms at the "
                         "pd_death_rate input", "scenario",
                         run_base_case(apply_overrides(inputs, {"model_structure": "markov",
                                                                "pd_mortality": "constant"}))))
    table = pd.DataFrame(rows)
    numeric = [c for c in table.select_dtypes("number").columns if c != "pfs_os_crossings"]
    difference = {"key": "psm_minus_markov", "structure": "Difference (PSM − state transition with tracking)",
                  "role": "", **(table.loc[1, numeric] - table.loc[0, numeric]).to_dict(), "status": "",
                  "pfs_os_crossings": 0}
    return pd.concat([table, pd.DataFrame([difference])], ignore_index=True)
