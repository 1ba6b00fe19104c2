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
