"""Write and print the deterministic base case (results.json, per-arm traces, results table)."""

from __future__ import annotations

from pathlib import Path

import typer

from cea.analyses.base_case import BaseCaseResult
from cea.outputs.files import to_json, write_atomically
from cea.outputs.tables import base_case_table, format_money, icer_text, trace_frame


def base_case_files(folder: Path, result: BaseCaseResult) -> None:
    """results.json, results_table.csv, one trace CSV per arm and manifest.json into ``folder``."""
    (folder / "results.json").write_text(to_json(result.to_dict()), encoding="utf-8")
    base_case_table(result).to_csv(folder / "results_table.csv", float_format="%.10g", lineterminator="\n")
    for arm in result.outcomes.arms:
        trace_frame(result, arm).to_csv(folder / f"trace_{arm}.csv", index=False, float_format="%.12g",
                                        lineterminator="\n")
    (folder / "manifest.json").write_text(to_json(result.manifest.to_dict()), encoding="utf-8")


def write_base_case(out: Path, result: BaseCaseResult) -> list[Path]:
    return write_atomically(out, lambda folder: base_case_files(folder, result))


def print_base_case(result: BaseCaseResult, out: Path) -> None:
    s = result.settings
    table = base_case_table(result)
    money = lambda v: format_money(v, s.currency)  # noqa: E731
    banner = [f"*** {s.evidence_status.upper()} CONFIGURATION: {s.evidence_note} ***", ""] \
        if s.evidence_status != "reference" else []
    lines = banner + [s.title, f"{s.perspective}; {s.currency} {s.price_year}; discount {s.discount_rate_costs:.1%} costs, "
             f"{s.discount_rate_outcomes:.1%} outcomes; horizon {s.horizon_years:g} years; cycle "
             f"{s.cycle_length_days:g} days; within-cycle correction: {s.within_cycle_correction}", ""]
    width = max(len(i) for i in table.index) + 2
    header = "".join(f"{c:>26}" for c in table.columns)
    lines.append(" " * width + header)
    for label, row in table.iterrows():
        fmt = money if label.startswith(("Costs", "Total costs")) else (lambda v: f"{v:.3f}")
        lines.append(f"{label:<{width}}" + "".join(f"{fmt(v):>26}" for v in row))
    inc = result.incremental()
    lines += ["", f"ICER ({inc['intervention']} vs {inc['comparator']}): {icer_text(inc['icer'], inc['status'], s.currency)}"]
    for wtp, nmb in inc["nmb"].items():
        lines.append(f"Incremental NMB at {money(float(wtp))}/QALY: {money(nmb)}")
    lines.append(f"\nWritten to {out}/")
    typer.echo("\n".join(lines))
