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
from typing import TYPE_CHECKING, Callable, Sequence

from cea.appendix import statements
from cea.appendix.controls import CONFIDENTIAL, title_page
from cea.appendix.document import AppendixContext, DocWriter
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
                   check_workbook: bool | None = None) -> docx.document.Document:
    """The appendix as a python-docx Document; its PNG figures are written into ``figures_dir``.

    ``check_workbook``: recalculate the payer workbook in LibreOffice and compare it with the engine in the
    verification section (default: when LibreOffice is installed)."""
    from cea.workbook.recalc import soffice

    figures = write_figures(bundle, Path(figures_dir))
    return _write(bundle, figures, soffice() is not None if check_workbook is None else check_workbook)


def build_text_only(bundle: AnalysisBundle) -> docx.document.Document:
    """The appendix without its figures and without the workbook recalculation: every sentence and table of the
    document in a second or two (the tests that check what the text says under other settings use it)."""
    return _write(bundle, {}, False)


def _write(bundle: AnalysisBundle, figures: dict, check_workbook: bool) -> docx.document.Document:
    m = bundle.manifest
    confidential = bundle.inputs.settings.pas_discount > 0
    writer = DocWriter(footer_text=(f"{CONFIDENTIAL} · " if confidential else "")
                       + f"cea {m.version} · inputs {m.inputs_sha256[:12]}")
    ctx = AppendixContext(bundle, writer, figures, check_workbook=check_workbook)
    # The CHEERS table (near the end) cites sections by number: number them all before writing.
    ctx.titles.update({key: title for key, title, _ in SECTION_PLAN})
    ctx.titles["traces"] = statements.traces_title(ctx)  # a partitioned-survival run has no Markov traces
    ctx.sections.update({key: f"{k} {ctx.titles[key]}" for k, (key, _, _) in enumerate(SECTION_PLAN, start=1)})
    title_page(ctx)
    contents(ctx, SECTION_PLAN)
    writer.page_break()
    for _key, _title, write in SECTION_PLAN:
        write(ctx)
    return writer.doc


def write_appendix(path: Path, bundle: AnalysisBundle, figures_dir: Path,
                   check_workbook: bool | None = None) -> Path:
    """Build the appendix and save it as ``path`` (.docx); figures go to ``figures_dir``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_appendix(bundle, figures_dir, check_workbook).save(str(path))
    return path


__all__ = ["build_appendix", "write_appendix", "SECTION_PLAN", "SECTION_TITLES"]
