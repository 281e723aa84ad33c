"""The reference list: generated from the citations made in the document (every source of the inputs that the
document shows, and every method it names), numbered in order of first citation, each reference once."""

from __future__ import annotations

from docx.shared import Cm, Pt

from cea.appendix.document import AppendixContext


def references_section(ctx: AppendixContext) -> None:
    ctx.section("references", "References")
    for k, text in ctx.citations.listed():
        p = ctx.w.paragraph(f"{k}.\t{text}", size=9)
        p.paragraph_format.left_indent = Cm(0.8)
        p.paragraph_format.first_line_indent = Cm(-0.8)
        p.paragraph_format.space_after = Pt(3)
