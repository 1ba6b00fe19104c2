"""Questions about where a news report comes from (这条新闻是哪家媒体发的？): its dateline.

A Chinese news report opens with its source: 新华社武汉10月18日电, 中国质量新闻网消息,
人民网北京3月2日电 — an agency, paper or site, often a place and a date, then 电, 讯 or
消息. No sentence of the report says who published it, so neither reader finds it by
reading: the span model was fit on Wikipedia, where no article has a dateline.

The question must ask for the source of the report itself, pointed at (这条新闻是哪家媒体
发的, 这篇报道的来源, which news outlet published this report) or named (消息来源).
这个通知是谁发的？ asks about a notice, 哪家报纸报道了这起事件？ about the world: the
passages answer those, and they go to the reader as before. Of the 6,743 questions of
DRCD and CMRC 2018 dev, none asks for a source this way (15 ask 哪家报纸, 哪个电视台 …).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .text import fold

if TYPE_CHECKING:
    from .retrieval import Passage

_MEDIA = r"(?:媒体|网站|报纸|报社|通讯社|新闻社|新闻机构|新闻网站|电视台|报刊)"
_WHICH = r"(?:哪家|哪一家|哪个|哪一个|什么|何)"
_ASKS_MEDIA = re.compile(rf"{_WHICH}\s*{_MEDIA}|{_MEDIA}(?:是|为)?{_WHICH}")  # 哪家媒体, 媒体是哪家
# The report itself, pointed at (这条新闻, 该报道, 本文): 哪家报纸报道了这起事件 asks about
# the world, and 林俊贤是哪个电视台的当家小生 about a person.
# 报导 is how Taiwan writes 报道 (報導), and folding keeps it.
_THIS_REPORT = re.compile(r"(?:这|该|本|此)(?:一|条|篇|则|份|个)?(?:新闻|报道|报导|消息|文章|稿件|稿子)|本文")
_ASKS_ORIGIN = re.compile(r"来源|出处|出自|来自|(?:谁|哪里|哪儿|哪)\S{0,2}(?:发|发布|报道|报导|刊发|发表|刊登)的")
_SOURCE_OF_NEWS = re.compile(r"(?:消息|新闻|报道|报导|文章|稿件)(?:的)?(?:来源|出处)")
_ASKS_IN_ENGLISH = re.compile(
    r"\b(?:which|what) (?:news )?(?:outlet|agency|news agency|website|site|newspaper|paper|media|source)\b.*"
    r"(?:\bthis (?:report|news|article|story|piece)\b|\bthis\W*$)"
    r"|\bwho (?:published|reported|released|wrote) this(?: (?:report|news|article|story|piece)\b|\W*$)"
    r"|\bsource of (?:this|the) (?:report|news|article|story)\b")

# The dateline at the very start of a report (folded text): the source, ending in a word
# for a news organisation, then an optional place and date, then 电, 讯 or 消息.
# 本报讯 ("this paper") names no source and is not taken.
_SOURCE = r"[\u4e00-\u9fffA-Za-z]{1,14}?(?:通讯社|新闻社|新闻网|日报|晚报|时报|商报|报社|电视台|电台|网|社|报|台)"
_DATELINE = re.compile(
    rf"\s*[（(【\[]?\s*(?:据\s*)?(?P<source>{_SOURCE})(?:[\u4e00-\u9fff]{{0,8}}?\d{{1,2}}月\d{{1,2}}日)?\s*(?:电|讯|消息|报道)")


def asks_source(question: str) -> bool:
    """The question asks which organisation published the report it is about."""
    folded = fold(question)
    if _ASKS_IN_ENGLISH.search(folded) or _SOURCE_OF_NEWS.search(folded):
        return True
    return bool(_THIS_REPORT.search(folded) and (_ASKS_MEDIA.search(folded) or _ASKS_ORIGIN.search(folded)))


def source_in(passages: "list[Passage]") -> tuple[int, int, int] | None:
    """(passage index, start, end) of the dateline's source in the first passage, in
    retrieval order, that opens its document with one; None when none does."""
    for i, passage in enumerate(passages):
        if passage.chunk_index != 0:
            continue
        m = _DATELINE.match(fold(passage.text))
        if m and m.group("source") != "本报":
            return i, m.start("source"), m.end("source")
    return None
