"""The engine every entry point shares: retrieval chain + answer, with sources as data.

``Engine.chain`` is a LangChain runnable ``{"question": str} -> Answer``; the
Python API, the CLI, the evaluation and the chat page all go through
``Engine.ask`` / ``Engine.ask_stream``, which run it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from langchain_core.runnables import RunnableLambda

from . import backends, citations
from .index import Index
from .intake import checked_history, checked_question
from .messages import use_language
from .records import Answer, Citation, IngestReport, QuestionError, Source
from .question import question_names
from .reader import Reading
from .retrieval import HybridRetriever, Passage
from .settings import Settings
from .text import clean, script_of


def _source(passage: Passage, highlight: tuple[int, int] | None) -> Source:
    return Source(
        doc_id=passage.doc_id,
        text=passage.text,
        score=round(passage.score, 6),
        start=passage.start,
        end=passage.end,
        chunk_index=passage.chunk_index,
        chunk_id=passage.chunk_id,
        highlight=highlight,
        dense_score=passage.dense_score,
        bm25_score=passage.bm25_score,
    )


class Engine:
    """A loaded index, retriever and reader, reusable across questions (thread-safe)."""

    def __init__(self, settings: Settings | None = None, *, embeddings=None, **overrides) -> None:
        self.settings = settings.replace(**overrides) if settings and overrides else settings or Settings.load(**overrides)
        use_language(self.settings.language)  # the messages and answer labels it produces
        self._embeddings = embeddings
        self._index: Index | None = None
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self.reader = backends.make(backends.OFFLINE, self.settings)
        self._readers: dict[str, object] = {backends.OFFLINE: self.reader}

    # ---------------------------------------------------------- index

    @property
    def index(self) -> Index:
        return self._index if self._index is not None else self.open()

    def open(self, progress=False) -> Index:
        """Load the model and the index; on first use, index the default documents
        (progress: True for a bar on stderr, or a callable(done, total))."""
        with self._lock:
            if self._index is None:
                from .embeddings import load_embeddings

                embeddings = self._embeddings or load_embeddings(self.settings)
                index = Index(self.settings, embeddings)
                self.reader.use_embeddings(embeddings)
                if index.is_new and self.settings.default_documents:
                    index.ingest([p for p in self.settings.default_documents if Path(p).exists()], progress=progress)
                self._index = index
            return self._index

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for (word segmenter,
        lexical analyser, model caches); safe to run in a background thread."""
        try:
            self.ask("会议是哪天召开的？")
        except Exception:  # a warm-up must never take the app down
            pass

    # Writers queue behind each other; questions go on while a long ingest embeds.
    def ingest(self, paths: Iterable[str | Path], progress=False, uploads: bool = False) -> IngestReport:
        """uploads: the files are the chat page's copies of uploads, known by their names."""
        with self._write_lock:
            return self.index.ingest(paths, progress=progress, uploads=uploads)

    def remove(self, doc_id: str) -> int:
        """Remove a document by its id (or its file's path)."""
        with self._write_lock:
            return self.index.remove(doc_id)

    def documents(self):
        return self.index.documents()

    @property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(index=self.index, k=s.k, fetch_k=s.fetch_k, rrf_k=s.rrf_k, names=question_names)

    # ---------------------------------------------------------- asking

    @property
    def chain(self):
        """``{"question": str, "k": int?} -> Answer`` as a LangChain runnable."""
        return RunnableLambda(self._retrieve_step) | RunnableLambda(self._answer)

    def check_question(self, question: str) -> str:
        return checked_question(question, self.settings.max_question_chars)

    def search(self, query: str, k: int | None = None) -> list[Source]:
        query = self.check_question(query)
        return [_source(p, None) for p in self.retriever.passages(query, k)]

    def reader_for(self, backend: str | None = None):
        """The reader of a backend named in qa/backends.py (the settings' by default)."""
        backend = backend or self.settings.backend
        with self._lock:
            if backend not in self._readers:
                self._readers[backend] = backends.make(backend, self.settings.replace(backend=backend), offline=self.reader)
            return self._readers[backend]

    def ask(self, question: str, *, k: int | None = None, history: list[tuple[str, str]] | None = None,
            backend: str | None = None) -> Answer:
        """history: earlier (question, answer) turns of a conversation, oldest first."""
        question = self.check_question(question)
        history = checked_history(history)
        return self.chain.invoke({"question": question, "k": k, "history": history, "backend": backend})

    def ask_stream(self, question: str, *, k: int | None = None, history: list[tuple[str, str]] | None = None,
                   backend: str | None = None) -> Iterator[str | Answer]:
        """Pieces of the answer text as they arrive, then the whole Answer."""
        question = self.check_question(question)
        history = checked_history(history)
        inputs = self._retrieve_step({"question": question, "k": k, "history": history, "backend": backend})
        reader = self.reader_for(backend)
        if not hasattr(reader, "stream"):
            answer = self._answer(inputs)
            yield from _pieces(answer.answer)
            yield answer
            return
        started = time.perf_counter()
        for item in reader.stream(inputs["question"], inputs["passages"], self.index, history=inputs["history"]):
            if isinstance(item, str):
                yield item
            else:
                inputs["timings"]["read"] = time.perf_counter() - started
                yield self._to_answer(inputs, item)

    def _retrieve_step(self, inputs: dict) -> dict:
        inputs = {**inputs, "timings": dict(inputs.get("timings", {}))}
        if inputs.get("history"):
            inputs["asked"] = inputs["question"]
            inputs["question"] = self._standalone(inputs["question"], inputs["history"], inputs.get("backend"))
        inputs["passages"] = self._retrieve(inputs)
        return inputs

    def _standalone(self, question: str, history: list[tuple[str, str]], backend: str | None) -> str:
        """A follow-up (他还说了什么？) rewritten to stand alone before retrieval."""
        from .llm import condense_question

        backend = backend or self.settings.backend
        settings = self.settings if backend == self.settings.backend else self.settings.replace(backend=backend)
        return condense_question(settings, question, history)

    def _retrieve(self, inputs: dict) -> list[Passage]:
        started = time.perf_counter()
        passages = self.retriever.passages(inputs["question"], inputs.get("k"))
        inputs.setdefault("timings", {})["retrieve"] = time.perf_counter() - started
        return passages

    def _answer(self, inputs: dict) -> Answer:
        started = time.perf_counter()
        reader = self.reader_for(inputs.get("backend"))
        reading: Reading = reader.read(inputs["question"], inputs["passages"], self.index, history=inputs.get("history"))
        inputs.setdefault("timings", {})["read"] = time.perf_counter() - started
        return self._to_answer(inputs, reading)

    def _to_answer(self, inputs: dict, reading: Reading) -> Answer:
        question, passages = inputs["question"], inputs["passages"]
        timings = dict(inputs.get("timings", {}))
        timings["total"] = sum(timings.values())
        sources = [_source(p, reading.highlights.get(i)) for i, p in enumerate(passages)]
        # Readers number their markers by reading.used: [n] cites passages[used[n - 1]].
        # Putting the used passages first, in that order, makes [n] cite sources[n - 1].
        order = reading.used + [i for i in range(len(passages)) if i not in reading.used]
        sources = [sources[i] for i in order]
        return Answer(
            question=inputs.get("asked", question),
            answer=reading.answer,
            abstained=reading.abstained,
            sources=sources,
            timings={k: round(v, 4) for k, v in timings.items()},
            backend=reading.backend,
            notice=reading.notice,
            concise=reading.concise,
            support=reading.support,
            citations=[] if reading.abstained else self._citations(reading.answer, sources[: len(reading.used)]),
            reason=reading.reason if reading.abstained else "",
            qtype=reading.qtype,
            standalone_question=question if "asked" in inputs else "",
        )

    def _citations(self, text: str, cited: list[Source]) -> list[Citation]:
        """A Citation for each marker [n] of text that points at one of the cited sources."""
        found, raw_texts = [], {}
        for n in sorted(citations.cited(text)):
            if not 1 <= n <= len(cited):
                continue  # not a citation of this answer (a "[5]" quoted from a document)
            source = cited[n - 1]
            offsets = self._document_span(source, source.highlight, raw_texts) if source.highlight else None
            start, end = offsets or (None, None)
            found.append(Citation(n=n, source=n - 1, doc_id=source.doc_id, chunk_id=source.chunk_id,
                                  span=source.highlight, start=start, end=end))
        return found

    def _document_span(self, source: Source, span: tuple[int, int], raw_texts: dict[str, str | None]):
        """A span of source.text as offsets in the document's raw text, or None.

        Source.text is clean text (qa/text.py) and the map back to raw offsets is not
        stored with the chunk.  When cleaning removed nothing inside the passage the
        offsets follow from Source.start alone; otherwise (pinyin ruby, invisible
        characters, \r) the passage's raw range is cleaned again, which gives the same
        text with its positions (a chunk starts and ends with characters cleaning
        keeps, so nothing outside the range changes how it is cleaned), and the span
        is mapped through them.  If that does not reproduce the passage, None."""
        quick = source.document_span(span)
        if quick is not None or not span[0] < span[1] <= len(source.text):
            return quick
        if source.doc_id not in raw_texts:
            try:
                raw_texts[source.doc_id] = self.index.raw_text(source.doc_id)
            except KeyError:  # removed since it was retrieved
                raw_texts[source.doc_id] = None
        raw = raw_texts[source.doc_id]
        if raw is None:
            return None
        window = clean(raw[source.start : source.end])
        if window.text != source.text:
            return None
        start, end = window.raw_span(*span)
        return source.start + start, source.start + end


def _pieces(text: str, size: int = 8) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default


def ask(question: str, **kwargs) -> Answer:
    """Answer a question from the default index (built on first use)."""
    return default_engine().ask(question, **kwargs)


def ingest(paths, progress=False) -> IngestReport:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return default_engine().ingest(paths, progress=progress)


__all__ = ["Answer", "Citation", "Engine", "QuestionError", "Source", "ask", "ingest", "default_engine", "script_of"]
