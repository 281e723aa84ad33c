"""Fit the six standard survival families to every dataset in ``survival_data.csv`` (NICE DSU TSD14).

For each endpoint with data, all six families (exponential, Weibull, Gompertz,
log-logistic, log-normal, generalised gamma) are fitted to each arm independently, and
jointly with treatment as a covariate (PH: exponential, Weibull, Gompertz; AFT: Weibull,
log-logistic, log-normal, generalised gamma) with the comparator as the reference arm
(:func:`cea.survival.fit_all`).  Per fitted curve the table reports AIC/BIC (n = number of
observations, HTA_METHODS F10), median, restricted mean to the last observed time,
landmark survival at 2, 5 and 10 years, mean survival to the model's horizon, and a
plausibility flag: the curve is plausible when it never lies above general-population
survival (``life_table.csv`` from ``start_age``) up to the horizon (HTA_METHODS SV-4, MS-10).
Per endpoint: the Cox hazard ratio and the Grambsch–Therneau PH test p-value (SV-5).

:func:`curve_rows` turns chosen fits into rows of ``survival_models.csv`` /
``survival_covariance.csv`` (the shipped OS rows are reproduced by refitting the shipped IPD).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cea.engine import survival as engine
from cea.engine.transitions import general_population_hazard
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.survival_data import SurvivalDataset, read_survival_datasets
from cea.survival.diagnostics import CoxResult, cox_hazard_ratio, ph_test
from cea.survival.fitting import FAMILIES, FitTable, fit_all, log_hazard_and_survival

REPORT_LANDMARK_YEARS = (2, 5, 10)  # TSD14 / HTA_METHODS SV-4: landmark survival at 2, 5 and 10 years
MIN_TIME = 1e-3  # months; a time of 0 (event on the day of randomisation) is moved here for the parametric fits
FAMILY_LABELS = {"exponential": "Exponential", "weibull": "Weibull", "gompertz": "Gompertz",
                 "loglogistic": "Log-logistic", "lognormal": "Log-normal", "gengamma": "Generalised gamma"}
MODEL_LABELS = {"independent": "independent fit per arm", "ph": "joint proportional-hazards fit",
                "aft": "joint accelerated-failure-time fit"}


@dataclass(frozen=True)
class EndpointFits:
    """All fits of one endpoint; ``data`` has columns time, event, arm (model arm ids)."""

    endpoint: str
    data: pd.DataFrame
    datasets: tuple[SurvivalDataset, ...]
    fit_table: FitTable
    reference: str | None
    cox: CoxResult | None
    ph_p_value: float | None
    warnings: tuple[str, ...] = ()

    @property
    def arms(self) -> tuple[str, ...]:
        return tuple(pd.unique(self.data["arm"]))

    def dataset(self, arm: str) -> SurvivalDataset:
        return next(d for d in self.datasets if d.arm == arm)


@dataclass(frozen=True)
class SurvivalFitsResult:
    endpoints: dict[str, EndpointFits]
    horizon_months: float
    start_age: float
    gp_time: np.ndarray = field(repr=False)  # months
    gp_survival: np.ndarray = field(repr=False)
    gp_hazard: np.ndarray = field(repr=False)  # per month, on the intervals of gp_time

    def coefficients(self, endpoint: str, arm: str, family: str, model: str = "independent") -> np.ndarray:
        table = self.endpoints[endpoint].fit_table.table
        row = table[(table["model"] == model) & (table["arm"] == arm) & (table["family"] == family)]
        if row.empty:
            raise KeyError(f"no {model} {family} fit for {endpoint} / {arm}")
        return np.asarray(row.iloc[0]["coefficients"], dtype=float)

    def covariance(self, endpoint: str, arm: str, family: str, model: str = "independent") -> np.ndarray:
        return self.endpoints[endpoint].fit_table.covariances[(model, arm, family)]

    def to_frame(self) -> pd.DataFrame:
        """One row per (endpoint, model, arm, family) with fit statistics, summaries and diagnostics."""
        frames = [self._endpoint_frame(e) for e in self.endpoints.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _endpoint_frame(self, fits: EndpointFits) -> pd.DataFrame:
        t = fits.fit_table.table.copy()
        rename = {f"s_{12 * y:g}": f"s_{y}y" for y in REPORT_LANDMARK_YEARS}
        t = t.rename(columns={**rename, "mean_horizon": "mean_to_horizon", "tau": "rmst_tau"})
        group = np.where(t["model"] == "independent", t["model"] + "/" + t["arm"].astype(str), "joint")
        t["delta_aic"] = t["aic"] - t.groupby(group)["aic"].transform("min")
        t["delta_bic"] = t["bic"] - t.groupby(group)["bic"].transform("min")
        exceeded, below = [], []
        for family, coefficients in zip(t["family"], t["coefficients"]):
            first_above, first_hazard_below = self.plausibility(family, np.asarray(coefficients))
            exceeded.append(first_above)
            below.append(first_hazard_below)
        t["plausible"] = [np.isnan(x) for x in exceeded]
        t["above_gp_survival_from_month"] = exceeded
        t["hazard_below_gp_from_month"] = below
        t["coefficients"] = [
            "; ".join(f"{n}={v:.10g}" for n, v in zip(names, values))
            for names, values in zip(t["coefficient_names"], t["coefficients"])
        ]
        t = t.drop(columns=["coefficient_names"])
        cox = fits.cox
        t["cox_hr"] = cox.hazard_ratio if cox else np.nan
        t["cox_lower"] = cox.lower if cox else np.nan
        t["cox_upper"] = cox.upper if cox else np.nan
        t["ph_test_p"] = fits.ph_p_value if fits.ph_p_value is not None else np.nan
        first = ["endpoint", "model", "arm", "family", "k", "n", "events", "loglik", "aic", "bic", "delta_aic",
                 "delta_bic", "converged", "plausible"]
        return t[first + [c for c in t.columns if c not in first]]

    def plausibility(self, family: str, coefficients: np.ndarray) -> tuple[float, float]:
        """(first month with S_fit > S_gp, first month with h_fit < h_gp); NaN when never (to the horizon)."""
        s_fit = engine.survival(family, coefficients, self.gp_time)[0]
        above = np.flatnonzero(s_fit > self.gp_survival + 1e-12)
        mids = (self.gp_time[:-1] + self.gp_time[1:]) / 2
        log_h, _ = log_hazard_and_survival(family, coefficients, mids)
        below = np.flatnonzero(np.exp(log_h) < self.gp_hazard)
        return (float(self.gp_time[above[0]]) if above.size else np.nan,
                float(mids[below[0]]) if below.size else np.nan)


def general_population(inputs: ModelInputs, horizon_months: float, step_months: float = 0.25):
    """(grid in months, S_gp on the grid, monthly hazard per grid interval) from the life table at start_age."""
    grid = np.arange(0.0, horizon_months + step_months / 2, step_months)
    mids = (grid[:-1] + grid[1:]) / 2
    st = inputs.structure
    per_interval = general_population_hazard(inputs.settings.start_age + mids / 12.0, st.life_table_ages,
                                             st.life_table_qx, step_months / 12.0)
    survival = np.exp(-np.concatenate(([0.0], np.cumsum(per_interval))))
    return grid, survival, per_interval / step_months


def _endpoint_fits(endpoint: str, datasets: list[SurvivalDataset], reference: str, horizon: float) -> EndpointFits:
    frames = [d.data.assign(arm=d.arm) for d in datasets]
    data = pd.concat(frames, ignore_index=True)[["time", "event", "arm"]]
    data["time"] = np.maximum(data["time"].to_numpy(dtype=float), MIN_TIME)
    arms = list(pd.unique(data["arm"]))
    joint = reference in arms and len(arms) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = fit_all(data, reference=reference if joint else None, endpoint=endpoint,
                        landmarks=tuple(12.0 * y for y in REPORT_LANDMARK_YEARS), horizon=horizon)
        cox = cox_hazard_ratio(data, reference) if joint else None
        p_value = ph_test(data, reference) if joint else None
    messages = tuple(dict.fromkeys(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)))
    return EndpointFits(endpoint, data, tuple(datasets), table, reference if joint else None, cox, p_value, messages)


def run_survival_fits(inputs: ModelInputs) -> SurvivalFitsResult:
    """Fit every family to every dataset of the inputs folder's ``survival_data.csv``."""
    horizon = inputs.settings.horizon_years * 12.0
    datasets = read_survival_datasets(inputs.folder)
    endpoints: dict[str, EndpointFits] = {}
    for endpoint in dict.fromkeys(d.endpoint for d in datasets):
        chosen = [d for d in datasets if d.endpoint == endpoint]
        endpoints[endpoint] = _endpoint_fits(endpoint, chosen, inputs.settings.comparator, horizon)
    grid, s_gp, h_gp = general_population(inputs, horizon)
    return SurvivalFitsResult(endpoints, horizon, inputs.settings.start_age, grid, s_gp, h_gp)


