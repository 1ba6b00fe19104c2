"""The one grammar of citation markers, for every reader and every consumer of answers.

An answer cites its sources with markers ``[n]`` (ASCII brackets, n from 1): ``[n]``
points at ``Answer.sources[n - 1]``, several sources are several markers in a row
(``[1][3]``), and markers are numbered in the order the sources are first cited.
The offline reader writes markers in this form; a language model writes them more
loosely (``【2】``, ``［2］``, ``[资料2]``, ``[1, 3]``), and its parser turns them into
this form with ``normalise``.  Nothing here imports anything heavy.
"""

from __future__ import annotations

import re
from typing import Callable

# A marker as answers show it.
MARKER = re.compile(r"\[(\d{1,3})\]")
# What a model may write for one or more markers: the numbers are group 1.
WRITTEN = re.compile(r"[\[【［]\s*(?:资料|段落|来源)?\s*(\d{1,3}(?:\s*[,，、;；]\s*(?:资料|段落)?\s*\d{1,3})*)\s*[\]】］]")
# The brackets a written marker opens and closes with (for text that arrives in pieces).
OPENERS = "[【［"
CLOSERS = "]】］"
LONGEST_WRITTEN = 24  # an unclosed bracket further back than this is not a citation
# Markers with the spaces before them, also in the written forms (for stripping).
_WITH_SPACE = re.compile(r"\s*" + WRITTEN.pattern)


def marker(n: int) -> str:
    """The marker of source n (1-based)."""
    return f"[{n}]"


def numbers(text: str) -> list[int]:
    """The n of every marker in text, in order, repeats included."""
    return [int(m.group(1)) for m in MARKER.finditer(text)]


def cited(text: str) -> list[int]:
    """The distinct n cited in text, in the order first cited."""
    return list(dict.fromkeys(numbers(text)))


def renumber(text: str, new: Callable[[int], int | None]) -> str:
    """text with each marker [n] replaced by [new(n)], or removed when new(n) is None."""

    def replace(match: re.Match) -> str:
        n = new(int(match.group(1)))
        return "" if n is None else marker(n)

    return MARKER.sub(replace, text)


def written_numbers(match: re.Match) -> list[int]:
    """The numbers of a WRITTEN match (``[1, 资料3]`` -> [1, 3])."""
    return [int(n) for n in re.findall(r"\d+", match.group(1))]


def normalise(text: str, new: Callable[[int], int | None]) -> str:
    """text with every written marker turned into markers [new(n)] for each of its
    numbers n, in the order written, each at most once; numbers for which new(n) is
    None are dropped (a marker left with none disappears)."""

    def replace(match: re.Match) -> str:
        out: list[str] = []
        for number in written_numbers(match):
            n = new(number)
            if n is not None and marker(n) not in out:
                out.append(marker(n))
        return "".join(out)

    return WRITTEN.sub(replace, text)


def strip(text: str) -> str:
    """text without markers (in either form) and the spaces before them."""
    return _WITH_SPACE.sub("", text)
