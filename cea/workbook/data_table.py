"""Excel data tables (What-If Analysis > Data Table) in a written .xlsx.

XlsxWriter cannot write a data table, so the table's cells are written with the engine's results as values
(what the table computes for the exported inputs) and this module then marks the first cell of each table
with the OOXML data-table formula ``<f t="dataTable" ref="B42:C1042" dt2D="0" dtr="0" r1="C5"/>``
(ECMA-376 Part 1, 18.3.1.40: a one-variable table whose input values are in the column left of ``ref`` and
whose formulas are in the row above it; ``r1`` is the column input cell, on the same sheet).  Every cell of
the range keeps its cached value (``<v>``), as Excel writes a data table: the formula on the first cell only,
the results as plain values.  Excel recalculates it as a data table; LibreOffice imports it as
MULTIPLE.OPERATIONS, dropping the cached values and computing every cell again.

LibreOffice 7.4 (sc/source/core/data/documentimport.cxx, ScDocumentImport::setTableOpCells) builds at most two
result columns for a one-variable table, and a one-column table comes back with every row equal to the
formula row's own value (seen here; probably because ScTableOp re-uses the previous cell's notification list when consecutive cells share their formula cell), so every table
written is exactly two columns wide; ``mark_data_tables`` refuses any other shape.  Its cells must be
numbers: a cached error value (t="e") is imported as an =#N/A formula that replaces the table's formula.

Cost in LibreOffice (measured, README): each table cell re-evaluates by broadcasting a change of the input
cell to every formula that depends on it, i.e. the whole model, whether or not the table is switched on;
so a file with tables recomputes them on opening ("always recalculate") and after every edit, and a second
table in the same file made every cell of the first about 60 ms slower after an edit.  That is why
``write_workbook`` writes the model three times: ``model.xlsx`` without tables (the table ranges hold the
engine's results), ``model_psa.xlsx`` with the PSA table only and ``model_dsa.xlsx`` with the DSA table only
(the other table's range as cached numbers).
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
# Where each table is live, in the sheets' text: as cea.workbook.build.table_paths, model.xlsx -> model_psa.xlsx and
# model_dsa.xlsx (one live table per file; the other table's range holds its cached numbers there).
LIVE_TABLES = {"psa": "the _psa copy of this workbook", "dsa": "the _dsa copy of this workbook"}
_RANGE = re.compile(r"^([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def set_calc_mode(files: dict[str, bytes], calc_mode: str | None) -> None:
    """The workbook's calculation mode (None: Excel's default, automatic) and no full recalculation on load
    (the cached values are complete and exact)."""
    book = files["xl/workbook.xml"].decode("utf-8")
    book = re.sub(r'\s(calcMode|fullCalcOnLoad)="[^"]*"', "", book)
    if calc_mode:
        book = book.replace("<calcPr", f'<calcPr calcMode="{calc_mode}"', 1)
    files["xl/workbook.xml"] = book.encode("utf-8")


def mark_data_tables(path: Path, tables: list[tuple[str, str, str]], calc_mode: str | None = "autoNoTable") -> None:
    """Rewrite ``path`` in place: each (sheet title, ref, input cell) becomes a data table (its cells keep
    their cached values); the workbook's calculation mode becomes ``calc_mode`` (Excel: 'autoNoTable'
    recalculates tables only on F9, so that an edit does not re-run every iteration; None: automatic) and
    the file no longer asks for a full recalculation on load (the cached values are complete)."""
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
            content = found.group(4) or ""
            if "<f" in content or 't="' in found.group(3) and 't="n"' not in found.group(3):
                raise ValueError(f"data table {sheet}!{ref}: cell {found.group(1)}{found.group(2)} must hold a "
                                 "number (its cached result)")
            value = re.search(r"<v>[^<]*</v>", content)
            if value is None:
                raise ValueError(f"data table {sheet}!{ref}: cell {found.group(1)}{found.group(2)} has no "
                                 "cached value")
            if f"{found.group(1)}{found.group(2)}" != first:
                return found.group(0)
            formula = f'<f t="dataTable" ref="{ref}" dt2D="0" dtr="0" r1="{input_cell}"/>'
            return f'<c r="{found.group(1)}{found.group(2)}"{found.group(3)}>{formula}{value.group(0)}</c>'

        cell = r'<c r="([A-Z]{1,3})(\d+)"([^>/]*)(?:/>|>(.*?)</c>)'
        xml = re.sub(cell, table_cell, xml, flags=re.S)
        if len(seen) != (c2 - c1 + 1) * (r2 - r1 + 1):
            raise ValueError(f"data table {sheet}!{ref}: {len(seen)} of its cells were written")
        files[part] = xml.encode("utf-8")
    set_calc_mode(files, calc_mode if tables else None)
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
