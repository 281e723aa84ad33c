"""Excel data tables (What-If Analysis > Data Table) in a written .xlsx.

XlsxWriter cannot write a data table, so the table's cells are written blank (the tables are shipped
switched off and show nothing until re-run, see cea.workbook.psa) and this module then marks the first
cell of each table with the OOXML data-table formula
``<f t="dataTable" ref="B42:C1042" dt2D="0" dtr="0" r1="C5"/>`` (ECMA-376 Part 1, 18.3.1.40: a
one-variable table whose input values are in the column left of ``ref`` and whose formulas are in the
row above it; ``r1`` is the column input cell, on the same sheet).  Excel recalculates it as a data
table; LibreOffice imports it as MULTIPLE.OPERATIONS.

LibreOffice 7.4 imports only two-column one-variable tables faithfully (seen here: a third column
was left as values and a one-column table was not recomputed), so every table written is exactly
two columns wide; ``mark_data_tables`` refuses any other shape.  Its cells must be blank or numbers: a
cached error value (t="e") is imported as an =#N/A formula that replaces the table's formula.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from cea.workbook.core import column_index

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RANGE = re.compile(r"^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def mark_data_tables(path: Path, tables: list[tuple[str, str, str]], calc_mode: str = "autoNoTable") -> None:
    """Rewrite ``path`` in place: each (sheet title, ref, input cell) becomes a data table; the workbook's
    calculation mode becomes ``calc_mode`` (Excel: 'autoNoTable' recalculates tables only on F9, so that
    an edit does not re-run every iteration) and the file no longer asks for a full recalculation on load
    (the cached values are complete)."""
    if not tables:
        return
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    files = {info.filename: data for info, data in entries}
    parts = sheet_parts(files)
    for sheet, ref, input_cell in tables:
        m = _RANGE.match(ref)
        if m is None or column_index(m.group(3)) - column_index(m.group(1)) != 1:
            raise ValueError(f"data table {sheet}!{ref}: must be exactly two columns wide")
        part = parts[sheet]
        xml = files[part].decode("utf-8")
        c1, r1, c2, r2 = column_index(m.group(1)), int(m.group(2)), column_index(m.group(3)), int(m.group(4))
        first = f"{m.group(1)}{m.group(2)}"
        seen = []

        def table_cell(found: re.Match) -> str:
            col, row = column_index(found.group(1)), int(found.group(2))
            if not (c1 <= col <= c2 and r1 <= row <= r2):
                return found.group(0)
            seen.append(1)
            attrs = re.sub(r'\st="[^"]*"', "", found.group(3))
            if f"{found.group(1)}{found.group(2)}" != first:
                return f'<c r="{found.group(1)}{found.group(2)}"{attrs}/>'
            formula = f'<f t="dataTable" ref="{ref}" dt2D="0" dtr="0" r1="{input_cell}"/>'
            return f'<c r="{found.group(1)}{found.group(2)}"{attrs}>{formula}</c>'

        cell = r'<c r="([A-Z]{1,3})(\d+)"([^>/]*)(?:/>|>(.*?)</c>)'
        xml = re.sub(cell, table_cell, xml, flags=re.S)
        if len(seen) != (c2 - c1 + 1) * (r2 - r1 + 1):
            raise ValueError(f"data table {sheet}!{ref}: {len(seen)} of its cells were written")
        files[part] = xml.encode("utf-8")
    book = files["xl/workbook.xml"].decode("utf-8")
    # cached values are exact, so no full recalculation on load (it would re-run every iteration)
    book = re.sub(r'\s(calcMode|fullCalcOnLoad)="[^"]*"', "", book)
    book = book.replace("<calcPr", f'<calcPr calcMode="{calc_mode}"', 1)
    files["xl/workbook.xml"] = book.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, _ in entries:
            archive.writestr(info, files[info.filename])


def write_formula_row(ws: Any, row: int, switch: str, costs: str, qalys: str, money: str) -> None:
    """The row above a table's results: what each iteration records (incremental costs and QALYs from Results)
    when the table's switch is yes, else #N/A at once; and the note that the 'shown' columns follow."""
    from cea.workbook.style import SUBTITLE_FONT, put_formula, put_text

    put_text(ws, row, 1, "Formula row (what the table records)", font=SUBTITLE_FONT)
    put_formula(ws, row, 2, f'IF({switch}="yes",{costs},NA())', money)
    put_formula(ws, row, 3, f'IF({switch}="yes",{qalys},NA())', "0.000000")
    put_text(ws, row, 4, "Shown = the table when re-run, else the engine's value at export", font=SUBTITLE_FONT)


def sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet title → its part name in the package (xl/worksheets/sheetN.xml)."""
    book = ElementTree.fromstring(files["xl/workbook.xml"])
    rels = ElementTree.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {r.attrib["Id"]: r.attrib["Target"] for r in rels}
    out = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets[sheet.attrib[f"{_REL}id"]].lstrip("/")
        out[sheet.attrib["name"]] = target if target.startswith("xl/") else "xl/" + target
    return out
