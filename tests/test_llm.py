"""Generative answers against a fake OpenAI-compatible / Ollama server over real HTTP."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import urllib.request

import pytest

from qa import Engine, Settings
from qa.llm import (
    REFUSAL_MARKER,
    AnswerParser,
    PromptError,
    condense_question,
    describe_failure,
    load_prompts,
    resolve_followup,
    scrub,
)
from qa.reader import refusal_text
from qa.settings import PROJECT_ROOT
from qa.text import to_simplified

from .fake_llm_server import FakeLLMServer, Reply

KEY = "sk-test-SECRET123"
QUESTION = "国家标准委的主任是谁？"


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def clean_server(server):
    server.reset()
    yield


@pytest.fixture(scope="module")
def engine(server, tmp_path_factory):
    settings = Settings.load(
        vectorstore=tmp_path_factory.mktemp("vectorstore"),
        backend="openai",
        llm_base_url=f"http://127.0.0.1:{server.port}/v1",
        llm_model="fake",
        llm_api_key=KEY,
        llm_timeout=5,
        prompts_dir=PROJECT_ROOT / "prompts",
    )
    built = Engine(settings)
    assert built.index.count() > 0  # the article, indexed on first use
    return built


def engine_with(engine: Engine, **changes) -> Engine:
    """Another engine over the same index with other settings."""
    return Engine(engine.settings.replace(**changes), embeddings=engine.index.embeddings)


@pytest.fixture(scope="module")
def ollama(engine, server):
    return engine_with(engine, backend="ollama", llm_base_url=server.url, llm_api_key="")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def given_passages(prompt: str) -> dict[int, str]:
    """The numbered passages the model was shown."""
    found = re.findall(r"\[(\d+)\]（[^）]*）\n(?:（前文：[^\n]*）\n)?(.*?)(?=\n\n\[\d+\]（|\n\n问题：)", prompt, re.DOTALL)
    return {int(n): text for n, text in found}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=。)", text)[0]


# ---------------------------------------------------------------- the chain


def test_prompt_holds_the_passages_and_the_question(engine, server):
    server.default = Reply("国家标准委主任是陈钢[1]。")
    answer = engine.ask(QUESTION)
    (request,) = server.chat_requests()
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["model"] == "fake" and not request.json.get("stream")
    assert QUESTION in request.prompt
    assert REFUSAL_MARKER in request.prompt
    shown = given_passages(request.prompt)
    assert len(shown) == len(answer.sources) == engine.settings.k
    assert {s.text.strip() for s in answer.sources} == set(shown.values())
    assert answer.backend == "openai" and not answer.abstained
    assert answer.answer == "国家标准委主任是陈钢[1]。"
    assert answer.notice == ""


def test_citations_map_back_to_sources_in_the_order_cited(engine, server):
    def cite_second_then_first(body: dict) -> str:
        passages = given_passages("\n".join(m["content"] for m in body["messages"]))
        return f"{first_sentence(passages[2])}[2]\n{first_sentence(passages[1])}[1][2]"

    server.default = Reply(cite_second_then_first)
    answer = engine.ask(QUESTION)
    shown = given_passages(server.chat_requests()[0].prompt)
    # [2] was cited first, so it is source 1 and its marker becomes [1].
    assert [s.text.strip() for s in answer.sources[:2]] == [shown[2], shown[1]]
    lines = answer.answer.splitlines()
    assert lines[0].endswith("[1]") and lines[1].endswith("[2][1]")
    assert lines[0] == to_simplified(first_sentence(shown[2])) + "[1]"
    first = answer.sources[0]
    assert first.highlight is not None
    assert first.text[first.highlight[0]:first.highlight[1]] == first_sentence(shown[2])
    # The same as data: [n] cites sources[n - 1], with the sentence the page highlights.
    assert [(c.n, c.source, c.chunk_id) for c in answer.citations] == [
        (1, 0, answer.sources[0].chunk_id), (2, 1, answer.sources[1].chunk_id)]
    assert [c.span for c in answer.citations] == [s.highlight for s in answer.sources[:2]]
    assert answer.qtype == "who" and answer.concise == "" and answer.support == "" and answer.reason == ""


def test_answer_is_in_the_script_of_the_question(engine, server):
    server.default = Reply("國家標準委主任是陳鋼[1]。")
    assert engine.ask(QUESTION).answer == "国家标准委主任是陈钢[1]。"
    server.default = Reply("国家标准委主任是陈钢[1]。")
    assert engine.ask("國家標準委的主任是誰？").answer == "國家標準委主任是陳鋼[1]。"


def test_an_invalid_citation_is_dropped_and_flagged(engine, server):
    server.default = Reply("国家标准委主任是陈钢[1][7]。")
    answer = engine.ask(QUESTION)
    assert answer.answer == "国家标准委主任是陈钢[1]。"
    assert "[7]" in answer.notice and "不存在" in answer.notice
    assert not answer.abstained


def test_streaming_delivers_pieces_in_order_as_they_arrive(engine, server):
    pieces = ["国家标准委", "主任是", "陈钢[", "2", "]，他作了", "重要指示[1", "]。"]
    server.default = Reply("".join(pieces), pieces=pieces, chunk_delay=0.15)
    arrivals, items = [], []
    started = time.monotonic()
    for item in engine.ask_stream(QUESTION):
        arrivals.append(time.monotonic() - started)
        items.append(item)
    *texts, answer = items
    assert all(isinstance(t, str) for t in texts) and len(texts) >= 4
    assert "".join(texts) == answer.answer == "国家标准委主任是陈钢[1]，他作了重要指示[2]。"
    assert texts[0] == "国家标准委"
    # The first piece came long before the last: real streaming, not one reply cut up afterwards.
    assert arrivals[-1] - arrivals[0] > 0.6
    assert server.chat_requests()[0].json["stream"] is True
    assert answer.sources[0].text.strip() == given_passages(server.chat_requests()[0].prompt)[2]


def test_the_gate_refuses_without_calling_the_model(engine, server):
    answer = engine.ask("昨晚的中超联赛谁赢了？")
    assert answer.abstained and answer.answer == refusal_text("hans")
    traditional = list(engine.ask_stream("2012年倫敦奧運會中國隊拿了多少枚金牌？"))
    assert traditional[-1].abstained and traditional[-1].answer == refusal_text("hant")
    assert traditional[:-1] == [refusal_text("hant")]
    assert server.chat_requests() == []


def test_the_models_refusal_becomes_the_plain_refusal(engine, server):
    server.default = Reply("【無答案】")
    answer = engine.ask("高阳在会上讲了些什么？")
    assert answer.abstained and answer.answer == refusal_text("hans")
    assert len(server.chat_requests()) == 1
    items = list(engine.ask_stream("高陽在會上講了些什麼？"))
    assert items[:-1] == [refusal_text("hant")] and items[-1].abstained


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize("reply, message, streaming", [
    (Reply(status=401), "HTTP 401", False),
    (Reply(status=401), "HTTP 401", True),
    (Reply(status=429), "HTTP 429", False),
    (Reply(status=429), "HTTP 429", True),
    (Reply(status=500), "HTTP 500", False),
    (Reply(malformed=True), "无法解析", False),
    (Reply(malformed=True), "无法解析", True),
    (Reply(""), "空回复", True),
])
def test_a_failure_gives_its_message_and_the_offline_answer(engine, server, reply, message, streaming):
    server.default = reply
    if streaming:
        *texts, answer = engine.ask_stream(QUESTION)
        assert "".join(texts).endswith(answer.answer)
    else:
        answer = engine.ask(QUESTION)
    assert message in answer.notice and "已改用离线阅读器回答" in answer.notice
    assert answer.backend == "extractive"
    assert "陈钢" in answer.answer and not answer.abstained
    assert len(server.chat_requests()) == 1


def test_a_server_that_is_down_falls_back(engine):
    down = engine_with(engine, llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    answer = down.ask(QUESTION)
    assert "无法连接" in answer.notice and answer.backend == "extractive" and "陈钢" in answer.answer


@pytest.mark.parametrize("streaming", [False, True])
def test_a_slow_server_times_out_within_the_setting(engine, server, streaming):
    slow = engine_with(engine, llm_timeout=1.0)
    server.default = Reply("太晚了[1]", delay=8)
    started = time.monotonic()
    answer = list(slow.ask_stream(QUESTION))[-1] if streaming else slow.ask(QUESTION)
    assert answer.timings["read"] < 3  # 1 s of waiting, then the offline reader
    assert time.monotonic() - started < 6
    assert "1 秒没有响应" in answer.notice and answer.backend == "extractive"


def test_a_stream_that_stalls_halfway_falls_back(engine, server):
    slow = engine_with(engine, llm_timeout=0.5)
    server.default = Reply("国家标准委主任是陈钢[1]。", pieces=["国家标准委", "主任是陈钢[1]。"], chunk_delay=3)
    *texts, answer = slow.ask_stream(QUESTION)
    assert texts[0] == "国家标准委"
    assert answer.backend == "extractive" and "没有响应" in answer.notice
    assert "".join(texts).endswith(answer.answer)


def test_the_key_is_never_logged_or_shown(engine, server, caplog):
    caplog.set_level(logging.DEBUG)
    slow = engine_with(engine, llm_timeout=0.5)
    answers = []
    server.default = Reply(status=401)
    answers.append(engine.ask(QUESTION))
    answers.extend(a for a in engine.ask_stream(QUESTION) if not isinstance(a, str))
    for reply in (Reply("国家标准委主任是陈钢[1]。"), Reply(malformed=True)):
        server.default = reply
        answers.append(engine.ask(QUESTION))
    server.default = Reply(delay=2)
    answers.append(slow.ask(QUESTION))
    answers.append(engine_with(engine, llm_base_url=f"http://127.0.0.1:{free_port()}/v1").ask(QUESTION))
    assert any(r.levelno == logging.WARNING and "401" in r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 10
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in str(record.args) and "SECRET123" not in record.getMessage()
    for answer in answers:
        assert "SECRET123" not in json.dumps(answer.to_dict(), ensure_ascii=False)
    assert "SECRET123" not in repr(engine.settings)


def test_failure_messages_are_scrubbed(engine):
    settings = engine.settings.replace(llm_base_url="http://user:pa55word@127.0.0.1:9/v1")
    text = scrub(f"refused {KEY} and Authorization: Bearer other-token at {settings.llm_base_url}", settings)
    assert KEY not in text and "other-token" not in text and "pa55word" not in text
    assert "pa55word" not in describe_failure(ConnectionError("down"), settings)


# ---------------------------------------------------------------- Ollama


def test_ollama_prompt_citations_and_streaming(ollama, server):
    pieces = ["国家标准委主任", "是陈钢[", "1]。"]
    server.default = Reply("".join(pieces), pieces=pieces, chunk_delay=0.1)
    answer = ollama.ask(QUESTION)
    (request,) = server.chat_requests()
    assert request.path == "/api/chat" and request.json["model"] == "fake"
    assert QUESTION in request.prompt and len(given_passages(request.prompt)) == len(answer.sources)
    assert answer.answer == "国家标准委主任是陈钢[1]。" and answer.backend == "ollama"
    *texts, streamed = ollama.ask_stream(QUESTION)
    assert "".join(texts) == streamed.answer and len(texts) >= 2
    assert server.chat_requests()[1].json.get("stream", True) is True


def test_ollama_invalid_citation_and_gate(ollama, server):
    server.default = Reply("国家标准委主任是陈钢[5][1]。")
    answer = ollama.ask(QUESTION)
    assert answer.answer == "国家标准委主任是陈钢[1]。" and "[5]" in answer.notice
    server.reset()
    assert ollama.ask("今天上证指数收在多少点？").abstained
    assert server.chat_requests() == []


@pytest.mark.parametrize("reply, message", [(Reply(status=500), "HTTP 500"), (Reply(malformed=True), "无法解析")])
def test_ollama_failures_fall_back(ollama, server, reply, message):
    server.default = reply
    answer = ollama.ask(QUESTION)
    assert message in answer.notice and answer.backend == "extractive"


def test_ollama_down_falls_back(ollama):
    down = engine_with(ollama, llm_base_url=f"http://127.0.0.1:{free_port()}")
    assert "无法连接" in down.ask(QUESTION).notice


def test_the_fake_server_lists_models(server):
    with urllib.request.urlopen(f"{server.openai_url}/models", timeout=5) as response:
        assert json.load(response)["data"][0]["id"] == "fake"
    with urllib.request.urlopen(f"{server.url}/api/tags", timeout=5) as response:
        assert json.load(response)["models"][0]["name"] == "fake"


# ---------------------------------------------------------------- prompts


def test_prompts_are_read_from_the_prompts_dir(engine, server, tmp_path, monkeypatch):
    for name in ("system.txt", "condense.txt"):
        (tmp_path / name).write_text((PROJECT_ROOT / "prompts" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "user.txt").write_text("自定义模板。资料：\n{passages}\n\n问题：{question}", encoding="utf-8")
    monkeypatch.setenv("QA_PROMPTS_DIR", str(tmp_path))
    custom = Engine(Settings.load(**{k: getattr(engine.settings, k) for k in (
        "vectorstore", "backend", "llm_base_url", "llm_model", "llm_api_key")}), embeddings=engine.index.embeddings)
    assert custom.settings.prompts_dir == tmp_path
    server.default = Reply("陈钢[1]")
    custom.ask(QUESTION)
    assert "自定义模板" in server.chat_requests()[0].prompt


@pytest.mark.parametrize("user_text, error", [
    (None, "not found"),
    ("资料：{passages}", "{question}"),
    ("{passages} {question} {answer}", "{answer}"),
    ("{passages} {question} {", "invalid"),
])
def test_a_bad_prompt_template_gives_a_clear_error(tmp_path, user_text, error):
    for name in ("system.txt", "condense.txt"):
        (tmp_path / name).write_text((PROJECT_ROOT / "prompts" / name).read_text(encoding="utf-8"), encoding="utf-8")
    if user_text is not None:
        (tmp_path / "user.txt").write_text(user_text, encoding="utf-8")
    with pytest.raises(PromptError, match=re.escape(error)) as info:
        load_prompts(tmp_path)
    assert "user.txt" in str(info.value)


def test_a_bad_prompt_dir_stops_the_llm_reader(engine, tmp_path):
    broken = engine_with(engine, prompts_dir=tmp_path)
    with pytest.raises(PromptError, match="not found"):
        broken.reader_for("openai")


# ---------------------------------------------------------------- parsing


def parse(pieces: list[str], passages: int = 3, script: str = "hans") -> tuple[AnswerParser, list[str]]:
    parser = AnswerParser(passages, script)
    shown = [p for piece in pieces for p in parser.feed(piece)] + parser.finish()
    return parser, shown


def test_parser_renumbers_markers_split_across_pieces():
    parser, shown = parse(["甲", "[", "3", "]乙【2", "】丙[3, 1", "]"])
    assert "".join(shown) == "甲[1]乙[2]丙[1][3]"
    assert parser.used == [2, 1, 0]


def test_parser_hides_a_think_block_and_spots_refusals():
    parser, shown = parse(["<thi", "nk>想一想[1]</think>\n", "【无答", "案】"])
    assert shown == [] and parser.refused()
    parser, shown = parse(["资料中没有提到这个人。"])
    assert parser.refused()
    parser, shown = parse(["无锡不在资料中[1]"])
    assert not parser.refused() and shown


def test_citation_markers_have_one_grammar_for_readers_and_the_model():
    from qa import citations

    written = "甲【2】乙[资料1, 3]丙［2］丁[附件]"
    assert citations.normalise(written, lambda n: None if n == 3 else n) == "甲[2]乙[1]丙[2]丁[附件]"
    assert citations.cited("甲[2]乙[1][2]") == [2, 1] and citations.numbers("甲[2]乙[1][2]") == [2, 1, 2]
    assert citations.renumber("甲[2]乙[1]", {2: 1, 1: 2}.get) == "甲[1]乙[2]"
    assert citations.strip("陈钢 [1]，周乃翔【2】[1, 3]。") == "陈钢，周乃翔。"


def test_parser_keeps_brackets_that_are_not_citations():
    parser, shown = parse(["见[附件]和[", "x"])
    assert "".join(shown) == "见[附件]和[x" and not parser.used


# ---------------------------------------------------------------- follow-up questions


HISTORY = [("陳鋼是誰？", "國家標準委主任陳鋼 [1]")]


@pytest.mark.parametrize("history, question, expected", [
    (HISTORY, "他还说了什么？", "陳鋼还说了什么？"),
    ([("国家标准委主任是谁？", "国家标准委主任陈钢\n\n原文：……[1]")], "他说了什么？", "陈钢说了什么？"),
    ([("苏州质监局在会上做了什么？", "交流发言 [1]")], "该局局长是谁？", "苏州质监局局长是谁？"),
    ([("国家级城市综合服务标准化试点在哪里揭牌？", "在动员会上 [1]")], "那个试点有几个服务领域？",
     "国家级城市综合服务标准化试点有几个服务领域？"),
    ([("周乃翔说了什么？", "……")], "陈钢呢？", "陈钢说了什么？"),
    (HISTORY, "周乃翔是谁？", "周乃翔是谁？"),
    ([], "他还说了什么？", "他还说了什么？"),
    (HISTORY, "我该问什么？", "我该问什么？"),
])
def test_resolve_followup(history, question, expected):
    assert resolve_followup(question, history) == expected


def test_condense_question_asks_the_model_with_the_conversation(engine, server):
    server.default = Reply("陈钢还说了什么？")
    assert condense_question(engine.settings, "他还说了什么？", HISTORY) == "陈钢还说了什么？"
    (request,) = server.chat_requests()
    assert "陳鋼是誰？" in request.prompt and "他还说了什么？" in request.prompt
    server.reset()
    assert condense_question(engine.settings, "陈钢是谁？", []) == "陈钢是谁？"
    assert server.chat_requests() == []


def test_condense_question_falls_back_to_the_offline_rules(engine, server):
    # The answer follows the script of the question, so the rewrite keeps it.
    server.default = Reply(status=500)
    assert condense_question(engine.settings, "他还说了什么？", HISTORY) == "陈钢还说了什么？"
    server.reset()
    offline = engine.settings.replace(backend="extractive")
    assert condense_question(offline, "他还说了什么？", HISTORY) == "陈钢还说了什么？"
    assert condense_question(offline, "他還說了什麼？", [("陈钢是谁？", "陈钢")]) == "陳鋼還說了什麼？"
    assert server.chat_requests() == []
