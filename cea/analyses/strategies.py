"""Every strategy at once: the fully incremental analysis of all the arms of a run, as reported.

``incremental_entries`` is the pandas-free core (the JSON contract of results.json's
``"incremental_analysis"`` and of the PSA summary); ``strategy_table`` gives the same rows as a
DataFrame from costs and QALYs per arm (the one table the workbook and the appendix use), and
``incremental_table`` is that table with labels, life years and NMB for any result that has costs and QALYs
per arm: the deterministic base case (cea.analyses.base_case.BaseCaseResult) or a PSA
(cea.analyses.psa.PsaResult, whose means are used, the probabilistic result).  With two arms the one
non-reference row equals the pairwise comparison of the two (same ΔC, ΔE and ICER, possibly seen from the other
arm when the intervention is cheaper).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from cea.analyses.decision import incremental_rows

if TYPE_CHECKING:
    import pandas as pd

# the fields of one entry, in order (results.json "incremental_analysis", incremental_table's columns)
ENTRY_FIELDS = ("arm", "label", "costs", "qalys", "lys", "status", "compared_with", "inc_costs", "inc_qalys", "icer",
                "nmb")
# strategy_table's columns: the fields of an entry that the decision rule gives
TABLE_FIELDS = ("arm", "costs", "qalys", "status", "compared_with", "inc_costs", "inc_qalys", "icer")


def incremental_entries(arms: Sequence[str], labels: Sequence[str], costs: Sequence[float], qalys: Sequence[float],
                        lys: Sequence[float], thresholds: Sequence[float]) -> list[dict[str, Any]]:
    """One dict per arm, sorted by cost (cea.analyses.decision.incremental_rows):

    arm, label, costs, qalys, lys (totals, discounted); status ("reference", "non-dominated", "dominated",
    "extendedly dominated"); compared_with (the previous strategy on the frontier, None off the frontier and
    for the reference); inc_costs, inc_qalys, icer against it (None where compared_with is None); nmb: the
    arm's own net monetary benefit λ·QALYs − costs at every threshold λ, keyed f"{λ:g}" (the strategy with the
    largest NMB at λ is the one to adopt at λ).
    """
    index = {a: j for j, a in enumerate(arms)}
    rows = incremental_rows(costs, qalys, arms)
    none_if_nan = lambda v: None if v is None or math.isnan(v) else float(v)  # noqa: E731
    return [{
        "arm": row["strategy"],
        "label": labels[index[row["strategy"]]],
        "costs": float(costs[index[row["strategy"]]]),
        "qalys": float(qalys[index[row["strategy"]]]),
        "lys": float(lys[index[row["strategy"]]]),
        "status": row["status"],
        "compared_with": row["compared_with"],
        "inc_costs": none_if_nan(row["inc_cost"]),
        "inc_qalys": none_if_nan(row["inc_qaly"]),
        "icer": none_if_nan(row["icer"]),
        "nmb": {f"{w:g}": float(w * qalys[index[row["strategy"]]] - costs[index[row["strategy"]]])
                for w in thresholds},
    } for row in rows]


def _result_values(result, thresholds: Sequence[float] | None):
    """(arms, labels, costs, qalys, lys, thresholds) of a BaseCaseResult (point estimates) or a PsaResult (means
    over the iterations); thresholds default to the settings' wtp_thresholds."""
    if hasattr(result, "arm_summary"):  # the deterministic base case
        o, inputs = result.outcomes, result.inputs
        costs, qalys, lys = o.costs[0], o.qalys[0], o.lys[0]
    else:  # a PSA: the probabilistic (expected) values
        inputs = result.base_case.inputs
        costs, qalys, lys = result.costs.mean(axis=0), result.qalys.mean(axis=0), result.lys.mean(axis=0)
    arms = list(o.arms if hasattr(result, "arm_summary") else result.arms)
    labels = [inputs.structure.arm(a).label for a in arms]
    thresholds = inputs.settings.wtp_thresholds if thresholds is None else thresholds
    return (arms, labels, np.asarray(costs, dtype=float), np.asarray(qalys, dtype=float),
            np.asarray(lys, dtype=float), thresholds)


def result_entries(result, thresholds: Sequence[float] | None = None) -> list[dict[str, Any]]:
    """incremental_entries of a BaseCaseResult (point estimates) or a PsaResult (means over the iterations);
    thresholds default to the settings' wtp_thresholds."""
    return incremental_entries(*_result_values(result, thresholds))


def strategy_table(arms: Sequence[str], costs: Sequence[float], qalys: Sequence[float]) -> pd.DataFrame:
    """The fully incremental analysis of the strategies ``arms`` (costs and QALYs in the same order) as a DataFrame,
    one row per arm sorted by cost: the decision rule of cea.analyses.decision.incremental_rows (strong
    dominance, then extended dominance by iterative elimination, ICERs along the frontier; Drummond et al. 2015,
    ch. 4; dampack ``calculate_icers``).  The one table of the rule the workbook and the appendix use.

    Columns (TABLE_FIELDS): arm, costs, qalys, status ("reference", "non-dominated", "dominated", "extendedly
    dominated"), compared_with (the previous strategy on the frontier; None off the frontier and for the
    reference), inc_costs, inc_qalys, icer against it (NaN where compared_with is None).
    """
    import pandas as pd  # here, not at the top: the base case never needs it

    rows = incremental_rows(costs, qalys, arms)
    return pd.DataFrame([{"arm": r["strategy"], "costs": r["cost"], "qalys": r["qaly"], "status": r["status"],
                          "compared_with": r["compared_with"], "inc_costs": r["inc_cost"], "inc_qalys": r["inc_qaly"],
                          "icer": r["icer"]} for r in rows], columns=list(TABLE_FIELDS))


def incremental_table(result, thresholds: Sequence[float] | None = None) -> pd.DataFrame:
    """The fully incremental analysis of every arm of ``result`` as a DataFrame, one row per arm sorted by cost:
    ``strategy_table`` with each arm's label, life years and NMB.

    result: a BaseCaseResult (cea.api.run_base_case) or a PsaResult (cea.analyses.psa.run_psa: the means);
    thresholds: willingness-to-pay values per QALY (default: settings' wtp_thresholds).

    Columns: arm, label, costs, qalys, lys, status, compared_with, inc_costs, inc_qalys, icer (NaN/None off
    the frontier and for the reference), then one column ``nmb_<λ>`` per threshold (λ formatted with :g),
    the arm's own NMB = λ·QALYs − costs.
    """
    arms, labels, costs, qalys, lys, thresholds = _result_values(result, thresholds)
    frame = strategy_table(arms, costs, qalys)
    position = {a: j for j, a in enumerate(arms)}
    index = [position[a] for a in frame["arm"]]
    frame.insert(1, "label", [labels[j] for j in index])
    frame.insert(4, "lys", [float(lys[j]) for j in index])
    for w in thresholds:
        frame[f"nmb_{w:g}"] = [float(w * qalys[j] - costs[j]) for j in index]
    return frame


def status_text(entry: dict[str, Any], currency_format) -> str:
    """The ICER column of a printed table: the ICER against the previous frontier strategy, or the status."""
    if entry["icer"] is None:
        return entry["status"]
    return f"{currency_format(entry['icer'])} per QALY vs {entry['compared_with']}"


def nmb_maximising(entries: list[dict[str, Any]]) -> dict[str, str]:
    """The arm with the largest NMB at each threshold (ties: the cheaper, as the entries are sorted by cost)."""
    if not entries:
        return {}
    return {key: max(entries, key=lambda e: e["nmb"][key])["arm"] for key in entries[0]["nmb"]}
