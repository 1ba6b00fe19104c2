"""What the engine hands back, and the errors users see: plain data only.

Nothing heavy is imported here, so the chat page's process (which runs the engine
in a child process, see qa/server.py) and any client can use these types without
loading a model, LangChain or Chroma.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .messages import byte_size, t

class QAError(Exception):
    """The base of every error a user or operator can cause (a question, a file, a
    setting, an index built otherwise, a model that is not installed): its message is
    one line meant for people, and interfaces show that line instead of a traceback
    (the CLI exits 1; ``qa --debug`` shows the traceback).  Anything else that escapes
    is a bug.  Subclasses keep their older bases (ValueError, RuntimeError) so that
    code catching those still works."""


class StoreError(QAError):
    """The index cannot be opened or written: a file where its folder should be, a
    folder that cannot be written, a corrupt Chroma database."""


class QuestionError(QAError, ValueError):
    """A question that cannot be asked (empty, too long, not text, not a question);
    the message is for users, the code (see qa/intake.py) for interfaces in other
    languages."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class MissingError(QAError, KeyError):
    """Something named that is not there: a document, a knowledge base."""

    def __str__(self) -> str:  # not KeyError's quoted repr: the message is for people
        return str(self.args[0]) if self.args else ""


class IndexMismatchError(QAError, RuntimeError):
    """The stored index was built with other settings than the current ones."""


class EmbeddingModelError(QAError, RuntimeError):
    """The configured embedding model cannot be loaded."""


def sizes_apart(size: int, limit: int) -> tuple[str, str]:
    """size and limit for a message saying one is over the other; in bytes when
    rounding would show them equal (20 MB over the 20 MB limit)."""
    shown = byte_size(size), byte_size(limit)
    return shown if shown[0] != shown[1] else (f"{size} B", f"{limit} B")


@dataclass
class Source:
    doc_id: str
    text: str
    score: float
    start: int  # offsets of the passage in the document's raw text
    end: int
    chunk_index: int
    chunk_id: str
    # The span of `text` the answer came from (for highlighting), if any.
    highlight: tuple[int, int] | None = None
    dense_score: float | None = None
    bm25_score: float | None = None
    # Where the highlighted span (else the passage) is: its page in a PDF (None for
    # formats without pages) and the path of the headings above it ("第二章 > 2.1 试点").
    page: int | None = None
    section: str = ""

    def place(self) -> str:
        """The document, page and section for people: 报告.pdf 第12页 · 第二章 > 2.1 试点."""
        where = t("source.page", doc_id=self.doc_id, page=self.page) if self.page else self.doc_id
        return t("source.section", where=where, section=self.section) if self.section else where

    def document_span(self, span: tuple[int, int]) -> tuple[int, int] | None:
        """A span of ``text`` as offsets in the document's raw text, or None when that
        cannot be known from the passage alone.

        ``text`` is the chunk's *clean* text (qa/text.py: pinyin ruby, invisible
        characters and some whitespace removed), while ``start``/``end`` are raw
        offsets.  When the text is exactly as long as its raw range, cleaning removed
        nothing inside it, so clean position i is raw position start + i (a tab or
        ideographic space may have become a plain space).  Otherwise the map back
        (CleanText.positions) is not stored with the chunk: None rather than a guess
        (the engine then maps the span through the document's raw text, see
        Engine._document_span)."""
        start, end = span
        if self.end - self.start != len(self.text) or not 0 <= start <= end <= len(self.text):
            return None
        return self.start + start, self.start + end


@dataclass
class Citation:
    """One source an answer cites: the marker ``[n]`` in ``Answer.answer`` points at
    ``Answer.sources[source]`` (always ``n - 1``; see qa/citations.py)."""

    n: int
    source: int
    doc_id: str
    chunk_id: str
    # The cited text within that source's ``text`` (what the page highlights), if known.
    span: tuple[int, int] | None = None
    # The same span as offsets in the document's raw text (the file as decoded, which
    # Index.raw_text returns; Source.text is cleaned text, see Source.document_span);
    # None when they cannot be mapped exactly.
    start: int | None = None
    end: int | None = None
    page: int | None = None  # as in Source
    section: str = ""


@dataclass
class Answer:
    question: str  # as asked
    answer: str  # the rendered text users see, with [n] markers
    abstained: bool
    sources: list[Source]  # the cited ones first, in marker order
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = "extractive"
    # A notice for the user about how the answer was made (e.g. a fall back).
    notice: str = ""
    # The short answer (a name, date, number, list), empty when there is none
    # (questions of why/how, answers from a language model).
    concise: str = ""
    # The sentence the answer rests on, in the script of the question; empty when the
    # backend gives none (language models).  It is in the source of the first citation
    # (with the offline reader it is that citation's span).
    support: str = ""
    citations: list[Citation] = field(default_factory=list)  # in marker order
    reason: str = ""  # why it refused; empty for an answer
    qtype: str = ""  # the question type the reader saw: who, when, count, list, ... ('multi' for several, 'yesno' for a yes/no question)
    # The question retrieval and the reader used, when it is not the one asked: a follow-up
    # made to stand alone (陈钢还说了什么？), or the question without what it says about the
    # asker (qa/asides.py); empty otherwise.
    standalone_question: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DocumentInfo:
    doc_id: str
    path: str
    sha256: str
    chunks: int
    chars: int


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, existing doc_id)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    # Found under a folder but not a document, and nothing lost: other file types, links
    # to folders already read.  (path, message)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    error_codes: dict[str, str] = field(default_factory=dict)  # path -> its code (the end of its key in qa/messages.py)
    # Said about documents that were ingested: pages that are scanned images, pages read by OCR.  (path, message)
    notes: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        more = t("cli.ingest_duplicates", count=len(self.duplicates)) if self.duplicates else ""
        more += t("cli.ingest_skipped", count=len(self.skipped)) if self.skipped else ""
        more += t("cli.ingest_failed", count=len(self.errors)) if self.errors else ""
        return t("cli.ingest_summary", added=len(self.added), updated=len(self.updated), unchanged=len(self.unchanged),
                 more=more, chunks=self.chunks_embedded, seconds=self.seconds)
