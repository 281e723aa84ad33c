"""Read raw tables from the inputs folder, remembering file name and line number.

CSV files are read with the standard library so that every row keeps the line it came
from (header = line 1; a quoted cell spanning lines keeps the line it starts on); TOML
with tomllib (no code execution).  Conversion to typed values happens in
``model_inputs``; anything unreadable becomes an InputError here, never a traceback:
a missing file (naming a same-named .xlsx/.yaml/… if one is there: only CSV and TOML are
read), a folder where a file should be, an empty or binary file, text that is not UTF-8
(a byte-order mark is accepted), malformed or truncated CSV, duplicated or unknown
columns, rows with too few or too many cells, and numbers that are not finite or are
implausibly large.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem

MAX_MAGNITUDE = 1e15  # no input number is this large; anything above is a typo or a unit error
MAX_FILE_BYTES = 200 * 1024 * 1024
OTHER_FORMATS = {  # suffix -> what it is (inputs are CSV and TOML only, read without executing anything)
    ".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook", ".xls": "an Excel workbook",
    ".ods": "an OpenDocument spreadsheet", ".yaml": "a YAML file", ".yml": "a YAML file", ".json": "a JSON file",
    ".tsv": "a tab-separated file", ".txt": "a text file", ".ini": "an INI file", ".cfg": "a config file",
}
_SIGNATURES = (  # leading bytes of binary formats a user might save under a .csv/.toml name
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or OpenDocument file?)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel .xls (OLE) file"),
    (b"%PDF", "a PDF document"),
)


@dataclass(frozen=True)
class RawRow:
    file: str
    line: int
    values: dict[str, str]

    def problem(self, message: str, column: str | None = None, parameter: str | None = None) -> Problem:
        return Problem(self.file, message, row=self.line, column=column, parameter=parameter)


def _expected_kind(path: Path) -> str:
    return {".csv": "CSV (UTF-8, comma-separated)", ".toml": "TOML"}.get(path.suffix.lower(), path.suffix)


def missing_file_problem(path: Path) -> Problem:
    """Why ``path`` cannot be read as a file: a folder, another format with the same name, or absent."""
    if path.is_dir():
        return Problem(path.name, f"is a folder; expected a {_expected_kind(path)} file")
    siblings = []
    if path.parent.is_dir():
        siblings = sorted(p for p in path.parent.iterdir()
                          if p.name != path.name and p.stem.lower() == path.stem.lower() and p.is_file())
    for other in siblings:
        if other.suffix.lower() == path.suffix.lower():
            return Problem(path.name, f"missing file: found '{other.name}' but file names are case-sensitive; "
                                      f"rename it to '{path.name}'")
    for other in siblings:
        kind = OTHER_FORMATS.get(other.suffix.lower(), f"a '{other.suffix}' file")
        return Problem(path.name, f"missing file: found '{other.name}' ({kind}) but inputs are read only as "
                                  f"{_expected_kind(path)}; save it as '{path.name}'")
    return Problem(path.name, f"missing file: expected {path}")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an InputError saying why they cannot be read."""
    if not path.is_file():
        raise InputError(missing_file_problem(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(Problem(path.name, f"file is {size / 2**20:.0f} MB; input tables are expected to be "
                                                f"smaller than {MAX_FILE_BYTES / 2**20:.0f} MB"))
        return path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(path.name, f"cannot read the file: {exc.strerror or exc}")) from None


def _decode(path: Path) -> str:
    data = read_bytes(path)
    kind = _expected_kind(path)
    if not data.strip():
        raise InputError(Problem(path.name, f"file is empty; expected {kind} text"
                                            + (" with a header row and data rows" if path.suffix == ".csv" else "")))
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise InputError(Problem(path.name, f"file is {what}, not {kind} text; export it as {kind}"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(Problem(path.name, f"file is UTF-16 text; save it as UTF-8 ({kind})"))
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise InputError(Problem(path.name, f"file contains NUL bytes (first on line {line}); it is binary or "
                                            f"corrupted, expected {kind} text", row=line))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        byte = data[exc.start]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        raise InputError(Problem(path.name, f"not UTF-8 text: byte 0x{byte:02X} on line {line} (Latin-1/Windows-1252 "
                                            f"'{guess}'?); save the file as UTF-8 (in Excel: 'CSV UTF-8')",
                                 row=line)) from None


def read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[RawRow]:
    """Rows of a CSV as dicts of stripped strings; checks the header names every required column
    and no unknown one, and that every row has as many cells as the header."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []  # (first line of the record, cells)
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            records.append((start, cells))
    except csv.Error as exc:
        detail = str(exc)
        if "end of data" in detail or "EOF" in detail:
            detail = "a quoted cell is never closed (file truncated, or a stray '\"')"
        raise InputError(Problem(path.name, f"malformed CSV: {detail}", row=reader.line_num or 1)) from None
    if not records or not any(c.strip() for c in records[0][1]):
        raise InputError(Problem(path.name, "the first line is blank; expected the header row "
                                            f"({', '.join(required)})", row=1))
    header = [h.strip() for h in records[0][1]]
    problems = [Problem(path.name, f"missing column '{c}' in the header", row=1, column=c) for c in required if c not in header]
    allowed = set(required) | set(optional)
    problems += [Problem(path.name, f"unknown column '{c}'; expected some of {sorted(allowed)}", row=1, column=c)
                 for c in dict.fromkeys(header) if c and c not in allowed]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    problems += [Problem(path.name, f"column '{c}' appears {header.count(c)} times in the header; each column once",
                         row=1, column=c) for c in duplicated]
    if problems:
        raise InputError(problems)
    unnamed = [i for i, h in enumerate(header) if not h]
    named = [(i, h) for i, h in enumerate(header) if h]
    name, width = path.name, len(header)
    out: list[RawRow] = []
    for line, cells in records[1:]:
        stripped = [c.strip() for c in cells]
        if not any(stripped) or stripped[0].startswith("#"):
            continue
        if len(cells) != width:
            why = "truncated row?" if len(cells) < width else "an unquoted comma in a cell?"
            problems.append(Problem(name, f"row has {len(cells)} cells but the header has {width} ({why})", row=line))
            continue
        stray = [i for i in unnamed if stripped[i]]
        if stray:
            problems.append(Problem(name, f"cell {stray[0] + 1} holds '{stripped[stray[0]]}' under a column "
                                          "with no name in the header", row=line))
            continue
        out.append(RawRow(name, line, {h: stripped[i] for i, h in named}))
    if out and not text.endswith(("\n", "\r")):
        # Every program that writes CSV ends the last row with a line break; a file that stops mid-line was most
        # likely cut off, and its last cell may be a shortened number that is still valid (0.0021628 -> 0.002).
        problems.append(Problem(name, "the file ends without a line break after its last row: it looks cut off "
                                      "(an interrupted copy or download?).  Check the last row against the source; "
                                      "if it is complete, end it with a line break", row=records[-1][0]))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError(Problem(path.name, "no data rows; expected at least one row below the header"))
    return out


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> dict:
    text = _decode(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        row = int(match.group(1)) if match else None
        hint = " (text values need quotes, e.g. key = \"value\")" if "Invalid value" in str(exc) else ""
        raise InputError(Problem(path.name, f"malformed TOML: {exc}{hint}", row=row)) from None


def number_problem(text: str) -> str | None:
    """Why ``text`` is not a usable number (None if it is one)."""
    try:
        value = float(text)
    except ValueError:
        stripped = text.strip()
        if stripped.endswith("%"):
            return f"'{text}' is not a number; write proportions as decimals (5% -> 0.05)"
        if re.fullmatch(r"-?\d+,\d+", stripped):
            return f"'{text}' is not a number; write it without thousands separators and with a decimal point"
        if stripped[:1] in "£$€":
            return f"'{text}' is not a number; leave out the currency symbol"
        return f"'{text}' is not a number"
    if not math.isfinite(value):
        return f"'{text}' is not a finite number"
    if abs(value) > MAX_MAGNITUDE:
        return f"'{text}' is implausibly large (|value| > {MAX_MAGNITUDE:g}); a typo or a unit error?"
    return None


def parse_float(row: RawRow, column: str, problems: list[Problem], parameter: str | None = None,
                required: bool = True) -> float | None:
    """A finite float from a cell, or None if blank and not required; problems are appended."""
    text = row.values.get(column, "")
    if text == "":
        if required:
            problems.append(row.problem("value is blank; expected a number", column, parameter))
        return None
    message = number_problem(text)
    if message is not None:
        problems.append(row.problem(message, column, parameter))
        return None
    return float(text)
