"""The index: documents -> clean text -> chunks -> vectors in Chroma + BM25.

Chroma is the source of truth.  Each chunk is stored with its clean text and
its offsets in the raw document; the BM25 side is saved beside it and can always
be rebuilt from Chroma (re-tokenising with jieba-rs costs ~0.1 ms a chunk).  A
second small collection holds one record per document (its raw text and content
hash).

Chunk ids are content hashes (document, text, occurrence), which makes every
operation idempotent: re-ingesting unchanged text embeds nothing, a changed
document re-embeds only the chunks that changed, and an interrupted ingest
resumes where it stopped.

A document is the file it came from (its resolved path; for an upload from the
chat page, its file name).  Its id is the name it was given by: the file's name
when the file was named directly, the folder's name and the path inside it when a
folder was; when that id belongs to another file already, the id takes as many
parent folders as it needs to be unique.  So files never replace each other, and
a changed file replaces only its own earlier version.

Writers, in any process, take the store's lock file in turn; every reader and
writer catches up with the others' writes (see refresh) before it searches or
writes.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import sys
import threading
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from . import bases, loaders
from .bm25 import TOKENIZER, BM25Index, tokenize
from .chunking import chunk_text
from .messages import t
from .records import DocumentInfo, IndexMismatchError, IngestReport, StoreError, sizes_apart
from .settings import Settings
from .text import DocumentError, clean, fold

SCHEMA_VERSION = 3  # 3: BM25 tokens no longer stored in chunk metadata
_CALL_BATCH = 1000  # ids per Chroma call (below the client's maximum batch size)
_DOC_BATCH = 100  # whole documents per call (their raw text travels with them)
_UPLOAD = "upload:"  # the source of a file uploaded through the chat page is its name
_SQLITE_HEADER = b"SQLite format 3\x00"
# chromadb's HTTP client waits for ever on a server that does not answer; these bound it.
_CONNECT_TIMEOUT = 3.0
_REQUEST_TIMEOUT = 300.0  # a large write to a busy server may take minutes
_UNKNOWN = "unknown"  # the generation after a failed write: the next refresh reconciles
_BUSY_PAUSES = (0.1, 0.3, 1.0, 2.0, 4.0, 8.0, 15.0)  # an opening waits half a minute for another process's transaction

log = logging.getLogger(__name__)


@dataclass
class _Prepared:
    doc_id: str
    path: str
    raw: str
    sha256: str
    chunk_ids: list[str]
    texts: list[str]
    metadatas: list[dict]
    folded: list[str]  # what is embedded and tokenised (text.fold of each chunk)
    tokens: list[list[str]]  # BM25 tokens per chunk
    pieces: str = ""  # where in the document each part of raw is (pages, sections), as JSON; see _places


def fingerprint(settings: Settings, model_name: str) -> dict[str, str | int]:
    """What must match between the index and the settings that open it."""
    return {
        "qa_schema": SCHEMA_VERSION,
        "embedding_model": model_name,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "tokenizer": TOKENIZER,  # the saved BM25 side was cut with it
    }


@dataclass(frozen=True)
class Within:
    """A search kept to some documents: Chroma's filter for the dense side, the
    chunk ids for BM25."""

    doc_ids: tuple[str, ...]
    where: dict
    chunk_ids: frozenset[str]


class _Source(NamedTuple):
    path: Path  # as found, to read and to name in messages
    key: str  # what makes it this document: the resolved path (or _UPLOAD + name)
    name: str  # the id it asks for: its file name, or folder/path inside it


def collect_files(paths: Iterable[str | Path], uploads: bool = False) -> tuple[list[_Source], list[tuple[str, str]]]:
    """Each file to ingest under the given paths once, and errors for paths that are not usable."""
    report = IngestReport()
    return _collect(paths, uploads, report), report.errors


def _collect(paths: Iterable[str | Path], uploads: bool, report: IngestReport) -> list[_Source]:
    """The files to ingest, each once; what cannot be ingested goes in the report: as an
    error when it may hold a document that could not be read, as skipped otherwise."""
    found: dict[str, _Source] = {}
    for item in paths:
        path = Path(item)
        if path.is_dir():
            root = path.resolve().name
            files = _walk(path, report)
            if not files and str(path) not in report.error_codes:  # not when it could not be read at all
                _problem(report, path, "no_documents", formats=loaders.supported())
            for file in files:
                name = "/".join(filter(None, (root, file.relative_to(path).as_posix())))
                found.setdefault(str(file.resolve()), _Source(file, str(file.resolve()), name))
        elif path.is_file():
            key = _UPLOAD + path.name if uploads else str(path.resolve())
            found.setdefault(key, _Source(path, key, path.name))
        elif path.is_symlink():
            _broken_link(report, path)
        else:
            _problem(report, path, "missing")
    report.errors.sort()
    report.skipped.sort()
    return list(found.values())


def _walk(folder: Path, report: IngestReport) -> list[Path]:
    """The files under folder that qa/loaders reads, sorted; every entry that is not one of them
    (or a folder to walk) is named in the report.  Links to folders are followed once:
    a link to a folder already walked (an ancestor, say) is skipped, so nothing loops."""
    walked = {folder.resolve()}
    pending, files = [folder], []
    while pending:
        current = pending.pop()
        try:
            # Real folders before links, so a folder is named by its own path when it can be.
            entries = sorted(os.scandir(current), key=lambda e: (e.is_symlink(), e.name))
        except OSError:
            _problem(report, current, "unreadable_folder")
            continue
        for entry in entries:
            try:
                _visit(Path(entry.path), walked, pending, files, report)
            except OSError:  # a folder that lists its names but lets nobody look at them
                _problem(report, Path(entry.path), "unreadable")
    return sorted(files)


def _visit(path: Path, walked: set[Path], pending: list[Path], files: list[Path], report: IngestReport) -> None:
    if path.is_dir():
        if path.resolve() in walked:
            _skip(report, path, "link_loop", target=path.resolve())
        else:
            walked.add(path.resolve())
            pending.append(path)
    elif path.is_file() and loaders.is_supported(path.name):
        files.append(path)
    elif path.is_symlink() and not path.exists():
        _broken_link(report, path)
    else:  # another type of file; a socket, a pipe, a device
        _skip(report, path, loaders.refusal(path.name), formats=loaders.supported())


def _broken_link(report: IngestReport, link: Path) -> None:
    """A link that leads nowhere: to nothing (an error), or round a loop of links (skipped)."""
    target = os.readlink(link)
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _skip(report, link, "link_cycle", target=target)
            return
    _problem(report, link, "dangling_link", target=target)


def _problem(report: IngestReport, path: Path, code: str, **values) -> None:
    report.errors.append((str(path), t(f"document.{code}", name=str(path), **values)))
    report.error_codes[str(path)] = code


def _skip(report: IngestReport, path: Path, code: str, **values) -> None:
    report.skipped.append((str(path), t(f"document.{code}", name=str(path), **values)))


def _source_key(stored_path: str) -> str:
    """The key of a stored document; paths recorded relative (before ids were paths)
    are taken from the current directory."""
    return stored_path if stored_path.startswith(_UPLOAD) else str(Path(stored_path).resolve())


def _id_candidates(source: _Source):
    """The ids a source may take, the shortest first: its name, then with more of its
    parent folders, then numbered."""
    yield source.name
    if source.key.startswith(_UPLOAD):
        yield "uploads/" + source.name
    else:
        parts = Path(source.key).parts[1:]
        for depth in range(source.name.count("/") + 2, len(parts) + 1):
            yield "/".join(parts[-depth:])
    n = 2
    while True:
        yield f"{source.name} ({n})"
        n += 1


def _open_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        return _open_server_client(settings.chroma_url, chroma_settings)
    _check_store_folder(settings.vectorstore)
    database = settings.vectorstore / "chroma" / "chroma.sqlite3"
    if not _looks_like_sqlite(database):
        raise CorruptStoreError(_corrupt_message(settings, t("store.not_sqlite")))
    return chromadb.PersistentClient(path=str(database.parent), settings=chroma_settings)


def _server_address(chroma_url: str) -> tuple[str, int, bool]:
    """(host, port, https) of a Chroma server's URL."""
    from urllib.parse import urlparse

    url = urlparse(chroma_url)
    https = url.scheme == "https"
    return url.hostname or "127.0.0.1", url.port or (443 if https else 8000), https


