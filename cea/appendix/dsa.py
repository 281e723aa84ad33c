"""B.3.11.2 Deterministic (one-way) sensitivity analysis."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    icer,
    lower_first,
)
from cea.appendix.language import parameter_label, submission_text
from cea.appendix.parameters import parameter_value
from cea.appendix.scenarios import _finite


NO_EFFECT = 1e-6  # INMB swing (currency units) below which a parameter has no effect on the results


@dataclass(frozen=True)
class SubmissionDsa:
    """The one-way table the submission shows: uncertain parameters that move the results, each Dirichlet group
    once; prices are left to the threshold-price and price sections (a price is negotiated, not uncertain)."""
    table: pd.DataFrame
    prices: list[str]  # parameter ids left out: the prices of the threshold analysis
    no_effect: list[str]  # parameter ids left out: no effect on costs or QALYs in this run
    grouped: dict[str, list[str]]  # kept Dirichlet member -> the siblings it stands for


def submission_dsa(bundle) -> SubmissionDsa:
    inputs, s = bundle.inputs, bundle.inputs.settings
    table = bundle.one_way.table
    prices = [p for p in table["parameter"] if p in (s.price_parameter, *s.price_linked)]
    no_effect = [r["parameter"] for _, r in table.iterrows()
                 if r["parameter"] not in prices and abs(r["inmb_high"] - r["inmb_low"]) < NO_EFFECT
                 and abs(r["inc_cost_high"] - r["inc_cost_low"]) < NO_EFFECT]
    grouped: dict[str, list[str]] = {}
    dropped: set[str] = set()
    seen: dict[str, str] = {}
    for pid in table["parameter"]:  # sorted by swing: the first member of a group stands for it
        row = inputs.parameters[pid]
        if row.distribution != "dirichlet":
            continue
        if row.dirichlet_group in seen:
            dropped.add(pid)
            grouped[seen[row.dirichlet_group]].append(pid)
        else:
            seen[row.dirichlet_group] = pid
            grouped[pid] = []
    keep = ~table["parameter"].isin(set(prices) | set(no_effect) | dropped)
    return SubmissionDsa(table[keep].reset_index(drop=True), prices, no_effect,
                         {k: v for k, v in grouped.items() if v})


def dsa_label(ctx: AppendixContext, pid: str, grouped: dict[str, list[str]]) -> str:
    label = submission_text(ctx, ctx.describe(pid, parameter_label(ctx, pid)))
    if pid in grouped:
        others = ", ".join(lower_first(parameter_label(ctx, q)) for q in grouped[pid])
        label += f" (with {others} moving with it: one Dirichlet group)"
    return label


def _names(ctx: AppendixContext, pids: list[str]) -> str:
    names = [lower_first(ctx.describe(p, parameter_label(ctx, p))) for p in pids]
    return names[0] if len(names) == 1 else "; ".join(names[:-1]) + "; and " + names[-1]


# --------------------------------------------------------------------------- deterministic sensitivity
def dsa_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("dsa", "Deterministic sensitivity analysis")
    dsa = b.one_way
    shown = submission_dsa(b)
    table = shown.table
    top = [dsa_label(ctx, pid, {}) for pid in table["parameter"].head(3)]
    positive = int(((table["inmb_low"] > 0) | (table["inmb_high"] > 0)).sum())
    left_out = []
    if shown.prices:
        left_out.append(f"The {'price' if len(shown.prices) == 1 else 'prices'} of the technology ({_names(ctx, shown.prices)}) "
                        "are not treated as uncertain: the price is analysed in the threshold price analysis (section "
                        "B.3.11) and the price scenarios.")
    if shown.no_effect:
        left_out.append(f"{len(shown.no_effect)} parameter(s) have no effect on costs or QALYs in the base case and are "
                        f"not shown: {_names(ctx, shown.no_effect)}.")
    w.paragraph(
        f"Each uncertain parameter was set to the bounds of its one-way range in turn ({len(table)} parameters shown), "
        "with bounds from the inputs or, where none are given, the 2.5th and 97.5th percentiles of its distribution; "
        "a share that belongs to a Dirichlet group is varied with the other shares of its group rescaled, so each "
        "group is shown once. "
        "Survival-curve coefficients are jointly uncertain and are varied in the PSA and the scenarios instead. "
        f"Results are expressed as incremental net monetary benefit (INMB) at {wtp_text(ctx, dsa.wtp)}; the base-case "
        f"INMB is {ctx.money(dsa.base_inmb)}. The most influential parameters are: "
        + "; ".join(lower_first(t) for t in top) + ". "
        + (f"INMB becomes positive at one bound of {positive} parameter(s)." if positive else
           "INMB stays negative across every one-way range." if dsa.base_inmb < 0 else "")
        + (" " + " ".join(left_out) if left_out else ""))
    ctx.figure("tornado", f"Tornado diagram: INMB at {wtp_text(ctx, dsa.wtp)} at the low and high value of the "
               f"{min(15, len(table))} most influential parameters", width_cm=14.5)
    rows = []
    for _, r in table.iterrows():
        unit = b.inputs.parameters[r["parameter"]].unit
        rows.append([dsa_label(ctx, r["parameter"], shown.grouped),
                     parameter_value(r["low"], unit, ctx.currency), parameter_value(r["high"], unit, ctx.currency),
                     ctx.money(r["inmb_low"]), ctx.money(r["inmb_high"]),
                     icer(_finite(r["icer_low"]), r["status_low"], ctx.currency),
                     icer(_finite(r["icer_high"]), r["status_high"], ctx.currency)])
    w.table(f"One-way sensitivity analysis: uncertain parameters, sorted by the swing in INMB at "
            f"{wtp_text(ctx, dsa.wtp)}", ("Parameter", "Low value", "High value", "INMB (low)", "INMB (high)",
                                          "ICER (low)", "ICER (high)"), rows, (4.4, 1.8, 1.8, 1.8, 1.8, 2.2, 2.2),
            font_size=7)
