"""The refusal gate's evidence (qa/answerable.py) on hand-made passages, without an index."""

from __future__ import annotations

import pytest

from qa import answerable
from qa.neural_reader import Decision
from qa.retrieval import Passage


def _passage(text: str) -> Passage:
    return Passage(chunk_id="a.txt:0", doc_id="a.txt", text=text, start=0, end=len(text), chunk_index=0,
                   score=1.0, dense_score=0.9, bm25_score=1.0)


def _doubt(question: str, text: str, span: str, margin: float, qtype: str) -> str:
    """Why the neural reader refuses the span (where it first stands in text), the rule reader abstaining."""
    from qa.neural import SpanGuess
    from qa.neural_reader import NeuralReader
    from qa.reader import Reading

    at = text.index(span)
    guess = SpanGuess(0, at, at + len(span), margin, 0.0, span)
    return NeuralReader().doubt(question, [_passage(text)], guess, Reading(answer="", abstained=True, qtype=qtype), None)


def _features(passages, span=(0, 0, 2), margin=3.0, words=("狄拉克", "妻子"), agrees=False, names=("狄拉克",)):
    return answerable.features(list(words), passages, span, margin, rules_answer=True, agrees=agrees,
                               names=list(names))


def test_a_name_weighs_more_than_a_common_word():
    assert answerable.surprisal("狄拉克") > answerable.surprisal("妻子") > answerable.surprisal("叫")
    assert answerable.surprisal("周乃翔") > answerable.surprisal("狄拉克")  # not in the dictionary at all


def test_passages_about_the_question_cover_its_specific_words():
    about = _features(["狄拉克的妻子是玛吉特·维格纳。"])
    other = _features(["薛定谔的妻子是安妮。"])
    assert about["cover_all"] == 1.0 and about["missing_specific"] == 0.0
    assert other["cover_all"] < 0.5  # 妻子 is there, the more specific 狄拉克 is not
    assert other["missing_specific"] > 0.5


def test_coverage_near_the_span_counts_only_words_close_to_it():
    far = "狄拉克" + "。" * 200 + "他的妻子是玛吉特。"
    span = (0, far.index("玛吉特"), far.index("玛吉特") + 3)
    f = _features([far], span=span)
    assert f["cover_all"] == 1.0
    assert 0.0 < f["cover_near"] < 1.0


def test_a_name_the_question_gives_counts_as_missing_unless_a_passage_holds_it_whole():
    from qa.question import analyse

    q = analyse("北土城站有几个出入口？")
    assert "北土城站" in q.names
    other_station = "西土城站位于北京市海淀区，是北京地铁10号线的一个车站，共有4个出入口。"
    assert all(word in other_station for word in ("北", "土城", "站"))  # each of jieba's words is there
    f = answerable.features(q.words, [other_station], (0, 0, 2), 3.0, False, False, q.qtype, q.text, q.names)
    assert f["name_missing"] == 1.0
    own = "北土城站位于北京市朝阳区，共有4个出入口。"
    assert answerable.features(q.words, [own], (0, 0, 2), 3.0, False, False, q.qtype, q.text, q.names)["name_missing"] == 0.0


@pytest.mark.parametrize("question, piece", [
    ("会议是哪一天举行的？", "一天"),  # jieba: 哪 / 一天
    ("他是哪一年出生的？", "一年"),
    ("会议什么时候召开？", "时候"),  # 什么 / 时候
    ("何人发明了电话？", "何人"),
    ("这座山有多高？", "高"),
])
def test_the_rest_of_an_interrogative_jieba_cuts_off_is_no_content_word(question, piece):
    from qa.question import analyse

    assert piece not in analyse(question).words


def test_the_same_words_outside_an_interrogative_stay_content_words():
    from qa.question import analyse

    assert "一天" in analyse("一天有几个小时？").words
    assert analyse("会议是哪一天举行的？").words == analyse("会议在哪天举行？").words


