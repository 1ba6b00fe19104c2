"""Questions answered yes or no: the reader shows the evidence, not a stray span."""

from __future__ import annotations

import pytest

from qa import yesno
from qa.text import fold


@pytest.mark.parametrize("question, asks", [
    ("陈钢是否出席了会议？", True),
    ("機關手槍可不可以連發?", True),
    ("会议有没有表彰先进地区？", True),
    ("这次会议是在上午开的吗？", True),
    ("陈钢是否出席了哪些会议？", False),  # asks for things
    ("英国测量患者是否有高血压的方法是?", False),  # asks for the method
    ("依照何标准决定是否废除?", False),  # asks for the standard
    ("何晓东是否出席了会议？", True),  # 何 the surname
    ("会议是上午还是下午开的？", False),  # offers its answers (qa/choice.py)
    ("谁出席了会议？", False),
])
def test_a_question_asks_yes_or_no_only_without_asking_for_a_thing(question, asks):
    assert yesno.asks(fold(question)) is asks


@pytest.mark.parametrize("span, verdict", [("可以", True), ("不能", True), ("没有", True), ("是", True),
                                           ("苏州市召开", False), ("可以连发", False)])
def test_only_a_bare_yes_or_no_is_a_verdict(span, verdict):
    assert yesno.is_verdict(span) is verdict


def test_a_yes_or_no_question_gets_the_sentence_that_holds_the_evidence_and_the_yes_it_states():
    from qa.neural_reader import NeuralReader
    from qa.retrieval import Passage

    text = "9月3日，全市安全生产会议在市政府召开。副市长王立群出席会议并讲话。各区县负责人参加了会议。"
    passage = Passage(chunk_id="a.txt:0", doc_id="a.txt", text=text, start=0, end=len(text), chunk_index=0,
                      score=1.0, dense_score=0.9, bm25_score=1.0)
    reading = NeuralReader().read("王立群是否出席了会议？", [passage])
    assert not reading.abstained, reading.reason
    assert reading.concise == "是" and reading.qtype == "yesno"
    assert "王立群出席会议" in reading.support and reading.support in reading.answer
    start, end = reading.highlights[0]
    assert text[start:end].strip() == reading.support


def test_an_act_no_passage_names_gets_no_yes_or_no():
    texts = ["会上，市长王立群要求各区积极争创首批安全生产示范城市。"]
    assert yesno.unstated_act(fold("临江后来有没有入选首批示范城市？"), texts) == "入选首批示范城市"
    assert yesno.unstated_act(fold("王立群有没有要求各区争创示范城市？"), texts) == ""  # 要求, 争创 are there
    assert yesno.unstated_act(fold("临江是不是首批示范城市？"), texts) == ""  # 是 decides nothing here


def test_taking_something_to_be_what_the_text_says_it_is_is_no_act_of_its_own():
    texts = ["他指出，这个试点是社会管理和公共服务模式的创新。"]
    assert yesno.unstated_act(fold("他是否把这个试点看作社会管理模式的创新？"), texts) == ""


def test_the_reader_refuses_a_yes_or_no_question_about_an_act_no_passage_names():
    from qa.neural_reader import NeuralReader
    from qa.retrieval import Passage

    text = "会上，临江市长王立群要求各区积极争创首批安全生产示范城市。"
    passage = Passage(chunk_id="a.txt:0", doc_id="a.txt", text=text, start=0, end=len(text), chunk_index=0,
                      score=1.0, dense_score=0.9, bm25_score=1.0)
    reading = NeuralReader().read("临江后来有没有入选首批示范城市？", [passage])
    assert reading.abstained and "入选" in reading.answer, reading.answer


SPEAKERS = "会上，临江市交通局、星河电子等4家单位作了交流发言，表彰了第一届“市长质量奖”，举行了安全生产示范区揭牌仪式。"
TITLES = "临江市委副书记、市长王立群，省应急管理厅副厅长赵明出席会议。"


@pytest.mark.parametrize("question, text, yes", [
    ("会上有没有举行安全生产示范区的揭牌仪式？", SPEAKERS, "有"),  # 会上 sets the scene of the clauses after it
    ("本次会议上是否举行了安全生产示范区揭牌仪式？", SPEAKERS, "是"),
    ("星河电子是不是也在会上作了交流发言？", SPEAKERS, "是"),
    ("临江市交通局是否是作交流发言的单位之一？", SPEAKERS, "是"),
    ("王立群是不是临江市委副书记？", TITLES, "是"),
    ("会上是不是也替那个安全生产示范区举行了揭牌仪式？", SPEAKERS, "是"),  # 替 the text puts otherwise
    ("王立群是否在会议最后作了讲话？", "最后，市长王立群作了讲话。", "是"),  # 在会议最后 is 最后
    ("星河电子可不可以算作发言单位？", SPEAKERS, ""),  # 算作 is not there
    ("星河电子有没有受到表彰？", SPEAKERS, ""),  # 表彰 is, but in another clause
    ("临江市是不是在会上作了交流发言？", SPEAKERS, ""),  # 临江市交通局 spoke, not the city
    ("赵明是不是省应急管理厅厅长？", TITLES, ""),  # he is the 副厅长
    ("王立群是不是临江市委书记？", TITLES, ""),
    ("临江是不是安全生产示范城市？", "会上，市长王立群要求积极争创安全生产示范城市。", ""),  # striving is not being
    ("星河电子是否作了交流发言？", "会上，星河电子没有作交流发言。", ""),
])
def test_yes_is_said_only_where_one_clause_states_everything_the_question_says(question, text, yes):
    assert yesno.verdict(fold(question), fold(text)) == yes
