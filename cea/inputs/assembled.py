"""ModelInputs (the validated inputs of one folder) and the checks that hold of every assembled set of inputs,
whenever it changes: the ranges of units, the bounds of survival coefficients, and the joins of the settings
with the tables (``consistency_problems``).  cea.inputs.model_inputs runs them when it loads a folder, and
cea.inputs.overrides again after every override.

A module of its own so that overrides does not import model_inputs: load_inputs applies every scenario (and
every published analysis's overrides) once through overrides, so that a bad one is reported at load time.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from cea.errors import Problem
from cea.inputs import completeness
from cea.inputs.settings import Settings
from cea.inputs.tables import COEFFICIENT_BOUNDS, MAX_COST, UNIT_RULES, CurveRows, ParameterRow, ScenarioRow
from cea.structure import ModelStructure

FILES = {
    "settings": "settings.toml",
    "parameters": "parameters.csv",
    "survival": "survival_models.csv",
    "covariance": "survival_covariance.csv",
    "arms": "arms.csv",
    "costs": "cost_items.csv",
    "adverse_events": "adverse_events.csv",
    "treatments": "time_on_treatment.csv",
    "life_table": "life_table.csv",
    "scenarios": "scenarios.csv",
}
# optional role: the utility decrement while on the drug named by the setting on_treatment_disutility
ON_TREATMENT_DISUTILITY = "disutility_on_treatment"


@dataclass(frozen=True)
class ModelInputs:
    folder: Path
    settings: Settings
    parameters: dict[str, ParameterRow]
    curves: dict[str, CurveRows]
    structure: ModelStructure
    scenarios: tuple[ScenarioRow, ...]
    file_hashes: dict[str, str]

    @property
    def inputs_sha256(self) -> str:
        """One hash over every input file's name and content hash (order-independent)."""
        joined = "\n".join(f"{name}:{digest}" for name, digest in sorted(self.file_hashes.items()))
        return hashlib.sha256(joined.encode()).hexdigest()

    def parameter_value(self, pid: str) -> float:
        if pid in self.parameters:
            return self.parameters[pid].value
        curve, _, coefficient = pid.partition(".")
        rows = self.curves[curve]
        return rows.estimates[rows.coefficients.index(coefficient)]

    def known_ids(self) -> set[str]:
        ids = set(self.parameters)
        for c in self.curves.values():
            ids |= {f"{c.id}.{k}" for k in c.coefficients}
        return ids


def unit_range(unit: str, currency: str) -> tuple[float, float] | None:
    """(lowest, highest) value allowed for a unit; None if the unit is unknown."""
    if unit == currency or unit.startswith(currency + " "):
        return (0.0, MAX_COST)
    return UNIT_RULES.get(unit)


def coefficient_problem(name: str, value: float) -> str | None:
    """Why a survival coefficient is unusable (None if it is within COEFFICIENT_BOUNDS)."""
    low, high = COEFFICIENT_BOUNDS.get(name, (-math.inf, math.inf))
    if low <= value <= high:
        return None
    return (f"{name} {value:g} is outside [{low:g}, {high:g}]; coefficients are on the log scale with time in "
            "months (a unit error, or a coefficient given on the natural scale?)")


def consistency_problems(settings: Settings, parameters: dict[str, ParameterRow], structure: ModelStructure,
                         file: str = FILES["settings"]) -> list[Problem]:
    """Checks that join the settings to the tables; run again after every override (``file`` names its origin)."""
    problems: list[Problem] = []
    for key in ("intervention", "comparator"):
        arm = getattr(settings, key)
        if arm not in structure.arm_ids:
            problems.append(Problem(file, f"arm '{arm}' is not in arms.csv {list(structure.arm_ids)}", parameter=key))
    for pid in (settings.price_parameter, *settings.price_linked):
        if pid not in parameters:
            problems.append(Problem(file, "price parameter is not in parameters.csv", parameter=pid))
    ages = structure.life_table_ages
    if ages and settings.start_age < ages[0]:
        problems.append(Problem(FILES["life_table"] if file == FILES["settings"] else file,
                                f"the life table starts at age {ages[0]} but start_age is {settings.start_age:g}",
                                parameter="start_age"))
    short = completeness.life_table_coverage_problem(ages, settings.start_age, settings.horizon_years,
                                                     FILES["life_table"] if file == FILES["settings"] else file)
    if short is not None:
        problems.append(short)
    if settings.on_treatment_disutility:
        if settings.on_treatment_disutility not in structure.drugs:
            problems.append(Problem(file, f"'{settings.on_treatment_disutility}' is not a drug of "
                                    f"time_on_treatment.csv {list(structure.drugs)}", parameter="on_treatment_disutility"))
        if ON_TREATMENT_DISUTILITY not in parameters:
            problems.append(Problem(file, f"on_treatment_disutility needs the parameter '{ON_TREATMENT_DISUTILITY}' "
                                    "in parameters.csv", parameter="on_treatment_disutility"))
    if settings.pd_mortality == "constant":
        for arm in structure.arms:
            if not arm.pd_death_rate:
                problems.append(Problem(file, f"pd_mortality = 'constant' needs a pd_death_rate for every arm; arm "
                                        f"'{arm.id}' has none in arms.csv", parameter="pd_mortality"))
    return problems