def test_a_piece_of_an_interrogative_is_no_word_the_passages_must_hold():
    from qa import coverage
    from qa.question import analyse

    q = analyse("大桥建了多长时间？")
    assert "长时间" not in q.words and "时间" in q.words
    assert "少年" not in analyse("大桥建了多少年？").words
    assert "少年" in analyse("少年宫在哪里？").words
    assert "人作" not in analyse("哪些人作了重要讲话？").words  # jieba: 哪些 / 人作 / 了
    text = "大桥于2016年开工，历时三年建成。"
    passage = _passage(text)
    assert coverage.gate("大桥建了多长时间？", [passage]) == ""  # the LLM is asked, not refused for 长时间


def test_what_is_missing_is_the_whole_kind_asked_for_when_part_of_it_is_there():
    from qa import coverage
    from qa.question import analyse

    text = "9月7日下午，苏州市召开质量工作会议。"
    passage = _passage(text)
    assert coverage.missing_names(analyse("会议在哪个会议中心召开？"), [passage]) == ["会议中心"]
    assert coverage.missing_names(analyse("会议在哪家酒店召开？"), [passage]) == ["酒店"]
    assert coverage.missing_names(analyse("会议的主持人是谁？"), [passage])[0] == "主持人"  # the whole word first


def test_the_topic_is_the_head_of_the_noun_phrase_a_question_opens_with():
    from qa.question import analyse

    assert analyse("北海道狼哪一年灭绝？").topic == "北海道狼"
    assert analyse("盧安達境內的最低點位在何處?").topic == "卢安达"  # the head only: 境内 may be worded otherwise
    assert analyse("这次事件证实了什么？").topic == ""  # points back, names nothing
    assert analyse("谁主持了会议？").topic == ""


def test_an_unknown_name_the_tagger_cuts_into_non_nouns_is_still_the_topic():
    from qa.question import analyse

    assert analyse("集双高速的起点是哪里？").topic == "集双高速"  # LAC: 集/v 双/m 高速/a
    assert analyse("前鼻丝鳗主要栖息于什么样的海域？").topic == "前鼻丝鳗"  # LAC: 前/f 鼻/nz 丝鳗/n
    assert analyse("以前湾仔的哪一个主要地标现在仍是康乐场地？").topic == ""  # 以前 only places it in time
    assert analyse("在晚清时俄国的国土面积至少超过多少？").topic == ""  # opens with a preposition
    assert analyse("目前我们所见的长城是哪个时期建造的？").topic == ""


def test_a_title_in_book_marks_is_a_name_of_the_question_whole():
    from qa.question import analyse

    q = analyse("《虫，眼球系列》的插画家是谁？")  # LAC cuts it at the comma
    assert "虫,眼球系列" in q.names
    neighbour = "《虫，眼球泰迪》是日本漫画家日野日出志的作品，插画由木下樱绘制。"
    assert answerable.features(q.words, [neighbour], (0, 0, 2), 3.0, False, False, q.qtype, q.text, q.names,
                               q.people, q.topic)["name_missing"] == 1.0


def test_a_work_whose_title_no_passage_quotes_is_refused_however_sure_the_span():
    from qa import coverage

    text = "布鲁塞尔条约签署于1948年3月17日，签署国包括比利时、法国、卢森堡、荷兰以及英国。"
    assert "《伯尔尼条约》" in _doubt("《伯尔尼条约》是哪一年签署的？", text, "1948年", 8.0, "when")
    assert "伯尔尼条约" in coverage.gate("《伯尔尼条约》是哪一年签署的？", [_passage(text)])  # the LLM is not asked either
    assert _doubt("《布鲁塞尔条约》是哪一年签署的？", text, "1948年", 8.0, "when") == ""


