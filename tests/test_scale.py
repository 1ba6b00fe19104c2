"""Robustness at scale: interrupted ingests resume exactly, and a real Chroma server
shared by two processes keeps BM25 and vectors in agreement."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qa import Engine, Settings
from qa.embeddings import HashEmbeddings

from .conftest import ARTICLE, FIXTURES

ROOT = Path(__file__).resolve().parent.parent


def _write_corpus(folder: Path, n_docs: int = 12) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        sentences = [f"第{i}号新闻第{j}句：某市第{i * 10 + j}届活动在第{j}会场举行，共有{j * 7 + i}家单位参加。" for j in range(25)]
        (folder / f"news-{i:02d}.txt").write_text("\n".join(sentences), encoding="utf-8")
    return folder


def _state(store: Path):
    engine = Engine(Settings(vectorstore=store, embedding_model="hash", default_documents=()), embeddings=HashEmbeddings())
    chroma_ids = engine.index.chunks.get(include=[])["ids"]
    return sorted(chroma_ids), sorted(engine.index.bm25.ids), [(d.doc_id, d.sha256, d.chunks) for d in engine.documents()]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from qa import Engine, Settings
    from qa.embeddings import HashEmbeddings

    class DiesMidway(HashEmbeddings):
        calls = 0
        def embed_documents(self, texts):
            DiesMidway.calls += 1
            if DiesMidway.calls == 3:
                os.kill(os.getpid(), signal.SIGKILL)  # like kill -9 in the middle of an ingest
            return super().embed_documents(texts)

    store, corpus = sys.argv[1], sys.argv[2]
    settings = Settings(vectorstore=store, embedding_model="hash", default_documents=(), embedding_batch_size=16,
                        write_batch_size=16)  # so two writes land before the kill
    Engine(settings, embeddings=DiesMidway()).ingest([corpus])
    """
)


def test_an_ingest_killed_midway_resumes_to_the_same_end_state(tmp_path):
    corpus = _write_corpus(tmp_path / "corpus")
    killed = subprocess.run([sys.executable, "-c", KILLER, str(tmp_path / "a"), str(corpus)], cwd=ROOT)
    assert killed.returncode == -9

    partial_chroma, partial_bm25, partial_docs = _state(tmp_path / "a")
    assert 0 < len(partial_chroma) and partial_docs == []  # some chunks landed, no document was completed
    assert partial_chroma == partial_bm25  # reopening brought BM25 level with Chroma

    settings = Settings(vectorstore=tmp_path / "a", embedding_model="hash", default_documents=(), embedding_batch_size=16)
    resumed = Engine(settings, embeddings=HashEmbeddings()).ingest([corpus])
    assert 0 < resumed.chunks_embedded < sum(d[2] for d in _state(tmp_path / "a")[2])  # only what was missing

    clean = Engine(settings.replace(vectorstore=tmp_path / "b"), embeddings=HashEmbeddings())
    clean.ingest([corpus])
    assert _state(tmp_path / "a") == _state(tmp_path / "b")
    chroma_ids, bm25_ids, _ = _state(tmp_path / "a")
    assert chroma_ids == bm25_ids and len(set(chroma_ids)) == len(chroma_ids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on 127.0.0.1, or the server CI started (QA_TEST_CHROMA_URL)."""
    if os.environ.get("QA_TEST_CHROMA_URL"):
        yield os.environ["QA_TEST_CHROMA_URL"]
        return
    chroma = Path(sys.executable).with_name("chroma")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start: " + (path / "server.log").read_text(errors="replace"))
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def _server_engine(url: str, cache: Path, collection: str) -> Engine:
    return Engine(Settings(chroma_url=url, vectorstore=cache, collection=collection, default_documents=(ARTICLE,)))


def test_server_mode_answers_like_the_embedded_store(chroma_server, tmp_path):
    engine = _server_engine(chroma_server, tmp_path / "cache", "server-basic")
    result = engine.ask("谁在会上作了重要讲话？")
    assert not result.abstained and "陈钢" in result.answer.replace("陳鋼", "陈钢")
    engine.ingest([FIXTURES / "bridge_news.txt"])
    assert engine.search("白沙洲二号大桥", k=1)[0].doc_id == "bridge_news.txt"
    engine.remove("bridge_news.txt")
    assert all(s.doc_id == "article.txt" for s in engine.search("白沙洲二号大桥", k=4))


def test_two_processes_sharing_a_server_keep_bm25_consistent(chroma_server, tmp_path):
    first = _server_engine(chroma_server, tmp_path / "cache-1", "server-shared")
    first.index  # builds with the article
    env = {**os.environ, "QA_CHROMA_URL": chroma_server, "QA_VECTORSTORE": str(tmp_path / "cache-2"),
           "QA_COLLECTION": "server-shared"}
    qa = [sys.executable, "-m", "qa.cli"]
    added = subprocess.run([*qa, "ingest", str(FIXTURES / "bridge_news.txt")], env=env, capture_output=True, text=True, cwd=ROOT)
    assert added.returncode == 0, added.stderr

    hits = first.search("白沙洲 剪彩", k=2)
    assert hits[0].doc_id == "bridge_news.txt" and hits[0].bm25_score is not None  # BM25 caught up
    assert first.ask("谁为大桥剪彩？").answer.count("李明远") >= 1

    removed = subprocess.run([*qa, "remove", "bridge_news.txt"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert removed.returncode == 0, removed.stderr
    assert all(s.doc_id == "article.txt" for s in first.search("白沙洲 剪彩", k=4))
    assert sorted(first.index.bm25.ids) == sorted(first.index.chunks.get(include=[])["ids"])

    # A restart with an empty local cache rebuilds BM25 from what the server holds.
    restarted = _server_engine(chroma_server, tmp_path / "cache-3", "server-shared")
    assert sorted(restarted.index.bm25.ids) == sorted(first.index.bm25.ids)
