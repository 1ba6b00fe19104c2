"""A question after what a named speaker said is refused when the passages name that
speaker but never report what they said (qa/speech.py), not answered with what others
said."""

from __future__ import annotations

import pytest

from qa.question import analyse
from qa.speech import asks_what_was_said, unreported_speaker

NEWS = ("10月12日上午，临江市召开全市安全生产工作会议，临江市委副书记、市长王立群，"
        "省应急管理厅副厅长赵明，临江市政协副主席孙丽出席会议。会上，临江港务集团等3家单位作了交流发言。",
        "王立群市长从落实企业责任、排查重大隐患两个方面提出要求。他强调，安全生产是发展的底线。"
        "赵明副厅长对临江的工作给予肯定。")


def _silent(question: str, texts=NEWS) -> str | None:
    q = analyse(question)
    return unreported_speaker(q.folded, q.speakers, list(texts))


@pytest.mark.parametrize("question, speaker", [
    ("孙丽在会上讲了什么？", "孙丽"),  # attends only
    ("孙丽在會上發表了什麼講話？", "孙丽"),
    ("临江港务集团的发言讲了什么内容？", "临江港务集团"),  # said to have spoken, not what
    ("臨江港務集團的發言講了甚麼內容？", "临江港务集团"),  # 甚麼 as Taiwan and Hong Kong write it
])
def test_a_speaker_the_passages_list_as_attending_or_speaking_but_not_what_they_said_is_refused(question, speaker):
    assert _silent(question) == speaker


@pytest.mark.parametrize("question", [
    "王立群在会上讲了什么？",  # 他强调, the sentence after the one naming him
    "赵明说了什么？",  # 给予肯定
    "省应急管理厅赵厅长讲话里对企业提了什么要求？",  # 赵厅长 is 赵明副厅长, not the 厅 that sent him
    "周正在会上讲了什么？",  # no passage names 周正: the gate refuses, naming him
])
def test_a_speaker_reported_saying_something_or_named_nowhere_is_left_to_the_reader(question):
    assert _silent(question) is None


@pytest.mark.parametrize("question", [
    "在《寻秦记》这部小说里，嬴政的姓名叫什么？",  # 小说 is no saying
    "麻省理工的课程包含了讲堂、辅导课以及什么？",  # nor 讲堂
    "什么研究说海熊兽同时使用前肢及后肢来游泳？",  # 海熊兽 is not the one saying
    "彼得在什么杂志上发表了文章？",  # 发表 is publishing
])
def test_only_questions_after_what_the_named_speaker_said_are_read(question):
    q = analyse(question)
    assert not asks_what_was_said(q.folded, q.speakers)


@pytest.mark.parametrize("question, general", [
    ("王立群在会上讲了什么？", True),
    ("赵明副厅长作了什么指示？", True),
    ("孙丽发言的内容是什么？", True),
    ("王立群强调了什么？", False),  # one thing said: the span model's to find
    ("王立群说安全生产是什么？", False),
])
def test_a_question_after_what_someone_said_asks_for_all_of_it_unless_it_narrows_it(question, general):
    from qa.speech import asks_in_general

    q = analyse(question)
    assert asks_in_general(q.folded, q.speakers) is general


def test_all_a_speaker_is_reported_to_have_said_is_found_with_the_sentences_pointing_back():
    from qa.speech import what_was_said

    text = NEWS[1]
    p, start, end = what_was_said(["王立群"], [text])
    said = text[start:end]
    assert said.startswith("王立群市长从落实企业责任") and said.endswith("安全生产是发展的底线")
    report = "最后，省应急管理厅赵明副厅长作了重要指示。他指出，临江要守住底线。他要求，各部门加强协作。王立群市长主持会议。"
    p, start, end = what_was_said(["赵明"], [report])
    assert report[start:end] == "临江要守住底线。他要求，各部门加强协作"


def test_the_reader_answers_what_a_speaker_said_with_all_of_it_and_refuses_a_silent_one():
    from qa.neural_reader import NeuralReader
    from qa.retrieval import Passage

    passages = [Passage(chunk_id=f"doc.txt:{i}", doc_id="doc.txt", text=t, start=0, end=len(t), chunk_index=i,
                        score=1.0, dense_score=None, bm25_score=None) for i, t in enumerate(NEWS)]
    reader = NeuralReader()
    said = reader.read("王立群在会上讲了什么？", passages)
    assert not said.abstained and "安全生产是发展的底线" in said.answer and "排查重大隐患" in said.answer
    assert said.concise == ""  # all of it is the answer: there is no short one
    silent = reader.read("孙丽在会上讲了什么？", passages)
    assert silent.abstained and "孙丽" in silent.answer
    texts = [NEWS[0].replace("临江港务集团等3家", "港务集团、绿叶果园等3家"), NEWS[1]]
    passages = [Passage(chunk_id=f"doc.txt:{i}", doc_id="doc.txt", text=t, start=0, end=len(t), chunk_index=i,
                        score=1.0, dense_score=None, bm25_score=None) for i, t in enumerate(texts)]
    unnamed = reader.read("绿叶果园的代表在交流发言中讲了什么内容？", passages)  # a company LAC takes for no name
    assert unnamed.abstained and "绿叶果园" in unnamed.answer, unnamed.answer
