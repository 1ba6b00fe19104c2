"""What a question asks as the object of its verb (qa/verb_object.py), taken for a span the
span model is unsure of."""

from __future__ import annotations

import pytest

from qa import neural_reader, verb_object
from qa.neural import SpanGuess
from qa.retrieval import Passage
from qa.text import fold

SPEECH = "他强调，要贯彻落实省政府《意见》，积极争创首批全国安全生产示范城市，努力打造平安城市。"
OTHER = "他指出，临江在争创全国安全生产示范城市中迈出了实质性步伐。"


def _passages(*texts: str) -> list[Passage]:
    return [Passage(chunk_id=f"a.txt:{i}", doc_id="a.txt", text=t, start=0, end=len(t), chunk_index=i,
                    score=1.0, dense_score=None, bm25_score=None) for i, t in enumerate(texts)]


@pytest.mark.parametrize("question, verb", [
    ("临江要积极争创什么？", "争创"),
    ("临江要积极争创的是什么称号？", "争创"),  # 的是 between
    ("史特拉斯堡于1871年被并入哪个帝国?", "并入"),
    ("临江是一座什么城市？", None),  # 是 asks nothing of a verb
    ("谁出席了会议？", None),
])
def test_the_asked_verb_stands_right_before_what_the_question_asks(question, verb):
    found = verb_object.asked_verb(fold(question))
    assert (fold(question)[found[0]:found[1]] if found else None) == verb


def test_the_object_is_what_follows_the_verb_found_once_up_to_its_clause_end():
    texts = [fold(SPEECH), fold(OTHER)]
    p, start, end = verb_object.object_of(fold("市长提出临江要积极争创什么称号？"), texts)
    assert texts[p][start:end] == "首批全国安全生产示范城市"  # 积极争创 once, 争创 twice
    assert verb_object.object_of(fold("临江争创什么？"), texts) is None  # twice, and nothing of the question tells them apart
    assert verb_object.object_of(fold("临江要积极申报什么？"), texts) is None  # no passage holds the verb


def test_a_span_the_model_is_unsure_of_gives_way_to_the_verbs_object():
    passages = _passages(OTHER, SPEECH)
    unsure = SpanGuess(0, 11, 21, -2.8, 0.0, OTHER[11:21])
    taken = neural_reader.object_instead("市长提出临江要积极争创什么？", passages, unsure)
    assert taken.text == "首批全国安全生产示范城市" and taken.passage == 1
    sure = SpanGuess(0, 11, 21, 1.5, 0.0, OTHER[11:21])
    assert neural_reader.object_instead("市长提出临江要积极争创什么？", passages, sure) is sure
