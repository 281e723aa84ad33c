"""Cell-by-cell comparison of a workbook's cached values (computed at export by cea.workbook.evaluate) with the
same workbook recalculated by LibreOffice: every cell of every sheet."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import openpyxl


def sheet_values(path: Path) -> dict[str, dict[str, object]]:
    """{sheet: {coordinate: value}} as openpyxl reads the cached values (empty cells left out)."""
    from openpyxl.utils.cell import get_column_letter

    return {title: {f"{get_column_letter(c)}{r}": v for (r, c), v in cells.items()}
            for title, cells in sheet_cells(path).items()}


def sheet_cells(path: Path, *titles: str) -> dict[str, dict[tuple[int, int], object]]:
    """{sheet: {(row, column): cached value}} of the sheets ``titles`` (every sheet when none), read with openpyxl
    in read-only mode: the same values a full load gives, and only the sheets asked for are parsed (a full load of
    a recalculated model.xlsx takes some 3 s; its Inputs sheet alone, a few hundredths)."""
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return {title: {(r, c): v for r, row in enumerate(wb[title].iter_rows(min_row=1, min_col=1, values_only=True),
                                                          start=1)
                        for c, v in enumerate(row, start=1) if v is not None}
                for title in (titles or wb.sheetnames)}
    finally:
        wb.close()


class NamedValues:
    """The cached value of a defined name's single cell: ``NamedValues(path)("checks")``.  Each sheet is read
    once (:func:`sheet_cells`), when a name on it is first asked for."""

    def __init__(self, path: Path) -> None:
        from cea.workbook.recalc import input_cells

        self.path = path
        self.cells = input_cells(path)
        self._sheets: dict[str, dict[tuple[int, int], object]] = {}

    def sheet(self, title: str) -> dict[tuple[int, int], object]:
        if title not in self._sheets:
            self._sheets |= sheet_cells(self.path, title)
        return self._sheets[title]

    def __call__(self, name: str) -> object:
        from openpyxl.utils.cell import coordinate_to_tuple

        title, coordinate = self.cells[name]
        return self.sheet(title).get(coordinate_to_tuple(coordinate))


def differences(cached: Path, recalculated: Path, *, skip: Callable[[str, str], bool] = lambda s, c: False,
                rel: float = 1e-9, abs_: float = 1e-11, abs_by_sheet: dict[str, float] | None = None,
                ) -> tuple[dict[str, int], list[tuple[str, str, object, object]]]:
    """Compare every cell of every sheet: numbers to ``rel`` (and ``abs_`` for results that are differences of
    near-equal numbers), text, logical values and errors exactly; an empty cell equals an empty text.  Returns
    (cells compared per sheet, differences as (sheet, coordinate, cached, recalculated)); ``skip(sheet,
    coordinate)`` leaves out cells that legitimately differ (the caller says why); ``abs_by_sheet`` gives a sheet
    whose near-zero cells are differences of larger numbers its own absolute tolerance."""
    a, b = sheet_values(cached), sheet_values(recalculated)
    assert list(a) == list(b), (list(a), list(b))
    compared: dict[str, int] = {}
    wrong = []
    for sheet, cells in a.items():
        other = b[sheet]
        tolerance = (abs_by_sheet or {}).get(sheet, abs_)
        n = 0
        for coordinate in cells.keys() | other.keys():
            if skip(sheet, coordinate):
                continue
            want, got = cells.get(coordinate), other.get(coordinate)
            n += 1
            if want == "":
                want = None
            if got == "":
                got = None
            if isinstance(want, bool) or isinstance(got, bool):
                ok = want == got and type(want) is type(got)
            elif isinstance(want, (int, float)) and isinstance(got, (int, float)):
                ok = math.isclose(want, got, rel_tol=rel, abs_tol=tolerance)
            else:
                ok = want == got
            if not ok:
                wrong.append((sheet, coordinate, want, got))
        compared[sheet] = n
    return compared, wrong


def data_table_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, coordinate) of every cell inside an Excel data table ({=TABLE()}, model_psa.xlsx and model_dsa.xlsx)."""
    import re
    import zipfile

    from openpyxl.utils.cell import get_column_letter, range_boundaries

    from cea.workbook.data_table import sheet_parts

    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    out = set()
    for title, part in sheet_parts(files).items():
        for ref in re.findall(r'<f t="dataTable"[^>]*\sref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', files[part].decode()):
            c1, r1, c2, r2 = range_boundaries(ref)
            out |= {(title, f"{get_column_letter(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return out


def compare_with_companion(path: Path, companion: Path, folder: Path, **options) -> dict[str, dict[str, int]]:
    """``path`` (model.xlsx) and its companion with a live data table (model_psa.xlsx / model_dsa.xlsx) recalculated
    by LibreOffice in one start and compared cell by cell with their cached values (``options`` as for
    :func:`differences`); the companion's data-table cells are skipped (shipped switched off, LibreOffice shows
    #N/A there; the re-run tests compare them with the engine).  Asserts no difference; returns the number of cells
    compared per sheet, by file name."""
    from cea.workbook.recalc import recalculate

    table_cells = data_table_cells(companion)
    sources = folder / "src"
    sources.mkdir(parents=True)
    copies = [sources / path.name, sources / companion.name]
    copies[0].write_bytes(path.read_bytes())
    copies[1].write_bytes(companion.read_bytes())
    out = {}
    for source, recalculated in zip(copies, recalculate(copies, folder / "lo")):
        skip = (lambda s, c: (s, c) in table_cells) if source.name == companion.name else (lambda s, c: False)
        compared, wrong = differences(source, recalculated, skip=skip, **options)
        assert not wrong, (source.name, wrong[:10])
        out[source.name] = compared
    return out
