"""The quality gate on text nobody here wrote: samples of DRCD and CMRC 2018 dev.

The articles (tests/data/rc/) are ones the span model was never trained on (some of
them from the fold its refusal thresholds were fit on: a regression check, not a
measurement; the measurement is benchmarks/rc.py), plus a few held-out articles that
are kept out of the index: their questions must be refused. The protocol is benchmarks/rc.py's, on a collection small enough for
CI. Thresholds sit a few points under what was measured when they were set (README,
"Quality and speed"); a drop in F1 or a rise in false refusals fails the gate.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from qa.evaluation import cmrc_f1
from qa.text import fold

SAMPLES = Path(__file__).resolve().parent / "data" / "rc"
ANSWERABLE, HELD_OUT = 30, 8

# Measured 2026-12-02 (refusal gate of qa/answerable.py, with the missing-name and missing-topic
# evidence): DRCD F1 .475, 4/30 answerable refused, 8/8 held-out refused; CMRC F1 .623, 1/30, 7/8.
# 2026-12-04 (answers no longer restate the question, qa/restatement.py): DRCD F1 .546, 3/30, 8/8;
# CMRC F1 .591, 1/30, 7/8.  Set a few points / one question below.
GATE = {
    "drcd": {"min_f1": 0.50, "max_false_refusals": 5, "min_held_out_refusals": 7},
    "cmrc2018": {"min_f1": 0.57, "max_false_refusals": 2, "min_held_out_refusals": 6},
}


def _collection(name: str, folder: Path):
    data = json.loads((SAMPLES / f"{name}_sample.json").read_text(encoding="utf-8"))["data"]
    docs, answerable, away = [], [], []
    for article in data:
        number = article["number"]
        held_out = number % 10 == 9
        if not held_out:
            path = folder / f"{number:04d}.txt"
            path.write_text(article["title"] + "\n\n" + "\n\n".join(p["context"] for p in article["paragraphs"]) + "\n",
                            encoding="utf-8")
            docs.append(path)
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                refs = [a["text"] for a in qa["answers"] if a["text"].strip()]
                if refs:
                    (away if held_out else answerable).append((qa["question"], refs))
    rng = random.Random(11)
    rng.shuffle(answerable)
    rng.shuffle(away)
    return docs, answerable[:ANSWERABLE], away[:HELD_OUT]


@pytest.fixture(scope="module", params=sorted(GATE))
def scored(request, tmp_path_factory):
    from qa import Engine, Settings

    name = request.param
    folder = tmp_path_factory.mktemp(f"{name}-docs")
    docs, answerable, away = _collection(name, folder)
    engine = Engine(Settings(vectorstore=tmp_path_factory.mktemp(f"{name}-index"), default_documents=()))
    assert engine.ingest(docs).ok
    answered = [(engine.ask(q), refs) for q, refs in answerable]
    refused_away = [engine.ask(q).abstained for q, _ in away]
    return name, answered, refused_away


@pytest.mark.slow
def test_public_questions_get_short_answers_that_overlap_the_reference(scored):
    name, answered, _ = scored
    f1 = sum(0.0 if a.abstained else cmrc_f1(fold(a.concise), [fold(r) for r in refs]) for a, refs in answered) / len(answered)
    assert f1 >= GATE[name]["min_f1"], _misses(answered)


@pytest.mark.slow
def test_answerable_public_questions_are_rarely_refused(scored):
    name, answered, _ = scored
    refused = [a for a, _ in answered if a.abstained]
    assert len(refused) <= GATE[name]["max_false_refusals"], [a.question for a in refused]


@pytest.mark.slow
def test_questions_about_articles_outside_the_collection_are_refused(scored):
    name, _, refused_away = scored
    assert sum(refused_away) >= GATE[name]["min_held_out_refusals"]


def _misses(answered) -> str:
    return "\n".join(f"{a.question} -> {a.concise or a.answer[:40]} (want {refs[0]})"
                     for a, refs in answered if a.abstained or not cmrc_f1(fold(a.concise), [fold(r) for r in refs]))
