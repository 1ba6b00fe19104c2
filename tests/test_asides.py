"""What a question says about the asker is taken out before it is read (qa/asides.py)."""

import pytest

from qa.asides import read_as


@pytest.mark.parametrize("question, read", [
    ("会议是哪天开的，我那天出差没去成", "会议是哪天开的"),  # after the question
    ("我们做餐饮的，想知道市里要争创什么称号", "市里要争创什么称号"),  # before a clause that opens with 想知道
    ("我們公司想參加評選，會上表彰了哪些獎項？", "會上表彰了哪些獎項？"),  # what the asker wants
    ("听说企业也有人去，企业这边是什么人参加的", "企业这边是什么人参加的"),  # hearsay
    ("请问，陈钢是谁", "陈钢是谁"),
    ("請問陳鋼是誰？", "陳鋼是誰？"),
    ("陈钢是谁？谢谢", "陈钢是谁？"),
    ("那个，老板让我查一下，会是哪天开的啊？", "会是哪天开的？"),  # spoken: a filler, who sent the asker, a particle
    ("嗯，陈钢是谁呀", "陈钢是谁"),
    ("会是啥时候开的？", "会是什么时候开的？"),  # spoken asking words in written ones
    ("那个，老板让我查一下，会是啥时候开的啊？", "会是什么时候开的？"),  # 啥 asks, so the rest is aside
    ("陳鋼為啥說試點是創新？", "陳鋼為什麼說試點是創新？"),  # in the question's script
    ("松鸦的叫声主要有啥作用呀？", "松鸦的叫声主要有什么作用？"),
    ("陳鋼係咩職位？", "陳鋼是什麼職位？"),  # Cantonese as Hong Kong types it
    ("周乃翔除了做市長，仲兼任甚麼職位？", "周乃翔除了做市長，還兼任甚麼職位？"),
    # a 他 opening the question's last clause is the one person named before it
    ("報導裡常提到靳道強局長，請問他是哪個單位的局長？", "報導裡常提到靳道強局長，請問靳道強是哪個單位的局長？"),
])
def test_what_a_question_says_about_the_asker_is_not_read(question, read):
    assert read_as(question) == read


@pytest.mark.parametrize("question", [
    "我能不能报名？",  # the asker's clause is the question
    "我市有哪些企业获奖？",  # 我市 is the city the text is about
    "我们赴巴勒斯坦地区在取得通行证前，还需要什么手续？",  # it sets the question's terms
    "我們稱為金色啄木鳥之州，是指美國哪一個州?",
    "「我们说不可以」，这里的我们指的是谁？",  # a quotation is left whole
    "陈钢是谁？",
    "那苏州呢？",  # its 呢 is what asks
    "陈钢和周乃翔都讲了话，他说了什么？",  # which of two: the question does not say
    "？？",  # nothing to read: left to the intake
    "陈钢出席了会议，他们是谁？",
])
def test_a_question_whose_first_person_words_matter_is_read_as_asked(question):
    assert read_as(question) == question


def test_the_answer_keeps_the_question_as_asked_and_says_which_was_read(article_engine):
    result = article_engine.ask("我们单位也想评奖，会上表彰了哪些奖项？")
    assert not result.abstained and "市长质量奖" in result.concise
    assert result.question == "我们单位也想评奖，会上表彰了哪些奖项？"
    assert result.standalone_question == "会上表彰了哪些奖项？"
