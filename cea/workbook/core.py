"""The workbook in memory: sheets of cells (value, formula, style), defined names, charts, validations.

Sheet writers fill a :class:`Book` through these helpers; nothing here knows a file format.
``cea.workbook.evaluate`` then computes every formula's value (the cached values) and
``cea.workbook.xlsx`` writes the file with XlsxWriter.  Rows and columns are 1-based, as in A1
references.

A style is a plain dict of XlsxWriter format properties (``cea.workbook.style``); a cell keeps it as
a sorted tuple so that equal styles share one format in the file.
"""

from __future__ import annotations

import gc
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from cea.workbook.formats import money_format

Style = dict[str, Any]
FORMULA_PREFIXES = ("=", "+", "-", "@")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def abs_ref(col: int, row: int) -> str:
    return f"${column_letter(col)}${row}"


def rel_ref(col: int, row: int) -> str:
    return f"{column_letter(col)}{row}"


def sheet_ref(title: str) -> str:
    """Sheet name as used in a formula: 'Trace eve_exe'!"""
    return "'" + title.replace("'", "''") + "'!"


def clean_text(value: Any) -> str:
    return _ILLEGAL.sub("", str(value))


def freeze(style: Style | None) -> tuple:
    """The style as a hashable, order-independent tuple (looked up in a cache: a few hundred distinct styles
    serve some 350,000 cells)."""
    if not style:
        return ()
    items = tuple(style.items())
    try:
        return _FROZEN[items]
    except KeyError:
        frozen = _FROZEN[items] = tuple(sorted(items))
        return frozen
    except TypeError:  # an unhashable value
        return tuple(sorted(items))


_FROZEN: dict[tuple, tuple] = {}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (as it was after).  Building, evaluating and writing a
    workbook allocates some 10^6 long-lived objects (cells, values, compiled formulas) and frees almost none; each
    full collection traverses all of them for nothing to collect (about 2 s of a `cea all` run).  Memory is still
    freed by reference counting; cycles made meanwhile are collected once the collector is back."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@dataclass
class Cell:
    """value: number, bool, text or None; formula: text without '=' (None for a constant)."""

    value: Any = None
    formula: str | None = None
    style: tuple = ()
    text: bool = False  # stored as text even when it looks like a formula (quote prefix)
    # the formula's cache key in cea.workbook.evaluate (fixed by formula and row), kept with the cell so that a
    # book evaluated again (tests typing inputs into copies of one build) works it out once
    template: Any = field(default=None, repr=False, compare=False)


@dataclass
class Sheet:
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None  # (row, col) of the first unfrozen cell
    charts: list[dict[str, Any]] = field(default_factory=list)  # XlsxWriter chart specs plus 'anchor'
    validations: list[tuple[int, int, int, int, dict[str, Any]]] = field(default_factory=list)
    conditional: list[tuple[int, int, int, int, dict[str, Any]]] = field(default_factory=list)
    protect: bool = True
    gridlines: bool = True
    repeat_rows: tuple[int, int] | None = None  # printed on every page
    repeat_cols: tuple[int, int] | None = None  # printed on every page (sheets wider than a page)
    fit_width: bool = True
    landscape: bool = True
    print_area: tuple[int, int, int, int] | None = None
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2): first cell shown
    _extent: tuple[int, int, int] = field(default=(-1, 0, 0), repr=False, compare=False)  # (cells, last row, col)

    # ------------------------------------------------------------------ cells
    def put(self, row: int, col: int, value: Any = None, style: Style | None = None, *, formula: str | None = None,
            text: bool = False) -> Cell:
        cell = Cell(value, formula, freeze(style), text)
        self.cells[(row, col)] = cell
        return cell

    def text(self, row: int, col: int, value: Any, style: Style | None = None) -> Cell:
        """Text that can never become a formula (text starting with =, +, - or @ keeps a quote prefix)."""
        value = clean_text(value)
        return self.put(row, col, value, style, text=value.startswith(FORMULA_PREFIXES))

    def value(self, row: int, col: int, value: Any, style: Style | None = None) -> Cell:
        """A static number, bool or text; non-finite numbers become blank."""
        if isinstance(value, str):
            return self.text(row, col, value, style)
        if value is not None and isinstance(value, float) and not math.isfinite(value):
            value = None
        return self.put(row, col, value, style)

    def formula(self, row: int, col: int, formula: str, style: Style | None = None) -> Cell:
        return self.put(row, col, None, style, formula=formula.removeprefix("="))

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def set_widths(self, sizes: dict[int, float] | list[float]) -> None:
        items = sizes.items() if isinstance(sizes, dict) else enumerate(sizes, start=1)
        for col, width in items:
            self.widths[col] = width

    def _last(self) -> tuple[int, int, int]:
        """(number of cells, last row, last column), worked out again only when cells were added (cells are
        never removed; the print layout asks some fifty times per sheet)."""
        if self._extent[0] != len(self.cells):
            self._extent = (len(self.cells), max((r for r, _ in self.cells), default=0),
                            max((c for _, c in self.cells), default=0))
        return self._extent

    def max_row(self) -> int:
        return self._last()[1]

    def max_col(self) -> int:
        return self._last()[2]


