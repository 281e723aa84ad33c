"""Write and print the deterministic base case (results.json, per-arm traces, results table).

The CSVs are written with the csv module in exactly the format pandas' to_csv gave them (the
base case is the one command that must start fast, and pandas takes longer to import than the
whole model takes to run).
"""

from __future__ import annotations

import csv
from pathlib import Path

from cea.analyses.base_case import BaseCaseResult, trace_rows
from cea.outputs.files import to_json, write_atomically
from cea.outputs.tables import base_case_rows, csv_column, format_money, icer_text


def base_case_files(folder: Path, result: BaseCaseResult) -> None:
    """results.json, results_table.csv, one trace CSV per arm and manifest.json into ``folder``."""
    (folder / "results.json").write_text(to_json(result.to_dict()), encoding="utf-8")
    columns, rows = base_case_rows(result)
    _write_csv(folder / "results_table.csv", [""] + columns,
               ([label] + csv_column(values, "%.10g") for label, values in rows))
    for arm in result.outcomes.arms:
        trace = trace_rows(result, arm)
        _write_csv(folder / f"trace_{arm}.csv", list(trace),
                   zip(*(csv_column(column, "%.12g") for column in trace.values())))
    (folder / "manifest.json").write_text(to_json(result.manifest.to_dict()), encoding="utf-8")


def _write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_base_case(out: Path, result: BaseCaseResult) -> list[Path]:
    return write_atomically(out, lambda folder: base_case_files(folder, result))


def print_base_case(result: BaseCaseResult, out: Path) -> None:
    s = result.settings
    columns, rows = base_case_rows(result)
    money = lambda v: format_money(v, s.currency)  # noqa: E731
    banner = [f"*** {s.evidence_status.upper()} CONFIGURATION: {s.evidence_note} ***", ""] \
        if s.evidence_status != "reference" else []
    lines = banner + [s.title, f"{s.perspective}; {s.currency} {s.price_year}; discount {s.discount_rate_costs:.1%} costs, "
             f"{s.discount_rate_outcomes:.1%} outcomes; horizon {s.horizon_years:g} years; cycle "
             f"{s.cycle_length_days:g} days; within-cycle correction: {s.within_cycle_correction}", ""]
    width = max(len(label) for label, _ in rows) + 2
    header = "".join(f"{c:>26}" for c in columns)
    lines.append(" " * width + header)
    for label, row in rows:
        fmt = money if label.startswith(("Costs", "Total costs")) else (lambda v: f"{v:.3f}")
        lines.append(f"{label:<{width}}" + "".join(f"{fmt(v):>26}" for v in row))
    inc = result.incremental()
    lines += ["", f"ICER ({inc['intervention']} vs {inc['comparator']}): {icer_text(inc['icer'], inc['status'], s.currency)}"]
    for wtp, nmb in inc["nmb"].items():
        lines.append(f"Incremental NMB at {money(float(wtp))}/QALY: {money(nmb)}")
    lines.append(f"\nWritten to {out}/")
    print("\n".join(lines), flush=True)