def test_a_term_the_question_quotes_that_no_passage_holds_is_refused_however_sure_the_span():
    from qa import coverage

    text = "1971年，詹姆斯·史都华登上美国首屈一指的电视杂志封面，被誉为“好莱坞先生”。"
    assert "“电视之父”" in _doubt("谁被尊称为「电视之父」？", text, "詹姆斯·史都华", 8.0, "who")
    assert "电视之父" in coverage.gate("谁被尊称为「电视之父」？", [_passage(text)])  # nor is the LLM asked
    assert _doubt("谁被誉为「好莱坞先生」？", text, "詹姆斯·史都华", 8.0, "who") == ""
    # a quoted sentence is often quoted loosely: it is not held to the letter
    assert _doubt("「登上美国首屈一指的电视杂志封面，被誉为好莱坞先生」说的是谁？", text, "詹姆斯·史都华", 8.0, "who") == ""


def test_a_theme_no_passage_names_as_a_theme_is_refused_however_sure_the_span():
    from qa import coverage

    text = "会上，举行了安全生产月启动仪式，市长李文华作了重要讲话。"
    assert "主题" in _doubt("今年安全生产月的主题是什么？", text, "启动仪式", 8.0, "what")
    assert "主题" in coverage.gate("今年安全生产月的主题是什么？", [_passage(text)])  # nor is the LLM asked
    themed = text + "今年安全生产月的主题是“人人讲安全”。"
    assert _doubt("今年安全生产月的主题是什么？", themed, "人人讲安全", 8.0, "what") == ""


def test_a_topic_no_passage_holds_counts_as_missing_though_the_tagger_knows_no_name_in_it():
    from qa.question import analyse

    q = analyse("北海道狼哪一年灭绝？")
    assert q.names != [q.topic]  # LAC cuts it 北海|道狼: the names alone would not catch a neighbour
    neighbour = "日本狼是狼的亚种，分布于本州、四国与九州，1905年灭绝。"
    own = "北海道狼又名虾夷狼，1889年灭绝。"

    def missing(passage):
        return answerable.features(q.words, [passage], (0, 0, 2), 3.0, False, False, q.qtype, q.text, q.names,
                                   q.people, q.topic)["topic_missing"]

    assert missing(neighbour) == 1.0
    assert missing(own) == 0.0


def test_the_fitted_gate_trusts_a_reading_less_when_its_topic_is_missing():
    gate = Decision.load().gate
    f = _features(["狄拉克的妻子是玛吉特·维格纳。"], margin=2.0)
    assert gate.probability(dict(f, topic_missing=1.0)) < gate.probability(dict(f, topic_missing=0.0))


def test_a_person_named_by_surname_and_title_is_found_but_a_place_must_be_whole():
    assert answerable.holds_name("江苏省质监局局长靳道强", "靳道强")
    assert answerable.holds_name("靳道强局长", "靳局长", person=True)
    assert not answerable.holds_name("大沙地站东侧", "大沙东站")
    assert not answerable.holds_name("北京地铁10号线的西土城站", "北土城站")


def test_the_fitted_gate_trusts_a_reading_less_when_a_name_of_the_question_is_missing():
    gate = Decision.load().gate
    f = _features(["狄拉克的妻子是玛吉特·维格纳。"], margin=2.0)
    assert gate.probability(dict(f, name_missing=1.0)) < gate.probability(dict(f, name_missing=0.0))


def test_the_fitted_gate_answers_strong_evidence_and_refuses_weak():
    gate = Decision.load().gate
    assert gate is not None, "qa/models/reader.json has no gate"
    strong = _features(["狄拉克的妻子是玛吉特·维格纳。"], margin=8.0)
    weak = dict(_features(["薛定谔的妻子是安妮。"], margin=-4.0), rules_answer=0.0)
    assert gate.answers(strong)
    assert not gate.answers(weak)
    assert gate.probability(dict(strong, margin=2.0)) < gate.probability(strong)


def test_the_span_model_and_the_rule_reader_agreeing_is_an_answer():
    gate = Decision.load().gate
    weak = dict(_features(["薛定谔的妻子是安妮。"], margin=-4.0), rules_answer=1.0)
    assert not gate.answers(weak)
    assert gate.answers(dict(weak, agrees=1.0))


def _guess(text: str, margin: float):
    from qa.neural import SpanGuess

    return SpanGuess(0, 0, len(text), margin, 0.0, text)


