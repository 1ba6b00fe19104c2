"""The default offline reader: a span model fit on public reading-comprehension data.

It reads the best passages and points at the answer span; the rule reader's answer on
the same passages picks between close spans; a small model over the evidence
(qa/answerable.py) decides whether the passages hold the answer at all. All of it is
fit on data (qa/models/reader.json, written by training/fit_decision.py).
How it was fit and what it scores: docs/reader.md.

Questions in English go to the rule-based reader (qa/reader.py): the span model
was fit on Chinese questions only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import answerable, attendance, choice, coverage, enumeration, origin, posts, restatement, speech, verb_object, yesno
from .answerable import Gate
from .chunking import sentence_around
from .messages import t
from .neural import MODEL_PATH, SpanGuess, SpanModel, default_model
from .question import (ASKED_MEASURE, MEASURE_WORD, Question, analyse_tokens, asked_group, asked_kind, asked_number,
                       asks_for_several, asks_for_work)
from .reader import (TITLE_CHARS, WORK_TITLE, ExtractiveReader, Reading, date_spans, not_listed_text,
                     not_mentioned_text, only_present_text, person_items, read_parts, refusal_text, sub_questions, title_of)
from .retrieval import Passage
from .text import fold, in_script, script_of

DECISION_PATH = MODEL_PATH.with_suffix(".json")


@dataclass(frozen=True)
class Decision:
    """When to answer and with which span, all fit on data (training/fit_decision.py).

    A span that agrees with the rule reader's concise answer is preferred when its
    margin (the span model's belief in it over "no answer") is within `agreement` of
    the best one. Whether to answer at all is the gate's call (qa/answerable.py); without
    a gate, the margin must reach `threshold`."""

    agreement: float = 0.0
    gate: Gate | None = None
    threshold: float = 0.0
    passages: int = 3  # passages read, best retrieved first
    # The best passage alone is enough when its span's margin reaches this (the others
    # are then not read; see read_spans). Infinite: always read them all.
    confident: float = float("inf")
    extra_sentences: int = 2  # at most this many more sentences shown with an answer,
    extra_margin: float = 0.0  # ... each holding a span whose margin reaches this

    @classmethod
    def load(cls, path: Path = DECISION_PATH) -> "Decision":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(agreement=float(data.get("agreement", 0.0)), gate=Gate.from_json(data.get("gate")),
                   threshold=float(data.get("threshold", 0.0)), passages=int(data.get("passages", 3)),
                   confident=float(data.get("confident", "inf")), extra_margin=float(data.get("extra_margin", 0.0)))


class NeuralReader:
    """Reads with the span model; the rule reader covers English and analysis."""

    backend = "extractive"

    def __init__(self, model: SpanModel | None = None, decision: Decision | None = None,
                 rules: ExtractiveReader | None = None) -> None:
        self._model = model
        self.decision = decision or load_decision()
        self.rules = rules or ExtractiveReader()

    @property
    def model(self) -> SpanModel:
        if self._model is None:
            self._model = default_model()
        return self._model

    def use_embeddings(self, embeddings) -> None:
        self.rules.use_embeddings(embeddings)

    def read(self, question: str, passages: list[Passage], bm25=None, history=None) -> Reading:
        # who published the report (qa/dateline.py), which organisation a person belongs to
        # (qa/affiliation.py): read off the report's dateline and the person's title
        q = self.rules.analyse(question, bm25)
        sourced = self.rules.dateline_source(q, passages) or self.rules.affiliation(q, passages[: self.decision.passages])
        if sourced is not None:
            return sourced
        if script_of(question) == "en":
            return self.rules.read(question, passages, bm25, history)
        parts = sub_questions(question)
        if len(parts) > 1:
            return read_parts(parts, lambda part: self._read_one(part, passages, bm25))
        return self._read_one(question, passages, bm25)

    def _read_one(self, question: str, passages: list[Passage], bm25=None) -> Reading:
        script = script_of(question)
        read = passages[: self.decision.passages]
        rules = self.rules.read(question, read, bm25)  # also gives the question type
        qtype = rules.qtype
        if not read:
            return self._refusal(question, [], script, qtype, "no passages", bm25)
        picked = self.pick_option(question, read, bm25)
        if picked is not None:
            return self._answer([SpanGuess(picked.passage, picked.start, picked.end, 0.0, 0.0, picked.option)],
                                read, script, qtype)
        if self.titled(question, rules, bm25):
            return rules
        spoken = self.speech(question, read, script, qtype, bm25)
        if spoken is not None:
            return spoken
        guesses = dates_grown(self.read_spans(question, read, rules), read, qtype, question)
        best = choose(guesses, rules, self.decision, qtype, question)
        best = a_title(question, read, best, guesses, self.decision.agreement)
        issued = issuers_title_instead(question, read, best)
        if issued is not None:  # the span model reads these poorly (江苏省政府文件是哪一份？ at −6.4)
            return self._answer([issued], read, script, qtype)
        best = self.titled_by_named_body(question, read, rules, best, bm25) or best
        for check in (self.only_owner, self.unstated_origin, self.time_of_a_name, self.not_set_aside):
            checked = check(question, read, best, guesses, script, qtype, bm25)
            if isinstance(checked, Reading):
                return checked
            best = checked
        unheld = self.unheld(question, read, best.text if best else "", script, qtype)
        if unheld is not None:
            return unheld
        attended = self.only_attended(question, read, best, script, qtype, bm25)
        if attended is not None:
            return attended
        present = self.only_present(question, read, best, script, qtype, bm25)
        if present is not None:
            return present
        if best is not None and answerable.type_mismatch(qtype, fold(best.text), question) and fits(rules, qtype, question):
            # the span model found nothing of the asked-for type; the rule reader did
            return self.unheld(question, read, rules.concise, script, qtype) or rules
        doubt = self.doubt(question, read, best, rules, bm25)
        if doubt:
            return self._refusal(question, read, script, qtype, doubt, bm25)
        if yesno.asks(fold(question)) and not yesno.is_verdict(fold(best.text)):
            unstated = yesno.unstated_act(fold(question), [p.text for p in read])
            if unstated:
                return Reading(answer=not_mentioned_text([unstated], script), abstained=True, qtype="yesno",
                               reason=f"no passage says '{unstated}', so none says yes or no")
            evidence = self.yes_or_no_evidence(question, read, best, bm25)
            said = yesno.verdict(fold(question), fold(evidence.text))
            return self._answer([evidence], read, script, "yesno", short=False, verdict=said)
        several = asks_for_several(fold(question), qtype)
        unlisted = self.unlisted_group(question, read, best, guesses, script, qtype) if several else None
        if unlisted is not None:
            return unlisted
        restated = not_restating(best, guesses, read, question, qtype)
        if restated is not best and any(restated is g for g in guesses):
            restated = self.stand_in_checked(question, read, restated, [g for g in guesses if g is not best], script,
                                             qtype, bm25)
            if isinstance(restated, Reading):
                return restated
        best = restated
        others = [g for g in guesses if g is not best]
        if several:
            best = a_list(best, guesses, self.decision.agreement)
            best = as_list(best, read)
            best = self.list_of_number(question, best, guesses, read)
            use_rules = listed_more(best, rules, qtype)
            listed = rules.concise if use_rules else best.text
            # the list the span grew to may end with the group asked about (市长质量奖和2011年度
            # 先进地区 for 2011年度先进地区具体是哪几个地区？): named, not listed
            unlisted = None if use_rules else self.unlisted_group(question, read, best, guesses, script, qtype)
            if unlisted is not None:
                return unlisted
            # the refusal decision checked the span's type; the list it grew to is checked again
            # (4家单位 for 哪些企业获得了市长质量奖？, grown from a list of awards)
            if answerable.type_mismatch(qtype, fold(listed), question):
                return self._refusal(question, read, script, qtype, f"{listed} is not of the kind asked", bm25)
            if restatement.lists_the_subject(fold(listed), fold(question), several=True):
                return self._refusal(question, read, script, qtype, f"{listed} lists the question's subject", bm25)
            if use_rules:
                return rules
        else:
            best = object_instead(question, read, best)
            if kind := asked_kind(fold(question)):
                best = _respanned(best, read, lambda text, a, b: enumeration.one_of_kind(text, a, b, kind))
        best = with_unit(last_item_whole(balanced_quotes(best, read), read), read)
        if qtype == "count":
            best = without_counted_noun(count_of_rules(best, rules), fold(question))
        if answerable.asks_year(fold(question)):
            best = year_alone(best)
        elif qtype == "when":
            best = whole_date(best, read)
        return self._answer([best] + others, read, script, qtype)

    def pick_option(self, question: str, passages: list[Passage], bm25) -> choice.Choice | None:
        """For a question that offers its answers (上午还是下午), the option the passages give."""
        options = choice.alternatives(fold(question))
        if not options:
            return None
        q = self.rules.analyse(question, bm25)
        if unnamed(q, fold("".join(p.text for p in passages))):
            return None  # about something the passages do not name: the gate decides
        others = {w: answerable.surprisal(w) for w in q.words if not any(w in o or o in w for o in options)}
        return choice.pick(options, [p.text for p in passages], others)

    def yes_or_no_evidence(self, question: str, passages: list[Passage], best: SpanGuess, bm25) -> SpanGuess:
        """For a yes/no question, the sentence that covers most of it (qa/yesno.py), as a span;
        the best span when no sentence holds a word of the question."""
        q = self.rules.analyse(question, bm25)
        found = yesno.evidence([p.text for p in passages], {w: answerable.surprisal(w) for w in q.words})
        if found is None:
            return best
        p, start, end = found
        return replace(best, passage=p, start=start, end=end, text=passages[p].text[start:end])

    def titled(self, question: str, rules: Reading, bm25) -> bool:
        """A question after a named person's role (靳道强是什么职务？, 陈钢是谁？) that the rule
        reader answers with the title the passages give that person (江苏省质监局局长, read off
        江苏省质监局局长靳道强): such a title stands next to the name and the rules read it
        whole, while the span model, fit on Wikipedia where 5 of the decision fold's 667
        questions ask for a role, pointed at a neighbour in a list of titled people."""
        if rules.qtype != "role" or not fits(rules, "role", question):
            return False
        return bool(self.rules.analyse(question, bm25).people)

    def speech(self, question: str, passages: list[Passage], script: str, qtype: str, bm25) -> Reading | None:
        """A question after what a named speaker said (qa/speech.py): refused when the
        passages never say what the speaker said; answered with all the passages report
        of it when the question does not narrow it (周乃翔在会上讲了什么？): the span model,
        fit on Wikipedia, points at one phrase (苏州市). None: the span model reads it."""
        q = self.rules.analyse(question, bm25)
        folded, speakers, texts = fold(question), q.speakers, [p.text for p in passages]
        # a speaker LAC does not take for a name (好孩子, a company) is what the question is about
        silent = speech.unreported_speaker(folded, speakers or ([q.topic] if q.topic else []), texts)
        if silent:
            return Reading(answer=not_mentioned_text([f"{silent}的讲话"], script), abstained=True, qtype=qtype,
                           reason=f"no passage reports what {silent} said")
        said = speech.what_was_said(speakers, texts) if speech.asks_in_general(folded, speakers) else None
        if said is None:
            return None
        p, start, end = said  # sentences, no short answer: all of it is the answer
        return self._answer([SpanGuess(p, start, end, 0.0, 0.0, passages[p].text[start:end])], passages, script, qtype,
                            short=False)

    def stand_in_checked(self, question: str, passages: list[Passage], guess: SpanGuess, others: list[SpanGuess],
                         script: str, qtype: str, bm25=None) -> SpanGuess | Reading:
        """The guess taken for a best that restates the question, put through the checks the best
        passed: a time naming a name (2011年度 of 2011年度…先进地区 for 2012年“质量月”什么时候结束？,
        whose best was the question's 2012) and the post or body asked (周乃翔 for 常熟市政府是由
        哪位领导上台发言的？, whose best listed 常熟市政府 among the units)."""
        checked = self.time_of_a_name(question, passages, guess, others, script, qtype, bm25)
        if isinstance(checked, Reading):
            return checked
        return self.unheld(question, passages, checked.text, script, qtype) or checked

    def unheld(self, question: str, passages: list[Passage], answer: str, script: str,
               qtype: str) -> Reading | None:
        """A question after a person (who, 哪一位官员) after a post no one in the passages holds
        (qa/posts.py held_by_no_one), or after who spoke for or heads a body no one there is
        titled with (member_of_none), answered (answer: the span or the rule reader's short
        answer) with someone else: refused. None otherwise."""
        folded, texts = fold(question), [p.text for p in passages]
        if not answer or not (qtype == "who" or answerable.ASKS_PERSON.search(folded)):
            return None
        post = posts.asked_post(folded)
        if post and posts.held_by_no_one(post, answer, texts):
            return Reading(answer=not_mentioned_text([post.asked], script), abstained=True, qtype=qtype,
                           reason=f"no one in the passages is {post.asked}; {answer} holds another post")
        bodies = posts.asked_member(folded) if not post else ()
        if bodies and posts.member_of_none(bodies, answer, texts):
            return Reading(answer=not_mentioned_text([f"{bodies[0]}由谁{'代表' if '代表' in folded else '出面'}"], script),
                           abstained=True, qtype=qtype,
                           reason=f"no one in the passages is of {bodies[0]}; {answer} is of another body")
        return None

    def only_attended(self, question: str, passages: list[Passage], best: SpanGuess | None, script: str, qtype: str,
                      bm25) -> Reading | None:
        """A who-question after an act no passage names, answered with someone the passages
        only say attended, or after an act texts name in its own words (主持; qa/attendance.py),
        refused: 文中没有提到谁主持; so is one after an act the passages name only as a ceremony
        held (揭牌仪式), answered from a clause that does not say it. None otherwise."""
        if best is None or qtype != "who":
            return None
        texts = [p.text for p in passages]
        event = attendance.ceremony_only(fold(question), texts)
        if event and not attendance.says_act(event, passages[best.passage].text, best.start, best.end):
            return Reading(answer=not_mentioned_text([f"谁{event}"], script), abstained=True, qtype=qtype,
                           reason=f"the passages name '{event}' only as a ceremony held, not who did it")
        actions = self.rules.analyse(question, bm25).actions
        if not actions:
            return None
        unstated = attendance.unstated_act(actions, texts)
        if unstated:
            return Reading(answer=not_mentioned_text([f"谁{unstated}"], script), abstained=True, qtype=qtype,
                           reason=f"no passage names '{unstated}', which a text says in its own words")
        if not attendance.only_attended(actions, passages[best.passage].text, best.end, texts):
            return None
        return Reading(answer=not_mentioned_text([f"谁{actions[0]}"], script), abstained=True, qtype=qtype,
                       reason=f"no passage says who did '{actions[0]}'; {best.text} only attended")

    def only_owner(self, question: str, passages: list[Passage], best: SpanGuess | None, guesses: list[SpanGuess],
                   script: str, qtype: str, bm25=None) -> SpanGuess | Reading | None:
        """For a question after something of a thing (试点的验收标准是什么？) whose best span only
        names the thing (城市综合服务标准化, before 试点 in the passage; qa/restatement.py
        owner_named), a refusal naming what is asked (文中没有提到试点的验收标准。); the best
        span otherwise, grown over the thing when its name is asked (会议的名称是什么？). No
        nearly as good span is taken instead: on the article the next one
        was no answer either (靳道强局长 for 市长质量奖的评选标准是什么？)."""
        if best is None:
            return best
        text = passages[best.passage].text
        after = fold(text[best.end:best.end + 12])
        owner = restatement.owner_completes_name(after, fold(question))
        if owner:  # 会议的名称: …试点动员 | 会议 is the name cut short
            end = best.end + len(owner)
            return replace(best, end=end, text=text[best.start:end])
        asked = restatement.owner_named(fold(best.text), after, fold(question))
        if not asked:
            return best
        return Reading(answer=not_mentioned_text([asked], script), abstained=True, qtype=qtype,
                       reason=f"the span {best.text} only names what the question asks after ({asked})")

    def unstated_origin(self, question: str, passages: list[Passage], best: SpanGuess | None,
                        guesses: list[SpanGuess], script: str, qtype: str, bm25=None) -> SpanGuess | Reading | None:
        """For a question after where a named person is from (陈钢是哪里人？), a span the passage
        states as someone's home (qa/origin.py): the best, a nearly as good one, or a refusal
        (文中没有提到陈钢的籍贯。) when none is."""
        people = self.rules.analyse(question, bm25).people
        if best is None or not origin.asks_origin(fold(question), people):
            return best

        def stated(g: SpanGuess) -> bool:
            return origin.states_origin(fold(passages[g.passage].text), g.start, g.end)

        if stated(best):
            return best
        return nearly_as_good(best, guesses, self.decision.agreement, stated) or Reading(
            answer=not_mentioned_text([f"{people[0]}的籍贯"], script), abstained=True, qtype=qtype,
            reason=f"no passage states where {people[0]} is from; {best.text} is not said to be")

    def time_of_a_name(self, question: str, passages: list[Passage], best: SpanGuess | None, guesses: list[SpanGuess],
                       script: str, qtype: str, bm25=None) -> SpanGuess | Reading | None:
        """For a when-question, a span that opens a quoted name the question does not give
        (2012年 of 2012年“质量月” for 周乃翔是哪一年开始当市长的？; qa/answerable.py
        names_a_name) or lies inside a 《》 title (title_holding) gives way to a nearly as good
        one that is a time, or the reader refuses."""
        if best is None or qtype != "when":
            return best

        def named(g: SpanGuess) -> str:
            title = answerable.title_holding(fold(passages[g.passage].text), g.start, g.end)
            if title:
                return title
            if g.text.rstrip().endswith("的"):
                return ""  # 2月24日的「金刚计划」: a time of its own, said of the name
            return answerable.names_a_name(fold(passages[g.passage].text[g.end:g.end + 32]), fold(question),
                                           fold(g.text))

        name = named(best)
        if not name:
            return best
        return nearly_as_good(best, guesses, self.decision.agreement,
                              lambda g: not named(g) and not answerable.type_mismatch(qtype, fold(g.text), question)
                              ) or self._refusal(
            question, passages, script, qtype, f"{best.text} says which {name}, not when", bm25)

    def not_set_aside(self, question: str, passages: list[Passage], best: SpanGuess | None, guesses: list[SpanGuess],
                      script: str, qtype: str, bm25=None) -> SpanGuess | Reading | None:
        """A span that is just what the question sets aside (苏州市 for 除了苏州以外，还有哪些城市…？;
        qa/restatement.py names_the_set_aside) gives way to a nearly as good one, or the reader
        refuses."""
        if best is None or not restatement.names_the_set_aside(fold(best.text), fold(question)):
            return best
        return nearly_as_good(best, guesses, self.decision.agreement,
                              lambda g: not restatement.names_the_set_aside(fold(g.text), fold(question))
                              ) or self._refusal(question, passages, script, qtype,
                                                 f"{best.text} is what the question sets aside", bm25)

    def only_present(self, question: str, passages: list[Passage], best: SpanGuess | None, script: str, qtype: str,
                     bm25) -> Reading | None:
        """A question about one named person (浦荣皋负责什么工作？) whom the passages only list as
        present (qa/attendance.py only_present), answered with something other than that
        person's title, refused: 文中只提到浦荣皋出席会议，没有提到这个问题的答案。 Not a question
        after who or what someone is (the title answers), nor after their presence itself."""
        q = self.rules.analyse(question, bm25)
        people = list(dict.fromkeys(q.people))
        if best is None or qtype in ("who", "role") or len(people) != 1:
            return None
        if attendance.asks_presence(q.folded):
            return None
        person = people[0]
        if person in fold(passages[best.passage].text[best.end:best.end + 12]):
            return None  # the span is the person's title (苏州市副市长 | 浦荣皋)
        did = attendance.only_present(person, [p.text for p in passages])
        if not did:
            return None
        return Reading(answer=only_present_text(person, did, script), abstained=True, qtype=qtype,
                       reason=f"the passages only say {person} was there ({did})")

    def unlisted_group(self, question: str, passages: list[Passage], best: SpanGuess, guesses: list[SpanGuess],
                       script: str, qtype: str) -> Reading | None:
        """A question after several things whose best span names the group asked about and no
        close span lists its members (qa/restatement.py group_named), refused saying so:
        文中提到了13个专业服务领域，但没有列出具体是哪些。 None otherwise."""
        group = restatement.group_named(fold(best.text), fold(question))
        floor = min(best.margin - self.decision.agreement, self.decision.extra_margin)
        if not group or lists_members(best, guesses, passages, floor, asked_group(fold(question))):
            return None
        return Reading(answer=not_listed_text(group, script), abstained=True, qtype=qtype,
                       reason=f"the passages name {group} but list none of them")

    def list_of_number(self, question: str, best: SpanGuess, guesses: list[SpanGuess],
                       passages: list[Passage]) -> SpanGuess:
        """For a question after a number of things (哪三位领导在会上讲话？), the list of that
        many the first span (in the model's order) is an item of, when the best one lists
        another number (陈钢主任 -> 周乃翔市长、靳道强局长、陈钢主任). On the 53 dev questions
        of DRCD and CMRC 2018 asking so (their own paragraphs) F1 0.57 -> 0.67, 9 answers
        change, one for the worse (a reference of three for 哪两个公司). A floor on the
        span's margin (the agreement window or the extra-sentence margin) did worse: 0.65."""
        wanted = asked_number(fold(question))

        def count(g: SpanGuess) -> int:  # the items before 等 (绩分战、时间战、生存战等三种模式: 3)
            cut = g.text.find("等")
            return enumeration.item_count(passages[g.passage].text, g.start, g.start + cut if cut > 0 else g.end)

        if not wanted or count(best) == wanted:
            return best
        for g in guesses:
            listed = as_list(g, passages)
            if count(listed) == wanted:
                return listed
        return best

    def titled_by_named_body(self, question: str, passages: list[Passage], rules: Reading, best: SpanGuess | None,
                             bm25) -> SpanGuess | None:
        """For a question after the person an organisation sent or who holds a post
        (国家质检总局派了谁来参会？, 苏州市副市长是谁？), the one person of the rule reader's
        answer whose title holds that organisation or post as written (国家质检总局质量司副
        司长高阳 -> 高阳; 苏州市副市长浦荣皋, not 市委副书记、市长周乃翔), when the span model
        points at someone else, or at that person and a neighbour (苏州市副市长浦荣皋、苏州市
        政协副主席姚东明 for 苏州市政协副主席叫什么？): news text names each official after
        their organisation and post, and the model, fit on Wikipedia, picked from the list. No reading of
        the decision fold's who-questions meets this (one titled person holding what the
        question names), so it changes no public answer. None when the rule does not apply."""
        if rules.qtype != "who" or not fits(rules, "who", question):
            return None
        q = self.rules.analyse(question, bm25)
        if asks_for_several(q.folded, "who"):
            return None
        named = [w for w, tag in analyse_tokens(q.folded)
                 if tag == "ORG" or (tag == "n" and len(w) >= 2 and w[-1] in TITLE_CHARS)]
        titled = [(item, name) for _, item, name in person_items(rules.concise)
                  if any(n in title_of(item, name) for n in named)]
        if len(titled) != 1:
            return None
        item, name = titled[0]
        if best is not None and name in fold(best.text) and len(person_items(best.text)) <= 1:
            return None  # the span names that person, and no one else
        for p, passage in enumerate(passages):
            folded = fold(passage.text)
            at = folded.find(item)
            if at >= 0:
                start = folded.find(name, at)
                margin = best.margin if best is not None else 0.0
                return SpanGuess(p, start, start + len(name), margin, 0.0, passage.text[start:start + len(name)])
        return None

    def doubt(self, question: str, passages: list[Passage], best: SpanGuess | None, rules: Reading, bm25) -> str:
        """Why the passages do not hold the answer, or "" when the reader answers."""
        if best is None:
            return "no span"
        gate = self.decision.gate
        if gate is None:
            return "" if best.margin >= self.decision.threshold else f"margin {best.margin:.2f} < {self.decision.threshold:.2f}"
        evidence = self.evidence(question, passages, best, rules, bm25)
        if evidence["type_mismatch"]:
            return f"the span is not of the type a {rules.qtype} question asks for (margin {best.margin:.2f})"
        evidence_text = fold("".join(p.text for p in passages))
        quotes = coverage.quotes_missing(fold(question), evidence_text)
        if quotes:
            return f"no passage holds {'、'.join(quotes)}"
        unstated = coverage.stated_words_missing(fold(question), evidence_text)
        if unstated:
            return f"no passage gives a {'、'.join(unstated)}"
        p = gate.probability(evidence)
        return "" if p >= gate.threshold else f"answerable p={p:.2f} < {gate.threshold:.2f} (margin {best.margin:.2f})"

    def evidence(self, question: str, passages: list[Passage], best: SpanGuess, rules: Reading, bm25) -> dict:
        """The gate's inputs (qa/answerable.py) for this reading."""
        q = self.rules.analyse(question, bm25)
        return answerable.features(q.words, [p.text for p in passages], (best.passage, best.start, best.end),
                                   best.margin, not rules.abstained, agrees(best, rules), q.qtype, question,
                                   q.names, q.people, q.topic)

    def read_spans(self, question: str, passages: list[Passage], rules: Reading | None = None) -> list[SpanGuess]:
        """Span guesses, best first: the first passage's, and the others' unless the
        first passage's best is already confident and the rule reader, if it answers,
        found its answer in the first passage too (an answer spread over passages, such
        as who spoke, needs them all)."""
        guesses = self.model.guesses(question, [p.text for p in passages[:1]])
        elsewhere = rules is not None and not rules.abstained and any(p > 0 for p in rules.used)
        if len(passages) > 1 and (not guesses or guesses[0].margin < self.decision.confident or elsewhere):
            guesses += self.model.guesses(question, [p.text for p in passages[1:]], first=1)
            guesses.sort(key=lambda g: g.margin, reverse=True)
        return guesses

    def _answer(self, guesses: list[SpanGuess], passages: list[Passage], script: str, qtype: str,
                short: bool = True, verdict: str = "") -> Reading:
        """The best span as the concise answer, its sentence as support, and the sentences
        of up to two more spans the model would answer with on their own (a question
        whose answer is spread over several sentences: who spoke, what was decided).
        short=False: the sentences, with the verdict (是) as the concise answer when there is
        one (a yes/no question, qa/yesno.py)."""
        best = guesses[0]
        sentences = [_sentence(passages, best)]
        for g in guesses[1:]:
            if len(sentences) > self.decision.extra_sentences or g.margin < self.decision.extra_margin:
                break
            if _sentence(passages, g) not in sentences:
                sentences.append(_sentence(passages, g))
        used = list(dict.fromkeys(p for p, _, _ in sentences))
        lines = [f"{text} [{used.index(p) + 1}]" for p, _, text in sentences]
        support = sentences[0][2]
        concise = passages[best.passage].text[best.start:best.end] if short else verdict
        label = t("answer.source_label")  # the interface's language, whatever the question's
        answer = "\n".join(lines) if concise in ("", support) else f"{concise}\n\n{label}" + "\n".join(lines)
        highlights = {best.passage: (best.start, best.end) if short else sentences[0][1]}
        for p, span, _ in sentences[1:]:
            highlights.setdefault(p, span)
        return Reading(
            answer=in_script(answer, script),
            abstained=False,
            used=used,
            highlights=highlights,
            concise=in_script(concise, script),
            qtype=qtype,
            support=in_script(support, script),
            support_passage=best.passage,
        )

    def _refusal(self, question, passages, script, qtype, reason, bm25) -> Reading:
        missing = self.missing_terms(question, passages, bm25)
        if missing:
            reason = f"not in the passages: {'、'.join(missing)} ({reason})"
        text = not_mentioned_text(missing[:3], script) if missing else refusal_text(script)
        return Reading(answer=text, abstained=True, qtype=qtype, reason=reason)

    def missing_terms(self, question: str, passages: list[Passage], bm25=None) -> list[str]:
        """The question's names of things that no passage mentions (what is missing): first
        its topic or a name no passage holds whole (北海道狼 among passages about 日本狼,
        北土城站 among passages about 西土城站), the gate's evidence; then the words the
        shared coverage check finds missing."""
        q = self.rules.analyse(question, bm25)
        evidence = fold("".join(p.text for p in passages))
        quoted = coverage.quoted_terms_missing(q.folded, evidence)
        missing = quoted + [m for m in unnamed(q, evidence) if not any(m in t for t in quoted)]
        for word in coverage.missing_names(q, passages) + coverage.stated_words_missing(q.folded, evidence):
            if not any(word in m for m in missing):  # 入口 after 出入口 says nothing new
                missing.append(word)
        return missing


def unnamed(q: Question, evidence: str) -> list[str]:
    """The question's topic and names the (folded) evidence does not hold whole (the gate's
    name_missing and topic_missing), the topic first: 北海道狼, not LAC's 北海, when the
    passages are about 日本狼."""
    missing = answerable.names_missing(evidence, q.names, q.people)
    if answerable.topic_missing(evidence, q.topic) and not any(q.topic in m for m in missing):
        missing = [q.topic] + [m for m in missing if m not in q.topic]
    return missing


def choose(guesses: list[SpanGuess], rules: Reading, decision: Decision, qtype: str = "",
           question: str = "") -> SpanGuess | None:
    """The span to answer with: the best, or a nearly as good one the rule reader agrees
    with; for a question asking for a number, a nearly as good one holding a number
    rather than a best one without any."""
    if not guesses:
        return None
    best = guesses[0]
    if answerable.type_mismatch(qtype, fold(best.text), question):
        best = nearly_as_good(guesses[0], guesses, decision.agreement,
                              lambda g: not answerable.type_mismatch(qtype, fold(g.text), question)) or best
    if rules.abstained or not rules.concise:
        return best
    return nearly_as_good(guesses[0], guesses, decision.agreement, lambda g: agrees(g, rules)) or best


_TITLE_MARK = re.compile(r"[《〈]")


def titled(guess: SpanGuess, passages: list[Passage]) -> bool:
    """The span is or holds a quoted title (《》 or 〈〉), or lies inside one."""
    text = fold(passages[guess.passage].text)
    return bool(_TITLE_MARK.search(guess.text)) or bool(answerable.title_holding(text, guess.start, guess.end)) or (
        text[guess.start - 1:guess.start] in ("《", "〈"))


def a_title(question: str, passages: list[Passage], best: SpanGuess | None, guesses: list[SpanGuess],
            window: float) -> SpanGuess | None:
    """For a question after a work by its kind (什么小说; question.asks_for_work) over passages
    that quote titles, a nearly as good span that is a title when the best is none. Over the
    122 dev questions after a work, 4 answers change: 2 become right (《古兰经》 for 哪本著作, not
    古典), 2 wrong ones give way to other wrong ones; F1 +1.6 in all, no refusal changes."""
    if best is None or not asks_for_work(fold(question)) or titled(best, passages):
        return best
    if not any(_TITLE_MARK.search(p.text) for p in passages):
        return best
    return nearly_as_good(best, guesses, window, lambda g: titled(g, passages)) or best


_NAMING_TAGS = {"n", "nz", "nw", "nt", "ORG", "LOC", "PER", "ns"}


def issued_title(question: str, passages: list[Passage]) -> SpanGuess | None:
    """For a question after a work by its kind, the one title the passages put right after a
    name or noun that ends a word of the question (省政府《加快推进质量强省建设的意见》 for
    江苏省政府文件是哪一份？, not for 市政府文件); None when there is no such title or several, or
    the question asks for no work. Over the 122 dev questions after a work (own paragraph, and
    with the answer cut) 3 wrong answers become right (《胭脂扣》 for 哪一部电影, not
    「乐坛大姐大」) and 1 cut reading is answered. Taken over a best span that is a title too,
    it made 4 right answers wrong: only when the best is none."""
    folded = fold(question)
    if not asks_for_work(folded):
        return None
    words = [w for w, tag in analyse_tokens(folded) if tag in _NAMING_TAGS and len(w) >= 2]
    found = []
    for i, passage in enumerate(passages):
        text = fold(passage.text)
        for m in WORK_TITLE.finditer(text):
            before = analyse_tokens(text[max(0, m.start() - 10):m.start()])
            issuer = before[-1] if before else ("", "")
            if (issuer[1] in _NAMING_TAGS and len(issuer[0]) >= 2 and any(w.endswith(issuer[0]) for w in words)
                    and m.group(0)[1:-1] not in folded):
                found.append((i, m.start(), m.end()))
    if len(found) != 1:
        return None
    i, start, end = found[0]
    return SpanGuess(i, start, end, 0.0, 0.0, passages[i].text[start:end])


def issuers_title_instead(question: str, passages: list[Passage], best: SpanGuess | None) -> SpanGuess | None:
    """The issuer's title (issued_title) to answer with instead of the best span: when the
    best names no title, or lists several and holds that one (《纲要》和省政府《意见》 for
    江苏省政府文件是哪一份？); a title of the best's own beats the issuer's."""
    if best is None or not titled(best, passages):
        return issued_title(question, passages)
    if len(WORK_TITLE.findall(best.text)) < 2:
        return None
    issued = issued_title(question, passages)
    inside = issued is not None and issued.passage == best.passage and best.start <= issued.start <= issued.end <= best.end
    return issued if inside else None


def nearly_as_good(best: SpanGuess, guesses: list[SpanGuess], window: float, ok) -> SpanGuess | None:
    """The first guess (best first) whose margin is within window of the best's and for which
    ok holds; None when there is none."""
    return next((g for g in guesses if g.margin >= best.margin - window and ok(g)), None)


def not_restating(best: SpanGuess, guesses: list[SpanGuess], passages: list[Passage], question: str,
                  qtype: str) -> SpanGuess:
    """The answer without the question's own words (qa/restatement.py): the next guess when
    the best says nothing else, stands where the question puts its own words or lists the
    question's subject among its peers; the best cut where it runs on into them (not for a
    reason or a manner, which is a clause that may well name the question's subject)."""
    asked = fold(question)
    several = asks_for_several(asked, qtype)

    def restating(g: SpanGuess) -> bool:
        before = fold(passages[g.passage].text[: g.start])
        return (restatement.only_question_words(fold(g.text), asked)
                or restatement.restates_object(fold(g.text), before, asked)
                or (not several and restatement.lists_the_subject(fold(g.text), asked)))

    if restating(best):
        return next((g for g in guesses if not restating(g)), best)
    if qtype in ("why", "how"):
        return best
    if several and restatement.lists_the_subject(fold(best.text), asked, several=True):
        return best  # not cut short of the question's item: the list is refused as a list of its peers
    end = restatement.before_restated_run(fold(best.text), asked)
    if end is None:
        return best
    cut = _respanned(best, passages, lambda text, start, _: (start, start + end))
    if restating(cut):  # 2012年 of 2012年“质量月”启动仪式 for 2012年的“质量月”什么时候结束？
        return next((g for g in guesses if g is not best and not restating(g)), cut)
    return cut


UNSURE = 0.0  # below this margin the span model believes "no answer" more than its span


def object_instead(question: str, passages: list[Passage], best: SpanGuess) -> SpanGuess:
    """For a span the model is unsure of, what follows the question's verb where the passages
    hold it once (qa/verb_object.py: 首批全国质量强市示范城市 for 周乃翔表示苏州要积极争创什么？);
    the span itself otherwise."""
    if best.margin >= UNSURE:
        return best
    found = verb_object.object_of(fold(question), [fold(p.text) for p in passages])
    if found is None:
        return best
    p, start, end = found
    return replace(best, passage=p, start=start, end=end, text=passages[p].text[start:end])


def a_list(best: SpanGuess, guesses: list[SpanGuess], window: float) -> SpanGuess:
    """For a question after several things, the first span within the agreement window
    that lists some (holds 、) when the best one lists none (3条支流 for 天水围河有哪三条支流？).
    On the decision fold's 24 list questions 3 answers change, all for the better (3条支流 ->
    厦村河、石埗引水道及田心水道; F1 0.52 -> 0.63 before whole_list)."""
    if "、" in best.text:
        return best
    return nearly_as_good(best, guesses, window, lambda g: "、" in g.text) or best


def as_list(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """The list a span stands for: the items before its 等 when it names their kind, else the
    list it is an item of."""
    return listed_members(guess, passages) or whole_list(guess, passages)


def whole_list(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """The span grown to the list it is one item of (qa/enumeration.py). On the decision
    fold's list questions F1 0.50 -> 0.62 (24 questions, 6 changed, none for the worse);
    on other questions it would lose (0.622 -> 0.618), so only lists get it."""
    return _respanned(guess, passages, enumeration.widened)


def lists_members(best: SpanGuess, guesses: list[SpanGuess], passages: list[Passage], floor: float,
                  noun: str = "") -> bool:
    """The passages list what the best span names as a group: the members before its 等
    (…、新材料等9个重点产业), or a span with a margin of at least floor that lists things, is
    not a clause (体现了目标综合、方法综合…的特点 lists no fields: 1 of the 273 answers of
    DRCD and CMRC dev to questions after several things holds 了) and does not list what
    qualifies another noun than the one asked (noun, folded: 目标综合、…系统管理的特点 are no
    领域)."""
    return listed_members(best, passages) is not None or any(
        "、" in g.text and "了" not in g.text and not _qualifies_another(fold(g.text), noun)
        for g in guesses if g.margin >= floor)


_QUALIFIED = re.compile(r"的([\u4e00-\u9fff]{1,4})[。，,、”」]*$")


def _qualifies_another(listed: str, noun: str) -> bool:
    """The (folded) list ends with 的 and a noun other than the one asked (…系统管理的特点)."""
    m = _QUALIFIED.search(listed)
    return bool(noun and m and not m.group(1).endswith(noun))


def listed_members(guess: SpanGuess, passages: list[Passage]) -> SpanGuess | None:
    """For a span naming the kind of things listed before 等 (…、好孩子等4家单位), the items
    (qa/enumeration.py `members`); None for any other span."""
    found = _respanned(guess, passages, enumeration.members)
    return found if (found.start, found.end) != (guess.start, guess.end) else None


def last_item_whole(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """A span that holds several items of a list, its last one whole (周市长、靳局长、陈钢 ->
    …、陈钢主任); qa/enumeration.py `completed` has its figures."""
    return _respanned(guess, passages, enumeration.completed)


_QUOTES = {"”": "“", "」": "「", "》": "《", "』": "『", "）": "（", ")": "("}
_QUOTE_REACH = 40  # characters a span is grown by to take in the other half of a quotation


def balanced_quotes(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """A span that holds one half of a quotation, title or bracket pair grown to the other
    (质量月”启动仪式 -> “质量月”启动仪式, 《质量发展纲要 -> 《质量发展纲要(2011-2020年)》) when
    it is near; none of the 6,743 references of DRCD and CMRC dev holds half a pair."""
    text = passages[guess.passage].text
    start, end = guess.start, guess.end
    for close, open_ in _QUOTES.items():
        span = text[start:end]
        if span.count(close) > span.count(open_):
            at = text.rfind(open_, max(start - _QUOTE_REACH, 0), start)
            start = at if at >= 0 else start
        elif span.count(open_) > span.count(close):
            at = text.find(close, end, end + _QUOTE_REACH)
            end = at + 1 if at >= 0 else end
    if (start, end) == (guess.start, guess.end):
        return guess
    return replace(guess, start=start, end=end, text=text[start:end])


_BARE_NUMBER = re.compile(r"[\d.,]+")
_UNIT = re.compile(r"[年月日号時时点點分秒個个家人次名歲岁元亿億万萬千百]")


def with_unit(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """A span of bare figures with the unit that follows them (9 of 9月7日 -> 9月): the span
    model's pieces can split a number from its unit. On the decision fold one answer changes
    (1981 -> 1981年)."""
    text = passages[guess.passage].text
    if not _BARE_NUMBER.fullmatch(guess.text) or not _UNIT.match(text, guess.end):
        return guess
    return replace(guess, end=guess.end + 1, text=text[guess.start:guess.end + 1])


def whole_date(guess: SpanGuess, passages: list[Passage]) -> SpanGuess:
    """A span inside a date grown to the whole date (9月 of 9月7日下午 -> 9月7日下午), for a
    question after a day or a time (哪天, 几月几号, 什么时候), not one after the year alone:
    the span model's pieces can stop at the month. On the decision fold's 27 such questions
    3 answers change, none for the worse (2008年 -> 2008年7月21日, F1 0.50 -> 1.0)."""
    return _respanned(guess, passages, _date_around)


def dates_grown(guesses: list[SpanGuess], passages: list[Passage], qtype: str, question: str) -> list[SpanGuess]:
    """For a question after a day or a time, every guess grown to the whole date it stops
    inside before its type is checked: the span model may point at 9 of 9月7日下午, which
    is no day (會議在哪一天舉行？ was refused for it)."""
    if qtype != "when" or answerable.asks_year(fold(question)):
        return guesses
    return [whole_date(g, passages) for g in guesses]


_MORE_THAN_THE_YEAR = re.compile(r"^(.*?年)(?=\s*(?:[0-9０-９一二三四五六七八九十]{1,3}\s*月|[初底末中春夏秋冬]))")


def year_alone(guess: SpanGuess) -> SpanGuess:
    """For a question after the year (哪一年), a date span cut after its year (1975年1月 ->
    1975年, 1947年初 -> 1947年): 343 of the 357 references to such questions in the fit and
    decision folds end at 年 (7 more at 年代, which is kept), none holds a month. On the
    decision fold 4 answers change, all to the reference (F1 2.5 -> 3.7 of 4)."""
    m = _MORE_THAN_THE_YEAR.match(guess.text)
    if not m:
        return guess
    return replace(guess, end=guess.start + len(m.group(1)), text=m.group(1))


def count_of_rules(guess: SpanGuess, rules: Reading) -> SpanGuess:
    """For a count question, a span that holds the rule reader's count narrowed to it (五个
    方面 of 五个方面对全市的质量强市工作): the rules read a number with its measure word and
    stop there, the span model can run on. On the decision fold two answers change (3辆斯堪尼亚
    K310UD12米 -> 3辆斯堪尼亚, F1 0.40 -> 0.50; 13011人（2000年 -> 13011人, 1.0 both), on the
    report folds two (前上颌骨齿2枚 -> 2枚, EM 0 -> 1; 清初增为内地十八省 -> 十八省, both wrong)."""
    if rules.abstained or not rules.concise:
        return guess
    at = fold(guess.text).find(fold(rules.concise))
    if at < 0 or (at and answerable.NUMERAL.match(guess.text, at - 1)):
        return guess  # not in the span, or it would cut a number (212万人 -> 万人)
    start, end = guess.start + at, guess.start + at + len(rules.concise)
    return replace(guess, start=start, end=end, text=guess.text[at : at + len(rules.concise)])


def without_counted_noun(guess: SpanGuess, question: str) -> SpanGuess:
    """For a question after how many of a thing (几个占领区, 多少首歌曲), a span that runs
    on from the measure word into the thing (四個占領區) cut after the measure word: in the
    fit and decision folds 43 references to such questions stop at the measure word where the
    text goes on with the thing, 3 hold it. On the decision fold 4 answers change, all to
    the reference (F1 2.2 -> 4.0 of 4). A measure that runs on into a longer one (几个月:
    3个月) is not cut."""
    m = ASKED_MEASURE.search(question)
    after = re.match(r"\S*", question[m.end():]).group() if m else ""
    if not after:
        return guess
    measure = m.group(1)
    text = fold(guess.text)
    for cut in range(len(text) - 1, 0, -1):
        tail = text[cut:]
        if not after.startswith(tail):
            continue
        head = text[:cut]
        longer = any(MEASURE_WORD.fullmatch(measure + tail[:n]) for n in range(1, len(tail) + 1))
        numeral = len(head) > len(measure) and answerable.NUMERAL.match(head, len(head) - len(measure) - 1)
        if head.endswith(measure) and numeral and not longer:
            return replace(guess, end=guess.start + cut, text=guess.text[:cut])
    return guess


def _date_around(text: str, start: int, end: int) -> tuple[int, int]:
    for a, b in date_spans(fold(text)):
        if a < end and start < b:
            return min(start, a), max(end, b)
    return start, end


def _respanned(guess: SpanGuess, passages: list[Passage], new_span) -> SpanGuess:
    text = passages[guess.passage].text
    start, end = new_span(text, guess.start, guess.end)
    return replace(guess, start=start, end=end, text=text[start:end])


def listed_more(guess: SpanGuess, rules: Reading, qtype: str) -> bool:
    """For a question after several people (哪几位领导作了讲话？), the rule reader's list holds
    the span and more people: it reads each titled name of the sentence, also across the
    commas that end the span's clause (…主任陈钢,苏州市委副书记、市长周乃翔,…出席会议).
    The decision fold holds no such question; on its 92 singular who questions the same
    swap changed 3 answers, all for the worse (女娲 → 道藏、女娲), so only plural ones take it."""
    return qtype == "who" and agrees(guess, rules) and len(fold(rules.concise)) > len(fold(guess.text))


def fits(rules: Reading, qtype: str, question: str = "") -> bool:
    """The rule reader answers, with a short answer of the type the question asks for."""
    return not rules.abstained and bool(rules.concise) and not answerable.type_mismatch(qtype, fold(rules.concise), question)


def agrees(guess: SpanGuess, rules: Reading) -> bool:
    """The span and the rule reader's concise answer are the same answer (one holds the other)."""
    if rules.abstained or not rules.concise or not guess.text:
        return False
    span, theirs = fold(guess.text), fold(rules.concise)
    return span in theirs or theirs in span


def _sentence(passages: list[Passage], guess: SpanGuess) -> tuple[int, tuple[int, int], str]:
    text = passages[guess.passage].text
    s0, s1 = sentence_around(text, guess.start, guess.end)
    while s0 < s1 and text[s0].isspace():
        s0 += 1
    return guess.passage, (s0, s1), text[s0:s1].rstrip()


@lru_cache(maxsize=1)
def load_decision() -> Decision:
    return Decision.load()


def available() -> bool:
    return MODEL_PATH.exists()


def make(settings=None, offline=None):
    """The backend table's maker: this reader, or the rule reader without its weights."""
    return NeuralReader() if available() else ExtractiveReader()
