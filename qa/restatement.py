"""An answer does not restate the question.

The span model often reaches into the words of the question itself: 太阳的650倍 for
哪一恒星的半径是太阳的650倍？, or 综合型私立大学 for 世宗大学是一所什么类型的私立大学？.
The cases, all folded text:
  - the span holds nothing but question words, stands where the question puts its own
    words (restates_object) or lists the question's subject among its peers
    (lists_the_subject): the answer is elsewhere, so the next guess that does none of
    these is taken;
  - the span goes on into a run of the question (RUN characters or more): the answer is
    what comes before that run (一颗恒星的总质量 of 一颗恒星的总质量是恒星演化…的主要因素).
Kept as they are: what the question asks for by kind (海逸国际酒店集团 for 哪个国际酒店集团,
卫所制度 for 何种制度: the run follows the interrogative), and a number with its measure
word or unit (三个地区播放版本 keeps 三个, never 三).
A question after the members of a group the passages name but do not list (那13个专业服务领域
具体是哪些？ over 具有苏州特色的13个专业服务领域) gets the group back as its span: that is no
answer but a sign that the members are not given (group_named).
On the decision fold's answerable readings (667) 30 answers change: 19 for the better, 4 for
the worse (docs/reader.md, session 33).
"""

from __future__ import annotations

import re
from typing import Iterator

from .enumeration import split_items
from .intake import lexicon_lines
from .question import FRAME_NOUNS, analyse_tokens, asked_group, located_tokens, question_names, question_topic

RUN = 4  # characters of the question a span must repeat before that part is cut off
_FILLER = re.compile(r"[的之「」“”《》()（）\s,，、。]")
_TRAILING = "是为為的而并與与和及或在了、，,-·"  # what joins the answer to the restated run
_CLOSING = "。，,；;：:、”」』）) 等"  # after the last word of a span
_NUMBER_END = re.compile(r"[0-9０-９一二三四五六七八九十百千万亿两零〇几多余]$")
_ASKING = re.compile(r"什么|哪|几|多少|谁|何")
_BETWEEN = ' ,，、“”「」"'  # what may stand between a verb and its object
_INTERROGATIVE_END = re.compile(r"(哪[一个些家种位座所条]?|什么|何种?)$")


def only_question_words(span: str, question: str) -> bool:
    """The span says nothing the question does not (fillers aside), unless it is the
    kind the question asks for."""
    core = _FILLER.sub("", span)
    if not core or core not in _FILLER.sub("", question):
        return False
    at = question.find(span)
    return not (at >= 0 and _asks_for(question, at))


# What a question sets aside (除了苏州以外，还有哪些城市…？): the answer is another thing.
_SET_ASIDE = re.compile(r"除了?([^，,。？?、]{1,20}?)(?:以外|之外|外)?[，,]")
_PLACE_SUFFIX = re.compile(r"[市省县区镇村州国]$")


def names_the_set_aside(span: str, question: str) -> bool:
    """The span is just what the question sets aside (苏州市 for 除了苏州以外，江苏还有哪些
    城市…？), a kind's suffix aside. Not a span saying more (河岸解冻及雨季降水 for 除了河岸解冻
    之外…). All folded. None of the 41 dev references to such questions is, or holds, it; of the
    75 dev questions holding 除 one reading changes (a wrong answer, 蒙古, refused)."""
    m = _SET_ASIDE.search(question)
    if m is None:
        return False
    core, aside = span.strip(_CLOSING), m.group(1)
    shorter, longer = sorted((core, aside), key=len)
    return bool(shorter) and (core == aside or (longer[:-1] == shorter and bool(_PLACE_SUFFIX.search(longer))))


def restates_object(span: str, before: str, question: str) -> bool:
    """The span stands where the question puts its own words: it begins with a run of RUN
    characters the question holds after its interrogative, and the passage puts right
    before it the word the question puts before that run (引入 | 城市管理和综合服务 for
    试点将什么引入城市管理？: the question already says what is brought in to; it asks
    what is). before: the passage's text up to the span. All folded. Of the 6,743
    references of DRCD and CMRC dev 1 does (早在 | 1911年 for 哪一个国家早在1911年的时候…)."""
    asking = _ASKING.search(question)
    if asking is None or len(span) < RUN:
        return False
    rest = question[asking.end():]
    at = rest.find(span[:RUN])
    gap = rest[:at].rstrip("的") if at > 0 else ""
    return bool(gap) and before.rstrip(_BETWEEN).endswith(gap[-2:])


