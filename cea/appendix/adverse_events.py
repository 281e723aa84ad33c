"""B.3.3 / B.3.4 Adverse events: rates, costs and QALY losses."""

from __future__ import annotations

from cea.appendix.prose import prose
from cea.appendix.document import (
    AppendixContext,
    number,
    percent,
    significant,
)
from cea.appendix import statements
from cea.appendix.parameters import _pv, parameter_groups, parameter_table


# --------------------------------------------------------------------------- adverse events, utilities, costs
def adverse_events_section(ctx: AppendixContext) -> None:
    b, w = ctx.bundle, ctx.w
    inputs = b.inputs
    ctx.section("adverse_events", "Adverse events")
    arms = list(b.base_case.outcomes.arms)
    events: dict[str, dict] = {}
    for ae in inputs.structure.adverse_events:
        entry = events.setdefault(ae.label or ae.id, {"cost": ae.cost, "disutility": ae.disutility,
                                                      "duration": ae.duration_days, "rates": {}})
        entry["rates"][ae.arm] = ae.rate
    w.paragraph(
        f"Grade 3/4 adverse events are {statements.adverse_event_timing(ctx)}. The cost of an event is rate × unit "
        "cost, its QALY loss rate × disutility × duration. "
        + prose(ctx, "clinical_evidence", "adverse_event_rates", "Rates are from the pivotal trial's safety population")
        + "; unit costs and disutilities are listed with their sources in the parameter tables.")
    if not events:
        w.paragraph("The inputs define no adverse events.", italic=True)
    else:
        rows = []
        for label, e in events.items():
            rows.append([label] + [percent(_pv(ctx, e["rates"].get(a)), 1) if e["rates"].get(a) else "—" for a in arms]
                        + [ctx.money(_pv(ctx, e["cost"]), 2), number(_pv(ctx, e["disutility"]), 3),
                           significant(_pv(ctx, e["duration"]), 3)])
        summaries = {a: b.base_case.arm_summary(a) for a in arms}
        rows.append(["Cost per patient (discounted)"]
                    + [ctx.money(summaries[a]["costs_by_category"].get("adverse_events", 0.0)) for a in arms]
                    + ["", "", ""])
        rows.append(["QALY loss per patient (discounted)"]
                    + [number(-summaries[a]["qalys_by_state"].get("AE", 0.0), 4) for a in arms] + ["", "", ""])
        header = ["Adverse event (grade 3/4)"] + [f"Rate\n{ctx.labels[a]}" for a in arms] + ["Unit cost", "Disutility",
                                                                                              "Duration (days)"]
        widths = [4.2] + [2.6] * len(arms) + [2.2, 2.2, 2.2]
        w.table("Grade 3/4 adverse events: rates by arm, unit costs, disutilities and durations", header, rows, widths,
                bold_rows=(len(rows) - 2, len(rows) - 1))
    parameter_table(ctx, "Adverse-event parameters (rates and durations)", parameter_groups(ctx)["adverse_events"])
