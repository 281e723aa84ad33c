"""The workbook's look and the cell helpers every sheet writer uses.

Colour key (as in NICE company models): inputs are blue on pale yellow and unlocked; formulas are
black and locked; values pasted from Python analyses are grey.  Styles are XlsxWriter format
properties (dicts) and combine by merging.  Every piece of text from the inputs or an analysis
frame goes through :func:`put_text`, which never lets it become a formula (CSV/formula injection).
"""

from __future__ import annotations

from typing import Any

from cea.workbook.core import Sheet, Style, column_letter
from cea.workbook.formats import money_format  # noqa: F401 (cea.workbook.style.money_format, as before)

INPUT_FONT: Style = {"font_color": "#0000FF"}
INPUT_FILL: Style = {"bg_color": "#FFF2CC", "pattern": 1}
FORMULA_FONT: Style = {"font_color": "#000000"}
VALUE_FONT: Style = {"font_color": "#595959"}
TITLE_FONT: Style = {"bold": True, "font_size": 16, "font_color": "#1F3864"}
SUBTITLE_FONT: Style = {"italic": True, "font_color": "#595959"}
SECTION_FONT: Style = {"bold": True, "font_size": 12, "font_color": "#1F3864"}
HEADER_FONT: Style = {"bold": True, "font_color": "#FFFFFF"}
HEADER_FILL: Style = {"bg_color": "#1F3864", "pattern": 1}
TOTAL_FONT: Style = {"bold": True, "font_color": "#000000"}
KEY_FILL: Style = {"bg_color": "#DDEBF7", "pattern": 1}
TOP_BORDER: Style = {"top": 1, "top_color": "#000000"}
BOX: Style = {"border": 1, "border_color": "#BFBFBF"}
UNLOCKED: Style = {"locked": False}
WRAP: Style = {"text_wrap": True, "valign": "top"}
HEADER_ALIGN: Style = {"text_wrap": True, "valign": "vcenter", "align": "center"}
ERROR_FILL: Style = {"bg_color": "#FFC7CE", "font_color": "#9C0006", "pattern": 1}
OK_FILL: Style = {"bg_color": "#C6EFCE", "font_color": "#006100", "pattern": 1}
BASE: Style = {"font_name": "Calibri", "font_size": 11}

GENERAL = "General"
PROB = "0.000000"
OCC = "0.00000"
FACTOR = "0.0000"
YEARS = "0.000"
PCT = "0.0%"
INTEGER = "0"

PALETTE = ("#1F3864", "#C00000", "#548235", "#ED7D31", "#7030A0", "#7F7F7F")


def merge(*styles: Style | None, fmt: str | None = None) -> Style:
    out: Style = dict(BASE)
    for style in styles:
        if style:
            out.update(style)
    if fmt is not None and fmt != GENERAL:
        out["num_format"] = fmt
    return out


def put_text(ws: Sheet, row: int, col: int, text: Any, font: Style | None = None, fmt: str | None = None,
             align: Style | None = None, fill: Style | None = None):
    return ws.text(row, col, text, merge(font, align, fill, fmt=fmt))


def put_value(ws: Sheet, row: int, col: int, value: Any, fmt: str | None = None, font: Style | None = VALUE_FONT):
    return ws.value(row, col, value, merge(font, fmt=fmt))


def put_formula(ws: Sheet, row: int, col: int, formula: str, fmt: str | None = None, font: Style | None = None,
                extra: Style | None = None):
    return ws.formula(row, col, formula, merge(font, extra, fmt=fmt))


def put_input(ws: Sheet, row: int, col: int, value: Any, fmt: str | None = None):
    """An editable input: blue on yellow, unlocked.  Text inputs are stored as text (never formulas)."""
    style = merge(INPUT_FONT, INPUT_FILL, UNLOCKED, BOX, fmt=fmt)
    if isinstance(value, str):
        return ws.text(row, col, value, style)
    return ws.value(row, col, value, style)


def header_row(ws: Sheet, row: int, labels: list[str], col: int = 1, height: float | None = None) -> None:
    for j, label in enumerate(labels):
        put_text(ws, row, col + j, label, font=HEADER_FONT, fill=HEADER_FILL, align=HEADER_ALIGN)
    if height:
        ws.heights[row] = height


def title(ws: Sheet, text: str, subtitle: str | None = None) -> None:
    put_text(ws, 1, 1, text, font=TITLE_FONT)
    ws.heights[1] = 24
    if subtitle:
        put_text(ws, 2, 1, subtitle, font=SUBTITLE_FONT)


def widths(ws: Sheet, sizes: dict[int, float] | list[float]) -> None:
    ws.set_widths(sizes)


def area(sheet: str, r1: int, c1: int, r2: int | None = None, c2: int | None = None) -> list:
    """A chart data reference in XlsxWriter's list form (0-based)."""
    return [sheet, r1 - 1, c1 - 1, (r2 if r2 is not None else r1) - 1, (c2 if c2 is not None else c1) - 1]


def line_chart(chart_title: str, x: list, series: list[tuple[list, str]], x_title: str, y_title: str,
               y_format: str = "0%", x_format: str = "0", y_max: float | None = None) -> dict[str, Any]:
    """Native scatter chart with straight lines (numeric x axis): one (y area, title) per series."""
    y_axis: dict[str, Any] = {"name": y_title, "num_format": y_format, "min": 0, "major_gridlines": {"visible": True}}
    if y_max is not None:
        y_axis["max"] = y_max
    return {
        "type": "scatter", "subtype": "straight", "title": chart_title, "legend": {"position": "bottom"},
        "series": [{"name": name, "categories": x, "values": y, "line": {"color": PALETTE[k % len(PALETTE)],
                                                                          "width": 1.75}, "marker": {"type": "none"}}
                   for k, (y, name) in enumerate(series)],
        "x_axis": {"name": x_title, "num_format": x_format, "min": 0},
        "y_axis": y_axis, "size": (18, 10),
    }


def col(letter_or_index: int) -> str:
    return column_letter(letter_or_index)
