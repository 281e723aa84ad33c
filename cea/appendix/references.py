"""The reference list: generated from the citations made in the document (every source of the inputs that the
document shows, every method it names, and every source that a note or summary names), numbered in order of first
citation in the text, each reference once."""

from __future__ import annotations

from docx.shared import Cm, Pt

from cea.appendix.document import AppendixContext


def references_section(ctx: AppendixContext) -> None:
    ctx.citations.number_mentions(ctx.w.doc)  # sources named in notes and summaries get their number too
    ctx.citations.renumber(ctx.w.doc)  # numbered in the order of first citation in the text
    ctx.section("references", "References")
    for k, text in ctx.citations.listed():
        p = ctx.w.paragraph(f"{k}.\t{text}", size=9)
        p.paragraph_format.left_indent = Cm(0.8)
        p.paragraph_format.first_line_indent = Cm(-0.8)
        p.paragraph_format.space_after = Pt(3)
