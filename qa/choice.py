"""Questions that offer their answers (动员会是上午还是下午开的？): the answer is one of
the options, and the passage says which.

The span model was fit on Wikipedia questions, where such questions are all but absent
(six of DRCD dev's 3,524, one of CMRC's), so it neither points at an option nor trusts
the sentence that holds one. Reading them needs no model: find the sentence that covers
the rest of the question best and see which option it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .coverage import sentences_by_cover
from .question import INTERROGATIVES, analyse_tokens, located_tokens

_OR = "还是"
# LAC tags that end an option: verbs (是, 开), prepositions (在), particles (的),
# pronouns, conjunctions and punctuation.
_OPTION_END = {"v", "p", "u", "r", "c", "w", "xc", "d"}
_LONGEST_OPTION = 8
ENOUGH_COVER = 0.5  # share of the question's other words (weighed by specificity) the sentence must hold


@dataclass(frozen=True)
class Choice:
    passage: int  # index into the passages read
    start: int  # the option's offsets in that passage's text
    end: int
    option: str  # folded


def alternatives(folded: str) -> list[str]:
    """The two options of a (folded) question of the form …A还是B…, or [] for any other
    (one that also asks 什么, 哪, 谁…: 高还是低可以是什么的依据？ does not ask for 高 or 低)."""
    at = folded.find(_OR)
    if at < 0 or folded.find(_OR, at + 1) >= 0 or INTERROGATIVES.search(folded):
        return []
    words = located_tokens(folded, analyse_tokens(folded))
    before = [w for w in words if w[3] <= at][::-1]
    after = [w for w in words if w[2] >= at + len(_OR)]
    if before and after and before[0][1] == after[0][1] == "v":  # 支持还是反对
        return [before[0][0], after[0][0]] if before[0][0] != after[0][0] else []
    left, right = _option(before)[::-1], _option(after)
    if not left or not right or left == right:
        return []
    return ["".join(left), "".join(right)]


def _option(words: list[tuple[str, str, int, int]]) -> list[str]:
    """The words next to 还是, nearest first, up to the first that cannot belong to an option."""
    taken = []
    for word, tag, _, _ in words:
        if tag in _OPTION_END:
            break
        taken.append(word)
    return taken if 0 < sum(map(len, taken)) <= _LONGEST_OPTION else []


def pick(options: list[str], passages: list[str], weights: dict[str, float]) -> Choice | None:
    """The option held by the sentence that covers the rest of the question best, when that
    sentence holds exactly one of them and covers at least ENOUGH_COVER of it.
    passages: the texts read, best first; weights: the question's content words (folded)
    and how specific each is, without the options' own words."""
    best: tuple[float, Choice | None] = (0.0, None)
    for p, sentence_start, _, sentence, cover in sentences_by_cover(passages, weights):
        found = _options_in(options, sentence)
        if not found or cover <= best[0]:
            continue
        nearest = _nearest(found, sentence, weights)
        if nearest is None:
            best = (cover, None)  # the best sentence so far names both, neither nearer: no choice
            continue
        option, at = nearest
        start = sentence_start + at
        best = (cover, Choice(p, start, start + len(option), option))
    cover, choice = best
    return choice if choice is not None and cover >= ENOUGH_COVER else None


def _nearest(found: list[tuple[str, int]], sentence: str, weights: dict[str, float]) -> tuple[str, int] | None:
    """The one option found, or of several the one nearer the question's most specific
    word in the sentence (陈钢 in …国家标准委主任陈钢…副主任朱建胜…); None on a tie."""
    if len({option for option, _ in found}) == 1:
        return found[0]
    held = sorted((w for w in weights if w in sentence), key=weights.get, reverse=True)
    if not held:
        return None
    anchors = [m.start() for m in re.finditer(re.escape(held[0]), sentence)]
    distance = {}
    for option, at in found:
        d = min(abs(at - a) for a in anchors)
        if d < distance.get(option, (float("inf"),))[0]:
            distance[option] = (d, at)
    (first, (d1, at)), (_, (d2, _)) = sorted(distance.items(), key=lambda item: item[1][0])[:2]
    return (first, at) if d1 < d2 else None


def _options_in(options: list[str], sentence: str) -> list[tuple[str, int]]:
    """(option, offset) of each option in the sentence, not counting one inside a longer
    option (市长 inside 副市长)."""
    found = []
    for option in options:
        longer = [o for o in options if o != option and option in o]
        for m in re.finditer(re.escape(option), sentence):
            if not any(_covers(sentence, o, m.start(), m.end()) for o in longer):
                found.append((option, m.start()))
    return found


def _covers(sentence: str, longer: str, start: int, end: int) -> bool:
    """An occurrence of `longer` in the sentence spans [start, end)."""
    return any(s <= start and end <= s + len(longer)
               for s in (m.start() for m in re.finditer(re.escape(longer), sentence)))
