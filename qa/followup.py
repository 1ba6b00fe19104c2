"""Follow-up questions made to stand alone, offline: 他还说了什么？ -> 周乃翔还说了什么？

A pronoun or demonstrative that points at the person, organisation or thing of the
previous turn is replaced by it, and an ellipsis (那陈钢呢？) borrows the previous
question's frame. The LLM backends ask their model first (qa/llm.py condense_question)
and use this when offline or when the model fails; the offline reader uses it to
answer "X是谁？他说了什么？" part by part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .question import analyse_tokens
from .text import fold, script_of

_PERSONAL = {"他", "她", "这位", "那位"}
_DEMONSTRATIVE = {"它", "它们", "这个", "那个", "这", "那", "此"}
_ENTITY_TAGS = ("PER", "ORG", "LOC", "nz")
_PHRASE_TAGS = ("n", "nz", "vn", "a", "an", "ORG", "LOC", "nw", "s")


@dataclass
class _Token:
    word: str  # as in the original text (either script)
    folded: str
    tag: str
    start: int


def _tokens(text: str) -> list[_Token]:
    """LAC tokens of text (analysed folded), with the original characters."""
    folded = fold(text)
    tokens, pos = [], 0
    for word, tag in analyse_tokens(folded):
        start = folded.find(word, pos)
        if start < 0:
            continue
        pos = start + len(word)
        tokens.append(_Token(text[start:pos], word, tag, start))
    return tokens


def resolve_followup(question: str, history: list[tuple[str, str]] | None) -> str:
    """Replace a pronoun that points at the previous turn by what it names (offline).

    陳鋼是誰？ then 他还说了什么？ -> 陳鋼还说了什么？;  周乃翔说了什么？ then 陈钢呢？ ->
    陈钢说了什么？.  Anything it cannot resolve is returned unchanged.
    """
    if not history or script_of(question) == "en":
        return question
    tokens = _tokens(question)
    for i, token in enumerate(tokens):
        if token.folded in _PERSONAL and not any(t.tag == "PER" for t in tokens):
            name = _previous_entity(history, ("PER",))
            if name:
                return question[:token.start] + name + question[token.start + len(token.word):]
        if token.folded in _DEMONSTRATIVE | {"该"} or (token.folded.startswith("该") and token.tag == "n"):
            resolved = _resolve_demonstrative(question, tokens, i, history)
            if resolved:
                return resolved
    return _resolve_ellipsis(question, tokens, history)


def _resolve_demonstrative(question: str, tokens: list[_Token], i: int, history) -> str:
    token = tokens[i]
    noun = token.folded[1:] if token.folded.startswith("该") and len(token.folded) > 1 else ""
    end = token.start + len(token.word)
    if not noun and i + 1 < len(tokens) and tokens[i + 1].tag in ("n", "nz", "vn") and token.folded != "它":
        noun, end = tokens[i + 1].folded, tokens[i + 1].start + len(tokens[i + 1].word)
    if noun:
        phrase = _previous_phrase(history, noun)
        if not phrase:
            return ""
    elif token.folded in ("该", "这", "那", "此"):
        return ""  # 该 alone is usually "should"; 这/那 alone rarely point at a thing
    else:
        if any(t.tag in _ENTITY_TAGS for t in tokens):
            return ""
        phrase = _previous_entity(history, ("ORG", "LOC", "nz"))
        if not phrase:
            return ""
    return question[:token.start] + phrase + question[end:]


def _resolve_ellipsis(question: str, tokens: list[_Token], history) -> str:
    """周乃翔呢？ after 陈钢说了什么？ -> 周乃翔说了什么？ (the same question about another one)."""
    if not re.fullmatch(r"\s*(那|那么)?\s*\S{1,12}呢\s*[？?]?\s*", question):
        return question
    named = [t for t in tokens if t.tag in ("PER", "ORG", "LOC")]
    if len(named) != 1:
        return question
    previous = history[-1][0]
    for token in _tokens(previous):
        if token.tag == named[0].tag:
            return previous[:token.start] + named[0].word + previous[token.start + len(token.word):]
    return question


def _previous_entity(history, tags: tuple[str, ...]) -> str:
    """The first entity with one of tags in the last turns (question before answer)."""
    for asked, answered in reversed(history[-3:]):
        for text in (asked, answered):
            for token in _tokens(text):
                if token.tag in tags and len(token.folded) > 1:
                    return token.word
    return ""


def _previous_phrase(history, noun: str) -> str:
    """The longest noun phrase ending in noun in the last turns (试点 -> 国家级城市综合服务标准化试点)."""
    for asked, answered in reversed(history[-3:]):
        for text in (asked, answered):
            tokens = _tokens(text)
            best = ""
            for j, token in enumerate(tokens):
                if not token.folded.endswith(noun) or token.tag not in _PHRASE_TAGS:
                    continue
                first = j
                while first > 0 and tokens[first - 1].tag in _PHRASE_TAGS and \
                        tokens[first - 1].start + len(tokens[first - 1].word) == tokens[first].start:
                    first -= 1
                phrase = text[tokens[first].start: token.start + len(token.word)]
                if len(phrase) > len(best):
                    best = phrase
            if len(best) > len(noun):
                return best
    return ""