def test_a_span_without_a_number_cannot_answer_how_many():
    assert answerable.type_mismatch("count", "义大利城市")
    for span in ("四座", "13个", "两场", "兩場", "数百人", "一半"):
        assert not answerable.type_mismatch("count", span), span
    assert not answerable.type_mismatch("who", "周乃翔")
    # An ordinal is no amount, unless the question asks for one.
    assert answerable.type_mismatch("count", "第一届苏州市市长质量奖", "质量奖的奖金有多少？")
    assert not answerable.type_mismatch("count", "第一届", "这是第几届质量奖？")


def test_a_number_without_a_currency_cannot_answer_how_much_money():
    for question in ("大桥的造价是多少？", "大橋的造價是多少？", "奖金有多少？", "门票多少钱？", "获奖单位能拿到多少奖金？"):
        assert answerable.type_mismatch("count", "680米", question), question
        for span in ("52亿元", "5,000,000美元", "3英镑", "200港币"):
            assert not answerable.type_mismatch("count", span, question), (question, span)
    assert not answerable.type_mismatch("count", "680米", "大桥的主跨有多少米？")  # a length, not money


def test_a_multiple_needs_times_and_a_share_a_percentage_or_fraction():
    assert answerable.type_mismatch("count", "48厘米", "这种鱼的体长是头长的多少倍？")
    assert not answerable.type_mismatch("count", "3.5倍", "这种鱼的体长是头长的多少倍？")
    assert not answerable.type_mismatch("count", "四至五倍", "新馆的面积是旧馆的幾倍？")
    for span in ("三分之一", "37%", "四成", "2/5"):
        assert not answerable.type_mismatch("count", span, "外来人口占全市人口的多少比例？"), span
    assert answerable.type_mismatch("count", "120万人", "外来人口占全市人口的多少比例？")
    assert not answerable.type_mismatch("count", "37", "森林覆盖率是百分之多少？")  # the number alone answers


@pytest.mark.parametrize("question, wrong, right", [
    ("这种鸟的羽毛是什么颜色？", "伦敦", "灰褐色"),
    ("這座教堂建於哪個世紀？", "1911年", "12世纪"),
    ("展览在几月开幕？", "市美术馆", "5月"),
    ("他去世时多少岁？", "北京", "七十三岁"),
    ("哪家企业获得了这个奖项？", "杭州", "星河电子"),  # an organisation is no bare place
    ("她毕业于哪个大学？", "美国", "南京大学"),
    ("这条铁路由哪个公司经营？", "广东省", "广州铁路集团"),
    ("这座桥有多长？", "珠江", "1,200米"),  # a size is a number
    ("大楼有多高的塔尖？", "钢结构", "三十米"),
    ("比赛在几点开始？", "9月", "晚上8点"),  # a clock time, not a day
    ("奖项是在哪一天颁发的？", "2011年度", "9月7日下午"),  # a day, not a year
    ("军队在哪一天攻入城中？", "1402年", "七月初十"),
    ("这座城市隶属于美国的哪一个州？", "芝加哥", "宾夕法尼亚州"),  # a state, not a city
    ("年会在哪家酒店举行？", "杭州市", "西湖国宾馆"),  # a venue is no town
    ("首场演出在哪个体育馆？", "浙江省", "黄龙体育馆"),
    ("哪些企业获得了这个奖项？", "市质监局、县政府、市交通局、星河电子等4家单位", "星河电子、华为和小米"),
    ("先进地区包括哪几个县级市？", "市质监局、县政府、市交通局、星河电子", "常熟市、昆山市"),  # places, not bodies
    ("他会后去了哪些地方调研？", "李文华市长、王建国局长", "工业园区、高新区"),  # places, not people
    ("县政府是由哪位官员上台发言的？", "市质监局", "王建国"),  # a person, not a body
    ("他调任之前在哪个单位工作？", "杭州", "市交通局"),  # LAC takes 工作 for a noun of the kind
])
def test_a_colour_a_century_a_month_an_age_or_an_organisation_needs_its_mark(question, wrong, right):
    assert answerable.type_mismatch("what", wrong, question)
    assert not answerable.type_mismatch("what", right, question)


