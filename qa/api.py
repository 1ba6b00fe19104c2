"""An OpenAI-compatible chat API over the engine: ``qa api`` serves it alone, and the
chat page's process (qa/server.py) serves it next to the page, both under ``/v1``.

    GET    /v1/models                   the knowledge bases, one model each
    POST   /v1/chat/completions         answer the last user message (stream or not)
    GET    /v1/documents?kb=NAME        the documents of a knowledge base (the settings' one without kb)
    POST   /v1/documents?kb=NAME        upload files (multipart, field "file"; every type qa/loaders reads)
    DELETE /v1/documents/{id}?kb=NAME   remove one (ids may hold slashes)

A chat completion may carry ``"documents": [ids]`` to answer from those documents only.

An answer is an ordinary chat completion whose text carries the ``[n]`` markers; the
same answer as data (refusal flag, concise answer, citations with document, span and
score, sources) is in an extra top-level field ``qa`` (in the last chunk when
streaming).  Errors have OpenAI's shape, ``{"error": {"message", "type", "param",
"code"}}``, with their messages in the interface's language.  docs/api.md has the rest.

The engine is anything with the page's engine methods (ask, ask_stream, check_question,
documents, ingest, remove and ``settings``): an ``EngineProcess`` in both servers, or
an in-process ``Engine``.  Its calls block, so they run in the thread pool.
"""

from __future__ import annotations

import hmac
import json
import logging
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import AsyncIterator

import anyio
import uvicorn
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Mount

from . import loaders
from .messages import byte_size, t
from .records import Answer, IngestReport, MissingError, QAError, QuestionError, Source
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

PREFIX = "/v1"
ROLES = {"system", "developer", "user", "assistant"}
# Room for the multipart framing around an upload of max_file_bytes.
_UPLOAD_OVERHEAD = 1_000_000


class APIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param
        self.headers = headers

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


# ---------------------------------------------------------------- knowledge bases


def _knowledge_bases(engine) -> list[str]:
    """The models the API offers: the engine's knowledge bases (qa/bases.py)."""
    return [base.name for base in engine.knowledge_bases()]


def _ask_options(model: str, history: list[tuple[str, str]], k: int | None, documents: list[str] | None) -> dict:
    """The keyword arguments of engine.ask/ask_stream for one question to ``model``."""
    return {"history": history, "k": k, "kb": model, "documents": documents}


# ---------------------------------------------------------------- requests


def chat_turns(messages: object) -> tuple[str, list[tuple[str, str]]]:
    """(question, history) from an OpenAI ``messages`` list, or APIError 400.

    The question is the last user message; the history is the (user, assistant)
    pairs before it, oldest first.  System and developer messages are accepted and
    ignored (the engine's instructions are its own), as is a user message that no
    assistant message answered, and anything after the question."""
    if not isinstance(messages, list) or not messages:
        raise APIError(400, t("api.no_messages"), param="messages", code="invalid_messages")
    turns: list[tuple[str, str]] = []
    texts: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise APIError(400, t("api.bad_message", i=i), param=f"messages[{i}]", code="invalid_messages")
        role = message.get("role")
        if role not in ROLES:
            raise APIError(400, t("api.bad_role", i=i, role=role, roles=t("answer.name_separator").join(sorted(ROLES))),
                           param=f"messages[{i}].role", code="invalid_role")
        texts.append((role, _content_text(message.get("content"), i)))
    last_user = max((i for i, (role, _) in enumerate(texts) if role == "user"), default=None)
    if last_user is None:
        raise APIError(400, t("api.no_user_message"), param="messages", code="no_user_message")
    asked = None
    for role, text in texts[:last_user]:
        if role == "user":
            asked = text
        elif role == "assistant" and asked is not None:
            turns.append((asked, text))
            asked = None
    return texts[last_user][1], turns


def _content_text(content: object, i: int) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) for p in content):
        parts = [p.get("text") for p in content if p.get("type") == "text"]
        if all(isinstance(p, str) for p in parts):
            return "\n".join(parts)
    raise APIError(400, t("api.bad_content", i=i), param=f"messages[{i}].content", code="invalid_content")


