"""A who-question after an act no passage names is not answered with someone the report
only lists as present (qa/attendance.py)."""

from __future__ import annotations

import pytest

from qa import neural_reader
from qa.attendance import asks_presence, ceremony_only, only_attended, only_present, says_act, unstated_act
from qa.retrieval import Passage

REPORT = ("3月5日上午，市政府召开全市安全生产工作会议，市委副书记、市长李文华，副市长王建国、"
          "市政协副主席张敏出席会议。会上，李文华作了重要讲话，王建国通报了去年全市安全生产情况。")


def _report() -> list[Passage]:
    return [Passage(chunk_id="doc.txt:0", doc_id="doc.txt", text=REPORT, start=0, end=len(REPORT), chunk_index=0,
                    score=1.0, dense_score=None, bm25_score=None)]


def _after(span: str) -> int:
    return REPORT.index(span) + len(span)


def test_someone_listed_as_present_did_not_do_an_act_no_passage_names():
    assert only_attended(["主持"], REPORT, _after("李文华"), [REPORT])


@pytest.mark.parametrize("actions, span", [
    (["出席"], "李文华"),  # the act asked after is the attending itself
    (["通报"], "王建国"),  # the passages name the act
    ([], "李文华"),  # the question asks after no act
    (["主持"], "通报"),  # what follows the span is no verb of presence
])
def test_an_act_the_passages_name_or_a_clause_that_does_something_is_no_mere_presence(actions, span):
    assert not only_attended(actions, REPORT, _after(span), [REPORT])


@pytest.mark.skipif(not neural_reader.available(), reason="neural reader weights not built")
def test_a_question_after_who_chaired_a_meeting_the_report_lists_only_attendees_of_is_refused():
    passages, reader = _report(), neural_reader.NeuralReader()
    refused = reader.read("这次会议是谁主持的？", passages)
    assert refused.abstained and "主持" in refused.answer
    answered = reader.read("谁通报了去年全市安全生产情况？", passages)
    assert not answered.abstained and "王建国" in answered.concise


def test_an_act_texts_name_in_its_own_words_is_unstated_where_no_passage_names_it():
    assert unstated_act(["主持"], [REPORT]) == "主持"
    assert unstated_act(["主持"], [REPORT + "会议由副市长王建国主持。"]) == ""
    assert unstated_act(["通报"], ["会议听取了安全生产情况的汇报。"]) == ""  # may be worded otherwise


@pytest.mark.skipif(not neural_reader.available(), reason="neural reader weights not built")
def test_who_chaired_is_refused_whoever_the_span_names_when_no_passage_names_chairing():
    text = "3月5日上午，市政府召开全市安全生产工作会议。会上，市长李文华作了重要讲话，副市长王建国通报了去年全市安全生产情况。"
    passages = [Passage(chunk_id="doc.txt:0", doc_id="doc.txt", text=text, start=0, end=len(text), chunk_index=0,
                        score=1.0, dense_score=None, bm25_score=None)]
    reader = neural_reader.NeuralReader()
    for question in ("这次会议是由谁主持的？", "会议由谁主持？", "这次会议是由哪位领导主持的？"):  # no one only present
        refused = reader.read(question, passages)
        assert refused.abstained and "主持" in refused.answer, refused.concise


def test_someone_the_report_only_lists_as_present_did_nothing_else_it_says():
    assert only_present("张敏", [REPORT]) == "出席会议"
    assert only_present("王建国", [REPORT]) == ""  # 通报了去年全市安全生产情况
    assert only_present("赵强", [REPORT]) == ""  # not named at all


def test_a_question_about_presence_itself_is_told_apart():
    assert asks_presence("张敏出席了什么会议？")
    assert not asks_presence("张敏负责什么工作？")


@pytest.mark.skipif(not neural_reader.available(), reason="neural reader weights not built")
def test_a_question_about_someone_the_report_only_lists_as_present_says_so():
    passages, reader = _report(), neural_reader.NeuralReader()
    refused = reader.read("张敏负责什么工作？", passages)
    assert refused.abstained and "张敏出席会议" in refused.answer
    assert not reader.read("张敏是什么职务？", passages).abstained  # her title answers that


CEREMONY = ("会上，举行了市民服务中心揭牌仪式和安全生产月启动仪式，李文华、王建国分别作了讲话。"
            "最后，市长李文华作了重要指示。")


@pytest.mark.parametrize("question, act", [
    ("市民服务中心的牌子是由谁揭的？", "揭牌"),
    ("谁为市民服务中心揭牌？", "揭牌"),
    ("揭牌仪式上是哪几位领导一起揭的牌？", "揭牌"),  # the question's own 揭牌仪式 is the event, 揭 the act
    ("安全生产月是谁启动的？", "启动"),
    ("启动仪式上谁讲了话？", ""),  # 讲话 is said as such
    ("谁作了重要指示？", ""),
])
def test_an_act_the_report_names_only_as_a_ceremony_held_is_found(question, act):
    assert ceremony_only(question, [CEREMONY]) == act


def test_an_act_said_as_such_somewhere_is_no_mere_ceremony():
    assert ceremony_only("谁为市民服务中心揭牌？", [CEREMONY + "李文华为市民服务中心揭牌。"]) == ""


def test_the_act_must_be_in_the_clause_of_the_answer():
    text = "李文华为市民服务中心揭牌，王建国作了讲话。"
    assert says_act("揭牌", text, 0, 3)
    assert not says_act("揭牌", text, text.index("王建国"), text.index("王建国") + 3)


@pytest.mark.skipif(not neural_reader.available(), reason="neural reader weights not built")
def test_who_unveiled_a_plaque_at_a_ceremony_the_report_only_says_was_held_is_refused():
    passages = [Passage(chunk_id="doc.txt:0", doc_id="doc.txt", text=CEREMONY, start=0, end=len(CEREMONY),
                        chunk_index=0, score=1.0, dense_score=None, bm25_score=None)]
    reader = neural_reader.NeuralReader()
    refused = reader.read("市民服务中心的牌子是由谁揭的？", passages)
    assert refused.abstained and "揭牌" in refused.answer, refused.concise
    assert "李文华" in reader.read("谁作了重要指示？", passages).concise
