"""Built workbooks (cea.workbook.build.build_book) shared by the tests that type inputs into them: the build is
the same for every edit, so it is done once per (inputs, base case, horizon) and each test types into its own
copy.  ``set_inputs`` puts a new Cell in place of the old one and never changes a Cell object, so a copy of each
sheet's cell dictionary is all a test needs to leave the shared build untouched."""

from __future__ import annotations

import copy
import dataclasses

from cea.workbook.build import build_book
from cea.workbook.core import Book

_BUILT: dict[tuple, tuple[object, object, Book]] = {}


def editable_book(inputs, base, max_horizon_years: float) -> Book:
    """A fresh copy of build_book(inputs, base, max_horizon_years=...) to type inputs into."""
    key = (id(inputs), id(base), max_horizon_years)
    if key not in _BUILT:  # the inputs and base case are kept with the book, so their ids stay theirs
        _BUILT[key] = (inputs, base, build_book(inputs, base, max_horizon_years=max_horizon_years))
    return copy_for_edits(_BUILT[key][2])


def copy_for_edits(book: Book) -> Book:
    twin = copy.copy(book)
    twin.sheets = {title: dataclasses.replace(sheet, cells=dict(sheet.cells)) for title, sheet in book.sheets.items()}
    twin.defined = dict(book.defined)
    return twin
