"""A PSA of several blocks: each block its own random stream, and blocking changes nothing else.

The PSA draws and evaluates BLOCK iterations at a time (10,000 in production), seeding block b with
[seed, b].  A block size of 40 makes a 100-iteration PSA run three blocks, so a bug that only shows
beyond the first block (every block reusing block 0's random numbers) shows here.
"""

from __future__ import annotations

import numpy as np
import pytest

import cea.analyses.psa as psa_module
from cea.analyses.psa import run_psa
from cea.engine.model import evaluate
from cea.inputs.overrides import apply_overrides
from cea.parameters.parameter_set import ParameterSet
from cea.parameters.sampling import draw

BLOCK, N, SEED = 40, 100, 11


@pytest.fixture(scope="module")
def small(shipped_inputs):
    return apply_overrides(shipped_inputs, {"horizon_years": 4})


@pytest.fixture(scope="module")
def blocked(small):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psa_module, "BLOCK", BLOCK)
        return run_psa(small, iterations=N, seed=SEED)


def test_every_block_draws_new_random_numbers(blocked):
    draws = blocked.parameters.to_numpy()
    first, second, third = draws[:BLOCK], draws[BLOCK:2 * BLOCK], draws[2 * BLOCK:]
    # no iteration repeats another (a reused stream would repeat the first block row for row)
    assert len(np.unique(draws, axis=0)) == N
    assert not np.any(np.all(second == first, axis=1)) and not np.any(np.all(third == first[: len(third)], axis=1))
    assert len(np.unique(blocked.costs, axis=0)) == N


def test_the_union_of_the_blocks_is_one_unblocked_evaluation_of_their_draws(small, blocked):
    # block b is draw(size_b, default_rng([seed, b])); stacked and evaluated in one engine call
    sizes = [BLOCK, BLOCK, N - 2 * BLOCK]
    union = ParameterSet.stack([draw(small, size, np.random.default_rng([SEED, b])) for b, size in enumerate(sizes)])
    once = evaluate(small.structure, union.values, small.settings)
    np.testing.assert_allclose(blocked.costs, once.costs, rtol=1e-13)
    np.testing.assert_allclose(blocked.qalys, once.qalys, rtol=1e-13)
    np.testing.assert_allclose(blocked.lys, once.lys, rtol=1e-13)


def test_the_first_block_is_the_same_whatever_the_block_size(small, blocked):
    unblocked = run_psa(small, iterations=BLOCK, seed=SEED)  # production block size: one block
    np.testing.assert_array_equal(unblocked.parameters.to_numpy(), blocked.parameters.to_numpy()[:BLOCK])
    np.testing.assert_array_equal(unblocked.costs, blocked.costs[:BLOCK])