def test_things_asked_for_by_kind_are_no_list_of_titled_people_but_people_asked_for_may_be():
    people = "李文华市长、王建国局长、陈明主任"
    assert answerable.type_mismatch("list", people, "这个奖的评审标准有哪些？")
    assert answerable.type_mismatch("list", people, "安全月期间有哪些活动？")
    assert not answerable.type_mismatch("list", people, "出席会议的领导有哪些？")
    assert not answerable.type_mismatch("list", "质量、效益和创新", "这个奖的评审标准有哪些？")


def test_a_place_may_answer_a_question_after_a_place():
    assert not answerable.type_mismatch("what", "杭州", "这个奖项在哪个城市颁发？")


def test_a_venue_may_be_a_place_named_after_its_kind_or_a_town_without_a_suffix():
    assert not answerable.type_mismatch("where", "潮州体育馆", "哪一个场馆是潮州市体育的主要场馆？")
    assert not answerable.type_mismatch("where", "田心车站", "株洲北站的前身是哪个车站？")
    assert not answerable.type_mismatch("where", "杭州市", "年会在哪个城市举行？")


def test_a_clause_is_no_venue_unless_it_ends_with_one():
    question = "会议在哪个会场举行？"
    assert answerable.type_mismatch("what", "苏州市召开全市推进质量强市暨城市综合服务标准化试点动员", question)
    assert not answerable.type_mismatch("what", "苏州国际博览中心", question)
    assert not answerable.type_mismatch("where", "苏嘉乍高速公路", "哪条公路纵贯了王江泾镇？")  # holds a verb, ends with its kind


def test_a_span_without_a_word_of_time_cannot_answer_when():
    assert answerable.type_mismatch("when", "苏州市召开全市推进质量强市动员会议")
    for span in ("9月7日下午", "清朝", "战国时期", "1865年", "上午", "十九世纪", "周末", "上周", "明天", "明朝"):
        assert not answerable.type_mismatch("when", span), span


def test_a_minute_is_counted_and_a_dividing_word_is_no_time():
    assert answerable.type_mismatch("when", "周乃翔市长、陈钢主任分别作了重要讲话")  # 分别: each
    assert not answerable.type_mismatch("when", "下午3点30分")
    assert not answerable.type_mismatch("when", "五分钟后")


def test_the_rule_reader_takes_no_date_inside_a_title_for_when_a_work_came_out():
    from qa.reader import ExtractiveReader

    text = "他强调，要贯彻落实国务院《质量发展纲要(2011-2020年)》，努力打造质量强市。"
    reading = ExtractiveReader().read("国务院的《质量发展纲要(2011-2020年)》是哪一年正式发布的？", [_passage(text)])
    assert "2020" not in reading.concise and "2011" not in reading.concise, reading.concise


def test_a_time_inside_a_title_names_the_work_and_is_no_time():
    for span in ("《质量发展纲要(2011-2020年)》", "2011-2020年)》和省政府《加快推进质量强省建设的意见》"):
        assert answerable.type_mismatch("when", span, "名单将于何时公布？"), span
    assert not answerable.type_mismatch("when", "2011年印发的《质量发展纲要》", "纲要是什么时候印发的？")


def test_a_day_without_a_year_cannot_answer_which_year():
    assert answerable.type_mismatch("when", "9月7日下午", "他是哪一年出生的？")
    for span in ("1865年", "1865", "民国三十四年"):
        assert not answerable.type_mismatch("when", span, "美国内战在哪一年结束？"), span
    assert not answerable.type_mismatch("when", "9月7日下午", "会议是什么时候召开的？")


def test_the_rule_reader_answers_a_question_after_a_day_with_a_day_never_a_year(article_engine):
    # the sentence covering most of the question (會議還舉行了2012年“質量月”啟動儀式) holds a year only
    for question in ("會議是哪一天舉行的？", "会议是哪一天举行的？"):
        answer = article_engine.ask(question, backend="rules")
        assert "9月7日" in answer.concise, answer.concise  # the report says 召开 where it asks 举行
        assert "9月7日" in article_engine.ask(question).concise
    assert "2012" in article_engine.ask("会上启动的是哪一年的“质量月”？", backend="rules").concise


