"""PDF, with pypdfium2 (PDFium: Apache-2.0/BSD-3, fast, renders pages for OCR).

Each page's text in PDFium's order (the content stream's, which is reading order for
what word processors and reportlab write), line by line, with the page number as its
piece.  Lines broken inside a paragraph are joined (no space between Chinese
characters); cells of a row that PDFium separates by a wide gap are joined by " | ";
a line at the top or bottom edge that repeats on most pages (a running header, a page
number) is dropped.  Pages without a text layer are scanned images: read with OCR when
the ``ocr`` extra is installed (qa/loaders/ocr.py), else named in a note.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ..messages import t
from ..text import DocumentError
from . import Loaded, assemble, is_wide, join_lines

_EDGE = 0.1  # the share of the page's height at the top and bottom where running headers and footers sit
_CELL_GAP = 1.5  # a gap wider than this many font sizes between two runs of a line separates cells
# Between two Chinese characters, in font sizes: with no space, wider than any letter-spacing
# of prose; with a space PDFium put there (it saw a gap), wider than a space of text.
_CJK_CELL_GAP = 0.4
_CJK_SPACED_CELL_GAP = 0.3
_MIN_CHARS = 10  # fewer letters than this on a page with an image: a scanned page


@dataclass
class _Line:
    text: str
    top: float  # of the line's first character, as a share of the page's height from the bottom
    right: float  # where its last character ends
    size: float  # font size of its first character


def load(data: bytes, name: str) -> Loaded:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError.of("pdf_encrypted", name=name) from None
        raise DocumentError.of("corrupt", name=name, kind="PDF") from None
    try:
        if len(pdf) == 0:
            raise DocumentError.of("corrupt", name=name, kind="PDF")
        pages: list[list[_Line]] = []
        scanned: list[int] = []
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            lines = _page_lines(page, pdfium_c)
            if _no_text_layer(lines, page, pdfium_c):
                scanned.append(number)
                lines = []
            pages.append(lines)
        recognised = _recognise(pdf, scanned) if scanned else {}
    finally:
        pdf.close()
    _drop_running_lines(pages)
    blocks = [(recognised.get(n) or _page_text(lines), n, "") for n, lines in enumerate(pages, 1)]
    loaded = assemble(blocks, separator="\n\n")
    read_by_ocr = [n for n in scanned if recognised.get(n)]
    unread = [n for n in scanned if not recognised.get(n)]
    if read_by_ocr:
        loaded.notes.append(t("document.ocr_pages", name=name, pages=page_list(read_by_ocr)))
    if unread:
        code = "ocr_failed" if recognised.get("available") else "scanned"
        if not loaded.text.strip():
            raise DocumentError.of(code, name=name, pages=page_list(unread))
        loaded.notes.append(t(f"document.{code}_pages", name=name, pages=page_list(unread)))
    return loaded


def page_list(numbers: list[int]) -> str:
    """Page numbers for people, as ranges: 第3-5、8页 / pp. 3-5, 8."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    items = [str(a) if a == b else f"{a}-{b}" for a, b in runs]
    key = "document.page" if len(numbers) == 1 else "document.pages"
    return t(key, pages=t("document.page_separator").join(items))


