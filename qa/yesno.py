"""Questions answered yes or no (陈钢是否出席了会议？, 机关手枪可不可以连发?).

The span model was fit on questions that ask for a span; over such a question it points at
some phrase (苏州市召开…动员 for 陈钢是否出席了会议？), which is no answer, and not always in the
sentence that decides. The reader shows the sentence that covers most of the question (its
words weighed by how specific they are, as the gate weighs them). It says yes (是, or 有 for
有没有) only where one clause of that sentence states everything the question says, each word
as written (副主任 is not 主任), with no word of negation or intent the question lacks (争创示范
城市 is not being one): a short opening clause (会上, 最后) sets the scene of the clauses after it.
Otherwise the sentence comes alone: telling "no" needs more than the passage's words, and
saying yes to a near miss is worse than showing the sentence. A span that is itself a yes or a
no of the question's kind (可以, 不能: DRCD asks a handful of these and answers with the
passage's word) stays the short answer. An act no passage names gets no yes or no at all
(unstated_act).
"""

from __future__ import annotations

import re

from .coverage import sentences_by_cover
from .intake import lexicon_lines
from .posts import unqualified_in
from .question import INTERROGATIVES, LIGHT_VERBS, analyse, analyse_tokens
from .text import fold

# A yes/no question: A-not-A (是不是, 能不能, 有没有), 是否, 可否, 有无, or a final 吗.
_ASKS = re.compile(r"是否|是不是|能不能|能否|会不会|可不可以|可否|有没有|有无|对不对|吗[?？!！。.]?$")
# 何 asking for a thing (依照何标准决定是否废除?), not the surname (何晓东是否出席?).
_WHAT = re.compile(r"何(种|样|人|物|事|故|以|者|方|标准)")
# A span that answers yes or no by itself.
_VERDICT = re.compile(r"(不|没)?(是|能|会|可以|可|有|对|行)|没有|否")


def asks(folded: str) -> bool:
    """The (folded) question wants a yes or a no, not a thing: 陈钢是否出席了会议？, not
    陈钢是否出席了哪些会议？ nor 测量是否有高血压的方法是？ (which asks for the method)."""
    question = folded.strip()
    if INTERROGATIVES.search(question) or _WHAT.search(question) or re.search(r"是[?？]?$", question):
        return False
    return bool(_ASKS.search(question))


def unstated_act(folded: str, passages: list[str]) -> str:
    """The act a yes/no question asks about (入选 of 苏州有没有入选示范城市？: a verb of the
    question, not its asking 有没有 nor a light verb) when no passage holds it, with the rest of
    its clause (入选首批示范城市): then nothing there says yes or no (a report that 苏州 strives
    to be chosen does not say it was). "" otherwise. Each of the 5 yes/no questions of DRCD
    and CMRC dev has its verbs in its paragraph (沟通, 贯穿, 连发, 夺回, 任命)."""
    texts = [fold(p) for p in passages]
    for word, tag in analyse_tokens(folded):
        if tag == "v" and word not in LIGHT_VERBS and not _ASKS.fullmatch(word) and word not in ("能", "会"):
            if not any(word in text for text in texts):
                return re.split(r"[,，;；?？!！。]|吗", folded[folded.find(word):])[0]  # 评上全国…城市, not 评
    return ""


def is_verdict(folded_span: str) -> bool:
    """The span is a yes or a no by itself (可以, 不能, 没有)."""
    return bool(_VERDICT.fullmatch(folded_span.strip()))


def evidence(passages: list[str], weights: dict[str, float]) -> tuple[int, int, int] | None:
    """(passage index, start, end) of the sentence that covers most of the question's words
    (weights: each folded content word and how specific it is), the first of equals; None
    when no sentence holds any of them."""
    if not weights:
        return None
    best = max(sentences_by_cover(passages, weights), key=lambda found: found[4], default=None)
    return best[:3] if best is not None and best[4] > 0 else None


_ASIDES = frozenset(lexicon_lines("yesno_asides"))
# Where the question puts the act: the event the text reports (在本次会议上), not a fact to state.
_SETTING = re.compile(r"在?(?:本次|这次|此次|这个|那次|该)(?:会议|大会|会)(?:上|中|期间)?|在?(?:会议|大会)(?:上|中|期间)?"
                      r"|在?会(?:上|中|期间)")  # 在会议最后 is 最后
# Words that turn a clause from stating a thing to denying, wishing or planning it.
_NOT_STATED = re.compile(r"不|没|未|无|非|否|争创|争取|力争|希望|计划|拟|将|预计|可能|或许|准备")
_CLAUSE_BREAK = re.compile(r"[,，;；:：。!！?？]")
_SCENE = 6  # characters of an opening clause that sets the scene (会上, 最后, 9月7日下午)


def verdict(folded_question: str, folded_sentence: str) -> str:
    """The question's yes (是; 有 for 有没有, 可以 for 可不可以) when one clause of the sentence,
    with its opening scene, holds every word the question says and nothing that denies or only
    wishes it; "" otherwise."""
    asked = _SETTING.sub("", _ASKS.sub("", folded_question))
    question = analyse(asked)
    words = [w for w in question.words if _stated_word(w)]
    # jieba may join a name to the verb after it (陈钢作): the name alone is looked for
    words = [w for w in words if not any(o != w and o in w and len(w) - len(o) == 1 for o in words)]
    # a word the question itself qualifies (副书记) is looked for so: 书记 alone is another post
    words = ["副" + w if "副" + w in asked else w for w in words]
    if not words or _NOT_STATED.search(asked):
        return ""
    clauses = [c for c in _CLAUSE_BREAK.split(folded_sentence) if c.strip()]
    scene = clauses[0] if clauses and len(clauses[0]) <= _SCENE else ""
    for clause in clauses:
        if _NOT_STATED.search(clause):
            continue
        # the words first: the names' check tags the clause
        if all(unqualified_in(clause, w) or unqualified_in(scene, w) for w in words) \
                and _names_whole(question.names, clause + "，" + scene):
            return _yes_word(folded_question)
    return ""


def _names_whole(names: list[str], text: str) -> bool:
    """Each name stands in the text as a name of its own: 苏州市 is not 苏州市交通局."""
    if not names:
        return True
    pieces = {word for word, _ in analyse_tokens(text)}
    return all(name in pieces for name in names)


# The yes of each way of asking: 有 for 有没有, 可以 for 可不可以; 是 for 是否, 是不是 and 吗.
_YES_WORDS = (("有没有", "有"), ("有无", "有"), ("可不可以", "可以"), ("可否", "可以"), ("能不能", "能"),
              ("能否", "能"), ("会不会", "会"), ("对不对", "对"))


def _yes_word(folded_question: str) -> str:
    return next((yes for asking, yes in _YES_WORDS if asking in folded_question), "是")


def _stated_word(word: str) -> bool:
    """A word the sentence must hold: not an aside (也, 之一) nor a light verb (搞了个)."""
    bare = re.sub(r"了|一?个$", "", word)
    return bool(bare) and bare not in _ASIDES and bare not in LIGHT_VERBS