def _open_server_client(chroma_url: str, chroma_settings):
    import chromadb
    import httpx

    host, port, https = _server_address(chroma_url)
    try:
        # chromadb's client makes its first requests with no timeout: ask quickly first.
        httpx.get(f"{'https' if https else 'http'}://{host}:{port}/api/v2/heartbeat", timeout=_CONNECT_TIMEOUT)
        client = chromadb.HttpClient(host=host, port=port, ssl=https, settings=chroma_settings)
    except (httpx.HTTPError, ValueError):  # chromadb says "Could not connect" with a ValueError
        raise StoreError(_unreachable_message(chroma_url)) from None
    session = getattr(client._server, "_session", None)  # chromadb hard-codes timeout=None, no setting reaches it
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(_REQUEST_TIMEOUT, connect=_CONNECT_TIMEOUT)
    return client


def _unreachable_message(chroma_url: str) -> str:
    host, port, _ = _server_address(chroma_url)
    return t("chroma.unreachable", url=chroma_url, host=host, port=port)


def _lost_server(exc: BaseException) -> bool:
    """Whether exc is the Chroma server not answering (refused, reset, timed out)."""
    import httpx

    return isinstance(exc, httpx.TransportError)


def _server_calls(function):
    """A Chroma server lost during a call is a StoreError naming it, not httpx's traceback."""

    @wraps(function)
    def wrapper(first, *args, **kwargs):
        try:
            return function(first, *args, **kwargs)
        except Exception as exc:
            settings = first if isinstance(first, Settings) else first.settings
            if not (settings.chroma_url and _lost_server(exc)):
                raise
            raise StoreError(_unreachable_message(settings.chroma_url)) from None

    return wrapper


