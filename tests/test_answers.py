"""Answers users get: facts, script, citations, refusals — on the article and on other news."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from qa import Engine, QuestionError, Settings
from qa.chunking import split_sentences
from qa.cli import cli
from qa.text import clean, fold

from .conftest import FIXTURES


def _has(answer_text: str, *facts: str) -> bool:
    return all(fold(f) in fold(answer_text) for f in facts)


# The rule reader (QA_BACKEND=rules) on the project's own news questions: the neural
# default's behaviour is in tests/test_neural.py and the quality gates.


def test_the_rule_reader_lists_the_speakers_in_the_script_of_the_question(article_engine):
    hant = article_engine.ask("誰在會上作了重要講話？", backend="rules")
    hans = article_engine.ask("谁在会上作了重要讲话？", backend="rules")
    for result in (hant, hans):
        assert not result.abstained
        assert _has(result.answer, "周乃翔", "靳道强", "陈钢")
    assert "陳鋼" in hant.answer and "陈钢" in hans.answer


def test_both_scripts_and_full_width_digits_find_the_same_evidence(article_engine):
    a = article_engine.search("試點應用在多少個專業服務領域？", k=1)[0]
    b = article_engine.search("试点应用在多少个专业服务领域？", k=1)[0]
    c = article_engine.search("试点应用在１３个专业服务领域吗？", k=1)[0]
    assert a.chunk_id == b.chunk_id == c.chunk_id
    assert "13個專業服務領域" in a.text


def test_answer_cites_sources_with_offsets_into_the_document(article_engine):
    result = article_engine.ask("蘇州的標準化試點應用在多少個專業服務領域？")
    assert not result.abstained
    assert _has(result.answer, "13个")
    assert "[1]" in result.answer
    first = result.sources[0]
    raw = article_engine.index.raw_text(first.doc_id)
    assert first.doc_id == "article.txt" and first.end > first.start
    assert "13" in raw[first.start : first.end]
    assert first.highlight and "13" in first.text[first.highlight[0] : first.highlight[1]]
    assert set(result.timings) >= {"retrieve", "read", "total"}


@pytest.mark.parametrize(
    "question",
    ["這次會議的預算是多少錢？", "会议在哪个酒店举行？", "昨晚的中超联赛谁赢了？", "高阳在会上讲了什么？"],
)
def test_the_rule_reader_refuses_questions_the_article_cannot_answer(article_engine, question):
    result = article_engine.ask(question, backend="rules")
    assert result.abstained
    assert "没有提到" in fold(result.answer)


@pytest.mark.parametrize(
    "question, facts",
    [
        ("会议是哪天召开的？", ["9月7日"]),
        ("会上有几家单位做了交流发言？", ["4家"]),
        ("靳道强是什么职务？", ["局长"]),
        ("周乃翔從哪幾個方面匯報了工作？", ["品牌建设", "转型升级"]),
        # English, matched by meaning: the dated sentence, not the nearer one with "2011年度"
        ("When was the meeting held?", ["9月7日"]),
    ],
)
def test_question_types_get_concise_answers_from_the_rule_reader(article_engine, question, facts):
    result = article_engine.ask(question, backend="rules")
    assert not result.abstained
    assert _has(result.concise or result.answer, *facts), result.answer


# ---------------------------------------------------------------- answers as data


def _markers(text: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})


def _assert_citations_hold(result) -> None:
    """Every [n] of the text has a Citation of sources[n - 1] whose text holds the cited span."""
    assert [c.n for c in result.citations] == _markers(result.answer), result.answer
    for c in result.citations:
        source = result.sources[c.source]
        assert c.source == c.n - 1
        assert (c.doc_id, c.chunk_id) == (source.doc_id, source.chunk_id)
        start, end = c.span
        assert 0 <= start < end <= len(source.text)
        assert (start, end) == source.highlight


def test_an_answer_carries_its_concise_answer_and_supporting_sentence(article_engine):
    result = article_engine.ask("蘇州的標準化試點應用在多少個專業服務領域？")
    assert not result.abstained and result.qtype == "count" and result.reason == ""
    assert result.concise and _has(result.concise, "13个") and result.concise in result.answer
    assert result.support and result.support in result.answer
    first = result.citations[0]
    cited = result.sources[first.source].text[first.span[0] : first.span[1]]
    # The cited (highlighted) span is where the answer is: it holds the concise answer and
    # lies in the supporting sentence (as in the source, but in the script of the question).
    assert fold(result.concise) in fold(cited) and fold(cited) in fold(result.support)
    # one sentence of the source, or the clauses of it around the answer when it is long
    assert any(s.start <= first.span[0] < first.span[1] <= s.end for s in split_sentences(result.sources[first.source].text))


@pytest.mark.parametrize(
    "question, history",
    [
        ("谁在会上作了重要讲话？", None),
        ("为什么要打造质量强市？", None),  # no concise answer: the sentence alone
        ("周乃翔是谁？他肯定了哪方面？", None),  # two questions in one, renumbered together
        ("他还说了什么？", [("陈钢是谁？", "国家标准委主任陈钢 [1]")]),  # cites two sources
    ],
)
def test_every_citation_marker_has_a_citation_of_a_source_holding_the_cited_span(article_engine, question, history):
    result = article_engine.ask(question, history=history)
    assert not result.abstained and result.citations, result.answer
    _assert_citations_hold(result)


def test_cited_spans_are_also_given_as_offsets_in_the_raw_document(article_engine, bridge_engine):
    # The article's raw text holds pinyin readings (質(zhì)量) that the passages do not.
    for engine, question in ((article_engine, "会议是哪天召开的？"), (bridge_engine, "大桥总投资多少钱？")):
        result = engine.ask(question)
        for c in result.citations:
            source = result.sources[c.source]
            raw = engine.index.raw_text(c.doc_id)
            assert c.start is not None and source.start <= c.start < c.end <= source.end
            assert clean(raw[c.start : c.end]).text == source.text[c.span[0] : c.span[1]]


def test_a_refusal_gives_its_reason_and_cites_nothing(article_engine):
    result = article_engine.ask("這次會議的預算是多少錢？")
    assert result.abstained
    assert "预算" in result.reason
    assert result.citations == [] and result.concise == "" and result.support == ""
    assert result.qtype == "count" and result.standalone_question == ""


def test_a_follow_up_reports_the_standalone_question_it_was_retrieved_with(article_engine):
    result = article_engine.ask("他还说了什么？", history=[("陈钢是谁？", "国家标准委主任陈钢 [1]")])
    assert result.question == "他还说了什么？"
    assert result.standalone_question == "陈钢还说了什么？"
    assert article_engine.ask("陈钢还说了什么？").standalone_question == ""


@pytest.fixture(scope="module")
def bridge_engine(tmp_path_factory):
    engine = Engine(Settings(vectorstore=tmp_path_factory.mktemp("bridge"), default_documents=()))
    engine.ingest([FIXTURES / "bridge_news.txt"])
    return engine


@pytest.mark.parametrize(
    "question, facts",
    [
        ("谁为大桥剪彩？", ["李明远", "张晓华"]),
        ("大橋是哪天通車的？", ["10月18日"]),
        ("白沙洲二号大桥全长多少公里？", ["4.6公里"]),
        ("大桥总投资多少钱？", ["52亿元"]),
        ("有多少名工人参与了施工？", ["3200名"]),
        ("通车后能节省多少时间？", ["20分钟"]),
        ("谁出席了通车仪式？", ["李明远", "张晓华"]),
        ("大桥建设攻克了哪些技术难题？", ["深水基础", "大跨度钢梁架设"]),
        ("大桥是几车道的？", ["六车道"]),  # counted without a measure word: not 设计时速80公里
        ("大桥有几个车道？", ["六车道"]),
    ],
)
def test_the_rule_reader_works_on_other_news_text(bridge_engine, question, facts):
    result = bridge_engine.ask(question, backend="rules")
    assert not result.abstained and _has(result.concise or result.answer, *facts), result.answer


@pytest.mark.parametrize(
    "question",
    [
        "大桥的设计师是谁？",
        "大桥的收费标准是多少？",
        "谁主持了通车仪式？",  # the people are there, but nobody 主持 anything
        "那3200名工人分别来自哪些单位？",  # the group is counted, its members never listed
        "张晓华是哪一年当上副市长的？",  # her title is there, not when she got it
    ],
)
def test_the_rule_reader_refuses_near_misses_on_other_news_text(bridge_engine, question):
    assert bridge_engine.ask(question, backend="rules").abstained


@pytest.mark.parametrize("backend", [None, "rules"])
def test_a_question_after_a_sum_of_money_gets_no_length_for_an_answer(bridge_engine, backend):
    # the span model answered 大桥的造价是多少？ with the main span, 680米; the report gives the
    # investment (总投资约52亿元), which may answer it, and nothing else in a currency
    result = bridge_engine.ask("大桥的造价是多少？", backend=backend)
    assert result.abstained or "元" in result.concise, (result.concise, result.answer)


@pytest.mark.parametrize("backend", [None, "rules"])
@pytest.mark.parametrize(
    "question, concise",
    [
        ("When did the bridge open to traffic?", "10月18日"),
        ("How many workers took part in the construction?", "3200名"),
        ("What is Zhang Xiaohua's position?", "武汉市副市长"),  # 张晓华, spelled in pinyin
        ("Who is Li Mingyuan?", "交通运输厅厅长"),
        ("How much time will the trip save?", "20分钟"),  # a time, not a sum: was 52亿元
    ],
)
def test_english_questions_get_a_short_answer_from_the_clause_closest_in_meaning(bridge_engine, question, concise, backend):
    result = bridge_engine.ask(question, backend=backend)
    assert not result.abstained and concise in result.concise, (result.concise, result.answer)


@pytest.mark.parametrize(
    "question, concise",
    [
        ("How much did the bridge cost?", "52亿元"),
        ("How many lanes does the bridge have?", "六车道"),
    ],
)
def test_an_english_question_naming_its_measure_finds_the_number_beyond_the_passage_closest_in_meaning(
        bridge_engine, question, concise):
    # Retrieval by meaning ranks the paragraph about the workers first for both questions;
    # the figure asked for is in another paragraph, the only one with money or lanes.
    result = bridge_engine.ask(question)
    assert not result.abstained and result.concise == concise, (result.concise, result.answer)


@pytest.mark.parametrize("backend", [None, "rules"])
def test_an_english_count_of_a_noun_chinese_counts_with_a_classifier_finds_it(article_engine, backend):
    # aspects is 方面, which the article counts as 五個方面: a classifier, then the noun
    result = article_engine.ask("How many aspects did the mayor report on?", backend=backend)
    assert not result.abstained and "五" in result.concise, (result.concise, result.answer)


@pytest.mark.parametrize("backend", [None, "rules"])
@pytest.mark.parametrize("engine_name, question, source", [
    ("bridge_engine", "这篇报道出自哪家通讯社？", "新华社"),
    ("article_engine", "這篇報道的來源是哪裡？", "中國質量新聞網"),  # its opening is the fifth passage retrieved
    ("article_engine", "Which news outlet published this report?", "中國質量新聞網"),
])
def test_a_question_after_the_reports_publisher_gets_the_source_of_its_dateline(request, engine_name, question, source,
                                                                                backend):
    result = request.getfixturevalue(engine_name).ask(question, backend=backend)
    assert not result.abstained and result.concise == source, (result.concise, result.answer)
    assert any(source in s.text for s in result.sources)


@pytest.mark.parametrize("question, person", [
    ("国家质检总局出席会议的是哪位？", "高阳"),  # the span model answered with the meeting's name
    ("江苏省质监局派谁出席了会议？", "靳道强"),  # ... and with 姚东明, a neighbour in the list
    ("苏州市副市长是谁？", "浦荣皋"),  # ... and with 周乃翔, 苏州市委副书记、市长
    ("苏州市长是谁？", "周乃翔"),  # 市长 is in both their titles: the span model's pick stands
    ("谁代表江苏省质监局出席了会议？", "靳道强"),  # 代表 (on behalf of) is not the act asked about: 出席 is
])
def test_a_question_after_whom_a_body_sent_or_who_holds_a_post_gets_the_person_titled_with_it(article_engine, question,
                                                                                                person):
    result = article_engine.ask(question)
    assert not result.abstained and fold(result.concise) == person, (result.concise, result.answer)


@pytest.mark.parametrize("backend", [None, "rules"])
@pytest.mark.parametrize("engine_name, question, organisation", [
    ("article_engine", "陈钢是哪个单位的主任？", "国家标准委"),  # the span model answered 周乃翔市长、靳道强局长
    ("article_engine", "高阳来自哪个部门？", "国家质检总局质量司"),
    ("bridge_engine", "李明远是哪个单位的？", "湖北省交通运输厅"),
])
def test_a_question_after_a_persons_organisation_gets_the_organisation_of_their_title(request, engine_name, question,
                                                                                   organisation, backend):
    result = request.getfixturevalue(engine_name).ask(question, backend=backend)
    assert not result.abstained and fold(result.concise) == organisation, (result.concise, result.answer)


def test_a_question_after_one_body_of_a_kind_gets_the_one_item_of_that_kind_from_a_list(article_engine):
    # the span model gave 苏州质监局、常熟市政府: two of the four bodies that spoke
    result = article_engine.ask("哪个县级市政府在会上发言？")
    assert not result.abstained and fold(result.concise) == "常熟市政府", (result.concise, result.answer)


@pytest.fixture(scope="module")
def policy_engine(tmp_path_factory):
    engine = Engine(Settings(vectorstore=tmp_path_factory.mktemp("policy"), default_documents=()))
    engine.ingest([FIXTURES / "policy_news.txt"])
    return engine


@pytest.mark.parametrize("backend", [None, "rules"])
@pytest.mark.parametrize(
    "question, title",
    [
        ("Which regulation did the State Council meeting approve?", "《城市公共交通条例(草案)》"),
        ("What plan did the meeting ask all regions to implement?", "《大气污染防治行动计划》"),
    ],
)
def test_an_english_question_after_a_document_gets_its_title_in_guillemets(policy_engine, question, title, backend):
    # Two titles in two paragraphs: the one of the clause closest in meaning answers.
    result = policy_engine.ask(question, backend=backend)
    assert not result.abstained and result.concise == title, (result.concise, result.answer)


@pytest.mark.parametrize("question", ["What was the total investment in the bridge?", "What did the bridge cost?"])
def test_an_english_question_after_an_amount_of_money_gets_the_sum(bridge_engine, question):
    result = bridge_engine.ask(question)
    assert not result.abstained and result.concise == "52亿元", (result.concise, result.answer)


def test_an_english_question_after_money_the_text_never_gives_is_refused(bridge_engine):
    # The nearest sentence in meaning counts workers; no sum of money is paid to anyone.
    assert bridge_engine.ask("What was the prize money for the workers?").abstained


@pytest.mark.parametrize(
    "question",
    [
        "Who designed the bridge?",  # the nearest clause names officials who cut the ribbon
        "Who is Wang Qiang?",  # a name in pinyin that no one in the text has
        "Which company built the bridge?",
    ],
)
def test_english_questions_the_text_cannot_answer_in_short_get_no_short_answer(bridge_engine, question):
    result = bridge_engine.ask(question)
    assert result.concise == "", result.concise


def test_an_english_count_of_people_is_not_answered_with_a_count_of_something_else(article_engine):
    result = article_engine.ask("How many people attended the meeting?")  # the text counts units (4家), not people
    assert result.abstained or "家" not in result.concise, result.concise


@pytest.mark.parametrize("question, message", [("", "空"), ("   ", "空"), ("问" * 600, "太长")])
def test_empty_or_huge_questions_get_a_clear_message(article_engine, question, message):
    with pytest.raises(QuestionError) as err:
        article_engine.ask(question)
    assert message in str(err.value)


def test_python_api_builds_the_default_index_on_first_use(monkeypatch, tmp_path):
    import qa.chain

    monkeypatch.setattr(qa.chain, "_default", None)
    from qa import ask

    result = ask("国家标准委主任是谁？")
    assert _has(result.answer, "陈钢") and not result.abstained
    assert isinstance(result.sources[0].score, float)
    assert (tmp_path / "vectorstore" / "chroma").exists()


def test_streaming_yields_pieces_then_the_answer(article_engine):
    items = list(article_engine.ask_stream("会议是哪天召开的？"))
    *pieces, final = items
    assert all(isinstance(p, str) for p in pieces) and len(pieces) > 1
    assert "".join(pieces) == final.answer


def test_cli_ask_json_holds_the_answer_as_data_and_mistakes_take_one_line():
    runner = CliRunner()
    result = runner.invoke(cli, ["ask", "谁在会上作了重要讲话？", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["abstained"] is False and data["sources"][0]["doc_id"] == "article.txt"
    assert _has(data["concise"], "周乃翔", "靳道强", "陈钢") and data["concise"] in data["answer"]
    assert data["support"] in data["answer"] and data["qtype"] == "who" and data["reason"] == ""
    assert data["standalone_question"] == ""
    citation = data["citations"][0]
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    assert citation["n"] == 1 and citation["source"] == 0
    assert citation["chunk_id"] == data["sources"][0]["chunk_id"]
    start, end = citation["span"]
    # the cited span is where the answer is: it holds the concise answer, inside the support
    cited = fold(data["sources"][0]["text"][start:end])
    assert fold(data["concise"]) in cited and cited in fold(data["support"])
    assert isinstance(citation["start"], int) and citation["end"] > citation["start"]

    plain = runner.invoke(cli, ["ask", "谁在会上作了重要讲话？"])
    assert plain.exit_code == 0 and plain.output.startswith(data["answer"] + "\n\n[1] article.txt #")

    empty = runner.invoke(cli, ["ask", "  "])
    assert empty.exit_code == 1 and "Traceback" not in empty.output and "空" in empty.output

    missing = runner.invoke(cli, ["ingest", "no/such/file.txt"])
    assert missing.exit_code == 1 and "没有这个文件或文件夹" in missing.output

    info = runner.invoke(cli, ["info"])
    assert info.exit_code == 0 and "article.txt" in info.output


def test_cli_reports_a_model_mismatch_in_one_line(monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(FIXTURES / "bridge_news.txt")]).exit_code == 0
    monkeypatch.setenv("QA_EMBEDDING_MODEL", "hash")
    result = runner.invoke(cli, ["ask", "谁剪彩？"])
    assert result.exit_code == 1
    assert "qa rebuild" in result.output and "Traceback" not in result.output
    rebuilt = runner.invoke(cli, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(cli, ["ask", "谁为大桥剪彩？"]).exit_code == 0


def test_settings_precedence(monkeypatch, tmp_path):
    config = tmp_path / "qa.toml"
    config.write_text('k = 7\nchunk_size = 300\nembedding_model = "use"\n', encoding="utf-8")
    monkeypatch.setenv("QA_CONFIG", str(config))
    monkeypatch.setenv("QA_CHUNK_SIZE", "250")
    settings = Settings.load(embedding_model="hash")
    assert (settings.k, settings.chunk_size, settings.embedding_model) == (7, 250, "hash")
    assert Settings().chunk_size != 250
    assert "sk-" not in repr(Settings(llm_api_key="sk-secret"))


def test_a_question_after_one_issuers_work_gets_that_title_not_the_list_of_two(article_engine):
    # the span model's best is 《质量发展纲要(2011-2020年)》和省政府《加快推进质量强省建设的意见》
    result = article_engine.ask("要贯彻的江苏省政府文件是哪一份？")
    assert not result.abstained, result.reason
    assert result.concise == "《加快推进质量强省建设的意见》"
