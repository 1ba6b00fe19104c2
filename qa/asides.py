"""What a question says about the asker, taken out before it is read.

People type a question with a word about themselves around it: 会是哪天开的，我那天出差没去成;
我们做制造业的，想知道市里接下来要争创个什么称号; 请问… Retrieval and the readers weigh every
word of the question, and one the documents never use (出差, 制造业) reads as something the
question needs and the passages lack, so the reader refuses (文中没有提到制造业).

A clause that opens with the asker (qa/lexicons/asker_openers.txt: 我, 我们, 听说) is left out
when it comes after the clause that asks, when the next clause opens with words that only
open a question (qa/lexicons/question_leadins.txt: 想知道, 想问一下), when it says what the
asker wants (我们公司想参与试点), or when it is hearsay (听说…); so is small talk (谢谢).
Such a clause stays when it is the only one that asks (我能不能报名？) or when it sets the
question's terms (我们赴巴勒斯坦地区在取得通行证前，还需要什么手续？). The words that only open
the question are dropped too.

Spoken questions lose what only carries the voice: a filler alone in its clause (那个，,
qa/lexicons/spoken_fillers.txt), a clause saying who sent the asker (老板让我查一下，), a
closing particle (…开的啊？); their asking words are read in the written ones (啥 as 什么,
qa/lexicons/colloquial_words.txt). Of DRCD and CMRC dev, 7 questions change so (a closing 呀
or 啊, 啥): read over their own paragraph, F1 moves by −0.1 in all, and 3 more of their cut
readings are answered (the odd word had read as one the passage lacks). A 他 or 她 opening
the last clause is the one person the clauses before it name (报道里常提到靳道强局长，请问他是
哪个单位的局长？): 6 dev questions change, one wrong answer and one wrong cut reading refused,
the rest read as before.

The answer keeps the question as asked and gives the one that was read
(Answer.standalone_question).
"""

from __future__ import annotations

import re

from .intake import TRAILING_PARTICLES, is_small_talk, lexicon_lines
from .question import INTERROGATIVES, analyse_tokens
from .text import fold, in_script, script_of

_OPENERS = tuple(sorted(lexicon_lines("asker_openers"), key=len, reverse=True))
# 我市, 我省, 我国…: in news these name the place the text is about, not the asker
_ABOUT_A_PLACE = re.compile(r"我(?:市|省|国|区|县|镇|乡|村|州|校|院|司|局|厅|委|军|方|部|台|团|馆|所)")
_LEADINS = re.compile("(?:" + "|".join(sorted(map(re.escape, lexicon_lines("question_leadins")), key=len,
                                               reverse=True)) + r")[,，:：]?")
_FILLERS = frozenset(lexicon_lines("spoken_fillers"))
# Someone else sent the asker to find out (老板让我查一下, 领导叫我问问): no part of the question
_SENT_TO_ASK = re.compile(r"(?:让|叫|要|请|托|派)我们?(?:帮忙|帮|去|来)?(?:查|问|了解|打听|看|找|搞清楚|弄清楚)")
_WISH = re.compile(r"^[^,，;；。]{0,6}?(?:想|要|希望|打算|准备|计划)")  # 我们公司想参与…
_CLAUSE = re.compile(r"[^,，;；。!！?？]+[,，;；。!！?？]*")
_ASKS = re.compile(INTERROGATIVES.pattern + r"|吗|呢|是否|是不是|有没有|能不能|会不会|可不可以|对不对")
_QUOTES = re.compile(r"[「」“”『』\"《》]")
_WRITTEN = dict(line.split() for line in lexicon_lines("colloquial_words"))
_SPOKEN = re.compile("|".join(sorted(map(re.escape, _WRITTEN), key=len, reverse=True)))


