"""The whole list a span is one item of (qa/enumeration.py), on hand-made passages, without an index."""

from __future__ import annotations

import pytest

from qa.enumeration import completed, item_count, members, one_of_kind, widened
from qa.question import asked_kind, asked_number, asks_for_several, question_type
from qa.text import fold


def grown(text: str, span: str) -> str:
    start = text.index(span)
    a, b = widened(text, start, start + len(span))
    return text[a:b]


@pytest.mark.parametrize("text, span, whole", [
    ("园区预留了甲乙幼儿园、丙丁小学和戊己中学。", "丙丁小学", "甲乙幼儿园、丙丁小学和戊己中学"),
    ("南侧广场包括地下车库、地上广场以及两侧地下通道。", "车库", "地下车库、地上广场以及两侧地下通道"),
    ("會上，蘇州質監局、常熟市政府和吳中區政府作了交流發言。", "常熟市政府", "蘇州質監局、常熟市政府和吳中區政府"),
    ("他先后写成了《春草集》、《秋水集》和《冬雪集》等书。", "《春草集》", "《春草集》、《秋水集》和《冬雪集》"),
    # 本报 ("this paper") opens an item though LAC calls it a pronoun (People's Daily, January 1998)
    ("由国家体委宣传司、本报体育部、正奥体育发展有限公司共同主办的研讨会今天召开。", "体育部、正奥体育发展有限公司",
     "国家体委宣传司、本报体育部、正奥体育发展有限公司"),
])
def test_an_item_grows_to_the_list_it_stands_in(text, span, whole):
    assert grown(text, span) == whole


@pytest.mark.parametrize("text, span", [
    ("美国总统是奥巴马。", "奥巴马"),
    ("他和邓小平成立了紧急委员会。", "邓小平"),
    ("这些队员在1998年加入球队，2001年离开。", "1998年"),
    ("会议提出建设示范城市和大力开展服务标准化试点工作。", "大力开展服务标准化"),
])
def test_a_span_that_is_no_item_of_a_list_stays_as_it_is(text, span):
    assert grown(text, span) == span


@pytest.mark.parametrize("text, span, whole", [
    ("会上，王明市长、李华局长、张强主任分别作了讲话。", "王明市长、李华局长、张强", "王明市长、李华局长、张强主任"),
    ("她的代表作有《春草集》、《秋水集》两部。", "《春草集》、《秋水集", "《春草集》、《秋水集》"),
    ("他到过罗马和米兰之后才去巴黎。", "罗马和米", "罗马和米兰"),  # a localiser is no part of an item
    ("这种鱼俗名赤笔仔、红公眉。", "赤笔仔、红公眉", "赤笔仔、红公眉"),  # the start stays where the span starts
    ("美国总统是奥巴马。", "奥巴", "奥巴"),  # one item is no list: only lists are completed
])
def test_a_span_holding_several_items_of_a_list_gets_its_last_item_whole(text, span, whole):
    start = text.index(span)
    a, b = completed(text, start, start + len(span))
    assert text[a:b] == whole


@pytest.mark.parametrize("question, several", [
    ("余杭站南侧广场包括哪几个部分？", True),
    ("芸香属原产于哪些地方？", True),
    ("还有哪些人参加了这次会议？", True),
    ("谁在会上作了重要讲话？", False),
    ("苏州市长叫什么名字？", False),
])
def test_only_questions_that_ask_for_several_things_want_the_whole_list(question, several):
    folded = fold(question)
    assert asks_for_several(folded, question_type(folded)) is several


@pytest.mark.parametrize("text, span, items", [
    ("展会上，华为、小米和联想等十多家企业展示了新产品。", "十多家企业", "华为、小米和联想"),
    ("会上进行了签约、颁奖等活动。", "活动", "签约、颁奖"),  # what precedes the first item is no part of it
    ("市里在绿色出行、垃圾分类、建设口袋公园等方面做了工作。", "方面", "绿色出行、垃圾分类、建设口袋公园"),
    ("会场里有「白鹭」、「飞燕」等展台。", "展台", "「白鹭」、「飞燕」"),
])
def test_a_span_naming_the_kind_of_things_listed_before_deng_becomes_the_items(text, span, items):
    start = text.index(span)
    a, b = members(text, start, start + len(span))
    assert text[a:b] == items


