"""Scenario analyses: named sets of overrides from scenarios.csv, each run as a base case.

Each row compares the intervention with the comparator of the settings (or of ``--intervention`` and
``--comparator``), and names the arm with the largest net monetary benefit among all arms at each threshold
(``nmb_max_<threshold>``); the fully incremental analysis of every scenario is in ``strategies``."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.analyses.strategies import nmb_maximising
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides, scenario_overrides


@dataclass(frozen=True)
class ScenarioResult:
    table: pd.DataFrame
    # scenario → fully incremental analysis of every arm (cea.analyses.strategies.incremental_entries)
    strategies: dict[str, list[dict]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def to_dict(self) -> dict:
        return {"scenarios": self.table.to_dict(orient="records"), "incremental_analysis": self.strategies}


def _row(name: str, rationale: str, inputs: ModelInputs, strategies: dict[str, list[dict]]) -> dict:
    result = run_base_case(inputs)
    strategies[name] = entries = result.incremental_analysis()
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
    row |= {f"nmb_max_{w}": arm for w, arm in nmb_maximising(entries).items()}
    return row


def run_scenarios(inputs: ModelInputs) -> ScenarioResult:
    rationale = {}
    for row in inputs.scenarios:
        rationale.setdefault(row.scenario, row.rationale)
    strategies: dict[str, list[dict]] = {}
    rows = [_row("base_case", "Base case (reference case)", inputs, strategies)]
    for name, overrides in scenario_overrides(inputs).items():
        rows.append(_row(name, rationale[name], apply_overrides(inputs, overrides, origin=f"scenarios.csv [{name}]"),
                         strategies))
    table = pd.DataFrame(rows)
    base = table.iloc[0]
    table["icer_change_pct"] = (table["icer"] / base["icer"] - 1) * 100 if base["icer"] else float("nan")
    best = [c for c in table.columns if c.startswith("nmb_max_")]
    return ScenarioResult(table[[c for c in table.columns if c not in best] + best], strategies)
