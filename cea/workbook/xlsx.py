"""Write a Book to .xlsx with XlsxWriter: every formula with its cached value (computed by
``cea.workbook.evaluate``), styles, defined names, validations, conditional formats, charts,
protection (no password) and print settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellFormulaTuple

from cea.workbook.core import Book, sheet_ref
from cea.workbook.evaluate import XlError
from cea.workbook.printing import MARGIN_LR_IN, MARGIN_TB_IN, PAGE_SCALE, prepare_print

CM = 1 / 2.54  # chart sizes are given in cm-like units (openpyxl's), converted to pixels below
_PIXELS_PER_UNIT = 37.8


def _as_written(formula: str, expand_future_functions: bool = False) -> str:
    """Our formulas are written fully expanded (the `_xlfn.` prefixes included), so XlsxWriter's pass that
    adds prefixes (some 30 regular expressions per formula, most of the export time) is skipped."""
    return formula[1:] if formula.startswith("=") else formula


_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


def _formula_cells_fast(ws: Any) -> Any:
    """XlsxWriter's ``_write_cell`` with a short path for the formula cells with a format (some 250,000 of them):
    the same XML, character for character (attributes r, s, t in that order; formula and text results escaped as
    XlsxWriter escapes them), without its per-cell attribute list, class-name dispatch and escaping of numbers.
    Every other cell goes to XlsxWriter's own method."""
    original = ws._write_cell
    escape = ws._escape_data

    def write_cell(row: int, col: int, cell: Any) -> None:
        if type(cell) is not CellFormulaTuple or not cell.format:
            original(row, col, cell)
            return
        value = cell.value
        kind = ""
        if isinstance(value, bool):
            kind, value = ' t="b"', 1 if value else 0
        elif isinstance(value, str):
            if value in _ERROR_CODES:
                kind = ' t="e"'
            elif value:
                kind = ' t="str"'
            value = escape(value)
        ws.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"{kind}>'
                    f"<f>{escape(cell.formula)}</f><v>{value}</v></c>")

    return write_cell


def write_xlsx(book: Book, values: dict[tuple[str, int, int], Any], path: Path, *, title: str = "",
               creator: str = "") -> Path:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False, "max_url_length": 255})
    wb.set_properties({"title": title[:200], "author": creator})
    wb.set_calc_mode("auto")
    wb.calc_on_load = False  # no full recalculation on load: the cached values are complete and exact
    prepare_print(book)
    formats: dict[tuple, Any] = {}

    def fmt(style: tuple) -> Any:
        f = formats.get(style)
        if f is None:
            f = formats[style] = wb.add_format(dict(style)) if style else None
        return f

    for name, target in book.defined.items():
        wb.define_name(name, "=" + target)
    sheets = {}
    for title_, sheet in book.sheets.items():
        sheets[title_] = ws = wb.add_worksheet(title_)
        ws._prepare_formula = _as_written
        ws._write_cell = _formula_cells_fast(ws)
        for col, width in sheet.widths.items():
            ws.set_column(col - 1, col - 1, width)
        for row, height in sheet.heights.items():
            ws.set_row(row - 1, height)
        for r1, c1, r2, c2 in sheet.merges:  # the first cell's content is written below, over the merged range
            first = sheet.get(r1, c1)
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "", fmt(first.style) if first else None)
        table, check = ws.table, ws._check_dimensions
        cells = sheet.cells
        for r, c in sorted(cells):  # row by row: (row, column) keys sort row-major
            cell = cells[(r, c)]
            f = fmt(cell.style)
            if cell.formula is not None:
                v = values.get((title_, r, c))
                if isinstance(v, XlError):
                    v = v.code
                elif v is None:
                    v = 0 if cell.formula else ""
                # what ws.write_formula stores, without its per-formula search for dynamic-array functions
                # (the evaluator knows none) and the '=' added and stripped again
                if not check(r - 1, c - 1):
                    table[r - 1][c - 1] = CellFormulaTuple(cell.formula, f, v)
            elif cell.text:
                ws.write_string(r - 1, c - 1, cell.value, wb.add_format({**dict(cell.style), "quote_prefix": True}))
            elif cell.value is None:
                if f is not None:
                    ws.write_blank(r - 1, c - 1, None, f)
            elif isinstance(cell.value, bool):
                ws.write_boolean(r - 1, c - 1, cell.value, f)
            elif isinstance(cell.value, (int, float)):
                ws.write_number(r - 1, c - 1, cell.value, f)
            else:
                ws.write_string(r - 1, c - 1, str(cell.value), f)
        for r1, c1, r2, c2, options in sheet.validations:
            ws.data_validation(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)
        for r1, c1, r2, c2, options in sheet.conditional:
            options = dict(options)
            if "format" in options and isinstance(options["format"], dict):
                options["format"] = wb.add_format(options["format"])
            ws.conditional_format(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)
        if sheet.freeze:
            ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)
        if sheet.protect:
            ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                            "select_unlocked_cells": True})
        if not sheet.gridlines:
            ws.hide_gridlines(2)
        ws.set_paper(9)  # A4
        ws.set_margins(left=MARGIN_LR_IN, right=MARGIN_LR_IN, top=MARGIN_TB_IN, bottom=MARGIN_TB_IN)
        ws.set_footer("&L&8&A&R&8Page &P of &N")
        if sheet.landscape:
            ws.set_landscape()
        if sheet.fit_width:
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(PAGE_SCALE)
        if sheet.repeat_rows:
            ws.repeat_rows(sheet.repeat_rows[0] - 1, sheet.repeat_rows[1] - 1)
        if sheet.repeat_cols:
            ws.repeat_columns(sheet.repeat_cols[0] - 1, sheet.repeat_cols[1] - 1)
        if sheet.print_area:
            r1, c1, r2, c2 = sheet.print_area
            ws.print_area(r1 - 1, c1 - 1, r2 - 1, c2 - 1)
    for title_, sheet in book.sheets.items():
        for spec in sheet.charts:
            spec = dict(spec)
            chart = wb.add_chart({"type": spec.pop("type"), **({"subtype": spec["subtype"]} if "subtype" in spec
                                                               else {})})
            spec.pop("subtype", None)
            for series in spec.pop("series"):
                chart.add_series(series)
            if "title" in spec:
                chart.set_title({"name": spec.pop("title"), "name_font": {"size": 12}})
            for key, setter in (("x_axis", chart.set_x_axis), ("y_axis", chart.set_y_axis),
                                ("legend", chart.set_legend)):
                if key in spec:
                    setter(spec.pop(key))
            width, height = spec.pop("size", (18, 10))
            chart.set_size({"width": width * _PIXELS_PER_UNIT, "height": height * _PIXELS_PER_UNIT})
            row, col = spec.pop("anchor")
            sheets[title_].insert_chart(row - 1, col - 1, chart)
    wb.close()
    return Path(path)


__all__ = ["write_xlsx", "sheet_ref"]
