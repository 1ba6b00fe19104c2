"""Where a named person is from (陈钢是哪里人？) over passages that never say it.

A report names where a meeting was held (苏州市召开…) and who attended (国家标准委主任陈钢),
and the span model, fit on Wikipedia where such questions meet a biography's first line
(王沈，字处道，太原晋阳人), answers with the meeting's city. A person's home is stated so:
the place goes on to 人 or 籍 (太原晋阳人, 福建籍, 吴郡富春(今浙江省杭州市富阳区)人), maybe
after its smaller parts (台湾新竹人 for 台湾), or
comes after 籍贯, 祖籍, 生于, 出生于 (籍贯吉林长春). All 26 references of DRCD and CMRC dev
to such questions about a person LAC tags are stated one of these ways (2 more, about a
group of people, 观众主要是哪里人, are not read here, and one of them is not).
"""

from __future__ import annotations

import re

_ASKS = re.compile(r"哪里人|哪儿人|什么地方人|何处人|哪个地方的?人|哪省人|籍贯")
# 人 or 籍 after the place, its smaller parts (台湾 | 新竹人) or a note in brackets between
_AFTER = re.compile(r"[\u4e00-\u9fff]{0,4}?\s*(?:[(（][^)）]*[)）])?\s*[人籍]")
_WITHIN = re.compile(r"人(?=[(（,，。、;；]|$)")  # 四川省资阳县人(今资阳市…
_BEFORE = re.compile(r"(?:籍贯|祖籍|原籍|生于|出生于|出生在|出身于?)[为是:：,，\s]*$")


def asks_origin(folded_question: str, people: list[str]) -> bool:
    """The question asks where a person it names is from."""
    return bool(people) and bool(_ASKS.search(folded_question))


def states_origin(folded_passage: str, start: int, end: int) -> bool:
    """The span (start, end) of the passage is stated as where someone is from."""
    span = folded_passage[start:end].rstrip()
    return (span.endswith(("人", "籍")) or bool(_WITHIN.search(span)) or bool(_AFTER.match(folded_passage, end))
            or bool(_BEFORE.search(folded_passage[max(start - 8, 0):start])))
