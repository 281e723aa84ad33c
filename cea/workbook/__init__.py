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
    from cea.workbook import register_sheet

    def write(book):
        ws = book.add_sheet("Budget impact")
        ws.formula(5, 2, f"{book.n('annual_incidence')}*{book.n('eve_pack_price_10mg')}")

    register_sheet("budget_impact", write, after="results")

and list the module in ``SHEET_MODULES`` below (imported when a workbook is built).  ``position``
of a sheet in the file follows ``book.order`` (see ``build_book``), writers' order decides which
names exist when a writer runs: ``inputs`` first, then ``model``, ``results`` and the analyses.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cea.workbook.core import Book, SheetWriter

__all__ = ["register_sheet", "registered", "SHEET_MODULES", "build_book", "write_workbook", "results_layout"]

# modules imported (and so registered) before a workbook is built, in this order
SHEET_MODULES: list[str] = []


@dataclass(frozen=True)
class Registration:
    key: str
    write: "SheetWriter"


_REGISTRY: list[Registration] = []


def register_sheet(key: str, write: "SheetWriter", *, after: str | None = None) -> "SheetWriter":
    """Register a sheet writer under ``key`` (re-registering a key replaces it in place); ``after``
    runs it right after another writer (default: at the end)."""
    global _REGISTRY
    entry = Registration(key, write)
    existing = [i for i, r in enumerate(_REGISTRY) if r.key == key]
    if existing:
        _REGISTRY[existing[0]] = entry
        return write
    if after is not None:
        keys = [r.key for r in _REGISTRY]
        if after not in keys:
            raise KeyError(f"no sheet writer {after!r} to put {key!r} after (registered: {keys})")
        _REGISTRY.insert(keys.index(after) + 1, entry)
    else:
        _REGISTRY.append(entry)
    return write


def registered() -> list[str]:
    """Keys of the registered sheet writers, in the order they run (after importing SHEET_MODULES)."""
    _load()
    return [r.key for r in _REGISTRY]


def _load() -> None:
    for module in SHEET_MODULES:
        importlib.import_module(module)


def _writers() -> list[Registration]:
    _load()
    return list(_REGISTRY)


def build_book(*args: Any, **kwargs: Any) -> "Book":  # filled in by cea.workbook.build
    from cea.workbook.build import build_book as build

    return build(*args, **kwargs)


def write_workbook(*args: Any, **kwargs: Any):
    from cea.workbook.build import write_workbook as write

    return write(*args, **kwargs)


def results_layout(*args: Any, **kwargs: Any):
    from cea.workbook.build import results_layout as layout

    return layout(*args, **kwargs)
