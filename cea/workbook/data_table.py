"""Excel data tables (What-If Analysis > Data Table) in a written .xlsx.

XlsxWriter cannot write a data table, so the table's cells are written as plain values (the engine's
results, which are the table's correct values: the cached values) and this module then marks the
first cell of each table with the OOXML data-table formula
``<f t="dataTable" ref="B42:C1042" dt2D="0" dtr="0" r1="C5"/>`` (ECMA-376 Part 1, 18.3.1.40: a
one-variable table whose input values are in the column left of ``ref`` and whose formulas are in the
row above it; ``r1`` is the column input cell, on the same sheet).  Excel recalculates it as a data
table; LibreOffice imports it as MULTIPLE.OPERATIONS.

LibreOffice 7.4 imports only two-column one-variable tables faithfully (seen here: a third column
was left as values and a one-column table was not recomputed), so every table written is exactly
two columns wide; ``mark_data_tables`` refuses any other shape.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from cea.workbook.core import column_index

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RANGE = re.compile(r"^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def mark_data_tables(path: Path, tables: list[tuple[str, str, str]], calc_mode: str = "autoNoTable") -> None:
    """Rewrite ``path`` in place: each (sheet title, ref, input cell) becomes a data table; the workbook's
    calculation mode becomes ``calc_mode`` (Excel: 'autoNoTable' recalculates tables only on F9, so that
    an edit does not re-run every iteration) and the file no longer asks for a full recalculation on load
    (its cached values are the engine's)."""
    if not tables:
        return
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    files = {info.filename: data for info, data in entries}
    parts = _sheet_parts(files)
    for sheet, ref, input_cell in tables:
        m = _RANGE.match(ref)
        if m is None or column_index(m.group(3)) - column_index(m.group(1)) != 1:
            raise ValueError(f"data table {sheet}!{ref}: must be exactly two columns wide")
        part = parts[sheet]
        xml = files[part].decode("utf-8")
        first = f"{m.group(1)}{m.group(2)}"
        cell = re.compile(rf'<c r="{first}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
        found = cell.search(xml)
        if found is None:
            raise ValueError(f"data table {sheet}!{ref}: first cell {first} was not written")
        body = found.group("body") or ""
        if "<f" in body:
            raise ValueError(f"data table {sheet}!{ref}: first cell {first} already holds a formula")
        formula = f'<f t="dataTable" ref="{ref}" dt2D="0" dtr="0" r1="{input_cell}"/>'
        new = f'<c r="{first}"{found.group("attrs")}>{formula}{body}</c>'
        files[part] = (xml[:found.start()] + new + xml[found.end():]).encode("utf-8")
    book = files["xl/workbook.xml"].decode("utf-8")
    # cached values are exact, so no full recalculation on load (it would re-run every iteration)
    book = re.sub(r'\s(calcMode|fullCalcOnLoad)="[^"]*"', "", book)
    book = book.replace("<calcPr", f'<calcPr calcMode="{calc_mode}"', 1)
    files["xl/workbook.xml"] = book.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, _ in entries:
            archive.writestr(info, files[info.filename])


def _sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet title → its part name in the package (xl/worksheets/sheetN.xml)."""
    book = ElementTree.fromstring(files["xl/workbook.xml"])
    rels = ElementTree.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {r.attrib["Id"]: r.attrib["Target"] for r in rels}
    out = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets[sheet.attrib[f"{_REL}id"]].lstrip("/")
        out[sheet.attrib["name"]] = target if target.startswith("xl/") else "xl/" + target
    return out