@pytest.mark.parametrize("span, wrong", [("周", True), ("9月7日", True), ("2011年度", True), ("三年", False),
                                         ("半个月", False), ("每年", False), ("数周", False), ("1500年", False)])
def test_how_long_is_answered_by_an_amount_of_time(span, wrong):
    assert answerable.type_mismatch("what", span, "他在这个单位任职多久了？") is wrong


def test_a_count_of_another_thing_cannot_answer_how_many():
    assert answerable.type_mismatch("count", "4家单位", "有多少家企业获得了质量奖？")
    assert answerable.type_mismatch("count", "13个专业服务领域", "全国共有几个试点？")
    assert not answerable.type_mismatch("count", "4家单位", "有几家单位发了言？")
    assert not answerable.type_mismatch("count", "3个国家级试点", "全国共有几个试点？")
    assert answerable.type_mismatch("count", "五个方面", "首批示范城市有几个城市入选？")  # 方面 is counted too
    assert answerable.type_mismatch("count", "五个方面对全市的工作", "服务平台已经建成了几个？")
    assert not answerable.type_mismatch("count", "3个月", "工程用了几个月？")
    for span in ("1107万平方公里", "4亿5000万加元", "178万多人", "100%的公民"):  # units, more of the number
        assert not answerable.type_mismatch("count", span, "这个数字是多少？"), span


@pytest.mark.parametrize("span, question, wrong", [
    ("4500名", "海军目前有多少艘舰艇？", True),  # people for ships
    ("12条", "这座城市有多少座桥？", True),
    ("2位", "理事会的委员中有多少人为学生？", False),  # 位 counts people as 人 does
    ("212万", "台湾目前约有多少人使用客家语？", False),  # a magnitude, not a measure
    ("3个", "车站有几座出入口？", False),  # 个 counts anything
    ("2000多幅", "一共发现了多少组岩画？", True),
    ("28间", "屈臣氏酒窖在香港设有多少家分店？", False),  # 间 counts shops as 家 does
])
def test_a_count_in_another_measure_than_the_one_asked_counts_another_thing(span, question, wrong):
    assert answerable.type_mismatch("count", span, question) is wrong


def test_numbers_inside_a_title_count_nothing():
    assert answerable.type_mismatch("count", "贯彻落实国务院《质量发展纲要(2011-2020年)》", "示范城市一共要评多少个？")
    assert not answerable.type_mismatch("count", "《三体》三部曲共3部", "这套书一共有几部？")


def test_a_year_or_a_day_is_no_count_unless_years_or_days_are_counted():
    for span in ("2011年度", "2015年", "12月19日"):
        assert answerable.type_mismatch("count", span, "会上表彰了几个地区？"), span
    assert not answerable.type_mismatch("count", "1915年", "云南起义发生于西元几年？")
    assert not answerable.type_mismatch("count", "13011人(2000年)", "总人口是多少？")
    assert not answerable.type_mismatch("count", "9月7日", "会议在几月几日召开？")


def test_a_day_of_the_calendar_is_no_length_of_time():
    for span in ("9月", "9月7日下午", "十月一日"):
        assert answerable.type_mismatch("what", span, "会议开了多长时间？"), span
    for span in ("三个月", "9个月", "两天", "半年", "40分钟", "数月"):
        assert not answerable.type_mismatch("what", span, "会议开了多长时间？"), span


def test_a_place_in_a_question_is_no_size_asked():
    assert not answerable.type_mismatch("what", "约翰", "多伦多的市长是谁？")
    assert not answerable.type_mismatch("what", "清华", "许多高校迁到了哪里？")


def test_people_named_zhou_or_ming_are_no_time():
    for span in ("王市长、周局长", "李明", "姚东明主任"):
        assert answerable.type_mismatch("when", span), span


