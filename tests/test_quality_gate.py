"""The quality gate: the article question set through the offline default.

Thresholds sit one question below what was measured when they were last set
(see README, "Quality and speed"), for the offline default and for the rule reader;
raise them when a reader improves. Text nobody here wrote: test_quality_gate_public.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.evaluation import evaluate, load_questions

QUESTIONS = Path(__file__).resolve().parent / "data" / "article_qa.jsonl"

# Per backend: thresholds one question below what was measured. The neural default
# (2026-12-03: 67 of 72 key facts, 11 of 19 refusals, 1 false refusal) keeps its key facts
# two below, as an index built on another machine may rank a passage differently, and its
# refusals at what was measured: it trades refusals of this set's near misses for
# answering public questions (docs/reader.md). The rule reader keeps its figures.
GATE = {
    "extractive": {"keywords": 65, "refusals": 11, "false_refusals": 2, "hit_at_3": 71},
    "rules": {"keywords": 68, "refusals": 16, "false_refusals": 1, "hit_at_3": 71},
}


@pytest.fixture(scope="module", params=sorted(GATE))
def report(request, article_engine):
    rows, errors = load_questions(QUESTIONS)
    assert not errors
    return request.param, evaluate(article_engine, rows, backend=request.param)


def _count(report, predicate) -> int:
    return sum(1 for r in report.results if predicate(r))


def test_answerable_questions_get_their_key_facts(report):
    backend, report = report
    hits = _count(report, lambda r: r.answerable and r.keywords_ok)
    assert hits >= GATE[backend]["keywords"], _failures(report, lambda r: r.answerable and not r.keywords_ok)


def test_unanswerable_questions_are_refused(report):
    backend, report = report
    refused = _count(report, lambda r: not r.answerable and r.refused)
    assert refused >= GATE[backend]["refusals"], _failures(report, lambda r: not r.answerable and not r.refused)


def test_answerable_questions_are_rarely_refused(report):
    backend, report = report
    wrong = _count(report, lambda r: r.answerable and r.refused)
    assert wrong <= GATE[backend]["false_refusals"], _failures(report, lambda r: r.answerable and r.refused)


def test_evidence_is_retrieved_in_the_top_three(report):
    backend, report = report
    hits = _count(report, lambda r: r.evidence and r.evidence_rank is not None and r.evidence_rank <= 3)
    assert hits >= GATE[backend]["hit_at_3"]


def _failures(report, predicate) -> str:
    return "\n".join(f"{r.id} {r.question} -> {r.answer[:80]}" for r in report.results if predicate(r))
