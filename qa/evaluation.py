"""Scoring the engine against a question set: answers, refusals, retrieval, latency.

A question set is JSONL (one object a line) or CSV with the same fields; see
docs/evaluation.md.  ``evaluate()`` runs every question through ``engine.ask``
and returns an ``EvalReport``; ``qa.report.cli_eval()`` is what ``qa eval`` runs.

Answer scoring follows the official CMRC 2018 script (cmrc2018_evaluate.py),
applied after ``fold()`` so that Traditional/Simplified and full-/half-width
spellings compare equal:
- tokens: each Chinese character (U+4E00-U+9FA5) is a token; runs of other
  characters are split into words (the official script uses nltk.word_tokenize;
  we approximate it with a regular expression, see ``_word_tokens``);
- the official punctuation list is removed before tokenizing and before EM;
  because folding turns full-width ，？！；（） into , ? ! ; ( ), those
  half-width forms are removed too (everything else on the list is unchanged
  by folding; the list's two-character entry '……' can never match a single
  character, in the official script as here);
- F1 = 2PR/(P+R) with P = lcs/len(prediction), R = lcs/len(reference), lcs the
  longest common *contiguous* token run; best over the references;
- EM = 1 when prediction and some reference are equal after removing punctuation.

The prediction is the concise answer the backend gives (``Answer.concise``: a
name, a date, a number, a list).  Only an answer without one (a why/how answer of
the offline reader, an LLM's answer, an answer object without the field) is
scored on its text, cut by ``concise_answer``.  A refusal scores EM = F1 = 1 on a
question the documents cannot answer (``answers == []``) and 0 on any other; an
answer to an unanswerable question scores 0.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

from . import citations
from .records import QAError
from .text import DocumentError, decode_bytes, fold

# ---------------------------------------------------------------- question sets


class QuestionSetError(QAError, ValueError):
    """The question file cannot be read at all."""


@dataclass
class QuestionRow:
    question: str
    answers: list[str]
    id: str
    type: str
    keywords: list[list[str]] = field(default_factory=list)
    evidence: str = ""
    lang: str = ""
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # other fields, e.g. `doc`, kept as given

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


_KNOWN_FIELDS = ("id", "question", "answers", "type", "keywords", "evidence", "lang")


def load_questions(path: str | Path) -> tuple[list[QuestionRow], list[str]]:
    """The valid rows of a JSONL or CSV question file, and a message per bad row.

    Raises QuestionSetError when the file cannot be read at all.
    """
    path = Path(path)
    try:
        text = decode_bytes(path.read_bytes(), path.name)
    except OSError as exc:
        raise QuestionSetError(f"cannot read {path}: {exc.strerror or exc}") from None
    except DocumentError as exc:
        raise QuestionSetError(str(exc)) from None
    text = text.lstrip("\ufeff")
    if _is_csv(path, text):
        records, errors = _csv_records(text, path.name)
    else:
        records, errors = _jsonl_records(text, path.name)
    rows: list[QuestionRow] = []
    seen_ids: set[str] = set()
    for line, record in records:
        try:
            row = parse_row(record, line)
        except ValueError as exc:
            errors.append(f"{path.name}:{line}: {exc}")
            continue
        if row.id in seen_ids:
            errors.append(f"{path.name}:{line}: duplicate id {row.id!r} (row skipped)")
            continue
        seen_ids.add(row.id)
        rows.append(row)
    errors.sort(key=_line_of)
    return rows, errors


def _line_of(message: str) -> int:
    match = re.search(r":(\d+):", message)
    return int(match.group(1)) if match else 0


def _is_csv(path: Path, text: str) -> bool:
    if path.suffix.lower() == ".csv":
        return True
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return False
    return not text.lstrip().startswith("{")


def _jsonl_records(text: str, name: str) -> tuple[list[tuple[int, dict]], list[str]]:
    records, errors = [], []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"{name}:{line}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            errors.append(f"{name}:{line}: expected a JSON object, got {type(data).__name__}")
            continue
        records.append((line, data))
    return records, errors


def _csv_records(text: str, name: str) -> tuple[list[tuple[int, dict]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in reader.fieldnames or []]
    if "question" not in headers or "answers" not in headers:
        raise QuestionSetError(f"{name}: a CSV question set needs a header row with 'question' and 'answers' columns")
    reader.fieldnames = headers
    records, errors = [], []
    start = 2
    for record in reader:
        line, start = start, reader.line_num + 1  # the line a (possibly multi-line) record starts on
        if None in record:
            errors.append(f"{name}:{line}: more cells than header columns")
            continue
        if not any((v or "").strip() for v in record.values()):
            continue
        try:
            records.append((line, _csv_fields(record)))
        except ValueError as exc:
            errors.append(f"{name}:{line}: {exc}")
    return records, errors


def _csv_fields(record: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells -> JSONL-like values: `answers` is JSON or `|`-separated, `keywords` JSON or `a|b;c`."""
    data: dict[str, Any] = {k: (v or "").strip() for k, v in record.items()}
    data["answers"] = _csv_list(data["answers"], "answers", lambda s: [a.strip() for a in s.split("|") if a.strip()])
    if "keywords" in data:
        data["keywords"] = _csv_list(data["keywords"], "keywords", _split_facts)
    return data


