"""Questions that offer their answers (qa/choice.py), on hand-made passages, without an index."""

from __future__ import annotations

import pytest

from qa import choice
from qa.text import fold


@pytest.mark.parametrize("question, options", [
    ("动员会是上午还是下午开的？", ["上午", "下午"]),
    ("會議在蘇州還是南京舉行？", ["苏州", "南京"]),
    ("他是中国人还是日本人？", ["中国人", "日本人"]),
    ("该奖项每年颁发一次还是两次？", ["一次", "两次"]),
    ("道教支持還是反對同性婚姻的立法?", ["支持", "反对"]),
])
def test_the_options_are_the_words_on_either_side_of_haishi(question, options):
    assert choice.alternatives(fold(question)) == options


@pytest.mark.parametrize("question", ["你还是走吧", "苏州市长叫什么名字？", "问题还是存在吗？",
                                      "興奮單元的閾值是高還是低可以是甚麼的依據?"])
def test_a_question_without_two_options_offers_none(question):
    assert choice.alternatives(fold(question)) == []


def test_the_sentence_that_covers_the_question_says_which_option():
    passages = ["上午，代表们参观了工业园区。", "9月7日下午，苏州市召开动员会议。"]
    picked = choice.pick(["上午", "下午"], passages, {"动员会": 12.0, "开": 5.0})
    assert (picked.passage, picked.option) == (1, "下午")
    assert passages[1][picked.start:picked.end] == "下午"


def test_an_option_inside_a_longer_one_is_not_found_there():
    picked = choice.pick(["市长", "副市长"], ["周乃翔是苏州市副市长。"], {"周乃翔": 17.0})
    assert picked.option == "副市长"


def test_of_two_options_in_one_sentence_the_one_next_to_the_question_subject_is_chosen():
    text = "国家标准委主任陈钢、苏州市人大常委会副主任朱建胜出席会议。"
    assert choice.pick(["主任", "副主任"], [text], {"朱建胜": 17.0, "陈钢": 15.0}).option == "副主任"
    assert choice.pick(["主任", "副主任"], [text], {"陈钢": 15.0}).option == "主任"


def test_no_option_is_chosen_from_a_sentence_about_something_else():
    passages = ["9月7日下午，代表们参观了工业园区。"]
    assert choice.pick(["上午", "下午"], passages, {"动员会": 12.0, "召开": 8.0}) is None


def test_the_reader_answers_a_choice_question_with_the_option_and_its_sentence():
    from qa.neural_reader import NeuralReader
    from qa.retrieval import Passage

    text = "9月7日下午，蘇州市召開全市動員會議，市長周乃翔出席會議。"
    passage = Passage(chunk_id="a.txt:0", doc_id="a.txt", text=text, start=0, end=len(text), chunk_index=0,
                      score=1.0, dense_score=0.9, bm25_score=1.0)
    reading = NeuralReader().read("動員會是上午還是下午開的？", [passage])
    assert not reading.abstained
    assert reading.concise == "下午"
    assert "蘇州市召開全市動員會議" in reading.support


def test_a_choice_question_about_something_the_passages_do_not_name_is_left_to_the_gate():
    from qa.neural_reader import NeuralReader
    from qa.retrieval import Passage

    text = "三角龍是草食性恐龍，生存於白堊紀晚期。"
    passage = Passage(chunk_id="a.txt:0", doc_id="a.txt", text=text, start=0, end=len(text), chunk_index=0,
                      score=1.0, dense_score=0.9, bm25_score=1.0)
    assert NeuralReader().pick_option("畸形龍屬的恐龍是肉食性還是草食性的生物?", [passage], None) is None
    assert NeuralReader().pick_option("三角龍是肉食性還是草食性的恐龍?", [passage], None).option == "草食性"
