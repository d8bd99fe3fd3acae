"""A tiny document model (headings, paragraphs, lists, tables) rendered to Word (.docx) and Markdown.

The specification is built once as blocks and rendered twice, so bestilling.docx and bestilling.md cannot
drift apart. Inline parts: plain text, bold text, a hyperlink, and a KP merge question (a Word IF field
around a MERGEFIELD, built as real nested fields).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-docx is imported where used
    from docx.document import Document as WordDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.table import _Row
    from docx.text.paragraph import Paragraph


@dataclass(frozen=True)
class Bold:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class MergeIf:
    """{ IF {MERGEFIELD Question:flettespoergsmaal-KEY} = "J" "text" } (KOMBIT: flettespørgsmål)."""

    key: str
    text: str

    @property
    def merge_field(self) -> str:
        return f"Question:flettespoergsmaal-{self.key}"

    def code(self) -> str:
        """The field code as the guidance writes it (for display only; the .docx holds real fields)."""
        return f'{{ IF {{MERGEFIELD {self.merge_field}}} = "J" "{_field_quote(self.text)}" }}'


Inline = str | Bold | Link | MergeIf


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    parts: tuple[Inline, ...]

    @staticmethod
    def of(*parts: Inline) -> Para:
        return Para(tuple(parts))


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Inline, ...], ...]

    @staticmethod
    def of(*items: str | tuple[Inline, ...]) -> Bullets:
        return Bullets(tuple((i,) if isinstance(i, str) else i for i in items))


@dataclass(frozen=True)
class TableBlock:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int] = field(default_factory=frozenset)  # column positions aligned right (numbers)


Block = Heading | Para | Bullets | TableBlock
SHORT_TABLE = 15  # rows; a table this short is not split across pages


def _field_quote(text: str) -> str:
    """Text inside a Word field's quotes: backslash and quote are escaped with a backslash."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


# ---- Markdown ------------------------------------------------------------------------------------------

def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _md_inline(parts: tuple[Inline, ...]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_md_escape(p))
        elif isinstance(p, Bold):
            out.append(f"**{_md_escape(p.text)}**")
        elif isinstance(p, Link):
            out.append(f"[{_md_escape(p.text)}]({p.url})")
        else:
            out.append(f"`{p.code()}`")
    return "".join(out).replace("\n", "  \n")


def render_markdown(title: str, blocks: list[Block]) -> str:
    lines = [f"# {_md_escape(title)}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * (b.level + 1) + " " + _md_escape(b.text), ""]
        elif isinstance(b, Para):
            lines += [_md_inline(b.parts), ""]
        elif isinstance(b, Bullets):
            lines += ["- " + _md_inline(item) for item in b.items] + [""]
        else:
            lines.append("| " + " | ".join(_md_escape(h) for h in b.header) + " |")
            lines.append("|" + "|".join("---:" if i in b.right else "---" for i in range(len(b.header))) + "|")
            lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---- Word ----------------------------------------------------------------------------------------------

def render_docx(title: str, blocks: list[Block], path: Path, *, created: dt.datetime, subject: str = "",
                author: str = "kp-convert", footer: str = "") -> None:
    """Write an editable Word document (Danish proofing language, A4, headers repeated on table pages, the
    footer text and "Side X af Y" on every page)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm
    from docx.table import _Cell

    doc = Document()
    props = doc.core_properties
    props.title, props.subject, props.author, props.last_modified_by = title, subject, author, "kp-convert"
    props.created = props.modified = created  # fixed: same run, same properties
    props.revision, props.language, props.comments = 1, "da-DK", "Lavet af kp-convert"
    _set_language(doc, "da-DK")
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    _page_footer(section.footer.paragraphs[0], footer)
    doc.add_heading(title, level=0)
    last = None  # the paragraph before a table is kept on the table's page
    for b in blocks:
        if isinstance(b, Heading):
            doc.add_heading(b.text, level=b.level)
            last = None
        elif isinstance(b, Para):
            last = doc.add_paragraph()
            _add_inline(last, b.parts)
        elif isinstance(b, Bullets):
            for item in b.items:
                last = doc.add_paragraph(style="List Bullet")
                _add_inline(last, item)
        else:
            table = doc.add_table(rows=1, cols=len(b.header))
            table.style = "Table Grid"
            table.autofit = False
            _repeat_header(table.rows[0])
            for i, h in enumerate(b.header):
                cell = table.rows[0].cells[i]
                cell.paragraphs[0].add_run(h).bold = True
            grid = [col.w for col in table._tbl.tblGrid.gridCol_lst]
            for row in b.rows:  # as Table.add_row().cells does, without finding every cell of the table per row
                tr = table._tbl.add_tr()
                for i, value in enumerate(row):
                    tc = tr.add_tc()
                    if grid[i] is not None:
                        tc.width = grid[i]
                    cell = _Cell(tc, table)
                    cell.paragraphs[0].add_run(value)
                    if i in b.right:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            text_width = section.page_width - section.left_margin - section.right_margin
            widths = column_weights(b)
            for i, column in enumerate(table.columns):
                column.width = int(text_width * widths[i] / sum(widths))
                for cell in column.cells:  # Word reads the cell widths, LibreOffice the grid: set both
                    cell.width = column.width
            for i, row in enumerate(table.rows):
                row._tr.get_or_add_trPr().append(_el("w:cantSplit", w_val="true"))
                if len(table.rows) <= SHORT_TABLE and i < len(table.rows) - 1:  # keep a short table on one page
                    for cell in row.cells:
                        cell.paragraphs[0].paragraph_format.keep_with_next = True
            if last is not None:
                last.paragraph_format.keep_with_next = True
            last = doc.add_paragraph()
    doc.save(str(path))


def column_weights(table: TableBlock) -> list[float]:
    """Relative column widths from the text: the longest cell (capped, so one long text wraps instead of
    squeezing the rest), never narrower than the header's longest word; digits are wider than letters."""
    weights = []
    for i, header in enumerate(table.header):
        longest = max([len(header), *(len(row[i]) for row in table.rows)])
        chars = max(min(longest, 32), round(1.2 * max(len(w) for w in header.split())), 4) + 2  # bold header
        weights.append(chars * (1.25 if i in table.right else 1.0))
    return weights


def _add_inline(paragraph: Paragraph, parts: tuple[Inline, ...]) -> None:
    for p in parts:
        if isinstance(p, str):
            _add_text(paragraph, p)
        elif isinstance(p, Bold):
            _add_text(paragraph, p.text, bold=True)
        elif isinstance(p, Link):
            _add_hyperlink(paragraph, p)
        else:
            add_merge_if(paragraph, p)


def _add_text(paragraph: Paragraph, text: str, *, bold: bool = False) -> None:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.bold = bold or None
        if i < len(lines) - 1:
            run.add_break()


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k.replace("_", ":", 1)), v)
    return e


