"""B.3.11.3 Scenario analyses."""

from __future__ import annotations

import math

import numpy as np

from cea.appendix.base_case import wtp_text
from cea.appendix.language import describe_changes, scenario_title, submission_text
from cea.appendix.document import (
    AppendixContext,
    icer,
    in_sentence,
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


STRUCTURAL_TARGETS = ("model_structure", "pd_mortality", "waning_start_months", "waning_end_months")


def is_structural(targets: list[str]) -> bool:
    """A scenario that changes the model's structure: survival curves of an arm, the structure, post-progression
    mortality or treatment-effect waning."""
    return any(t.startswith("arm.") and t.endswith(("_curve", "hazard_ratio", "acceleration_factor"))
               or t in STRUCTURAL_TARGETS for t in targets)


def price_scenario_names(ctx: AppendixContext) -> list[str]:
    """Scenarios that change only prices (the price parameter and the prices linked to it): their kind is 'price',
    read from what they change; they belong with the threshold price, not with the uncertainty scenarios."""
    prices = {ctx.s.price_parameter, *ctx.s.price_linked, "pas_discount"}
    return [name for name, changes in scenario_targets(ctx).items() if changes and all(t in prices for t, _ in changes)]


def scenario_targets(ctx: AppendixContext) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for row in ctx.bundle.inputs.scenarios:
        out.setdefault(row.scenario, []).append((row.target, row.value))
    return out


def scenario_rows(ctx: AppendixContext, names: list[str]) -> list[list[str]]:
    table = ctx.bundle.scenarios.table.set_index("scenario")
    targets = scenario_targets(ctx)
    primary = f"inmb_{ctx.s.primary_wtp:g}"
    rows = []
    for name in names:
        r = table.loc[name]
        change = r.get("icer_change_pct", float("nan"))
        if name == "base_case":
            description = "Base case"
        else:
            rationale = submission_text(ctx, str(r["rationale"]))
            if name in targets and set(t for t, _ in targets[name]) <= {"discount_rate_costs",
                                                                         "discount_rate_outcomes"}:
                rationale = scenario_title(ctx, name, rationale)  # named by what it sets
            changes = describe_changes(ctx, targets.get(name, []))
            description = f"{rationale}" + (f" [changed: {changes}]" if changes else "")
        rows.append([description, ctx.money(r["inc_cost"]), qalys(r["inc_qaly"]),
                     qalys(r["inc_ly"]) if "inc_ly" in r else "—",
                     icer(_finite(r["icer"]), r["status"], ctx.currency),
                     "—" if _finite(change) is None or name == "base_case" else f"{number(change, 1)}%",
                     ctx.money(r[primary]) if primary in r else "—"])
    return rows


SCENARIO_HEADER = ("Scenario", "Costs", "QALYs", "LYs", "ICER", "Change in ICER", "INMB")
SCENARIO_WIDTHS = (6.6, 1.7, 1.3, 1.3, 2.1, 1.4, 1.6)


def scenario_table(ctx: AppendixContext, caption: str, names: list[str]) -> None:
    ctx.w.table(caption, SCENARIO_HEADER, scenario_rows(ctx, names), SCENARIO_WIDTHS,
                groups=[("", 1), ("Incremental", 3), ("", 3)], font_size=7, bold_rows=(0,),
                notes=[f"Incremental costs, QALYs and life years of {in_sentence(ctx.intervention)} against {in_sentence(ctx.comparator)}; "
                       f"INMB at {wtp_text(ctx, ctx.s.primary_wtp)}. The changes each scenario makes to the base case "
                       "are given in brackets, in words."])


def scenarios_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    ctx.section("scenarios", "Scenario analyses")
    table = b.scenarios.table
    targets = scenario_targets(ctx)
    prices = set(price_scenario_names(ctx))  # analysed with the threshold price (section B.3.11)
    names = [n for n in table["scenario"] if n != "base_case" and n not in prices
             and not is_structural([t for t, _ in targets.get(n, [])])]
    primary = f"inmb_{ctx.s.primary_wtp:g}"
    others = table.iloc[1:]
    others = others[~others["scenario"].isin(prices)]
    icers = others["icer"].astype(float)
    icers = icers[np.isfinite(icers)]
    span = (f" Across all {len(others)} scenarios on methods, evidence and structure (these and the structural "
            "scenarios of section B.3.11.4; price scenarios are with the threshold price, section B.3.11) the "
            f"ICER ranges from {ctx.money(icers.min())} to {ctx.money(icers.max())} per QALY gained" if len(icers) else "")
    count = int((others[primary] > 0).sum()) if primary in others else 0
    w.paragraph(
        f"Table {ctx.next_table()} gives the scenarios on methods and parameters: discount rates, time horizon, "
        "within-cycle correction, cycle length, PFS data cuts, treatment duration and utility age adjustment; each "
        "is described in full with the changes it makes." + span + "; "
        + (f"{count} scenario(s) give a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}." if count else
           f"none gives a positive INMB at {wtp_text(ctx, ctx.s.primary_wtp)}."))
    scenario_table(ctx, "Scenario analyses: methods and parameters (deterministic)", ["base_case"] + names)
