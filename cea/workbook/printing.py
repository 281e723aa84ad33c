"""Print layout: what a reviewer gets from File > Print or a PDF export, decided once for every sheet.

Applied by ``cea.workbook.xlsx`` just before writing (after every sheet writer), so sheet writers only
say what a sheet is; the choices here are the same for all of them:

- A4 landscape, narrow margins, footer "<sheet> · page n of N" (set in xlsx.py).
- Sheets that fit on one page wide (``Sheet.fit_width``) must print at ``MIN_PRINTED_POINTS`` or more.
  Where the columns are too wide for that, the widest text columns are narrowed (never below
  ``MIN_TEXT_WIDTH``) and their data text wraps; section titles and notes keep overflowing to the right.
- Every row holding wrapped text gets a height for its number of lines (a spreadsheet does not grow rows
  for wrapped text written by a program, so long text would otherwise be cut or overlap the next row).
- Sheets too wide for one page even so (the model sheets, wide validation tables) print across pages at
  ``PAGE_SCALE`` with their header rows and first (frozen) columns repeated on every page; the model
  sheets print the cycles of the exported horizon (rows after it carry zero weight; Page Layout > Print
  Area prints more).
- Inputs prints the inputs table (columns A-J); the live check and value-in-use columns stay on screen.
- A chart never covers cells: one that would is moved to the right of the cells in its rows; a chart that
  makes a page too wide to read moves below the tables.
- Text is never cut: data text stopped by a non-empty neighbour wraps; text running past the printed
  columns wraps inside them.

The estimates use Excel's column unit (the width of '0' in Calibri 11: 7 px, plus 5 px padding) and
96 px per inch; `printed_points` is what the tests check.
"""

from __future__ import annotations

import math

from cea.workbook.core import Book, Sheet, freeze

MIN_PRINTED_POINTS = 7.9  # effective font size after fit-to-width scaling (11 pt x scale), by the estimate below;
# LibreOffice (with Calibri's metric twin Carlito) fits some 10% smaller than this estimate: 7.9 prints at >= 7 pt
PAGE_SCALE = 64  # percent, sheets printed across several pages (11 pt -> 7.04 pt)
MIN_TEXT_WIDTH = 18.0  # narrowest a wrapped text column gets (characters)
BASE_POINTS = 11.0
DEFAULT_WIDTH = 8.43
DEFAULT_HEIGHT = 15.0  # points
LINE_HEIGHT = 15.0  # points per line of 11 pt text
CHARS_PER_UNIT = 1.25  # characters of running text per column-width unit (Calibri 11; measured ~1.3 in print)
FIT_CHARS_PER_UNIT = 1.1  # ... when deciding whether a line fits without wrapping (err towards wrapping)
PAGE_WIDTH_IN, PAGE_HEIGHT_IN = 11.69, 8.27  # A4 landscape
MARGIN_LR_IN, MARGIN_TB_IN = 0.4, 0.6
CHART_PIXELS_PER_UNIT = 37.8  # chart 'size' units (cm-like) to pixels, as in xlsx.py


def column_pixels(width: float) -> float:
    return width * 7 + 5


def row_pixels(height_points: float) -> float:
    return height_points * 4 / 3


def chart_pixels(chart: dict) -> tuple[float, float]:
    width, height = chart.get("size", (18, 10))
    return width * CHART_PIXELS_PER_UNIT, height * CHART_PIXELS_PER_UNIT


def printed_columns(ws: Sheet) -> range:
    if ws.print_area:
        return range(ws.print_area[1], ws.print_area[3] + 1)
    return range(1, ws.max_col() + 1)


def sheet_pixels(ws: Sheet, cols: range | None = None) -> float:
    """Printed width in pixels: the printed columns (``cols``, when already known), or further right where a
    chart ends."""
    cols = printed_columns(ws) if cols is None else cols
    width = sum(column_pixels(ws.widths.get(c, DEFAULT_WIDTH)) for c in cols)
    for chart in ws.charts:
        left = sum(column_pixels(ws.widths.get(c, DEFAULT_WIDTH)) for c in range(cols.start, chart["anchor"][1]))
        width = max(width, left + chart_pixels(chart)[0])
    return width


