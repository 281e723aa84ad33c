"""Plausibility of the overall-survival extrapolation and of the time on treatment (NICE DSU TSD14 §4, TSD21).

* :func:`joint_fit_table` — every joint fit of OS (both arms in one likelihood; PH or AFT) with AIC, BIC, ΔAIC,
  Akaike weight and S(t) at 1, 2, 3, 5 and 10 years per arm.  The AFT Weibull is the PH Weibull re-parameterised
  (same likelihood), so it is listed but carries no weight of its own.
* :func:`landmark_rows` — the same landmarks for the AIC-weighted mixture curve S̄(t) = Σ w_i S_i(t), the
  Kaplan–Meier estimate, the base case's modelled OS and the external benchmarks (as rows of one table).
* :func:`pd_death_rates` — the post-progression death rate per month each arm's trace implies over time, and
  their ratio.
* :func:`model_average` — model averaging over the joint fits.  A cohort model's costs and QALYs are linear in
  the state occupancy, and with OS tracking the alive total *is* the OS curve; so running the model once per fit
  and averaging each arm's discounted costs and QALYs with the Akaike weights gives the result of the mixture
  curve (exactly, except where the general-population floor binds or PF is capped at OS).  The ICER is the ratio
  of the averaged increments, never an average of ICERs.
* :func:`time_on_treatment_table` — the proportion on each drug at 6, 12 and 24 months, its share of PF, the
  median and mean, beside the published exposure points.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cea.analyses.base_case import BaseCaseResult, run_base_case
from cea.analyses.landmarks import LANDMARK_YEARS, external_benchmarks
from cea.analyses.post_progression import pd_death_hazards
from cea.analyses.survival_fits import SurvivalFitsResult
from cea.engine import survival as engine
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides, scenario_overrides
from cea.survival.kaplan_meier import kaplan_meier

# scenario (in scenarios.csv) that puts each joint fit into the model; None: the base case itself
JOINT_FIT_SCENARIOS = {
    ("ph", "weibull"): None,
    ("ph", "exponential"): "os_joint_exponential_ph",
    ("ph", "gompertz"): "os_joint_gompertz_ph",
    ("aft", "loglogistic"): "os_loglogistic_aft",
    ("aft", "lognormal"): "os_joint_lognormal_aft",
    ("aft", "gengamma"): "os_joint_gengamma_aft",
}
DUPLICATES = {("aft", "weibull"): ("ph", "weibull")}  # same likelihood: no weight of its own
PD_RATE_MONTHS = (3, 6, 12, 18, 24, 36, 48, 60)
TOT_MONTHS = (6, 12, 24)

EXPOSURE_FILE = Path("evidence") / "published_exposure.csv"


def _landmarks(family: str, coefficients: np.ndarray) -> np.ndarray:
    t = np.array([12.0 * y for y in LANDMARK_YEARS])
    return engine.survival(family, np.asarray(coefficients, dtype=float)[None, :], t)[0]


def akaike_weights(aic: np.ndarray) -> np.ndarray:
    d = np.asarray(aic, dtype=float) - np.nanmin(aic)
    w = np.exp(-0.5 * d)
    return w / w.sum()


def joint_fit_table(fits: SurvivalFitsResult, inputs: ModelInputs) -> pd.DataFrame:
    s = inputs.settings
    table = fits.endpoints["os"].fit_table.table
    joint = table[table["model"] != "independent"]
    rows = []
    for (model, family), g in joint.groupby(["model", "family"], sort=False):
        r = g.iloc[0]
        row = {"model": model, "family": family, "k": int(r["k"]), "loglik": float(r["loglik"]),
               "aic": float(r["aic"]), "bic": float(r["bic"]), "effect": r["effect"],
               "effect_estimate": float(r["effect_estimate"]), "effect_lower": float(r["effect_lower"]),
               "effect_upper": float(r["effect_upper"]), "duplicate_of": "/".join(DUPLICATES.get((model, family), ())),
               "scenario": JOINT_FIT_SCENARIOS.get((model, family)) or ("base_case" if (model, family) == ("ph", "weibull") else "")}
        for arm in (s.intervention, s.comparator):
            values = _landmarks(family, fits.coefficients("os", arm, family, model))
            row |= {f"{arm}_s_{y}y": float(v) for y, v in zip(LANDMARK_YEARS, values)}
            row[f"{arm}_median"] = float(engine.median(family, fits.coefficients("os", arm, family, model)[None, :])[0])
        rows.append(row)
    out = pd.DataFrame(rows)
    counted = out["duplicate_of"] == ""
    out["delta_aic"] = out["aic"] - out.loc[counted, "aic"].min()
    out["delta_bic"] = out["bic"] - out.loc[counted, "bic"].min()
    out["akaike_weight"] = 0.0
    out.loc[counted, "akaike_weight"] = akaike_weights(out.loc[counted, "aic"].to_numpy())
    out["_dup"] = out["duplicate_of"] != ""
    out["_aic"] = out["aic"].round(4)  # the AFT Weibull equals the PH Weibull up to optimiser noise
    return out.sort_values(["_aic", "_dup"], kind="stable").drop(columns=["_dup", "_aic"]).reset_index(drop=True)


def landmark_rows(fits: SurvivalFitsResult, base_case: BaseCaseResult, joint: pd.DataFrame) -> pd.DataFrame:
    """Rows: each joint fit, the AIC-weighted mixture, Kaplan–Meier, the base case's modelled OS, benchmarks."""
    inputs = base_case.inputs
    s = inputs.settings
    arms = (s.intervention, s.comparator)
    t_land = np.array([12.0 * y for y in LANDMARK_YEARS])
    rows = []
    for _, r in joint.iterrows():
        for arm in arms:
            rows.append({"row": "joint fit", "name": f"{r['model'].upper()} {r['family']}", "arm": arm,
                         **{f"s_{y}y": r[f"{arm}_s_{y}y"] for y in LANDMARK_YEARS}, "akaike_weight": r["akaike_weight"]})
    for arm in arms:
        mix = sum(r["akaike_weight"] * np.array([r[f"{arm}_s_{y}y"] for y in LANDMARK_YEARS])
                  for _, r in joint.iterrows())
        rows.append({"row": "model average", "name": "AIC-weighted mixture of the joint fits", "arm": arm,
                     **{f"s_{y}y": float(v) for y, v in zip(LANDMARK_YEARS, mix)}, "akaike_weight": 1.0})
    data = fits.endpoints["os"].data
    for arm in arms:
        d = data[data["arm"] == arm]
        km = kaplan_meier(d["time"].to_numpy(), d["event"].to_numpy())
        follow_up = float(d["time"].max())
        values = [float(km.survival[np.searchsorted(km.time, t, side="right") - 1]) if t <= follow_up else np.nan
                  for t in t_land]
        rows.append({"row": "observed", "name": "Kaplan–Meier (reconstructed BOLERO-2 OS)", "arm": arm,
                     **{f"s_{y}y": v for y, v in zip(LANDMARK_YEARS, values)}})
    o = base_case.outcomes
    for j, arm in enumerate(o.arms):
        values = np.interp(t_land, o.times_years * 12.0, 1.0 - o.trace.dead[0, j], right=np.nan)
        rows.append({"row": "base case", "name": "Modelled OS (base case)", "arm": arm,
                     **{f"s_{y}y": float(v) for y, v in zip(LANDMARK_YEARS, values)}})
    for _, b in external_benchmarks(inputs.folder).iterrows():
        author = str(b["source"]).split()[0]
        published = re.search(r"\b((?:19|20)\d{2});", str(b["source"]))  # the year of 'Journal 2017;31:46-50'
        year = published.group(1) if published else ""
        rows.append({"row": "external benchmark", "name": f"{author} {year}".strip(), "arm": "",
                     **{f"s_{y}y": (b["upper"] if y == b["time_years"] else np.nan) for y in LANDMARK_YEARS},
                     "population": b["population"], "source": b["source"]})
    return pd.DataFrame(rows)


