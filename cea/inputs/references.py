"""The reference list of an input set (``references.csv``): one row per publication.

Columns: ``key`` (a short label), ``citation`` (formatted in the Vancouver style) and
``match``: the text (one or more fragments separated by ``|``) by which the source columns
of the other input files cite the publication, e.g. ``Baselga`` or ``TA421``.

``cited_keys(text)`` gives the publications a source text cites; a source text that cites
none and is not an assumption is unresolved, and ``internal_mentions(text)`` finds what a
source must never be: a working file, a script or a recollection.  The appendix shows
sources only as numbered references, so a working note in an input file never reaches the
document; ``tests/test_references.py`` fails loudly on any unresolved source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cea.errors import InputError, Problem
from cea.inputs.readers import read_csv

REFERENCES_FILE = "references.csv"
# what is never a source: internal working files, scripts and code, recollection
INTERNAL = re.compile(r"EVIDENCE_REVIEW|EVIDENCE_FOLLOW_UP|PARAMETER_EVIDENCE|MODEL\.md|HTA_METHODS|docs/|\.md\b|\.R\b|\.py\b|Bram-R|PRE-ACT|"
                      r"github|\bcea\.[a-z_]+|recalled|recollection", re.IGNORECASE)
ASSUMPTION = re.compile(r"^\s*(Assumption|Our choice)|\(assumption\b", re.IGNORECASE)
UNVERIFIED = re.compile(r"not verified|unverified|\(U\b|\bU:|recalled", re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    key: str
    citation: str
    match: tuple[str, ...]


def load_references(inputs_folder: Path | str, file_name: str = REFERENCES_FILE) -> tuple[Reference, ...]:
    """The references of ``inputs_folder`` (empty when the file is absent)."""
    path = Path(inputs_folder) / file_name
    if not path.exists():
        return ()
    problems: list[Problem] = []
    out: list[Reference] = []
    seen: set[str] = set()
    for row in read_csv(path, ("key", "citation", "match")):
        v = row.values
        fragments = tuple(f.strip() for f in v["match"].split("|") if f.strip())
        if not v["key"] or not v["citation"] or not fragments:
            problems.append(row.problem("key, citation and match must all be given", "key", v["key"] or None))
            continue
        if v["key"] in seen:
            problems.append(row.problem(f"key '{v['key']}' appears twice", "key", v["key"]))
            continue
        seen.add(v["key"])
        out.append(Reference(v["key"], v["citation"], fragments))
    if problems:
        raise InputError(problems)
    return tuple(out)


def cited_keys(text: str, references: tuple[Reference, ...]) -> list[str]:
    """Keys of the references ``text`` cites, in the order of the reference list."""
    return [r.key for r in references if any(fragment in text for fragment in r.match)]


def is_assumption(text: str) -> bool:
    return bool(ASSUMPTION.search(text or ""))


def is_unverified(text: str) -> bool:
    return bool(UNVERIFIED.search(text or ""))


def internal_mentions(text: str) -> list[str]:
    """Working files, scripts, code or recollection named in ``text`` (never a source)."""
    return [m.group(0) for m in INTERNAL.finditer(text or "")]


SOURCE_COLUMNS = ("source", "life_table_source", "utility_source", "n_randomised_source")
AS_ABOVE = re.compile(r"\bas above\b", re.IGNORECASE)


def source_texts(inputs_folder: Path | str) -> list[tuple[str, int, str, str]]:
    """(file, line, column, text) of every source cell of every CSV in the input set (sub-folders that are
    input sets of their own are skipped); a text saying 'as above' carries the previous row's text with it."""
    folder = Path(inputs_folder)
    out = []
    for path in sorted(folder.glob("*.csv")) + sorted((folder / "evidence").glob("*.csv")):
        if path.name == REFERENCES_FILE:
            continue
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                header = handle.readline()
        except OSError:
            continue
        columns = [c for c in SOURCE_COLUMNS if c in [h.strip() for h in header.strip().split(",")]]
        if not columns:
            continue
        rows = read_csv(path, (), tuple(h.strip() for h in header.strip().split(",") if h.strip()))
        previous = {c: "" for c in columns}
        for row in rows:
            for column in columns:
                text = row.values.get(column, "")
                if not text:
                    continue
                if AS_ABOVE.search(text):
                    text = f"{previous[column]} [{text}]"
                previous[column] = text
                out.append((path.relative_to(folder).as_posix(), row.line, column, text))
    return out


ARITHMETIC = re.compile(r"^\s*Derived:\s*[\d\s.+\-*/x×()]+$")  # e.g. "Derived: 365.25 / 12": a constant, no source


def unresolved_sources(inputs_folder: Path | str, references: tuple[Reference, ...] | None = None):
    """Source cells that are neither an assumption, nor pure arithmetic on constants, nor cite a reference of
    ``references.csv``."""
    references = load_references(inputs_folder) if references is None else references
    return [(f, line, col, text) for f, line, col, text in source_texts(inputs_folder)
            if not is_assumption(text) and not ARITHMETIC.match(text) and not cited_keys(text, references)]
