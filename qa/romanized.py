"""Chinese names an English question spells in pinyin ("What is Jin Daoqiang's position?"
over a text that writes 靳道强).

English questions share no words with Chinese text, so without this a name is the one
thing they say that the reader cannot find. A name is matched when some reading of each
of its characters (pypinyin, every reading of a character with several: 单 is dan, shan
or chan) spells the question's capitalised words, in Chinese order (Jin Daoqiang) or with
the surname last (Daoqiang Jin), tones and spaces ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Capitalised words in a row, the question's first word left out unless a second follows
# it ("Who is Zhou Naixiang?", "Chen Gang spoke about what?").
_CAPITALISED_RUN = re.compile(r"[A-Z][a-z]+(?:[ \-'][A-Z][a-z]+)*")


def spelled_names(question: str) -> list[str]:
    """The question's runs of capitalised words, each lower-cased without spaces."""
    runs = []
    for m in _CAPITALISED_RUN.finditer(question):
        words = re.split(r"[ \-']", m.group())
        if m.start() == 0 and len(words) == 1:
            continue  # "Who", "What": a question's first word
        runs.append(words)
    return ["".join(w.lower() for w in words) for words in runs] + [
        "".join(w.lower() for w in words[1:] + words[:1]) for words in runs if len(words) == 2]


@lru_cache(maxsize=4096)
def _readings(name: str) -> tuple[tuple[str, ...], ...]:
    from pypinyin import Style, pinyin  # only English questions that name someone need it

    return tuple(tuple(r) for r in pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda ch: [ch]))


def spells(spelled: str, name: str, within: bool = False) -> bool:
    """Some reading of the name's characters, in order, is exactly `spelled`; within=True:
    of some of its characters in a row (changshu of 常熟市政府)."""
    readings = _readings(name)
    for first in range(len(readings) if within else 1):
        ends = {0}  # positions in `spelled` the name's characters from `first` reach
        for options in readings[first:]:
            ends = {end + len(r) for end in ends for r in options if spelled.startswith(r, end)}
            if len(spelled) in ends and (within or options is readings[-1]):
                return True
            if not ends:
                break
    return False


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable with a vowel (pypinyin's readings of all characters)."""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            bare = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
            if re.search(r"[aeiouv]", bare):
                found.add(bare)
    return frozenset(found)


def is_pinyin(spelled: str, most: int = 4) -> bool:
    """`spelled` is two to `most` pinyin syllables: a Chinese name or place, as English writes it."""
    syllables = _syllables()
    counts = {0: 0}  # position -> fewest syllables reaching it
    for i in range(len(spelled)):
        if i in counts:
            for j in range(i + 1, min(i + 6, len(spelled)) + 1):
                if spelled[i:j] in syllables and counts[i] + 1 <= most:
                    counts[j] = min(counts.get(j, most), counts[i] + 1)
    return counts.get(len(spelled), 0) >= 2


def unmatched(question: str, names: list[str]) -> list[str]:
    """The question's names written in pinyin (Li Ming, Changshu) that none of `names`
    (the passages' people, places and organisations) spells, even in part."""
    runs = re.findall(_CAPITALISED_RUN, question)
    missing = []
    for run in runs:
        spelled = re.sub(r"[^a-z]", "", run.lower())
        if is_pinyin(spelled) and not any(spells(spelled, n, within=True) for n in names):
            missing.append(run)
    return missing


def named_people(question: str, names: list[str]) -> list[str]:
    """Those of `names` (Chinese, e.g. LAC's people in the passages) the question spells."""
    spelled = spelled_names(question)
    return [n for n in dict.fromkeys(names) if len(n) >= 2 and any(spells(s, n) for s in spelled)]