def pd_death_rates(base_case: BaseCaseResult, months=PD_RATE_MONTHS) -> pd.DataFrame:
    """Monthly post-progression death rate h(t) (per month, from the cycle containing t) by arm, and the ratio."""
    s = base_case.settings
    h = pd_death_hazards(base_case)
    start = base_case.outcomes.times_years[:-1] * 12.0
    rows = []
    for m in months:
        k = int(np.clip(np.searchsorted(start, m, side="right") - 1, 0, len(start) - 1))
        row = {"month": m}
        for arm in (s.intervention, s.comparator):
            row[f"{arm}_rate"] = float(h[arm][0, k])
            row[f"{arm}_pd"] = float(h[arm][1, k])
        row["ratio"] = row[f"{s.intervention}_rate"] / row[f"{s.comparator}_rate"]
        rows.append(row)
    return pd.DataFrame(rows)


def pd_death_rate_curves(base_case: BaseCaseResult) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    h = pd_death_hazards(base_case)
    return base_case.outcomes.times_years[:-1] * 12.0, {arm: v[0] for arm, v in h.items()}


@dataclass(frozen=True)
class ModelAverage:
    table: pd.DataFrame  # one row per joint fit with weight and per-arm costs/QALYs, then the averaged row
    inc_costs: float
    inc_qalys: float
    inc_lys: float

    @property
    def icer(self) -> float:
        return self.inc_costs / self.inc_qalys if self.inc_qalys > 0 else float("nan")


