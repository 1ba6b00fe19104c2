"""A question after where a named person is from is answered only with a place the passages
state as someone's home, not with the city a meeting was held in (qa/origin.py)."""

from __future__ import annotations

import pytest

from qa import neural_reader
from qa.neural import SpanGuess
from qa.origin import asks_origin, states_origin
from qa.retrieval import Passage
from qa.text import fold

REPORT = ("3月5日上午，临江市召开全市安全生产工作会议，市委副书记、市长李文华，"
          "省应急管理厅副厅长赵明出席会议。")
BIOGRAPHY = "王沈，字处道，太原晋阳人。叶乔波，籍贯吉林长春，前中国女子速度滑冰运动员。"


def _stated(text: str, span: str) -> bool:
    start = text.index(span)
    return states_origin(fold(text), start, start + len(span))


@pytest.mark.parametrize("span", ["太原晋阳", "吉林长春"])
def test_a_home_is_stated_by_what_goes_on_or_comes_before_it(span):
    assert _stated(BIOGRAPHY, span)


def test_the_city_a_meeting_is_held_in_is_no_ones_home():
    assert not _stated(REPORT, "临江市")


def test_only_a_question_about_a_named_persons_home_is_read_so():
    assert asks_origin(fold("赵明是哪里人？"), ["赵明"])
    assert not asks_origin(fold("看粤语动画的观众主要是哪里人？"), [])
    assert not asks_origin(fold("赵明是哪国人？"), ["赵明"])  # a nationality is said many ways


class _Model:
    """The span model's seam: it points at the meeting's city, as the real one does."""

    def __init__(self, span: str):
        self.span = span

    def guesses(self, question, texts, first=0):
        at = texts[0].find(self.span)
        return [SpanGuess(first, at, at + len(self.span), 3.0, 0.0, self.span)] if at >= 0 else []


def _passages(text: str) -> list[Passage]:
    return [Passage(chunk_id="d:0", doc_id="d", text=text, start=0, end=len(text), chunk_index=0, score=1.0,
                    dense_score=None, bm25_score=None)]


def test_the_reader_refuses_where_someone_is_from_when_the_passages_do_not_say_it():
    reading = neural_reader.NeuralReader(model=_Model("临江市")).read("赵明是哪里人？", _passages(REPORT))
    assert reading.abstained
    assert "赵明的籍贯" in reading.answer


def test_the_reader_answers_where_someone_is_from_when_the_passage_says_it():
    reading = neural_reader.NeuralReader(model=_Model("太原晋阳")).read("王沈是哪里人？", _passages(BIOGRAPHY))
    assert not reading.abstained
    assert reading.concise == "太原晋阳"
