"""Questions after who holds a post (常熟市市长是谁？, 谁是江苏省质监局副局长？) that the
passages give to no one: the person the span names holds another post.

News text names each official with organisation and post (江苏省质监局局长靳道强,
苏州市人大常委会副主任朱建胜), and the span model, fit on Wikipedia, answers a question
after a post with the nearest titled person: 江苏省质监局副局长是谁？ 靳道强 (the 局长),
苏州市人大常委会主任是谁？ 朱建胜 (the 副主任), 常熟市市长是谁？ 周乃翔 (苏州's). When every
title the passages give the answered person names another post, or another organisation,
and no one holds the post asked, the answer is refused: 文中没有提到常熟市市长.
A 副 makes another post (副局长 is not 局长); a title without an organisation (周乃翔市长)
says nothing of one. The posts are qa/lexicons/posts.txt.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .intake import lexicon_lines
from .question import analyse_tokens, usual_shenme
from .reader import person_items, title_of
from .text import fold

_POSTS = "|".join(sorted((w for line in lexicon_lines("posts") for w in line.split()), key=len, reverse=True))
_POST = rf"副?(?:{_POSTS})"
_ASKED = (re.compile(rf"^谁是(?P<body>.*?)的?(?P<post>{_POST})[?？]?$"),
          re.compile(rf"^(?P<body>.*?)的?(?P<post>{_POST})(?:是谁|叫什么名字|叫什么|是哪位|是哪一位|是何人)[?？]?$"))
_BODY_TAGS = {"ORG", "LOC", "nt", "ns"}


class Post(NamedTuple):
    asked: str  # what a refusal names: 苏州市人大常委会主任
    organisations: tuple[str, ...]  # the organisations and places it names: 苏州市人大常委会
    post: str  # 主任, 副市长


def asked_post(folded_question: str) -> Post | None:
    """The post a question asks the holder of (苏州市副市长是谁？ -> 苏州市, 副市长), or None.
    Only the organisations and places of the words before the post in its clause count
    (首任, 当时的 and dates do not), and there must be one."""
    for pattern in _ASKED:
        m = pattern.match(usual_shenme(folded_question.strip()))  # 叫甚麼名字
        if m:
            # the post's own clause names its organisation (…动员会上，国家标准委来的主任: not 苏州)
            body, post = re.split(r"[,，;；]", m.group("body"))[-1], m.group("post")
            organisations = tuple(w for w, tag in analyse_tokens(body) if tag in _BODY_TAGS) if body else ()
            if not organisations:
                return None  # 局长是谁？: whose post the passages may not say
            return Post("".join(organisations) + post, organisations, post)
    return None


def holds(title: str, asked: Post) -> bool | None:
    """Whether a (folded) title is the post asked: True, False, or None when it is the
    post but names no organisation (周乃翔市长)."""
    if not unqualified_in(title, asked.post):
        return False
    if all(o in title or _short(o) in title for o in asked.organisations):
        return True
    names_one = any(tag in _BODY_TAGS for _, tag in analyse_tokens(title))
    return False if names_one else None  # 行政总裁 names no organisation


def unqualified_in(text: str, word: str) -> bool:
    """The word (a post) stands in the (folded) text as itself: 局长 is not the 局长 of 副局长."""
    return any(i == 0 or text[i - 1] != "副" or word.startswith("副")
               for i in (m.start() for m in re.finditer(re.escape(word), text)))


def _short(body: str) -> str:
    """苏州 of 苏州市: text and question often differ by the administrative suffix."""
    return body[:-1] if len(body) > 2 and body[-1] in "市省县区" else body


def titles_of_people(texts: list[str]) -> dict[str, list[str]]:
    """Every titled person of the texts: folded name -> folded titles."""
    people: dict[str, list[str]] = {}
    for text in texts:
        for item, _, name in person_items(text):
            title = fold(title_of(item, name))
            if title:
                people.setdefault(name, []).append(title)
    return people


def held_by_no_one(asked: Post, span: str, texts: list[str]) -> bool:
    """The span names one titled person, every titled person of the texts holds another
    post or another organisation's, and the post asked is nowhere named after its
    organisation nor given to someone (…首任院长为葛洪义教授 says who it was)."""
    people = titles_of_people(texts)
    if len(named_in(fold(span), people)) != 1:
        return False
    if any(_post_after_organisation(fold(text), asked) or _post_given(fold(text), asked) for text in texts):
        return False
    return all(_holder(titles, asked) is False for titles in people.values())


def named_in(span: str, people: dict[str, list[str]]) -> list[str]:
    """The titled people a (folded) span names: whole, or the one whose name it begins (周 of
    周乃翔, a span the model cut short)."""
    whole = [name for name in people if name in span]
    if whole or not span:
        return whole
    begun = [name for name in people if name.startswith(span)]
    return begun if len(begun) == 1 else []


def _post_given(text: str, asked: Post) -> bool:
    """The post, as asked, is said to be someone's: 首任院长为…, 会长是…, 校长由…担任."""
    before = "" if asked.post.startswith("副") else "(?<!副)"
    return bool(re.search(rf"{before}{re.escape(asked.post)}(?:一职)?(?:为|是|由)", text))


_NEAR = 12  # characters after an organisation's name that its post may stand within


def _post_after_organisation(text: str, asked: Post) -> bool:
    for organisation in asked.organisations:
        for m in re.finditer(re.escape(_short(organisation)), text):
            after = text[m.end() : m.end() + len(organisation) - len(_short(organisation)) + _NEAR]
            if unqualified_in(after, asked.post):
                return True
    return False


def _holder(titles: list[str], asked: Post) -> bool | None:
    """A person holds the post (True), holds another (False: some title names another
    post or organisation, none this one), or cannot be told (None: titles without one)."""
    found = [holds(title, asked) for title in titles]
    if True in found:
        return True
    return False if False in found else None


# Who spoke for, represents or heads an organisation the question names (苏州市交通局是谁代表发言的？,
# 苏州市交通局在会上发言的负责人是谁？): someone of that organisation, which news text names in
# their title (苏州市交通局局长…). DRCD and CMRC dev hold one such question (its answer untitled),
# so the rule rests on what 代表, 负责人 and 发言 mean; asked of every dev who-question naming an
# organisation it would refuse 4 of 78 answers (郭沫若, first president of 中国科学技术大学, is
# titled 中国科学院院长 there).
_FOR_A_BODY = re.compile(r"代表|负责人|发言")


def asked_member(folded_question: str) -> tuple[str, ...]:
    """The organisations a who-question asks who spoke for or heads, or ()."""
    if not _FOR_A_BODY.search(folded_question):
        return ()
    return tuple(w for w, tag in analyse_tokens(folded_question) if tag in ("ORG", "nt") and len(w) >= 3)


def member_of_none(organisations: tuple[str, ...], span: str, texts: list[str]) -> bool:
    """The span names titled people, each with a title naming a body, and no titled person of
    the texts has a title naming one of the organisations, so the passages do not say who of
    them it was (陈钢, 国家标准委主任, for 苏州市交通局是谁代表发言的？; 周乃翔市长、靳道强局长、
    陈钢主任 for 常熟市政府是由哪位领导作交流发言的？)."""
    people = titles_of_people(texts)
    named = named_in(fold(span), people)
    if not named:
        return False
    if any(o in title or _short(o) in title for titles in people.values() for title in titles for o in organisations):
        return False
    return all(any(tag in _BODY_TAGS for title in people[name] for _, tag in analyse_tokens(title)) for name in named)