@pytest.mark.parametrize("text, span", [
    ("展会上，华为等十多家企业展示了新产品。", "十多家企业"),  # one item is no list
    ("华为、小米和联想展示了新产品。", "新产品"),  # no 等 before the span
    ("华为、小米和联想等十多家企业展示了新产品。", "华为、小米和联想"),  # the span is the items already
    ("他从提高质量、建设平台等五个方面作了汇报。", "五个方面作了汇报"),  # a clause, not the kind of things
])
def test_a_span_not_after_a_list_and_deng_stays_as_it_is(text, span):
    start = text.index(span)
    assert members(text, start, start + len(span)) == (start, start + len(span))


@pytest.mark.parametrize("question, kind", [
    ("哪个县级市政府在会上发言？", "县级市政府"),
    ("哪家企业获得了质量奖？", "企业"),
    ("哪些企业获得了质量奖？", ""),  # several: the list is the answer
    ("谁在会上发言？", ""),
])
def test_a_question_after_one_thing_names_its_kind(question, kind):
    assert asked_kind(fold(question)) == kind


@pytest.mark.parametrize("text, span, kind, one", [
    ("会上，苏州质监局、常熟市政府和好孩子集团作了交流发言。", "苏州质监局、常熟市政府", "县级市政府", "常熟市政府"),
    ("會上，蘇州質監局、常熟市政府、好孩子集團等單位作了交流發言。", "蘇州質監局、常熟市政府、好孩子集團", "企业集团", "好孩子集團"),
])
def test_a_list_span_for_one_thing_of_a_kind_narrows_to_the_item_of_that_kind(text, span, kind, one):
    start = text.index(span)
    a, b = one_of_kind(text, start, start + len(span), kind)
    assert text[a:b] == one


@pytest.mark.parametrize("text, span, kind", [
    ("会上，苏州质监局、常熟市政府和吴中区政府作了交流发言。", "苏州质监局、常熟市政府和吴中区政府", "政府"),  # two of the kind
    ("会上，苏州质监局和好孩子集团作了交流发言。", "苏州质监局和好孩子集团", "政府"),  # none of it
    ("罗马教廷和教宗共同决定。", "罗马教廷和教宗", "教宗"),  # the kind's word alone names nothing
])
def test_a_list_span_without_exactly_one_item_of_the_kind_stays_as_it_is(text, span, kind):
    start = text.index(span)
    assert one_of_kind(text, start, start + len(span), kind) == (start, start + len(span))


@pytest.mark.parametrize("question, number", [
    ("哪三位领导在会上讲话？", 3),
    ("呼家楼站是哪两条线路的换乘站？", 2),
    ("根据协定，新西兰将为哪5类职业提供工作许可？", 5),
    ("哪些地区被评为先进地区？", 0),  # no number
    ("有哪几个部分？", 0),
])
def test_a_question_may_ask_for_a_number_of_things(question, number):
    assert asked_number(fold(question)) == number


@pytest.mark.parametrize("text, span, count", [
    ("呼家楼站是北京地铁10号线和6号线的一座换乘站。", "北京地铁10号线和6号线", 2),
    ("会上，王明市长、李强局长、张华主任分别讲话。", "王明市长、李强局长、张华主任", 3),
    ("最后，张华主任作了总结。", "张华主任", 1),
    ("还多出了绩分战、时间战、生存战。", "绩分战、时间战、生存战", 3),  # 分战: a verb to LAC
    ("市长对下阶段工作提出明确要求和具体部署。", "下阶段工作提出明确要求和具体部署", 0),  # a clause
    ("屋邨设计预留了28个铺位、2所幼稚园。", "屋邨设计预留了28个铺位、2所幼稚园", 0),
])
def test_a_span_counts_the_items_of_a_list_it_covers(text, span, count):
    start = text.index(span)
    assert item_count(text, start, start + len(span)) == count
