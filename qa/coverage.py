"""Does the evidence cover the question? One check for every reader.

The LLM backends run it before calling their model (a question whose names appear
in no passage is refused without a call), and the offline readers use it to say what
is missing ("文中没有提到酒店"). Whether the passages actually answer is the reader's
own decision on top of it (qa/neural_reader.py: a threshold fit on data).
"""

from __future__ import annotations

import re
from typing import Iterator

from .bm25 import cut
from .chunking import reader_sentences
from .intake import lexicon_lines
from .question import (FILLER_WORDS, FRAME_NOUNS, QUESTION_WORDS, Question, analyse, asked_kind, quoted_terms,
                       quoted_titles)
from .text import fold


def in_order_close(term: str, evidence: str) -> bool:
    """The term's characters occur in the evidence in order, at most three apart: an
    abbreviation (央行 in 中央银行) or a surname with a title (靳局长 in 靳道强局长)."""
    return in_order_pattern(term).search(evidence) is not None


def in_order_pattern(term: str) -> re.Pattern:
    """Where in_order_close finds the term."""
    return re.compile(".{0,3}".join(map(re.escape, term)))


def mentioned(term: str, evidence: str) -> bool:
    """term occurs in the (folded) evidence, or as its parts: a compound whose parts all
    occur (周市长 = 周 + 市长), or an abbreviation whose characters occur in order close
    together (央行 in 中央银行)."""
    if term in evidence:
        return True
    if len(term) >= 2 and in_order_close(term, evidence):
        return True
    pieces = [p for p in cut(term) if p not in FRAME_NOUNS and p not in QUESTION_WORDS and p not in FILLER_WORDS]
    if len(pieces) > 1 and all(p in evidence for p in pieces):
        return True
    return len(term) >= 3 and any(term[:i] in evidence and term[i:] in evidence for i in range(1, len(term)))


def missing_names(q: Question, passages) -> list[str]:
    """The names of things the question mentions that no passage mentions, in question order;
    a missing part of the kind asked for stands for the whole kind (会议中心, not 中心, for
    会议在哪个会议中心召开？ when the passages speak of 会议)."""
    evidence = fold("".join(p.text for p in passages))
    kind = asked_kind(q.folded)
    in_order = sorted(q.nouns, key=lambda n: (q.folded.find(n), -len(n)))  # 主持人 before its 主持
    missing = [n for n in in_order if not mentioned(n, evidence)]
    return list(dict.fromkeys(kind if n in kind and kind not in evidence else n for n in missing))


def quotes_missing(question: str, evidence: str) -> list[str]:
    """What the (folded) question quotes, in 《》 or in quotation marks, that the (folded)
    evidence does not hold whole; each with its marks (《伯尔尼条约》, “电视之父”). A work is
    named by its title as written, and a term put in quotes is the text's own: each of the
    347 titles and of the 193 short quoted terms of DRCD and CMRC dev questions is in its
    own paragraph, so a passage without it is about another thing (布鲁塞尔条约 for
    《伯尔尼条约》是哪一年签署的？, 詹姆斯·史都华 for 谁被尊称为「电视之父」？), however well the
    rest fits."""
    titles = [f"《{t}》" for t in quoted_titles(question) if t not in evidence]
    return titles + [f"“{t}”" for t in quoted_terms_missing(question, evidence)]


def quoted_terms_missing(question: str, evidence: str) -> list[str]:
    """The terms the (folded) question puts in quotation marks that the (folded) evidence
    does not hold, without their marks (电视之父 of 「电视之父」)."""
    return [t for t in quoted_terms(question) if t not in evidence]


_STATED_WORDS = tuple(lexicon_lines("stated_words"))


def stated_words_missing(question: str, evidence: str) -> list[str]:
    """The words of qa/lexicons/stated_words.txt (主题, 宗旨) the (folded) question asks after
    that the (folded) evidence never holds: a text giving a theme says 主题."""
    return [w for w in _STATED_WORDS if w in question and w not in evidence]


def sentences_by_cover(passages: list[str], weights: dict[str, float]) -> Iterator[tuple[int, int, int, str, float]]:
    """Each sentence of the passages with the share of the question it covers: (passage index,
    start, end, the folded sentence, the share of the weights' sum its words make; 1.0 without
    weights). weights: the question's folded content words and how specific each is. Folding
    keeps positions, so start and end hold in the passage's own text."""
    total = sum(weights.values())
    for p, text in enumerate(passages):
        folded = fold(text)
        for span in reader_sentences(folded):
            sentence = folded[span.start:span.end]
            held = sum(w for word, w in weights.items() if word in sentence)
            yield p, span.start, span.end, sentence, held / total if total else 1.0


def gate(question: str, passages, bm25=None) -> str:
    """Why the passages cannot hold the answer, or "" when they may."""
    if not passages:
        return "no passages"
    q = analyse(question, bm25)
    if q.script == "en":
        return ""  # English words cannot be matched against Chinese text
    evidence = fold(" ".join(p.text for p in passages))
    if q.terms and not any(term in evidence for term in q.terms):
        return "no word of the question in the passages"
    missing = (quotes_missing(q.folded, evidence) or stated_words_missing(q.folded, evidence)
               or missing_names(q, passages))
    if missing:
        return f"not in the passages: {'、'.join(missing)}"
    return ""
