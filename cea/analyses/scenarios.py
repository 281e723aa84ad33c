"""Scenario analyses: named sets of overrides from scenarios.csv, each run as a base case."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides, scenario_overrides


@dataclass(frozen=True)
class ScenarioResult:
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _row(name: str, rationale: str, inputs: ModelInputs) -> dict:
    result = run_base_case(inputs)
    inc = result.incremental()
    s = inputs.settings
    row = {"scenario": name, "rationale": rationale,
           "cost_intervention": result.arm_summary(s.intervention)["costs"],
           "qaly_intervention": result.arm_summary(s.intervention)["qalys"],
           "cost_comparator": result.arm_summary(s.comparator)["costs"],
           "qaly_comparator": result.arm_summary(s.comparator)["qalys"],
           "inc_cost": inc["costs"], "inc_qaly": inc["qalys"], "inc_ly": inc["lys"], "icer": inc["icer"],
           "status": inc["status"]}
    row |= {f"inmb_{w}": v for w, v in inc["nmb"].items()}
    return row


def run_scenarios(inputs: ModelInputs) -> ScenarioResult:
    rationale = {}
    for row in inputs.scenarios:
        rationale.setdefault(row.scenario, row.rationale)
    rows = [_row("base_case", "Base case (reference case)", inputs)]
    for name, overrides in scenario_overrides(inputs).items():
        rows.append(_row(name, rationale[name], apply_overrides(inputs, overrides, origin=f"scenarios.csv [{name}]")))
    table = pd.DataFrame(rows)
    base = table.iloc[0]
    table["icer_change_pct"] = (table["icer"] / base["icer"] - 1) * 100 if base["icer"] else float("nan")
    return ScenarioResult(table)
