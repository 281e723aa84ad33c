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
    lines += ["", *incremental_analysis_lines(result.incremental_analysis(), s.currency)]
    lines.append(f"\nWritten to {out}/")
    print("\n".join(lines), flush=True)


def incremental_analysis_lines(entries: list[dict], currency: str, title: str = "Fully incremental analysis "
                               "(every arm, sorted by cost; ICER against the previous strategy on the frontier)"
                               ) -> list[str]:
    """The fully incremental analysis as a text table (cea.analyses.strategies.incremental_entries), with the
    NMB of every arm at each threshold and the arm that maximises it."""
    from cea.analyses.strategies import nmb_maximising

    money = lambda v: format_money(v, currency)  # noqa: E731
    keys = list(entries[0]["nmb"]) if entries else []
    header = (f"{'Arm':<12}{'Costs':>12}{'QALYs':>9}{'Inc. costs':>12}{'Inc. QALYs':>11}  {'Status':<22}"
              + "".join(f"{'NMB at ' + money(float(k)):>18}" for k in keys) + "  ICER")
    lines = [title, header]
    for e in entries:
        inc_c = "" if e["inc_costs"] is None else money(e["inc_costs"])
        inc_q = "" if e["inc_qalys"] is None else f"{e['inc_qalys']:.3f}"
        icer = "" if e["icer"] is None else f"{money(e['icer'])} per QALY vs {e['compared_with']}"
        lines.append(f"{e['arm']:<12}{money(e['costs']):>12}{e['qalys']:>9.3f}{inc_c:>12}{inc_q:>11}  "
                     f"{e['status']:<22}" + "".join(f"{money(e['nmb'][k]):>18}" for k in keys) + f"  {icer}".rstrip())
    best = nmb_maximising(entries)
    lines += [f"Largest NMB at {money(float(k))}/QALY: {arm}" for k, arm in best.items()]
    return lines