def _check_store_folder(folder: Path) -> None:
    """A folder the index can live in, or StoreError saying why not."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(t("store.is_file", folder=folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(t("store.cannot_create", folder=folder, reason=exc.strerror or exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(t("store.not_writable", folder=folder))


def _looks_like_sqlite(database: Path) -> bool:
    """False for a file that is not an SQLite database (garbage written over it);
    a missing or empty file is a store not written yet."""
    try:
        with open(database, "rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return not head or head == _SQLITE_HEADER


def _is_fresh(settings: Settings) -> bool:
    """No database in the folder yet: whoever opens it first creates it."""
    database = settings.vectorstore / "chroma" / "chroma.sqlite3"
    return not database.exists() or database.stat().st_size == 0


def _is_busy(exc: Exception) -> bool:
    return "database is locked" in str(exc)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _corrupt_message(settings: Settings, reason: str) -> str:
    return t("store.corrupt", folder=settings.vectorstore, reason=reason)


@contextmanager
def _store_lock(settings: Settings, blocking: bool = True):
    """Hold the store's write lock (a lock file beside it); yields False when not
    blocking and another writer holds it.  The kernel releases it if the holder dies."""
    _check_store_folder(settings.vectorstore)
    folder = settings.vectorstore.resolve()
    if _held_stores.get(folder) == threading.get_ident():  # this thread holds it (a rebuild opening the new store)
        yield True
        return
    with open(settings.vectorstore / "write.lock", "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not blocking:
                yield False
                return
            log.warning(t("store.waiting", folder=settings.vectorstore))
            fcntl.flock(fh, fcntl.LOCK_EX)
        _held_stores[folder] = threading.get_ident()
        try:
            yield True
        finally:
            del _held_stores[folder]
            fcntl.flock(fh, fcntl.LOCK_UN)


# folder -> the thread holding its lock.  flock belongs to an open file, so the holder opening
# it again would wait on itself; other threads of the process wait like other processes.
_held_stores: dict[Path, int] = {}


class Index:
    @_server_calls
    def __init__(self, settings: Settings, embeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.fingerprint = fingerprint(settings, embeddings.name)
        self.kb = bases.DEFAULT if bases.is_default(settings.kb) else bases.checked_name(settings.kb)
        self.collection_name = bases.collection_name(settings.kb, settings.collection)
        self._record = bases.record(settings.kb, settings.embedding_model, settings.chunk_size, settings.chunk_overlap)
        self._bm25_dir = _bm25_dir(settings, self.collection_name)
        # Guards the BM25 side, which searches and writes share; held only briefly.
        self._lock = threading.RLock()
        self._writing_here = False
        if settings.chroma_url:
            self._open()
            return
        from chromadb.errors import ChromaError

        try:
            self._open_embedded()
        except ChromaError:
            # This process's client of the folder may predate a rebuild by another one.
            _forget_embedded_client(settings)
            try:
                self._open_embedded()
            except ChromaError as exc:  # the database cannot be read
                _forget_embedded_client(settings)
                raise CorruptStoreError(_corrupt_message(settings, _first_line(exc))) from None

    def _open_embedded(self) -> None:
        """Open the folder's store; creating one is a write, so creators take turns, and
        SQLite's "database is locked" (which it returns at once, not after its wait, when
        two transactions would otherwise deadlock) means try again, not a corrupt store."""
        from chromadb.errors import ChromaError

        for pause in (*_BUSY_PAUSES, None):
            try:
                with _store_lock(self.settings) if _is_fresh(self.settings) else nullcontext():
                    return self._open()
            except ChromaError as exc:
                if not _is_busy(exc):
                    raise
                _forget_embedded_client(self.settings)
                if pause is None:
                    raise StoreError(t("store.busy", folder=self.settings.vectorstore)) from None
                time.sleep(pause)

    def _open(self) -> None:
        self.client = _open_client(self.settings)
        self.chunks = self._open_collection(self.collection_name, check=True)
        self.docs = self._open_collection(bases.docs_collection_name(self.collection_name, self.settings.collection), check=False)
        self._generation = self._stored_generation()
        self.bm25 = self._load_bm25()

    # ---------------------------------------------------------- opening

    def _open_collection(self, name: str, check: bool):
        metadata = {**self.fingerprint, **self._record}
        collection = self.client.get_or_create_collection(
            name, metadata=metadata, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )
        if check:
            stored = {key: (collection.metadata or {}).get(key) for key in self.fingerprint}
            if stored != self.fingerprint and collection.count() > 0:
                raise IndexMismatchError(_mismatch_message(self.settings, stored, self.fingerprint))
            if stored != self.fingerprint or any(k not in (collection.metadata or {}) for k in self._record):
                collection.modify(metadata=metadata)
        return collection

    # Every write stamps a new generation on the documents collection, once before
    # it starts and once when it is done; the BM25 file records the generation it
    # matches.  Opening the index skips the reconciliation when they agree, and
    # after a crash mid-write (or a write by another process sharing a Chroma
    # server) they differ, so BM25 is brought level with Chroma by chunk ids.

    def _load_bm25(self) -> BM25Index:
        stored = BM25Index.load(self._bm25_dir)
        if stored is not None and self._generation and stored.generation == self._generation \
                and len(stored) == self.chunks.count():  # a writer's stamp may have hidden another's chunks
            return stored
        bm25 = self._reconcile(stored or BM25Index())
        with _store_lock(self.settings, blocking=False) as locked:
            if locked:  # else a writer will save its own, newer state
                self._save_bm25(bm25)
        return bm25

    def _save_bm25(self, bm25: BM25Index) -> None:
        bm25.generation = self._generation
        bm25.save(self._bm25_dir)

    def _stored_generation(self) -> str:
        self.docs = self.client.get_collection(self.docs.name, embedding_function=None)
        return str((self.docs.metadata or {}).get("generation", ""))

    def _new_generation(self) -> None:
        self._generation = uuid.uuid4().hex
        self.docs.modify(metadata={**self.fingerprint, **self._record, "generation": self._generation})

    def _finish_generation(self) -> None:
        """Stamp the end of a write.  Writers on one Chroma server with other
        QA_VECTORSTORE folders do not take turns: when one wrote meanwhile (the stored
        generation is no longer the one this write began with), BM25 catches up first."""
        if self._stored_generation() != self._generation:
            self.bm25 = self._reconcile(self.bm25)
        self._new_generation()
        if self.settings.chroma_url and self.chunks.count() != len(self.bm25):
            # Another writer stamped between that look and this stamp (Chroma has no
            # compare-and-set), so this stamp hides its chunks: take them in now.
            self.bm25 = self._reconcile(self.bm25)

    @_server_calls
    def refresh(self) -> None:
        """Catch up with writes made by other processes: another page, the CLI, another
        client of a Chroma server.  Cheap when nothing changed (one read)."""
        if self._writing_here:  # this process holds the write lock: it caught up when it took it
            return
        from chromadb.errors import NotFoundError

        try:
            generation = self._stored_generation()
        except NotFoundError:  # another process deleted this base
            raise bases.BaseError(t("kb.missing", name=self.kb)) from None
        if generation == self._generation:
            return
        with self._lock:
            if generation == self._generation:  # another thread caught up meanwhile
                return
            if not self.settings.chroma_url:
                self._reload_embedded_store()
            self.chunks = self.client.get_collection(self.chunks.name, embedding_function=None)  # rebuilt?
            self.bm25 = self._reconcile(self.bm25)
            self._generation = generation

    def _reload_embedded_store(self) -> None:
        """Chroma's embedded store reads its database afresh on each call but keeps
        its vector index in memory as it was loaded, blind to other processes'
        additions; new bindings load it again.  They replace the old ones in one
        assignment, so a search already running finishes on the old ones."""
        self.client._server.start()

    def _reconcile(self, bm25: BM25Index) -> BM25Index:
        """Make BM25 hold exactly the chunks Chroma holds (re-tokenising only what it lacks)."""
        stored = self.chunks.get(include=[])["ids"]
        stored_set = set(stored)
        known = bm25.chunk_ids()
        extra = known - stored_set
        missing = [cid for cid in stored if cid not in known]
        if extra:
            bm25.remove(extra)
        for start in range(0, len(missing), 5000):
            batch = self.chunks.get(ids=missing[start : start + 5000], include=["documents"])
            bm25.add(batch["ids"], [tokenize(fold(text)) for text in batch["documents"]])
        return bm25

    # ---------------------------------------------------------- reading

    @property
    def is_new(self) -> bool:
        """Nothing was ever written here (an index emptied by removals is not new)."""
        return not self._generation

    @_server_calls
    def count(self) -> int:
        return self.chunks.count()

    @_server_calls
    def documents(self) -> list[DocumentInfo]:
        records = self.docs.get(include=["metadatas"])
        infos = [
            DocumentInfo(m["doc_id"], m.get("path", ""), m["sha256"], int(m["chunks"]), int(m["chars"]))
            for m in records["metadatas"]
        ]
        return sorted(infos, key=lambda d: d.doc_id)

    @_server_calls
    def raw_text(self, doc_id: str) -> str:
        record = self.docs.get(ids=[_doc_key(doc_id)], include=["documents"])
        if not record["ids"]:
            raise KeyError(doc_id)
        return record["documents"][0]

    @_server_calls
    def get_chunks(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self.chunks.get(ids=ids, include=["documents", "metadatas"])
        return {cid: (text, meta) for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}

    @_server_calls
    def opening_chunk(self, doc_id: str) -> tuple[str, str, dict] | None:
        """(chunk id, text, metadata) of a document's first chunk, or None."""
        got = self.chunks.get(where={"$and": [{"doc_id": doc_id}, {"chunk_index": 0}]}, include=["documents", "metadatas"])
        return (got["ids"][0], got["documents"][0], got["metadatas"][0]) if got["ids"] else None

    @_server_calls
    def dense_search(self, query_vector: list[float], n: int, within: "Within | None" = None) -> list[tuple[str, float]]:
        # No count() first: Chroma 1.x returns fewer results (none from an empty store) when
        # asked for more than it holds, and the count was a round trip on every question.
        if within is not None and not within.chunk_ids:
            return []
        where = None if within is None else within.where
        got = self.chunks.query(query_embeddings=[query_vector], n_results=n, where=where, include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(got["ids"][0], got["distances"][0])]

    def bm25_search(self, folded_query: str, n: int, within: "Within | None" = None) -> list[tuple[str, float]]:
        tokens = tokenize(folded_query)
        with self._lock:
            return self.bm25.search(tokens, n, allowed=None if within is None else within.chunk_ids)

    @_server_calls
    def within(self, names: Iterable[str]) -> "Within":
        """The documents (ids or file paths) a search is kept to; KeyError for a name
        that is no document here."""
        doc_ids = sorted({self._document_id(name) for name in names})
        where = {"doc_id": {"$in": doc_ids}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}
        chunk_ids = frozenset(self.chunks.get(where=where, include=[])["ids"])
        return Within(tuple(doc_ids), where, chunk_ids)

    def document_frequency(self, term: str) -> int:
        with self._lock:
            return self.bm25.document_frequency(term)

    def __len__(self) -> int:
        """Chunks known to BM25 (no round trip to Chroma); with document_frequency,
        this is what the reader needs for term weights."""
        return len(self.bm25)

    # ---------------------------------------------------------- writing

    @contextmanager
    def _writing(self):
        """Write alone: other writers, in any process, wait; and start from their writes."""
        with _store_lock(self.settings):
            self.refresh()
            self._writing_here = True
            try:
                yield
            except BaseException:
                # Part of it may be stored (a Chroma server gone mid-ingest): look at Chroma again next time.
                self._generation = _UNKNOWN
                raise
            finally:
                self._writing_here = False

    @_server_calls
    def ingest(self, paths: Iterable[str | Path], progress: bool | Callable[[int, int], None] = False,
               uploads: bool = False) -> IngestReport:
        """uploads: the files are uploads (temporary copies), known by their names."""
        with self._writing():
            return self._ingest(paths, progress, uploads)

    def _ingest(self, paths, progress, uploads: bool) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        sources = _collect(paths, uploads, report)
        documents = self.documents()
        existing = {d.doc_id: d for d in documents}
        id_of = {_source_key(d.path): d.doc_id for d in documents}
        by_hash = {d.sha256: d.doc_id for d in documents}
        prepared: list[_Prepared] = []
        reading = _progress_bar(len(sources), progress is True and len(sources) > 1, "reading", "file")
        for source in sources:
            path = source.path
            reading(1)
            try:
                loaded = self._read(path, path.name if uploads else str(path))  # an upload's path is a temporary copy
                raw = loaded.text
                sha = _content_hash(raw)
                doc_id = id_of.get(source.key) or next(c for c in _id_candidates(source) if c not in existing)
                old = existing.get(doc_id)
                if old is not None and old.sha256 == sha:
                    report.unchanged.append(doc_id)  # decided before any chunking or tokenising
                    continue
                if sha in by_hash and by_hash[sha] != doc_id:
                    report.duplicates.append((str(path), by_hash[sha]))
                    continue
                doc = self._prepare_text(doc_id, source.key, raw, loaded.pieces)
            except DocumentError as exc:
                report.errors.append((str(path), str(exc)))
                report.error_codes[str(path)] = exc.code
                continue
            by_hash[sha] = id_of[source.key] = doc.doc_id
            existing.setdefault(doc_id, DocumentInfo(doc_id, source.key, sha, len(doc.chunk_ids), len(raw)))
            (report.updated if old is not None else report.added).append(doc.doc_id)
            report.notes += [(str(path), note) for note in loaded.notes]
            prepared.append(doc)
        reading(None)
        report.chunks_embedded = self._write(prepared, progress)
        report.seconds = time.perf_counter() - started
        return report

    @_server_calls
    def remove(self, doc_id: str) -> int:
        """Remove a document, named by its id or by the path of its file."""
        with self._writing():
            doc_id = self._document_id(doc_id)
            chunk_ids = self.chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
            self._new_generation()  # first, so a crash below still tells other processes to look again
            self.docs.delete(ids=[_doc_key(doc_id)])
            if chunk_ids:
                self.chunks.delete(ids=chunk_ids)
            with self._lock:
                self.bm25.remove(set(chunk_ids))
                self._finish_generation()
                self._save_bm25(self.bm25)
            return len(chunk_ids)

    def _document_id(self, name: str) -> str:
        """The id of the document a name means (its id, or its file's path), else KeyError."""
        if self.docs.get(ids=[_doc_key(name)], include=[])["ids"] or self.chunks.get(where={"doc_id": name}, limit=1, include=[])["ids"]:
            return name
        key = str(Path(name).resolve())
        for d in self.documents():
            if _source_key(d.path) == key:
                return d.doc_id
        raise KeyError(name)

    def _read(self, path: Path, name: str) -> loaders.Loaded:
        """The file's text and where in it each page and section is; name is how messages call it."""
        try:
            size = path.stat().st_size
            if size > self.settings.max_file_bytes:
                shown, limit = sizes_apart(size, self.settings.max_file_bytes)
                raise DocumentError.of("too_large", name=name, size=shown, limit=limit)
            data = path.read_bytes()
        except OSError:
            raise DocumentError.of("unreadable", name=name) from None
        return loaders.load(data, name)

    def _prepare_text(self, doc_id: str, path: str, raw: str, pieces=()) -> _Prepared:
        """pieces: loaders.Piece, or their JSON as stored (rebuild)."""
        pieces = [loaders.Piece(*p) for p in json.loads(pieces)] if isinstance(pieces, str) and pieces else list(pieces or ())
        cleaned = clean(raw)
        if not cleaned.text.strip():
            raise DocumentError.of("no_text", name=doc_id)
        chunks = chunk_text(cleaned.text, self.settings.chunk_size, self.settings.chunk_overlap)
        sha = _content_hash(raw)
        ids, texts, metadatas = [], [], []
        seen: dict[str, int] = {}
        for chunk in chunks:
            occurrence = seen[chunk.text] = seen.get(chunk.text, -1) + 1
            ids.append(hashlib.sha256(f"{doc_id}\x00{chunk.text}\x00{occurrence}".encode()).hexdigest()[:32])
            texts.append(chunk.text)
            start, end = cleaned.raw_span(chunk.start, chunk.end)
            metadatas.append(
                {
                    "doc_id": doc_id,
                    "chunk_index": chunk.index,
                    "start": start,
                    "end": end,
                    "before": _sentence_before(cleaned.text, chunk.start),
                    **_places(pieces, cleaned.positions, chunk.start, chunk.end),
                }
            )
        folded = [fold(text) for text in texts]
        stored = json.dumps([[p.start, p.end, p.page, p.section] for p in pieces], ensure_ascii=False) if pieces else ""
        return _Prepared(doc_id, path, raw, sha, ids, texts, metadatas, folded, [tokenize(f) for f in folded], stored)

    def _write(self, prepared: list[_Prepared], progress) -> int:
        if not prepared:
            return 0
        have = self._existing([cid for doc in prepared for cid in doc.chunk_ids])
        to_embed = [(doc, i) for doc in prepared for i, cid in enumerate(doc.chunk_ids) if cid not in have]
        self._new_generation()
        bar = _progress_bar(len(to_embed), progress)
        size = self.settings.embedding_batch_size
        pending: list[tuple[_Prepared, int]] = []
        vectors: list[list[float]] = []
        try:
            for start in range(0, len(to_embed), size):
                batch = to_embed[start : start + size]
                vectors += self.embeddings.embed_documents([doc.folded[i] for doc, i in batch])
                pending += batch
                if len(pending) >= self.settings.write_batch_size or start + size >= len(to_embed):
                    self.chunks.upsert(
                        ids=[doc.chunk_ids[i] for doc, i in pending],
                        embeddings=vectors,
                        documents=[doc.texts[i] for doc, i in pending],
                        metadatas=[doc.metadatas[i] for doc, i in pending],
                    )
                    pending, vectors = [], []
                bar(len(batch))
        finally:
            bar(None)
        with self._lock:
            self._finish_documents(prepared, already_stored=have)
            self._finish_generation()
            self._save_bm25(self.bm25)
        return len(to_embed)

    # Each Chroma call is a transaction (tens of ms embedded, a round trip on a
    # server), so everything below goes in a few large batches, never per chunk
    # or per document.

    def _existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), _CALL_BATCH):
            found.update(self.chunks.get(ids=ids[start : start + _CALL_BATCH], include=[])["ids"])
        return found

    def _finish_documents(self, docs: list[_Prepared], already_stored: set[str]) -> None:
        """Point each document at exactly its new chunks, then record the documents."""
        doc_ids = [doc.doc_id for doc in docs]
        old: set[str] = set()
        for start in range(0, len(doc_ids), _CALL_BATCH):
            where = {"doc_id": {"$in": doc_ids[start : start + _CALL_BATCH]}}
            old.update(self.chunks.get(where=where, include=[])["ids"])
        new_ids = [cid for doc in docs for cid in doc.chunk_ids]
        metadatas = [meta for doc in docs for meta in doc.metadatas]
        stale = sorted(old - set(new_ids))
        for start in range(0, len(stale), _CALL_BATCH):
            self.chunks.delete(ids=stale[start : start + _CALL_BATCH])
        # A chunk kept from before may sit at new offsets now; the ones just upserted
        # already carry their metadata.
        kept = [(cid, meta) for cid, meta in zip(new_ids, metadatas) if cid in already_stored]
        for start in range(0, len(kept), _CALL_BATCH):
            batch = kept[start : start + _CALL_BATCH]
            self.chunks.update(ids=[cid for cid, _ in batch], metadatas=[meta for _, meta in batch])
        self.bm25.remove(set(stale) | set(new_ids))
        self.bm25.add(new_ids, [tokens for doc in docs for tokens in doc.tokens])
        for start in range(0, len(docs), _DOC_BATCH):
            batch = docs[start : start + _DOC_BATCH]
            self.docs.upsert(
                ids=[_doc_key(doc.doc_id) for doc in batch],
                embeddings=[[1.0]] * len(batch),
                documents=[doc.raw for doc in batch],
                metadatas=[
                    {"doc_id": doc.doc_id, "path": doc.path, "sha256": doc.sha256, "chunks": len(doc.chunk_ids), "chars": len(doc.raw),
                     **({"pieces": doc.pieces} if doc.pieces else {})}
                    for doc in batch
                ],
            )


