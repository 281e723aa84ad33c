"""Parameter tables shared by the B.3.3–B.3.5 sections: value, distribution, DSA range, source."""

from __future__ import annotations

import math

from cea.appendix.document import (
    AppendixContext,
    money,
    significant,
)
from cea.appendix.language import submission_text
from cea.outputs.parameter_table import parameter_frame

# how far a published input was checked, as the parameter tables mark it (statuses short of 'read in the source')
SOURCE_CHECK = {"secondary": "secondary source only", "unverified": "not verified against the source"}


def source_check_clause(parameters) -> str:
    """'3 published inputs are taken from a secondary source only and 1 was not verified against its source', read
    off the parameters' statuses; '' when every published input was read in its source."""
    secondary = sum(p.status == "secondary" for p in parameters)
    unverified = sum(p.status == "unverified" for p in parameters)
    parts = []
    if secondary:
        parts.append(f"{secondary} published input{'s are' if secondary != 1 else ' is'} taken from a secondary "
                     "source only")
    if unverified:
        noun = "" if parts else ("published input " if unverified == 1 else "published inputs ")
        parts.append(f"{unverified} {noun}" + ("was not verified against its source" if unverified == 1
                                               else "were not verified against their source"))
    return " and ".join(parts)


PARAMETER_HEADER = ("Parameter", "Value", "Distribution (PSA)", "DSA range", "Source")


PARAMETER_WIDTHS = (3.9, 1.9, 2.5, 2.3, 5.4)


ASSUMPTION_NOTE = ("‡ The value is an assumption; † the uncertainty (SE or range) is assumed (see the note). "
                   "Numbers in brackets refer to the reference list.  DSA: one-way bounds from the inputs, else the 2.5th and 97.5th "
                   "percentiles of the distribution; 'Not varied' = fixed, with the reason in the note.")


# --------------------------------------------------------------------------- formatting helpers
def parameter_value(value: float | None, unit: str, currency: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == currency or unit.startswith(currency + " "):
        return money(value, currency, 2)
    if unit == "ratio":
        return significant(value, 3)
    return significant(value, 4)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def parameter_rows(ctx: AppendixContext, frame) -> list[list[str]]:
    """Rows of a parameter table (every row of ``frame``, in input order)."""
    rows = []
    for _, p in frame.iterrows():
        notes = str(p["notes"] or "")
        marks = (" ‡" if p["assumption"] else "") + (" †" if "assumption" in notes.lower() and not p["assumption"] else "")
        unit = str(p["unit"])
        if _is_missing(p["dsa_low"]):
            dsa = "Not varied"
        else:
            dsa = f"{parameter_value(p['dsa_low'], unit, ctx.currency)} – {parameter_value(p['dsa_high'], unit, ctx.currency)}"
        note = submission_text(ctx, notes)
        source = submission_text(ctx, ctx.source(str(p["source"]))) or "Source not given"
        check = SOURCE_CHECK.get(str(p["status"]))
        if check and check not in source:
            source += f" ({check})"
        source += f". Note: {note}" if note else ""
        rows.append([f"{submission_text(ctx, ctx.describe(p['id'], str(p['description'])))}{marks}",
                     parameter_value(p["value"], unit, ctx.currency),
                     str(p["distribution"]), dsa, source])
    return rows


def parameter_table(ctx: AppendixContext, caption: str, frame) -> None:
    ctx.w.table(caption, PARAMETER_HEADER, parameter_rows(ctx, frame), PARAMETER_WIDTHS, align="lrlll", font_size=7.5,
                notes=[ASSUMPTION_NOTE])


def parameter_groups(ctx: AppendixContext):
    """The parameter frame split into the tables of the appendix; every row lands in exactly one."""
    frame = parameter_frame(ctx.bundle.inputs)
    curve_ids = frame["id"].str.contains(".", regex=False)
    scalars, curves = frame[~curve_ids], frame[curve_ids]
    tables = {
        "clinical": scalars[scalars["group"].isin(["hazard_ratio", "pfs_curve", "os_curve"])],
        "adverse_events": scalars[scalars["group"] == "adverse_events"],
        "utilities": scalars[scalars["group"] == "utilities"],
        "costs": scalars[scalars["group"].isin(["drug_costs", "other_costs"])],
    }
    placed = set().union(*(set(t["id"]) for t in tables.values()))
    tables["other"] = scalars[~scalars["id"].isin(placed)]
    tables["curves"] = curves
    return tables


def _pv(ctx: AppendixContext, pid: str | None) -> float | None:
    return None if not pid else ctx.bundle.inputs.parameter_value(pid)
