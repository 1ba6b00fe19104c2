"""Knowledge bases (qa/bases.py) and searches kept to some documents."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from qa import Engine, QAError, Settings
from qa.bases import BaseError, collection_name

FINANCE = "财务部今年的差旅预算是三百万元，由张明负责审核。报销须在出差后十五天内提交。"
PROJECT = "项目组的差旅预算是八十万元，由李华负责审核。项目的截止日期是六月三十日。"
WEATHER = "本周苏州以晴为主，周末有小雨，最高气温二十六度。"


def _files(tmp_path):
    """Two files of the same name with different content, and an unrelated one."""
    (tmp_path / "finance").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "finance" / "budget.txt").write_text(FINANCE, encoding="utf-8")
    (tmp_path / "project" / "budget.txt").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "project" / "weather.txt").write_text(WEATHER, encoding="utf-8")
    return tmp_path


def _engine(tmp_path, **settings) -> Engine:
    return Engine(Settings(vectorstore=tmp_path / "store", embedding_model="hash", default_documents=(), **settings))


def test_two_bases_with_the_same_file_name_answer_each_from_its_own_file(tmp_path):
    files = _files(tmp_path)
    engine = _engine(tmp_path)
    engine.create_base("财务部")
    engine.create_base("project-x")
    engine.ingest([files / "finance" / "budget.txt"], kb="财务部")
    engine.ingest([files / "project" / "budget.txt"], kb="project-x")

    finance = engine.ask("差旅预算是多少？", kb="财务部")
    project = engine.ask("差旅预算是多少？", kb="project-x")

    assert "三百万元" in finance.answer and "八十万元" not in finance.answer
    assert "八十万元" in project.answer and "三百万元" not in project.answer
    assert {s.text for s in finance.sources} == {FINANCE}
    assert {s.text for s in project.sources} == {PROJECT}
    assert engine.documents() == []  # the default base holds neither


def test_deleting_a_base_leaves_the_other_intact(tmp_path):
    files = _files(tmp_path)
    engine = _engine(tmp_path)
    for name, folder in (("财务部", "finance"), ("项目", "project")):
        engine.create_base(name)
        engine.ingest([files / folder / "budget.txt"], kb=name)

    other_process = _engine(tmp_path)
    assert "八十万元" in other_process.ask("差旅预算是多少？", kb="项目").answer
    engine.delete_base("项目")

    with pytest.raises(BaseError, match="项目"):  # it had the base open
        other_process.ask("差旅预算是多少？", kb="项目")
    assert [b.name for b in engine.knowledge_bases()] == ["default", "财务部"]
    assert "三百万元" in engine.ask("差旅预算是多少？", kb="财务部").answer
    with pytest.raises(BaseError, match="项目"):
        engine.ask("差旅预算是多少？", kb="项目")
    # A fresh process sees the same.
    assert "三百万元" in _engine(tmp_path, kb="财务部").ask("差旅预算是多少？").answer


def test_a_base_keeps_the_model_and_chunking_it_was_made_with(tmp_path):
    files = _files(tmp_path)
    _engine(tmp_path).create_base("small", chunk_size=30, chunk_overlap=0)
    # Opened later with other chunking in the settings, the base still uses its own.
    engine = _engine(tmp_path, chunk_size=400, chunk_overlap=80)
    engine.ingest([files / "finance" / "budget.txt"], kb="small")

    info = {b.name: b for b in engine.knowledge_bases()}["small"]
    assert (info.chunk_size, info.chunk_overlap, info.embedding_model) == (30, 0, "hash")
    assert info.chunks >= 2 and info.documents == 1 and info.chars == len(FINANCE)
    assert all(len(s.text) <= 30 for s in engine.search("报销", kb="small"))


def test_names_people_use_are_kept_and_mapped_to_names_chroma_takes(tmp_path):
    names = ["财务部", "Sales 2024", "a", "项目/x"[:2], "研发.docs", "team-docs", "x" * 64]
    collections = {collection_name(n, "documents") for n in names}
    assert len(collections) == len(names)  # no two names share a collection
    assert all(3 <= len(c) <= 63 and c[0].isalnum() and c[-1].isalnum() for c in collections)
    engine = _engine(tmp_path)
    for name in names:
        engine.create_base(name)
    assert [b.name for b in engine.knowledge_bases()][1:] == sorted(names)


@pytest.mark.parametrize("name", ["", "   ", "a/b", "x" * 65, "tab\there"])
def test_a_name_that_cannot_name_a_base_gets_a_message(tmp_path, name):
    with pytest.raises(QAError, match="知识库名称"):
        _engine(tmp_path).create_base(name)


def test_asking_a_base_that_does_not_exist_names_the_command_that_makes_it(tmp_path):
    engine = _engine(tmp_path)
    with pytest.raises(BaseError, match="qa kb create 人事部"):
        engine.ask("谁负责审核？", kb="人事部")
    with pytest.raises(BaseError):
        engine.ingest([tmp_path], kb="人事部")
    assert [b.name for b in engine.knowledge_bases()] == ["default"]  # nothing made by accident


def test_a_document_filter_keeps_both_retrievers_to_those_documents(tmp_path):
    files = _files(tmp_path)
    engine = _engine(tmp_path)
    engine.ingest([files / "finance", files / "project"])
    index = engine.index
    ids = {d.path.split("/")[-2]: d.doc_id for d in engine.documents() if d.path.endswith("budget.txt")}
    within = index.within([ids["project"]])

    query = "差旅预算 三百万元 张明 审核"  # the words of the finance file
    dense = index.dense_search(index.embeddings.embed_query(query), 10, within)
    sparse = index.bm25_search(query, 10, within)
    owner = {cid: meta["doc_id"] for cid, (_, meta) in index.get_chunks(sorted({c for c, _ in dense + sparse})).items()}

    assert dense and sparse
    assert set(owner.values()) == {ids["project"]}
    unfiltered = index.bm25_search(query, 10)
    assert len(unfiltered) > len(sparse)  # without the filter, the finance file comes first

    answer = engine.ask("差旅预算是多少？", documents=[ids["project"]])
    assert "八十万元" in answer.answer and {s.doc_id for s in answer.sources} == {ids["project"]}


def test_a_document_filter_accepts_file_paths_and_names_a_document_that_is_not_there(tmp_path):
    files = _files(tmp_path)
    engine = _engine(tmp_path)
    engine.ingest([files / "finance", files / "project"])

    answer = engine.ask("差旅预算是多少？", documents=[str(files / "finance" / "budget.txt")])
    assert "三百万元" in answer.answer
    with pytest.raises(QAError, match="nothing.txt"):
        engine.ask("差旅预算是多少？", documents=["nothing.txt"])
    with pytest.raises(QAError):
        engine.ask("差旅预算是多少？", documents=[3])


def _qa(tmp_path, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_VECTORSTORE": str(tmp_path / "store"), "QA_EMBEDDING_MODEL": "hash",
           "QA_DEFAULT_DOCUMENTS": ""}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)


def test_the_kb_commands_make_list_use_and_delete_bases(tmp_path):
    files = _files(tmp_path)
    assert _qa(tmp_path, "kb", "create", "财务部").returncode == 0
    assert _qa(tmp_path, "--kb", "财务部", "ingest", str(files / "finance" / "budget.txt")).returncode == 0
    listed = _qa(tmp_path, "kb", "list")
    assert listed.returncode == 0 and "财务部\t1\t1" in listed.stdout

    asked = _qa(tmp_path, "--kb", "财务部", "ask", "差旅预算是多少？")
    assert "三百万元" in asked.stdout
    missing = _qa(tmp_path, "--kb", "人事部", "ask", "差旅预算是多少？")
    assert missing.returncode == 1 and "qa kb create 人事部" in missing.stderr and "Traceback" not in missing.stderr

    declined = _qa(tmp_path, "kb", "delete", "财务部", stdin="n\n")
    assert declined.returncode == 1 and "财务部" in _qa(tmp_path, "kb", "list").stdout
    deleted = _qa(tmp_path, "kb", "delete", "财务部", "--yes")
    assert deleted.returncode == 0 and "财务部" not in _qa(tmp_path, "kb", "list").stdout
    kept = _qa(tmp_path, "kb", "delete", "default", "--yes")
    assert kept.returncode == 1 and "qa remove" in kept.stderr


def test_ask_with_doc_keeps_the_answer_to_that_document(tmp_path):
    files = _files(tmp_path)
    _qa(tmp_path, "ingest", str(files / "finance"), str(files / "project"))
    asked = _qa(tmp_path, "ask", "--doc", "project/budget.txt", "差旅预算是多少？")
    assert asked.returncode == 0 and "八十万元" in asked.stdout and "三百万元" not in asked.stdout


@pytest.mark.skipif(not os.environ.get("QA_TEST_CHROMA_URL"), reason="QA_TEST_CHROMA_URL names no Chroma server")
def test_bases_on_a_chroma_server_are_apart_and_seen_by_every_process(tmp_path):
    import uuid

    files = _files(tmp_path)
    prefix = uuid.uuid4().hex[:8]  # the server outlives this test
    settings = dict(chroma_url=os.environ["QA_TEST_CHROMA_URL"], collection=f"t{prefix}")
    writer = _engine(tmp_path / "writer", **settings)
    writer.create_base(f"财务-{prefix}")
    writer.ingest([files / "finance" / "budget.txt"], kb=f"财务-{prefix}")
    reader = _engine(tmp_path / "reader", **settings)
    try:
        assert "三百万元" in reader.ask("差旅预算是多少？", kb=f"财务-{prefix}").answer
        assert f"财务-{prefix}" in [b.name for b in reader.knowledge_bases()]
    finally:
        writer.delete_base(f"财务-{prefix}")
    with pytest.raises(BaseError):  # the reader had it open
        reader.ask("差旅预算是多少？", kb=f"财务-{prefix}")
    with pytest.raises(BaseError):
        _engine(tmp_path / "third", **settings).ask("差旅预算是多少？", kb=f"财务-{prefix}")