def lists_the_subject(span: str, question: str, several: bool = False) -> bool:
    """The span lists several things, one of them a name the question gives whole
    (苏州质监局、常熟市政府、苏州市交通局、好孩子 for 常熟市政府在会上做了什么？): it names the
    question's subject among its peers, not what is asked of it. Of the 6,743 references of
    DRCD and CMRC dev, none outside questions after several things is a list with an item the
    question names whole. For those (several=True: 苏州市交通局介绍了哪些经验？) the name must
    stand alone in the question (not 华北 of 华北陆块), and the question must neither give
    members itself (包括辽沈、平津以及哪一个？) nor set the name aside (除了…): so none of their
    273 dev references is such a list. All folded."""
    if "、" not in span:
        return False
    items = set(split_items(span))  # the items before 等 (…、好孩子等4家单位)
    names = subject_names(question)
    if several:
        if _OFFERS_MEMBERS.search(question):
            return False  # 包括辽沈、平津以及哪一个？: the list holds what the question gives
        aside = _SET_ASIDE.search(question)
        names = [n for n in names if _stands_alone(n, question) and not (aside and n in aside.group(1))]
        if not _GIVES_SOME.search(question):  # an item the question asks about (苏州在民生计量方面取得了哪些成果？)
            names += [item for item in items if _asked_about(item, question)]
    return any(name in items for name in names)


# A question that gives some members itself or asks for the others (讲堂、辅导课以及什么,
# 除了赫哲语还包括哪些, 还有一个部族是): its items may well be in the answer's list.
_GIVES_SOME = re.compile(r"、|以及|及|还有|还包括|除了?|另|其他|其它|其余")


def _asked_about(item: str, question: str) -> bool:
    """The (folded) question holds the item as words of its own, no part of a longer noun
    (民生计量 of 在民生计量方面; not 犯罪 of 犯罪小说, 现代 of 现代性) nor of a title."""
    if len(item) < 2 or item not in question or re.search(rf"[《「“『][^》」”』]*{re.escape(item)}", question):
        return False
    tokens = located_tokens(question, analyse_tokens(question))
    starts = {start for _, _, start, _ in tokens}
    for i, (_, _, _, end) in enumerate(tokens):
        at = end - len(item)
        if at in starts and question[at:end] == item:
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            return not (after and after[1] in _OWNER_TAGS and after[0] not in FRAME_NOUNS)
    return False


def subject_names(question: str) -> list[str]:
    """The names a (folded) question gives, and the head of its topic when the tagger takes
    it for no name (好孩子 of 好孩子在会上分享了哪些经验？)."""
    tags = analyse_tokens(question)
    names = question_names(question)
    topic = question_topic(question, tags)
    return names + [topic] if topic and topic not in names else names


# A question that gives some members and asks the rest (…、平津以及哪一个？, 还有哪些).
_OFFERS_MEMBERS = re.compile(r"(?:以及|及|和|与|还有|、)(?:其他|其它)?哪")


def _stands_alone(name: str, question: str) -> bool:
    """The name is no part of a longer noun of the (folded) question (华北 of 华北陆块)."""
    tokens = located_tokens(question, analyse_tokens(question))
    return not any(word == name and i + 1 < len(tokens) and tokens[i + 1][1] in _OWNER_TAGS
                   for i, (word, _, _, _) in enumerate(tokens))


def before_restated_run(span: str, question: str) -> int | None:
    """Where the answer ends when the span runs on into the question's words: the length
    of the part before the first run of RUN characters the question also holds; None when
    the span does not, or when the part before is no answer by itself."""
    for i in range(2, len(span) - RUN + 1):
        if span[i : i + RUN] not in question:
            continue
        while i > 0 and span[i - 1 : i + RUN] in question:  # the restated run may begin earlier
            i -= 1
        head = span[:i].rstrip(_TRAILING)
        if len(_FILLER.sub("", head)) < 2 or _NUMBER_END.search(head) or "。" in head:
            return None
        at = question.find(span[i : i + RUN])
        if span[i:] in question and _asks_for(question, at):
            return None
        return len(head)
    return None


_GROUP_MODIFIERS = re.compile("|".join(lexicon_lines("group_modifiers")))


def group_named(span: str, question: str) -> str:
    """The group a question asks the members of, when the span ends with it and lists no
    members (苏州特色的13个专业服务领域 for 那13个专业服务领域具体是哪些？, 全市质量强市工作
    先进地区 for 哪些地区被评为质量强市工作先进地区？); "" otherwise. The group ends with the
    noun asked for (question.asked_group: 领域, 地区), not with a verb the question asks after
    (上下功夫 of 在哪几个「新」上下功夫？), and says more than that noun. No group: a member
    named with its kind (极轨卫星运载火箭 for 主力运载火箭是哪两个？; 星海传媒集团 for 有哪些
    传媒集团, where the run follows the interrogative), members that share the run
    (十五数字推盘游戏和八数字推盘游戏). Words that only qualify the group (主要负责人,
    qa/lexicons/group_modifiers.txt) are left out. Of the 273 answers DRCD and CMRC dev give to questions
    after several things, 3 end with RUN characters of the question, each a list of members
    (docs/reader.md, session 36)."""
    span, noun = _GROUP_MODIFIERS.sub("", span.rstrip(_CLOSING)), asked_group(question)
    if "、" in span or not noun or not (span.endswith(noun) or span[-2:] == _group_asked_of(question)[-2:]):
        return ""
    for length in range(len(span), RUN - 1, -1):
        run = span[-length:]
        at = question.find(run)
        if at >= 0:
            return "" if len(run) == len(noun) or span.count(run) > 1 or _asks_for(question, at) else run.lstrip("的")
    return ""


