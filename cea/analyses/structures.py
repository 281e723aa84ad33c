"""Structural uncertainty: the state-transition (Markov) model and the partitioned-survival
model (NICE DSU TSD19) side by side on the same inputs, rewards, discounting and correction."""

from __future__ import annotations

import pandas as pd

from cea.analyses.base_case import run_base_case
from cea.inputs.model_inputs import ModelInputs
from cea.inputs.overrides import apply_overrides

STRUCTURE_LABELS = {"markov": "State transition (Markov)", "psm": "Partitioned survival"}


def compare_structures(inputs: ModelInputs) -> pd.DataFrame:
    """One row per structure with per-arm and incremental LYs, QALYs, costs and the ICER, plus the
    difference PSM − Markov; ``pfs_os_crossings`` counts cycles where the PSM capped PFS at OS."""
    rows = []
    for structure in ("markov", "psm"):
        result = run_base_case(apply_overrides(inputs, {"model_structure": structure}))
        row = {"structure": STRUCTURE_LABELS[structure]}
        for arm in result.outcomes.arms:
            summary = result.arm_summary(arm)
            row |= {f"lys_{arm}": summary["lys"], f"qalys_{arm}": summary["qalys"], f"costs_{arm}": summary["costs"]}
        inc = result.incremental()
        row |= {"inc_lys": inc["lys"], "inc_qalys": inc["qalys"], "inc_costs": inc["costs"], "icer": inc["icer"],
                "status": inc["status"], "pfs_os_crossings": int(result.outcomes.pfs_os_crossings.sum())}
        rows.append(row)
    table = pd.DataFrame(rows)
    numeric = table.select_dtypes("number").columns.drop("pfs_os_crossings")
    difference = {"structure": "Difference (PSM − Markov)", **(table.loc[1, numeric] - table.loc[0, numeric]).to_dict(),
                  "status": "", "pfs_os_crossings": 0}
    return pd.concat([table, pd.DataFrame([difference])], ignore_index=True)
