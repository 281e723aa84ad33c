"""Shared look and helpers of the Excel workbook: colours, number formats, safe text, defined names.

Colour key (as in NICE company models): inputs are blue on pale yellow and unlocked;
formulas are black and locked; values pasted from Python analyses are grey.  Every
piece of text that comes from the inputs or from an analysis frame goes through
:func:`put_text`, which never lets it become a formula (CSV/formula injection).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

# --------------------------------------------------------------------------- look
INPUT_FONT = Font(name="Calibri", size=11, color="0000FF")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FORMULA_FONT = Font(name="Calibri", size=11, color="000000")
VALUE_FONT = Font(name="Calibri", size=11, color="595959")
TITLE_FONT = Font(name="Calibri", size=16, bold=True, color="1F3864")
SUBTITLE_FONT = Font(name="Calibri", size=11, italic=True, color="595959")
SECTION_FONT = Font(name="Calibri", size=12, bold=True, color="1F3864")
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
TOTAL_FONT = Font(name="Calibri", size=11, bold=True, color="000000")
KEY_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="BFBFBF")
TOP_BORDER = Border(top=Side(style="thin", color="000000"))
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

GENERAL = "General"
PROB = "0.000000"
OCC = "0.00000"
FACTOR = "0.0000"
YEARS = "0.000"
PCT = "0.0%"
INTEGER = "0"

FORMULA_PREFIXES = ("=", "+", "-", "@")
_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def money_format(currency: str, decimals: int = 0) -> str:
    symbol = _SYMBOLS.get(currency, currency + " ")
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'"{symbol}"{digits};-"{symbol}"{digits}'


# --------------------------------------------------------------------------- cells
def clean_text(value: Any) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put_text(ws: Worksheet, row: int, col: int, text: Any, font: Font | None = None, fmt: str | None = None,
             align: Alignment | None = None, fill: PatternFill | None = None):
    """Text cell that can never be a formula: text beginning with =, +, - or @ is stored as a string
    with Excel's quote prefix (shown as typed, never evaluated)."""
    text = clean_text(text)
    cell = ws.cell(row=row, column=col)
    cell.value = text
    if text.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fmt is not None:
        cell.number_format = fmt
    if align is not None:
        cell.alignment = align
    if fill is not None:
        cell.fill = fill
    return cell


def put_value(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, font: Font | None = VALUE_FONT):
    """A static value (number, bool, text); non-finite numbers become blank; text goes through put_text."""
    if isinstance(value, str):
        return put_text(ws, row, col, value, font=font, fmt=fmt)
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = None
    else:
        cell.value = value
    if fmt is not None:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    return cell


def put_formula(ws: Worksheet, row: int, col: int, formula: str, fmt: str | None = None, font: Font | None = None):
    cell = ws.cell(row=row, column=col)
    cell.value = "=" + formula
    if fmt is not None:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    return cell


def put_input(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None):
    """An editable input: blue on yellow, unlocked.  Text inputs are stored as text (never formulas)."""
    if isinstance(value, str):
        cell = put_text(ws, row, col, value)
    else:
        cell = ws.cell(row=row, column=col)
        cell.value = None if isinstance(value, float) and not math.isfinite(value) else value
    cell.font = INPUT_FONT
    cell.fill = INPUT_FILL
    cell.protection = UNLOCKED
    cell.border = BOX
    if fmt is not None:
        cell.number_format = fmt
    return cell


def header_row(ws: Worksheet, row: int, labels: list[str], col: int = 1, height: float | None = None) -> None:
    for j, label in enumerate(labels):
        put_text(ws, row, col + j, label, font=HEADER_FONT, fill=HEADER_FILL, align=HEADER_ALIGN)
    if height:
        ws.row_dimensions[row].height = height


def title(ws: Worksheet, text: str, subtitle: str | None = None) -> None:
    put_text(ws, 1, 1, text, font=TITLE_FONT)
    ws.row_dimensions[1].height = 24
    if subtitle:
        put_text(ws, 2, 1, subtitle, font=SUBTITLE_FONT)


def widths(ws: Worksheet, sizes: dict[int, float] | list[float]) -> None:
    items = sizes.items() if isinstance(sizes, dict) else enumerate(sizes, start=1)
    for col, width in items:
        ws.column_dimensions[get_column_letter(col)].width = width


def protect(ws: Worksheet) -> None:
    """Lock the sheet (no password): formulas cannot be overwritten; unlocked inputs stay editable;
    columns and rows may still be resized."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def sheet_ref(title_: str) -> str:
    """Sheet name as used in a formula: 'Trace eve_exe'!"""
    return "'" + title_.replace("'", "''") + "'!"


def abs_ref(col: int, row: int) -> str:
    return f"${get_column_letter(col)}${row}"


def rel_ref(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique worksheet title (<= 31 characters, no []:*?/\\ or quotes)."""
    base = re.sub(r"[\[\]:*?/\\'\"]", "_", text)[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name)
    return name