async def _read_body(request: Request, limit: int) -> bytes:
    """The request's body, or APIError 413 as soon as it is known to exceed limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise _too_large(len(body), limit)
    request._body = bytes(body)  # so that request.form() parses what was read here
    return request._body


def _too_large(size: int, limit: int) -> APIError:
    return APIError(413, t("api.too_large", size=byte_size(size), limit=byte_size(limit)), code="request_too_large")


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise APIError(400, t("api.bad_json"), code="invalid_json") from None
    if not isinstance(data, dict):
        raise APIError(400, t("api.not_object"), code="invalid_json")
    return data


def _field(data: dict, name: str, kind: type | tuple, default=None):
    value = data.get(name, default)
    # bool is an int in Python, never a k
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise APIError(400, t("api.bad_field", name=name), param=name, code="invalid_value")
    return value


# ---------------------------------------------------------------- answers as data


def source_data(n: int, source: Source) -> dict:
    return {"n": n, **asdict(source)}


def answer_data(answer: Answer) -> dict:
    """The extra ``qa`` field of a completion: the answer as data."""
    citations = []
    for c in answer.citations:
        source = answer.sources[c.source]
        citations.append({
            "n": c.n,
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "page": source.page,
            "section": source.section,
            "text": source.text[c.span[0] : c.span[1]] if c.span else source.text,
            "span": list(c.span) if c.span else None,
            "start": c.start,
            "end": c.end,
            "score": source.score,
        })
    return {
        "abstained": answer.abstained,
        "reason": answer.reason,
        "concise": answer.concise,
        "support": answer.support,
        "qtype": answer.qtype,
        "backend": answer.backend,
        "notice": answer.notice,
        "standalone_question": answer.standalone_question,
        "citations": citations,
        "sources": [source_data(n, s) for n, s in enumerate(answer.sources, 1)],
        "timings": answer.timings,
    }


def _usage(prompt: str, completion: str) -> dict:
    # Characters, not tokens: the offline reader has no tokenizer.
    return {"prompt_tokens": len(prompt), "completion_tokens": len(completion),
            "total_tokens": len(prompt) + len(completion)}


# ---------------------------------------------------------------- the app


class _Gate:
    """At most ``limit`` questions held, being answered or waiting their turn for the
    engine; more are refused (429) at once, so a client learns that it should come back
    rather than time out in a queue that is already long."""

    def __init__(self, limit: int) -> None:
        self.limit, self.busy = limit, 0

    def enter(self) -> "_Slot":
        if self.busy >= self.limit:
            raise APIError(429, t("api.busy", limit=self.limit), type="rate_limit_error", code="too_many_questions",
                           headers={"Retry-After": "1"})
        self.busy += 1
        return _Slot(self)


class _Slot:
    def __init__(self, gate: _Gate) -> None:
        self.gate: _Gate | None = gate

    def leave(self) -> None:
        if self.gate is not None:
            self.gate.busy -= 1
            self.gate = None


class _HeldStream(StreamingResponse):
    """A streamed answer that gives its slot back however it ends (a client that
    disconnects before the first chunk never runs the generator's own clean-up)."""

    def __init__(self, content, slot: _Slot, **options) -> None:
        super().__init__(content, **options)
        self.slot = slot

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.leave()


class _BearerAuth:
    """ASGI middleware: every request needs ``Authorization: Bearer <api_key>`` when a key
    is set; without one, requests are refused when the server is reachable beyond
    loopback (``qa api`` does not start that way; the page does, so its API is closed)."""

    def __init__(self, app, settings: Settings) -> None:
        from .server import beyond_loopback

        self.app = app
        self.key = settings.api_key.encode()
        self.closed = not self.key and beyond_loopback(settings.host)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(dict(scope["headers"]).get(b"authorization", b""))
            if refusal is not None:
                await refusal.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, header: bytes) -> APIError | None:
        if self.closed:
            return APIError(401, t("api.closed"), type="authentication_error", code="api_key_required")
        if not self.key:
            return None
        scheme, _, given = header.partition(b" ")
        if scheme.lower() != b"bearer" or not given.strip():
            return APIError(401, t("api.no_key"), type="authentication_error", code="missing_api_key",
                            headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.strip(), self.key):
            return APIError(401, t("api.wrong_key"), type="authentication_error", code="invalid_api_key",
                            headers={"WWW-Authenticate": "Bearer"})
        return None


