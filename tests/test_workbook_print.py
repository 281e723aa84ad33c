"""Print layout of the payer workbook, read back from the file: A4 landscape, fit to one page wide where that
stays readable (else a fixed scale across pages with repeated header rows and columns), repeated headers on
long sheets, wrapped text with room for its lines, charts beside (never over) tables, Validation labels in
words.  The printed text size is recomputed here from the file's column widths, margins and scaling
(independently of cea.workbook.printing's estimate)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from cea.analyses.base_case import run_base_case
from cea.analyses.budget_impact import run_budget_impact
from cea.inputs.model_inputs import load_inputs
from cea.workbook import write_workbook
from cea.workbook.checks import CHECK_COL
from cea.workbook.core import column_letter
from tests.test_workbook import small_frames

ROOT = Path(__file__).resolve().parents[1]
A4_LANDSCAPE_WIDTH_IN = 11.69
MIN_POINTS = 7.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    inputs = load_inputs(ROOT / "inputs")
    frames = small_frames(inputs)
    frames["budget_impact"] = run_budget_impact(inputs).inputs
    return write_workbook(tmp_path_factory.mktemp("print") / "model.xlsx", inputs, run_base_case(inputs), **frames)


@pytest.fixture(scope="module")
def book(exported):
    return openpyxl.load_workbook(exported)


def _width(ws, col: int) -> float:
    """Column width in characters (a <col> element may cover several columns: min..max)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= (dim.max or dim.min) and dim.width:
            return dim.width
    return 8.43


def _pixels(ws, col: int) -> float:
    """Printed width of a column: the file stores the width with Excel's 5 px padding included (64 px default)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= col <= (dim.max or dim.min) and dim.width:
            return dim.width * 7
    return 64.0


def _printed_columns(ws) -> range:
    if ws.print_area:
        first, last = re.findall(r"\$([A-Z]+)\$\d+", ws.print_area if isinstance(ws.print_area, str)
                                 else ws.print_area[0])
        return range(openpyxl.utils.column_index_from_string(first), openpyxl.utils.column_index_from_string(last) + 1)
    return range(1, ws.max_column + 1)


def _chart_box(chart) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col), 1-based, of a chart's two-cell anchor."""
    a = chart.anchor
    return a._from.row + 1, a._from.col + 1, a.to.row + 1, a.to.col + 1


def _points(ws) -> float:
    """11 pt text after the sheet's print scaling."""
    setup = ws.page_setup
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        cols = _printed_columns(ws)
        right = max([cols[-1]] + [_chart_box(c)[3] for c in ws._charts])
        pixels = sum(_pixels(ws, c) for c in range(cols[0], right + 1))
        printable = (A4_LANDSCAPE_WIDTH_IN - ws.page_margins.left - ws.page_margins.right) * 96
        return 11 * min(1.0, printable / pixels)
    return 11 * (setup.scale or 100) / 100


def test_every_sheet_prints_a4_landscape_with_a_footer(book):
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9, ws.title
        assert "&P" in (ws.oddFooter.right.text or ""), ws.title


def test_every_sheet_prints_at_a_readable_size(book):
    sizes = {ws.title: _points(ws) for ws in book.worksheets}
    assert all(size >= MIN_POINTS for size in sizes.values()), sizes
    # the sheets a reviewer reads as tables fit one page wide
    for title in ("Cover", "Inputs", "Results", "Budget impact", "Scenarios"):
        ws = book[title]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, title
        assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0, title  # 1: default


def test_wide_sheets_repeat_headers_and_first_columns(book):
    for title in ("Surv eve_exe", "Trace eve_exe", "Surv exe", "Trace exe"):
        ws = book[title]
        assert ws.print_title_rows == "$9:$9", title
        assert ws.print_title_cols == "$A:$A", title
        assert ws.page_setup.scale == 64, title
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, title
    assert book["Results"].print_title_rows == "$4:$4"
    assert book["BIA cycles"].print_title_rows is not None
    for ws in book.worksheets:  # a sheet printed across pages always repeats its first column
        if not ws.sheet_properties.pageSetUpPr.fitToPage:
            assert ws.print_title_cols and ws.print_title_cols.startswith("$A:"), ws.title


def test_inputs_print_the_inputs_table_without_the_helper_columns(book):
    ws = book["Inputs"]
    assert ws.print_area == f"'Inputs'!$A$1:${column_letter(CHECK_COL - 1)}${ws.max_row}"


