"""Pinned regression values: the base case of every shipped input set, per arm, cost category and
health state (discounted and undiscounted), each scenario of scenarios.csv and the general-population
QALYs of the severity modifier, against tests/golden/<set>.json.

The values are in one place, each file with its provenance (command, version, commit, inputs hash).
After a deliberate change to the model or the inputs, regenerate them with

    .venv/bin/python -m tests.golden.regenerate

and review the JSON diff.  The comparison is of exact arithmetic on fixed inputs (no optimiser, no random
numbers): rel 1e-9 allows for summation order across CPUs and BLAS builds (observed ~1e-15) and catches
any change of convention (the smallest the mutation review measured moved results by ~1e-6).
"""

from __future__ import annotations

import json
import math

import pytest

from cea.inputs.model_inputs import load_inputs
from tests.golden.regenerate import COMMAND, GOLDEN, INPUT_SETS, ROOT, values

REL = 1e-9


def _differences(pinned, current, path="") -> list[str]:
    if isinstance(pinned, dict):
        out = [f"{path}/{k}: missing now" for k in pinned if k not in current]
        out += [f"{path}/{k}: new" for k in current if k not in pinned]
        for k in pinned:
            if k in current:
                out += _differences(pinned[k], current[k], f"{path}/{k}")
        return out
    if isinstance(pinned, list):
        if len(pinned) != len(current):
            return [f"{path}: {len(pinned)} values pinned, {len(current)} now"]
        return [d for i, (a, b) in enumerate(zip(pinned, current)) for d in _differences(a, b, f"{path}[{i}]")]
    if isinstance(pinned, float) or isinstance(current, float):
        if math.isclose(pinned, current, rel_tol=REL, abs_tol=1e-12):
            return []
        return [f"{path}: pinned {pinned!r}, now {current!r} (rel {abs(current / pinned - 1) if pinned else math.inf:.2e})"]
    return [] if pinned == current else [f"{path}: pinned {pinned!r}, now {current!r}"]


@pytest.mark.parametrize("name", sorted(INPUT_SETS))
def test_results_equal_the_pinned_values(name):
    pinned = json.loads((GOLDEN / f"{name}.json").read_text())
    current = values(ROOT / INPUT_SETS[name])
    provenance = pinned.pop("provenance")
    stale = ("" if pinned["inputs_sha256"] == current["inputs_sha256"] else
             f"\nThe inputs changed since {GOLDEN.name}/{name}.json was written (commit {provenance['git_commit'][:10]}).")
    pinned.pop("inputs_sha256"), current.pop("inputs_sha256")
    differences = _differences(pinned, current)
    assert not differences, (f"{len(differences)} results differ from tests/golden/{name}.json:{stale}\n  "
                             + "\n  ".join(differences[:25])
                             + f"\nIf the change is intended, regenerate with `{COMMAND}` and review the diff.")


@pytest.mark.parametrize("name", sorted(INPUT_SETS))
def test_the_unequal_rates_move_only_what_they_discount(name):
    """The pinned run at 4% (costs) and 1.5% (outcomes): undiscounted results equal the base case's (the rates act
    only through discounting), every discounted cost is below its value at the base case's rate when that rate is
    lower (the reverse for outcomes), and every outcome is above its value at the base-case rate when that is
    higher: so each quantity is discounted at its own rate (tests/test_discounting_unequal.py has the closed forms)."""
    pinned = json.loads((GOLDEN / f"{name}.json").read_text())
    unequal = pinned["unequal_discounting"]
    rates = {k: float(v) for k, v in unequal["settings"].items()}
    base_inputs = load_inputs(ROOT / INPUT_SETS[name])
    base_cost_rate = base_inputs.settings.discount_rate_costs
    base_outcome_rate = base_inputs.settings.discount_rate_outcomes
    for arm, got in unequal["arms"].items():
        base = pinned["arms"][arm]
        for key in ("costs_by_category_undiscounted", "lys_by_state_undiscounted", "qalys_by_state_undiscounted"):
            assert _differences(base[key], got[key]) == [], (arm, key)
        for category, value in got["costs_by_category"].items():
            if value > 0 and rates["discount_rate_costs"] != base_cost_rate:
                lower = rates["discount_rate_costs"] > base_cost_rate
                assert (value < base["costs_by_category"][category]) == lower, (arm, category)
        for state, value in enumerate(got["lys_by_state"]):
            if value > 0 and rates["discount_rate_outcomes"] != base_outcome_rate:
                higher = rates["discount_rate_outcomes"] < base_outcome_rate
                assert (value > base["lys_by_state"][state]) == higher, (arm, state)
