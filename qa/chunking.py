"""Chinese-aware splitting into sentences and overlapping chunks.

Sentence punctuation stays at the end of its piece.  Text is cut at 。！？
first, then at ；, then at ， (the ASCII forms too, as scraped text mixes them),
and only as a last resort at a fixed length.  Every piece is a span of the
clean text, so offsets survive all the way to the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOSERS = "”’」』\"')）》】"
_LEVELS = [
    re.compile(rf"[。！？!?…]+[{_CLOSERS}]*"),
    re.compile(rf"[；;]+[{_CLOSERS}]*"),
    # A comma between digits (1,000) is not a clause boundary.
    re.compile(rf"(?:，|(?<!\d),|,(?!\d))+[{_CLOSERS}]*"),
]


PARAGRAPH_SCRAP = 80

# Where a reader's sentence ends (the support shown with an answer, the sentence a choice
# question is read from): the sentence marks, ； and line breaks; finer than chunking's.
_READER_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    start: int  # in the clean text
    end: int


def split_sentences(text: str, max_len: int = 10_000, start: int = 0, end: int | None = None) -> list[Span]:
    """Spans of sentences (or smaller pieces when a sentence is over max_len)."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for para in _paragraphs(text, start, end):
        spans.extend(_split(text, para, 0, max_len))
    return spans


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The reader's sentence holding text[start:end] (widened to whole sentences if it
    spans several), its end mark included."""
    left = max((m.end() for m in _READER_SENTENCE_END.finditer(text, 0, start)), default=0)
    found = _READER_SENTENCE_END.search(text, max(end - 1, start))
    right = found.end() if found else len(text)
    return left, right


def reader_sentences(text: str) -> list[Span]:
    """The text cut into the readers' sentences (as sentence_around sees them), each with
    its end mark but not a line break; empty pieces left out."""
    spans, start = [], 0
    for m in _READER_SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append(Span(start, m.start() if m.group() == "\n" else m.end()))
        start = m.end()
    if start < len(text):
        spans.append(Span(start, len(text)))
    return spans


def split_clauses(text: str, span: Span) -> list[Span]:
    """A sentence cut at every ； and ， (for picking the exact answer clause)."""
    pieces = [span]
    for pattern in _LEVELS[1:]:
        pieces = [p for piece in pieces for p in _cut(text, piece, pattern)]
    return pieces


def chunk_text(text: str, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    sentences = split_sentences(text, max_len=chunk_size)
    chunks: list[Chunk] = []
    current: list[Span] = []

    def flush() -> None:
        start, end = current[0].start, current[-1].end
        chunks.append(Chunk(len(chunks), text[start:end], start, end))

    for sentence in sentences:
        new_paragraph = bool(current) and "\n" in text[current[-1].end : sentence.start]
        too_long = bool(current) and sentence.end - current[0].start > chunk_size
        # A paragraph boundary ends the chunk unless what came before is a headline-sized scrap.
        if current and (too_long or (new_paragraph and current[-1].end - current[0].start >= min(chunk_size // 2, PARAGRAPH_SCRAP))):
            flush()
            current = _overlap_tail(current, chunk_overlap) if not new_paragraph else []
            if current and sentence.end - current[0].start > chunk_size:
                current = []
        current.append(sentence)
    if current:
        flush()
    return chunks


def _overlap_tail(sentences: list[Span], overlap: int) -> list[Span]:
    tail: list[Span] = []
    for sentence in reversed(sentences[1:]):
        if sentences[-1].end - sentence.start > overlap:
            break
        tail.insert(0, sentence)
    return tail


def _paragraphs(text: str, start: int, end: int) -> list[Span]:
    spans = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        stripped_start = line_start + (len(line) - len(line.lstrip()))
        stripped_end = line_end - (len(line) - len(line.rstrip()))
        if stripped_end > stripped_start:
            spans.append(Span(stripped_start, stripped_end))
    return spans


def _split(text: str, span: Span, level: int, max_len: int) -> list[Span]:
    pieces = _cut(text, span, _LEVELS[level]) if level < len(_LEVELS) else [span]
    out: list[Span] = []
    for piece in pieces:
        if piece.end - piece.start <= max_len:
            out.append(piece)
        elif level + 1 < len(_LEVELS):
            out.extend(_merge(_split(text, piece, level + 1, max_len), max_len))
        else:
            out.extend(Span(s, min(s + max_len, piece.end)) for s in range(piece.start, piece.end, max_len))
    return out


def _merge(pieces: list[Span], max_len: int) -> list[Span]:
    """Join small neighbouring pieces back together while they fit."""
    merged: list[Span] = []
    for piece in pieces:
        if merged and piece.end - merged[-1].start <= max_len:
            merged[-1] = Span(merged[-1].start, piece.end)
        else:
            merged.append(piece)
    return merged


def _cut(text: str, span: Span, pattern: re.Pattern[str]) -> list[Span]:
    pieces = []
    pos = span.start
    for match in pattern.finditer(text, span.start, span.end):
        if match.end() > pos:
            pieces.append(Span(pos, match.end()))
            pos = match.end()
    if pos < span.end:
        pieces.append(Span(pos, span.end))
    return [p for p in (_strip(text, p) for p in pieces) if p.end > p.start]


def _strip(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
