"""Read raw tables from the inputs folder, remembering file name and line number.

CSV files are read with the standard library so that every row keeps the line it came
from (header = line 1); TOML with tomllib (no code execution).  Conversion to typed
values happens in ``model_inputs``; anything unreadable becomes an InputError here.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem


@dataclass(frozen=True)
class RawRow:
    file: str
    line: int
    values: dict[str, str]

    def problem(self, message: str, column: str | None = None, parameter: str | None = None) -> Problem:
        return Problem(self.file, message, row=self.line, column=column, parameter=parameter)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(Problem(path.name, "file is empty; expected a header row and data rows"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(path.name, f"not valid UTF-8 text (byte {exc.start}); save the file as UTF-8")) from None


def read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[RawRow]:
    """Rows of a CSV as dicts of stripped strings; checks the header names every required column."""
    if not path.is_file():
        raise InputError(Problem(path.name, f"missing file: expected {path}"))
    text = _decode(path)
    if "\x00" in text:
        raise InputError(Problem(path.name, "file contains NUL bytes; it is binary or corrupted, expected CSV text"))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(Problem(path.name, f"malformed CSV: {exc}", row=reader.line_num)) from None
    header = [h.strip() for h in rows[0]]
    problems = [Problem(path.name, f"missing column '{c}' in the header", row=1, column=c) for c in required if c not in header]
    allowed = set(required) | set(optional)
    problems += [Problem(path.name, f"unknown column '{c}'; expected some of {sorted(allowed)}", row=1, column=c)
                 for c in header if c and c not in allowed]
    if len(set(header)) != len(header):
        problems.append(Problem(path.name, "duplicated column names in the header", row=1))
    if problems:
        raise InputError(problems)
    out: list[RawRow] = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if cells[0].lstrip().startswith("#"):
            continue
        if len(cells) != len(header):
            problems.append(Problem(path.name, f"row has {len(cells)} cells but the header has {len(header)}"
                                    " (truncated row or unquoted comma?)", row=line))
            continue
        out.append(RawRow(path.name, line, {h: c.strip() for h, c in zip(header, cells)}))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(Problem(path.name, "no data rows; expected at least one"))
    return out


def read_toml(path: Path) -> dict:
    if not path.is_file():
        raise InputError(Problem(path.name, f"missing file: expected {path}"))
    text = _decode(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(path.name, f"malformed TOML: {exc}")) from None


def parse_float(row: RawRow, column: str, problems: list[Problem], parameter: str | None = None,
                required: bool = True) -> float | None:
    """A finite float from a cell, or None if blank and not required; problems are appended."""
    text = row.values.get(column, "")
    if text == "":
        if required:
            problems.append(row.problem("value is blank; expected a number", column, parameter))
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(row.problem(f"'{text}' is not a number", column, parameter))
        return None
    if not math.isfinite(value):
        problems.append(row.problem(f"'{text}' is not a finite number", column, parameter))
        return None
    return value
