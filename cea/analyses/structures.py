"""Structural uncertainty (NICE DSU TSD19): the base case's state-transition model with post-progression
mortality tracking OS, the partitioned-survival model, and state-transition models with post-progression
mortality equal in both arms, side by side on the same inputs, rewards, discounting and correction.

The table (``cea structures``, ``structures.csv``) reports per arm the LYs (in PD too), QALYs, costs and the
implied post-progression death hazard, the implied post-progression hazard ratio, and the incremental
results; see :mod:`cea.analyses.post_progression` for the definitions.
"""

from __future__ import annotations

import pandas as pd

from cea.analyses.post_progression import structure_alternatives
from cea.inputs.model_inputs import ModelInputs

STRUCTURE_LABELS = {"markov": "State transition (Markov)", "psm": "Partitioned survival"}


def compare_structures(inputs: ModelInputs) -> pd.DataFrame:
    """One row per structure (see :func:`cea.analyses.post_progression.structure_alternatives`) and the
    difference PSM − state transition; ``pfs_os_crossings`` counts cycles where the PSM capped PFS at OS."""
    return structure_alternatives(inputs)