# --------------------------------------------------------------------------- defined names
_A1 = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")
_R1C1 = re.compile(r"^[Rr][0-9]*([Cc][0-9]*)?$|^[Cc][0-9]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _looks_like_reference(name: str) -> bool:
    m = _A1.match(name)
    if m:
        letters = m.group(1).upper()
        return len(letters) < 3 or letters <= "XFD"
    return bool(_R1C1.match(name))


@dataclass
class Names:
    """Model ids → Excel defined names (valid, unique, never confusable with a cell reference)."""

    by_id: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def make(self, model_id: str, preferred: str | None = None) -> str:
        if model_id in self.by_id:
            return self.by_id[model_id]
        name = re.sub(r"[^A-Za-z0-9_.]", "_", preferred or model_id)[:200]
        if not _NAME.match(name) or _looks_like_reference(name) or name.upper() in ("TRUE", "FALSE"):
            name = "p_" + name
        base, i = name, 2
        while name.lower() in self.taken:
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name.lower())
        self.by_id[model_id] = name
        return name

    def __getitem__(self, model_id: str) -> str:
        return self.by_id[model_id]


def define(wb, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=sheet_ref(sheet) + ref)


class _FastCell(Cell):
    """A Cell that remembers its style id (computed once per number format), so saving does not hash
    every cell's style again; falls back to the normal lookup if the cell's style was changed."""

    __slots__ = ("_sid", "_template")

    @property
    def style_id(self):
        if self._style == self._template:
            return self._sid
        return self.parent.parent._cell_styles.add(self._style)


class FastCells:
    """Bulk cell writer for the large sheets (traces, PSA): builds openpyxl cells directly with a cached
    style per number format, skipping the per-assignment type checks (several times faster to build
    and to save).  Strings given here must be formulas (beginning with '='); text goes through put_text."""

    def __init__(self, ws: Worksheet, font: Font | None = None):
        self.ws = ws
        self.font = font
        self._styles: dict[str, tuple[Any, int]] = {}

    def _style(self, fmt: str) -> tuple[Any, int]:
        style = self._styles.get(fmt)
        if style is None:
            probe = Cell(self.ws)
            probe.number_format = fmt
            if self.font is not None:
                probe.font = self.font
            style = self._styles[fmt] = (probe._style, probe.style_id)
        return style

    def put(self, row: int, col: int, value: Any, fmt: str = GENERAL) -> None:
        if isinstance(value, str):
            if not value.startswith("="):
                raise ValueError("FastCells.put takes numbers or formulas; use put_text for text")
            data_type = "f"
        else:
            data_type = "b" if isinstance(value, bool) else "n"
        template, sid = self._style(fmt)
        cell = _FastCell.__new__(_FastCell)  # the attributes Cell.__init__ sets, without its per-value checks
        cell.parent = self.ws
        cell._style = StyleArray(template)
        cell._template, cell._sid = template, sid
        cell.row, cell.column = row, col
        cell._value, cell.data_type = value, data_type
        cell._hyperlink = cell._comment = None
        self.ws._cells[(row, col)] = cell


PALETTE = ("1F3864", "C00000", "548235", "ED7D31", "7030A0", "7F7F7F")


def line_chart(chart_title: str, x, series: list[tuple[Any, str]], x_title: str, y_title: str,
               y_format: str = "0%", x_format: str = "0", y_max: float | None = None):
    """Native scatter chart with straight lines (numeric x axis): one (y reference, title) per series."""
    from openpyxl.chart import ScatterChart, Series

    chart = ScatterChart()
    chart.title = chart_title
    chart.scatterStyle = "line"
    for k, (y, name) in enumerate(series):
        s = Series(y, x, title=name)
        s.marker.symbol = "none"
        s.smooth = False
        s.graphicalProperties.line.solidFill = PALETTE[k % len(PALETTE)]
        s.graphicalProperties.line.width = 22000  # EMU, about 1.75 pt
        chart.series.append(s)
    chart.x_axis.title, chart.y_axis.title = x_title, y_title
    chart.x_axis.number_format, chart.y_axis.number_format = x_format, y_format
    chart.y_axis.scaling.min = 0
    if y_max is not None:
        chart.y_axis.scaling.max = y_max
    chart.x_axis.scaling.min = 0
    chart.legend.position = "b"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl >= 3.1 hides axes unless told
    chart.height, chart.width = 10, 18
    return chart