def model_average(inputs: ModelInputs, joint: pd.DataFrame, base_case: BaseCaseResult | None = None) -> ModelAverage:
    s = inputs.settings
    scenarios = scenario_overrides(inputs)
    rows = []
    for _, r in joint[joint["duplicate_of"] == ""].iterrows():
        name = JOINT_FIT_SCENARIOS.get((r["model"], r["family"]))
        if name is None:
            result = base_case or run_base_case(inputs)
        elif name in scenarios:
            result = run_base_case(apply_overrides(inputs, scenarios[name], origin=f"scenario {name}"))
        else:
            continue
        row = {"model": r["model"], "family": r["family"], "scenario": name or "base_case",
               "akaike_weight": r["akaike_weight"]}
        for arm in (s.intervention, s.comparator):
            summary = result.arm_summary(arm)
            row |= {f"{arm}_costs": summary["costs"], f"{arm}_qalys": summary["qalys"], f"{arm}_lys": summary["lys"]}
        rows.append(row)
    t = pd.DataFrame(rows)
    t["akaike_weight"] = t["akaike_weight"] / t["akaike_weight"].sum()  # renormalised over the fits run
    for what in ("costs", "qalys", "lys"):
        t[f"inc_{what}"] = t[f"{s.intervention}_{what}"] - t[f"{s.comparator}_{what}"]
    t["icer"] = np.where(t["inc_qalys"] > 0, t["inc_costs"] / t["inc_qalys"], np.nan)
    avg = {c: float(np.sum(t["akaike_weight"] * t[c])) for c in t.columns
           if c.endswith(("_costs", "_qalys", "_lys"))}
    average = {"model": "average", "family": "AIC-weighted", "scenario": "", "akaike_weight": 1.0, **avg}
    average["icer"] = avg["inc_costs"] / avg["inc_qalys"] if avg["inc_qalys"] > 0 else float("nan")
    table = pd.concat([t, pd.DataFrame([average])], ignore_index=True)
    return ModelAverage(table, avg["inc_costs"], avg["inc_qalys"], avg["inc_lys"])


MODEL_AVERAGE_PSA_ITERATIONS = 2000


@dataclass(frozen=True)
class ModelAveragePsa:
    """PSA over the joint fits: each iteration belongs to one fit, drawn in proportion to the Akaike weights
    (stratified: round(N·w_i) iterations for fit i, the remainder to the heaviest), with that fit's own parameter
    uncertainty (its coefficients and HR/AF drawn jointly)."""

    counts: dict[str, int]
    inc_costs: np.ndarray
    inc_qalys: np.ndarray

    def prob_cost_effective(self, wtp: float) -> float:
        return float(np.mean(wtp * self.inc_qalys - self.inc_costs > 0))

    @property
    def icer(self) -> float:
        q = float(np.mean(self.inc_qalys))
        return float(np.mean(self.inc_costs)) / q if q > 0 else float("nan")


