"""What a question asks as the object of its verb: 苏州要积极争创什么？ → 首批全国质量强市示范城市.

The span model points at the answer well when it is sure, and poorly when it is not: over
周乃翔表示苏州要积极争创什么？ it prefers another speaker's 争创全国质量强市示范城市 at margin
−2.8 and never reads …积极争创首批全国质量强市示范城市 in 周乃翔's own sentence. When its best
span sits below "no answer" (margin < 0) and the reader answers all the same, the question's
verb, right before what it asks (争创 | 什么, 被并入 | 哪个帝国), found once in the passages read,
points at the answer: what follows it up to the clause's end. Over the DRCD and CMRC dev
questions so shaped whose own paragraph holds the verb once, read with margin below 0 and
answered (43): F1 sum 8.5 for the span, 23.4 for the verb's object (DRCD 2.2 → 4.4, CMRC 6.4 →
18.9). Not for questions after several things, whose lists run past 、.
"""

from __future__ import annotations

import re

from .question import analyse_tokens, located_tokens
from .text import fold

# What the question asks for, right after its verb (的是 may stand between: 争创的是什么称号)
_ASKING = re.compile(r"(?:的是)?(?:什么|哪些|哪个|哪一)")
_BETWEEN = {"了", "的", "是", "的是", "为", "了个", "个"}  # what may stand between the verb and the asking
_REACH = 3  # characters the verb may end before the asking
_WIDER = 4  # characters of the question before the verb that may make it found once (积极 争创)
_LEAD = re.compile(r"^(?:了|的|一个|一项|出|到|为)")  # before the object: 争创了…, 并入了…
_CLAUSE_END = re.compile(r"[,，。;；、:：!！?？]")
_LONGEST = 40  # characters an object may have


def asked_verb(folded_question: str) -> tuple[int, int] | None:
    """Where the verb right before what the (folded) question asks stands (争创 of
    苏州要积极争创什么？), or None: a verb of two characters or more, as LAC tags it."""
    m = _ASKING.search(folded_question)
    if not m:
        return None
    before = [t for t in located_tokens(folded_question, analyse_tokens(folded_question)) if t[3] <= m.start()]
    while before and before[-1][0] in _BETWEEN:
        before.pop()
    if not before:
        return None
    word, tag, start, end = before[-1]
    if tag != "v" or len(word) < 2 or end < m.start() - _REACH:
        return None
    return start, end


def object_of(folded_question: str, folded_passages: list[str]) -> tuple[int, int, int] | None:
    """(passage, start, end) of what follows the question's verb where the passages hold it
    once (with up to a few of the question's words before it when the verb alone is there
    more than once: 积极争创), up to the end of its clause; None otherwise."""
    verb = asked_verb(folded_question)
    if verb is None:
        return None
    start, end = verb
    for widen in range(_WIDER + 1):
        if start - widen < 0:
            return None
        anchor = folded_question[start - widen:end]
        found = [(p, m.end()) for p, text in enumerate(folded_passages) for m in re.finditer(re.escape(anchor), text)]
        if len(found) == 1:
            p, at = found[0]
            text = folded_passages[p]
            lead = _LEAD.match(text[at:])
            at += lead.end() if lead else 0
            stop = _CLAUSE_END.search(text, at)
            stop = stop.start() if stop else len(text)
            return (p, at, stop) if 2 <= stop - at <= _LONGEST else None
        if not found:
            return None
    return None
