"""N-arm inputs for tests: the shipped inputs copied with a third and a fourth arm added in every table
that needs a row per arm (arms, time on treatment, cost items, adverse events, parameters).

The two arms are designed to cover the fully incremental analysis:

* ``eve_worse`` ("Everolimus + exemestane, weaker PFS effect"): everolimus + exemestane with a PFS hazard
  ratio above 1 and no OS effect; it costs more than placebo + exemestane and yields fewer QALYs, so it is
  strongly dominated;
* ``exe_plus`` ("Exemestane + costly add-on"): placebo + exemestane with a PFS hazard ratio of 0.85 and a
  one-off add-on at the start whose cost puts it between the two trial arms in costs but with a ratio
  against placebo + exemestane above that of everolimus + exemestane: extendedly dominated.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DOMINATED, EXTENDED = "eve_worse", "exe_plus"
ADD_ON_COST = 9000.0  # GBP at the start (chosen so that exe_plus is extendedly dominated; see the module docstring)


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _append(path: Path, new_rows: list[dict[str, str]]) -> None:
    fields, rows = _rows(path)
    _write(path, fields, rows + new_rows)


def n_arm_inputs(target: Path, add_on_cost: float = ADD_ON_COST) -> Path:
    """Copy the shipped inputs to ``target`` and add the arms eve_worse and exe_plus (see the module docstring)."""
    shutil.copytree(ROOT / "inputs", target, ignore=shutil.ignore_patterns("us", "tamrad"))
    fields, arms = _rows(target / "arms.csv")
    by_id = {a["arm"]: a for a in arms}
    arms.append({**by_id["eve_exe"], "arm": DOMINATED, "label": "Everolimus + exemestane, weaker PFS effect",
                 "pfs_hazard_ratio": "hr_pfs_eve_worse", "os_hazard_ratio": "", "waning_reference": ""})
    arms.append({**by_id["exe"], "arm": EXTENDED, "label": "Exemestane + costly add-on",
                 "pfs_hazard_ratio": "hr_pfs_exe_plus"})
    _write(target / "arms.csv", fields, arms)

    fields, params = _rows(target / "parameters.csv")
    hr = next(p for p in params if p["id"] == "hr_pfs")
    params.append({**hr, "id": "hr_pfs_eve_worse", "description": "PFS hazard ratio, test arm (weaker effect)",
                   "value": "1.2", "low": "", "high": "", "ci_low": "1.0", "ci_high": "1.44"})
    params.append({**hr, "id": "hr_pfs_exe_plus", "description": "PFS hazard ratio, test arm (add-on)",
                   "value": "0.85", "low": "", "high": "", "ci_low": "0.7", "ci_high": "1.03"})
    price = next(p for p in params if p["id"] == "progression_cost")
    params.append({**price, "id": "add_on_cost", "description": "One-off add-on at the start, test arm",
                   "value": f"{add_on_cost:g}", "low": f"{0.8 * add_on_cost:g}", "high": f"{1.2 * add_on_cost:g}",
                   "distribution": "fixed", "se": ""})
    _write(target / "parameters.csv", fields, params)

    fields, items = _rows(target / "cost_items.csv")
    suffix = {"eve_exe": DOMINATED, "exe": EXTENDED}
    new = [{**i, "item": f"{i['item']}_{suffix[i['arm']]}", "arm": suffix[i["arm"]]}
           for i in items if i["arm"] in suffix]
    new.append({"item": "add_on", "arm": EXTENDED, "category": "other", "basis": "at_start", "multiply": "add_on_cost",
                "divide": "", "description": "One-off add-on at the start (test arm)"})
    _write(target / "cost_items.csv", fields, items + new)

    fields, tot = _rows(target / "time_on_treatment.csv")
    new = [{**t, "arm": suffix[t["arm"]],
            "cost_items": " ".join(f"{c}_{suffix[t['arm']]}" for c in t["cost_items"].split())}
           for t in tot if t["arm"] in suffix]
    _write(target / "time_on_treatment.csv", fields, tot + new)

    fields, aes = _rows(target / "adverse_events.csv")
    new = [{**e, "event": f"{e['event']}_{suffix[e['arm']]}", "arm": suffix[e["arm"]]} for e in aes if e["arm"] in suffix]
    _write(target / "adverse_events.csv", fields, aes + new)
    return target
