"""Chinese names an English question spells in pinyin (qa/romanized.py), on hand-made names."""

from __future__ import annotations

import pytest

from qa.romanized import is_pinyin, named_people, spelled_names, spells, unmatched


def test_a_questions_capitalised_words_are_its_spelled_names_in_both_orders():
    assert spelled_names("What is Jin Daoqiang's position?") == ["jindaoqiang", "daoqiangjin"]
    assert spelled_names("Who spoke?") == []  # a question's first word is no name


@pytest.mark.parametrize("spelled, name", [("jindaoqiang", "靳道强"), ("shanxiong", "单雄"), ("danxiong", "单雄")])
def test_any_reading_of_each_character_spells_a_name(spelled, name):
    assert spells(spelled, name)


def test_a_name_is_spelled_whole_unless_a_part_will_do():
    assert not spells("daoqiang", "靳道强")
    assert spells("daoqiang", "靳道强", within=True)
    assert spells("changshu", "常熟市政府", within=True)
    assert not spells("jindao", "靳道强")


def test_the_people_a_question_names_are_found_among_the_passages_names():
    names = ["周乃翔", "靳道强", "陈钢"]
    assert named_people("What is Jin Daoqiang's position?", names) == ["靳道强"]
    assert named_people("Who is Daoqiang Jin?", names) == ["靳道强"]
    assert named_people("Who is Li Ming?", names) == []


@pytest.mark.parametrize("word, expected", [("liming", True), ("changshu", True), ("statecouncil", False), ("who", False),
                                            ("mayor", False), ("uefa", False)])
def test_pinyin_is_told_from_english(word, expected):
    assert is_pinyin(word) is expected


def test_a_pinyin_name_no_passage_spells_is_unmatched_and_english_names_are_not_judged():
    names = ["靳道强", "常熟市政府"]
    assert unmatched("Who is Li Ming?", names) == ["Li Ming"]
    assert unmatched("What did the Changshu government say?", names) == []
    assert unmatched("Who won the UEFA Champions League?", names) == []