class Names:
    """Model ids → Excel defined names (valid, unique, never confusable with a cell reference)."""

    _A1 = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")
    _R1C1 = re.compile(r"^[Rr][0-9]*([Cc][0-9]*)?$|^[Cc][0-9]*$")
    _NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}
        self.taken: set[str] = set()
        self.in_use: dict[str, str] = {}  # model id -> name of the value in use (scenario / DSA applied)

    def _looks_like_reference(self, name: str) -> bool:
        m = self._A1.match(name)
        if m:
            letters = m.group(1).upper()
            return len(letters) < 3 or letters <= "XFD"
        return bool(self._R1C1.match(name))

    def make(self, model_id: str, preferred: str | None = None) -> str:
        if model_id in self.by_id:
            return self.by_id[model_id]
        name = re.sub(r"[^A-Za-z0-9_.]", "_", preferred or model_id)[:200]
        if not self._NAME.match(name) or self._looks_like_reference(name) or name.upper() in ("TRUE", "FALSE"):
            name = "p_" + name
        base, i = name, 2
        while name.lower() in self.taken:
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name.lower())
        self.by_id[model_id] = name
        return name

    def __getitem__(self, model_id: str) -> str:
        """The name formulas read: the value in use when the input has one, else the input itself."""
        return self.in_use.get(model_id) or self.by_id[model_id]

    def raw(self, model_id: str) -> str:
        """The name of the input cell itself (what a payer types; what `cea run --set` names)."""
        return self.by_id[model_id]

    def __contains__(self, model_id: str) -> bool:
        return model_id in self.by_id


class Book:
    """What the sheet writers share: the sheets, defined names, the inputs and analysis results, and
    layout facts one writer records for another (``facts``)."""

    def __init__(self, inputs: Any, n_rows: int, analyses: dict[str, Any] | None = None,
                 manifest: dict[str, Any] | None = None) -> None:
        self.inputs = inputs
        self.n_rows = n_rows  # cycles laid out (rows after cycle 0)
        self.analyses = dict(analyses or {})  # frames and results from cea.analyses (dsa, scenarios, psa, ...)
        self.manifest = manifest or {}
        self.sheets: dict[str, Sheet] = {}
        self.names = Names()
        self.defined: dict[str, str] = {}  # defined name -> reference text ('Sheet'!$A$1 or a range)
        self.facts: dict[str, Any] = {}
        self.title_keys: dict[str, str] = {}  # sheet title -> sheet family key (Surv, Trace, ...) for the Cover
        # layout of the model sheets, recorded by their writers for the later ones
        self.surv: dict[str, str] = {}  # arm -> survival sheet title
        self.trace: dict[str, str] = {}  # arm -> trace sheet title
        self.unit_cost: dict[int, str] = {}  # cost item index -> defined name of its unit cost
        self.ae_cells: dict[str, list[tuple[str, str]]] = {}  # arm -> [(cost ref, QALY-loss ref)]
        self.result_cells: dict[str, str] = {}  # results path -> Results!coordinate
        self.trace_cols: dict[str, int] = {}  # trace column key -> column index (same for every arm)
        self.data_tables: list[tuple[str, str, str]] = []  # (sheet, results range, input cell): see data_table

    FIRST_ROW = 10  # first data row (cycle 0) on the survival and trace sheets

    @property
    def first_row(self) -> int:
        return self.FIRST_ROW

    @property
    def last_row(self) -> int:
        return self.FIRST_ROW + self.n_rows

    @property
    def money(self) -> str:
        return money_format(self.inputs.settings.currency)

    @property
    def money2(self) -> str:
        return money_format(self.inputs.settings.currency, 2)

    # ------------------------------------------------------------------ sheets and names
    def add_sheet(self, title: str, key: str | None = None) -> Sheet:
        base = re.sub(r"[\[\]:*?/\\'\"]", "_", title)[:31] or "Sheet"
        name, i = base, 2
        while name.lower() in {t.lower() for t in self.sheets}:
            suffix = f" ({i})"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        sheet = self.sheets[name] = Sheet(name)
        self.title_keys[name] = key or name
        return sheet

    def define(self, name: str, sheet: str, ref: str) -> None:
        self.defined[name] = sheet_ref(sheet) + ref

    def name(self, model_id: str, sheet: str, ref: str, preferred: str | None = None) -> str:
        """Make the defined name of a model id and point it at sheet!ref."""
        name = self.names.make(model_id, preferred)
        self.define(name, sheet, ref)
        return name

    def n(self, model_id: str) -> str:
        """Defined name of a parameter, coefficient, setting or derived value (the value in use)."""
        return self.names[model_id]

    def raw(self, model_id: str) -> str:
        """Defined name of the input cell itself (before a scenario or the DSA switch is applied)."""
        return self.names.raw(model_id)

    def result_ref(self, path: str) -> str:
        """Absolute reference ('Results'!$B$31) of a result recorded by the Results writer (result_cells)."""
        coordinate = self.result_cells[path]
        letters = coordinate.rstrip("0123456789")
        return f"{sheet_ref('Results')}${letters}${coordinate[len(letters):]}"

    def order(self, titles: list[str]) -> None:
        """Reorder the sheets: the given titles first, in that order, then the rest as created."""
        ordered = [t for t in titles if t in self.sheets] + [t for t in self.sheets if t not in titles]
        self.sheets = {t: self.sheets[t] for t in ordered}

    def arm_order(self) -> list[str]:
        s = self.inputs.settings
        arms = list(self.inputs.structure.arm_ids)
        return [s.intervention, s.comparator] + [a for a in arms if a not in (s.intervention, s.comparator)]


SheetWriter = Callable[[Book], None]
