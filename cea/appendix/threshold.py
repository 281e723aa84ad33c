"""B.3.11 Threshold price analysis."""

from __future__ import annotations

from cea.appendix.base_case import wtp_text
from cea.appendix.document import (
    AppendixContext,
    number,
)
from cea.appendix.controls import price_label
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
        f"The threshold analysis solves for the value of '{label}' at which the ICER equals each threshold "
        "(INMB = 0)" + (", moving the linked price(s) ("
                       + ", ".join(b.inputs.parameters[p].description if p in b.inputs.parameters else p for p in linked)
                       + ") by the same proportion" if linked else "")
        + ". Costs are linear in the price, so the root is found in closed form and checked by re-running the model. "
        + " ".join(sentences))
    rows = [[wtp_text(ctx, r["wtp"]), ctx.money(r["base_value"], 2), ctx.money(_finite(r["threshold_value"]), 2),
             f"{number(r['relative_change_pct'], 1)}%", ctx.money(r["inmb_at_base"]),
             ctx.money(_finite(r["inmb_at_threshold"]), 2), str(r["method"])] for _, r in table.iterrows()]
    w.table(f"Threshold price analysis ({price_label(ctx)})", ("Threshold", "Current price", "Threshold price",
            "Change", "INMB at current price", "INMB at threshold price", "Method"), rows,
            (2.7, 1.9, 2.0, 1.5, 2.2, 2.2, 3.5), font_size=7.5,
            notes=["Prices per pack; 'current price' is the price of this run "
                   + ("(the net price after the confidential discount; the list price is the current price divided "
                      f"by {number(1 - ctx.s.pas_discount, 3)})." if ctx.s.pas_discount > 0 else "(the list price).")])
    weighted_threshold(ctx)
    price_scenarios(ctx)


def price_scenarios(ctx: AppendixContext) -> None:
    """The scenarios that change only the price (kind read from what they change): a price analysed as a price,
    beside the threshold price, not among the uncertainty scenarios."""
    from cea.appendix.scenarios import price_scenario_names, scenario_table

    names = price_scenario_names(ctx)
    if not names:
        return
    ctx.w.paragraph(f"Table {ctx.next_table()} gives the scenarios that change only the price of the technology "
                    "(for example a generic price), beside the threshold price above.")
    scenario_table(ctx, "Price scenarios (deterministic)", ["base_case"] + names)


def weighted_threshold(ctx: AppendixContext) -> None:
    """The threshold price with severity-weighted QALYs: the ICER per weighted QALY equals the threshold."""
    from cea.appendix.base_case import weight

    table = ctx.bundle.weighted_threshold
    w_ = weight(ctx)
    if table is None or w_ <= 1:
        return
    rows = []
    for _, r in table.table.iterrows():
        rows.append([wtp_text(ctx, r["wtp"] / w_), ctx.money(r["base_value"], 2),
                     ctx.money(_finite(r["threshold_value"]), 2), f"{number(r['relative_change_pct'], 1)}%"])
    ctx.w.paragraph(
        f"With the severity weight of {w_:g}, the ICER per weighted QALY equals a threshold λ when the unweighted "
        f"ICER equals {w_:g}·λ; Table {ctx.next_table()} gives the price at which the weighted ICER equals each "
        "threshold.")
    ctx.w.table(f"Threshold price with the severity weight {w_:g}", ("Threshold (weighted QALYs)", "Current price",
                "Threshold price", "Change"), rows, (4.6, 3.6, 3.8, 4.0))