@_server_calls
def rebuild(settings: Settings, embeddings, progress=False) -> IngestReport:
    """Drop the index and re-embed every stored document with the current settings.

    The raw text of each document lives in the index itself, so this needs
    none of the original files.  An embedded store too corrupt to read is moved
    aside and a new, empty one made (its documents must be ingested again; the
    report's errors say so).
    """
    with _store_lock(settings):
        report = IngestReport()
        saved = _saved_documents(settings)
        # From the drop on, the documents live only in memory: an embedder that cannot
        # work (an embedding server that is down) has to fail before it.
        embeddings.embed_documents(["索引"])
        if saved is None or not _drop_collections(settings):
            moved = _move_aside(settings)
            if saved is None:
                report.errors.append((str(moved), t("index.moved_aside", moved=moved)))
        index = Index(settings, embeddings)
        prepared = [index._prepare_text(doc_id, path, raw, pieces) for doc_id, path, raw, pieces in saved or []]
        report.added = [p.doc_id for p in prepared]
        started = time.perf_counter()
        report.chunks_embedded = index._write(prepared, progress)
        report.seconds = time.perf_counter() - started
        return report


# ---------------------------------------------------------------- knowledge bases


@_server_calls
def base_record(settings: Settings, name: str | None) -> dict | None:
    """The metadata of a base's chunk collection, or None when the base does not exist
    (the default base always exists, maybe empty)."""
    client = _open_client(settings)
    collection = bases.collection_name(name, settings.collection)
    if collection not in _collection_names(client):
        return None if not bases.is_default(name) else {}
    return dict(client.get_collection(collection, embedding_function=None).metadata or {})


