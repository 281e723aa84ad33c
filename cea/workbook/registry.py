"""The sheet-writer registry of the payer workbook (see cea.workbook): ``register_sheet`` and the order the
writers run in.  A leaf of the workbook package: the sheet modules import it, and it imports them only by
name (SHEET_MODULES, when a workbook is built), so no sheet module imports the package cea.workbook, whose
``build_book`` / ``write_workbook`` import cea.workbook.build and through it every sheet module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cea.workbook.core import SheetWriter

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