def _csv_list(cell: str, name: str, split) -> list:
    if not cell:
        return []
    if cell.startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name} starts with '[' but is not valid JSON ({exc.msg})") from None
    return split(cell)


def _split_facts(cell: str) -> list[list[str]]:
    facts = [[s.strip() for s in fact.split("|") if s.strip()] for fact in cell.split(";")]
    return [f for f in facts if f]


def parse_row(data: dict[str, Any], line: int = 0) -> QuestionRow:
    """One question from a JSON object; raises ValueError saying what is wrong."""
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' is missing or empty")
    if "answers" not in data:
        raise ValueError("'answers' is missing (use [] for a question the documents cannot answer)")
    answers = data["answers"]
    if isinstance(answers, str):
        answers = [answers] if answers.strip() else []
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ValueError("'answers' must be a list of strings")
    answers = [a.strip() for a in answers if a.strip()]
    keywords = _parse_keywords(data.get("keywords") or [])
    evidence = data.get("evidence") or ""
    if not isinstance(evidence, str):
        raise ValueError("'evidence' must be a string")
    row_id = data.get("id")
    row_id = str(row_id).strip() if row_id not in (None, "") else f"line{line}"
    qtype = str(data.get("type") or "").strip() or ("unanswerable" if not answers else "other")
    extra = {k: v for k, v in data.items() if k not in _KNOWN_FIELDS}
    return QuestionRow(
        question=question.strip(),
        answers=answers,
        id=row_id,
        type=qtype,
        keywords=keywords,
        evidence=evidence.strip(),
        lang=str(data.get("lang") or ""),
        line=line,
        extra=extra,
    )


def _parse_keywords(value: Any) -> list[list[str]]:
    if not isinstance(value, list):
        raise ValueError("'keywords' must be a list of facts, each a list of acceptable spellings")
    facts = []
    for fact in value:
        spellings = [fact] if isinstance(fact, str) else fact
        if not isinstance(spellings, list) or not spellings or not all(isinstance(s, str) and s.strip() for s in spellings):
            raise ValueError(f"'keywords' has a bad fact {fact!r}: give a list of non-empty spellings")
        facts.append([s.strip() for s in spellings])
    return facts


# ---------------------------------------------------------------- CMRC 2018 scoring

# The punctuation list of the official cmrc2018_evaluate.py, in its order.
CMRC_PUNCTUATION = (
    "-", ":", "_", "*", "^", "/", "\\", "~", "`", "+", "=",
    "，", "。", "：", "？", "！", "“", "”", "；", "’", "《", "》", "……", "·", "、",
    "「", "」", "（", "）", "－", "～", "『", "』",
)  # fmt: skip
_PUNCTUATION = frozenset(c for p in CMRC_PUNCTUATION if len(p) == 1 for c in (p, fold(p)))
_ASCII_WORD = re.compile(r"\w+(?:[.,'’]\w+)*|[^\w\s]")