# --------------------------------------------------------------------------- back into the inputs
@dataclass(frozen=True)
class CurveChoice:
    """Which fit becomes curve ``curve`` in survival_models.csv (model: independent, ph or aft)."""

    curve: str
    endpoint: str
    arm: str
    family: str
    model: str = "independent"
    notes: str = ""


def _source_text(fits: EndpointFits, choice: CurveChoice) -> str:
    dataset = fits.dataset(choice.arm)
    label = f", arm '{dataset.label}'" if dataset.label else ""
    how = "reconstructed with the Guyot algorithm from digitised KM" if dataset.kind == "digitised" else "IPD"
    return (f"{FAMILY_LABELS[choice.family]} MLE ({MODEL_LABELS[choice.model]}) on {endpoint_label(choice.endpoint)} "
            f"{how}: {dataset.file}{label} (survival_data.csv); cea.analyses.survival_fits")


def endpoint_label(endpoint: str) -> str:
    return endpoint.upper()


def curve_rows(result: SurvivalFitsResult, choices: list[CurveChoice]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows for survival_models.csv (curve, endpoint, family, coefficient, estimate, source, notes) and
    survival_covariance.csv (curve, coefficient_1, coefficient_2, covariance, source) for ``choices``.
    Covariance rows: variances first, then the covariances of each pair (upper triangle)."""
    models, covariances = [], []
    for choice in choices:
        fits = result.endpoints[choice.endpoint]
        row = fits.fit_table.table
        row = row[(row["model"] == choice.model) & (row["arm"] == choice.arm) & (row["family"] == choice.family)].iloc[0]
        names = engine.COEFFICIENTS[choice.family]
        estimates = result.coefficients(choice.endpoint, choice.arm, choice.family, choice.model)
        covariance = result.covariance(choice.endpoint, choice.arm, choice.family, choice.model)
        source = _source_text(fits, choice)
        notes = choice.notes or f"AIC {row['aic']:.1f}, BIC {row['bic']:.1f} ({choice.model}); median {row['median']:.1f} months"
        for i, name in enumerate(names):
            models.append({"curve": choice.curve, "endpoint": choice.endpoint, "family": choice.family,
                           "coefficient": name, "estimate": float(estimates[i]),
                           "source": source if i == 0 else "as above", "notes": notes if i == 0 else ""})
        pairs = [(i, i) for i in range(len(names))] + [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
        for n, (i, j) in enumerate(pairs):
            covariances.append({"curve": choice.curve, "coefficient_1": names[i], "coefficient_2": names[j],
                                "covariance": float(covariance[i, j]),
                                "source": "Inverse Hessian of the MLE (cea.survival.fitting; delta method for a joint "
                                          "fit's treated arm)" if n == 0 else "as above"})
    return pd.DataFrame(models), pd.DataFrame(covariances)


def write_curve_rows(result: SurvivalFitsResult, choices: list[CurveChoice], models_path: Path,
                     covariance_path: Path) -> None:
    """Write :func:`curve_rows` as CSV in the inputs' formats (estimates to 10 decimals)."""
    models, covariances = curve_rows(result, choices)
    models.to_csv(models_path, index=False, float_format="%.10f")
    covariances.to_csv(covariance_path, index=False, float_format="%.10g")


def recommended_choices(result: SurvivalFitsResult, endpoint: str) -> list[CurveChoice]:
    """Same family for both arms (TSD14), independent fits: the family with the lowest summed AIC."""
    table = result.endpoints[endpoint].fit_table.table
    independent = table[table["model"] == "independent"]
    best = independent.groupby("family")["aic"].sum().idxmin()
    return [CurveChoice(f"{endpoint}_{arm}", endpoint, arm, best) for arm in result.endpoints[endpoint].arms]


__all__ = ["FAMILIES", "CurveChoice", "EndpointFits", "SurvivalFitsResult", "curve_rows", "general_population",
           "recommended_choices", "run_survival_fits", "write_curve_rows"]