def settings_of_base(settings: Settings, name: str | None) -> Settings:
    """The settings a base is read with: the given ones, with the model and chunking
    the base was made with (the default base: the given ones as they are)."""
    settings = settings.replace(kb=bases.DEFAULT if bases.is_default(name) else bases.checked_name(name))
    if bases.is_default(name):
        return settings
    record = base_record(settings, name)
    if record is None:
        raise bases.BaseError(t("kb.missing", name=settings.kb))
    return settings.replace(**bases.recorded_settings(record))


@_server_calls
def list_bases(settings: Settings) -> list[bases.BaseInfo]:
    """Every base in the store, the default first."""
    client = _open_client(settings)
    names = _collection_names(client)
    found = []
    for collection in sorted(names):
        if collection.endswith(".docs") or collection == f"{settings.collection}-docs":
            continue  # a base's documents, not a base
        chunks = client.get_collection(collection, embedding_function=None)
        meta = chunks.metadata or {}
        if collection != settings.collection and meta.get(bases.NAME_KEY, bases.DEFAULT) == bases.DEFAULT:
            continue  # not a base of this project's making, or the default base of another QA_COLLECTION
        docs_name = bases.docs_collection_name(collection, settings.collection)
        documents = client.get_collection(docs_name, embedding_function=None).get(include=["metadatas"]) \
            if docs_name in names else {"metadatas": []}
        recorded = bases.recorded_settings(meta)
        found.append(bases.BaseInfo(
            name=meta.get(bases.NAME_KEY, bases.DEFAULT) if collection != settings.collection else bases.DEFAULT,
            collection=collection,
            documents=len(documents["metadatas"]),
            chunks=chunks.count(),
            chars=sum(int(m.get("chars", 0)) for m in documents["metadatas"]),
            embedding_model=str(recorded.get("embedding_model", meta.get("embedding_model", settings.embedding_model))),
            chunk_size=int(recorded.get("chunk_size", meta.get("chunk_size", settings.chunk_size))),
            chunk_overlap=int(recorded.get("chunk_overlap", meta.get("chunk_overlap", settings.chunk_overlap))),
        ))
    if not any(b.name == bases.DEFAULT for b in found):
        found.append(bases.BaseInfo(bases.DEFAULT, settings.collection, 0, 0, 0, settings.embedding_model,
                                    settings.chunk_size, settings.chunk_overlap))
    return sorted(found, key=lambda b: (b.name != bases.DEFAULT, b.name))