def create_api(engine, settings: Settings | None = None):
    """The API's app, its routes relative to where it is mounted (``mount`` puts it at /v1)."""
    settings = settings or engine.settings
    gate = _Gate(settings.api_max_in_flight)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(APIError)
    async def api_error(request, exc: APIError):
        return exc.response()

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        if exc.status_code == 404:
            return APIError(404, t("api.no_route", method=request.method, path=request.url.path),
                            code="unknown_url").response()
        if exc.status_code == 405:
            return APIError(405, t("api.no_route", method=request.method, path=request.url.path),
                            code="method_not_allowed").response()
        return APIError(exc.status_code, str(exc.detail), code=None).response()

    @app.exception_handler(Exception)
    async def failure(request, exc: Exception):
        return _engine_error(exc).response()

    def model_entry(name: str) -> dict:
        return {"id": name, "object": "model", "created": 0, "owned_by": "qa-zh"}

    def known_model(model: object) -> str:
        if not isinstance(model, str) or not model:
            raise APIError(400, t("api.no_model"), param="model", code="invalid_value")
        models = _knowledge_bases(engine)
        if model not in models:
            raise APIError(404, t("api.unknown_model", model=model, models=t("answer.name_separator").join(models)), param="model",
                           code="model_not_found")
        return model

    async def engine_call(function, *args):
        """A blocking engine call in the thread pool, its failure as an APIError."""
        try:
            return await run_in_threadpool(function, *args)
        except APIError:
            raise
        except Exception as exc:
            raise _engine_error(exc) from None

    @app.get("/models")
    async def models():
        names = await engine_call(_knowledge_bases, engine)
        return {"object": "list", "data": [model_entry(name) for name in names]}

    @app.get("/models/{model:path}")
    async def model(model: str):
        return model_entry(await engine_call(known_model, model))

    @app.post("/chat/completions")
    async def chat_completions(request: Request):
        data = _json_object(await _read_body(request, settings.api_max_request_bytes))
        model = await engine_call(known_model, data.get("model"))
        question, history = chat_turns(data.get("messages"))
        stream = _field(data, "stream", bool, False)
        k = _field(data, "k", int)
        if k is not None and not 1 <= k <= 50:
            raise APIError(400, t("question.bad_k"), param="k", code="invalid_value")
        if _field(data, "n", int, 1) != 1:
            raise APIError(400, t("api.bad_field", name="n"), param="n", code="invalid_value")
        stream_options = _field(data, "stream_options", dict, {})
        documents = _field(data, "documents", list)
        if documents is not None and not all(isinstance(d, str) for d in documents):
            raise APIError(400, t("question.bad_documents"), param="documents", code="invalid_value")
        try:
            question = engine.check_question(question)
        except QuestionError as exc:
            raise APIError(400, str(exc), param="messages", code=exc.code or "invalid_question") from None
        options = _ask_options(model, history, k, documents)
        prompt = "".join(q + a for q, a in history) + question
        reply = _Reply(model)
        slot = gate.enter()
        if stream:
            events = _stream(engine, question, options, reply, prompt, bool(stream_options.get("include_usage")), slot)
            return _HeldStream(events, slot, media_type="text/event-stream",
                               headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            answer = await engine_call(lambda: engine.ask(question, **options))
        finally:
            slot.leave()
        return reply.completion(answer, _usage(prompt, answer.answer))

    def known_base(kb: str | None) -> str | None:
        """The knowledge base a documents request names (?kb=), checked; None for the settings' one."""
        return None if kb is None else known_model(kb)

    @app.get("/documents")
    async def documents(kb: str | None = None):
        kb = await engine_call(known_base, kb)
        docs = await engine_call(lambda: engine.documents(kb=kb))
        return {"object": "list", "data": [_document_entry(d) for d in docs]}

    @app.post("/documents")
    async def upload(request: Request, kb: str | None = None):
        kb = await engine_call(known_base, kb)
        await _read_body(request, settings.max_file_bytes + _UPLOAD_OVERHEAD)
        try:
            form = await request.form()
        except Exception:  # not multipart, or cut off
            raise APIError(400, t("api.no_file"), param="file", code="invalid_upload") from None
        files = [f for f in form.getlist("file") if hasattr(f, "filename")]
        if not files:
            raise APIError(400, t("api.no_file"), param="file", code="invalid_upload")
        with tempfile.TemporaryDirectory(prefix="qa-api-") as folder:
            paths = []
            for n, upload in enumerate(files):
                name = Path(upload.filename or "").name
                if not loaders.is_supported(name):
                    code = loaders.refusal(name)
                    raise APIError(400, t(f"document.{code}", name=name or "?", formats=loaders.supported()),
                                   param="file", code=code)
                path = Path(folder, str(n), name)  # one folder each: two uploads may share a name
                path.parent.mkdir()
                path.write_bytes(await upload.read())
                paths.append(path)
            report = await engine_call(lambda: engine.ingest(paths, uploads=True, kb=kb))
        if report.errors and not (report.added or report.updated or report.unchanged or report.duplicates):
            path, message = report.errors[0]
            raise APIError(400, message, param="file", code=report.error_codes.get(path, "invalid_document"))
        return _report_data(report)

    @app.delete("/documents/{doc_id:path}")
    async def remove(doc_id: str, kb: str | None = None):
        kb = await engine_call(known_base, kb)
        try:
            chunks = await run_in_threadpool(lambda: engine.remove(doc_id, kb=kb))
        except KeyError:
            raise APIError(404, t("document.no_such", doc_id=doc_id), param="id", code="document_not_found") from None
        except Exception as exc:
            raise _engine_error(exc) from None
        return {"id": doc_id, "object": "document", "deleted": True, "chunks": chunks}

    return _BearerAuth(app, settings)


def mount(engine, settings: Settings | None = None) -> Mount:
    """The API as a route of another app (the chat page's): everything under /v1."""
    return Mount(PREFIX, app=create_api(engine, settings))


class _Reply:
    """The completion objects of one answer: the whole, or its chunks."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def _base(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model,
                "system_fingerprint": None}

    def completion(self, answer: Answer, usage: dict) -> dict:
        message = {"role": "assistant", "content": answer.answer, "refusal": None}
        return {**self._base("chat.completion"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
                "usage": usage, "qa": answer_data(answer)}

    def chunk(self, delta: dict, finish: str | None = None, **more) -> str:
        body = {**self._base("chat.completion.chunk"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
        return _event(body)


def _event(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


_END = object()


async def _stream(engine, question: str, options: dict, reply: _Reply, prompt: str, include_usage: bool,
                  slot: _Slot) -> AsyncIterator[str]:
    """The answer as server-sent chunks: the role, the text's pieces, a last chunk with
    finish_reason and the ``qa`` data, the usage if asked for, then [DONE].  A failure
    after the response has started is an event with an ``error`` object."""
    try:
        yield reply.chunk({"role": "assistant", "content": ""})
        text, answer = "", None
        pieces = engine.ask_stream(question, **options)
        try:
            while True:
                # A cancelled request waits for the call in the thread to return, so
                # closing the generator below never meets it running.
                item = await run_in_threadpool(next, pieces, _END)
                if item is _END:
                    break
                if isinstance(item, str):
                    text += item
                    yield reply.chunk({"content": item})
                else:
                    answer = item
        finally:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(pieces.close)  # tells the engine process to stop
        if answer is not None:
            yield reply.chunk({}, "stop", qa=answer_data(answer))
            if include_usage:
                yield _event({**reply._base("chat.completion.chunk"), "choices": [],
                              "usage": _usage(prompt, text)})
    except Exception as exc:
        yield _event(_engine_error(exc).body())
    finally:
        slot.leave()
    yield "data: [DONE]\n\n"


def _engine_error(exc: Exception) -> APIError:
    """What a failing engine call looks like to a client; only bugs are logged."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, QuestionError):
        return APIError(400, str(exc), param="messages", code=exc.code or "invalid_question")
    if isinstance(exc, MissingError):  # a document to keep to that is not there; a base deleted meanwhile
        return APIError(404, str(exc), code="not_found")
    from .server import EngineUnavailable

    if isinstance(exc, (QAError, EngineUnavailable)):  # a store or server that is down, an engine that died
        return APIError(503, str(exc), type="server_error", code="unavailable")
    log.exception("the API failed")
    return APIError(500, t("api.internal"), type="server_error", code="internal_error")


def _document_entry(doc) -> dict:
    return {"id": doc.doc_id, "object": "document", "chunks": doc.chunks, "chars": doc.chars, "sha256": doc.sha256}


def _report_data(report: IngestReport) -> dict:
    def name(path: str) -> str:
        return Path(path).name

    return {
        "object": "ingest_report",
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates": [{"file": name(p), "existing": existing} for p, existing in report.duplicates],
        "errors": [{"file": name(p), "message": m, "code": report.error_codes.get(p)} for p, m in report.errors],
        "skipped": [{"file": name(p), "message": m} for p, m in report.skipped],
        "chunks_embedded": report.chunks_embedded,
        "seconds": round(report.seconds, 3),
    }


def check_can_serve(settings: Settings) -> None:
    """SettingsError (one line) when the API would be reachable beyond loopback without a key."""
    from .server import beyond_loopback

    if beyond_loopback(settings.host) and not settings.api_key:
        raise SettingsError(t("api.key_required", host=settings.host))


def run(settings: Settings) -> None:
    """``qa api``: the engine in a child process and the API alone under uvicorn, on
    settings.host and settings.api_port; blocks until interrupted."""
    from .messages import use_language
    from .server import EngineProcess, check_address

    use_language(settings.language)
    check_can_serve(settings)
    check_address(settings.host, settings.api_port)
    started = time.perf_counter()
    print(t("serve.opening", where=settings.chroma_url or settings.vectorstore), flush=True)
    engine = EngineProcess(settings)
    try:
        from starlette.applications import Starlette

        app = Starlette(routes=[mount(engine, settings)])
        documents, chunks = engine.wait_ready()
        print(t("serve.ready", documents=documents, chunks=chunks, seconds=time.perf_counter() - started), flush=True)
        config = uvicorn.Config(app, host=settings.host, port=settings.api_port, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=5)
        _Server(config, settings.host).run()
    finally:
        engine.close()


def public_url(host: str, port: int) -> str:
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{PREFIX}"


class _Server(uvicorn.Server):
    """Prints the API's address once it listens (the port may have been 0)."""

    def __init__(self, config, host: str) -> None:
        super().__init__(config)
        self.host = host

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            print(t("api.started", url=public_url(self.host, port)), flush=True)
