"""Citations in the appendix: sources become numbered references (Vancouver style, numbered in the order
of first citation), so that the reference list is generated from the inputs' citations and every source
cited anywhere appears in it exactly once.

A source text from the inputs is shown as its references (``Baselga 2012 [3]``) with a status:
'assumption', 'not verified' when the source says so, or 'derived' / 'estimated' when the value is
computed from the cited data.  Working notes in the inputs (file names, code, recollections) are never
shown: ``clean`` strips any clause that names one.
"""

from __future__ import annotations

import re
from pathlib import Path

from cea.inputs.references import (
    Reference,
    cited_keys,
    internal_mentions,
    is_assumption,
    is_unverified,
    load_references,
)

DERIVED = re.compile(r"^\s*(Derived|Calibrated|Inverse Hessian|[A-Za-z -]*MLE|Target)", re.IGNORECASE)


METHOD_REFERENCES = Path(__file__).with_name("method_references.csv")
# how free text shown in the document (notes, scenario descriptions, published-analysis summaries) names a source
# of the reference list, e.g. 'DESIREE' for Schmidt 2022: the reference number goes after each such mention
REFERENCE_MENTIONS = Path(__file__).with_name("reference_mentions.csv")


def load_mentions(path: Path = REFERENCE_MENTIONS) -> dict[str, tuple[str, ...]]:
    """Reference key → the fragments by which prose names it (only keys of the reference list are used)."""
    import csv

    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: tuple(f.strip() for f in row["mention"].split("|") if f.strip())
                for row in csv.DictReader(handle)}