# A question naming the group first and then asking its members by their kind (2011年度先进地区
# 具体是哪几个市、区？): the group is what opens the question.
_GROUP_FIRST = re.compile(r"^(?:那|这|该|此)?(.{2,}?)(?:具体|到底|究竟|都|分别|主要)*(?:是|包括|包含|指)(?:哪|什么)")


def _group_asked_of(question: str) -> str:
    """The group a (folded) question names before asking its members (2011年度先进地区 of
    2011年度先进地区具体是哪几个市、区？), or "" when it does not open so."""
    m = _GROUP_FIRST.match(question)
    return m.group(1).rstrip("的") if m else ""  # 被评为…先进地区的是哪几个地方？


def _asks_for(question: str, at: int) -> bool:
    return bool(_INTERROGATIVE_END.search(question[:at]))


# The tags of a noun that can own what a question asks after (试点 of 试点的验收标准是什么？)
_OWNER_TAGS = {"n", "nz", "nw", "vn", "ORG", "LOC", "PER", "nt", "ns"}
_ATTRIBUTE_END = re.compile(r"是|由|为|為|有|叫|在|从|從|如何|怎|" + _ASKING.pattern)


# What names a thing (会议的名称是什么？): its name holds the thing's own word (…动员会议), so a
# span going on with the owner is the name cut short, not the owner alone.
_NAMING = re.compile(r"名称|名字|全称|全名|简称|名|称号|称呼|标题|题目|名号")


def _asked_after(question: str) -> Iterator[tuple[str, str, str, str | None]]:
    """Each thing the (folded) question asks something of, in order: (the owner whole, its
    last word, that word's tag, what is asked of it), 试点, 试点, n, 验收标准 for
    试点的验收标准是什么？. The attribute is "" when nothing stands between 的 and the asking,
    None when the question asks in another clause."""
    located = located_tokens(question, analyse_tokens(question))
    for i in range(1, len(located) - 1):
        word, _, of, _ = located[i]
        if word != "的":
            continue
        run = i  # the nouns right before 的: 市长质量奖 of 市长质量奖的评选标准
        while run > 0 and located[run - 1][1] in _OWNER_TAGS:
            run -= 1
        if run == i:
            continue
        start = located[run][2]
        if _ASKING.search(question[:start]) or "还是" in question:
            continue  # 什么地区的乡土神, 哪位作家作品的背景 ask which owner; 支持还是反对…的立法 offers it
        asking = _ASKING.search(question, of)
        attribute = _ATTRIBUTE_END.split(question[of + 1:], maxsplit=1)[0].rstrip("?？。")
        in_clause = asking is not None and not re.search(r"[,，;；]", question[of:asking.start()])
        yield question[start:of], located[i - 1][0], located[i - 1][1], attribute if in_clause else None


def owner_named(span: str, after: str, question: str) -> str:
    """The question asks after something of a thing (试点的验收标准是什么？) and the span only
    names that thing: the passage goes on from the span with the owner (城市综合服务标准化 |
    试点), or the span ends with it (苏州市市长质量奖 for 市长质量奖的评选标准是什么？): the span
    says which thing, not what the question asks of it. Returns what is
    asked, owner and attribute (试点的验收标准), or "". Not for a name asked (会议的名称:
    owner_completes_name). All folded. Of the 4,036 questions of DRCD and CMRC dev holding 的,
    no reference is followed by its owner so."""
    if not span or not re.match(r"\w", span[-1]) or span.endswith("的"):
        return ""  # 新石器时代的 | 欧洲 says when, of the owner
    for whole, last, tag, attribute in _asked_after(question):
        owners = [o for o in (whole, last) if len(o) >= 2]
        ends = (len(whole) >= 3 and span.endswith(whole) and len(span) > len(whole) and tag != "PER"
                and not re.search(r"[,，:：;；、。]", span))  # a clause ending so restates the question
        if attribute is None or (not ends and not any(after.startswith(o) for o in owners)):
            continue
        return f"{whole}的{attribute}" if attribute and not _NAMING.fullmatch(attribute) else ""
    return ""


def owner_completes_name(after: str, question: str) -> str:
    """The owner the passage goes on with when the question asks its name: 会议 for
    会议的名称是什么？ after …试点动员 | 会议; "" otherwise. All folded."""
    for whole, last, _, attribute in _asked_after(question):
        if attribute and _NAMING.fullmatch(attribute):
            return next((o for o in (whole, last) if len(o) >= 2 and after.startswith(o)), "")
    return ""
