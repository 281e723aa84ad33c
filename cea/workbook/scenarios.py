"""Live scenarios and the one-way DSA switch: every input has a 'value in use' (Inputs, column M).

value in use = the DSA switch's low or high value when ``dsa_parameter`` names this input (a Dirichlet
sibling is rescaled so that its group still sums to one, as cea.analyses.one_way does),
else the selected scenario's value when ``scenario`` sets this input (the Scenarios sheet holds every
row of scenarios.csv, editable), else the typed input (a blank input stays blank: "" never reads as 0).

Every model formula reads the values in use (``in_use.<id>``); the input cells keep the names that
`cea run --set` uses.  A scenario that changes what the workbook cannot represent (the model structure)
is listed but not selectable.
"""

from __future__ import annotations

from typing import Any

from cea.inputs.overrides import scenario_overrides
from cea.inputs.settings import SETTING_NAMES
from cea.parameters.ranges import dsa_range
from cea.workbook.core import Book, abs_ref, sheet_ref
from cea.workbook.setting_rows import SETTING_ROWS
from cea.workbook.style import (GENERAL, SUBTITLE_FONT, WRAP, header_row, merge, put_input, put_text, title,
                                widths)

SHEET = "Scenarios"
IN_USE_COL = 13
BASE_CASE = "base case"
NAMED_ARM_COLUMNS = frozenset({f"{e}_{c}" for e in ("pfs", "os") for c in ("curve", "hazard_ratio",
                                                                            "acceleration_factor")}
                              | {"pd_death_rate"})


def representable(changes: dict[str, str]) -> bool:
    """Whether the workbook reproduces a scenario exactly: every target is an input cell of the workbook.  Arm
    columns other than the curves, treatment effects and PD death rate (the label, the waning reference arm) are
    fixed at export; a scenario changing them is listed on the Scenarios sheet as not selectable, never computed
    wrongly."""
    settings_in_workbook = {row[0] for row in SETTING_ROWS}
    return not any(k.startswith("arm.") and k.rsplit(".", 1)[-1] not in NAMED_ARM_COLUMNS
                   or k in SETTING_NAMES and k not in settings_in_workbook for k in changes)


def typed(value: str) -> Any:
    """A scenarios.csv value as a payer would type it in the cell."""
    text = value.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        return text


def lay_out_scenarios(book: Book) -> dict[str, list[tuple[str, str]]]:
    """The Scenarios sheet's definition table; returns {target id: [(scenario-name cell, value cell)]}."""
    ws = book.add_sheet(SHEET)
    title(ws, "Scenario analyses",
          "Pick a scenario in the 'scenario' cell on Inputs: its rows below replace the inputs they name (values "
          "editable). The table further down holds the Python model's scenario results at export.")
    widths(ws, [26, 34, 22, 80])
    overrides = scenario_overrides(book.inputs)
    selectable = [name for name, changes in overrides.items() if representable(changes)]
    r = 4
    put_text(ws, r, 1, "Selectable scenarios", font=merge({"bold": True}))
    r += 1
    first = r
    for name in [BASE_CASE] + selectable:
        put_text(ws, r, 1, name)
        r += 1
    book.name("scenario_names", ws.title, f"{abs_ref(1, first)}:{abs_ref(1, r - 1)}")
    r += 1
    header_row(ws, r, ["Scenario", "Input (target)", "Value", "Rationale"], height=30)
    r += 1
    cells: dict[str, list[tuple[str, str]]] = {}
    rationale = {(row.scenario, row.target): row.rationale for row in book.inputs.scenarios}
    for name, changes in overrides.items():
        for target, value in changes.items():
            put_text(ws, r, 1, name)
            put_text(ws, r, 2, target)
            put_input(ws, r, 3, typed(value), GENERAL)
            note = rationale.get((name, target), "")
            fixed = not representable(changes)
            if fixed:
                note = ("Not selectable in this workbook (run it with cea scenarios; the workbook does not yet "
                        "reproduce this change exactly): " + note)
            put_text(ws, r, 4, note, align=WRAP, font=SUBTITLE_FONT if fixed else None)
            if not fixed:
                cells.setdefault(target, []).append((sheet_ref(ws.title) + abs_ref(1, r),
                                                     sheet_ref(ws.title) + abs_ref(3, r)))
            r += 1
    book.facts["scenario_cells"] = cells
    book.facts["scenarios_end_row"] = r
    return cells


def dirichlet_siblings(book: Book, pid: str) -> list[str]:
    p = book.inputs.parameters[pid]
    if p.distribution != "dirichlet":
        return []
    return [q.id for q in book.inputs.parameters.values()
            if q.distribution == "dirichlet" and q.dirichlet_group == p.dirichlet_group and q.id != pid]


def has_dsa_range(book: Book, pid: str) -> bool:
    try:
        low, high = dsa_range(book.inputs, pid)
    except ValueError:
        return False
    return low is not None and not (low == book.inputs.parameters[pid].value == high)


def write_in_use(book: Book, ws, model_id: str, row: int, dsa_rows: dict[str, int]) -> str:
    """The 'value in use' cell of an input on Inputs (column M) and its name in_use.<id>: the DSA value,
    else the scenario's, else the input; for a parameter that varies in the PSA, that value moves to column N
    and M holds the parameter's draw during a PSA iteration (cea.workbook.psa)."""
    from cea.workbook.psa import psa_varies, psa_wrap

    raw = book.raw(model_id)
    formula = f'IF(LEN({raw})=0,"",{raw})'
    for scenario_cell, value_cell in reversed(book.facts.get("scenario_cells", {}).get(model_id, [])):
        formula = f"IF({book.raw('scenario')}={scenario_cell},{value_cell},{formula})"
    # the typed DSA switch, or the live DSA's cells that follow it (cea.workbook.dsa)
    switch, bound = book.facts.get("dsa_switch", (book.raw("dsa_parameter"), book.raw("dsa_bound")))

    def dsa_value(pid: str) -> str:
        r = dsa_rows[pid]
        return f'IF({bound}="low",{abs_ref(5, r)},{abs_ref(6, r)})'

    if model_id in dsa_rows:
        for sibling in dirichlet_siblings(book, model_id):
            if sibling in dsa_rows:  # the sibling is varied: this share takes its part of the rest
                others = [book.raw(q) for q in dirichlet_siblings(book, sibling)]
                formula = (f'IF({switch}="{sibling}",{raw}/({"+".join(others)})*(1-{dsa_value(sibling)}),'
                           f"{formula})")
        formula = f'IF({switch}="{model_id}",{dsa_value(model_id)},{formula})'
    if psa_varies(book, model_id):  # N: the value in use without the PSA; M: the draw during an iteration
        ws.formula(row, IN_USE_COL + 1, formula, merge())
        formula = psa_wrap(book, model_id, row)
    name = book.names.make(f"in_use:{model_id}", f"in_use.{raw}")
    ws.formula(row, IN_USE_COL, formula, merge())
    book.define(name, ws.title, abs_ref(IN_USE_COL, row))
    book.names.in_use[model_id] = name
    return name
