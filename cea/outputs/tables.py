"""Result tables with NICE-submission labels (no file I/O): plain rows for the base case's own files and
printout (so that `cea run` never imports pandas), and the same rows as DataFrames for everything else."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cea.analyses.base_case import BaseCaseResult, trace_rows
from cea.structure import CATEGORY_LABELS, category_label  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    import pandas as pd


def base_case_rows(result: BaseCaseResult) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Disaggregated base-case results: column labels (one per arm, intervention and comparator first, then
    "Incremental") and one (measure, values) row per cost category, LY and QALY component and total."""
    s = result.settings
    arms = [s.intervention, s.comparator] + [a for a in result.outcomes.arms if a not in (s.intervention, s.comparator)]
    summaries = {a: result.arm_summary(a) for a in arms}
    rows: list[tuple[str, list[float]]] = []
    for c in result.outcomes.cost_categories:
        rows.append((f"Costs: {category_label(c)}", [summaries[a]["costs_by_category"][c] for a in arms]))
    rows.append(("Total costs", [summaries[a]["costs"] for a in arms]))
    for state in ("PF", "PD"):
        rows.append((f"LYs: {state}", [summaries[a]["lys_by_state"][state] for a in arms]))
    rows.append(("Total LYs", [summaries[a]["lys"] for a in arms]))
    for state in ("PF", "PD", "AE"):
        rows.append((f"QALYs: {state}", [summaries[a]["qalys_by_state"][state] for a in arms]))
    rows.append(("Total QALYs", [summaries[a]["qalys"] for a in arms]))
    rows = [(label, values + [values[0] - values[1]]) for label, values in rows]
    columns = [result.inputs.structure.arm(a).label for a in arms] + ["Incremental"]
    return columns, rows


def base_case_table(result: BaseCaseResult) -> pd.DataFrame:
    """base_case_rows as a DataFrame: one row per measure, one column per arm plus the increment."""
    import pandas as pd

    columns, rows = base_case_rows(result)
    return pd.DataFrame([values for _, values in rows], index=[label for label, _ in rows], columns=columns)


def trace_frame(result: BaseCaseResult, arm: str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(trace_rows(result, arm))


def csv_column(values, float_format: str) -> list[str]:
    """A column's cells as pandas' to_csv writes them with ``float_format``: floats formatted (NaN blank),
    integers and text as str()."""
    values = values.tolist() if hasattr(values, "tolist") else list(values)
    return [("" if math.isnan(v) else float_format % v) if isinstance(v, float) else str(v) for v in values]


def format_money(value: float, currency: str) -> str:
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}.get(currency, currency + " ")
    return f"-{symbol}{abs(value):,.0f}" if value < 0 else f"{symbol}{value:,.0f}"


def icer_text(icer: float | None, status: str, currency: str) -> str:
    if icer is None:
        return status
    text = f"{format_money(icer, currency)} per QALY"
    return text if status == "more costly, more effective" else f"{text} ({status})"