def _page_lines(page, pdfium_c) -> list[_Line]:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        height = page.get_height() or 1.0
        if len(text) != count:  # characters beyond the BMP: no positions, one line per PDFium line
            return [_Line(line, 0.5, 0.0, 0.0) for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
        lines = []
        for match in re.finditer(r"[^\r\n]+", text):
            start, end = match.span()
            if not text[start:end].strip():
                continue
            first = start + len(text[start:end]) - len(text[start:end].lstrip())
            last = end - 1 - (len(text[start:end]) - len(text[start:end].rstrip()))
            left_box = textpage.get_charbox(first)
            lines.append(_Line(
                text=_cells(text, first, last + 1, textpage, pdfium_c),
                top=left_box[3] / height,
                right=textpage.get_charbox(last)[2],
                size=pdfium_c.FPDFText_GetFontSize(textpage.raw, first) or (left_box[3] - left_box[1]),
            ))
        return lines
    finally:
        textpage.close()


def _cells(text: str, start: int, end: int, textpage, pdfium_c) -> str:
    """text[start:end] with each run of spaces made " | " when it spans a wide gap (a
    table's cells), dropped between Chinese characters, kept as one space otherwise.
    Some producers (Chrome, for one) put no space at all between a table's cells, so a
    gap between two Chinese characters wider than a fraction of the font size, which
    running text never has, separates cells too."""
    out = []
    i = start
    while i < end:
        ch = text[i]
        if ch not in " \t\u3000":
            out.append(ch)
            i += 1
            if i < end and is_wide(ch) and is_wide(text[i]) and _gap(textpage, pdfium_c, i - 1, i) > _CJK_CELL_GAP:
                out.append(" | ")
            continue
        j = i
        while j < end and text[j] in " \t\u3000":
            j += 1
        before, after = text[i - 1], text[j] if j < end else ""
        both_wide = is_wide(before) and is_wide(after)
        if after and _gap(textpage, pdfium_c, i - 1, j) > (_CJK_SPACED_CELL_GAP if both_wide else _CELL_GAP):
            out.append(" | ")
        elif after and not both_wide:
            out.append(" ")
        i = j
    return "".join(out)


def _gap(textpage, pdfium_c, left: int, right: int) -> float:
    """The space between two characters' boxes, in font sizes of the first."""
    size = pdfium_c.FPDFText_GetFontSize(textpage.raw, left) or 10.0
    # Loose boxes are the characters' advances: a full stop's ink is a dot at the left of its em.
    return (textpage.get_charbox(right, loose=True)[0] - textpage.get_charbox(left, loose=True)[2]) / size


def _no_text_layer(lines: list[_Line], page, pdfium_c) -> bool:
    """A page whose text is missing or unusable (glyphs without a Unicode mapping
    come out as U+FFFD or private-use characters) and that shows an image."""
    text = "".join(line.text for line in lines)
    letters = sum(ch.isalnum() and unicodedata.category(ch) != "Co" for ch in text)
    junk = sum(ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc") for ch in text)
    if letters >= _MIN_CHARS and junk <= letters:
        return False
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _drop_running_lines(pages: list[list[_Line]]) -> None:
    """Remove lines near the top or bottom edge that recur on most pages, numbers aside
    ("第 3 页，共 9 页" is the same line on every page)."""
    if len(pages) < 2:
        return
    def key(line: _Line) -> str | None:
        if _EDGE < line.top < 1 - _EDGE:
            return None
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))

    seen = Counter(k for lines in pages for k in {key(line) for line in lines} if k)
    needed = max(2, math.ceil(len(pages) / 2))
    running = {k for k, n in seen.items() if n >= needed}
    if running:
        for lines in pages:
            lines[:] = [line for line in lines if key(line) not in running]


def _page_text(lines: list[_Line]) -> str:
    if not lines:
        return ""
    full = max(line.right for line in lines)
    ends = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        short = line.right < full - 2 * (line.size or 10.0)
        table = " | " in line.text or (nxt is not None and " | " in nxt.text)
        ends.append(short or table or (nxt is not None and abs(nxt.size - line.size) > 1))
    return join_lines([line.text for line in lines], ends)


def _recognise(pdf, numbers: list[int]) -> dict:
    """OCR of the pages ``numbers`` ({number: text}, and "available": whether the ocr
    extra is installed); nothing when it is not."""
    from . import ocr

    if not ocr.available():
        return {}
    found: dict = {"available": True}
    for number in numbers:
        image = pdf[number - 1].render(scale=ocr.SCALE).to_pil()
        found[number] = ocr.recognise(image)
    return found
