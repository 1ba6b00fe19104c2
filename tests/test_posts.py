"""A question after who holds a post that the passages give to no one is refused, not
answered with the nearest titled person (qa/posts.py)."""

from __future__ import annotations

import pytest

from qa.posts import asked_member, asked_post, held_by_no_one, member_of_none
from qa.text import fold

NEWS = ("10月12日上午，临江市召开全市安全生产工作会议，临江市委副书记、市长王立群，"
        "省应急管理厅副厅长赵明，临江市政协副主席孙丽出席会议。王立群市长作了讲话。")


def _refused(question: str, span: str, texts: list[str]) -> bool:
    post = asked_post(fold(question))
    return post is not None and held_by_no_one(post, span, texts)


@pytest.mark.parametrize("question, span", [
    ("省应急管理厅厅长是谁？", "赵明"),  # the 副厅长
    ("临江市政协主席叫什么？", "孙丽"),  # the 副主席
    ("臨江市政協主席叫甚麼名字？", "孙丽"),  # 甚麼 as Taiwan writes 什麼
    ("东川市市长是谁？", "王立群"),  # another city's
    ("谁是临江市委书记？", "王立群"),  # the 副书记
    ("临江市政府的发言人是谁？", "王立群"),  # a spokesperson is a post too
])
def test_a_post_no_one_holds_is_refused(question, span):
    assert _refused(question, span, [NEWS])


@pytest.mark.parametrize("question, span", [
    ("临江市市长是谁？", "王立群"),
    ("省应急管理厅副厅长是谁？", "赵明"),
    ("谁是临江市政协副主席？", "孙丽"),
])
def test_the_holder_of_a_post_is_answered(question, span):
    assert not _refused(question, span, [NEWS])


def test_a_post_given_to_someone_in_a_sentence_of_its_own_is_not_refused():
    text = "临江大学法学院是临江大学的下属学院，创立于1993年，首任院长为周正教授。"
    assert not _refused("临江大学法学院首任院长是谁？", "周正", [text])


def test_only_questions_after_an_organisations_post_are_read():
    assert asked_post(fold("临江市副市长是谁？")).post == "副市长"
    assert asked_post(fold("局长是谁？")) is None  # whose post: the question does not say
    assert asked_post(fold("谁在会上讲话？")) is None
    # the post's own clause names its organisation, not the clause before it
    assert asked_post(fold("临江那个安全生产会上，国家安监总局来的副局长叫什么名字？")).organisations == ("国家安监总局",)


SPOKE = NEWS + "会上，临江市交通局、临江市教育局等单位作了交流发言。"


@pytest.mark.parametrize("question, span, refused", [
    ("临江市交通局是谁代表发言的？", "赵明", True),  # the report names no one of 临江市交通局
    ("临江市教育局发言的负责人是谁？", "王立群", True),
    ("省应急管理厅是谁代表出席的？", "赵明", False),  # 赵明 is titled with it
    ("谁代表临江市交通局发言？", "交通局", False),  # the span names no titled person
    ("临江市交通局是由哪位领导作交流发言的？", "赵明副市长、王立群主任", True),  # several, none of it
    ("临江市交通局是谁代表发言的？", "赵", True),  # a name cut short stands for whose it begins
])
def test_who_spoke_for_a_body_must_be_someone_the_passages_title_with_it(question, span, refused):
    bodies = asked_member(fold(question))
    assert bodies and member_of_none(bodies, span, [SPOKE]) is refused


def test_a_question_after_a_body_but_not_who_spoke_for_it_is_no_member_question():
    assert asked_member(fold("中国科学技术大学的第一任校长是谁？")) == ()



def test_a_guess_standing_in_for_a_list_of_units_is_checked_for_the_body_asked_after(article_engine):
    # the best span lists 常熟市政府 among the units that spoke; the guess taken instead names 周乃翔
    answer = article_engine.ask("常熟市政府是由哪位领导上台发言的？")
    assert answer.abstained and "常熟市政府" in answer.answer, answer.answer
