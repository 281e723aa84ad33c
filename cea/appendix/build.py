"""The HTA submission appendix (issue 6): one Word document generated from one run.

``build_appendix(bundle, figures_dir)`` writes the PNG figures it needs into
``figures_dir`` and returns a python-docx Document whose every number is read from the
:class:`~cea.analyses.bundle.AnalysisBundle` (results, inputs, manifest): nothing is
typed by hand.  ``write_appendix(path, bundle, figures_dir)`` saves it.

Sections follow the economic section of a NICE company submission (Document B, B.3), in
the order of ``cea.appendix.plan.SECTION_PLAN``; each section writer lives in its own module
of ``cea.appendix``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Callable, Sequence

from cea.appendix import statements
from cea.appendix.controls import CONFIDENTIAL, title_page
from cea.appendix.document import AppendixContext, DocWriter, numbered_heading
from cea.appendix.figures import write_figures
from cea.appendix.plan import NICE_REFERENCE, SECTION_PLAN, SECTION_TITLES

if TYPE_CHECKING:
    import docx.document

    from cea.analyses.bundle import AnalysisBundle


def contents(ctx: AppendixContext, plan: Sequence[tuple[str, str, Callable]]) -> None:
    ctx.w.heading("Contents", level=1, numbered=False)
    ctx.w.table("Sections of this appendix and the corresponding parts of NICE Document B",
                ("Section", "Document B"), [[f"{k} {ctx.titles.get(key, title)}", NICE_REFERENCE.get(key, "")]
                                            for k, (key, title, _) in enumerate(plan, start=1)],
                (11.0, 5.0), align="ll", font_size=8.5)


def build_appendix(bundle: AnalysisBundle, figures_dir: Path,
                   check_workbook: bool | Path | None = None,
                   rendered: dict[str, Path] | None = None) -> docx.document.Document:
    """The appendix as a python-docx Document; its PNG figures are written into ``figures_dir``.

    ``check_workbook``: recalculate the payer workbook in LibreOffice and compare it with the engine in the
    verification section (default: when LibreOffice is installed).  ``rendered``: figure key → the file the run's
    other outputs already saved for that figure from the same bundle (copied, not drawn again; `cea all`)."""
    from cea.workbook.recalc import soffice

    figures = write_figures(bundle, Path(figures_dir), rendered)
    return _write(bundle, figures, soffice() is not None if check_workbook is None else check_workbook,
                  rendered=rendered)


class TextWriter(DocWriter):
    """A writer that records the appendix as text instead of Word: ``items`` holds ('heading', level, text),
    ('paragraph', style, text) and ('table', caption, rows) in document order, with the same numbering of headings,
    tables and figures as the Word document."""

    def __init__(self, footer_text: str = ""):  # no python-docx document: building tables in Word is the slow part
        from docx import Document

        self.doc = Document()  # empty: for a section that post-processes the Word document, nothing to find
        self.items: list[tuple] = []
        self.tables = 0
        self.figures = 0
        self.heading_numbers: list[int] = []

    def title(self, text, subtitle_lines=()):
        self.items += [("paragraph", "Title", text)] + [("paragraph", "Normal", line) for line in subtitle_lines]

    def heading(self, text, level=1, numbered=True):
        if numbered:
            self.heading_numbers, text = numbered_heading(self.heading_numbers, text, level)
        self.items.append(("heading", level, text))
        return text

    def paragraph(self, text="", italic=False, size=None, bold_lead=""):
        self.items.append(("paragraph", "Normal", f"{bold_lead}{text}"))
        return SimpleNamespace(paragraph_format=SimpleNamespace(), runs=[])

    def bullets(self, items):
        self.items += [("paragraph", "List Bullet", item) for item in items]

    def note(self, text):
        self.items.append(("paragraph", "Note", text))

    def page_break(self):
        pass

    def table(self, caption, header, rows, widths_cm=None, align=None, font_size=8.5, notes=(), bold_rows=(),
              groups=None):
        self.tables += 1
        self.items.append(("paragraph", "Caption", f"Table {self.tables}: {caption}"))
        self.items.append(("table", caption, [list(map(str, header))] + [list(map(str, r)) for r in rows]))
        for text in notes:
            self.note(text)
        return self.tables

    def figure(self, path, caption, width_cm=0.0, notes=()):
        self.figures += 1
        self.items.append(("paragraph", "Caption", f"Figure {self.figures}: {caption}"))
        for text in notes:
            self.note(text)
        return self.figures


def build_text_only(bundle: AnalysisBundle, figures: dict | None = None) -> TextWriter:
    """The appendix as text (:class:`TextWriter`), without the workbook recalculation: every sentence and table of
    the document in about a second (the tests that check what the text says under other settings use it).
    ``figures``: figure key → path, to place the figures' captions and citing sentences as the document would."""
    return _write(bundle, figures or {}, False, TextWriter())


def _write(bundle: AnalysisBundle, figures: dict, check_workbook: bool, writer: DocWriter | None = None,
           rendered: dict[str, Path] | None = None):
    m = bundle.manifest
    confidential = bundle.inputs.settings.pas_discount > 0
    writer = writer or DocWriter(footer_text=(f"{CONFIDENTIAL} · " if confidential else "")
                                 + f"cea {m.version} · inputs {m.inputs_sha256[:12]}")
    ctx = AppendixContext(bundle, writer, figures, check_workbook=check_workbook)
    ctx.rendered = dict(rendered or {})
    # The CHEERS table (near the end) cites sections by number: number them all before writing.
    ctx.titles.update({key: title for key, title, _ in SECTION_PLAN})
    ctx.titles["traces"] = statements.traces_title(ctx)  # a partitioned-survival run has no Markov traces
    ctx.sections.update({key: f"{k} {ctx.titles[key]}" for k, (key, _, _) in enumerate(SECTION_PLAN, start=1)})
    title_page(ctx)
    contents(ctx, SECTION_PLAN)
    writer.page_break()
    for _key, _title, write in SECTION_PLAN:
        write(ctx)
    return writer if isinstance(writer, TextWriter) else writer.doc


def write_appendix(path: Path, bundle: AnalysisBundle, figures_dir: Path,
                   check_workbook: bool | Path | None = None, rendered: dict[str, Path] | None = None) -> Path:
    """Build the appendix and save it as ``path`` (.docx); figures go to ``figures_dir`` (``rendered``: see
    ``build_appendix``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_appendix(bundle, figures_dir, check_workbook, rendered).save(str(path))
    return path


__all__ = ["build_appendix", "write_appendix", "SECTION_PLAN", "SECTION_TITLES"]
