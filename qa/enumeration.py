"""The whole list a span is one item of: 地上广场 in 包括地下汽车库、地上广场以及地下通道。

A question that asks for several things (哪些, 哪几, 包括) wants the list, and the span
model, trained to point at one span, often points at one item of it. The list is read
off the span's clause with LAC: items are runs of nominal words joined by 、 or a
conjunction (和, 及, 以及, 与, 或); the first item loses what comes before its nouns
(包括地下汽车库 -> 地下汽车库), the last what follows them (…有限公司作了交流发言).
A word LAC tags otherwise cuts the item short (真真幼稚园, with 真真 an adverb, gives 幼稚园),
and a span that is not nominal itself (大力开展…标准化) is no item and stays as it is.
"""

from __future__ import annotations

import re

from .question import analyse_tokens, located_tokens
from .text import fold

_CLAUSE_EDGE = re.compile(r"[，。；：！？,;:!?\n]")
_JOINERS = {"、", "和", "及", "以及", "与", "或", "或者", "跟"}
_JOINED = re.compile("|".join(sorted(_JOINERS, key=len, reverse=True)))
# LAC tags of words that can make up an item: nouns, names, numbers, measure words,
# places and directions, adjectives and nominal verbs (标准及高级, 执法严明); not pronouns
# (他和邓小平 is no list of answers).
_NOMINAL = {"n", "nr", "ns", "nt", "nz", "nw", "PER", "LOC", "ORG", "TIME", "m", "q", "f", "s", "an", "a", "vn"}
# Words that finish an item a span cut short (陈钢 -> 陈钢主任, 《青春小鸟 -> 《青春小鸟》).
_NOUNS = {"n", "nr", "ns", "nt", "nz", "nw", "PER", "LOC", "ORG"}
_CLOSING = {"》", "”", "」", "\""}
_INSIDE = {"的", "之", "《", "》", "“", "”", "「", "」", "\"", "·", "-"}  # may sit inside an item, not at its edges


def split_items(text: str) -> list[str]:
    """A list's items before its 等 by the characters that join them, without LAC (华为、小米
    和联想等3家企业: three); a joiner inside an item splits it too, so this serves telling
    kinds of items apart, not counting them (item_count)."""
    return [item.strip() for item in _JOINED.split(re.sub(r"等.*$", "", text)) if item.strip()]


def item_count(text: str, start: int, end: int) -> int:
    """How many items of a list [start, end) covers (北京地铁4号线和10号线: 2; a single
    nominal span: 1). A span that is no run of nominal words is a list only of parts
    between 、 without a function word (绩分战、时间战、生存战, with 分战 a verb to LAC: 3;
    not 预留了28个铺位、2所幼稚园), and none without 、 (质量强市工作提出明确要求和具体部署
    is a clause, though it holds 和)."""
    found = _items_of(text, start, end)
    if found is not None:
        return len(found[1])
    parts = [part for part in fold(text[start:end]).split("、") if part.strip()]
    if len(parts) < 2 or any(tag in _NOT_IN_ITEMS for part in parts for _, tag in analyse_tokens(part)):
        return 0
    return len(parts)


