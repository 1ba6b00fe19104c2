"""Questions after what a named person or organisation said (朱建胜在会上发表了什么讲话？,
常熟市政府的发言讲了什么内容？) over passages that name the speaker but never report what
they said: a report lists who attended (苏州市人大常委会副主任朱建胜…出席会议) and who
spoke (常熟市政府…等4家单位进行了交流发言), and then what some of them said; the span model,
fit on Wikipedia where such questions are next to absent (2 of the dev files' fit and
decision folds), answers with whatever was said by others.

What a speaker said is reported when a verb that brings in what was said (说, 指出, 强调,
表示, 要求, 希望…; not the bare nouns 讲话, 发言, 指示) follows a mention of them in the same
sentence (靳道强局长对…给予了充分肯定,希望苏州…), or opens the next one pointing back (陈钢主任
作了重要指示。他指出,…).
"""

from __future__ import annotations

import re

from .chunking import reader_sentences
from .coverage import in_order_pattern
from .question import TITLE_CHARS, analyse_tokens, located_tokens, usual_shenme
from .text import fold

# As LAC's verbs (讲话, 指示, 发言 also as nouns); not 发表, which is also publishing
_ASKED_SAYING = {"说", "讲", "谈", "表示", "发言", "讲话", "强调", "指出", "指示"}
# Verbs that bring in what was said; 讲 not as 讲话 (作了重要讲话 says that, not what)
_SAYING = re.compile(r"说|讲(?!话)|谈|表示|指出|强调|提出|认为|介绍|宣布|称|要求|希望|肯定|主张|声明|呼吁")
_ASKS_CONTENT = re.compile(r"(?<!为)什么|哪些|内容")
_POINTS_BACK = re.compile(r"(他|她|其|该|此)")  # a sentence opening so goes on about who was named before


def asks_what_was_said(folded_question: str, speakers: list[str]) -> bool:
    """The question asks what one of its speakers (people, organisations) said: a verb of
    saying after the speaker, and 什么, 哪些 or 内容 (not 小说, 讲堂, 假说; not 什么研究说…,
    where the speaker is not the one saying)."""
    if not speakers or not _ASKS_CONTENT.search(usual_shenme(folded_question)):  # 甚麼 too
        return False
    saying = [start for word, tag, start, _ in located_tokens(folded_question, analyse_tokens(folded_question))
              if word in _ASKED_SAYING and (tag in ("v", "vn") or word in ("讲话", "指示", "发言"))]
    return bool(saying) and any(0 <= folded_question.find(s) < saying[0] for s in speakers)


def unreported_speaker(folded_question: str, speakers: list[str], texts: list[str]) -> str | None:
    """For a question after what someone said, the speaker the passages name but never
    report what they said, when no speaker of the question is reported; None otherwise
    (a speaker no passage names is the gate's to refuse, naming the missing name)."""
    if not asks_what_was_said(folded_question, speakers):
        return None
    named = [s for s in dict.fromkeys(speakers) if any(_mention(s).search(fold(t)) for t in texts)]
    if not named or what_was_said(named, texts) is not None:
        return None
    return named[0]


# What a question after what someone said may hold besides the speaker and asking for it
# (强调, 指出 ask for one thing said, which the span model finds: 质量问题是…战略问题)
_GENERAL = re.compile(r"在?会议?上|这次|本次|副|常务|了|些|都|主要|的|是|什么|哪些|内容|讲话|发言|指示|重要|作|做|发表|讲|说|谈|"
                      r"表示|[?？。]")


def asks_in_general(folded_question: str, speakers: list[str]) -> bool:
    """The question asks what a speaker said without narrowing it (周乃翔在会上讲了什么？,
    陈钢主任作了什么指示？; not 陈钢说试点是什么的创新？): past the speaker, the speaker's
    title and words of saying and asking, nothing is left."""
    if not asks_what_was_said(folded_question, speakers):
        return False
    rest = folded_question
    for word, tag, start, stop in located_tokens(folded_question, analyse_tokens(folded_question)):
        if word in speakers or (tag == "n" and word[-1] in TITLE_CHARS):
            rest = rest.replace(word, "", 1)
    return not _GENERAL.sub("", usual_shenme(rest)).strip()


def _mention(speaker: str) -> re.Pattern:
    """Where a (folded) text names the speaker: whole, or for a name of three characters or
    more with up to three characters between its own, as qa/answerable.py holds_name finds a
    person (靳局长 in 靳道强局长)."""
    return in_order_pattern(speaker) if len(speaker) >= 3 else re.compile(re.escape(speaker))


def what_was_said(speakers: list[str], texts: list[str]) -> tuple[int, int, int] | None:
    """Where the passages report what a speaker said, as (passage, start, end): the sentence
    from the mention on when a verb bringing it in follows there (靳道强局长对…给予了充分肯定,
    希望苏州…), then every next sentence that opens pointing back with such a verb (他强调,…);
    or those alone after the verb (陈钢主任作了重要指示。他指出,… -> 苏州在…). None when none."""
    for p, text in enumerate(texts):
        folded = fold(text)
        sentences = [(s.start, s.end) for s in reader_sentences(folded)] or [(0, len(folded))]
        for speaker in speakers:
            for m in _mention(speaker).finditer(folded):
                this = next((i for i, (_, end) in enumerate(sentences) if m.start() < end), len(sentences) - 1)
                start = m.start() if _SAYING.search(folded, m.end(), sentences[this][1]) else None
                end = sentences[this][1]
                for a, b in sentences[this + 1:]:
                    verb = _SAYING.search(folded, a, b)
                    if not (_POINTS_BACK.match(folded, a) and verb):
                        break
                    if start is None:
                        start = verb.end() + len(re.match(r"[,，:：\"“]*", folded[verb.end():]).group())
                    end = b
                if start is not None:
                    return p, start, len(folded[:end].rstrip("。;；"))
    return None
