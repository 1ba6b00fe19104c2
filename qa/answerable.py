"""Does the collection hold the answer? The offline reader's refusal decision.

A logistic model over a few numbers the reader already has, fit on public data by
training/fit_decision.py (weights in qa/models/reader.json, section "gate"):

  - how sure the span model is of its best span over "no answer" (its margin);
  - whether the rule reader (qa/reader.py) answers too, and agrees with the span;
  - how much of the question the passages cover, each word weighed by how specific it
    is in the language (a question about 狄拉克 over passages about other physicists
    covers little of its weight; one that says 名字 where the text says 名 loses little):
    near the span, in the best passage, in all passages read;
  - how specific the most specific word is that no passage holds;
  - whether a name the question gives (LAC's people, places, organisations and other
    proper nouns, each whole) is in no passage: 北土城站 is not in a passage about
    西土城站, though each of jieba's words for it (北, 土城, 站) is.
  - whether the head of the question's topic (qa.question.question_topic) is in no
    passage: LAC cuts 北海道狼 into 北海 and 道狼, and a passage about 日本狼 holds no name
    of the question, but not its topic either.
Besides the model, a span of a type the question cannot want (no numeral for 多少, 几)
is no answer (``type_mismatch``): fit as a feature it got no weight, because the span model
seldom makes that mistake on Wikipedia; on news questions about details the article does not
give (预算是多少钱, 一共有多少人参加) it is how the reader answers them wrongly.
When the span and the rule reader's answer agree, the reader answers whatever the
model says: on the public data such agreement is ten times rarer among questions
whose article is missing than among answerable ones.

The similarity of question and passage in embedding space was tried and left out:
it separates well on Wikipedia, but its level shifts with the kind of text (news
questions sit lower), and the gate must hold on text it was not fit on.

The span model alone cannot tell "the answer is here" from "a similar article is
here": both give it a sentence of the right type to point at. Weighted coverage
can, and the span model's margin tells a passage that answers from one
that only mentions the words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .coverage import in_order_close
from .enumeration import split_items
from .intake import lexicon_lines
from .question import (ASKED_MEASURE, JIEBA_TOTAL, MEASURE_WORD, analyse_tokens, asked_group, asked_kind, same_measure,
                       surprisal)
from .text import fold

FEATURES = ("margin", "rules_answer", "agrees", "cover_near", "cover_first", "cover_all", "missing_specific",
            "name_missing", "topic_missing")
NEAR = 80  # characters either side of the span that count as "near" it


@dataclass(frozen=True)
class Gate:
    """Weights of the logistic model and the probability the reader answers at."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    means: dict[str, float] = field(default_factory=dict)  # standardisation fit with the weights
    scales: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.5

    @classmethod
    def from_json(cls, data: dict | None) -> "Gate | None":
        if not data:
            return None
        return cls(weights=dict(data["weights"]), bias=float(data["bias"]), means=dict(data["means"]),
                   scales=dict(data["scales"]), threshold=float(data["threshold"]))

    def probability(self, features: dict[str, float]) -> float:
        if features["agrees"]:
            return 1.0
        z = self.bias + sum(w * (features[name] - self.means[name]) / self.scales[name]
                            for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def answers(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold


# A numeral, in figures or in characters (十三, 两, 数百, 一半).
NUMERAL = re.compile(r"\d|[零〇一二两兩三四五六七八九十百千万萬亿億几幾数數半]")


# A time: a numeral, or a word of dates, times of day, seasons, eras and periods (清朝, 战国时期).
# Not 周 or 明 alone: they are common in names (周乃翔, 姚东明), and their times hold another
# mark (周末, 周一, 明天, 明朝), or are listed (上周, 本周). No guess of the decision fold's
# own readings changes type by this. Nor 分 alone: it is a minute only when counted (30分); in
# 分别, 部分, 分子 it is no time (none of 6,743 dev references needs it alone).
_TIME = re.compile(NUMERAL.pattern + r"|[年月日天时秒代朝期季春夏秋冬晨早晚夜午前后今昨节旬初末间际岁]|世纪|星期"
                   r"|[上下本每这前]周")


# What of a span lies inside a 《》 title: a whole one, or the part before a closing or after
# an opening mark (2011-2020年)》 of a span that starts inside 《质量发展纲要(2011-2020年)》).
_TITLE = re.compile(r"^[^《》]*》|《[^《》]*》|《[^《》]*$")
# Which year (哪一年, 何年): 445 of the 446 such questions of both dev sets have a reference
# holding 年 or a number of two digits or more (the other: 二次大战); 9月7日 is no year.
_ASKS_YEAR = re.compile(r"哪一?年|何年|什么年份|哪个年份")
_YEAR = re.compile(r"年|\d\d")
# How long (多久, 多长时间): all 29 such questions of both dev sets have a reference holding a
# unit of time and none a day or month of the calendar; a date (2012, 9月, 9月7日) is no length.
_ASKS_DURATION = re.compile(r"多久|多长时间|多长的时间|多少时间")
_DURATION = re.compile(r"[年月天日周时分秒代季旬晚夜]|星期|世纪")
# ... with an amount of it: 三年, 半天, 数周, 每年 (not 周 alone, the surname of 周乃翔, nor a
# year of account, 2011年度 for 市长质量奖多久评选一次？; 1500年 may be a length, 2014年 too)
_YEAR_OF_ACCOUNT = re.compile(r"[12]\d{3}\s*年度")
_AMOUNT_OF_TIME = re.compile(rf"{NUMERAL.pattern}|[半数數几幾多整长長终終每]|一生|一辈子")
_CALENDAR_DATE = re.compile(r"(?<![个個箇多几数\d])(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})?[日号]?")


# How much money (造价是多少, 奖金有多少, 多少钱): the answer names a currency.
_MONEY_NOUNS = "|".join(sorted(lexicon_lines("money_nouns"), key=len, reverse=True))
# Asked either way round: 奖金有多少, 拿到多少奖金 (5 dev questions ask the second way; 4 of their
# references name a currency, the fifth is 欧盟 for 花了欧盟多少经费).
_ASKS_MONEY = re.compile(rf"多少钱|(?:{_MONEY_NOUNS})(?:是|为|约|约为|达|达到|有|共|一共|总共|大约|高达|合计)*(?:多少|几)"
                         rf"|(?:多少|几)的?(?:{_MONEY_NOUNS})")
_CURRENCY = re.compile(r"元|圆|镑|美金|円|币|法郎|马克|卢布|比索|里拉|盾|铢|卢比|令吉|兰特|块钱|[$€£¥]")
# A multiple (多少倍) is given in 倍, a share (占多少比例) as a percentage or fraction: so
# are all 9 and all 15 answers of DRCD and CMRC dev asking this way (百分之多少 may be
# answered by the bare number, so it is no share here).
_ASKS_MULTIPLE = re.compile(r"(?:多少|几)倍")
_ASKS_SHARE = re.compile(r"多少的?(?:比例|百分比)")
_SHARE = re.compile(r"[%％‰/]|分之|成")


# Kinds of question whose answer always holds a mark (什么颜色: a colour word), as data.
_MARKS = [tuple(re.compile(part) for part in line.split(None, 1)) for line in lexicon_lines("answer_marks")]


# An organisation asked for by kind (哪家企业, 哪个大学) is no bare place. Of the 134 answers
# of DRCD and CMRC dev to such questions, none is a place alone that does not end with a kind
# of organisation (美国电影艺术与科学学院, which LAC takes for a place, does). Over the dev
# paragraphs of the 1,294 questions after one thing of a kind, the check refuses 6 more of
# them with the answer's sentence cut, and changes 4 answers with it there (3 wrong ones,
# 美国 for 哪个大学, refused). A person's name is left alone: LAC takes foreign companies
# for people (梅里厄姆·韦伯斯特). docs/reader.md, session 36.
_ORGANISATION_KINDS = tuple(lexicon_lines("organisation_kinds"))


def _only_a_place(span_text: str) -> bool:
    """Every word of the span is a place to LAC (苏州, 江苏省)."""
    tags = {tag for word, tag in analyse_tokens(span_text) if tag != "w"}
    return bool(tags) and tags <= {"LOC", "ns"}


def _place_for_organisation(span_text: str, question: str) -> bool:
    """The question asks for an organisation by its kind and the span only names a place
    (苏州 for 哪家企业获得了市长质量奖？)."""
    kind = asked_kind(question)
    # 单位 of 哪个单位工作 too, where LAC takes 工作 for a noun of the kind
    if not any(k in kind for k in _ORGANISATION_KINDS) or span_text.endswith(_ORGANISATION_KINDS):
        return False
    return _only_a_place(span_text)


# A building or venue asked for by kind (哪家酒店, 哪个会议中心, 哪个车站) is no town, county
# or country (苏州市 for 会议在哪家酒店召开？). Of the 59 answers of DRCD and CMRC dev to such
# questions none is a place alone ending in a kind of administrative area; several are
# places by LAC's tags (潮州体育馆, 田心车站), so the ending decides, not the tag.
_FACILITY_KINDS = tuple(lexicon_lines("facility_kinds"))
_ADMINISTRATIVE_AREA = re.compile(r"[市省县区州国镇乡村]$")


def _area_for_facility(span_text: str, question: str) -> bool:
    """The question asks for a building or venue by its kind and the span only names an
    administrative area (苏州市 for 会议在哪个会议中心召开？)."""
    kind = asked_kind(question)
    if not kind.endswith(_FACILITY_KINDS) or not _ADMINISTRATIVE_AREA.search(span_text):
        return False
    if span_text.endswith(kind[-1]) or span_text.endswith(_FACILITY_KINDS):
        return False
    return _only_a_place(span_text)


def _clause_for_facility(span_text: str, question: str) -> bool:
    """The question asks for a building or venue by its kind and the span is a clause, not
    a name: it holds a verb (LAC) and ends neither with a kind of venue nor with a character
    of the kind asked (苏州市召开全市推进…试点动员 for 会议在哪个会场举行？). Of the 59 answers
    of DRCD and CMRC dev to such questions none is: the 3 that hold a verb end with their
    kind (苏嘉乍高速公路, 地籍资讯网 for 哪个网站)."""
    kind = asked_kind(question)
    span_text = span_text.rstrip("。，,、；;")
    if not kind.endswith(_FACILITY_KINDS) or span_text.endswith(_FACILITY_KINDS) or span_text[-1:] in kind:
        return False
    return any(tag == "v" for _, tag in analyse_tokens(span_text))


# A list of businesses (哪些企业获得了市长质量奖？) is no list of government bodies: of the 54
# references of DRCD and CMRC dev to questions after one or more businesses by kind, one
# names a government-like body (上海铁路局 for 哪个公司管辖, alone), none lists them.
_BUSINESS_KINDS = tuple(lexicon_lines("business_kinds"))
_GOVERNMENT_BODY = re.compile("(?:" + "|".join(lexicon_lines("government_bodies")) + ")$")


def _government_for_business(span_text: str, question: str) -> bool:
    """The question asks for several businesses by kind and the span lists several things,
    at least half of them government bodies (苏州质监局、常熟市政府、苏州市交通局、好孩子 for
    第一届市长质量奖颁给了哪些企业？)."""
    if not asked_group(question).endswith(_BUSINESS_KINDS):
        return False  # one business asked for (哪家企业) may be one item of a list
    items = split_items(span_text)
    bodies = sum(bool(_GOVERNMENT_BODY.search(item)) for item in items)
    return len(items) >= 2 and 2 * bodies >= len(items)


# Places asked for by kind (哪几个县级市, 哪些国家) are no list of bodies or of titled people: of
# the 303 references of DRCD and CMRC dev to such questions none has half its items government
# bodies or organisations (苏州质监局、常熟市政府、苏州市交通局、好孩子 for 先进地区包括哪几个县级
# 市？), none people with a post (周乃翔市长、靳道强局长 for 陈钢去了哪些地方调研？).
_PLACE_KIND = re.compile(r"(?:国家|地区|地方|[市省县区州国镇乡村])$")
_POST_TITLES = tuple(word for line in lexicon_lines("posts") for word in line.split())


def _bodies_for_places(span_text: str, question: str) -> bool:
    if not _PLACE_KIND.search(asked_group(question) or asked_kind(question)):
        return False
    items = split_items(span_text)
    bodies = sum(bool(_GOVERNMENT_BODY.search(item)) or item.endswith(_ORGANISATION_KINDS + _POST_TITLES)
                 for item in items)
    return len(items) >= 2 and 2 * bodies >= len(items)


# 哪位 asks for a person (哪位官员, 哪一位负责人): no government body or organisation answers it.
# Of the 61 questions of DRCD and CMRC dev asking 哪位, 哪一位 or 哪几位, no reference is one
# (苏州质监局 for 常熟市政府是由哪位官员上台发言的？ is).
ASKS_PERSON = re.compile(r"哪一?位|哪几位")


def _body_for_person(span_text: str, question: str) -> bool:
    if not ASKS_PERSON.search(question):
        return False
    items = split_items(span_text) or [span_text]
    return all(_GOVERNMENT_BODY.search(item) or item.endswith(_ORGANISATION_KINDS) for item in items)


# Things asked for by kind (哪些评审标准, 有哪些活动) are no list of titled people: of the 273
# references of DRCD and CMRC dev to questions after several things none has half its items
# ending with a post (周乃翔市长、靳道强局长、陈钢主任 for 市长质量奖的评审标准有哪些？); people asked
# for (哪些领导, 出席的嘉宾有哪些) are left alone, whoever holds a post.
_PERSON_KIND = re.compile(r"[人员者家长官导表宾手师生士将帅王帝后妃主夫妻子女儿父母兄弟姐妹友伴星众方]$")


def _people_for_things(span_text: str, question: str, qtype: str) -> bool:
    group = asked_group(question) or asked_kind(question)
    if qtype != "list" or not group or _PERSON_KIND.search(group):
        return False
    items = split_items(span_text)
    return len(items) >= 2 and 2 * sum(item.endswith(_POST_TITLES) for item in items) >= len(items)


# A count that names what it counts (4家单位, 13个专业服务领域): a number, its measure word,
# then a noun; not a unit (万平方公里), a currency or more of the number (六千余).
_COUNT_OF = re.compile(rf"(?:{NUMERAL.pattern})\s*(?:{MEASURE_WORD.pattern})([\u4e00-\u9fff]{{2,}})")
_NOT_A_THING = re.compile(rf"(?:{NUMERAL.pattern})|[多余餘左右以上的]|平方|立方")
# A measure word after 个 is a unit (3个月, 两个小时), but 方面 (五个方面) is what is counted.
_COUNTED_MEASURES = frozenset({"方面"})


def _counts_another_thing(span_text: str, question: str) -> bool:
    """The span counts a thing the question does not name: no character of the head (its
    last two characters) of the counted noun is in the question (4家单位 for 有多少家企业获奖？,
    13个专业服务领域 for 全国有几个试点？). Of the 507 references of DRCD and CMRC dev to count
    questions, 1 does (每立方公尺一个原子 for a density); references seldom name the thing."""
    for m in _COUNT_OF.finditer(span_text):
        noun = m.group(1)
        measure = MEASURE_WORD.match(noun)
        unit = measure and measure.group() not in _COUNTED_MEASURES
        if _NOT_A_THING.match(noun) or unit or _CURRENCY.search(noun):
            continue
        if not any(c in question for c in noun[-2:]):
            return True
    return False


# A count in another measure than the one asked counts another thing: 4500名 for 纽西兰国防军
# 海军目前有多少艘舰艇？. Of the 270 references of DRCD and CMRC dev to questions naming their measure that
# hold a count, 20 count in another word, every one of them a magnitude (212万 for 多少人), 个,
# a percentage or a measure of the same group (qa/lexicons/measure_groups.txt: 2位 for 多少人),
# but 2000起 for 有多少年轻人…, whose 年 is no measure. Over the 267 dev questions naming their
# measure, read over their own paragraph: 11 readings change, F1 +1.6 in all (第四位 for 日本三大,
# 第34次会议通过 for a date, 2000起 refused), and 8 more of their cut readings are refused.
_COUNT_IN = re.compile(rf"(?:{NUMERAL.pattern})\s*(?:多|余|餘)?\s*({MEASURE_WORD.pattern})")
_NO_COUNTER = {"个", "万", "亿", "%", "倍", "元", "美元", "欧元"}


def _counts_in_another_measure(span_text: str, question: str) -> bool:
    asked = ASKED_MEASURE.search(question)
    given = _COUNT_IN.search(span_text)
    if not asked or not given or {asked.group(1), given.group(1)} & _NO_COUNTER:
        return False
    return not same_measure(asked.group(1), given.group(1))


# 第几 asks a rank (排名第几: 第四, 第1位) or the ordinal of what it names (第几届: 第八届); an
# ordinal of another measure (第一届 for 排名全国第几？ or 第几张？) is of another thing. Each
# of the 31 references of DRCD and CMRC dev to 第几 questions holds the asked measure, or
# 名/位/大 for a rank, or no measure.
_ASKED_ORDINAL = re.compile(rf"第几\s*({MEASURE_WORD.pattern})?")
_GIVEN_ORDINAL = re.compile(rf"(?:第|首)(?:{NUMERAL.pattern})*\s*({MEASURE_WORD.pattern})")


def _ordinal_of_another_kind(span_text: str, question: str) -> bool:
    asked, given = _ASKED_ORDINAL.search(question), _GIVEN_ORDINAL.search(span_text)
    if not asked or not given:
        return False
    return given.group(1) not in ((asked.group(1),) if asked.group(1) else ("名", "位", "大"))


_NAME_OPENS = re.compile(r"\s*([“「《『\"])([^”」》』\"]{1,30})")
_THING = re.compile(r"([\u4e00-\u9fff]{2,16})")


def names_a_name(after: str, question: str, span: str = "") -> str:
    """A time that opens a quoted name (2012年 of 2012年“质量月”) says which thing is named,
    not when the question's event happened, unless the question names it too (哪一年的
    “质量月”？); so does a year of account (2011年度 of 2011年度全市质量强市工作先进地区) unless
    the question names the thing's head (季军 of 哪一年度香港小姐竞选季军？). Returns the name,
    or "". After: the (folded) passage text right after the span. None of the 616 references
    of DRCD and CMRC dev to when-questions is followed by a quotation or title mark at all;
    one is a year of account (2008年 | 度香港小姐竞选季军, for that question)."""
    if span[-1:].isdigit() and after.startswith("年"):
        span, after = span + "年", after[1:]  # the span model's piece may stop before 年: 2012 | 年“质量月”
    m = _NAME_OPENS.match(after)
    if m:
        return m.group(2) if m.group(2) not in question else ""
    if span.endswith("年度") or (span.endswith("年") and after.startswith("度")):
        thing = _THING.match(after.removeprefix("度"))
        if thing and not any(c in question for c in thing.group(1)[-2:]):
            return thing.group(1)
    return ""


def title_holding(text: str, start: int, end: int) -> str:
    """The 《》 title of the (folded) text that the span start:end lies inside, or "": the
    period in 《质量发展纲要(2011-2020年)》 names the plan, it is not when the plan was issued.
    None of the 616 references of DRCD and CMRC dev to when-questions lies inside a title
    (9 of all 6,743 references do)."""
    opened, closed = text.rfind("《", 0, start), text.find("》", end)
    if opened < 0 or closed < 0 or "》" in text[opened:end] or "《" in text[end:closed]:
        return ""
    return text[opened + 1:closed]


def asks_year(question: str) -> bool:
    """The (folded) question asks for a year (哪一年), not a day or a time."""
    return bool(_ASKS_YEAR.search(question))


_ORDINAL = re.compile(r"第(?:" + NUMERAL.pattern + r")+")
# A year (2011年, 2011年度) is no count unless the question counts years (几年, 多少年): of the
# 28 references of DRCD and CMRC dev to count questions that hold a year, 26 answer 西元几年
# and 2 hold a count besides (13011人(2000年)). A day of the calendar (12月19日) is none either:
# no such reference holds one.
_CALENDAR_YEAR = re.compile(r"(?<!\d)[12]\d{3}\s*年度?")
_COUNTS_YEARS = re.compile(r"(?:几|多少)\s*年")
_COUNTS_DAYS = re.compile(r"(?:几|多少)\s*个?\s*[月日号]")


def type_mismatch(qtype: str, span_text: str, question: str = "") -> bool:
    """The span cannot be what the question asks for: a number (多少, 几) without a
    numeral (an ordinal, 第一届, is no amount unless the question asks 第几), a sum of money
    (造价是多少) without a currency, a multiple (多少倍) without 倍, a share (占多少比例)
    without a percentage or fraction, a time
    (哪天, 什么时候) without a word of time, a year (哪一年) without 年 or a number of years,
    a length of time (多久) without a unit of time; the kinds of qa/lexicons/answer_marks.txt
    (什么颜色 without a colour, 哪个世纪 without 世纪); an organisation (哪家企业) that is a
    place alone, a venue (哪家酒店) that is a town or a clause, businesses (哪些企业) that are mostly
    government bodies, places (哪几个县级市) that are mostly bodies or titled people; an ordinal of
    another measure (第一届 for 排名第几); a number or time inside a 《》 title."""
    question = fold(question)
    if any(asks.search(question) and not mark.search(span_text) for asks, mark in _MARKS):
        return True
    if _place_for_organisation(span_text, question) or _area_for_facility(span_text, question):
        return True
    if _clause_for_facility(span_text, question):
        return True
    if _government_for_business(span_text, question) or _bodies_for_places(span_text, question):
        return True
    if _people_for_things(span_text, question, qtype) or _body_for_person(span_text, question):
        return True
    if qtype == "count":
        span_text = _TITLE.sub("", span_text)  # 《纲要(2011-2020年)》 counts nothing
        if "第几" not in question:
            span_text = _ORDINAL.sub("", span_text)
        elif _ordinal_of_another_kind(span_text, question):
            return True
        if not _COUNTS_YEARS.search(question):
            span_text = _CALENDAR_YEAR.sub("", span_text)
        if not _COUNTS_DAYS.search(question):
            span_text = _CALENDAR_DATE.sub("", span_text)
        if _ASKS_MONEY.search(question) and not _CURRENCY.search(span_text):
            return True
        if _ASKS_MULTIPLE.search(question) and "倍" not in span_text:
            return True
        if _ASKS_SHARE.search(question) and not _SHARE.search(span_text):
            return True
        return (not NUMERAL.search(span_text) or _counts_another_thing(span_text, question)
                or _counts_in_another_measure(span_text, question))
    if _ASKS_DURATION.search(question):
        return (not (_DURATION.search(span_text) and _AMOUNT_OF_TIME.search(span_text))
                or bool(_CALENDAR_DATE.search(span_text)) or bool(_YEAR_OF_ACCOUNT.fullmatch(span_text.strip())))
    if qtype == "when":
        span_text = _TITLE.sub("", span_text)  # 《质量发展纲要(2011-2020年)》 names a plan, it is no time
        if asks_year(question):
            return not _YEAR.search(span_text)
        return not _TIME.search(span_text)
    return False


def holds_name(evidence: str, name: str, person: bool = False) -> bool:
    """The (folded) evidence holds the name whole; a person's name of three characters or
    more also with up to three characters between its own (靳局长 is 靳道强局长, 周市长
    is 周乃翔市长). Places and things must be whole: 大沙东站 is not in 大沙地站东侧, and
    the looser check of qa/coverage.py (each jieba word somewhere) finds 北土城站 in a
    passage about 西土城站."""
    if name in evidence:
        return True
    return person and len(name) >= 3 and in_order_close(name, evidence)


def names_missing(evidence: str, names: list[str], people: list[str] = ()) -> list[str]:
    """The names (qa.question.Question.names) the folded evidence does not hold (holds_name)."""
    return [n for n in names if not holds_name(evidence, n, n in people)]


def topic_missing(evidence: str, topic: str) -> bool:
    """The (folded) evidence does not hold the question's topic head (qa.question.question_topic),
    matched like a person's name: in order, a few characters apart (苏州市长 in 苏州市市长)."""
    return bool(topic) and not holds_name(evidence, topic, person=True)


def features(words: list[str], passages: list[str], span: tuple[int, int, int] | None, margin: float,
             rules_answer: bool, agrees: bool, qtype: str = "", question: str = "",
             names: list[str] = (), people: list[str] = (), topic: str = "") -> dict[str, float]:
    """The gate's inputs for one question.

    words: the question's content words, folded (qa.question.Question.words);
    names: the names it gives, folded (qa.question.Question.names), and which of them
    are people (Question.people); topic: the head of its subject (Question.topic);
    passages: the texts read; span: (passage index, start, end) of the chosen span;
    qtype, question: the question's type (qa.question.question_type) and text."""
    weight = {w: surprisal(w) for w in words}
    total = sum(weight.values()) or 1.0
    folded = [fold(p) for p in passages]  # folding keeps positions, so the span's offsets hold
    evidence = "".join(folded)
    first = folded[0] if folded else ""
    near = ""
    if span is not None:
        near = folded[span[0]][max(span[1] - NEAR, 0): span[2] + NEAR]

    def held(word: str, text: str) -> bool:
        # A person named by surname and title (周市长) is held where the text names them in
        # full (周乃翔市长), as names_missing has it; other words must be there as written.
        return word in text or (word in people and holds_name(text, word, person=True))

    missing = [w for w in words if not held(w, evidence)]
    return {
        "margin": margin,
        "rules_answer": float(rules_answer),
        "agrees": float(agrees),
        "cover_near": sum(r for w, r in weight.items() if held(w, near)) / total,
        "cover_first": sum(r for w, r in weight.items() if held(w, first)) / total,
        "cover_all": sum(r for w, r in weight.items() if held(w, evidence)) / total,
        "missing_specific": max((weight[w] for w in missing), default=0.0) / math.log(JIEBA_TOTAL),
        "name_missing": float(bool(names_missing(evidence, names, people))),
        "topic_missing": float(topic_missing(evidence, topic)),
        "type_mismatch": float(span is not None and type_mismatch(qtype, folded[span[0]][span[1]:span[2]], question)),
    }
