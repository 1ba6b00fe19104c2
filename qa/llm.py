"""Generative answers from an OpenAI-compatible server or Ollama, behind the same retrieval.

The chain: relevance gate -> prompt (numbered passages, the question) -> chat model
-> parsed answer.  The gate refuses without calling the model when the passages
do not mention what the question asks about.  The parser maps every [n] (in any
form qa/citations.py knows: 【n】, [资料n], [1, 3] ...) back to its passage and
renumbers the markers in the order they are first cited, which is the order the
engine returns the sources in (cited first), so [1] is always the first source
shown.  A citation of a passage that was not given is dropped
and flagged in the notice.

Any failure of the model (server down, timeout, 401, 429, malformed reply) gives
a Chinese notice and the offline reader's answer.  The API key is never written
to logs, notices or errors.

Follow-up questions are rewritten before retrieval: ``condense_question`` with
the model, ``resolve_followup`` offline (a pronoun that points at the person or
thing of the previous turn).
"""

from __future__ import annotations

import logging
import queue
import re
import string
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import citations
from .chunking import split_sentences
from . import coverage
from .followup import resolve_followup
from .messages import t
from .reader import ExtractiveReader, Reading, refusal_text
from .retrieval import Passage
from .settings import Settings, SettingsError
from .text import fold, in_script, script_of

log = logging.getLogger(__name__)

# What the model says when the passages do not hold the answer; script-folded before matching.
REFUSAL_MARKER = "【无答案】"
_REFUSAL_AT_START = re.compile(r"^\s*[【\[［(（]?\s*无答案")
_REFUSAL_ANYWHERE = re.compile(r"[【\[［]\s*无答案\s*[】\]］]")
# A plain-language refusal without the marker; only trusted when nothing is cited.
_REFUSAL_WORDS = re.compile(
    r"(资料|文中|文章|材料|段落|上述|原文|文档)\S{0,6}(没有|未|并未|不)\S{0,4}(提到|提及|包含|涉及|说明|给出|记载)"
    r"|无法(根据|从)\S{0,10}(回答|得知|确定)|(do|does) not (contain|mention)",
    re.IGNORECASE,
)
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)

_LANGUAGES = {"hans": "简体中文", "hant": "繁體中文", "en": "英文（English）"}


# ---------------------------------------------------------------- prompts


class PromptError(SettingsError):
    """A prompt template that is missing or cannot be used; the message is for users."""


@dataclass(frozen=True)
class Prompts:
    system: str
    user: str
    condense: str


# template file -> (placeholders it must have, placeholders it may have)
_TEMPLATES = {
    "system.txt": (set(), {"language", "refusal_marker"}),
    "user.txt": ({"passages", "question"}, {"language", "refusal_marker"}),
    "condense.txt": ({"history", "question"}, {"language"}),
}


def load_prompts(prompts_dir: str | Path) -> Prompts:
    """Read and check the templates in prompts_dir (QA_PROMPTS_DIR)."""
    directory = Path(prompts_dir)
    texts = {name: _load_template(directory / name, *rules) for name, rules in _TEMPLATES.items()}
    return Prompts(texts["system.txt"], texts["user.txt"], texts["condense.txt"])


def _load_template(path: Path, required: set[str], allowed: set[str]) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt template not found: {path} (set QA_PROMPTS_DIR to a folder with "
                          f"system.txt, user.txt and condense.txt)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"cannot read prompt template {path}: {exc}") from None
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise PromptError(f"prompt template {path} is invalid ({exc}); write a literal brace as {{{{ or }}}}") from None
    unknown = sorted(n for n in names if n not in required | allowed)
    if unknown:
        known = ", ".join("{" + n + "}" for n in sorted(required | allowed))
        raise PromptError(f"prompt template {path} has unknown placeholder(s) "
                          f"{', '.join('{' + n + '}' for n in unknown)}; it may use {known}")
    missing = sorted(required - names)
    if missing:
        raise PromptError(f"prompt template {path} lacks the placeholder(s) "
                          f"{', '.join('{' + n + '}' for n in missing)}")
    return text


def format_passages(passages: list[Passage]) -> str:
    return "\n\n".join(_format_passage(n, p) for n, p in enumerate(passages, 1))


def _format_passage(n: int, passage: Passage) -> str:
    # The sentence before the passage tells the model who 他/她 at its start is.
    before = getattr(passage, "before", "").strip()
    context = f"（前文：{before}）\n" if before else ""
    return f"[{n}]（{passage.doc_id}）\n{context}{passage.text.strip()}"


def language_of(script: str) -> str:
    return _LANGUAGES.get(script, _LANGUAGES["hans"])


# ---------------------------------------------------------------- chat models


class LLMError(RuntimeError):
    """A model call that failed; the message is for users and holds no secret."""


def chat_model(settings: Settings):
    """The LangChain chat model of settings.backend, imported only when needed."""
    if not settings.llm_model:
        raise LLMError(t("llm.no_model"))
    if settings.backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise LLMError(t("llm.not_installed", package="langchain-openai")) from None
        return ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url or None,
            # Local servers (vLLM, llama.cpp) accept any key, but the client insists on one.
            api_key=settings.llm_api_key or "EMPTY",
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=0,
        )
    if settings.backend == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise LLMError(t("llm.not_installed", package="langchain-ollama")) from None
        client_kwargs: dict = {"timeout": settings.llm_timeout}
        if settings.llm_api_key:  # an Ollama behind an authenticating proxy
            client_kwargs["headers"] = {"Authorization": f"Bearer {settings.llm_api_key}"}
        return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None,
                          client_kwargs=client_kwargs, temperature=0)
    raise LLMError(f"backend {settings.backend!r} is not a language model backend")


