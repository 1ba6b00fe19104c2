"""The default offline reader: a span model fit on public reading-comprehension data.

It reads the best passages, points at the answer span, and refuses when its belief
in the best span over "no answer here" stays under a threshold; the rule reader's
answer on the same passages picks between close spans and which threshold applies.
All of it is fit on data (qa/models/reader.json, written by training/fit_decision.py).
How it was fit and what it scores: docs/reader.md.

Questions in English go to the rule-based reader (qa/reader.py): the span model
was fit on Chinese questions only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import coverage
from .neural import MODEL_PATH, SpanGuess, SpanModel, default_model
from .messages import t
from .reader import ExtractiveReader, Reading, not_mentioned_text, read_parts, refusal_text, sub_questions
from .retrieval import Passage
from .text import fold, in_script, script_of

DECISION_PATH = MODEL_PATH.with_suffix(".json")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class Decision:
    """When to answer and with which span, all fit on data (training/fit_decision.py).

    The span model's margin (its belief in a span over "no answer") must reach
    `threshold` when the rule reader (qa/reader.py) answers too, and `threshold_alone`
    when the rule reader refuses. A span that agrees with the rule reader's concise
    answer is preferred when its margin is within `agreement` of the best one."""

    threshold: float = 0.0
    threshold_alone: float = 0.0
    # ... and at least `threshold_missing` when the question names something no passage
    # mentions (qa/coverage.py).
    threshold_missing: float = float("-inf")
    agreement: float = 0.0
    passages: int = 3  # passages read, best retrieved first
    # The best passage alone is enough when its span's margin reaches this (the others
    # are then not read). Not fit yet: off.
    confident: float = float("inf")
    extra_sentences: int = 2  # more sentences shown when their spans pass the stricter threshold

    @property
    def extra_threshold(self) -> float:
        return max(self.threshold, self.threshold_alone)

    def cut(self, rules: Reading, names_missing: bool) -> float:
        base = self.threshold_alone if rules.abstained else self.threshold
        return max(base, self.threshold_missing) if names_missing else base

    @classmethod
    def load(cls, path: Path = DECISION_PATH) -> "Decision":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(threshold=float(data["threshold"]), threshold_alone=float(data.get("threshold_alone", data["threshold"])),
                   threshold_missing=float("-inf") if data.get("threshold_missing") is None else float(data["threshold_missing"]),
                   agreement=float(data.get("agreement", 0.0)), passages=int(data.get("passages", 3)),
                   confident=float(data.get("confident", "inf")))


class NeuralReader:
    """Reads with the span model; the rule reader covers English and analysis."""

    backend = "extractive"

    def __init__(self, model: SpanModel | None = None, decision: Decision | None = None,
                 rules: ExtractiveReader | None = None) -> None:
        self._model = model
        self.decision = decision or load_decision()
        self.rules = rules or ExtractiveReader()

    @property
    def model(self) -> SpanModel:
        if self._model is None:
            self._model = default_model()
        return self._model

    def use_embeddings(self, embeddings) -> None:
        self.rules.use_embeddings(embeddings)

    def read(self, question: str, passages: list[Passage], bm25=None, history=None) -> Reading:
        if script_of(question) == "en":
            return self.rules.read(question, passages, bm25, history)
        parts = sub_questions(question)
        if len(parts) > 1:
            return read_parts(parts, lambda part: self._read_one(part, passages, bm25))
        return self._read_one(question, passages, bm25)

    def _read_one(self, question: str, passages: list[Passage], bm25=None) -> Reading:
        script = script_of(question)
        read = passages[: self.decision.passages]
        rules = self.rules.read(question, read, bm25)  # also gives the question type
        qtype = rules.qtype
        if not read:
            return self._refusal(question, [], script, qtype, "no passages", bm25)
        guesses = self.read_spans(question, read)
        # The missing-names cut costs a lexical analysis; skip it when the fit left it unused.
        names_missing = self.decision.threshold_missing > float("-inf") and bool(self.missing_terms(question, read, bm25))
        best, threshold = choose(guesses, rules, self.decision, names_missing)
        if best is None or best.margin < threshold:
            margin = best.margin if best else float("-inf")
            return self._refusal(question, read, script, qtype, f"best span margin {margin:.2f} < {threshold:.2f}", bm25)
        return self._answer([best] + [g for g in guesses if g is not best], read, script, qtype)

    def read_spans(self, question: str, passages: list[Passage]) -> list[SpanGuess]:
        """Span guesses, best first: the first passage's, and the others' unless the
        first passage's best is already confident."""
        guesses = self.model.guesses(question, [p.text for p in passages[:1]])
        if len(passages) > 1 and (not guesses or guesses[0].margin < self.decision.confident):
            guesses += self.model.guesses(question, [p.text for p in passages[1:]], first=1)
            guesses.sort(key=lambda g: g.margin, reverse=True)
        return guesses

    def _answer(self, guesses: list[SpanGuess], passages: list[Passage], script: str, qtype: str) -> Reading:
        """The best span as the concise answer, its sentence as support, and the sentences
        of up to two more spans the model would answer with on their own (a question
        whose answer is spread over several sentences: who spoke, what was decided)."""
        best = guesses[0]
        sentences = [_sentence(passages, best)]
        for g in guesses[1:]:
            if len(sentences) > self.decision.extra_sentences or g.margin < self.decision.extra_threshold:
                break
            if _sentence(passages, g) not in sentences:
                sentences.append(_sentence(passages, g))
        used = list(dict.fromkeys(p for p, _, _ in sentences))
        lines = [f"{text} [{used.index(p) + 1}]" for p, _, text in sentences]
        concise = passages[best.passage].text[best.start:best.end]
        support = sentences[0][2]
        label = t("answer.source_label")  # the interface's language, whatever the question's
        answer = "\n".join(lines) if concise == support else f"{concise}\n\n{label}" + "\n".join(lines)
        highlights = {best.passage: (best.start, best.end)}
        for p, span, _ in sentences[1:]:
            highlights.setdefault(p, span)
        return Reading(
            answer=in_script(answer, script),
            abstained=False,
            used=used,
            highlights=highlights,
            concise=in_script(concise, script),
            qtype=qtype,
            support=in_script(support, script),
            support_passage=best.passage,
        )

    def _refusal(self, question, passages, script, qtype, reason, bm25) -> Reading:
        missing = self.missing_terms(question, passages, bm25)
        if missing:
            reason = f"not in the passages: {'、'.join(missing)} ({reason})"
        text = not_mentioned_text(missing[:3], script) if missing else refusal_text(script)
        return Reading(answer=text, abstained=True, qtype=qtype, reason=reason)

    def missing_terms(self, question: str, passages: list[Passage], bm25=None) -> list[str]:
        """The question's names of things that no passage mentions (what is missing)."""
        return coverage.missing_names(self.rules.analyse(question, bm25), passages)