def test_trace_sheets_print_the_exported_horizon(book):
    inputs = load_inputs(ROOT / "inputs")
    last = 10 + inputs.settings.n_cycles
    for title in ("Surv eve_exe", "Trace exe"):
        assert book[title].print_area.endswith(f"${last}"), title


def test_no_chart_covers_a_table(book):
    charts = 0
    for ws in book.worksheets:
        for chart in ws._charts:
            charts += 1
            r1, c1, r2, c2 = _chart_box(chart)
            covered = [cell.coordinate for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2)
                       for cell in row if cell.value not in (None, "")]
            assert not covered, (ws.title, covered[:5])
    assert charts >= 7


def test_wrapped_text_has_room_for_its_lines(book):
    """No overlap on paper: a row of wrapped text is at least as tall as its lines (at 1.25 characters per
    width unit, looser than the layout's own 1.1), for merged cells the merged width."""
    checked = 0
    for ws in book.worksheets:
        merged = {(m.min_row, m.min_col): sum(_width(ws, c) for c in range(m.min_col, m.max_col + 1))
                  for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text or cell.data_type == "f":
                    continue
                if cell.fill.fill_type == "solid":  # header rows: their writers set the height for the header
                    continue
                width = merged.get((cell.row, cell.column), _width(ws, cell.column))
                lines = math.ceil(len(cell.value) / (width * 1.25))
                height = ws.row_dimensions[cell.row].height or 15
                assert height >= 15 * lines - 1e-9, (ws.title, cell.coordinate, height, lines)
                checked += 1
    assert checked > 100


def test_cover_paragraphs_wrap(book):
    ws = book["Cover"]
    long = [c for row in ws.iter_rows(min_col=2, max_col=2) for c in row
            if isinstance(c.value, str) and len(c.value) > 1.1 * _width(ws, 2)]
    assert long and all(c.alignment.wrap_text for c in long)


def test_validation_labels_are_words_not_paths(book):
    ws = book["Validation"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Result")
    labels = [ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)]
    labels = labels[:labels.index(None)]
    assert len(labels) > 50
    assert not [x for x in labels if re.match(r"^(arms|incremental)\.", x)]
    assert "Everolimus + exemestane: costs, drug acquisition (undiscounted)" in labels
    assert "Incremental: net monetary benefit at 30,000 per QALY" in labels
    assert ws.cell(header + 1, 5).value.startswith("Results!")


def _metric_compatible_calibri() -> bool:
    """LibreOffice lays out with Calibri or its metric twin Carlito; any other substitute (e.g. DejaVu Sans)
    has wider digits, so columns and the fit-to-width scaling differ from what Excel prints."""
    if shutil.which("fc-match") is None:
        return False
    found = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    return "Calibri" in found or "Carlito" in found


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice and poppler")
@pytest.mark.skipif(not _metric_compatible_calibri(), reason="no Calibri or Carlito font: LibreOffice would lay the "
                                                            "sheets out with a wider substitute")
def test_pdf_export_prints_every_sheet_at_a_readable_size(exported, tmp_path):
    """LibreOffice's own PDF: the usual word height on every page, relative to the Life table (3 narrow columns,
    printed at 100%: 11 pt), is at least 7 pt."""
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), str(exported)], check=True, capture_output=True, timeout=1800)
    text = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "model.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    heights: dict[str, list[float]] = {}
    for page in text.split("<page ")[1:]:
        words = [(float(y1), float(y2), w) for y1, y2, w in
                 re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', page)]
        if len(words) < 5:
            continue
        bottom = max(y2 for _, y2, _ in words)
        footer = [w for y1, y2, w in words if abs(y2 - bottom) < 0.5]  # "<sheet> ... Page n of N"
        body = [round(y2 - y1, 2) for y1, y2, _ in words if y2 < bottom - 5]
        if footer[0] == "Page" or not body:
            continue
        usual = max(set(body), key=body.count)
        heights.setdefault(" ".join(footer[:footer.index("Page")]) if "Page" in footer else footer[0], []).append(usual)
    reference = max(set(heights["Life table"]), key=heights["Life table"].count)
    points = {sheet: 11 * min(h) / reference for sheet, h in heights.items()}
    for sheet in ("Cover", "Inputs", "Results", "Budget impact", "Surv eve_exe", "Trace exe", "DSA", "Validation"):
        assert points[sheet] >= 7.0 - 0.05, (sheet, points)