def generate(runnable, inputs: dict, timeout: float, streaming: bool = True) -> Iterator[str]:
    """Text pieces of runnable (prompt | model) as they arrive.

    The call runs in a worker thread, so no wait for the next piece lasts longer
    than timeout even when the HTTP client's own timeouts add up to more.
    """
    pieces: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            if streaming:
                stream = runnable.stream(inputs)
                for chunk in stream:
                    if stop.is_set():
                        stream.close()
                        return
                    pieces.put(("text", chunk.text))
            else:
                pieces.put(("text", runnable.invoke(inputs).text))
            pieces.put(("end", None))
        except Exception as exc:
            pieces.put(("error", exc))

    threading.Thread(target=work, name="qa-llm", daemon=True).start()
    try:
        while True:
            try:
                kind, value = pieces.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no reply within {timeout:g} s") from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            if value:
                yield value
    finally:
        stop.set()


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """A short message for a failed model call, in the interface's language (no key, no traceback)."""
    if isinstance(exc, LLMError):
        return str(exc)
    status = getattr(exc, "status_code", None)
    names = {cls.__name__ for cls in type(exc).__mro__}
    where = scrub(settings.llm_base_url or t("llm.default_address"), settings)
    if isinstance(exc, TimeoutError) or names & {"APITimeoutError", "TimeoutException"}:
        return t("llm.timeout", seconds=f"{settings.llm_timeout:g}")
    if isinstance(status, int):
        if status in (401, 403):
            return t("llm.denied", status=status)
        if status == 429:
            return t("llm.too_many")
        if status == 404:
            return t("llm.not_found", model=settings.llm_model)
        return t("llm.http_error", status=status)
    if isinstance(exc, ConnectionError) or names & {"APIConnectionError", "TransportError"}:
        return t("llm.unreachable", where=where)
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError)):
        return t("llm.unparsable")
    return t("llm.failed", error=type(exc).__name__)


def scrub(text: str, settings: Settings) -> str:
    """text with the API key, bearer tokens and URL passwords masked."""
    key = settings.llm_api_key
    if key and len(key) >= 4:
        text = text.replace(key, "***")
    text = re.sub(r"(?i)(bearer\s+)[^\s'\",}]+", r"\1***", text)
    text = re.sub(r"\bsk-[A-Za-z0-9_\-]{6,}", "sk-***", text)
    return re.sub(r"(://)[^/@\s:]+:[^/@\s]+@", r"\1***@", text)


# ---------------------------------------------------------------- parsing the reply


