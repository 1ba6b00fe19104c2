"""Who did what a report never says anyone did: 这次动员会是谁主持的？ over a report that
lists who attended (国家标准委主任陈钢,…姚东明出席会议) and who spoke, but names no chair.
The span model, fit on Wikipedia where reports of meetings are next to absent, answers with
the first person of the attendance list. Attending is not doing: when the act the question
asks after (`Question.actions`: 主持 of 谁主持的) is in no passage, and the clause of the
person answered goes on to a verb of presence (qa/lexicons/attendance_verbs.txt) as its
first verb, the passages do not say who did it; nor, whoever the span names, when texts
name the act in its own words where they say it (`unstated_act`: 这次会议是由谁主持的？
answered 陈钢主任, of 陈钢主任作了重要指示). Nor do they say anything else of a person
they only list as present (浦荣皋负责什么工作？ over the same report): `only_present`.
"""

from __future__ import annotations

import re

from .chunking import sentence_around
from .enumeration import clause_around
from .intake import lexicon_lines
from .question import LIGHT_VERBS, analyse_tokens, located_tokens
from .text import fold

_ATTENDING = tuple(lexicon_lines("attendance_verbs"))
_CEREMONIES = frozenset(lexicon_lines("ceremony_nouns"))
_NOT_ACTS = LIGHT_VERBS | {"为", "由", "给", "在", "让", "被"}


def ceremony_only(folded_question: str, passages: list[str]) -> str:
    """The act a who-question asks after (揭 of 牌子是由谁揭的？: a verb after its 谁 or 哪, not
    itself an event's name in the question) when the passages name it only as an event (揭牌
    of 举行了…揭牌仪式, each time before a noun of qa/lexicons/ceremony_nouns.txt): the
    passages' word (揭牌), or "". Such a report says the ceremony was held, not who did the act."""
    asking = re.search(r"谁|哪", folded_question)
    if asking is None:
        return ""
    asked = located_tokens(folded_question, analyse_tokens(folded_question))
    acts = [word for i, (word, tag, start, _) in enumerate(asked)
            if start >= asking.end() and tag in ("v", "vn") and word not in _NOT_ACTS and not _names_event(asked, i)]
    read = [analyse_tokens(fold(passage)) for passage in passages]
    for act in acts:
        named = [(words[i][0], _names_event(words, i))
                 for words in read for i in range(len(words)) if act in words[i][0]]
        if named and all(event for _, event in named):
            return named[0][0]
    return ""


def _names_event(words: list[tuple], i: int) -> bool:
    """The i-th of LAC's words is followed by a ceremony noun (揭牌 | 仪式)."""
    return i + 1 < len(words) and words[i + 1][0] in _CEREMONIES


def says_act(act: str, passage: str, start: int, end: int) -> bool:
    """The clause of the passage around start:end holds the act."""
    folded = fold(passage)
    c0, c1 = clause_around(folded, start, end)
    return act in folded[c0:c1]


def only_attended(actions: list[str], passage: str, span_end: int, passages: list[str]) -> bool:
    """The act asked after is in no passage, and the first verb after the answered span in
    its sentence says only that the person was there (出席, 参加…)."""
    if not actions or any(action in fold(text) for action in actions for text in passages):
        return False
    return _first_verb_after(fold(passage), span_end).startswith(_ATTENDING)


_STATED = tuple(lexicon_lines("stated_acts"))


def unstated_act(actions: list[str], passages: list[str]) -> str:
    """The act asked after, when texts name it in its own words where they say it
    (qa/lexicons/stated_acts.txt: 主持) and no passage names it; "" otherwise."""
    return next((action for action in actions if action in _STATED
                 and not any(action in fold(text) for text in passages)), "")


def _first_verb_after(folded: str, at: int) -> str:
    """The first verb (LAC) from `at` to the end of its sentence, or "". LAC keeps 出席会议
    as one verb."""
    _, sentence_end = sentence_around(folded, at, at)
    return next((word for word, tag in analyse_tokens(folded[at:sentence_end]) if tag == "v"), "")


def asks_presence(folded_question: str) -> bool:
    """The question is about someone's presence itself (浦荣皋出席了什么会议？)."""
    return any(verb in folded_question for verb in _ATTENDING)


def only_present(person: str, passages: list[str]) -> str:
    """What the passages say a person did when all they say is that the person was there:
    the verb of presence of every sentence naming them (出席会议), or "" when a passage names
    them doing anything else, or not at all."""
    said = set()
    for passage in passages:
        folded = fold(passage)
        at = folded.find(person)
        while at >= 0:
            verb = _first_verb_after(folded, at + len(person))
            if not verb.startswith(_ATTENDING):
                return ""  # "".startswith(...) is False too: no verb, no presence
            said.add(verb)
            at = folded.find(person, at + len(person))
    return next(iter(said)) if len(said) == 1 else ""
