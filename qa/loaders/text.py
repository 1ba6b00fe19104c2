"""Plain text and Markdown: decoded as they are (qa/text.py); a Markdown file's
``#`` headings give its sections."""

from __future__ import annotations

import re

from ..text import decode_bytes
from . import Headings, Loaded, Piece

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def load(data: bytes, name: str) -> Loaded:
    text = decode_bytes(data, name)
    if not name.lower().endswith(".md"):
        return Loaded(text)
    pieces: list[Piece] = []
    headings = Headings()
    start = 0
    for match in _HEADING.finditer(text):
        if match.start() > start:
            pieces.append(Piece(start, match.start(), None, headings.path))
        headings.enter(len(match.group(1)), match.group(2).strip())
        start = match.start()
    pieces.append(Piece(start, len(text), None, headings.path))
    return Loaded(text, [p for p in pieces if p.end > p.start])