@_server_calls
def delete_base(settings: Settings, name: str) -> None:
    """Delete a base: its collections and its BM25 state.  The default base is emptied."""
    import shutil

    with _store_lock(settings):
        if base_record(settings, name) is None:
            raise bases.BaseError(t("kb.missing", name=name))
        base_settings = settings.replace(kb=name)
        _drop_collections(base_settings)
        shutil.rmtree(_bm25_dir(settings, bases.collection_name(name, settings.collection)), ignore_errors=True)


def _bm25_dir(settings: Settings, collection: str) -> Path:
    """Where a collection's BM25 side is saved: beside the embedded store, or in a
    cache per Chroma server (the server holds the truth, see Index._load_bm25)."""
    if settings.chroma_url:
        host = settings.chroma_url.split("://")[-1].replace(":", "_").replace("/", "_")
        return settings.vectorstore / "bm25-cache" / host / collection
    return settings.vectorstore / "bm25" / collection


class CorruptStoreError(StoreError):
    """The embedded Chroma database cannot be read."""


def _saved_documents(settings: Settings) -> list[tuple[str, str, str, str]] | None:
    """(doc_id, path, raw text, pieces as JSON) of every stored document; None when an embedded store
    cannot be read."""
    from chromadb.errors import ChromaError

    try:
        client = _open_client(settings)
        names = _collection_names(client)
        docs_name = bases.docs_collection_name(bases.collection_name(settings.kb, settings.collection), settings.collection)
        if docs_name not in names:
            return []
        records = client.get_collection(docs_name, embedding_function=None).get(include=["documents", "metadatas"])
        return [(m["doc_id"], m.get("path", ""), raw, m.get("pieces", "")) for m, raw in zip(records["metadatas"], records["documents"])]
    except (ChromaError, CorruptStoreError):
        if settings.chroma_url:
            raise
        return None