def choose(guesses: list[SpanGuess], rules: Reading, decision: Decision,
           names_missing: bool = False) -> tuple[SpanGuess | None, float]:
    """The span to answer with and the margin it must reach (see Decision)."""
    threshold = decision.cut(rules, names_missing)
    if not guesses:
        return None, threshold
    best = guesses[0]
    if rules.abstained or not rules.concise:
        return best, threshold
    agreed = fold(rules.concise)
    for g in guesses:
        if g.margin < best.margin - decision.agreement:
            break
        if g.text and (fold(g.text) in agreed or agreed in fold(g.text)):
            return g, threshold
    return best, threshold


def _sentence(passages: list[Passage], guess: SpanGuess) -> tuple[int, tuple[int, int], str]:
    text = passages[guess.passage].text
    s0, s1 = sentence_around(text, guess.start, guess.end)
    while s0 < s1 and text[s0].isspace():
        s0 += 1
    return guess.passage, (s0, s1), text[s0:s1].rstrip()


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding text[start:end] (widened to whole sentences if it spans several)."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    found = _SENTENCE_END.search(text, max(end - 1, start))
    right = found.end() if found else len(text)
    return left, right


@lru_cache(maxsize=1)
def load_decision() -> Decision:
    return Decision.load()


def available() -> bool:
    return MODEL_PATH.exists()


def make(settings=None, offline=None):
    """The backend table's maker: this reader, or the rule reader without its weights."""
    return NeuralReader() if available() else ExtractiveReader()
