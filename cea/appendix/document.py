"""Word-document building blocks for the appendix (python-docx): A4 page, house styles,
numbered headings, numbered captions (real SEQ fields, so Word and LibreOffice keep
them), tables with repeating shaded header rows and fixed column widths, figures sized
to the text width, and the number formats used everywhere in the appendix.

Nothing here knows about the model; the section modules of :mod:`cea.appendix` fill the document.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TEXT_WIDTH_CM = 16.0
KEEP_TOGETHER_ROWS = 20  # A4 (21 cm) minus 2.5 cm margins
FONT = "Arial"
HEADER_FILL = "D9E2F3"
ACCENT = RGBColor(0x1F, 0x3F, 0x6B)
CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


# --------------------------------------------------------------------------- number formats
def money(value: float | None, currency: str, decimals: int = 0) -> str:
    """Currency with thousands separators: £27,331; −£1,596 (a true minus sign)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    text = f"{symbol}{abs(value):,.{decimals}f}"
    return f"−{text}" if value < 0 and round(abs(value), decimals) != 0 else text


def number(value: float | None, decimals: int = 3) -> str:
    """Fixed decimals (QALYs and LYs: 3) with a true minus sign."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{abs(value):,.{decimals}f}"
    return f"−{text}" if value < 0 and round(abs(value), decimals) != 0 else text


def qalys(value: float | None) -> str:
    return number(value, 3)


def percent(value: float | None, decimals: int = 1) -> str:
    """A proportion as a percentage: 0.1234 → 12.3%."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{number(100.0 * value, decimals)}%"


