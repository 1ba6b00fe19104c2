"""Questions answered yes or no (陈钢是否出席了会议？, 机关手枪可不可以连发?).

The span model was fit on questions that ask for a span; over such a question it points at
some phrase (苏州市召开…动员 for 陈钢是否出席了会议？), which is no answer, and not always in the
sentence that decides. The reader shows the sentence that covers most of the question (its
words weighed by how specific they are, as the gate weighs them), with no short answer: telling
"yes" from "no" needs more than the passage's words (副主任 is not 主任, 争创示范城市 is not
being one), and saying yes to a near miss is worse than showing the sentence. A span that is
itself a yes or a no of the question's kind (可以, 不能: DRCD asks a handful of these and
answers with the passage's word) stays the short answer.
"""

from __future__ import annotations

import re

from .coverage import sentences_by_cover
from .question import INTERROGATIVES, LIGHT_VERBS, analyse_tokens
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