def read_as(question: str) -> str:
    """The question without what it says about the asker; the question itself when
    nothing is taken out, or when nothing would be left that asks."""
    if _QUOTES.search(question):
        return question  # a quotation may hold clauses of its own
    asked, question = question, _in_written_words(question)  # 会是啥时候开的 asks as 会是什么时候开的 does
    folded = fold(question)  # folding keeps every character's place: cut the question where the fold says
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(folded)]
    texts = [folded[a:b].lstrip(" ,，") for a, b in clauses]
    kept = [span for i, span in enumerate(clauses) if not _aside(texts, i)]
    if not any(_ASKS.search(folded[a:b]) for a, b in kept):
        kept = clauses  # the asker's clause is the question (我能不能报名？)
    if not kept:
        return asked  # nothing but punctuation: the intake says what is wrong with it
    start, end = kept[0]
    lead = _LEADINS.match(folded, start)
    if lead and lead.end() < end:
        kept[0] = (lead.end(), end)
    text = "".join(question[a:b] for a, b in kept).strip().rstrip(",，;；")
    return _without_closing_particles(_pronoun_named(text)) or asked


_LAST_CLAUSE_PRONOUN = re.compile(r"[,，;；。!！?？](?:请问|想问一下|想知道)?[,，]?(他|她)(?![们們])[^,，;；。!！?？]*[?？]?$")


def _pronoun_named(text: str) -> str:
    """报道里常提到靳道强局长，请问他是哪个单位的局长？ read with 靳道强 for 他: a 他 or 她
    opening the last clause points back to the one person the clauses before it name (one
    question, no earlier turn to resolve it from)."""
    folded = fold(text)  # folding keeps every character's place
    m = _LAST_CLAUSE_PRONOUN.search(folded)
    if not m:
        return text
    people = list(dict.fromkeys(w for w, tag in analyse_tokens(folded[: m.start()]) if tag == "PER"))
    if len(people) != 1:
        return text
    at = folded.find(people[0])
    return text[: m.start(1)] + text[at: at + len(people[0])] + text[m.end(1):]


def _in_written_words(text: str) -> str:
    """会是啥时候开的？ read as 会是什么时候开的？ (qa/lexicons/colloquial_words.txt), in the
    question's script."""
    folded = fold(text)  # folding keeps every character's place
    script = script_of(text)
    pieces, at = [], 0
    for m in _SPOKEN.finditer(folded):
        pieces += [text[at:m.start()], in_script(_WRITTEN[m.group()], script)]
        at = m.end()
    return "".join(pieces) + text[at:]


_CLOSING = re.compile(r"[?？!！。.~～\s]*$")


def _without_closing_particles(text: str) -> str:
    """是哪天开的啊？ read as 是哪天开的？: the particle softens the tone and asks nothing, so it
    goes when the rest still asks (不是吗? stays; 那苏州呢？ stays, its 呢 is what asks)."""
    closing = _CLOSING.search(text).start()
    body = TRAILING_PARTICLES.sub("", text[:closing])
    if body == text[:closing] or not _ASKS.search(fold(body)):
        return text
    return body + text[closing:]


def _aside(clauses: list[str], i: int) -> bool:
    clause = clauses[i]
    if is_small_talk(clause):
        return True  # 谢谢, 麻烦了 after the question
    words = TRAILING_PARTICLES.sub("", _CLOSING.sub("", clause).rstrip(",，;；、 "))
    if words in _FILLERS:
        return True  # 那个，… while the speaker finds the words
    if _SENT_TO_ASK.search(clause) and not _ASKS.search(clause):
        return True  # 老板让我查一下，…
    lead = _LEADINS.match(clause)
    if lead and lead.end() == len(clause.rstrip()):
        return True  # 请问，… alone in its clause
    if _ABOUT_A_PLACE.match(clause) or not clause.startswith(_OPENERS):
        return False
    return (clause.startswith("听说") or bool(_WISH.search(clause))
            or any(_ASKS.search(before) for before in clauses[:i])
            or (i + 1 < len(clauses) and bool(_LEADINS.match(clauses[i + 1]))))
