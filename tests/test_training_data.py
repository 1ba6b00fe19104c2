"""The public data as the fitting scripts cut it (training/rcdata.py), without a model."""

from __future__ import annotations

from training import rcdata


def test_a_near_miss_keeps_the_paragraph_but_not_the_sentences_that_hold_the_answer():
    paragraph = "苏州市召开动员会议。陈钢出席会议！会议由浦荣皋主持，周乃翔讲话。\n会后举行了揭牌仪式。"
    near_miss = rcdata.without_answer_sentences(paragraph, ["浦榮皋"])  # answers are matched folded
    assert "浦荣皋" not in near_miss and "周乃翔" not in near_miss  # the whole sentence goes
    assert near_miss == "苏州市召开动员会议。陈钢出席会议！会后举行了揭牌仪式。"
