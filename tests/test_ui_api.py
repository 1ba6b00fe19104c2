"""The chat page's API, driven with gradio_client against the real app in a subprocess."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.text import fold
from tests.ui_server import ROOT, running_app

gradio_client = pytest.importorskip("gradio_client")

QUESTIONS = {
    row["id"]: row
    for row in map(json.loads, (ROOT / "tests" / "data" / "article_qa.jsonl").read_text(encoding="utf-8").splitlines())
}
# The article without its pinyin ruby annotations (質(zhì)量 -> 質量).
ARTICLE = re.sub(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]+\)", "",
                 (ROOT / "data" / "article.txt").read_text(encoding="utf-8"))


def facts(question_id: str) -> list[list[str]]:
    """The facts an answer must contain (each a list of spellings), checked against the article."""
    keywords = QUESTIONS[question_id]["keywords"]
    for spellings in keywords:
        assert any(s in ARTICLE for s in spellings), f"{spellings} is not a fact of the article"
    return keywords


def missing_facts(answer: str, keywords: list[list[str]]) -> list[list[str]]:
    return [spellings for spellings in keywords if not any(s in answer for s in spellings)]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("ui-api")) as app:
        yield app


@pytest.fixture(scope="module")
def client(app):
    return gradio_client.Client(app.url, verbose=False)


def test_who_spoke_returns_the_speakers_and_sources(client):
    row = QUESTIONS["a046"]  # 哪幾位領導在會上作了講話和指示？
    result = client.predict(row["question"], 4, api_name="/ask")
    assert result["abstained"] is False
    assert missing_facts(result["answer"], facts("a046")) == []
    assert result["backend"] == "extractive"
    assert result["timings"]["total"] > 0
    assert 1 <= len(result["sources"]) <= 4
    first = result["sources"][0]
    assert first["doc_id"] == "article.txt"
    assert isinstance(first["score"], float) and first["text"]
    start, end = first["highlight"]
    assert 0 <= start < end <= len(first["text"])
    # The answer as data: the short answer, its sentence, and what each [n] cites.
    assert missing_facts(result["concise"], facts("a046")) == [] and result["concise"] in result["answer"]
    assert result["support"] in result["answer"] and result["qtype"] == "who" and result["reason"] == ""
    assert [c["n"] for c in result["citations"]] == sorted({int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])})
    for citation in result["citations"]:
        source = result["sources"][citation["source"]]
        assert citation["chunk_id"] == source["chunk_id"] and citation["span"] == source["highlight"]
    cited = result["citations"][0]["span"]
    # the cited span is where the answer is: it holds the concise answer, inside the support
    assert fold(result["concise"]) in fold(first["text"][cited[0] : cited[1]]) in fold(result["support"])
    assert isinstance(result["citations"][0]["start"], int)


def test_k_limits_the_sources(client):
    result = client.predict(QUESTIONS["a017"]["question"], 2, api_name="/ask")
    assert len(result["sources"]) == 2


def test_unanswerable_question_is_refused(client):
    result = client.predict(question="这次会议的预算是多少钱？", k=4, api_name="/ask")
    assert result["abstained"] is True
    assert result["answer"]
    assert result["reason"] and result["citations"] == [] and result["concise"] == ""


def test_empty_question_gets_a_chinese_error(client):
    with pytest.raises(gradio_client.exceptions.AppError, match="问题是空的"):
        client.predict("   ", 4, api_name="/ask")


def test_ten_concurrent_questions_each_get_their_own_answer(client):
    ids = ["a003", "a004", "a006", "a008", "a009", "a017", "a019", "a054", "a056", "a057"]
    questions = [QUESTIONS[i]["question"] for i in ids]
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        results = list(pool.map(lambda q: client.predict(q, 4, api_name="/ask"), questions))
    for question_id, question, result in zip(ids, questions, results):
        assert result["question"] == question
        assert result["abstained"] is False, question
        assert missing_facts(result["answer"], facts(question_id)) == [], (question, result["answer"])
    # Asked one by one, each question gets the very same answer.
    assert [r["answer"] for r in results] == [client.predict(q, 4, api_name="/ask")["answer"] for q in questions]


def test_chat_endpoint_streams_then_adds_the_sources_panel(client):
    job = client.submit(QUESTIONS["a054"]["question"], [], 4, "extractive", True, api_name="/chat")
    final_chat, _ = job.result(timeout=60)
    partial_texts = {out[0][-1]["content"][0]["text"] for out in job.outputs() if len(out[0]) == 2}
    assert len(partial_texts) >= 2, "the answer did not arrive in pieces"
    user, answer, sources = final_chat
    assert user["role"] == "user" and answer["role"] == "assistant"
    assert missing_facts(answer["content"][0]["text"], facts("a054")) == []
    assert "引用来源" in sources["metadata"]["title"]
    assert "<mark>" in sources["content"][0]["text"]


def test_bad_upload_is_reported_and_changes_nothing(client, tmp_path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    status, table, _, _ = client.predict([gradio_client.handle_file(str(binary))], api_name="/add_documents")
    assert "photo.txt" in status and "二进制" in status
    assert [row[0] for row in table["data"]] == ["article.txt"]


def test_app_logged_the_index_build(app):
    log = app.log()
    assert "建立索引" in log and "索引就绪" in log and app.url.rstrip("/") in log


# ---------------------------------------------------------------- the page's handlers, in process


class RecordingEngine:
    """Answers every question with its number and records the history it was given."""

    def __init__(self, abstain=False):
        from qa.settings import Settings

        self.settings = Settings.load()
        self.histories = []
        self.abstain = abstain

    def check_question(self, question):
        return question.strip()

    def ask_stream(self, question, *, k=None, history=None, backend=None, kb=None, documents=None):
        from qa.chain import Answer, Source

        self.histories.append(list(history or []))
        self.asked_with = {"kb": kb, "documents": documents}
        text = f"答案{len(self.histories)} [1]"
        yield from (text[:2], text[2:])
        source = Source("a<b>.txt", "第一句。答案在这里。", 0.5, 0, 10, 0, "c1", highlight=(4, 9))
        yield Answer(question, text, self.abstain, [source])


def answers_of(page, question, chat, turns):
    *_, (chat, turns, _) = page.respond(question, chat, turns, 4, "extractive", True)
    return chat, turns


def test_earlier_turns_are_passed_to_the_engine_as_history():
    from qa.ui import ChatPage

    engine = RecordingEngine()
    page = ChatPage(engine)
    chat, turns = answers_of(page, "第一个问题", [], [])
    chat, turns = answers_of(page, "第二个问题", chat, turns)
    assert engine.histories == [[], [("第一个问题", "答案1 [1]")]]
    assert len(chat) == 6  # question, answer, sources panel; twice


def test_sources_panel_escapes_and_highlights_the_passage():
    from qa.ui import ChatPage

    chat, _ = answers_of(ChatPage(RecordingEngine()), "问题", [], [])
    answer, sources = chat[-2], chat[-1]
    assert 'class="qa-cite"' in answer.content
    assert sources.metadata["title"].startswith("📄 引用来源")
    assert "a&lt;b&gt;.txt" in sources.content
    assert "第一句。<mark>答案在这里</mark>。" in sources.content


def test_refusal_looks_different():
    from qa.ui import ChatPage

    chat, _ = answers_of(ChatPage(RecordingEngine(abstain=True)), "问题", [], [])
    assert "qa-refusal" in chat[-2].content and "⚠️ 文档中没有找到答案" in chat[-2].content
    assert "未找到答案" in chat[-1].metadata["title"]


def test_only_configured_backends_are_offered():
    from qa.settings import Settings
    from qa.ui import configured_backends

    assert configured_backends(Settings.load(llm_base_url="")) == ["extractive"]
    assert configured_backends(Settings.load(llm_base_url="http://127.0.0.1:11434", backend="ollama")) == [
        "extractive", "ollama"]