@dataclass
class AnswerParser:
    """Turns the model's text, piece by piece, into what the user sees.

    Drops a leading <think> block, hides a leading refusal marker, renumbers the
    citations and converts to the question's script.  Text that may be the start
    of a marker is held back until the marker is complete.
    """

    passage_count: int
    script: str
    raw: str = ""
    used: list[int] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)
    refused_at_start: bool = False
    _pending: str = ""
    _shown: list[str] = field(default_factory=list)
    _opening_checked: bool = False

    def feed(self, piece: str) -> list[str]:
        self.raw += piece
        self._pending += piece
        return self._drain(final=False)

    def finish(self) -> list[str]:
        return self._drain(final=True)

    @property
    def text(self) -> str:
        return "".join(self._shown).strip()

    def _drain(self, final: bool) -> list[str]:
        if not self._opening_checked and not self._check_opening(final):
            return []
        if self.refused_at_start:
            self._pending = ""
            return []
        cut = len(self._pending) if final else self._safe_cut(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        ready = in_script(citations.normalise(ready, self._renumber), self.script)
        if not self._shown:
            ready = ready.lstrip()
        if not ready:
            return []
        self._shown.append(ready)
        return [ready]

    def _check_opening(self, final: bool) -> bool:
        """Skip a <think> block and spot a refusal marker; False while undecided."""
        head = self._pending.lstrip()
        if head.startswith("<think>"):
            match = _THINK.match(self._pending)
            if not match:  # still thinking
                if final:
                    self._pending = ""
                return False
            self._pending = self._pending[match.end():]
            head = self._pending.lstrip()
        elif "<think>".startswith(head) and head and not final:
            return False
        folded = fold(head)
        if _REFUSAL_AT_START.match(folded):
            self.refused_at_start = True
        elif not final and len(head) < 5 and "无答案".startswith(folded.lstrip("[【［(（ ")):
            return False  # may still become the refusal marker
        self._opening_checked = True
        return True

    @staticmethod
    def _safe_cut(text: str) -> int:
        opener = max(text.rfind(ch) for ch in citations.OPENERS)
        if opener < 0 or any(ch in text[opener:] for ch in citations.CLOSERS):
            return len(text)
        return opener if len(text) - opener <= citations.LONGEST_WRITTEN else len(text)

    def _renumber(self, number: int) -> int | None:
        """The marker number shown for the model's passage number (None: no such passage)."""
        if not 1 <= number <= self.passage_count:
            self.invalid.append(number)
            return None
        index = number - 1
        if index not in self.used:
            self.used.append(index)
        return self.used.index(index) + 1

    def refused(self) -> bool:
        if self.refused_at_start or _REFUSAL_ANYWHERE.search(fold(self.raw)):
            return True
        return not self.used and bool(_REFUSAL_WORDS.search(fold(self.text)))


def highlights_for(answer: str, used: list[int], passages: list[Passage]) -> dict[int, tuple[int, int]]:
    """For each cited passage, the sentence of it closest to the answer sentences citing it."""
    claims: dict[int, str] = {}
    answer = re.sub(rf"([。！？!?；;])((?:\s*{citations.MARKER.pattern})+)", r"\2\1", answer)  # 指示。[1] cites 指示
    for span in split_sentences(answer):
        sentence = answer[span.start:span.end]
        for number in citations.numbers(sentence):
            if not 1 <= number <= len(used):
                continue  # not a citation (the parser only writes markers of used passages)
            index = used[number - 1]
            claims[index] = claims.get(index, "") + sentence
    highlights = {}
    for index, claim in claims.items():
        wanted = _bigrams(fold(citations.strip(claim)))
        text = passages[index].text
        best, best_score = None, 1
        for span in split_sentences(text):
            score = len(wanted & _bigrams(fold(text[span.start:span.end])))
            if score > best_score:
                best, best_score = (span.start, span.end), score
        if best:
            highlights[index] = best
    return highlights


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


# ---------------------------------------------------------------- the reader


class LLMReader:
    """Answers with a chat model from the retrieved passages; same interface as ExtractiveReader."""

    def __init__(self, settings: Settings, fallback=None) -> None:
        self.settings = settings
        self.backend = settings.backend
        self.fallback = fallback or ExtractiveReader()
        self.analyser = self.fallback if isinstance(self.fallback, ExtractiveReader) else ExtractiveReader()
        self.prompts = load_prompts(settings.prompts_dir)
        self._chain = None
        self._lock = threading.Lock()

    def read(self, question: str, passages: list[Passage], bm25=None, history=None) -> Reading:
        *_, reading = self._answer(question, passages, bm25, streaming=False)
        return reading

    def stream(self, question: str, passages: list[Passage], bm25=None, history=None) -> Iterator[str | Reading]:
        """Pieces of the answer as the model writes them, then the Reading.

        The Reading's answer is the one to keep: a refusal or a fall back found
        only at the end replaces what was streamed.
        """
        yield from self._answer(question, passages, bm25, streaming=True)

    # ------------------------------------------------------------ steps

    def relevance_gate(self, question: str, passages: list[Passage], bm25=None) -> str:
        """Why retrieval found nothing relevant, or "" to let the model answer."""
        return coverage.gate(question, passages, bm25)

    def prompt_inputs(self, question: str, passages: list[Passage]) -> dict:
        return {
            "passages": format_passages(passages),
            "question": question,
            "language": language_of(script_of(question)),
            "refusal_marker": REFUSAL_MARKER,
        }

    def chain(self):
        """prompt | chat model, built on first use."""
        with self._lock:
            if self._chain is None:
                from langchain_core.prompts import ChatPromptTemplate

                prompt = ChatPromptTemplate.from_messages(
                    [("system", self.prompts.system), ("human", self.prompts.user)]
                )
                self._chain = prompt | chat_model(self.settings)
            return self._chain

    def _answer(self, question, passages, bm25, streaming: bool) -> Iterator[str | Reading]:
        script = script_of(question)
        qtype = self.analyser.analyse(question, bm25).qtype  # as the offline reader sees it
        reason = self.relevance_gate(question, passages, bm25)
        if reason:
            log.info("relevance gate refused without calling the model: %s", reason)
            yield refusal_text(script)
            yield Reading(answer=refusal_text(script), abstained=True, qtype=qtype, reason=f"gate: {reason}",
                          backend=self.backend)
            return
        parser = AnswerParser(len(passages), script)
        shown = False
        try:
            for raw in generate(self.chain(), self.prompt_inputs(question, passages),
                                self.settings.llm_timeout, streaming):
                for piece in parser.feed(raw):
                    shown = True
                    yield piece
            for piece in parser.finish():
                shown = True
                yield piece
            if not parser.text and not parser.refused():
                raise LLMError(t("llm.empty_reply"))
        except Exception as exc:
            yield from self._fall_back(question, passages, bm25, exc, after_text=shown)
            return
        reading = self._reading(parser, passages)
        reading.qtype = qtype
        if reading.abstained and not shown:
            yield reading.answer
        yield reading

    def _reading(self, parser: AnswerParser, passages: list[Passage]) -> Reading:
        script = parser.script
        notes = []
        if parser.invalid:
            wrong = t("answer.name_separator").join(citations.marker(n) for n in dict.fromkeys(parser.invalid))
            notes.append(t("llm.invalid_citations", markers=wrong))
        if parser.refused():
            return Reading(answer=refusal_text(script), abstained=True, reason="the model found no answer in the passages",
                           notice=_notice(notes, script), backend=self.backend)
        if not parser.used:
            notes.append(t("llm.no_citations"))
        answer = parser.text
        return Reading(
            answer=answer,
            abstained=False,
            used=list(parser.used),
            highlights=highlights_for(answer, parser.used, passages),
            reason="; ".join(f"invalid citation [{n}]" for n in parser.invalid),
            notice=_notice(notes, script),
            backend=self.backend,
        )

    def _fall_back(self, question, passages, bm25, exc: Exception, after_text: bool) -> Iterator[str | Reading]:
        message = describe_failure(exc, self.settings)
        log.warning("%s backend failed, using the offline reader: %s (%s)",
                    self.backend, scrub(message, self.settings), scrub(f"{type(exc).__name__}: {exc}", self.settings))
        reading = self.fallback.read(question, passages, bm25)
        notice = in_script(t("llm.fell_back", message=message), script_of(question))
        reading.notice = f"{notice} {reading.notice}".strip()
        if after_text:
            yield "\n\n"
        yield reading.answer
        yield reading


def make(settings: Settings, offline=None) -> LLMReader:
    """The backend table's maker (qa/backends.py): the offline reader answers on failure."""
    return LLMReader(settings, fallback=offline)


def _notice(notes: list[str], script: str) -> str:
    return in_script(t("llm.notes", notes=t("llm.note_separator").join(notes)), script) if notes else ""


# ---------------------------------------------------------------- follow-up questions


def condense_question(settings: Settings, question: str, history: list[tuple[str, str]] | None) -> str:
    """A follow-up question rewritten to stand alone, in the script it was asked in.

    With an LLM backend the model rewrites it from the conversation (condense.txt);
    offline, or when the model fails, ``resolve_followup`` handles the simple cases.
    The script is kept because the answer is given in the script of the question.
    """
    if not history:
        return question
    script = script_of(question)
    if settings.backend == "extractive":
        return in_script(resolve_followup(question, history), script)
    prompts = load_prompts(settings.prompts_dir)
    inputs = {"history": format_history(history), "question": question, "language": language_of(script)}
    try:
        from langchain_core.prompts import ChatPromptTemplate

        runnable = ChatPromptTemplate.from_messages([("human", prompts.condense)]) | chat_model(settings)
        text = "".join(generate(runnable, inputs, settings.llm_timeout, streaming=False))
    except Exception as exc:
        log.warning("could not rewrite the follow-up question with the %s backend: %s",
                    settings.backend, scrub(describe_failure(exc, settings), settings))
        text = ""
    rewritten = _first_line(text)
    if not rewritten or len(rewritten) > settings.max_question_chars:
        rewritten = resolve_followup(question, history)
    return in_script(rewritten, script)


def format_history(history: list[tuple[str, str]], turns: int = 3, answer_chars: int = 200) -> str:
    lines = []
    for asked, answered in history[-turns:]:
        answered = citations.strip(answered).strip()
        if len(answered) > answer_chars:
            answered = answered[:answer_chars] + "…"
        lines.append(f"用户：{asked}\n助手：{answered}")
    return "\n".join(lines)


def _first_line(text: str) -> str:
    text = _THINK.sub("", text).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"^(改写后的问题|独立问题|问题|改寫後的問題|獨立問題|問題)\s*[:：]\s*", "", line)
    return line.strip("\"'“”「」『』 ")
