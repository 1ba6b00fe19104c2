"""Word (.docx), with python-docx (MIT): paragraphs and tables in document order, each
under the path of the headings above it ("第二章 产业发展 > 2.1 试点").  A heading is a
paragraph whose style is a built-in heading (Word keeps their English names whatever
the interface's language) or that sets an outline level; the title is not a section."""

from __future__ import annotations

import re

from . import Headings, Loaded, assemble

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def load(data: bytes, name: str) -> Loaded:
    from io import BytesIO

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(BytesIO(data))
    blocks: list[tuple[str, None, str]] = []
    headings = Headings()
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = paragraph.text.strip()
            level = _heading_level(paragraph)
            if text and level:
                headings.enter(level, text)
            blocks.append((text, None, headings.path))
        elif tag == "tbl":
            blocks.extend((row, None, headings.path) for row in _rows(Table(element, document)))
    return assemble(blocks)


def _heading_level(paragraph) -> int:
    """1-9 for a heading, 0 for body text (and for the title)."""
    outline = paragraph._p.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl")
    if outline is not None:
        value = outline.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "9")
        return int(value) + 1 if value.isdigit() and int(value) < 9 else 0
    style = paragraph.style
    while style is not None:
        match = _HEADING_STYLE.match(style.name or "")
        if match:
            return int(match.group(1))
        style = style.base_style
    return 0


def _rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once for each column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows
