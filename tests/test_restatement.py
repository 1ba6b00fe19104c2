"""An answer does not restate the question (qa/restatement.py): the span model's guess is
cut where it runs on into the question's words, or passed over when it holds nothing else."""

from __future__ import annotations

import pytest

from qa.neural import SpanGuess
from qa.neural_reader import not_restating
from qa.restatement import (before_restated_run, group_named, lists_the_subject, names_the_set_aside, only_question_words, owner_completes_name, owner_named,
                             restates_object)
from qa.retrieval import Passage
from qa.text import fold


def _passage(text: str) -> Passage:
    return Passage(chunk_id="doc.txt:0", doc_id="doc.txt", text=text, start=0, end=len(text), chunk_index=0,
                   score=1.0, dense_score=None, bm25_score=None)


def _guess(text: str, span: str, margin: float) -> SpanGuess:
    start = text.index(span)
    return SpanGuess(0, start, start + len(span), margin, 0.0, span)


def _answer(question: str, text: str, spans: list[str], qtype: str = "what") -> str:
    guesses = [_guess(text, span, 5.0 - i) for i, span in enumerate(spans)]
    return not_restating(guesses[0], guesses, [_passage(text)], question, qtype).text


@pytest.mark.parametrize("question, text, spans, answer", [
    ("这座水库主要为哪座城市供水？", "这座水库建成于1978年，主要为临江市供水，库容达到两亿立方米。", ["这座水库", "临江市"], "临江市"),
    ("新建的体育馆位于滨河公园的哪一侧？", "新建的体育馆位于滨河公园的北侧，可容纳八千名观众。", ["滨河公园", "北侧"], "北侧"),
])
def test_a_span_holding_only_the_questions_words_gives_way_to_the_next_guess(question, text, spans, answer):
    assert _answer(question, text, spans) == answer


@pytest.mark.parametrize("question, text, spans, answer", [
    ("该厂把什么运往沿海港口？", "该厂把成品钢材装上货车，运往沿海港口和内陆仓库。", ["沿海港口和内陆仓库", "成品钢材"],
     "成品钢材"),
    ("学校将哪些课程引入小学课堂？", "学校将编程和机器人课程，引入小学课堂和课后活动。", ["小学课堂和课后活动", "编程和机器人课程"],
     "编程和机器人课程"),
])
def test_a_span_standing_where_the_question_puts_its_own_words_gives_way_to_the_next_guess(question, text, spans,
                                                                                            answer):
    assert _answer(question, text, spans) == answer


def test_a_list_holding_the_questions_own_subject_gives_way_to_what_it_did():
    text = "会上，市环保局、南京市政府、市教育局等3家单位进行了经验交流，会议持续两小时。"
    spans = ["市环保局、南京市政府、市教育局等3家单位", "经验交流"]
    assert _answer("南京市政府在会上做了什么？", text, spans) == "经验交流"


def test_a_list_question_may_be_answered_with_a_list_holding_a_name_it_gives():
    text = "小说描写了张居正、高拱、冯保等人物。"
    span = "张居正、高拱、冯保"
    assert _answer("《张居正》这部小说描写了哪些人物？", text, [span, "小说"], qtype="list") == span


@pytest.mark.parametrize("question, text, span", [
    ("该厂把钢材运往哪里？", "该厂把钢材运往港口和内陆仓库。", "港口和内陆仓库"),  # what the question asks
    ("哪个国家早在1911年就开始使用这种车辆？", "瑞典早在1911年就开始使用这种车辆。", "瑞典"),
])
def test_a_span_after_the_questions_verb_that_the_question_does_not_fill_is_kept(question, text, span):
    assert not restates_object(span, text[: text.index(span)], question)
    assert _answer(question, text, [span]) == span


@pytest.mark.parametrize("question, text, span, answer", [
    ("决定这种合金强度的主要因素是什么？", "碳含量是决定这种合金强度的主要因素。", "碳含量是决定这种合金强度的主要因素", "碳含量"),
    ("该校是一所什么类型的公立大学？", "该校是一所师范型公立大学，设有十二个学院。", "师范型公立大学", "师范型"),
    ("这部小说的作者是谁？", "张晓风是这部小说的作者，她在山区教书二十年。", "张晓风是这部小说的作者", "张晓风"),
])
def test_a_span_running_on_into_the_questions_words_is_cut_before_them(question, text, span, answer):
    assert _answer(question, text, [span]) == answer


@pytest.mark.parametrize("question, text, span", [
    ("该公司后来被哪个传媒集团收购？", "该公司后来被星海传媒集团收购。", "星海传媒集团"),  # the kind asked for
    ("明朝用何种制度守卫边疆？", "明朝以卫所制度守卫边疆。", "卫所制度"),
    ("这条线路共有几个换乘车站？", "这条线路共有五个换乘车站。", "五个换乘车站"),  # a number keeps its measure word
    ("城市公园的面积是多少平方公里？", "城市公园的面积是3.5平方公里。", "3.5平方公里"),
    ("这座桥叫什么名字？", "这座桥叫彩虹桥。", "彩虹桥"),  # nothing restated
])
def test_the_kind_asked_for_and_a_number_with_its_unit_are_kept_whole(question, text, span):
    assert _answer(question, text, [span]) == span


def test_a_reason_may_name_the_questions_subject():
    question, text = "为什么这种鱼在冬天停止进食？", "因为这种鱼在冬天新陈代谢变慢，所以停止进食。"
    span = "因为这种鱼在冬天新陈代谢变慢"
    assert _answer(question, text, [span], qtype="why") == span


def test_the_cut_falls_where_the_restated_run_begins_not_inside_it():
    question = fold("大樓最古老的部分被稱為「東翼樓」或是什麼？")
    assert before_restated_run(fold("東翼樓」或「鐘樓"), question) is None
    assert only_question_words(fold("「東翼樓」"), question)


@pytest.mark.parametrize("span, question, group", [
    ("具有本地特色的9个重点产业", "那9个重点产业具体是哪些？", "9个重点产业"),
    ("优秀志愿者和本年度社区服务先进单位", "哪些单位被评为社区服务先进单位？", "社区服务先进单位"),
    ("年度社区服务先进单位等", "哪些单位被评为年度社区服务先进单位？", "年度社区服务先进单位"),
    ("全市教育系统和卫生系统主要负责人", "出席会议的卫生系统负责人有哪些？", "卫生系统负责人"),  # 主要 only qualifies
    ("具有本地特色的9个重点产业", "那9个重点产业具体都是哪些？", "9个重点产业"),  # LAC's 都是 as one word
    # the group opens the question, its members are asked by their kind
    ("十佳志愿者和2020年度全区社区服务先进街道", "2020年度社区服务先进街道具体是哪几个镇、街？", "社区服务先进街道"),
    ("十佳志愿者和2020年度全区社区服务先进街道", "被评为2020年度全区社区服务先进街道的是哪几个地方？",
     "2020年度全区社区服务先进街道"),
])
def test_a_span_that_ends_with_the_group_a_question_asks_the_members_of_names_only_the_group(span, question, group):
    assert group_named(span, question) == group


@pytest.mark.parametrize("span, question", [
    ("星海传媒集团", "该公司旗下有哪些传媒集团？"),  # a member named with the kind asked for
    ("东湖小学、西湖小学等9个重点小学", "那9个重点小学具体是哪些？"),  # lists members
    ("十五数字推盘游戏和八数字推盘游戏", "数字推盘游戏常见的类型有哪些？"),  # members that share the run
    ("通信卫星和气象卫星", "这家研究院研制了哪些卫星？"),  # nothing of the question at its end
    ("温哥华会议中心", "加拿大广场有哪些著名的建筑物？"),  # what a place has, not its members
])
def test_members_or_a_member_named_with_its_kind_are_no_group(span, question):
    assert group_named(span, question) == ""


