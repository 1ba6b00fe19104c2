"""Reading documents: one loader per format, and the table that picks one.

A loader is a module of this package with ``load(data: bytes, name: str) -> Loaded``:
the document's text as it will be stored (the "raw" text of qa/text.py, which chunk
offsets point into) and the pieces of it that sit on one page or under one heading.
``name`` is how messages call the file.  A loader raises ``DocumentError`` with a code
whose message is ``document.<code>`` in qa/messages.py; its parsing library is imported
inside it, so only the formats actually read cost their import.

``FORMATS`` is the one table of what can be read: the folder walk, the chat page's
upload box, the messages naming the supported types and docs/documents.md all read it.
A new format is one module and one row.  The format of a file is decided by its first
bytes when they say (a PDF named .txt is read as a PDF), else by its suffix.
"""

from __future__ import annotations

import importlib
import logging
import os
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from typing import Iterable

from ..text import DocumentError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Piece:
    """text[start:end] lies on one page (PDF; None for formats without pages) under one
    heading path (section, e.g. "第二章 > 2.1 试点"; "" when there is none)."""

    start: int
    end: int
    page: int | None = None
    section: str = ""


@dataclass
class Loaded:
    text: str
    pieces: list[Piece] = field(default_factory=list)
    # For the user about what was read (pages that are scanned images, pages read by OCR).
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    name: str  # the loader module's name
    label: str  # how people call it
    suffixes: tuple[str, ...]


FORMATS = (
    Format("text", "Text", (".txt", ".md")),
    Format("pdf", "PDF", (".pdf",)),
    Format("docx", "Word", (".docx",)),
    Format("html", "HTML", (".html", ".htm", ".xhtml")),
    Format("epub", "EPUB", (".epub",)),
)
SUFFIXES = tuple(suffix for f in FORMATS for suffix in f.suffixes)
_BY_NAME = {f.name: f for f in FORMATS}
_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}
_REFUSED = {".doc": "doc_legacy"}
# What an upload box lets through: the formats read, and those refused with advice of their
# own (an old .doc is better told "save it as .docx" than silently left out by the browser).
UPLOADABLE = SUFFIXES + tuple(_REFUSED)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls, .ppt before 2007


def supported() -> str:
    """The readable suffixes, for messages: ".txt .md .pdf …"."""
    return " ".join(SUFFIXES)


def is_supported(name: str) -> bool:
    return _suffix(name) in _BY_SUFFIX


def refusal(name: str) -> str:
    """Why a file of this name is not read (a code of qa/messages.py's document.*):
    an old Word file has its own message, saying what to do."""
    return _REFUSED.get(_suffix(name), "unsupported_type")


def sniff(data: bytes, name: str) -> Format | None:
    """The format of a file: by its first bytes when they tell, else by its suffix
    (None for a suffix outside the table: such a file is tried as text)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return _BY_NAME["pdf"]
    if data.startswith(b"PK\x03\x04"):
        inside = _zip_names(data)
        if "word/document.xml" in inside:
            return _BY_NAME["docx"]
        if "META-INF/container.xml" in inside:
            return _BY_NAME["epub"]
    if _looks_like_html(head):
        return _BY_NAME["html"]
    return _BY_SUFFIX.get(_suffix(name))


def load(data: bytes, name: str) -> Loaded:
    """The document in ``data``, read by its format's loader; DocumentError when it
    cannot be read (with a message saying why, one line)."""
    if data.startswith(_OLE):
        code = "doc_legacy" if _suffix(name) == ".doc" else "binary"
        raise DocumentError.of(code, name=name)
    found = sniff(data, name) or _BY_NAME["text"]
    module = importlib.import_module(f"{__name__}.{found.name}")
    try:
        loaded = module.load(data, name)
    except DocumentError:
        raise
    except Exception:  # a parser's own error on a broken file: never a traceback for a bad file
        if os.environ.get("QA_DEBUG"):
            raise
        log.debug("cannot read %s as %s", name, found.name, exc_info=True)
        raise DocumentError.of("corrupt", name=name, kind=found.label) from None
    if not loaded.text.strip():
        raise DocumentError.of("no_text", name=name)
    return loaded


class Headings:
    """The headings above the current point of a document, as the section path that
    pieces carry ("第二章 产业发展 > 2.1 试点")."""

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        """A heading of this level (1 the highest) closes those at its level and below."""
        self._open = [(lv, h) for lv, h in self._open if lv < level] + [(level, title)]

    @property
    def path(self) -> str:
        return " > ".join(h for _, h in self._open)


def assemble(blocks: Iterable[tuple[str, int | None, str]], separator: str = "\n") -> Loaded:
    """One text from blocks of (text, page, section), each separated by ``separator``,
    with a piece for each run of blocks on one page under one section."""
    parts: list[str] = []
    pieces: list[Piece] = []
    length = 0
    for text, page, section in blocks:
        if not text.strip():
            continue
        if parts:
            parts.append(separator)
            length += len(separator)
        start, length = length, length + len(text)
        parts.append(text)
        if pieces and (pieces[-1].page, pieces[-1].section) == (page, section):
            pieces[-1] = Piece(pieces[-1].start, length, page, section)
        else:
            pieces.append(Piece(start, length, page, section))
    return Loaded("".join(parts), pieces)


def join_lines(lines: list[str], ends_paragraph: list[bool] | None = None) -> str:
    """Lines of one page or block as text: a line broken inside a paragraph is joined
    to the next without a space between Chinese characters (with one between words);
    a line that ends a paragraph (ends_paragraph[i]) keeps its line break."""
    out = ""
    previous = -1
    for i, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        if out:
            if (ends_paragraph is not None and ends_paragraph[previous]) or out[-1] in _SENTENCE_END:
                out += "\n"
            elif out[-1].isascii() and line[0].isascii() and out[-1].isalnum() and line[0].isalnum():
                out += " "
            elif not (is_wide(out[-1]) or is_wide(line[0])):
                out += " "
        out += line
        previous = i
    return out


_SENTENCE_END = set("。！？；：!?…」』”")


def is_wide(ch: str) -> bool:
    """A Chinese (or Japanese) character or full-width form: no space goes between two."""
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef" or "\U00020000" <= ch


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.replace("\\", "/").rfind("/") else ""


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<?xml"):
        return b"<html" in start
    return start.startswith((b"<!doctype html", b"<html"))
