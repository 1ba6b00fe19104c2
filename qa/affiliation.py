"""Questions after the organisation a named person belongs to (陈钢是哪个单位的主任？,
高阳来自哪个部门？): the organisation in the title the passages give that person.

News text names each official after their organisation and post, 国家标准委主任陈钢,
江苏省质监局局长靳道强, 苏州市委副书记、市长周乃翔, so the answer is the organisation
that opens the person's title (LAC tags it ORG). The span model, fit on Wikipedia, where
people are rarely introduced this way, pointed at a neighbour in a list of titled people
(陈钢是哪个单位的主任？ answered 周乃翔市长、靳道强局长), and the rule reader had no answer
of the organisation's type.

The question must name the person, then how they relate to the organisation (是, 来自,
属于, 在…工作), then which organisation (哪个单位, 什么部门; the kinds are
qa/lexicons/organisation_kinds.txt). When no passage gives that person a title holding an
organisation, the question goes to the reader as before. Of the 6,743 questions of DRCD
and CMRC 2018 dev, 12 ask this way (刘国勋是哪个组织的成员？); 2 of them get their answer
from a title (香港珠海学院, exact; 南京大学新闻传播学院 for 南京大学), the rest from the reader.
"""

from __future__ import annotations

import re

from .intake import lexicon_lines
from .question import TITLE_CHARS, Question, analyse_tokens, located_tokens
from .text import fold

_KINDS = "(?:" + "|".join(sorted(lexicon_lines("organisation_kinds"), key=len, reverse=True)) + ")"
_WHICH = r"(?:哪个|哪一个|哪家|哪一家|什么|何)"
# 是/来自/属于 哪个单位; 在哪个单位 only with work after it (工作, 任职, 担任): 在哪个大学
# 就读 and 是哪个大学毕业的 ask where someone studied, which a title does not say.
_STUDIED = r"(?!毕业|就读|读书|念书|留学|学习|进修|肄业)"
_ASKS = (rf"(?:是|来自|属于|隶属于?|任职于|供职于|就职于){_WHICH}{_KINDS}{_STUDIED}"
         rf"|在{_WHICH}{_KINDS}(?:工作|任职|供职|上班|担任|当)")
# What links a name to the title that follows it: 张忠柟，现任香港珠海学院校长;
# 陈堂发是南京大学新闻传播学院副教授; 约翰·达利…目前是普林斯顿大学的心理学教授.
_LINKS = {",", "，", "是", "为", "现任", "曾任", "现为", "目前", "目前是", "担任", "时任"}


def asked_person(q: Question) -> str:
    """The person (one of the question's LAC people) whose organisation the question asks
    for, or "" when it asks for something else. A post may stand between the name and the
    relation (陈钢主任是哪个单位的). A question after the post too (高阳在哪个单位担任什么职务？,
    a role question) wants the title whole, which the rule reader gives."""
    if q.qtype == "role":
        return ""
    for person in q.people:
        if re.search(rf"{re.escape(person)}\w{{0,4}}?(?:{_ASKS})", q.folded):
            return person
    return ""


def organisation_in(title: str) -> tuple[int, int] | None:
    """(start, end) in title of the organisation that opens it: LAC's run of places and
    organisations ending in an organisation (国家标准委 of 国家标准委主任, 苏州市委 of
    苏州市委副书记、市长); None when the title holds none (市长)."""
    folded = fold(title)
    found = _organisation_at(located_tokens(folded, analyse_tokens(folded)), 0)
    return found[:2] if found else None


def organisation_after(sentence: str, person: str) -> tuple[int, int] | None:
    """(start, end) in sentence of the organisation in a title that follows the person's
    name (张忠柟，现任香港珠海学院校长 -> 香港珠海学院): the name, words that link it to a
    title (是, 现任, a comma), an organisation, then a post (校长; 的心理学教授 too);
    None when the sentence gives the person no such title."""
    folded = fold(sentence)
    tokens = located_tokens(folded, analyse_tokens(folded))
    for i, (word, tag, _, _) in enumerate(tokens):
        if tag != "PER" or word != person:
            continue
        j = i + 1
        while j < len(tokens) and tokens[j][0] in _LINKS:
            j += 1
        found = _organisation_at(tokens, j) if j > i + 1 else None
        if found and _post_at(tokens, found[2]) and not _names_someone_else(tokens, found[2]):
            return found[:2]
    return None


def _names_someone_else(tokens, i: int) -> bool:
    """The posts from token i lead to another name: in 陈钢,苏州市委副书记、市长周乃翔
    the title after the comma is 周乃翔's."""
    while i < len(tokens) and (tokens[i][1] == "n" or tokens[i][0] in ("的", "、")):
        i += 1
    return i < len(tokens) and tokens[i][1] == "PER"


def _organisation_at(tokens, i: int) -> tuple[int, int, int] | None:
    """(start, end, index of the next token) of the run of places and organisations that
    starts at token i and ends in an organisation; None when there is none."""
    run = []
    for token in tokens[i:]:
        if token[1] not in ("ORG", "LOC", "nz") or (run and run[-1][3] != token[2]):
            break
        run.append(token)
    while run and run[-1][1] != "ORG":
        run.pop()
    return (run[0][2], run[-1][3], i + len(run)) if run else None


def _post_at(tokens, i: int) -> bool:
    """A post (局长, 副教授) at token i, after at most 的 and one more noun (的心理学教授)."""
    for word, tag, _, _ in tokens[i : i + 3]:
        if tag == "n" and word[-1] in TITLE_CHARS:
            return True
        if word != "的" and tag != "n":
            return False
    return False
