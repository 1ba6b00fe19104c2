"""A Chroma server (QA_CHROMA_URL): one line naming it when it is not running or goes
down, nothing half-written, and every process on it sees the others' writes.  Real
`chroma run` servers, real subprocesses."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import Engine, QAError, Settings
from qa.embeddings import HashEmbeddings
from qa.records import StoreError

from .conftest import ARTICLE, FIXTURES

ROOT = Path(__file__).resolve().parent.parent
QA = [sys.executable, "-m", "qa.cli"]
CHROMA = Path(sys.executable).with_name("chroma")

needs_chroma = pytest.mark.skipif(not CHROMA.exists(), reason=f"no chroma binary next to the interpreter ({CHROMA})")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_chroma(path: Path, port: int) -> subprocess.Popen:
    """`chroma run` on 127.0.0.1:port, once it accepts connections."""
    log = open(path.parent / f"chroma-{port}.log", "ab")
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail("chroma run exited: " + (path.parent / f"chroma-{port}.log").read_text(errors="replace"))
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        time.sleep(0.2)
    process.kill()
    pytest.fail("chroma run did not start within 60 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)  # like a crash or a pulled cable: no goodbye
        process.wait(timeout=10)


@contextlib.contextmanager
def _chroma(path: Path, port: int):
    process = _start_chroma(path, port)
    try:
        yield process
    finally:
        _stop(process)


def _cli(*args: str, url: str, cache: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "QA_CHROMA_URL": url, "QA_VECTORSTORE": str(cache), "QA_EMBEDDING_MODEL": "hash",
               "QA_DEFAULT_DOCUMENTS": str(ARTICLE), **env}
    return subprocess.run([*QA, *args], env=environ, capture_output=True, text=True, cwd=ROOT, timeout=120)


def _engine(url: str, cache: Path, collection: str = "documents", embeddings=None) -> Engine:
    settings = Settings(chroma_url=url, vectorstore=cache, collection=collection, embedding_model="hash",
                        default_documents=(ARTICLE,), embedding_batch_size=8, write_batch_size=8)
    return Engine(settings, embeddings=embeddings or HashEmbeddings())


def _state(engine: Engine):
    index = engine.index
    index.refresh()
    return ([(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], sorted(index.chunks.get(include=[])["ids"]),
            sorted(index.bm25.chunk_ids()))


# ------------------------------------------------------------------ not running


@pytest.mark.parametrize("language, words", [("zh", "无法连接 Chroma 服务器"), ("en", "cannot reach the Chroma server")])
def test_a_chroma_server_that_is_not_running_is_one_line_naming_it_and_the_way_out(tmp_path, language, words):
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    for args in (["ask", "谁在会上作了重要讲话？"], ["ingest", str(FIXTURES / "bridge_news.txt")], ["info"], ["rebuild"],
                 ["serve", "--port", "0"]):
        started = time.perf_counter()
        run = _cli(*args, url=url, cache=tmp_path / "cache", QA_LANGUAGE=language)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and url in lines[0], run.stderr
        assert "chroma run" in lines[0] and "QA_CHROMA_URL" in lines[0]
        assert time.perf_counter() - started < 60  # never a hang

    with pytest.raises(StoreError) as raised:
        _engine(url, tmp_path / "cache").ask("谁在会上作了重要讲话？")
    assert isinstance(raised.value, QAError) and url in str(raised.value) and "\n" not in str(raised.value)


def test_a_server_address_that_never_answers_is_reported_within_seconds(tmp_path):
    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.perf_counter()
        with pytest.raises(StoreError):
            _engine(url, tmp_path / "cache").index
        assert time.perf_counter() - started < 15


# ------------------------------------------------------------------ going down


@needs_chroma
def test_a_server_that_dies_mid_ingest_leaves_nothing_half_written_and_the_next_run_finishes_the_same(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"news-{i}.txt").write_text(
            "\n".join(f"第{i}号新闻第{j}句：第{j}会场有{i * 7 + j}家单位参加活动。" for j in range(30)), encoding="utf-8")
    server = _start_chroma(tmp_path / "db", port)
    try:
        engine = _engine(url, tmp_path / "cache")
        engine.index  # the article

        class ServerDiesMidway(HashEmbeddings):
            calls = 0

            def embed_documents(self, texts):
                ServerDiesMidway.calls += 1
                if ServerDiesMidway.calls == 4:  # after some writes have landed
                    _stop(server)
                return super().embed_documents(texts)

        engine.index.embeddings = ServerDiesMidway()
        with pytest.raises(StoreError) as raised:
            engine.ingest([corpus])
        assert url in str(raised.value)
        with pytest.raises(StoreError):
            engine.ask("第3号新闻第5句说了什么？")
    finally:
        _stop(server)

    with _chroma(tmp_path / "db", port):
        engine.index.embeddings = HashEmbeddings()
        assert "陈钢" in engine.ask("谁在会上作了重要讲话？").answer  # the same engine answers again
        docs, chroma_ids, bm25_ids = _state(engine)
        assert [d[0] for d in docs] == ["article.txt"] and chroma_ids == bm25_ids  # no document half-recorded
        finished = _cli("ingest", str(corpus), url=url, cache=tmp_path / "cache-2")
        assert finished.returncode == 0, finished.stderr
        resumed = _state(engine)

        uninterrupted = _engine(url, tmp_path / "cache-3", collection="uninterrupted")
        uninterrupted.ingest([corpus])
        assert resumed == _state(uninterrupted) and resumed[1] == resumed[2]


@needs_chroma
def test_the_page_says_when_its_server_is_down_keeps_running_and_answers_once_it_is_back(tmp_path):
    gradio_client = pytest.importorskip("gradio_client")
    from tests.ui_server import running_app

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start_chroma(tmp_path / "db", port)
    env = {"QA_CHROMA_URL": url, "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": str(ARTICLE)}
    try:
        with running_app(tmp_path / "page", env) as app:
            client = gradio_client.Client(app.url, verbose=False)
            question = "谁在会上作了重要讲话？"
            assert "陈钢" in client.predict(question, 4, api_name="/ask")["answer"].replace("陳鋼", "陈钢")

            _stop(server)
            with pytest.raises(Exception) as raised:  # the API: gradio's error, with the line
                client.predict(question, 4, api_name="/ask")
            assert "无法连接 Chroma 服务器" in str(raised.value) and url in str(raised.value)
            chat, _ = client.predict(question, [], 4, "extractive", False, api_name="/chat")
            said = chat[-1]["content"][0]["text"]
            assert "无法连接 Chroma 服务器" in said and "Traceback" not in said  # a message in the chat
            assert app.process.poll() is None
            assert "httpx" not in app.log()  # gradio logs the gr.Error it showed; nothing of ours failed

            server = _start_chroma(tmp_path / "db", port)
            assert "陈钢" in client.predict(question, 4, api_name="/ask")["answer"].replace("陳鋼", "陈钢")
    finally:
        _stop(server)


# ------------------------------------------------------------------ two processes on one server


@needs_chroma
def test_a_page_on_a_server_answers_from_a_document_another_process_ingested_there_in_both_retrievers(tmp_path):
    gradio_client = pytest.importorskip("gradio_client")
    from tests.ui_server import running_app

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    question = "谁为白沙洲二号大桥剪彩？"
    with _chroma(tmp_path / "db", port):
        env = {"QA_CHROMA_URL": url, "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": str(ARTICLE)}
        with running_app(tmp_path / "page", env) as app:
            client = gradio_client.Client(app.url, verbose=False)
            before = client.predict(question, 4, api_name="/ask")
            assert all(s["doc_id"] == "article.txt" for s in before["sources"])

            # Another process on another machine would have its own cache folder: so does this one.
            added = _cli("ingest", str(FIXTURES / "bridge_news.txt"), url=url, cache=tmp_path / "shell")
            assert added.returncode == 0, added.stderr
            after = client.predict(question, 4, api_name="/ask")
            assert "李明远" in after["answer"] and after["sources"][0]["doc_id"] == "bridge_news.txt"
            assert after["sources"][0]["dense_score"] is not None and after["sources"][0]["bm25_score"] is not None

            removed = _cli("remove", "bridge_news.txt", url=url, cache=tmp_path / "shell")
            assert removed.returncode == 0, removed.stderr
            gone = client.predict(question, 4, api_name="/ask")
            assert all(s["doc_id"] == "article.txt" for s in gone["sources"])


def _corpus(folder: Path, tag: str, n: int = 8) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"news-{i}.txt").write_text(
            "\n".join(f"{tag}第{i}号新闻第{j}句：第{j}会场有{i * 7 + j}家单位参加{tag}活动。" for j in range(30)), encoding="utf-8")
    return folder


@needs_chroma
def test_two_writers_on_one_server_with_their_own_caches_both_end_with_everything_in_both_retrievers(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    east, west = _corpus(tmp_path / "east", "东"), _corpus(tmp_path / "west", "西")
    with _chroma(tmp_path / "db", port):
        _engine(url, tmp_path / "cache-0").index  # the article, before both start
        environ = {**os.environ, "QA_CHROMA_URL": url, "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": str(ARTICLE),
                   "QA_EMBEDDING_BATCH_SIZE": "4", "QA_WRITE_BATCH_SIZE": "4"}  # many small writes, so they interleave
        runs = [subprocess.Popen([*QA, "ingest", str(folder)], env={**environ, "QA_VECTORSTORE": str(tmp_path / f"cache-{n}")},
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for n, folder in ((1, east), (2, west))]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs

        one_by_one = _engine(url, tmp_path / "cache-3", collection="one-by-one")
        one_by_one.ingest([east])
        one_by_one.ingest([west])
        expected = _state(one_by_one)
        for cache in ("cache-1", "cache-2", "cache-0"):  # each writer's saved BM25, and a reader's
            assert _state(_engine(url, tmp_path / cache)) == expected, cache
        assert len(expected[0]) == 17 and expected[1] == expected[2]
