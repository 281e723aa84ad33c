"""The payer workbook: the model as live Excel formulas, one module per sheet family.

How a workbook is made (``write_workbook``):

1. a :class:`~cea.workbook.core.Book` is filled by the registered sheet writers, in registration
   order (each writer is ``write(book) -> None``; it adds sheets with ``book.add_sheet``, writes cells
   with ``sheet.text / value / formula``, defines names with ``book.name``, and may read what earlier
   writers recorded in ``book.facts``);
2. ``cea.workbook.evaluate`` computes every formula's value, so the file shows results in any reader
   (cached values; a spreadsheet program recalculates on load as well);
3. ``cea.workbook.xlsx`` writes the file with XlsxWriter.

Adding a sheet family (e.g. a budget-impact sheet)::

    # cea/workbook/budget_impact.py
    from cea.workbook.registry import register_sheet

    def write(book):
        ws = book.add_sheet("Budget impact")
        ws.formula(5, 2, f"{book.n('annual_incidence')}*{book.n('eve_pack_price_10mg')}")

    register_sheet("budget_impact", write, after="results")

and list the module in ``SHEET_MODULES`` (cea.workbook.registry; imported when a workbook is built).  ``position``
of a sheet in the file follows ``book.order`` (see ``build_book``), writers' order decides which
names exist when a writer runs: ``inputs`` first, then ``model``, ``results`` and the analyses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# the registry is a module of its own (cea.workbook.registry), so that the sheet modules need not import this package
from cea.workbook.registry import (BUILTIN_ORDER, SHEET_MODULES, Registration, _ordered, _writers,  # noqa: F401
                                   register_sheet, registered)

if TYPE_CHECKING:
    from cea.workbook.core import Book

__all__ = ["register_sheet", "registered", "SHEET_MODULES", "build_book", "write_workbook", "results_layout"]


def build_book(*args: Any, **kwargs: Any) -> "Book":  # filled in by cea.workbook.build
    from cea.workbook.build import build_book as build

    return build(*args, **kwargs)


def write_workbook(*args: Any, **kwargs: Any):
    from cea.workbook.build import write_workbook as write

    return write(*args, **kwargs)


def results_layout(*args: Any, **kwargs: Any):
    from cea.workbook.build import results_layout as layout

    return layout(*args, **kwargs)
