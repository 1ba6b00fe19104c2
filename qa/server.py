"""The engine in a child process, and the checks of a server's address.

Importing gradio and loading the engine (LangChain, Chroma, the models) are each
about two seconds of pure-Python work; in one process they run one after the other,
and threads do not help (they take turns on the GIL).  So the page (qa/page.py
``serve``) starts the Engine in a child process first, imports gradio and builds the
page meanwhile, and the page's handlers (and the API's, qa/api.py) reach the engine
through ``EngineProcess``, which has the methods of Engine that they use.  The child is an ordinary Engine, the same
one ``from qa import ask`` gives; only the calls travel through a pipe.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

from .bases import BaseInfo
from .intake import checked_question
from .messages import t, use_language
from .records import Answer, DocumentInfo, IngestReport, QAError
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

# The Engine methods the page calls; nothing else is served.
_METHODS = {"ask", "ask_stream", "documents", "ingest", "remove", "knowledge_bases", "create_base", "delete_base"}
_USER_ERRORS = (QAError, KeyError)  # a user's mistake, not logged as a failure
_STARTUP = 0  # the call id of the child's start-up report


class EngineUnavailable(RuntimeError):
    """The engine's process has stopped."""


class AddressUnavailable(SettingsError):
    """The page cannot listen on its host and port (taken, or not this machine's)."""


def beyond_loopback(host: str) -> bool:
    """Whether binding ``host`` lets other machines reach the page.  A host name other
    than localhost counts: it may resolve to any interface."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def check_address(host: str, port: int) -> None:
    """Raise AddressUnavailable, suggesting a free port, when host:port cannot be bound."""
    if port == 0:  # any free port
        return
    try:
        _bind(host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise AddressUnavailable(t("serve.cannot_bind", host=host, port=port, reason=exc.strerror or exc)) from None
        free = next_free_port(host, port)
        if free is None:
            raise AddressUnavailable(t("serve.port_busy_no_free", host=host, port=port)) from None
        raise AddressUnavailable(t("serve.port_busy", host=host, port=port, free=free)) from None


def next_free_port(host: str, port: int, tries: int = 100) -> int | None:
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        try:
            _bind(host, candidate)
        except OSError:
            continue
        return candidate
    return None


def _bind(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn does: a port whose last connections are closing is free to reuse.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))


class EngineProcess:
    """An Engine running in a child process, with the methods the chat page uses.

    Calls may come from many threads at once; each gets its own replies.  If the
    child dies, every waiting and later call raises EngineUnavailable.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        context = multiprocessing.get_context(_start_method())
        child_requests, self._requests = context.Pipe(duplex=False)
        self._replies, child_replies = context.Pipe(duplex=False)
        parent_ends = (self._requests, self._replies) if context.get_start_method() == "fork" else ()
        self._process = context.Process(
            target=_child_main,
            args=(settings, child_requests, child_replies, parent_ends),
            name="qa-engine",
            daemon=True,
        )
        self._process.start()
        child_requests.close()
        child_replies.close()
        self._ids = itertools.count(_STARTUP + 1)
        self._waiting: dict[int, queue.SimpleQueue] = {_STARTUP: queue.SimpleQueue()}
        self._lock = threading.Lock()  # guards _waiting, _stopped and sending
        self._stopped: Exception | None = None
        threading.Thread(target=self._read_replies, name="qa-engine-replies", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    # ------------------------------------------------------------ the Engine's methods

    def wait_ready(self) -> tuple[int, int]:
        """Block until the engine has opened its index; (documents, chunks).  Raises
        what the child raised while starting (IndexMismatchError, ...)."""
        kind, value = self._waiting[_STARTUP].get()
        if kind == "raise":
            raise value
        return value

    def check_question(self, question: str) -> str:
        return checked_question(question, self.settings.max_question_chars)

    def ask(self, question: str, **options) -> Answer:
        return self._result("ask", question, **options)

    def ask_stream(self, question: str, **options) -> Iterator[str | Answer]:
        for kind, value in self._call("ask_stream", question, **options):
            if kind == "yield":
                yield value

    def documents(self, kb: str | None = None) -> list[DocumentInfo]:
        return self._result("documents", kb=kb)

    def ingest(self, paths: Iterable[str | Path], progress=False, uploads: bool = False,
               kb: str | None = None) -> IngestReport:
        paths = [str(p) for p in paths]
        if callable(progress):  # called here, with what the child reports
            return self._result("ingest", paths, progress="report", on_progress=progress, uploads=uploads, kb=kb)
        return self._result("ingest", paths, progress=progress, uploads=uploads, kb=kb)

    def remove(self, doc_id: str, kb: str | None = None) -> int:
        return self._result("remove", doc_id, kb=kb)

    def knowledge_bases(self) -> list[BaseInfo]:
        return self._result("knowledge_bases")

    def create_base(self, name: str, **options) -> BaseInfo:
        return self._result("create_base", name, **options)

    def delete_base(self, name: str) -> None:
        return self._result("delete_base", name)

    def close(self) -> None:
        """Stop the child: it exits when its request pipe closes."""
        with self._lock:
            self._stopped = self._stopped or EngineUnavailable(t("serve.engine_closed"))
            self._requests.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)

    # ------------------------------------------------------------ the pipe

    def _result(self, method: str, *args, on_progress=None, **kwargs):
        for kind, value in self._call(method, *args, **kwargs):
            if kind == "progress" and on_progress:
                on_progress(*value)
            elif kind == "return":
                return value
        raise EngineUnavailable("no reply")  # not reached: _call ends with return or raise

    def _call(self, method: str, *args, **kwargs) -> Iterator[tuple[str, object]]:
        """Send one call; yield its replies ('yield', 'progress') up to 'return', or raise."""
        call_id, replies = next(self._ids), queue.SimpleQueue()
        with self._lock:
            if self._stopped:
                raise self._stopped
            self._waiting[call_id] = replies
            self._requests.send((call_id, method, args, kwargs))
        finished = False
        try:
            while True:
                kind, value = replies.get()
                if kind == "raise":
                    finished = True
                    raise value
                finished = kind == "return"
                yield kind, value
                if finished:
                    return
        finally:
            with self._lock:
                self._waiting.pop(call_id, None)
                if not finished and not self._stopped:  # the caller stopped listening (a closed page)
                    self._requests.send((call_id, "cancel", (), {}))

    def _read_replies(self) -> None:
        while True:
            try:
                call_id, kind, value = self._replies.recv()
            except (EOFError, OSError):
                break
            replies = self._waiting.get(call_id)
            if replies is not None:
                replies.put((kind, value))
        with self._lock:
            self._stopped = EngineUnavailable(t("serve.engine_died"))
            for replies in self._waiting.values():
                replies.put(("raise", self._stopped))


