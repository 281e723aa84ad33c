"""Value of information for the model: EVPI over the WTP grid (per patient and population)
and EVPPI for every stochastic parameter and for groups, from one PSA."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cea.analyses.psa import PsaResult
from cea.analyses.value_of_information import evppi_table, population_evpi
from cea.inputs.model_inputs import ModelInputs

GROUP_LABELS = {
    "pfs_curve": "PFS curve",
    "os_curve": "OS / post-progression curve",
    "hazard_ratio": "Hazard ratio",
    "utilities": "Utilities",
    "drug_costs": "Drug costs",
    "other_costs": "Other costs",
    "adverse_events": "Adverse events",
}


@dataclass(frozen=True)
class VoiResult:
    evpi: pd.DataFrame  # wtp, evpi (per patient), population_evpi
    evppi: pd.DataFrame  # kind, name, label, parameters, wtp, evppi, evpi
    effective_population: float


def parameter_groups(inputs: ModelInputs, columns: list[str]) -> dict[str, list[str]]:
    """Group name → stochastic parameter columns: scalars by their `group`, curve coefficients by endpoint."""
    groups: dict[str, list[str]] = {}
    for column in columns:
        if column in inputs.parameters:
            group = inputs.parameters[column].group
        else:
            group = f"{inputs.curves[column.split('.', 1)[0]].endpoint}_curve"
        groups.setdefault(group, []).append(column)
    return {g: groups[g] for g in sorted(groups, key=lambda g: list(GROUP_LABELS).index(g) if g in GROUP_LABELS else 99)}


def run_voi(inputs: ModelInputs, psa: PsaResult, max_samples: int = 10_000) -> VoiResult:
    s = inputs.settings
    evpi = psa.evpi_frame()
    evpi["population_evpi"] = population_evpi(evpi["evpi"].to_numpy(), s.annual_incidence,
                                              int(round(s.decision_horizon_years)), s.discount_rate_outcomes)
    effective = float(population_evpi(1.0, s.annual_incidence, int(round(s.decision_horizon_years)),
                                      s.discount_rate_outcomes))
    n = min(max_samples, psa.iterations, len(psa.parameters))
    frame = psa.parameters.iloc[:n]
    frame = frame.loc[:, frame.std() > 0]
    groups = parameter_groups(inputs, list(frame.columns))
    # EVPPI at each threshold and at the WTP where EVPI peaks (where the decision is most uncertain)
    peak = float(evpi["wtp"].iloc[int(evpi["evpi"].to_numpy().argmax())])
    wtps = list(dict.fromkeys([*map(float, s.wtp_thresholds), peak]))
    table = evppi_table(psa.costs[:n], psa.qalys[:n], frame, groups, wtps)
    table["label"] = [GROUP_LABELS.get(name, name) if kind == "group" else name
                      for kind, name in zip(table["kind"], table["name"])]
    table["population_evppi"] = table["evppi"] * effective
    return VoiResult(evpi, table, effective)
