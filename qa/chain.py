"""The engine every entry point shares: retrieval chain + answer, with sources as data.

``Engine.chain`` is a LangChain runnable ``{"question": str} -> Answer``; the
Python API, the CLI, the evaluation and the chat page all go through
``Engine.ask`` / ``Engine.ask_stream``, which run it.
"""

from __future__ import annotations

import atexit
import gc
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from langchain_core.runnables import RunnableLambda

from . import asides, backends, bases, citations, dateline
from .index import Index
from .intake import checked_history, checked_question
from .messages import t, use_language
from .records import Answer, Citation, IngestReport, MissingError, QAError, QuestionError, Source
from .question import question_names
from .reader import Reading
from .retrieval import HybridRetriever, Passage
from .settings import Settings
from .text import clean, script_of


def _give_embeddings(reader, embeddings) -> None:
    if hasattr(reader, "use_embeddings"):
        reader.use_embeddings(embeddings)


def _source(passage: Passage, highlight: tuple[int, int] | None) -> Source:
    page, section = passage.place(highlight[0] if highlight else 0)
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
        page=page,
        section=section,
    )


class Engine:
    """A loaded index, retriever and reader, reusable across questions (thread-safe)."""

    def __init__(self, settings: Settings | None = None, *, embeddings=None, **overrides) -> None:
        self.settings = settings.replace(**overrides) if settings and overrides else settings or Settings.load(**overrides)
        use_language(self.settings.language)  # the messages and answer labels it produces
        self._embeddings = embeddings
        self._embeddings_by_model: dict[tuple, object] = {}
        self._indexes: dict[str, Index] = {}  # one per knowledge base, by name
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self.reader = backends.make(backends.OFFLINE, self.settings)
        self._readers: dict[str, object] = {backends.OFFLINE: self.reader}

    # ---------------------------------------------------------- index

    @property
    def index(self) -> Index:
        """The index of the settings' knowledge base (the default one unless ``kb`` is set)."""
        return self.base()

    def base(self, kb: str | None = None) -> Index:
        """The index of a knowledge base (qa/bases.py), opened on first use; the
        settings' base when kb is None."""
        name = self._base_name(kb)
        index = self._indexes.get(name)
        return index if index is not None else self._open_base(name)

    def open(self, progress=False) -> Index:
        """Load the model and the index; on first use, index the default documents
        (progress: True for a bar on stderr, or a callable(done, total))."""
        return self._open_base(self._base_name(None), progress)

    def _base_name(self, kb: str | None) -> str:
        kb = self.settings.kb if kb is None else kb
        return bases.DEFAULT if bases.is_default(kb) else bases.checked_name(kb)

    def _open_base(self, name: str, progress=False, create: dict | None = None) -> Index:
        """create: the settings of a base to make (it must not exist yet)."""
        with self._lock:
            if name in self._indexes:
                return self._indexes[name]
            from .index import base_record, settings_of_base

            if create is None:
                settings = settings_of_base(self.settings, name)
            elif base_record(self.settings, name) is not None:
                raise bases.BaseError(t("kb.exists", name=name))
            else:
                settings = self.settings.replace(kb=name, **create)
            embeddings = self._embeddings_for(settings)
            index = Index(settings, embeddings)
            if not self._indexes:
                for reader in self._readers.values():
                    _give_embeddings(reader, embeddings)
            if index.is_new and bases.is_default(name) and settings.default_documents:
                index.ingest([p for p in settings.default_documents if Path(p).exists()], progress=progress)
            self._indexes[name] = index
            return index

    def _embeddings_for(self, settings: Settings):
        """The embedder of a base's settings: one per model (or embedding server) per engine."""
        if self._embeddings is not None and settings.embedding_model == self.settings.embedding_model:
            return self._embeddings
        key = (settings.embedding_model, settings.embedding_url, settings.embedding_remote_model, settings.embedding_prefixes)
        if key not in self._embeddings_by_model:
            from .embeddings import load_embeddings

            self._embeddings_by_model[key] = load_embeddings(settings)
        return self._embeddings_by_model[key]

    def knowledge_bases(self) -> list[bases.BaseInfo]:
        """Every knowledge base in the store, the default first."""
        from .index import list_bases

        return list_bases(self.settings)

    def create_base(self, name: str, embedding_model: str | None = None, chunk_size: int | None = None,
                    chunk_overlap: int | None = None) -> bases.BaseInfo:
        """Make an empty knowledge base; its model and chunking are the settings' unless given."""
        name = bases.checked_name(name)
        if bases.is_default(name):
            raise bases.BaseError(t("kb.exists", name=name))
        chosen = {"embedding_model": embedding_model or self.settings.embedding_model,
                  "chunk_size": chunk_size or self.settings.chunk_size,
                  "chunk_overlap": self.settings.chunk_overlap if chunk_overlap is None else chunk_overlap}
        self.settings.replace(**chosen)  # checks the values before anything is made
        with self._write_lock:
            self._open_base(name, create=chosen)
        return next(b for b in self.knowledge_bases() if b.name == name)

    def delete_base(self, name: str) -> None:
        """Delete a knowledge base and everything in it (not the default one)."""
        from .index import delete_base

        name = self._base_name(name)
        if bases.is_default(name):
            raise bases.BaseError(t("kb.default_kept"))
        with self._write_lock, self._lock:
            delete_base(self.settings, name)
            self._indexes.pop(name, None)

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for (word segmenter,
        lexical analyser, model caches); safe to run in a background thread."""
        try:
            self.ask("会议是哪天召开的？")
        except Exception:  # a warm-up must never take the app down
            pass

    # Writers queue behind each other; questions go on while a long ingest embeds.
    def ingest(self, paths: Iterable[str | Path], progress=False, uploads: bool = False, kb: str | None = None) -> IngestReport:
        """uploads: the files are the chat page's copies of uploads, known by their names."""
        with self._write_lock:
            return self.base(kb).ingest(paths, progress=progress, uploads=uploads)

    def remove(self, doc_id: str, kb: str | None = None) -> int:
        """Remove a document by its id (or its file's path)."""
        with self._write_lock:
            return self.base(kb).remove(doc_id)

    def documents(self, kb: str | None = None):
        return self.base(kb).documents()

    def retriever(self, kb: str | None = None) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(index=self.base(kb), k=s.k, fetch_k=s.fetch_k, rrf_k=s.rrf_k, names=question_names)

    # ---------------------------------------------------------- asking

    @property
    def chain(self):
        """``{"question": str, "k": int?} -> Answer`` as a LangChain runnable."""
        return RunnableLambda(self._retrieve_step) | RunnableLambda(self._answer)

    def check_question(self, question: str) -> str:
        return checked_question(question, self.settings.max_question_chars)

    def search(self, query: str, k: int | None = None, kb: str | None = None,
               documents: list[str] | None = None) -> list[Source]:
        query = self.check_question(query)
        return [_source(p, None) for p in self._passages(query, k, kb, documents)]

    def _passages(self, query: str, k: int | None, kb: str | None, documents: list[str] | None) -> list[Passage]:
        try:
            retriever = self.retriever(kb)
            passages = retriever.passages(query, k, documents=_checked_documents(documents))
            # a question after who published the report needs its opening, where the dateline is
            return retriever.with_opening(passages) if dateline.asks_source(query) else passages
        except bases.BaseError:
            self._indexes.pop(self._base_name(kb), None)  # deleted by another process: look again next time
            raise
        except KeyError as exc:
            if isinstance(exc, QAError):
                raise
            raise MissingError(t("document.not_in_index", name=exc.args[0] if exc.args else "")) from None

    def reader_for(self, backend: str | None = None):
        """The reader of a backend named in qa/backends.py (the settings' by default)."""
        backend = backend or self.settings.backend
        with self._lock:
            if backend not in self._readers:
                reader = backends.make(backend, self.settings.replace(backend=backend), offline=self.reader)
                if self._indexes:  # the rule reader ranks an English question's sentences with them
                    _give_embeddings(reader, next(iter(self._indexes.values())).embeddings)
                self._readers[backend] = reader
            return self._readers[backend]

    def ask(self, question: str, *, k: int | None = None, history: list[tuple[str, str]] | None = None,
            backend: str | None = None, kb: str | None = None, documents: list[str] | None = None) -> Answer:
        """history: earlier (question, answer) turns of a conversation, oldest first;
        kb: the knowledge base to ask (the settings' by default); documents: ids (or
        file paths) of the documents to answer from, None for all."""
        question = self.check_question(question)
        history = checked_history(history)
        return self.chain.invoke({"question": question, "k": k, "history": history, "backend": backend,
                                  "kb": kb, "documents": documents})

    def ask_stream(self, question: str, *, k: int | None = None, history: list[tuple[str, str]] | None = None,
                   backend: str | None = None, kb: str | None = None,
                   documents: list[str] | None = None) -> Iterator[str | Answer]:
        """Pieces of the answer text as they arrive, then the whole Answer."""
        question = self.check_question(question)
        history = checked_history(history)
        inputs = self._retrieve_step({"question": question, "k": k, "history": history, "backend": backend,
                                      "kb": kb, "documents": documents})
        reader = self.reader_for(backend)
        if not hasattr(reader, "stream"):
            answer = self._answer(inputs)
            yield from _pieces(answer.answer)
            yield answer
            return
        started = time.perf_counter()
        for item in reader.stream(inputs["question"], inputs["passages"], self.base(kb), history=inputs["history"]):
            if isinstance(item, str):
                yield item
            else:
                inputs["timings"]["read"] = time.perf_counter() - started
                yield self._to_answer(inputs, item)

    def _retrieve_step(self, inputs: dict) -> dict:
        inputs = {**inputs, "timings": dict(inputs.get("timings", {}))}
        asked = inputs["question"]
        if inputs.get("history"):
            inputs["question"] = self._standalone(inputs["question"], inputs["history"], inputs.get("backend"))
        inputs["question"] = asides.read_as(inputs["question"])  # 会是哪天开的，我那天出差没去成
        if inputs.get("history") or inputs["question"] != asked:
            inputs["asked"] = asked
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
        passages = self._passages(inputs["question"], inputs.get("k"), inputs.get("kb"), inputs.get("documents"))
        inputs.setdefault("timings", {})["retrieve"] = time.perf_counter() - started
        return passages

    def _answer(self, inputs: dict) -> Answer:
        started = time.perf_counter()
        reader = self.reader_for(inputs.get("backend"))
        reading: Reading = reader.read(inputs["question"], inputs["passages"], self.base(inputs.get("kb")),
                                       history=inputs.get("history"))
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
            citations=[] if reading.abstained else self._citations(reading.answer, sources[: len(reading.used)],
                                                                   self.base(inputs.get("kb"))),
            reason=reading.reason if reading.abstained else "",
            qtype=reading.qtype,
            standalone_question=question if "asked" in inputs else "",
        )

    def _citations(self, text: str, cited: list[Source], index: Index) -> list[Citation]:
        """A Citation for each marker [n] of text that points at one of the cited sources."""
        found, raw_texts = [], {}
        for n in sorted(citations.cited(text)):
            if not 1 <= n <= len(cited):
                continue  # not a citation of this answer (a "[5]" quoted from a document)
            source = cited[n - 1]
            offsets = self._document_span(index, source, source.highlight, raw_texts) if source.highlight else None
            start, end = offsets or (None, None)
            found.append(Citation(n=n, source=n - 1, doc_id=source.doc_id, chunk_id=source.chunk_id,
                                  span=source.highlight, start=start, end=end, page=source.page, section=source.section))
        return found

    def _document_span(self, index: Index, source: Source, span: tuple[int, int], raw_texts: dict[str, str | None]):
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
                raw_texts[source.doc_id] = index.raw_text(source.doc_id)
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


def _checked_documents(documents) -> list[str] | None:
    """A list of document names, or None for all; a lone string is one name."""
    if documents is None:
        return None
    if isinstance(documents, str):
        documents = [documents]
    if not all(isinstance(d, str) for d in documents):
        raise QuestionError(t("question.bad_documents"), "bad_documents")
    return list(dict.fromkeys(d.strip() for d in documents if d.strip())) or None


def _pieces(text: str, size: int = 8) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


# At exit the interpreter's last collections walk every object still alive: with LangChain,
# Chroma and the models loaded (~135,000 objects) that took 0.42-0.58 s of a 3 s `python -c
# "from qa import ask; ask(...)"` (benchmarks/engine_latency.py; 0.08-0.09 s frozen). Objects
# alive at exit are not promised their finalizers anyway (Python's data model), and the
# stores commit as they write, so everything is frozen out of those walks then, and only then.
atexit.register(gc.freeze)

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