def test_for_how_many_a_nearly_as_good_span_with_a_number_is_chosen_and_a_far_one_is_not():
    from qa.neural_reader import choose
    from qa.reader import Reading

    none = Reading(answer="", abstained=True)
    decision = Decision(agreement=2.0)
    close = [_guess("义大利城市", 5.0), _guess("四座", 4.0)]
    assert choose(close, none, decision, "count").text == "四座"
    far = [_guess("义大利城市", 5.0), _guess("四座", 1.0)]
    assert choose(far, none, decision, "count").text == "义大利城市"  # left to the reader to refuse
    assert choose(close, none, decision, "who").text == "义大利城市"


def test_the_reader_refuses_a_how_many_question_it_can_only_answer_without_a_number(article_engine):
    from qa.neural_reader import NeuralReader

    reader = article_engine.reader_for("extractive")
    assert isinstance(reader, NeuralReader)
    for question in ("这次会议一共有多少人参加？", "城市综合服务标准化试点的预算是多少钱？"):
        answer = article_engine.ask(question)
        assert answer.abstained, (question, answer.concise)
        assert "count question" in answer.reason  # why, as data


def test_a_time_the_passages_do_not_give_is_refused_as_the_wrong_type_not_as_a_missing_number():
    text = "苏州市召开全市推进质量强市暨城市综合服务标准化试点动员会议。"
    reason = _doubt("动员会议是什么时候召开的？", text, "苏州市", 5.0, "when")
    assert "when question" in reason and "number" not in reason


def test_when_the_span_model_finds_no_time_the_rule_readers_date_answers(article_engine):
    answer = article_engine.ask("这次动员会是哪天召开的？")
    assert not answer.abstained and "9月7日" in answer.concise


def test_a_span_that_stops_inside_a_date_is_grown_to_the_day_before_its_type_is_checked():
    from qa.neural import SpanGuess
    from qa.neural_reader import dates_grown

    text = "9月7日下午，苏州市召开质量工作会议。"
    passage = _passage(text)
    piece = SpanGuess(0, 0, 1, -2.0, 0.0, "9")
    assert [g.text for g in dates_grown([piece], [passage], "when", "会议在哪一天举行？")] == ["9月7日下午"]
    assert dates_grown([piece], [passage], "when", "会议在哪一年举行？") == [piece]  # a year is asked: kept
    assert dates_grown([piece], [passage], "count", "有几个人？") == [piece]


def test_a_person_named_by_surname_and_title_is_covered_where_the_text_names_them_in_full():
    from qa.question import analyse

    q = analyse("周市长认为质量问题是个什么性质的问题？")
    assert "周市长" in q.people and "周市长" in q.words
    passage = "周乃翔市长认为，从性质上看，质量问题是经济社会发展的战略问题。"
    span = (0, passage.index("经济"), passage.index("战略问题") + 4)

    def features(text):
        return answerable.features(q.words, [text], span, 3.0, False, False, q.qtype, q.text, q.names, q.people, q.topic)

    full = features(passage)
    assert full["cover_all"] == 1.0 and full["missing_specific"] == 0.0 and full["name_missing"] == 0.0
    other = features(passage.replace("周乃翔", "李明华"))  # another mayor: 周市长 is not there
    assert other["cover_all"] < 0.8 and other["missing_specific"] > 0.5 and other["name_missing"] == 1.0


def test_a_time_that_opens_a_quoted_name_says_which_thing_not_when_unless_asked_so():
    assert answerable.names_a_name("“质量月”启动仪式", "周乃翔是哪一年开始当市长的？") == "质量月"
    assert answerable.names_a_name("《海鸟保护法》", "这部法律是哪一年通过的？") == "海鸟保护法"
    assert answerable.names_a_name("“质量月”启动仪式", "启动的是哪一年的“质量月”？") == ""
    assert answerable.names_a_name("的《海鸟保护法》", "这部法律是哪一年通过的？") == ""  # 1869年的: a time of its own
    assert answerable.names_a_name(",苏州市召开", "会议是哪天开的？") == ""
    # the span model's piece may stop before 年
    assert answerable.names_a_name("年“质量月”启动仪式", "周乃翔是哪一年开始当市长的？", "2012") == "质量月"
    assert answerable.names_a_name("年度全市质量强市工作先进地区", "苏州是哪一年被评为示范城市？", "2011") != ""