def printed_points(ws: Sheet) -> float:
    """Effective size of 11 pt text on paper after fit-to-width scaling (11 when printed at 100%)."""
    if not ws.fit_width:
        return BASE_POINTS * PAGE_SCALE / 100
    printable = (PAGE_WIDTH_IN - 2 * MARGIN_LR_IN) * 96
    return BASE_POINTS * min(1.0, printable / sheet_pixels(ws))


def chart_cells(ws: Sheet, chart: dict) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col) a chart covers."""
    row, col = chart["anchor"]
    width, height = chart_pixels(chart)
    c = col
    while width > 0:
        width -= column_pixels(ws.widths.get(c, DEFAULT_WIDTH))
        c += 1
    r = row
    while height > 0:
        height -= row_pixels(ws.heights.get(r, DEFAULT_HEIGHT))
        r += 1
    return row, col, r - 1, c - 1


def covered_cells(ws: Sheet, chart: dict) -> list[tuple[int, int]]:
    """Non-empty cells under a chart."""
    r1, c1, r2, c2 = chart_cells(ws, chart)
    return [(r, c) for (r, c), cell in ws.cells.items()
            if r1 <= r <= r2 and c1 <= c <= c2 and (cell.value not in (None, "") or cell.formula)]


def _is_data_text(ws: Sheet, row: int, col: int) -> bool:
    """Plain text of a table (not a title, section heading, note in italics or a header on a fill)."""
    cell = ws.cells[(row, col)]
    if not isinstance(cell.value, str) or cell.formula is not None:
        return False
    style = dict(cell.style)
    return not (style.get("italic") or style.get("bold") or style.get("font_size", BASE_POINTS) != BASE_POINTS
                or "bg_color" in style)


def _text_columns(ws: Sheet) -> dict[int, int]:
    """{column: number of data-text cells} for the printed columns."""
    counts: dict[int, int] = {}
    cols = set(printed_columns(ws))
    for (r, c), cell in ws.cells.items():  # text cells only reach _is_data_text (most cells are formulas)
        if c in cols and isinstance(cell.value, str) and _is_data_text(ws, r, c):
            counts[c] = counts.get(c, 0) + 1
    return counts


def _text_units(style: dict, text: str) -> float:
    """Length of a line of text in 11-pt characters (bigger and bold fonts take more room)."""
    return len(text) * style.get("font_size", BASE_POINTS) / BASE_POINTS * (1.1 if style.get("bold") else 1.0)


def _wrap(ws: Sheet, row: int, col: int) -> None:
    cell = ws.cells[(row, col)]
    style = dict(cell.style)
    if not style.get("text_wrap"):
        style.update({"text_wrap": True, "valign": "top"})
        cell.style = freeze(style)


def _prose_columns(ws: Sheet) -> list[int]:
    """Printed columns (not the first: it names the rows) whose data text is mostly words (not identifiers)."""
    words: dict[int, list[int]] = {}
    cols = set(printed_columns(ws)) - {1}
    for (r, c), cell in ws.cells.items():
        if c in cols and isinstance(cell.value, str) and _is_data_text(ws, r, c):
            words.setdefault(c, [0, 0])[" " in cell.value.strip()] += 1
    return [c for c, (one, several) in words.items() if several >= 2 and several >= one]


def narrow_for_print(ws: Sheet) -> bool:
    """Narrow the widest prose columns (wrapping their text) until the sheet prints at MIN_PRINTED_POINTS;
    False (and nothing changed) when even MIN_TEXT_WIDTH is not narrow enough."""
    if printed_points(ws) >= MIN_PRINTED_POINTS:
        return True
    printable = (PAGE_WIDTH_IN - 2 * MARGIN_LR_IN) * 96
    target = printable * BASE_POINTS / MIN_PRINTED_POINTS
    wide = [c for c in _prose_columns(ws) if ws.widths.get(c, DEFAULT_WIDTH) > MIN_TEXT_WIDTH]
    original = {c: ws.widths.get(c, DEFAULT_WIDTH) for c in wide}
    cols = printed_columns(ws)  # the cells do not change while the widths are searched

    def apply(cap: float) -> float:
        for c in wide:
            ws.widths[c] = min(original[c], cap)
        return sheet_pixels(ws, cols)

    if not wide or apply(MIN_TEXT_WIDTH) > target:
        for c in wide:
            ws.widths[c] = original[c]
        return False
    low, high = MIN_TEXT_WIDTH, max(original.values())
    for _ in range(30):
        mid = (low + high) / 2
        if apply(mid) > target:
            high = mid
        else:
            low = mid
    apply(math.floor(low))
    for (r, c), cell in list(ws.cells.items()):
        if c in wide and ws.widths[c] < original[c] and isinstance(cell.value, str) and _is_data_text(ws, r, c):
            _wrap(ws, r, c)
    return True


def wrap_overflow(ws: Sheet) -> None:
    """Text that would run past the last printed column (and so widen the printed page) wraps inside the
    printed width: in its own cell when it is in the last column, else merged across the empty cells to the
    right of it.  Header cells (on a fill) are left alone."""
    cols = printed_columns(ws)
    if not cols:
        return
    last = cols[-1]
    merged_rows = {r for r1, _, r2, _ in ws.merges for r in range(r1, r2 + 1)}
    for (r, c), cell in list(ws.cells.items()):
        if not isinstance(cell.value, str) or cell.formula is not None or c not in cols:
            continue
        style = dict(cell.style)
        if "bg_color" in style or style.get("text_wrap"):
            continue
        if any((r, k) in ws.cells and (ws.cells[(r, k)].value not in (None, "") or ws.cells[(r, k)].formula)
               for k in range(c + 1, last + 1)):
            continue  # bounded by the next cell: a spreadsheet cuts it there
        room = sum(ws.widths.get(k, DEFAULT_WIDTH) for k in range(c, last + 1)) * FIT_CHARS_PER_UNIT
        if _text_units(style, cell.value) <= room:
            continue
        if c < last:
            if r in merged_rows:
                continue
            ws.merges.append((r, c, r, last))
            merged_rows.add(r)
        _wrap(ws, r, c)


def wrap_cut_text(ws: Sheet) -> None:
    """Data text longer than its column and stopped by a non-empty cell to its right wraps (a spreadsheet
    would cut it at the next cell)."""
    texts = [(key, cell) for key, cell in ws.cells.items()  # (what _is_data_text checks first)
             if cell.formula is None and isinstance(cell.value, str)]
    for (r, c), cell in texts:
        if not _is_data_text(ws, r, c) or dict(cell.style).get("text_wrap"):
            continue
        right = ws.cells.get((r, c + 1))
        if right is None or (right.value in (None, "") and not right.formula):
            continue
        if len(cell.value) > ws.widths.get(c, DEFAULT_WIDTH) * FIT_CHARS_PER_UNIT:
            _wrap(ws, r, c)


def charts_below_tables(ws: Sheet) -> list[tuple[int, int]]:
    """Move the charts that reach beyond the sheet's columns below its last row, one under the other, at
    column A; returns the previous anchors (to undo)."""
    previous = [chart["anchor"] for chart in ws.charts]
    cells_px = sum(column_pixels(ws.widths.get(c, DEFAULT_WIDTH)) for c in range(1, ws.max_col() + 1))
    row = ws.max_row() + 2
    for chart in ws.charts:
        left = sum(column_pixels(ws.widths.get(c, DEFAULT_WIDTH)) for c in range(1, chart["anchor"][1]))
        if left + chart_pixels(chart)[0] > cells_px:
            chart["anchor"] = (row, 1)
            row = chart_cells(ws, chart)[2] + 2
    return previous


def top_align_wrapped_rows(ws: Sheet) -> None:
    """In rows with wrapped text, every cell aligns to the top (values beside a wrapped description)."""
    rows = {r for (r, c), cell in ws.cells.items() if dict(cell.style).get("text_wrap")}
    for (r, c), cell in ws.cells.items():
        if r in rows:
            style = dict(cell.style)
            if "valign" not in style:
                style["valign"] = "top"
                cell.style = freeze(style)


def fit_row_heights(ws: Sheet) -> None:
    """Rows with wrapped text get the height of their lines (CHARS_PER_UNIT characters of 11 pt text per width
    unit; bigger fonts take more room and taller lines); a height set by a writer is only ever raised, and
    header rows (on a fill) keep theirs."""
    merged = {(r1, c1): sum(ws.widths.get(c, DEFAULT_WIDTH) for c in range(c1, c2 + 1))
              for r1, c1, r2, c2 in ws.merges if r1 == r2}
    needed: dict[int, float] = {}
    for (r, c), cell in ws.cells.items():
        if not isinstance(cell.value, str):
            continue
        style = dict(cell.style)
        if not style.get("text_wrap") or "bg_color" in style:
            continue
        width = merged.get((r, c), ws.widths.get(c, DEFAULT_WIDTH))
        per_line = max(1.0, width * CHARS_PER_UNIT)
        lines = sum(max(1, math.ceil(_text_units(style, part) / per_line)) for part in cell.value.split("\n"))
        line = LINE_HEIGHT * style.get("font_size", BASE_POINTS) / BASE_POINTS
        needed[r] = max(needed.get(r, DEFAULT_HEIGHT), line * lines)
    for r, height in needed.items():
        if height > ws.heights.get(r, DEFAULT_HEIGHT):
            ws.heights[r] = height


def charts_beside_tables(ws: Sheet) -> None:
    """Move a chart that would cover cells to the right of the cells in the rows it spans."""
    for chart in ws.charts:
        for _ in range(3):
            if not covered_cells(ws, chart):
                break
            r1, _, r2, _ = chart_cells(ws, chart)
            right = max(c for (r, c) in ws.cells if r1 <= r <= r2)
            chart["anchor"] = (chart["anchor"][0], right + 2)


def model_sheet_print(book: Book, ws: Sheet) -> None:
    """Sheets printed across several pages: repeat the frozen columns; print the exported horizon's cycles."""
    if ws.freeze and ws.freeze[1] > 1 and not ws.repeat_cols:
        ws.repeat_cols = (1, ws.freeze[1] - 1)
    if ws.title in set(book.surv.values()) | set(book.trace.values()):
        last = book.first_row + book.inputs.settings.n_cycles
        ws.print_area = (1, 1, last, ws.max_col())


def prepare_print(book: Book) -> None:
    from cea.workbook.checks import CHECK_COL
    from cea.workbook.inputs import INPUTS

    for ws in book.sheets.values():
        charts_beside_tables(ws)
        if ws.title == INPUTS:  # the inputs table; the check and value-in-use columns (K-M) are live helpers
            ws.print_area = (1, 1, ws.max_row(), CHECK_COL - 1)
        if ws.fit_width and not narrow_for_print(ws) and ws.charts:
            previous = charts_below_tables(ws)  # a chart beside the table may be what makes the page too wide
            if not narrow_for_print(ws):
                for chart, anchor in zip(ws.charts, previous):
                    chart["anchor"] = anchor
        if ws.fit_width and not narrow_for_print(ws):
            ws.fit_width = False  # too wide for one page at a readable size: across pages, first column repeated
            ws.repeat_cols = ws.repeat_cols or (1, 1)
        if ws.fit_width:
            wrap_overflow(ws)
        else:
            model_sheet_print(book, ws)
        wrap_cut_text(ws)
        fit_row_heights(ws)
        top_align_wrapped_rows(ws)


__all__ = ["prepare_print", "printed_points", "covered_cells", "chart_cells", "MIN_PRINTED_POINTS"]