def widened(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) grown to the enumeration it is an item of, or unchanged when it is none."""
    found = _items_of(text, start, end)
    if found is None:
        return start, end
    runs, mine = found
    new_start, new_end = start, end
    if all(_nominal(w, t) for w, t, a, _ in runs[mine[0]] if a < start):  # nouns from the joiner to the span
        for run in reversed(runs[: mine[0]]):
            item = run if _whole_item(run) else _nominal_tail(run)
            if not item:
                break
            new_start = item[0][2]
            if item is not run:
                break
    if all(_nominal(w, t) for w, t, _, b in runs[mine[-1]] if b > end):
        for run in runs[mine[-1] + 1:]:
            item = run if _whole_item(run) else _nominal_head(run)
            if not item:
                break
            new_end = item[-1][3]
            if item is not run:
                break
    if (new_start, new_end) != (start, end):  # a list: the span's own item whole too (地下汽车库, not 汽车库)
        own = [w for i in mine for w in runs[i]]
        before = _nominal_tail([w for w in own if w[2] < start])
        after = _nominal_head([w for w in own if w[3] > end])
        new_start = min(new_start, before[0][2] if before else start)
        new_end = max(new_end, after[-1][3] if after else end)
    return new_start, new_end


def completed(text: str, start: int, end: int) -> tuple[int, int]:
    """A span that already holds several items of a list (甲市长、乙局长、丙) with its last item
    whole (…、丙主任); any other span unchanged. Only the end, and only with nouns, names and
    closing marks: the span model starts a list where it starts (words before it that LAC
    calls nominal are often a label, 俗名赤笔仔、红公眉, or a time, 现在蒙古国以及…), and after
    an item a localiser or a count is no part of it (罗马和米兰之后, 《秋水集》两部). On the
    decision fold, completing both ends with any nominal word changed 3 of 667 answers, F1
    60.94 -> 60.91; this changes one (《青春小鸟 -> 《青春小鸟》), F1 the same."""
    found = _items_of(text, start, end)
    if found is None or len(found[1]) < 2:
        return start, end
    runs, mine = found
    after = [w for w in runs[mine[-1]] if w[3] > end]
    n = 0
    while n < len(after) and (after[n][1] in _NOUNS or after[n][0] in _CLOSING):
        n += 1
    return start, after[n - 1][3] if n else end


def members(text: str, start: int, end: int) -> tuple[int, int]:
    """A span naming the kind of things a list gives after 等 (华为、小米和联想等十多家企业 ->
    华为、小米和联想): the list's items, when it has two or more; any other span unchanged.
    Walking back from 等, an item is the whole run between joiners (标准引领 and 创建示范区 are
    items though LAC calls 引领 and 创建 verbs) until a run holds a preposition, particle,
    adverb, pronoun or conjunction (对苏州在品牌战略, 进行了A), or starts the clause: of that
    one, only what follows its last such word (_first_item). No list question of the public
    dev sets' decision fold has its span after 等 (news writes such lists, encyclopedias
    seldom), so this stands on the grammar of 等 alone, with tests on hand-made passages."""
    found = _items_of(text, start, end)
    if found is None:
        return start, end  # no kind of things (五个方面对全市…进行了汇报 is a clause)
    clause, mine = found
    runs = clause[: mine[0]] + [[w for w in clause[mine[0]] if w[3] <= start and not w[0].isspace()]]
    if not runs[-1] or runs[-1][-1][0] not in ("等", "等等"):
        return start, end  # not after 等
    runs[-1].pop()  # 等
    items = []
    for i in range(len(runs) - 1, -1, -1):
        run = runs[i]
        if i > 0 and run and not any(tag in _NOT_IN_ITEMS for _, tag, _, _ in run):
            items.insert(0, run)
            continue
        first = _first_item(run)
        if first:
            items.insert(0, first)
        break
    if len(items) < 2:
        return start, end
    return items[0][0][2], items[-1][-1][3]


def one_of_kind(text: str, start: int, end: int, kind: str) -> tuple[int, int]:
    """For a question after one thing of a kind (哪个县级市政府在会上发言？), a span holding
    several items of a list narrowed to the one item that ends as the kind does (常熟市政府
    of 苏州质监局、常熟市政府: 政府; the kind's word alone, 教宗 of 罗马教廷和教宗, names
    none); any other span unchanged. Of the 136 such questions of the decision fold, no
    answerable reading changes (4 readings without their answer do): news lists bodies of
    several kinds, encyclopedias seldom."""
    found = _items_of(text, start, end)
    if found is None or len(found[1]) < 2 or len(kind) < 2:
        return start, end
    runs, mine = found
    folded = fold(text)
    spans = [(max(start, runs[i][0][2]), min(end, runs[i][-1][3])) for i in mine if runs[i]]
    of_kind = [(a, b) for a, b in spans if folded[a:b].endswith(kind[-2:]) and folded[a:b] not in (kind, kind[-2:])]
    return of_kind[0] if len(of_kind) == 1 else (start, end)


_NOT_IN_ITEMS = {"p", "u", "d", "r", "c"}  # LAC: preposition, particle, adverb, pronoun, conjunction


def _first_item(run):
    """The words after the run's last function word (在绿色出行 -> 绿色出行), or, in a run
    without one, its trailing nominal words (发展电子信息 -> 电子信息)."""
    cut = max((k + 1 for k, w in enumerate(run) if w[1] in _NOT_IN_ITEMS), default=0)
    if cut:
        return run[cut:]
    return run if _whole_item(run) else _nominal_tail(run)


def clause_around(folded: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause holding start:end of the (folded) text begins and ends (between marks
    such as ，。；： and line breaks)."""
    c0 = max((m.end() for m in _CLAUSE_EDGE.finditer(folded, 0, start)), default=0)
    edge = _CLAUSE_EDGE.search(folded, end)
    return c0, edge.start() if edge else len(folded)


def _items_of(text: str, start: int, end: int):
    """The runs of the span's clause and the indices of those the span overlaps, or None
    when the span is not made of nominal words (大力开展…标准化 is an action, not an item)."""
    folded = fold(text)
    c0, c1 = clause_around(folded, start, end)
    runs = _runs(folded, c0, c1)
    mine = [i for i, run in enumerate(runs) if run and run[0][2] < end and start < run[-1][3]]
    if not mine or not all(_nominal(w, t) for i in mine for w, t, a, b in runs[i] if a < end and start < b):
        return None
    return runs, mine


def _runs(folded: str, c0: int, c1: int) -> list[list[tuple[str, str, int, int]]]:
    """The clause's words (word, tag, start, end) in runs split at the joiners of a list."""
    clause = folded[c0:c1]
    runs, current = [], []
    for word, tag, start, end in located_tokens(clause, analyse_tokens(clause)):
        if word in _JOINERS and tag in ("w", "c", "p"):
            runs.append(current)
            current = []
        else:
            current.append((word, tag, c0 + start, c0 + end))
    runs.append(current)
    return runs


def _whole_item(run) -> bool:
    return bool(run) and len(_nominal_head(run)) == len(run)


def _nominal(word: str, tag: str) -> bool:
    return tag in _NOMINAL or word in _INSIDE or _SELF_REFERENCE.fullmatch(word) is not None


# 本报, 本市, 本院: "this paper/city/court", which LAC tags as pronouns, open an item in news
# lists (由国家体委宣传司、本报体育部、正奥体育发展有限公司共同主办).
_SELF_REFERENCE = re.compile(r"本[报市省县区台院校厂刊社部局所]")


def _nominal_head(run):
    """The run's leading nominal words (an item before whatever follows it)."""
    n = 0
    while n < len(run) and _nominal(run[n][0], run[n][1]):
        n += 1
    while n and run[n - 1][0] in _INSIDE - _CLOSING:
        n -= 1
    return run[:n]


def _nominal_tail(run):
    """The run's trailing nominal words (an item after whatever precedes it)."""
    n = len(run)
    while n and _nominal(run[n - 1][0], run[n - 1][1]):
        n -= 1
    while n < len(run) and run[n][0] in _INSIDE - {"《", "“", "「", "\""}:
        n += 1
    return run[n:]
