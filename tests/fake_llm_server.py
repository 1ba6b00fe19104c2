"""A small OpenAI-compatible and Ollama-compatible chat server for tests.

It runs in the test process on 127.0.0.1 (real HTTP, real server-sent events and
NDJSON streaming), records every request and answers from a script:

    with FakeLLMServer() as server:
        server.push(Reply("陈钢是国家标准委主任[1]。"))
        server.push(Reply(status=429))
        ... Settings(llm_base_url=server.openai_url) ...
        server.requests[0].json["messages"]

Replies are taken in order; when the script is empty, ``server.default`` answers.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    # The answer text, or a function of the request body giving it.
    text: str | Callable[[dict], str] = "好的。"
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between one streamed piece and the next
    malformed: bool = False  # a body (or stream event) that is not valid JSON
    pieces: list[str] | None = None  # how to split the text when streaming; default: 2 characters

    def text_for(self, body: dict) -> str:
        return self.text(body) if callable(self.text) else self.text

    def split(self, text: str) -> list[str]:
        if self.pieces is not None:
            return self.pieces
        return [text[i : i + 2] for i in range(0, len(text), 2)] or [""]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: dict = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """Every message's content, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.json.get("messages", []))


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.script: list[Reply] = []
        self.default = Reply()
        self.model_names = ["fake"]
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-llm", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> "FakeLLMServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.script.clear()
            self.requests.clear()
            self.default = Reply()

    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith(("/chat/completions", "/api/chat"))]

    def next_reply(self) -> Reply:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client that hung up is expected
            super().handle_error(request, client_address)


def _handler_for(server: FakeLLMServer):
    class Handler(_Handler):
        fake = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLMServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    # ------------------------------------------------------------ routing

    def do_GET(self) -> None:
        self.fake.record(Request("GET", self.path, _lower(self.headers)))
        if self.path.rstrip("/") == "/v1/models":
            data = [{"id": name, "object": "model", "owned_by": "test"} for name in self.fake.model_names]
            self._send_json(200, {"object": "list", "data": data})
        elif self.path.rstrip("/") == "/api/tags":
            models = [{"name": name, "model": name, "size": 1, "digest": "0" * 12} for name in self.fake.model_names]
            self._send_json(200, {"models": models})
        else:
            self._send_json(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        self.fake.record(Request("POST", self.path, _lower(self.headers), body))
        path = self.path.rstrip("/")
        if path == "/v1/chat/completions":
            self._openai_chat(body)
        elif path == "/api/chat":
            self._ollama_chat(body)
        else:
            self._send_json(404, {"error": f"no route {self.path}"})

    # ------------------------------------------------------------ OpenAI

    def _openai_chat(self, body: dict) -> None:
        reply = self.fake.next_reply()
        if not self._wait(reply.delay):
            return
        if reply.status != 200:
            self._send_json(reply.status, _openai_error(reply.status, self.headers.get("Authorization", "")))
            return
        text = reply.text_for(body)
        model = body.get("model", "fake")
        if not body.get("stream"):
            if reply.malformed:
                self._send_raw(200, b'{"id": "chatcmpl-1", "choices": [{"message": ', "application/json")
                return
            message = {"role": "assistant", "content": text}
            self._send_json(200, {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })
            return
        self._start_stream("text/event-stream")
        first = {"role": "assistant", "content": ""}
        self._write_chunk(f"data: {json.dumps(_openai_chunk(model, first, None))}\n\n")
        for n, piece in enumerate(reply.split(text)):
            if n and reply.chunk_delay and not self._wait(reply.chunk_delay):
                return
            self._write_chunk(f"data: {json.dumps(_openai_chunk(model, {'content': piece}, None), ensure_ascii=False)}\n\n")
        if reply.malformed:
            self._write_chunk('data: {"id": "chatcmpl-1", "choices": [{"delta": \n\n')
        self._write_chunk(f"data: {json.dumps(_openai_chunk(model, {}, 'stop'))}\n\n")
        self._write_chunk("data: [DONE]\n\n")
        self._end_stream()

    # ------------------------------------------------------------ Ollama

    def _ollama_chat(self, body: dict) -> None:
        reply = self.fake.next_reply()
        if not self._wait(reply.delay):
            return
        if reply.status != 200:
            self._send_json(reply.status, {"error": _status_text(reply.status)})
            return
        text = reply.text_for(body)
        model = body.get("model", "fake")
        if body.get("stream") is False:
            if reply.malformed:
                self._send_raw(200, b'{"model": "fake", "message": ', "application/json")
                return
            self._send_json(200, _ollama_line(model, text, done=True))
            return
        self._start_stream("application/x-ndjson")
        for n, piece in enumerate(reply.split(text)):
            if n and reply.chunk_delay and not self._wait(reply.chunk_delay):
                return
            self._write_chunk(json.dumps(_ollama_line(model, piece, done=False), ensure_ascii=False) + "\n")
        if reply.malformed:
            self._write_chunk('{"model": "fake", "message": {"content": \n')
        self._write_chunk(json.dumps(_ollama_line(model, "", done=True)) + "\n")
        self._end_stream()

    # ------------------------------------------------------------ plumbing

    def _wait(self, seconds: float) -> bool:
        """Sleep; False when the server is stopping (give up on the request)."""
        if seconds > 0:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if self.fake.stopping.wait(0.05):
                    return False
        return True

    def _send_json(self, status: int, payload: dict) -> None:
        self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")

    def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (a timeout test)
            pass

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunk(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError:
            pass

    def _end_stream(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _openai_chunk(model: str, delta: dict, finish: str | None) -> dict:
    return {
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _ollama_line(model: str, content: str, done: bool) -> dict:
    line = {"model": model, "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": content}, "done": done}
    if done:
        line["done_reason"] = "stop"
    return line


def _status_text(status: int) -> str:
    return {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 429: "Too many requests",
            500: "Internal server error", 503: "Service unavailable"}.get(status, "error")


def _openai_error(status: int, authorization: str) -> dict:
    message = _status_text(status)
    if status == 401:
        # Like some real services, echo the key that was refused: the client must not log it.
        message = f"Incorrect API key provided: {authorization.removeprefix('Bearer ')}"
    return {"error": {"message": message, "type": "invalid_request_error", "code": str(status)}}