class Citations:
    """The references of one document, numbered on first citation: the input set's ``references.csv`` and the
    methods references the appendix itself cites (``method_references.csv``, used where the inputs lack them)."""

    def __init__(self, inputs_folder):
        own = load_references(inputs_folder)
        known = {r.key for r in own}
        methods = tuple(r for r in load_references(METHOD_REFERENCES.parent, METHOD_REFERENCES.name) if r.key not in known)
        self.references: tuple[Reference, ...] = own + methods
        self.own_keys = known
        self.by_key = {r.key: r for r in self.references}
        self.order: list[str] = []
        self.unresolved: list[str] = []
        self.mentions = {k: m for k, m in load_mentions().items() if k in self.by_key}

    def number(self, key: str) -> int:
        if key not in self.by_key:
            raise KeyError(f"'{key}' is not in references.csv")
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1

    def has(self, key: str) -> bool:
        """Whether the input set itself cites ``key`` (trial-specific statements are made only then)."""
        return key in self.own_keys

    def cite(self, *keys: str) -> str:
        """'[3]' or '[3, 5]' for reference keys (they are numbered now if new)."""
        numbers = sorted({self.number(k) for k in keys})
        return "[" + ", ".join(str(n) for n in numbers) + "]"

    def source(self, text: str) -> str:
        """A source text as 'Key [n]; Key [m] (status)'."""
        text = str(text or "").strip()
        keys = cited_keys(text, self.references)
        status = []
        if is_assumption(text):
            status.append("assumption")
        elif DERIVED.match(text):
            status.append("derived from" if keys else "derived")
        if keys and is_unverified(text):
            status.append("not verified against the source")
        if not keys:
            if not is_assumption(text):
                self.unresolved.append(text)
                return clean(text) or "Source not given"
            return "Assumption"
        cited = "; ".join(f"{k} {self.cite(k)}" for k in keys)
        if status and status[0] == "derived from":
            return f"Derived from {cited}" + (f" ({', '.join(status[1:])})" if status[1:] else "")
        if status and status[0] == "assumption":
            return f"Assumption informed by {cited}" + (f" ({', '.join(status[1:])})" if status[1:] else "")
        return cited + (f" ({', '.join(status)})" if status else "")

    def cite_full(self, citation: str) -> str:
        """Cite a formatted citation given in full by an input (e.g. a published analysis): the registry's
        reference when the text matches one, else the text itself becomes a reference."""
        keys = cited_keys(citation, self.references)
        if keys:
            return self.cite(*keys)
        if internal_mentions(citation):
            self.unresolved.append(citation)
            return ""
        if citation not in self.by_key:
            self.references = self.references + (Reference(citation, citation, (citation,)),)
            self.by_key[citation] = self.references[-1]
        return self.cite(citation)

    def number_mentions(self, document) -> int:
        """Put the reference number after every source that free text in ``document`` names without one (a note
        that says 'DESIREE', a summary that says 'Peasgood utilities'): the first mention in each paragraph or
        table cell, for the references whose mentions ``reference_mentions.csv`` lists.  Headings and captions are
        left alone.  Returns the number of citations added."""
        patterns = [(key, re.compile(re.escape(m) + r"(?!\w)(?!\s*\[\d)"))
                    for key, fragments in self.mentions.items() for m in fragments]
        if not patterns:
            return 0
        added = 0
        for paragraph in _body_paragraphs(document):
            present = {n for m in CITATION.finditer(paragraph.text) for n in _numbers(m.group(1))}
            done = {k for k in self.order if self.order.index(k) + 1 in present}  # already cited here
            for run in paragraph.runs:
                text = run.text
                for key, pattern in patterns:
                    if key in done:
                        continue
                    match = pattern.search(text)
                    if match is None:
                        continue
                    text = text[:match.end()] + f" [{self.number(key)}]" + text[match.end():]
                    done.add(key)
                    added += 1
                if text != run.text:
                    run.text = text
        return added

    def renumber(self, document) -> None:
        """Number the references in the order the document first cites them (Vancouver), whatever order the
        section writers cited them in: every bracketed citation ('[3]', '[1, 2]') of the body is rewritten."""
        paragraphs = list(_body_paragraphs(document))
        old = list(self.order)
        first: list[str] = []
        for paragraph in paragraphs:
            for run in paragraph.runs:
                for match in CITATION.finditer(run.text):
                    for n in _numbers(match.group(1)):
                        if 1 <= n <= len(old) and old[n - 1] not in first:
                            first.append(old[n - 1])
        new_order = first + [k for k in old if k not in first]
        new_number = {k: i for i, k in enumerate(new_order, start=1)}

        def rewrite(match: re.Match) -> str:
            numbers = _numbers(match.group(1))
            if not numbers or any(not 1 <= n <= len(old) for n in numbers):
                return match.group(0)
            return "[" + ", ".join(str(x) for x in sorted({new_number[old[n - 1]] for n in numbers})) + "]"

        for paragraph in paragraphs:
            for run in paragraph.runs:
                text = CITATION.sub(rewrite, run.text)
                if text != run.text:
                    run.text = text
        self.order = new_order

    def listed(self) -> list[tuple[int, str]]:
        return [(k, self.by_key[key].citation) for k, key in enumerate(self.order, start=1)]


CITATION = re.compile(r"\[(\d+(?:,\s*\d+)*)\]")


def _numbers(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", text)]


def _all_paragraphs(document):
    """Every paragraph of the body once, including those in table cells."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for p in document.element.body.iter(qn("w:p")):
        yield Paragraph(p, document)


def _body_paragraphs(document):
    """Every paragraph of the body once except headings, captions and titles.  The style name is looked up once
    per style id (python-docx searches every style of the document for each paragraph without one)."""
    names: dict[str | None, str] = {}
    for paragraph in _all_paragraphs(document):
        style_id = paragraph._p.style
        name = names.get(style_id)
        if name is None:
            name = names[style_id] = paragraph.style.name
        if not name.startswith(("Heading", "Caption", "Title")):
            yield paragraph


FILE_NAME = re.compile(r"\b[\w/.-]+\.(csv|toml|xlsx|json)\b")


def _pointer(text: str) -> bool:
    return bool(internal_mentions(text) or FILE_NAME.search(text))


def clean(text: str) -> str:
    """``text`` without the clauses (parenthesised, or sentences) that name a working file, an input file, code
    or a recollection: never a source, only a modeller's pointer."""
    text = str(text or "")
    if not _pointer(text):
        return text
    text = re.sub(r"\s*\([^()]*\)", lambda m: "" if _pointer(m.group(0)) else m.group(0), text)
    parts = [p for p in re.split(r"(?<=[;.])\s+", text) if not _pointer(p)]
    return " ".join(parts).strip(" ;")