@pytest.mark.parametrize("span, after, question, asked", [
    ("城市综合服务标准化", "试点将综合标准化理念", "试点的验收标准是什么？", "试点的验收标准"),  # the passage goes on with it
    ("苏州市市长质量奖", "”和2011年度", "市长质量奖的评选标准是什么？", "市长质量奖的评选标准"),  # the span ends with it
])
def test_a_span_that_only_names_the_thing_whose_attribute_is_asked_is_no_answer(span, after, question, asked):
    assert owner_named(span, after, fold(question)) == asked


@pytest.mark.parametrize("span, after, question", [
    ("广东", "地区的乡土神", "灵昭真君是什么地区的乡土神？"),  # asks which owner
    ("珍·奥斯汀", "作品的创作背景", "英国的摄政时期是哪位著名作家作品的创作背景？"),
    ("西蒙·纽康", "为连续性出版物", "纽康的太阳表的作者是谁？"),  # the owner's own name
    ("支持", "同性婚姻的立法。", "道教支持还是反对同性婚姻的立法？"),  # the question offers it
    ("日本", "厂商合资的企业", "中国早期机车厂商的发展多为合资企业，尤其大多是和哪国合资？"),  # asked in another clause
    ("验收合格", "。试点将", "试点的验收标准是什么？"),  # an answer
    ("质量强市暨标准化试点动员", "会议,国家标准委", "会议的名称是什么？"),  # the name cut short
])
def test_a_span_naming_another_thing_or_asked_for_by_kind_may_answer(span, after, question):
    assert owner_named(span, after, fold(question)) == ""


@pytest.mark.parametrize("after, question, owner", [
    ("会议,国家标准委", "会议的名称是什么？", "会议"),
    ("高速公路,是", "长张高速公路的简称是什么？", "高速公路"),
    ("会议,国家标准委", "会议的时间是什么？", ""),  # no name asked
    ("。试点将", "试点的名称是什么？", ""),  # the passage does not go on with it
])
def test_a_name_asked_for_grows_over_the_thing_the_passage_goes_on_with(after, question, owner):
    assert owner_completes_name(fold(after), fold(question)) == owner


def test_a_span_that_is_just_what_the_question_sets_aside_is_no_answer():
    question = fold("除了杭州以外，浙江还有哪些城市入选？")
    assert names_the_set_aside("杭州市", question)
    assert names_the_set_aside("杭州", question)
    assert not names_the_set_aside("宁波市、温州市", question)
    assert not names_the_set_aside(fold("河岸解凍及雨季降水"), fold("除了河岸解凍之外，還有什麼造成洪水？"))  # says more
    assert not names_the_set_aside("杭州市", fold("浙江还有哪些城市入选？"))  # nothing set aside


def test_a_list_holding_the_subject_of_a_question_after_several_things_names_its_peers_not_what_is_asked():
    units = "市质监局、县政府、市交通局、星河电子等4家单位"
    assert lists_the_subject(units, fold("市交通局在会上介绍了哪些经验？"), several=True)
    assert not lists_the_subject(units, fold("除了市质监局，还有哪些单位发了言？"), several=True)  # set aside
    assert not lists_the_subject("辽沈、徐蚌、平津", fold("三大战役包括辽沈、平津以及哪一个？"), several=True)  # offered
    assert not lists_the_subject("华北、中国东北部、蒙古南部", fold("华北陆块范围包含哪里？"), several=True)  # 华北陆块
    # a subject the tagger takes for no name, as the opening of the question
    shops = "市质监局、县政府、市交通局、乐宝宝等4家单位"
    assert lists_the_subject(shops, fold("乐宝宝在会上分享了哪些经验？"), several=True)
    # an item the question asks about, however the tagger takes it
    fields = "品牌战略、标准引领、民生计量"
    assert lists_the_subject(fields, fold("临江在民生计量方面取得了哪些具体成果？"), several=True)
    assert not lists_the_subject("犯罪、侦查、动机与嫌疑犯", fold("犯罪小说主要描述哪些内容?"), several=True)  # 犯罪小说
    assert not lists_the_subject("讲堂、辅导课、每周功课及测试", fold("课程包含了讲堂、辅导课、测试以及什么?"),
                                 several=True)  # gives some itself
