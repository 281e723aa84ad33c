"""B.3.11 Threshold price analysis."""

from __future__ import annotations

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    number,
)
from cea.appendix.scenarios import _finite


def threshold_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("threshold", "Threshold price analysis")
    table = b.threshold.table
    pid = table["parameter"].iloc[0] if len(table) else ctx.s.price_parameter
    row = b.inputs.parameters.get(pid)
    label = row.description if row else pid
    linked = [p for p in str(table["linked"].iloc[0]).split(",") if p] if len(table) else []
    sentences = []
    for _, r in table.iterrows():
        if _finite(r["threshold_value"]) is None:
            sentences.append(f"At {wtp_text(ctx, r['wtp'])} no price makes the INMB zero.")
            continue
        sentences.append(f"At {wtp_text(ctx, r['wtp'])} the price would have to change from "
                         f"{ctx.money(r['base_value'], 2)} to {ctx.money(r['threshold_value'], 2)} "
                         f"({number(r['relative_change_pct'], 1)}%).")
    w.paragraph(
        f"The threshold analysis solves for the value of '{label}' [{pid}] at which the ICER equals each threshold "
        "(INMB = 0)" + (f", moving the linked price(s) {', '.join(linked)} by the same proportion" if linked else "")
        + ". Costs are linear in the price, so the root is found in closed form and checked by re-running the model. "
        + " ".join(sentences))
    rows = [[wtp_text(ctx, r["wtp"]), ctx.money(r["base_value"], 2), ctx.money(_finite(r["threshold_value"]), 2),
             f"{number(r['relative_change_pct'], 1)}%", ctx.money(r["inmb_at_base"]),
             ctx.money(_finite(r["inmb_at_threshold"]), 2), str(r["method"])] for _, r in table.iterrows()]
    w.table("Threshold price analysis", ("Threshold", "Current price", "Threshold price", "Change", "INMB at current "
            "price", "INMB at threshold price", "Method"), rows, (2.7, 1.9, 2.0, 1.5, 2.2, 2.2, 3.5), font_size=7.5)