def model_average_psa(inputs: ModelInputs, joint: pd.DataFrame, iterations: int = MODEL_AVERAGE_PSA_ITERATIONS,
                      seed: int | None = None) -> ModelAveragePsa:
    from cea.analyses.psa import run_psa

    s = inputs.settings
    seed = int(s.seed if seed is None else seed)
    scenarios = scenario_overrides(inputs)
    fits = joint[joint["duplicate_of"] == ""]
    names, weights = [], []
    for _, r in fits.iterrows():
        name = JOINT_FIT_SCENARIOS.get((r["model"], r["family"]))
        if name is None or name in scenarios:
            names.append(name)
            weights.append(float(r["akaike_weight"]))
    w = np.array(weights) / np.sum(weights)
    counts = np.floor(iterations * w).astype(int)
    counts[int(np.argmax(w))] += iterations - counts.sum()
    costs, qalys, used = [], [], {}
    for k, (name, n) in enumerate(zip(names, counts)):
        if n <= 0:
            continue
        model_inputs = inputs if name is None else apply_overrides(inputs, scenarios[name], origin=f"scenario {name}")
        psa = run_psa(model_inputs, int(n), seed + k)
        i, c = psa.arm_index(s.intervention), psa.arm_index(s.comparator)
        costs.append(psa.costs[:, i] - psa.costs[:, c])
        qalys.append(psa.qalys[:, i] - psa.qalys[:, c])
        used[name or "base_case"] = int(n)
    return ModelAveragePsa(used, np.concatenate(costs), np.concatenate(qalys))


def time_on_treatment_table(base_case: BaseCaseResult, months=TOT_MONTHS) -> pd.DataFrame:
    """Per arm and drug: proportion on the drug and in PF at ``months``, the share of PF on the drug, the
    median (first trace point below 1/2, log-linear interpolation) and the undiscounted mean months."""
    o = base_case.outcomes
    t = o.times_years * 12.0
    summary = base_case.to_dict()["arms"]
    rows = []
    for j, arm in enumerate(o.arms):
        for d, drug in enumerate(o.drugs):
            on = o.on_treatment[0, j, d]
            if np.all(np.isnan(on)):
                continue
            row = {"arm": arm, "drug": drug}
            pf = o.trace.pf[0, j]
            for m in months:
                row[f"on_{m}m"] = float(np.interp(m, t, on))
                row[f"pf_{m}m"] = float(np.interp(m, t, pf))
                row[f"share_of_pf_{m}m"] = row[f"on_{m}m"] / row[f"pf_{m}m"] if row[f"pf_{m}m"] > 0 else np.nan
            k = int(np.argmax(on < 0.5))
            row["median_months"] = float(t[k - 1] + (np.log(on[k - 1]) - np.log(0.5)) / (np.log(on[k - 1]) - np.log(on[k]))
                                         * (t[k] - t[k - 1])) if k > 0 else np.nan
            row["mean_months"] = float(summary[arm]["mean_months"]["on_treatment"].get(drug, np.nan))
            row["on_48m"] = float(np.interp(48.0, t, on))
            rows.append(row)
    return pd.DataFrame(rows)


def published_tot(folder: Path) -> pd.DataFrame:
    """Published exposure points of the input set (``evidence/published_exposure.csv``); empty when it has none."""
    path = Path(folder) / EXPOSURE_FILE
    columns = ["study", "drug", "measure", "median_months", "ci_low", "ci_high", "count", "total", "source"]
    return pd.read_csv(path) if path.is_file() else pd.DataFrame(columns=columns)


__all__ = ["JOINT_FIT_SCENARIOS", "ModelAverage", "ModelAveragePsa", "model_average_psa", "akaike_weights", "joint_fit_table", "landmark_rows",
           "model_average", "pd_death_rate_curves", "pd_death_rates", "published_tot", "time_on_treatment_table"]
