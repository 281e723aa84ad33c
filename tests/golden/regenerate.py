"""Write the pinned regression values (tests/golden/*.json) from the current code and inputs.

    .venv/bin/python -m tests.golden.regenerate

Run it only after a deliberate change to the model or to inputs/ (say which in the commit message), and
check the diff of the JSON files: every number that moved should be one the change was meant to move.
Each file records its provenance: the command, the cea version, the git commit and the SHA-256 of the
inputs it was computed from.  tests/test_golden.py compares the current results with these values.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from cea import __version__
from cea.analyses.base_case import run_base_case
from cea.analyses.scenarios import run_scenarios
from cea.analyses.severity import general_population_qalys
from cea.inputs.overrides import apply_overrides
from cea.inputs.model_inputs import load_inputs

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
INPUT_SETS = {"uk": "inputs", "us": "inputs/us", "tamrad": "inputs/tamrad"}
COMMAND = ".venv/bin/python -m tests.golden.regenerate"
# a pinned run with unequal discount rates (the Dutch guideline's 4% for costs and 1.5% for outcomes, Zorginstituut
# Nederland 2016): with the shipped equal rates a cost discounted at the outcomes' rate would go unnoticed
UNEQUAL_DISCOUNTING = {"discount_rate_costs": "0.04", "discount_rate_outcomes": "0.015"}


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _arms(base) -> dict:
    o = base.outcomes
    arms = {}
    for j, arm in enumerate(o.arms):
        arms[arm] = {
            "costs_by_category": dict(zip(o.cost_categories, o.costs_by_category[0, j].tolist())),
            "costs_by_category_undiscounted": dict(zip(o.cost_categories,
                                                       o.costs_by_category_undiscounted[0, j].tolist())),
            "lys_by_state": o.lys_by_state[0, j].tolist(),
            "lys_by_state_undiscounted": o.lys_by_state_undiscounted[0, j].tolist(),
            "qalys_by_state": o.qalys_by_state[0, j].tolist(),
            "qalys_by_state_undiscounted": o.qalys_by_state_undiscounted[0, j].tolist(),
        }
    return arms


def values(folder: Path) -> dict:
    """Every pinned number for one input set: the base case per arm and category, each scenario, and the base
    case at unequal discount rates (UNEQUAL_DISCOUNTING)."""
    inputs = load_inputs(folder)
    base = run_base_case(inputs)
    arms = _arms(base)
    unequal = run_base_case(apply_overrides(inputs, UNEQUAL_DISCOUNTING))
    inc = base.incremental()
    table = run_scenarios(inputs).table
    scenarios = {row.scenario: {"inc_cost": row.inc_cost, "inc_qaly": row.inc_qaly, "inc_ly": row.inc_ly,
                                "cost_intervention": row.cost_intervention, "qaly_intervention": row.qaly_intervention}
                 for row in table.itertuples()}
    return {"inputs_sha256": inputs.inputs_sha256, "arms": arms,
            "incremental": {"costs": inc["costs"], "qalys": inc["qalys"], "lys": inc["lys"], "icer": inc["icer"]},
            "general_population_qalys": general_population_qalys(inputs), "scenarios": scenarios,
            "unequal_discounting": {"settings": dict(UNEQUAL_DISCOUNTING), "arms": _arms(unequal),
                                    "incremental": {k: unequal.incremental()[k] for k in ("costs", "qalys", "lys", "icer")}}}


def main() -> None:
    for name, folder in INPUT_SETS.items():
        document = {"provenance": {"command": COMMAND, "cea_version": __version__, "git_commit": _commit(),
                                   "inputs": folder, "numpy": np.__version__},
                    **values(ROOT / folder)}
        (GOLDEN / f"{name}.json").write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
        print(f"wrote {GOLDEN / f'{name}.json'}")


if __name__ == "__main__":
    main()