def _drop_collections(settings: Settings) -> bool:
    """Delete the index's collections; False when an embedded store will not let it."""
    from chromadb.errors import ChromaError

    try:
        client = _open_client(settings)
        names = _collection_names(client)
        chunks_name = bases.collection_name(settings.kb, settings.collection)
        for name in (chunks_name, bases.docs_collection_name(chunks_name, settings.collection)):
            if name in names:
                client.delete_collection(name)
        return True
    except ChromaError:
        if settings.chroma_url:
            raise
        return False


def _collection_names(client) -> set[str]:
    """The names of the client's collections (chromadb returns names or collections)."""
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def _forget_embedded_client(settings: Settings) -> None:
    """Chroma keeps one client per folder for the whole process, even one that failed
    to start; drop it so the next opening reads the folder afresh."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(settings.vectorstore / "chroma"), None)


def _move_aside(settings: Settings) -> Path:
    """Move the corrupt embedded store (and the BM25 side made from it) out of the way."""
    import shutil

    _forget_embedded_client(settings)
    moved = settings.vectorstore / f"chroma.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    (settings.vectorstore / "chroma").rename(moved)
    shutil.rmtree(settings.vectorstore / "bm25", ignore_errors=True)
    return moved


def _sentence_before(text: str, start: int, limit: int = 600) -> str:
    """The last sentence before a chunk that does not open with 他/她, so a chunk
    opening with a pronoun knows who is meant."""
    from .chunking import split_sentences

    window_start = max(0, start - limit)
    sentences = split_sentences(text, start=window_start, end=start)
    for span in reversed(sentences):
        sentence = text[span.start : span.end]
        if not sentence.startswith(("他", "她", "其")):
            return sentence[:120]
    return ""


def _places(pieces: list, positions: tuple[int, ...], start: int, end: int) -> dict:
    """Chunk metadata saying where clean text[start:end] is: the page and section it
    starts in, and, when it runs over into others, "marks": JSON [[offset in the chunk,
    page, section], ...] from which retrieval.Passage.place finds the page of any span."""
    if not pieces:
        return {}
    import bisect

    starts = [p.start for p in pieces]
    first = max(0, bisect.bisect_right(starts, positions[start]) - 1)
    last = max(0, bisect.bisect_right(starts, positions[end - 1]) - 1)
    place = {"page": pieces[first].page or 0, "section": pieces[first].section}
    if last > first:
        marks = [[0, pieces[first].page or 0, pieces[first].section]]
        for piece in pieces[first + 1 : last + 1]:
            marks.append([bisect.bisect_left(positions, piece.start) - start, piece.page or 0, piece.section])
        place["marks"] = json.dumps(marks, ensure_ascii=False)
    return place


def _content_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _doc_key(doc_id: str) -> str:
    return "doc:" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:32]


def _progress_bar(total: int, progress, desc: str = "embedding", unit: str = "chunk"):
    """A callable taking a step (or None to close): tqdm on a terminal, or a user callback."""
    if callable(progress):
        done = [0]

        def step(n):
            if n is not None:
                done[0] += n
                progress(done[0], total)

        return step
    if not progress or total == 0:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, leave=False)
    return lambda n: bar.close() if n is None else bar.update(n)


def _mismatch_message(settings: Settings, stored: dict, wanted: dict) -> str:
    differing = [t("index.mismatch_item", setting=k, stored=repr(stored.get(k)), wanted=repr(wanted[k]))
                 for k in wanted if stored.get(k) != wanted[k]]
    return t("index.mismatch", where=settings.chroma_url or str(settings.vectorstore),
             collection=repr(bases.collection_name(settings.kb, settings.collection)),
             differing=t("index.mismatch_separator").join(differing))
