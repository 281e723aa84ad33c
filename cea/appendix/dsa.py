"""B.3.11.2 Deterministic (one-way) sensitivity analysis."""

from __future__ import annotations

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    icer,
)
from cea.appendix.language import submission_text
from cea.appendix.parameters import parameter_value
from cea.appendix.scenarios import _finite


# --------------------------------------------------------------------------- deterministic sensitivity
def dsa_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("dsa", "Deterministic sensitivity analysis")
    dsa = b.one_way
    table = dsa.table
    top = [ctx.describe(pid, str(d).split(" (")[0]) for pid, d in zip(table["parameter"].head(3),
                                                                        table["description"].head(3))]
    positive = int(((table["inmb_low"] > 0) | (table["inmb_high"] > 0)).sum())
    w.paragraph(
        f"Each uncertain parameter was set to the bounds of its one-way range in turn ({len(table)} parameters), with "
        "bounds from the inputs or, where none are given, the 2.5th and 97.5th percentiles of its distribution. "
        "Survival-curve coefficients are jointly uncertain and are varied in the PSA and the scenarios instead. "
        f"Results are expressed as incremental net monetary benefit (INMB) at {wtp_text(ctx, dsa.wtp)}; the base-case "
        f"INMB is {ctx.money(dsa.base_inmb)}. The most influential parameters are: " + "; ".join(
            (t[0].lower() + t[1:] if len(t) > 1 and t[1].islower() else t) for t in top) + ". "
        + (f"INMB becomes positive at one bound of {positive} parameter(s)." if positive else
           "INMB stays negative across every one-way range." if dsa.base_inmb < 0 else ""))
    ctx.figure("tornado", f"Tornado diagram: INMB at {wtp_text(ctx, dsa.wtp)} at the low and high value of the "
               f"{min(15, len(table))} most influential parameters", width_cm=14.5)
    rows = []
    for _, r in table.iterrows():
        unit = b.inputs.parameters[r["parameter"]].unit
        rows.append([submission_text(ctx, ctx.describe(r['parameter'], str(r['description']).split(' (')[0])),
                     parameter_value(r["low"], unit, ctx.currency), parameter_value(r["high"], unit, ctx.currency),
                     ctx.money(r["inmb_low"]), ctx.money(r["inmb_high"]),
                     icer(_finite(r["icer_low"]), r["status_low"], ctx.currency),
                     icer(_finite(r["icer_high"]), r["status_high"], ctx.currency)])
    w.table(f"One-way sensitivity analysis: all varied parameters, sorted by the swing in INMB at "
            f"{wtp_text(ctx, dsa.wtp)}", ("Parameter", "Low value", "High value", "INMB (low)", "INMB (high)",
                                          "ICER (low)", "ICER (high)"), rows, (4.4, 1.8, 1.8, 1.8, 1.8, 2.2, 2.2),
            font_size=7)