def test_a_time_inside_a_title_names_the_work_and_does_not_answer_when(article_engine):
    text = "贯彻落实国务院《质量发展纲要(2011-2020年)》和省政府《加快推进质量强省建设的意见》"
    at = text.index("2011")
    assert answerable.title_holding(text, at, at + len("2011-2020年")) == "质量发展纲要(2011-2020年)"
    assert answerable.title_holding(text, at, text.index("省政府")) == ""  # runs out of the title
    assert answerable.title_holding(text, 0, 4) == ""
    answer = article_engine.ask("国务院《质量发展纲要》是什么时候印发的？")
    assert answer.abstained and "2011-2020" not in answer.concise, answer.concise


def test_a_year_of_account_says_which_thing_not_when_unless_the_question_names_it():
    after = "全市质量强市工作先进地区,举行了"
    assert answerable.names_a_name(after, "第一届市长质量奖是哪一年设立的？", "2011年度") == "全市质量强市工作先进地区"
    assert answerable.names_a_name("度" + after, "苏州计划在哪一年建成质量强市？", "2011年") == "全市质量强市工作先进地区"
    assert answerable.names_a_name(after, "哪一年度的先进地区受到表彰？", "2011年度") == ""
    assert answerable.names_a_name("度香港小姐竞选季军", "马赛是哪一年度香港小姐竞选季军？", "2008年") == ""
    assert answerable.names_a_name("全市召开质量大会", "质量大会是哪一年召开的？", "2011年") == ""  # a plain year


@pytest.mark.parametrize("span, question, wrong", [
    ("第一届", "苏州的质量工作排名全国第几？", True),  # a rank is no edition
    ("第四位", "重庆的外贸总值在西部排名第几？", False),
    ("第二大", "东京证券交易所是全球第几大证券交易所？", False),
    ("第八张", "这是他的第几张专辑？", False),
    ("第三届", "这是他的第几张专辑？", True),
    ("第六届", "《张居正》获得了第几届茅盾文学奖？", False),
])
def test_an_ordinal_must_count_what_the_question_counts(span, question, wrong):
    assert answerable.type_mismatch("count", span, question) is wrong


@pytest.mark.parametrize("question, qtype", [
    ("国家标准委副主任是哪一位？", "who"),  # 哪一位 alone, as 哪位
    ("国家标准委副主任是哪位？", "who"),
    ("哪一位耶稣会教士于1552年死在中国上川岛？", "what"),  # which one of a kind, as 哪一个
])
def test_which_one_alone_asks_who_and_before_a_noun_asks_which_of_a_kind(question, qtype):
    from qa.question import question_type

    assert question_type(question) == qtype


@pytest.mark.parametrize("question, qtype", [("市质监局局长叫甚么名字？", "who"), ("池田勇人为甚么辞职？", "why")])
def test_a_question_written_with_the_taiwan_form_of_shenme_is_typed_as_with_the_usual_one(question, qtype):
    from qa.question import question_type

    assert question_type(question) == qtype


def test_a_post_asked_with_which_one_that_no_one_holds_is_refused(article_engine):
    answer = article_engine.ask("國家標準委副主任是哪一位？")
    assert answer.abstained and "副主任" in answer.answer, answer.answer


def test_who_spoke_for_a_unit_the_report_only_lists_is_refused_and_for_one_it_titles_answered(article_engine):
    refused = article_engine.ask("苏州市交通局是谁代表发言的？")
    assert refused.abstained and "苏州市交通局" in refused.answer, refused.concise
    answered = article_engine.ask("谁代表国家标准委作了重要指示？")
    assert not answered.abstained and "陈钢" in answered.concise
