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
from .question import analyse_tokens, located_tokens
from .text import fold

_ASKED_SAYING = {"说", "讲", "谈", "表示", "发言", "讲话"}  # as LAC's verbs (and 讲话 as a noun); not 发表 (also "publish")
# Verbs that bring in what was said; 讲 not as 讲话 (作了重要讲话 says that, not what)
_SAYING = re.compile(r"说|讲(?!话)|谈|表示|指出|强调|提出|认为|介绍|宣布|称|要求|希望|肯定|主张|声明|呼吁")
_ASKS_CONTENT = re.compile(r"(?<!为)什么|哪些|内容")


def asks_what_was_said(folded_question: str, speakers: list[str]) -> bool:
    """The question asks what one of its speakers (people, organisations) said: a verb of
    saying after the speaker, and 什么, 哪些 or 内容 (not 小说, 讲堂, 假说; not 什么研究说…,
    where the speaker is not the one saying)."""
    if not speakers or not _ASKS_CONTENT.search(folded_question):
        return False
    saying = [start for word, tag, start, _ in located_tokens(folded_question, analyse_tokens(folded_question))
              if word in _ASKED_SAYING and (tag in ("v", "vn") or word == "讲话")]
    return bool(saying) and any(0 <= folded_question.find(s) < saying[0] for s in speakers)


_POINTS_BACK = re.compile(r"(他|她|其|该|此)")


def reports_speech(speaker: str, texts: list[str]) -> bool:
    """Some passage says what the speaker said: a verb bringing it in after a mention of
    them in the same sentence, or in the next when that one opens pointing back (他强调)."""
    for text in texts:
        folded = fold(text)
        sentences = [(s.start, s.end) for s in reader_sentences(folded)] or [(0, len(folded))]
        for m in re.finditer(re.escape(speaker), folded):
            this = next((i for i, (_, end) in enumerate(sentences) if m.start() < end), len(sentences) - 1)
            if _SAYING.search(folded, m.end(), sentences[this][1]):
                return True
            if this + 1 < len(sentences):
                start, end = sentences[this + 1]
                if _POINTS_BACK.match(folded, start) and _SAYING.search(folded, start, end):
                    return True
    return False


def unreported_speaker(folded_question: str, speakers: list[str], texts: list[str]) -> str | None:
    """For a question after what someone said, the speaker the passages name but never
    report what they said, when no speaker of the question is reported; None otherwise
    (a speaker no passage names is the gate's to refuse, naming the missing name)."""
    if not asks_what_was_said(folded_question, speakers):
        return None
    named = [s for s in dict.fromkeys(speakers) if any(s in fold(t) for t in texts)]
    if not named or any(reports_speech(s, texts) for s in named):
        return None
    return named[0]
