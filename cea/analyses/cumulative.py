"""Cumulative scenarios: a review group's preferred assumptions added one at a time, in order, each to the last
(an evidence review group's base case built step by step), with the ICER after every step, unweighted and
severity-weighted.

``cumulative.csv`` (in the inputs folder): ``step, scenario, kind, label, rationale``.  ``scenario`` names a
scenario of ``scenarios.csv``; ``kind`` is ``sequence`` (added to everything before it, in ``step`` order) or
``bound`` (run once on top of the whole sequence and reported beside it, not carried forward: an extreme a
committee looks at without adopting it).  Step k applies the overrides of sequence steps 1..k together, exactly as
one scenario made of all of them would (a later step's value wins where two set the same thing), so the last step
is one run with every change at once.  The severity weight is recomputed at every step (the comparator's QALYs,
and so the shortfall, can move).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.errors import InputError, Problem
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides, scenario_overrides
from cea.inputs.readers import read_csv

CUMULATIVE_FILE = "cumulative.csv"
KINDS = ("sequence", "bound")


@dataclass(frozen=True)
class CumulativeStep:
    step: int
    scenario: str
    kind: str
    label: str
    rationale: str


@dataclass(frozen=True)
class CumulativeResult:
    table: pd.DataFrame


def has_cumulative(folder: Path | str) -> bool:
    return (Path(folder) / CUMULATIVE_FILE).is_file()


def load_cumulative(inputs: ModelInputs, path: Path | None = None) -> tuple[CumulativeStep, ...]:
    """Read and check the ordered list (every scenario known, steps unique, kinds known)."""
    path = Path(path) if path is not None else Path(inputs.folder) / CUMULATIVE_FILE
    rows = read_csv(path, ("step", "scenario", "kind", "label", "rationale"))
    known = set(scenario_overrides(inputs))
    problems, steps, seen = [], [], set()
    for row in rows:
        v = row.values
        try:
            step = int(v["step"])
        except ValueError:
            problems.append(row.problem(f"step {v['step']!r} is not a whole number", column="step"))
            continue
        if step in seen:
            problems.append(row.problem(f"step {step} appears twice", column="step"))
        seen.add(step)
        if v["scenario"] not in known:
            problems.append(row.problem(f"unknown scenario {v['scenario']!r}; expected an id of scenarios.csv",
                                        column="scenario"))
        if v["kind"] not in KINDS:
            problems.append(row.problem(f"kind {v['kind']!r}; expected one of {', '.join(KINDS)}", column="kind"))
        if not v["label"] or not v["rationale"]:
            problems.append(row.problem("label and rationale must not be blank", column="rationale"))
        steps.append(CumulativeStep(step, v["scenario"], v["kind"], v["label"], v["rationale"]))
    if problems:
        raise InputError(problems)
    return tuple(sorted(steps, key=lambda s: s.step))


def merged_overrides(inputs: ModelInputs, scenarios: list[str]) -> dict[str, str]:
    """The overrides of ``scenarios`` in order, a later one winning where two set the same target."""
    table = scenario_overrides(inputs)
    merged: dict[str, str] = {}
    for name in scenarios:
        merged.update(table[name])
    return merged


def _row(inputs: ModelInputs, overrides: dict[str, str], origin: str) -> dict:
    from cea.analyses.severity import severity

    case_inputs = apply_overrides(inputs, overrides, origin=origin) if overrides else inputs
    result = run_base_case(case_inputs)
    inc = result.incremental()
    s = case_inputs.settings
    weight = severity(result)["weight"] if "NHS" in s.perspective else 1.0
    row = {"inc_cost": inc["costs"], "inc_qaly": inc["qalys"], "inc_ly": inc["lys"], "icer": inc["icer"],
           "status": inc["status"], "severity_weight": weight,
           "icer_weighted": None if inc["icer"] is None else inc["icer"] / weight}
    for w in s.wtp_thresholds:
        row[f"inmb_{w:g}"] = w * inc["qalys"] - inc["costs"]
        row[f"inmb_weighted_{w:g}"] = weight * w * inc["qalys"] - inc["costs"]
    return row


def run_cumulative(inputs: ModelInputs, steps: tuple[CumulativeStep, ...]) -> CumulativeResult:
    sequence = [s for s in steps if s.kind == "sequence"]
    bounds = [s for s in steps if s.kind == "bound"]
    rows = [{"step": 0, "kind": "base", "scenario": "base_case", "label": "Base case", "rationale": "Base case",
             "overrides": {}, **_row(inputs, {}, "base case")}]
    added: list[str] = []
    for s in sequence:
        added.append(s.scenario)
        overrides = merged_overrides(inputs, added)
        rows.append({"step": s.step, "kind": s.kind, "scenario": s.scenario, "label": s.label,
                     "rationale": s.rationale, "overrides": overrides,
                     **_row(inputs, overrides, f"cumulative.csv [steps to {s.scenario}]")})
    for s in bounds:
        overrides = merged_overrides(inputs, added + [s.scenario])
        rows.append({"step": s.step, "kind": s.kind, "scenario": s.scenario, "label": s.label,
                     "rationale": s.rationale, "overrides": overrides,
                     **_row(inputs, overrides, f"cumulative.csv [bound {s.scenario}]")})
    table = pd.DataFrame(rows)
    previous = table["icer"].where(table["kind"] != "bound")
    last_sequence = table.loc[table["kind"] != "bound", "icer"].iloc[-1]
    table["icer_change"] = [None if k == 0 else (r.icer - (last_sequence if r.kind == "bound" else previous[k - 1]))
                            for k, r in enumerate(table.itertuples())]
    return CumulativeResult(table)
