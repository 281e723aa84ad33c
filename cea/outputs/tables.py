"""Result tables as DataFrames with NICE-submission labels (no file I/O)."""

from __future__ import annotations

import pandas as pd

from cea.analyses.base_case import BaseCaseResult, trace_rows
from cea.structure import CATEGORY_LABELS, category_label  # noqa: F401 (re-exported)


def base_case_table(result: BaseCaseResult) -> pd.DataFrame:
    """Disaggregated base-case results: one row per measure, one column per arm plus the increment."""
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
    frame = pd.DataFrame({label: values for label, values in rows}, index=arms).T
    frame["Incremental"] = frame[s.intervention] - frame[s.comparator]
    frame.columns = [result.inputs.structure.arm(a).label if a in result.outcomes.arms else a for a in frame.columns]
    return frame


def trace_frame(result: BaseCaseResult, arm: str) -> pd.DataFrame:
    return pd.DataFrame(trace_rows(result, arm))


def format_money(value: float, currency: str) -> str:
    symbol = {"GBP": "£", "USD": "$", "EUR": "€"}.get(currency, currency + " ")
    return f"-{symbol}{abs(value):,.0f}" if value < 0 else f"{symbol}{value:,.0f}"


def icer_text(icer: float | None, status: str, currency: str) -> str:
    if icer is None:
        return status
    text = f"{format_money(icer, currency)} per QALY"
    return text if status == "cost-effective ratio" else f"{text} ({status})"
