"""The chat page's engine process (qa/server.py): the Engine's answers, errors and
progress come back through the pipe, many callers at once, and a dead or mismatched
engine gives a clear error instead of a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa.records import Answer, IndexMismatchError, QuestionError
from qa.server import EngineProcess, EngineUnavailable
from qa.settings import Settings
from tests.ui_server import ROOT, start_app

ARTICLE = ROOT / "data" / "article.txt"
NEWS = Path(__file__).resolve().parent / "fixtures"


def hash_settings(store: Path, **more) -> Settings:
    return Settings(vectorstore=store, embedding_model="hash", default_documents=(ARTICLE,), **more)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = EngineProcess(hash_settings(tmp_path_factory.mktemp("engine-process")))
    engine.wait_ready()
    yield engine
    engine.close()


def test_the_child_opens_the_index_and_answers(engine):
    docs = engine.documents()
    assert [d.doc_id for d in docs] == ["article.txt"] and docs[0].chunks > 0
    answer = engine.ask("会议在哪里召开？")
    assert isinstance(answer, Answer) and answer.sources and answer.sources[0].doc_id == "article.txt"


def test_a_stream_is_the_answer_in_pieces_then_the_answer(engine):
    items = list(engine.ask_stream("这次动员会是哪天召开的？"))
    *pieces, answer = items
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == answer.answer and "9月7日" in answer.answer


def test_user_errors_keep_their_type(engine):
    with pytest.raises(QuestionError, match="问题是空的"):
        engine.check_question("   ")
    with pytest.raises(QuestionError, match="问题是空的"):
        engine.ask("")  # checked again in the child
    with pytest.raises(KeyError):
        engine.remove("no-such-document.txt")


def test_upload_reports_progress_and_the_next_question_sees_it(engine, tmp_path):
    doc = tmp_path / "bridge.txt"
    doc.write_text((NEWS / "bridge_news.txt").read_text(encoding="utf-8"), encoding="utf-8")
    seen = []
    report = engine.ingest([doc], progress=lambda done, total: seen.append((done, total)))
    try:
        assert report.added == ["bridge.txt"] and report.chunks_embedded > 0
        assert seen and seen[-1][0] == seen[-1][1] == report.chunks_embedded
        assert "bridge.txt" in [d.doc_id for d in engine.documents()]
    finally:
        assert engine.remove("bridge.txt") == report.chunks_embedded
    assert [d.doc_id for d in engine.documents()] == ["article.txt"]


def test_an_abandoned_stream_does_not_hold_up_other_callers(engine):
    stream = engine.ask_stream("苏州的标准化试点覆盖多少个专业服务领域？")
    next(stream)
    stream.close()  # a page closed mid-answer
    questions = [f"会上{n}号问题：一共有几家单位交流发言？" for n in range(10)]
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda q: engine.ask(q), questions))
    assert [a.question for a in answers] == questions


def test_a_mismatched_index_is_reported_by_wait_ready(tmp_path):
    store = tmp_path / "store"
    first = EngineProcess(hash_settings(store))
    first.wait_ready()
    first.close()
    second = EngineProcess(hash_settings(store, chunk_size=500))
    try:
        with pytest.raises(IndexMismatchError, match="qa rebuild"):
            second.wait_ready()
    finally:
        second.close()


def test_a_dead_engine_gives_a_clear_error_not_a_hang(tmp_path):
    engine = EngineProcess(hash_settings(tmp_path / "store"))
    engine.wait_ready()
    os.kill(engine.pid, signal.SIGKILL)
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(EngineUnavailable, match="进程已退出"):
            pool.submit(engine.ask, "会议在哪里召开？").result(timeout=30)
    engine.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split(")")[-1].split()[0] == "Z":
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_page_stops_its_engine_process(tmp_path):
    app = start_app(tmp_path, {"QA_EMBEDDING_MODEL": "hash"})
    try:
        children = _children(app.process.pid)
        assert children, "the page should run its engine in a child process"
        app.process.kill()  # no clean-up code runs: the child must notice by itself
        app.process.wait()
        assert all(_gone(child, within=15) for child in children)
    finally:
        app.stop()


def test_the_page_refuses_to_start_on_a_mismatched_index(tmp_path):
    store = tmp_path / "store"
    first = EngineProcess(hash_settings(store))
    first.wait_ready()
    first.close()
    env = {**os.environ, "QA_VECTORSTORE": str(store), "QA_EMBEDDING_MODEL": "hash", "QA_CHUNK_SIZE": "500",
           "QA_PORT": "0", "QA_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "app.py")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "qa rebuild" in done.stderr and "Traceback" not in done.stderr


def test_calls_after_close_say_so(tmp_path):
    engine = EngineProcess(hash_settings(tmp_path / "store"))
    engine.wait_ready()
    engine.close()
    with pytest.raises(EngineUnavailable):
        engine.documents()