def _field_char(paragraph: Paragraph, kind: str) -> None:
    paragraph.add_run()._r.append(_el("w:fldChar", w_fldCharType=kind))


def _instr(paragraph: Paragraph, text: str) -> None:
    """Field code text; a line break inside the quoted text becomes a break run inside the code."""
    for i, piece in enumerate(text.split("\n")):
        if i:
            paragraph.add_run().add_break()
        e = _el("w:instrText", xml_space="preserve")
        e.text = piece
        paragraph.add_run()._r.append(e)


def add_merge_if(paragraph: Paragraph, m: MergeIf) -> None:
    """Nested complex fields, codes back to back with no line break between them (KOMBIT's advice):
    begin · IF · [begin · MERGEFIELD … · separate · «…» · end] · = "J" "text" · separate · text · end.
    The IF field's shown result is the text, so the template does not look empty when opened."""
    _field_char(paragraph, "begin")
    _instr(paragraph, " IF ")
    _field_char(paragraph, "begin")
    _instr(paragraph, f" MERGEFIELD {m.merge_field} ")
    _field_char(paragraph, "separate")
    paragraph.add_run(f"«{m.merge_field}»")
    _field_char(paragraph, "end")
    _instr(paragraph, f' = "J" "{_field_quote(m.text)}" ')
    _field_char(paragraph, "separate")
    _add_text(paragraph, m.text)
    _field_char(paragraph, "end")


def _page_footer(paragraph: Paragraph, text: str) -> None:
    """'<text> · Side X af Y' with real PAGE and NUMPAGES fields (Word fills in the numbers)."""
    _add_text(paragraph, f"{text} · Side " if text else "Side ")
    for code, after in (("PAGE", " af "), ("NUMPAGES", "")):
        _field_char(paragraph, "begin")
        _instr(paragraph, f" {code} ")
        _field_char(paragraph, "separate")
        paragraph.add_run("1")
        _field_char(paragraph, "end")
        if after:
            _add_text(paragraph, after)


def _add_hyperlink(paragraph: Paragraph, link: Link) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    r_id = paragraph.part.relate_to(link.url, RT.HYPERLINK, is_external=True)
    h = _el("w:hyperlink", r_id=r_id)
    run = _el("w:r")
    rpr = _el("w:rPr")
    rpr.append(_el("w:color", w_val="0563C1"))
    rpr.append(_el("w:u", w_val="single"))
    run.append(rpr)
    t = _el("w:t", xml_space="preserve")
    t.text = link.text
    run.append(t)
    h.append(run)
    paragraph._p.append(h)


def _repeat_header(row: _Row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:tblHeader", w_val="true"))


def _set_language(doc: WordDocument, lang: str) -> None:
    """Danish proofing for the whole document (Word otherwise marks every word as misspelt English)."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = _el("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = _el("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = _el("w:rPr")
        rpr_default.append(rpr)
    element = rpr.find(qn("w:lang"))
    if element is None:  # w:lang is the last child python-docx's template has: appending keeps schema order
        element = _el("w:lang")
        rpr.append(element)
    element.set(qn("w:val"), lang)
    element.set(qn("w:eastAsia"), lang)