def significant(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{abs(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"
    return f"−{text}" if value < 0 else text


def icer(value: float | None, status: str, currency: str) -> str:
    """ICER cell text: '£131,813' for a north-east ratio (more costly, more effective), else the ratio with its
    quadrant, or the quadrant alone ('Less costly, more effective') when no ratio is reported."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return status.capitalize()
    text = money(value, currency)
    return text if status == "more costly, more effective" else f"{text} ({status})"


# --------------------------------------------------------------------------- table geometry
CHAR_WIDTH_EM = 0.62  # a generous average advance of Arial digits, capitals and punctuation, in ems
CELL_PADDING_CM = 0.3  # left + right cell margins (68 twips each) and a little air
UNBREAKABLE = re.compile(r"\S+")


def token_width_cm(token: str, font_size: float) -> float:
    """Width of ``token`` set in Arial at ``font_size`` points (an upper estimate), in cm."""
    return len(token) * CHAR_WIDTH_EM * font_size * 2.54 / 72


def needed_width_cm(text: str, font_size: float) -> float:
    """The narrowest column that holds every unbreakable token of ``text`` on one line (numbers never break)."""
    tokens = UNBREAKABLE.findall(str(text))
    return max((token_width_cm(t, font_size) for t in tokens), default=0.0) + CELL_PADDING_CM + 0.02  # Word rounds widths


def fit_widths(widths: list[float], cells: list[list[str]], font_size: float) -> list[float]:
    """Widen the columns whose longest word or number would otherwise break, taking the room from the columns with
    the most to spare; the total width never changes."""
    need = [max(needed_width_cm(row[k], font_size) if k < len(row) else 0.0 for row in cells)
            for k in range(len(widths))]
    widths = list(widths)
    for _ in range(len(widths)):
        short = [k for k in range(len(widths)) if widths[k] < need[k] - 1e-9]
        if not short:
            break
        deficit = sum(need[k] - widths[k] for k in short)
        spare = {k: widths[k] - need[k] for k in range(len(widths)) if k not in short and widths[k] > need[k]}
        available = sum(spare.values())
        if available <= 1e-9:
            break
        take = min(deficit, available)
        for k in short:
            widths[k] += (need[k] - widths[k]) * take / deficit
        for k, s in spare.items():
            widths[k] -= s * take / available
    return widths


# --------------------------------------------------------------------------- document
def _set_cell_shading(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _field(paragraph, instruction: str, result: str) -> None:
    """A complex field (begin / instruction / separate / cached result / end) in ``paragraph``."""
    def run_with(element):
        run = paragraph.add_run()
        run._r.append(element)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(result)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def numbered_heading(numbers: list[int], text: str, level: int) -> tuple[list[int], str]:
    """The heading counters after a heading at ``level`` and its text with the '3', '3.2', … prefix."""
    numbers = numbers + [0] * (level - len(numbers))
    numbers = numbers[:level]
    numbers[-1] += 1
    return numbers, f"{'.'.join(str(n) for n in numbers)} {text}"


class DocWriter:
    """One appendix document: numbered headings, captions, tables and figures."""

    def __init__(self, footer_text: str = ""):
        self.doc = Document()
        self.tables = 0
        self.figures = 0
        self.heading_numbers: list[int] = []
        self._setup(footer_text)

    # ---------------------------------------------------------------- setup
    def _setup(self, footer_text: str) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(2.5))
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(10)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.1
        for name, size, before in (("Heading 1", 14, 18), ("Heading 2", 11.5, 12), ("Heading 3", 10.5, 8)):
            style = styles[name]
            style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
            style.font.color.rgb = ACCENT
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):  # theme fonts win otherwise
                style.element.rPr.rFonts.attrib.pop(qn(attr), None)
            style.element.rPr.rFonts.set(qn("w:ascii"), FONT)
            style.element.rPr.rFonts.set(qn("w:hAnsi"), FONT)
            style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(6)
            style.paragraph_format.keep_with_next = True
        caption = styles["Caption"]
        caption.font.name, caption.font.size, caption.font.bold, caption.font.italic = FONT, Pt(9), True, False
        caption.font.color.rgb = RGBColor(0x20, 0x20, 0x20)
        caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(4)
        title = styles["Title"]
        title.font.name, title.font.size, title.font.color.rgb = FONT, Pt(20), ACCENT
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            title.element.rPr.rFonts.attrib.pop(qn(attr), None)
        title.element.rPr.rFonts.set(qn("w:ascii"), FONT)
        title.element.rPr.rFonts.set(qn("w:hAnsi"), FONT)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = footer.add_run(f"{footer_text} — page " if footer_text else "Page ")
        run.font.size = Pt(8)
        _field(footer, "PAGE", "1")
        for r in footer.runs:
            r.font.size = Pt(8)

    # ---------------------------------------------------------------- text
    def title(self, text: str, subtitle_lines: Sequence[str] = ()) -> None:
        self.doc.add_paragraph(text, style="Title")
        for line in subtitle_lines:
            p = self.doc.add_paragraph(line)
            p.runs[0].font.size = Pt(10)
            p.runs[0].font.color.rgb = RGBColor(0x44, 0x44, 0x44)

    def heading(self, text: str, level: int = 1, numbered: bool = True) -> str:
        """Add a heading; numbered headings get '3', '3.2', … prefixes.  Returns the full text."""
        if numbered:
            self.heading_numbers, text = numbered_heading(self.heading_numbers, text, level)
        self.doc.add_heading(text, level=level)
        return text

    def paragraph(self, text: str = "", italic: bool = False, size: float | None = None, bold_lead: str = ""):
        p = self.doc.add_paragraph()
        if bold_lead:
            p.add_run(bold_lead).bold = True
        run = p.add_run(text)
        run.italic = italic
        if size:
            for r in p.runs:
                r.font.size = Pt(size)
        return p

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            p = self.doc.add_paragraph(item, style="List Bullet")
            p.paragraph_format.space_after = Pt(2)

    def note(self, text: str) -> None:
        """A small-print note under a table or figure."""
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.font.size, run.italic = Pt(8), True
        p.paragraph_format.space_after = Pt(8)

    def page_break(self) -> None:
        self.doc.add_page_break()

    # ---------------------------------------------------------------- captions
    def _caption(self, kind: str, number: int, text: str, keep_with_next: bool):
        p = self.doc.add_paragraph(style="Caption")
        p.add_run(f"{kind} ")
        _field(p, f"SEQ {kind} \\* ARABIC", str(number))
        p.add_run(f": {text}")
        p.paragraph_format.keep_with_next = keep_with_next
        return p

    # ---------------------------------------------------------------- tables
    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths_cm: Sequence[float] | None = None, align: Sequence[str] | None = None,
              font_size: float = 8.5, notes: Sequence[str] = (), bold_rows: Sequence[int] = (),
              groups: Sequence[tuple[str, int]] | None = None) -> int:
        """A numbered table: caption above, shaded header row(s) repeated on every page.
        ``align``: per column 'l', 'r' or 'c' (default: first column left, others right).
        ``groups``: an optional first header row of (text, number of columns spanned)."""
        self.tables += 1
        self._caption("Table", self.tables, caption, keep_with_next=True)
        n_cols = len(header)
        widths = list(widths_cm or [TEXT_WIDTH_CM / n_cols] * n_cols)
        scale = TEXT_WIDTH_CM / sum(widths) if sum(widths) > TEXT_WIDTH_CM else 1.0
        widths = fit_widths([w * scale for w in widths], [list(header)] + [list(r) for r in rows], font_size)
        align = list(align or ["l"] + ["r"] * (n_cols - 1))
        n_head = 2 if groups else 1
        table = self.doc.add_table(rows=n_head, cols=n_cols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        self._fixed_layout(table, widths)
        alignments = {"l": WD_ALIGN_PARAGRAPH.LEFT, "r": WD_ALIGN_PARAGRAPH.RIGHT, "c": WD_ALIGN_PARAGRAPH.CENTER}
        for row in table.rows:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(repeat)
        if groups:
            start = 0
            for text, span in groups:
                cell = table.rows[0].cells[start]
                if span > 1:
                    cell = cell.merge(table.rows[0].cells[start + span - 1])
                self._fill(cell, str(text), font_size, bold=True, alignment=alignments["l" if start == 0 else "c"])
                _set_cell_shading(cell, HEADER_FILL)
                start += span
        head = table.rows[n_head - 1]
        for k, text in enumerate(header):
            cell = head.cells[k]
            self._fill(cell, str(text), font_size, bold=True, alignment=alignments["l" if k == 0 else align[k]])
            _set_cell_shading(cell, HEADER_FILL)
        for k, cell in enumerate(head.cells):
            cell.width = Cm(widths[k])
        for i, values in enumerate(rows):
            row = table.add_row()
            cant_split = OxmlElement("w:cantSplit")
            cant_split.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(cant_split)
            for k, cell in enumerate(row.cells):
                text = str(values[k]) if k < len(values) else ""
                self._fill(cell, text, font_size, bold=i in bold_rows, alignment=alignments[align[k]])
                cell.width = Cm(widths[k])
        if groups:
            start = 0
            for _, span in groups:
                table.rows[0].cells[start].width = Cm(sum(widths[start:start + span]))
                start += span
        if len(table.rows) <= KEEP_TOGETHER_ROWS:  # a short table is not split across pages
            for row in table.rows[:-1]:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        paragraph.paragraph_format.keep_with_next = True
        for text in notes:
            self.note(text)
        if not notes:
            spacer = self.doc.add_paragraph()
            spacer.paragraph_format.space_after = Pt(2)
        return self.tables

    @staticmethod
    def _fixed_layout(table, widths: Sequence[float]) -> None:
        tbl_pr = table._tbl.tblPr
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
        tbl_w = tbl_pr.find(qn("w:tblW"))
        if tbl_w is None:
            tbl_w = OxmlElement("w:tblW")
            tbl_pr.append(tbl_w)
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(int(sum(widths) / 2.54 * 1440)))
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            margin = OxmlElement(f"w:{side}")
            margin.set(qn("w:w"), "68")  # 1.2 mm: narrow padding leaves room for numbers
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        tbl_pr.append(margins)
        for k, column in enumerate(table.columns):
            column.width = Cm(widths[k])

    @staticmethod
    def _fill(cell, text: str, size: float, bold: bool, alignment) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.alignment = alignment
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold

    # ---------------------------------------------------------------- figures
    def figure(self, path: Path, caption: str, width_cm: float = TEXT_WIDTH_CM, notes: Sequence[str] = ()) -> int:
        """A numbered figure: the picture, then its caption below (kept on one page)."""
        self.figures += 1
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(str(path), width=Cm(min(width_cm, TEXT_WIDTH_CM)))
        self._caption("Figure", self.figures, caption, keep_with_next=bool(notes))
        for text in notes:
            self.note(text)
        return self.figures


# --------------------------------------------------------------------------- sentence case
PROPER_NOUNS = {"Markov", "Kaplan", "Kaplan–Meier", "Weibull", "Gompertz", "Monte", "Dirichlet", "Simpson's", "NICE",
                "Excel", "Everolimus", "Exemestane", "Placebo"}


def in_sentence(label: str) -> str:
    """A strategy label as it reads inside a sentence: a name that starts with a capital followed by a lower-case
    letter is a common noun there ('Elacestrant' -> 'elacestrant', 'Everolimus + exemestane' -> 'everolimus +
    exemestane'); acronyms and codes keep their capitals ('CDK4/6 inhibitor', 'AKT', 'PIK3CA-mutated'). Table cells
    and sentence starts keep the label as given."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def lower_first(text: str) -> str:
    """``text`` inside a sentence: its first letter lower-cased unless the first word is an acronym (PSA, EVPPI,
    ICER, OS: another capital in the word) or a proper noun (Markov, Kaplan–Meier)."""
    if not text:
        return text
    word = text.split(" ", 1)[0].strip(",:;")
    if any(c.isupper() for c in word[1:]) or word in PROPER_NOUNS or word.split("-")[0] in PROPER_NOUNS:
        return text
    return text[0].lower() + text[1:]


# --------------------------------------------------------------------------- context shared by the section writers
class AppendixContext:
    """What every section writer needs: the bundle, the document, the figures, the section numbers."""

    def __init__(self, bundle, writer: DocWriter, figures: dict[str, Path], check_workbook: bool = False):
        self.bundle = bundle
        self.w = writer
        self.figures = figures
        self.check_workbook = check_workbook  # recalculate the payer workbook in LibreOffice (section B.3.14)
        self.rendered: dict[str, Path] = {}  # figure key → the same figure already saved by the run (`cea all`)
        self.verification_results: list[dict] = []
        self.sections: dict[str, str] = {"title": "Title page"}  # key → numbered heading text
        self.titles: dict[str, str] = {}  # key → section title (set by build_appendix from its plan)
        self.s = bundle.inputs.settings
        self.currency = self.s.currency
        self.labels = {a.id: a.label for a in bundle.inputs.structure.arms}
        from cea.appendix.citations import Citations  # the citations module knows the inputs, this one only Word

        self.citations = Citations(bundle.inputs.folder)

    def money(self, value, decimals: int = 0) -> str:
        return money(value, self.currency, decimals)

    def section(self, key: str, title: str) -> str:
        text = self.w.heading(self.titles.get(key, title), level=1)
        self.sections[key] = text
        return text

    def figure(self, key: str, caption: str, notes: Sequence[str] = (), width_cm: float = TEXT_WIDTH_CM,
               intro: str | None = None) -> int | None:
        """Place a figure, cited by number in the text just before it: ``intro`` is a sentence with ``{n}`` where
        the figure number goes (default: 'Figure n shows <caption>.')."""
        path = self.figures.get(key)
        if path is None:
            return None
        n = self.w.figures + 1
        if intro is None:
            intro = f"Figure {{n}} shows the {lower_first(caption)}."
        if intro:  # "" when the text before already cites the figure by number
            self.w.paragraph(intro.format(n=n))
        return self.w.figure(path, caption, width_cm=width_cm, notes=notes)

    def next_table(self) -> int:
        """The number the next table will get (to cite it in the sentence before it)."""
        return self.w.tables + 1

    def cite(self, *keys: str) -> str:
        return self.citations.cite(*keys)

    def describe(self, pid: str, description: str) -> str:
        """A parameter's description, saying 'net price' for the discounted prices of a confidential-price run."""
        priced = (self.s.price_parameter, *self.s.price_linked)
        if self.s.pas_discount > 0 and pid in priced:
            return description.replace("list price", "net price").replace("List price", "Net price") \
                + ("" if "net price" in description.replace("list price", "net price").lower() else " (net price)")
        return description

    def cite_if(self, *keys: str) -> str:
        """' [n]' for the keys the input set's own reference list holds, '' when it holds none of them."""
        present = [k for k in keys if self.citations.has(k)]
        return f" {self.citations.cite(*present)}" if present else ""

    def source(self, text: str) -> str:
        return self.citations.source(text)

    @property
    def nice(self) -> bool:
        """An NHS-perspective (NICE) analysis: the wording cites NICE only then."""
        return "NHS" in self.s.perspective

    @property
    def decision_maker(self) -> str:
        return "NICE" if self.nice else "the decision maker"

    @property
    def intervention(self) -> str:
        return self.labels[self.s.intervention]

    @property
    def comparator(self) -> str:
        return self.labels[self.s.comparator]
