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
SHEET_MODULES: list[str] = ["cea.workbook.inputs", "cea.workbook.model", "cea.workbook.results",
                             "cea.workbook.analyses", "cea.workbook.dsa", "cea.workbook.psa", "cea.workbook.strategies", "cea.workbook.budget_impact", "cea.workbook.checks",
                             "cea.workbook.price"]


# the built-in writers run in this order, whatever order their modules were imported in
BUILTIN_ORDER = ("inputs", "model", "results", "dsa", "scenarios", "psa", "validation")


@dataclass(frozen=True)
class Registration:
    key: str
    write: "SheetWriter"
    after: str | None = None


_REGISTRY: list[Registration] = []


def register_sheet(key: str, write: "SheetWriter", *, after: str | None = None) -> "SheetWriter":
    """Register a sheet writer under ``key`` (re-registering a key replaces it); ``after`` runs it right
    after another writer (default: built-in writers in BUILTIN_ORDER, then others as registered)."""
    entry = Registration(key, write, after)
    for i, r in enumerate(_REGISTRY):
        if r.key == key:
            _REGISTRY[i] = entry
            return write
    _REGISTRY.append(entry)
    return write


def _ordered() -> list[Registration]:
    by_key = {r.key: r for r in _REGISTRY}
    unknown = [r for r in _REGISTRY if r.after is not None and r.after not in by_key]
    if unknown:
        raise KeyError(f"no sheet writer {unknown[0].after!r} to put {unknown[0].key!r} after "
                       f"(registered: {sorted(by_key)})")
    base = [by_key[k] for k in BUILTIN_ORDER if k in by_key]
    base += [r for r in _REGISTRY if r.key not in BUILTIN_ORDER and r.after is None]
    placed = [r.key for r in base]
    pending = [r for r in _REGISTRY if r.after is not None]
    while pending:
        ready = [r for r in pending if r.after in placed]
        if not ready:
            raise KeyError(f"sheet writers placed after each other in a loop: {[r.key for r in pending]}")
        for r in ready:  # after its anchor and after writers already placed behind the same anchor
            at = placed.index(r.after) + 1
            while at < len(placed) and by_key[placed[at]].after == r.after:
                at += 1
            placed.insert(at, r.key)
            pending.remove(r)
    return [by_key[k] for k in placed]


def registered() -> list[str]:
    """Keys of the registered sheet writers, in the order they run (after importing SHEET_MODULES)."""
    return [r.key for r in _writers()]


def _load() -> None:
    for module in SHEET_MODULES:
        importlib.import_module(module)


def _writers() -> list[Registration]:
    _load()
    return _ordered()


def build_book(*args: Any, **kwargs: Any) -> "Book":  # filled in by cea.workbook.build
    from cea.workbook.build import build_book as build

    return build(*args, **kwargs)


def write_workbook(*args: Any, **kwargs: Any):
    from cea.workbook.build import write_workbook as write

    return write(*args, **kwargs)


def results_layout(*args: Any, **kwargs: Any):
    from cea.workbook.build import results_layout as layout

    return layout(*args, **kwargs)
