"""The public reading-comprehension sets (SQuAD format) and how they are split.

Articles are numbered in file order, as in the open-collection protocol of
../shared/rc/README.md. The split is by article, the same for both sets:
  - held out of the index (protocol): i % 10 == 9 — never fit on;
  - decision fold: i % 10 == 0 — the span model never saw them; the refusal thresholds
    are fit on them (training/fit_decision.py);
  - report fold: i % 10 == 5 — never fit on at all; the dev figures come from these;
  - fit fold: every other article — the span model is trained on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.chunking import reader_sentences
from qa.text import fold


@dataclass
class Item:
    qid: str
    question: str
    context: str
    answers: list[str]
    starts: list[int]
    article: int
    paragraph: int
    title: str


def fold_of(article: int) -> str:
    if article % 10 == 9:
        return "held_out"
    if article % 10 == 0:
        return "decision"
    if article % 10 == 5:
        return "report"
    return "fit"


def load(path: str | Path) -> list[Item]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    items = []
    for a, article in enumerate(data):
        for p, para in enumerate(article["paragraphs"]):
            context = para["context"]
            for qa in para["qas"]:
                answers = [(ans["text"], ans.get("answer_start", -1)) for ans in qa.get("answers", []) if ans["text"].strip()]
                if not answers:
                    continue
                texts, starts = [], []
                for text, start in answers:
                    if context[start:start + len(text)] != text:
                        start = context.find(text)
                    if start >= 0:
                        texts.append(text)
                        starts.append(start)
                if texts:
                    items.append(Item(str(qa["id"]), qa["question"], context, texts, starts, a, p, article.get("title", "")))
    return items


def articles(path: str | Path) -> list[tuple[str, list[str]]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    return [(article.get("title", ""), [p["context"] for p in article["paragraphs"]]) for article in data]


def without_answer_sentences(text: str, answers: list[str]) -> str:
    """The text without the sentences (as the readers cut them, qa.chunking.reader_sentences)
    that hold an answer: a near miss, where the topic is still there and the asked-for
    detail is not."""
    pieces = (text[s.start:s.end] for s in reader_sentences(text))
    return "".join(p for p in pieces if not any(fold(a) in fold(p) for a in answers))


_SWAP_TAGS = ("PER", "ORG", "LOC")


def swapped_question(question: str, context: str, answers: list[str], rng) -> str | None:
    """The question about someone or something else the paragraph names: a person,
    organisation or place of the question, named in a sentence holding the answer, replaced
    by another of the same kind the paragraph names outside those sentences
    (朱建胜在会上发表了什么讲话？ over a report where 朱建胜 only attends). A near miss of
    another kind than without_answer_sentences: the sentence is there, about someone else.
    Folded text; None when the question names no such thing."""
    from qa.question import analyse_tokens  # LAC: only when swaps are asked for

    q, text = fold(question), fold(context)
    answer_sentences = [text[s.start:s.end] for s in reader_sentences(text)
                        if any(fold(a) in text[s.start:s.end] for a in answers)]
    if not answer_sentences:
        return None
    folded_answers = [fold(a) for a in answers]
    in_text = [(w, t) for w, t in analyse_tokens(text) if t in _SWAP_TAGS and len(w) >= 2]
    for name, tag in analyse_tokens(q):
        if tag not in _SWAP_TAGS or len(name) < 2 or not any(name in s for s in answer_sentences):
            continue
        others = sorted({w for w, t in in_text if t == tag and w not in q and name not in w and w not in name
                         and not (tag == "PER" and set(w) & set(name))
                         and not any(w in a or a in w for a in folded_answers)
                         and not any(w in s for s in answer_sentences)})
        if others:
            return q.replace(name, rng.choice(others))
    return None
