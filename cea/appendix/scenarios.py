"""B.3.11.3 Scenario analyses."""

from __future__ import annotations

import math

import numpy as np

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    icer,
    number,
    qalys,
)


def short_text(text: str, limit: int = 150) -> str:
    """The first sentence of ``text``, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    for stop in (". ", "; "):
        if stop in text:
            text = text.split(stop)[0]
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit - 1)] + "…"


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def scenarios_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("scenarios", "Scenario analyses")
    table = b.scenarios.table
    primary = f"inmb_{ctx.s.primary_wtp:g}"
    others = table.iloc[1:]
    icers = others["icer"].astype(float)
    icers = icers[np.isfinite(icers)]
    span = (f" The ICER ranges from {ctx.money(icers.min())} to {ctx.money(icers.max())} per QALY gained across the "
            f"{len(others)} scenarios" if len(icers) else "")
    count = int((others[primary] > 0).sum()) if primary in others else 0
    w.paragraph(
        "Scenario analyses explore structural and methodological uncertainty: discount rates, time horizon, "
        "within-cycle correction, cycle length, alternative survival distributions and data cuts, treatment "
        "duration, treatment-effect waning and the model structure." + span + "; "
        + (f"{count} scenario(s) give a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}." if count else
           f"none gives a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}."))
    rows = []
    for _, r in table.iterrows():
        change = r.get("icer_change_pct", float("nan"))
        rows.append([f"{r['scenario']}\n{short_text(str(r['rationale']))}", ctx.money(r["inc_cost"]), qalys(r["inc_qaly"]),
                     icer(_finite(r["icer"]), r["status"], ctx.currency),
                     "—" if _finite(change) is None or r["scenario"] == "base_case" else f"{number(change, 1)}%",
                     ctx.money(r[primary]) if primary in r else "—"])
    w.table("Scenario analyses (deterministic)", ("Scenario", "Costs", "QALYs", "ICER",
            "Change in ICER", f"INMB at {ctx.money(ctx.s.primary_wtp)}"), rows, (6.4, 1.9, 1.7, 2.2, 1.6, 2.2),
            groups=[("", 1), ("Incremental", 2), ("", 3)],
            font_size=7, notes=["Descriptions shortened; the full rationale of each scenario is in scenarios.csv."])