def _is_chinese(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fa5"


def _word_tokens(run: str) -> list[str]:
    """Stand-in for nltk.word_tokenize (which needs downloaded data): words, with
    numbers like 3.5 or 1,000 kept whole and every other symbol a token of its own."""
    return _ASCII_WORD.findall(run)


def cmrc_tokens(text: str) -> list[str]:
    """Chinese characters one by one, other runs as words; punctuation dropped."""
    tokens: list[str] = []
    run: list[str] = []
    for ch in fold(text).strip():
        if ch in _PUNCTUATION:
            continue  # as in the official script: skipped without ending the current run
        if _is_chinese(ch):
            tokens.extend(_word_tokens("".join(run)))
            run = []
            tokens.append(ch)
        else:
            run.append(ch)
    tokens.extend(_word_tokens("".join(run)))
    return tokens


def strip_punctuation(text: str) -> str:
    return "".join(ch for ch in fold(text).strip() if ch not in _PUNCTUATION)


def longest_common_run(a: Sequence, b: Sequence) -> int:
    """Length of the longest common contiguous run (substring) of two sequences."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best = current[j]
        previous = current
    return best


def cmrc_f1(prediction: str, references: Iterable[str]) -> float:
    predicted = cmrc_tokens(prediction)
    scores = [0.0]
    for reference in references:
        expected = cmrc_tokens(reference)
        common = longest_common_run(expected, predicted)
        if common == 0:
            continue
        precision, recall = common / len(predicted), common / len(expected)
        scores.append(2 * precision * recall / (precision + recall))
    return max(scores)


def cmrc_em(prediction: str, references: Iterable[str]) -> float:
    predicted = strip_punctuation(prediction)
    return 1.0 if any(strip_punctuation(r) == predicted for r in references) else 0.0


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def concise_answer(answer_text: str) -> str:
    """The fallback prediction for an answer that carries no concise answer (``Answer.concise``
    empty or missing): its text before the first blank line, without [n] markers.

    Answers with a concise answer are scored on that (see ``scored_prediction``), not on a cut of
    their text."""
    head = _BLANK_LINE.split(answer_text.strip(), maxsplit=1)[0]
    return citations.strip(head).strip()


def scored_prediction(answer: Any) -> str:
    """What EM/F1 score for an answer that is not a refusal: the backend's concise answer,
    or, when it gave none, ``concise_answer`` of the text."""
    concise = getattr(answer, "concise", "") or ""
    return citations.strip(concise).strip() if concise.strip() else concise_answer(answer.answer or "")


def score_answer(row: QuestionRow, prediction: str, refused: bool) -> tuple[float, float]:
    """(EM, F1) of one reply; a refusal is right exactly when the row is unanswerable."""
    if refused or not row.answerable:
        right = refused and not row.answerable
        return (1.0, 1.0) if right else (0.0, 0.0)
    return cmrc_em(prediction, row.answers), cmrc_f1(prediction, row.answers)


def keywords_found(keywords: list[list[str]], answer_text: str) -> bool:
    """Every fact has at least one of its spellings in the (folded) answer."""
    folded = fold(answer_text)
    return all(any(fold(s) in folded for s in fact) for fact in keywords)


# ---------------------------------------------------------------- retrieval

EVIDENCE_COVERAGE = 0.8


def contains_evidence(source_text: str, evidence: str) -> bool:
    """The passage holds the evidence: as a folded substring, or sharing a run of at
    least 80% of it (a chunk boundary may cut a long evidence span)."""
    evidence, source_text = fold(evidence).strip(), fold(source_text)
    if not evidence:
        return False
    if evidence in source_text:
        return True
    return longest_common_run(evidence, source_text) >= EVIDENCE_COVERAGE * len(evidence)


def evidence_rank(evidence: str, source_texts: Sequence[str]) -> int | None:
    """1-based rank of the first passage holding the evidence, or None."""
    for rank, text in enumerate(source_texts, 1):
        if contains_evidence(text, evidence):
            return rank
    return None


# ---------------------------------------------------------------- running


class Asker(Protocol):
    def ask(self, question: str, *, k: int | None = None, backend: str | None = None) -> Any: ...


@dataclass
class Retrieved:
    rank: int
    doc_id: str
    chunk_index: int
    has_evidence: bool


@dataclass
class QuestionResult:
    id: str
    line: int
    question: str
    type: str
    lang: str
    expected: list[str]
    keywords: list[list[str]]
    evidence: str
    answer: str  # the whole reply, as shown to users
    prediction: str  # what EM/F1 score: concise, or a cut of answer when there is none
    refused: bool
    em: float
    f1: float
    keywords_ok: bool | None  # None when the row has no keywords
    passed: bool
    evidence_rank: int | None
    retrieved: list[Retrieved]
    latency: float
    error: str = ""
    concise: str = ""  # the backend's concise answer (Answer.concise), "" when it gave none

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


@dataclass
class EvalReport:
    summary: dict[str, Any]
    by_type: dict[str, dict[str, Any]]
    results: list[QuestionResult]
    load_errors: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "summary": self.summary,
            "by_type": self.by_type,
            "load_errors": self.load_errors,
            "results": [asdict(r) for r in self.results],
        }

    def save_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


def passed(row: QuestionRow, refused: bool, prediction: str, answer_text: str, keywords_ok: bool | None) -> bool:
    """Pass/fail of one question: refusing when unanswerable; otherwise every keyword
    fact present, or, for a row without keywords, a reference answer inside the answer."""
    if not row.answerable:
        return refused
    if refused:
        return False
    if keywords_ok is not None:
        return keywords_ok
    folded = strip_punctuation(answer_text)
    return any(strip_punctuation(a) in folded for a in row.answers) or cmrc_em(prediction, row.answers) == 1.0


def run_question(engine: Asker, row: QuestionRow, k: int | None = None, backend: str | None = None) -> QuestionResult:
    started = time.perf_counter()
    try:
        answer = engine.ask(row.question, k=k, backend=backend)
    except Exception as exc:  # one failing question must not stop the run
        return _failed_result(row, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
    wall = time.perf_counter() - started
    text, refused = answer.answer or "", bool(answer.abstained)
    concise = getattr(answer, "concise", "") or ""
    predicted = "" if refused else scored_prediction(answer)
    em, f1 = score_answer(row, predicted, refused)
    keywords_ok = (not refused and keywords_found(row.keywords, text)) if row.keywords and row.answerable else None
    texts = [s.text for s in answer.sources]
    rank = evidence_rank(row.evidence, texts) if row.evidence else None
    retrieved = [
        Retrieved(i, s.doc_id, s.chunk_index, rank == i)
        for i, s in enumerate(answer.sources, 1)
    ]
    return QuestionResult(
        id=row.id, line=row.line, question=row.question, type=row.type, lang=row.lang,
        expected=row.answers, keywords=row.keywords, evidence=row.evidence,
        answer=text, prediction=predicted, refused=refused, em=em, f1=f1, keywords_ok=keywords_ok,
        passed=passed(row, refused, predicted, text, keywords_ok),
        evidence_rank=rank, retrieved=retrieved,
        latency=round(float((answer.timings or {}).get("total", wall)), 4), concise=concise,
    )  # fmt: skip


def _failed_result(row: QuestionRow, error: str, wall: float) -> QuestionResult:
    return QuestionResult(
        id=row.id, line=row.line, question=row.question, type=row.type, lang=row.lang,
        expected=row.answers, keywords=row.keywords, evidence=row.evidence,
        answer="", prediction="", refused=False, em=0.0, f1=0.0,
        keywords_ok=False if row.keywords and row.answerable else None, passed=False,
        evidence_rank=None, retrieved=[], latency=round(wall, 4), error=error,
    )  # fmt: skip


def evaluate(
    engine: Asker,
    rows: Sequence[QuestionRow],
    k: int | None = None,
    backend: str | None = None,
    progress: bool = False,
) -> EvalReport:
    """Ask every row and score the replies; the metrics are in ``summary``/``by_type``."""
    results = []
    for row in _progress(rows, progress):
        results.append(run_question(engine, row, k=k, backend=backend))
    meta = {"k": k, "backend": backend, "questions": len(rows), "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
    return EvalReport(summary=summarize(results), by_type=breakdown(results), results=results, meta=meta)


def _progress(rows: Sequence[QuestionRow], enabled: bool) -> Iterable[QuestionRow]:
    if not enabled:
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc="questions", unit="q", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)


# ---------------------------------------------------------------- metrics


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 4)


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    with_keywords = [r for r in results if r.keywords_ok is not None]
    with_evidence = [r for r in results if r.answerable and r.evidence]
    refusals = [r for r in results if r.refused]
    latencies = [r.latency for r in results if not r.error]
    summary: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in results if r.error),
        "accuracy": _share(sum(r.passed for r in results), len(results)),
        "em": _mean([r.em for r in results]),
        "f1": _mean([r.f1 for r in results]),
        "em_answerable": _mean([r.em for r in answerable]),
        "f1_answerable": _mean([r.f1 for r in answerable]),
        "keyword_accuracy": _share(sum(bool(r.keywords_ok) for r in with_keywords), len(with_keywords)),
        "keyword_questions": len(with_keywords),
        "refusals": len(refusals),
        "refusal_precision": _share(sum(not r.answerable for r in refusals), len(refusals)),
        "refusal_recall": _share(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _share(sum(r.refused for r in answerable), len(answerable)),
        "retrieval_questions": len(with_evidence),
    }
    for k in (1, 3, 5):
        summary[f"hit_at_{k}"] = _share(sum(r.evidence_rank is not None and r.evidence_rank <= k for r in with_evidence), len(with_evidence))
    summary["mrr"] = _mean([1 / r.evidence_rank if r.evidence_rank else 0.0 for r in with_evidence])
    summary["latency_p50"] = percentile(latencies, 50)
    summary["latency_p95"] = percentile(latencies, 95)
    summary["latency_max"] = round(max(latencies), 4) if latencies else None
    summary["latency_mean"] = _mean(latencies)
    return summary


def breakdown(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    """A few headline metrics per question type, types in first-seen order."""
    types: dict[str, list[QuestionResult]] = {}
    for r in results:
        types.setdefault(r.type, []).append(r)
    keys = ("questions", "accuracy", "em", "f1", "keyword_accuracy", "refusals", "hit_at_3", "mrr", "latency_p50")
    by_type = {}
    for qtype, group in types.items():
        summary = summarize(group)
        by_type[qtype] = {k: summary[k] for k in keys}
    return by_type


# ---------------------------------------------------------------- comparing runs

COMPARED_METRICS = (
    "accuracy", "em", "f1", "keyword_accuracy", "refusal_precision", "refusal_recall",
    "false_refusal_rate", "hit_at_1", "hit_at_3", "hit_at_5", "mrr", "latency_p50", "latency_p95",
)  # fmt: skip
F1_CHANGE = 0.05


@dataclass
class Change:
    id: str
    question: str
    old_passed: bool
    new_passed: bool
    old_f1: float
    new_f1: float
    old_answer: str
    new_answer: str


@dataclass
class Comparison:
    better: list[Change]
    worse: list[Change]
    added: list[str]  # ids only in the new run
    removed: list[str]  # ids only in the old run
    metrics: dict[str, tuple[Any, Any]]  # name -> (old, new)


def compare(old: dict[str, Any], new: EvalReport) -> Comparison:
    """Per-question changes between an earlier report.json (as a dict) and this run.

    Better: fail -> pass, or same pass/fail with F1 up by at least 0.05; worse the reverse.
    """
    old_results = {r["id"]: r for r in old.get("results", [])}
    new_results = {r.id: r for r in new.results}
    better, worse = [], []
    for rid, r in new_results.items():
        before = old_results.get(rid)
        if before is None:
            continue
        change = Change(rid, r.question, bool(before.get("passed")), r.passed, float(before.get("f1", 0.0)), r.f1,
                        before.get("answer", ""), r.answer)  # fmt: skip
        direction = _direction(change)
        if direction > 0:
            better.append(change)
        elif direction < 0:
            worse.append(change)
    old_summary = old.get("summary", {})
    return Comparison(
        better=better,
        worse=worse,
        added=[rid for rid in new_results if rid not in old_results],
        removed=[rid for rid in old_results if rid not in new_results],
        metrics={m: (old_summary.get(m), new.summary.get(m)) for m in COMPARED_METRICS},
    )


def _direction(change: Change) -> int:
    if change.old_passed != change.new_passed:
        return 1 if change.new_passed else -1
    delta = change.new_f1 - change.old_f1
    if abs(delta) >= F1_CHANGE:
        return 1 if delta > 0 else -1
    return 0
