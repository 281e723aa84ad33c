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
