"""B.3.11.4 Structural uncertainty: the alternative model structures and extrapolations, each run as a whole
model (not one parameter at a time): OS distributions and joint fits, post-progression mortality, waning,
and the Markov against the partitioned-survival structure."""

from __future__ import annotations

from cea.analyses.structures import compare_structures
from cea.appendix.document import AppendixContext, icer, qalys
from cea.appendix.language import submission_text
from cea.appendix.drivers import scenario_icer_range
from cea.appendix.scenarios import is_structural, scenario_table, scenario_targets


def structural_section(ctx: AppendixContext) -> None:
    w = ctx.w
    ctx.section("structural", "Structural uncertainty")
    targets = scenario_targets(ctx)
    names = [n for n in ctx.bundle.scenarios.table["scenario"]
             if n != "base_case" and is_structural([t for t, _ in targets.get(n, [])])]
    span = scenario_icer_range(ctx, names)
    w.paragraph(
        "Structural uncertainty is explored by running the whole model under each alternative: the distribution "
        "used to extrapolate overall survival (independent fits of each family, or one joint proportional-hazards "
        "fit), how post-progression mortality is modelled, waning of the treatment effect, and the model structure "
        f"itself (Table {ctx.next_table()})."
        + (f" The ICER ranges from {ctx.money(span[0])} to {ctx.money(span[1])} per QALY gained across them; the "
           "landmark survival of each extrapolation is in section B.3.3." if span else ""))
    if names:
        scenario_table(ctx, "Structural scenarios (deterministic)", ["base_case"] + names)
    frame = compare_structures(ctx.bundle.inputs)
    if len(frame):
        rows = []
        for _, r in frame.iterrows():
            value = r["icer"]
            status = str(r["status"]) if isinstance(r["status"], str) else "cost-effective ratio"
            rows.append([str(r["structure"]), ctx.money(r["inc_costs"]), qalys(r["inc_qalys"]), qalys(r["inc_lys"]),
                         ctx.money(value) if str(r["structure"]).startswith("Difference") else
                         icer(value, status, ctx.currency)])
        rows = [[submission_text(ctx, row[0])] + row[1:] for row in rows]  # labels, not the settings' ids
        w.paragraph(f"Table {ctx.next_table()} compares the state-transition (Markov) structure with a partitioned-"
                    f"survival structure {ctx.cite('TSD19')} fed by the same curves and inputs.")
        w.table("Markov and partitioned-survival structures", ("Structure", "Incremental costs", "Incremental QALYs",
                "Incremental LYs", "ICER"), rows, (5.2, 2.8, 2.6, 2.6, 2.8))
