"""The refusal gate's evidence (qa/answerable.py) on hand-made passages, without an index."""

from __future__ import annotations

from qa import answerable
from qa.neural_reader import Decision


def _features(passages, span=(0, 0, 2), margin=3.0, words=("狄拉克", "妻子"), agrees=False):
    return answerable.features(list(words), passages, span, margin, rules_answer=True, agrees=agrees)


def test_a_name_weighs_more_than_a_common_word():
    assert answerable.surprisal("狄拉克") > answerable.surprisal("妻子") > answerable.surprisal("叫")
    assert answerable.surprisal("周乃翔") > answerable.surprisal("狄拉克")  # not in the dictionary at all


def test_passages_about_the_question_cover_its_specific_words():
    about = _features(["狄拉克的妻子是玛吉特·维格纳。"])
    other = _features(["薛定谔的妻子是安妮。"])
    assert about["cover_all"] == 1.0 and about["missing_specific"] == 0.0
    assert other["cover_all"] < 0.5  # 妻子 is there, the more specific 狄拉克 is not
    assert other["missing_specific"] > 0.5


def test_coverage_near_the_span_counts_only_words_close_to_it():
    far = "狄拉克" + "。" * 200 + "他的妻子是玛吉特。"
    span = (0, far.index("玛吉特"), far.index("玛吉特") + 3)
    f = _features([far], span=span)
    assert f["cover_all"] == 1.0
    assert 0.0 < f["cover_near"] < 1.0


def test_the_fitted_gate_answers_strong_evidence_and_refuses_weak():
    gate = Decision.load().gate
    assert gate is not None, "qa/models/reader.json has no gate"
    strong = _features(["狄拉克的妻子是玛吉特·维格纳。"], margin=8.0)
    weak = dict(_features(["薛定谔的妻子是安妮。"], margin=-4.0), rules_answer=0.0)
    assert gate.answers(strong)
    assert not gate.answers(weak)
    assert gate.probability(dict(strong, margin=2.0)) < gate.probability(strong)


def test_the_span_model_and_the_rule_reader_agreeing_is_an_answer():
    gate = Decision.load().gate
    weak = dict(_features(["薛定谔的妻子是安妮。"], margin=-4.0), rules_answer=1.0)
    assert not gate.answers(weak)
    assert gate.answers(dict(weak, agrees=1.0))