# ---------------------------------------------------------------- the child


def _start_method() -> str:
    """fork when this process has a single thread, as ``python app.py`` has at this
    point: the child starts at once, without a new interpreter and its imports (~0.5 s
    sooner here).  Otherwise spawn: a forked copy of a process with other threads (a
    Rust or OpenMP pool after Chroma or a model was used, say) can deadlock on a lock
    one of them held."""
    try:
        single_thread = len(os.listdir("/proc/self/task")) == 1
    except OSError:  # not Linux
        single_thread = False
    return "fork" if single_thread else "spawn"


def _child_main(settings: Settings, requests, replies, parent_ends) -> None:
    for end in parent_ends:  # a forked child holds copies; else it would never see the parent go
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's; we stop when it does
    use_language(settings.language)  # a spawned child starts without the parent's choice
    send_lock = threading.Lock()

    def send(call_id: int, kind: str, value) -> None:
        with send_lock:
            replies.send((call_id, kind, value))

    try:
        from .chain import Engine

        engine = Engine(settings)
        engine.open(progress=_print_progress)
        engine.warm_up()  # so that the first question is as quick as the rest
        docs = engine.documents()
        send(_STARTUP, "return", (len(docs), sum(d.chunks for d in docs)))
    except BaseException as exc:
        send(_STARTUP, "raise", _sendable(exc))
        return
    _serve_calls(engine, requests, send)


def _serve_calls(engine, requests, send) -> None:
    cancelled: set[int] = set()
    pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="qa-engine")

    def run(call_id: int, method: str, args: tuple, kwargs: dict) -> None:
        try:
            if method not in _METHODS:
                raise ValueError(f"not an engine method: {method}")
            if kwargs.get("progress") == "report":
                kwargs["progress"] = lambda done, total: send(call_id, "progress", (done, total))
            result = getattr(engine, method)(*args, **kwargs)
            if method == "ask_stream":
                for item in result:
                    if call_id in cancelled:
                        break
                    send(call_id, "yield", item)
                result = None
            send(call_id, "return", result)
        except Exception as exc:
            if not isinstance(exc, _USER_ERRORS):
                log.exception("engine call %s failed", method)
            send(call_id, "raise", _sendable(exc))
        finally:
            cancelled.discard(call_id)

    while True:
        try:
            call_id, method, args, kwargs = requests.recv()
        except (EOFError, OSError):
            break  # the page's process has gone
        if method == "cancel":
            cancelled.add(call_id)
        else:
            pool.submit(run, call_id, method, args, kwargs)
    # Nothing is lost by not waiting for calls in flight: writes to the index are
    # transactions, and an interrupted ingest resumes where it stopped.
    os._exit(0)


def _sendable(exc: BaseException) -> BaseException:
    """exc itself if it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _print_progress(done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    print("\r" + t("serve.embedding", done=done, total=total), end=end, file=sys.stderr, flush=True)
