"""Questions after the organisation a named person belongs to get the organisation of the
title the passages give that person (qa/affiliation.py)."""

from __future__ import annotations

import pytest

from qa import affiliation
from qa.question import analyse
from qa.reader import ExtractiveReader
from qa.retrieval import Passage


def _passage(text: str) -> Passage:
    return Passage(chunk_id="doc.txt:0", doc_id="doc.txt", text=text, start=0, end=len(text), chunk_index=0,
                   score=1.0, dense_score=None, bm25_score=None)


def _asked(question: str) -> str:
    return affiliation.asked_person(analyse(question))


@pytest.mark.parametrize("question, person", [
    ("陈钢是哪个单位的主任？", "陈钢"), ("陈钢主任是哪个单位的？", "陈钢"), ("李明远来自哪个部门？", "李明远"),
    ("靳道強是哪個單位的局長？", "靳道强"), ("张忠柟是哪个学校的校长？", "张忠柟"), ("靳道强在哪个单位任职？", "靳道强"),
])
def test_a_question_after_a_named_persons_organisation_asks_for_it(question, person):
    assert _asked(question) == person


@pytest.mark.parametrize("question", [
    "陈钢是什么职务？",  # the post, not the organisation
    "高阳在哪个单位担任什么职务？",  # both: the title whole
    "国家标准委的主任是谁？",  # the person, not the organisation
    "卢卡斯在哪个大学就读？",  # where he studied: a title does not say
    "陈钢主任是哪个大学毕业的？",
    "哪个单位进行了交流发言？",  # names no one
])
def test_other_questions_do_not(question):
    assert _asked(question) == ""


@pytest.mark.parametrize("title, organisation", [
    ("国家标准委主任", "国家标准委"), ("国家质检总局质量司副司长", "国家质检总局质量司"),
    ("苏州市委副书记、市长", "苏州市委"), ("苏州市人大常委会副主任", "苏州市人大常委会"),
])
def test_the_organisation_is_what_opens_the_title(title, organisation):
    start, end = affiliation.organisation_in(title)
    assert title[start:end] == organisation


def test_a_bare_post_holds_no_organisation():
    assert affiliation.organisation_in("市长") is None


@pytest.mark.parametrize("sentence, person, organisation", [
    ("张忠柟，现任香港珠海学院校长，台湾学者。", "张忠柟", "香港珠海学院"),
    ("陈堂发是南京大学新闻传播学院副教授。", "陈堂发", "南京大学新闻传播学院"),
])
def test_a_title_after_the_name_gives_the_organisation_too(sentence, person, organisation):
    start, end = affiliation.organisation_after(sentence, person)
    assert sentence[start:end] == organisation


def test_the_title_after_a_comma_in_a_list_of_officials_belongs_to_the_next_name():
    assert affiliation.organisation_after("国家标准委主任陈钢,苏州市委副书记、市长周乃翔出席会议。", "陈钢") is None


@pytest.mark.parametrize("question, organisation", [
    ("陈钢是哪个单位的主任？", "国家标准委"),
    ("周乃翔是哪个单位的？", "苏州市委"),
    ("靳道強是哪個單位的局長？", "江蘇省質監局"),  # answered in the question's script
])
def test_the_reader_answers_with_the_organisation_and_its_sentence(question, organisation):
    passages = [_passage("会议强调，要加快推进标准化工作。"),
                _passage("国家标准委主任陈钢,苏州市委副书记、市长周乃翔,江苏省质监局局长靳道强出席会议。")]
    reading = ExtractiveReader().read(question, passages)
    assert not reading.abstained and reading.concise == organisation
    assert reading.support_passage == 1 and organisation[:2] in reading.answer


def test_a_person_the_passages_give_no_organisation_goes_to_the_reader_as_before():
    reader = ExtractiveReader()
    q = reader.analyse("浦荣皋是哪个单位的？")
    assert reader.affiliation(q, [_passage("苏州市副市长浦荣皋出席会议。")]) is None  # 苏州市 is a place
