"""The chat page: a Gradio app over one shared Engine (``python app.py`` runs it
through qa/server.py, with the engine in a child process).

Chat with streamed answers and their cited passages, example questions,
document upload/removal and a few settings, all in the language of the settings
(Chinese by default; every string is in qa/messages.py).  A named API
endpoint ``ask`` returns the answer and its sources as data:

    from gradio_client import Client
    result = Client("http://127.0.0.1:7860/").predict("誰在會上作了重要講話？", 4, api_name="/ask")
    result["answer"], result["abstained"], result["sources"]
    result["concise"], result["support"], result["citations"], result["reason"], result["qtype"]

Gradio is imported only here (it takes seconds), so the rest of the package stays light.
"""

import html
import importlib.abc
import json
import importlib.machinery
import logging
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING



class _NoStubWriting(importlib.abc.MetaPathFinder):
    """Gradio regenerates the type stubs (.pyi) of every component class each time it
    is imported: it reads and parses each component's source and rewrites files in
    site-packages.  That is a tool for gradio's own developers and more than half of
    ``import gradio`` (about 2.5 s of 4.5 s on 2 cores); the stubs ship with the
    package anyway.  This finder switches it off as gradio.component_meta loads."""

    def find_spec(self, name, path=None, target=None):
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            if hasattr(module, "create_or_modify_pyi"):
                module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_module
        return spec


if "gradio" not in sys.modules:
    sys.meta_path.insert(0, _NoStubWriting())
# Must be set before gradio is imported: it reads this at import time.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from . import citations  # noqa: E402
from .backends import BACKENDS, OFFLINE  # noqa: E402
from .bases import DEFAULT as DEFAULT_BASE  # noqa: E402
from .messages import t  # noqa: E402
from . import loaders  # noqa: E402
from .records import Answer, IngestReport, QAError, QuestionError, Source  # noqa: E402
from .settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from .chain import Engine
    from .server import EngineProcess

# Questions about the sample article (data/article.txt), in both scripts.
EXAMPLES = (
    "哪幾位領導在會上作了講話和指示？",
    "会上一共有几家单位交流发言？",
    "這次動員會是哪天開的？",
    "苏州的标准化试点覆盖多少个专业服务领域？",
    "試點把什麼引入了城市管理和綜合服務？",
    "靳道强肯定了苏州在哪些质量工作领域的成绩？",
)

log = logging.getLogger(__name__)


def backend_label(name: str) -> str:
    return t(f"backend.{name}") if name in BACKENDS else name

# Events that ask questions may run side by side (the Engine is thread-safe for
# asking); LLM backends spend most of a stream waiting on the network.
ASK_CONCURRENCY = 8

CSS = """
/* Narrow screens need the width more than the margin. */
.gradio-container > .main { padding-left: clamp(8px, 2.5vw, 32px) !important;
                            padding-right: clamp(8px, 2.5vw, 32px) !important; }
#qa-header { padding: 0.25rem 0 0; }
#qa-header h1 { margin: 0; font-size: 1.6rem; }
#qa-header p { margin: 0.2rem 0 0; color: var(--body-text-color-subdued); }
.qa-refusal { border-left: 4px solid #d97706; background: #fff7e6; color: #7c2d12;
              padding: 0.55em 0.8em; border-radius: 6px; }
.qa-refusal-title { font-weight: 700; margin-bottom: 0.2em; }
.qa-notice { margin-top: 0.5em; font-size: 0.85em; color: var(--body-text-color-subdued); }
.qa-cite { color: var(--color-accent); font-weight: 600; }
.qa-source { margin: 0.2em 0 0.9em; }
.qa-source-head { font-size: 12px; color: var(--body-text-color-subdued); margin-bottom: 0.2em; }
.qa-source-head b { color: var(--body-text-color); }
.qa-source-text { line-height: 1.7; font-size: 14px; color: var(--body-text-color); white-space: pre-line; }
.qa-source-text mark { background: #fde68a; color: #111827; font-size: inherit; padding: 0 0.1em; border-radius: 2px; }
.qa-timings { font-size: 0.8em; color: var(--body-text-color-subdued); }
#qa-examples { gap: 0.4rem; }
#qa-examples button { justify-content: flex-start; text-align: left; white-space: normal; }
#qa-ask-row { flex-wrap: nowrap; }
@media (max-width: 640px) {
  #qa-header h1 { font-size: 1.3rem; }
}
"""

FONTS = [
    gr.themes.LocalFont("Source Sans Pro"),
    "Noto Sans CJK SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", "ui-sans-serif", "sans-serif",
]


# ------------------------------------------------------------------ rendering


def answer_data(answer: Answer) -> dict:
    """The answer as plain JSON data, as the ``ask`` endpoint returns it."""
    return answer.to_dict()


def highlighted(text: str, span: tuple[int, int] | None) -> str:
    """The passage as HTML with the answer span in <mark>."""
    if not span:
        return html.escape(text)
    start, end = span
    return html.escape(text[:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>" + html.escape(text[end:])


def _with_citations(text: str) -> str:
    return citations.MARKER.sub(r'<sup class="qa-cite">[\1]</sup>', html.escape(text))


def render_answer(answer: Answer) -> str:
    if answer.abstained:
        body = (
            f'<div class="qa-refusal"><div class="qa-refusal-title">{t("page.refusal_title")}</div>'
            f"<div>{html.escape(answer.answer)}</div></div>"
        )
    else:
        body = _with_citations(answer.answer)
    if answer.notice:
        body += f'\n\n<div class="qa-notice">ℹ️ {html.escape(answer.notice)}</div>'
    return body


def _score_text(source: Source) -> str:
    parts = [t("page.score", score=source.score)]
    if source.dense_score is not None:
        parts.append(t("page.dense_score", score=source.dense_score))
    if source.bm25_score is not None:
        parts.append(t("page.bm25_score", score=source.bm25_score))
    return " · ".join(parts)


def render_source(n: int, source: Source, show_scores: bool) -> str:
    head = [f"<b>[{n}] {html.escape(source.place())}</b>", t("page.passage_number", n=source.chunk_index + 1)]
    if show_scores:
        head.append(_score_text(source))
    return (
        f'<div class="qa-source"><div class="qa-source-head">{" · ".join(head)}</div>'
        f'<div class="qa-source-text">{highlighted(source.text, source.highlight)}</div></div>'
    )


def sources_title(answer: Answer) -> str:
    if answer.abstained:
        return t("page.sources_refused", count=len(answer.sources))
    return t("page.sources", count=len(answer.sources))


def render_sources(answer: Answer, show_scores: bool) -> str:
    blocks = [render_source(n, s, show_scores) for n, s in enumerate(answer.sources, 1)]
    if show_scores and answer.timings:
        names = {"retrieve": t("page.time_retrieve"), "read": t("page.time_read"), "total": t("page.time_total")}
        times = " · ".join(f"{names.get(k, k)} {v * 1000:.0f} ms" for k, v in answer.timings.items())
        blocks.append(f'<div class="qa-timings">{times} · {backend_label(answer.backend)}</div>')
    return "\n\n".join(blocks) or t("page.no_passages")


def answer_messages(answer: Answer, show_scores: bool) -> list[gr.ChatMessage]:
    """The answer bubble and, under it, the collapsed sources panel."""
    messages = [gr.ChatMessage(role="assistant", content=render_answer(answer))]
    if answer.sources:
        messages.append(
            gr.ChatMessage(
                role="assistant",
                content=render_sources(answer, show_scores),
                metadata={"title": sources_title(answer), "status": "done"},
            )
        )
    return messages


# ------------------------------------------------------------------ uploads

def report_lines(report: IngestReport) -> list[str]:
    """What happened to each upload; the engine's messages are in the page's language already."""
    lines = [t("page.added", doc_id=doc) for doc in report.added]
    lines += [t("page.updated", doc_id=doc) for doc in report.updated]
    lines += [t("page.unchanged", doc_id=doc) for doc in report.unchanged]
    lines += [t("page.duplicate", name=Path(path).name, existing=existing) for path, existing in report.duplicates]
    lines += [t("page.note", message=message) for _, message in report.notes]
    lines += [t("page.skipped", message=message) for _, message in report.skipped]
    lines += [t("page.problem", message=message) for _, message in report.errors]
    return lines


# ------------------------------------------------------------------ handlers


def _base_label(name: str) -> str:
    return t("page.default_base") if name == DEFAULT_BASE else name


def configured_backends(settings: Settings) -> list[str]:
    """The offline default always (the rule reader stays a CLI/settings choice); an LLM
    backend only when a server is configured (the configured one, or every LLM backend
    when the offline one is the default)."""
    llm = [b.name for b in BACKENDS.values() if b.needs_server]
    if not settings.llm_base_url:
        return [OFFLINE]
    return [OFFLINE] + ([settings.backend] if settings.backend in llm else llm)


class ChatPage:
    """The event handlers of the page, around one shared Engine."""

    def __init__(self, engine: "Engine | EngineProcess") -> None:
        self.engine = engine

    # ---------------------------------------------------------- chat

    def respond(self, question, chat, turns, k, backend, show_scores, kb=None, documents=None):
        """Stream one answer into the chat; yields (chat, turns, question box).

        The box is emptied once, when the question is taken, and then left alone
        (gr.skip) so that what the user types meanwhile is not wiped.
        """
        chat, turns = list(chat or []), list(turns or [])
        try:
            question = self.engine.check_question(question)
        except QuestionError as exc:
            gr.Warning(str(exc), title=t("page.toast_warning"))
            yield chat, turns, gr.skip()
            return
        chat += [gr.ChatMessage(role="user", content=question), gr.ChatMessage(role="assistant", content="")]
        yield chat, turns, ""
        history = [tuple(turn) for turn in turns]
        answer, text = None, ""
        try:
            for item in self.engine.ask_stream(question, k=int(k), history=history, backend=backend,
                                               kb=kb or None, documents=list(documents or []) or None):
                if isinstance(item, str):
                    text += item
                    chat[-1] = gr.ChatMessage(role="assistant", content=html.escape(text) + " ▍")
                    yield chat, turns, gr.skip()
                else:
                    answer = item
        except Exception as exc:  # a failing backend or store must not leave a silent, broken chat
            if not isinstance(exc, QAError):  # a QAError (a Chroma server that is down) is its message
                log.exception("answering %r failed", question)
            chat[-1] = gr.ChatMessage(role="assistant", content=t("page.failed", error=html.escape(str(exc))))
            yield chat, turns, gr.skip()
            return
        chat[-1:] = answer_messages(answer, show_scores)
        yield chat, turns + [[question, answer.answer]], gr.skip()

    def respond_example(self, question, chat, turns, k, backend, show_scores, kb=None, documents=None):
        """Like respond, but leaves the question box (and what is typed in it) alone."""
        for chat, turns, _ in self.respond(question, chat, turns, k, backend, show_scores, kb, documents):
            yield chat, turns

    def ask(self, question: str, k: int | None = None, kb: str | None = None, documents: list[str] | None = None) -> dict:
        with _shown_as_error():
            k = int(k or self.engine.settings.k)
            if not 1 <= k <= 50:
                raise QuestionError(t("question.bad_k"))
            return answer_data(self.engine.ask(question, k=k, kb=kb or None, documents=documents or None))

    # ---------------------------------------------------------- knowledge bases

    def base_choices(self):
        """The knowledge-base selector, at the settings' base."""
        with _shown_as_error():
            names = [b.name for b in self.engine.knowledge_bases()]
        current = self.engine.settings.kb or DEFAULT_BASE
        # With the default base alone there is nothing to choose: the selector stays out of the way.
        return gr.Dropdown(choices=[(_base_label(n), n) for n in names], value=current if current in names else names[0],
                           visible=len(names) > 1)

    def switch_base(self, kb):
        """Another base: its documents, an empty chat and no document filter."""
        return [], [], *self.document_views(kb), self.filter_choices(kb)

    def filter_choices(self, kb=None):
        """The chat's document filter: the base's documents, none chosen (all)."""
        with _shown_as_error():
            names = [d.doc_id for d in self.engine.documents(kb=kb or None)]
        return gr.Dropdown(choices=names, value=[])

    # ---------------------------------------------------------- documents

    def document_views(self, kb=None):
        """The documents table, the removal dropdown, and a one-line summary."""
        with _shown_as_error():
            docs = self.engine.documents(kb=kb or None)
        rows = [[d.doc_id, d.chunks, d.chars] for d in docs]
        names = [d.doc_id for d in docs]
        summary = t("page.summary", documents=len(docs), chunks=sum(d.chunks for d in docs))
        return rows, gr.Dropdown(choices=names, value=None), summary

    def add_files(self, files, kb=None, progress=gr.Progress()):
        paths = [Path(f) for f in files or []]
        if not paths:
            return t("page.choose_files", formats=loaders.supported()), *self.document_views(kb)
        lines, embedded, started = [], 0, time.perf_counter()
        # One file at a time: the engine's lock is released between files, so
        # questions asked during a long upload wait for one file, not all.
        for n, path in enumerate(paths):
            if not loaders.is_supported(path.name):
                code = loaders.refusal(path.name)  # the same words as the CLI and the API
                lines.append(t("page.problem", message=t(f"document.{code}", name=path.name, formats=loaders.supported())))
                continue
            label = t("page.importing", name=path.name, n=n + 1, total=len(paths))
            progress((0, 1), desc=label)
            unit = t("page.chunk_unit")
            with _shown_as_error():  # the index cannot be written (its Chroma server is down), nor for the next files
                report = self.engine.ingest(
                    [path], progress=lambda done, total, label=label: progress((done, total), desc=label, unit=unit),
                    uploads=True, kb=kb or None,
                )
            lines += report_lines(report)
            embedded += report.chunks_embedded
        lines.append(t("page.embedded", chunks=embedded, seconds=time.perf_counter() - started))
        return "\n\n".join(lines), *self.document_views(kb)

    def remove_document(self, doc_id, kb=None):
        if not doc_id:
            return t("page.choose_removal"), *self.document_views(kb)
        try:
            with _shown_as_error():
                removed = self.engine.remove(doc_id, kb=kb or None)
        except KeyError:
            return t("page.problem", message=t("document.no_such", doc_id=doc_id)), *self.document_views(kb)
        return t("page.removed", doc_id=doc_id, chunks=removed), *self.document_views(kb)


@contextmanager
def _shown_as_error():
    """A mistake a user or operator can make (qa.QAError) as the page's error toast, in
    the page's language, instead of gradio's anonymous "upstream app raised" error."""
    try:
        yield
    except QAError as exc:
        raise gr.Error(str(exc), title=t("page.toast_error")) from None


# ------------------------------------------------------------------ layout


def _chat_tab(settings: Settings) -> SimpleNamespace:
    ui = SimpleNamespace()
    backends = configured_backends(settings)
    with gr.Row(elem_id="qa-chat-row"):
        with gr.Column(scale=3, min_width=340):
            ui.chatbot = gr.Chatbot(
                show_label=False,
                elem_id="qa-chat",
                height="calc(100vh - 300px)",
                min_height=360,
                buttons=["copy"],
                feedback_options=None,
                placeholder=t("page.chat_placeholder"),
            )
            with gr.Row(elem_id="qa-ask-row", equal_height=True):
                ui.question = gr.Textbox(
                    show_label=False, placeholder=t("page.question_placeholder"), elem_id="qa-question", container=False,
                    scale=6, min_width=180, max_lines=4,
                )
                ui.send = gr.Button(t("page.send"), variant="primary", elem_id="qa-send", scale=0, min_width=80)
        with gr.Column(scale=1, min_width=260, elem_id="qa-side"):
            gr.Markdown(t("page.examples"))
            with gr.Column(elem_id="qa-examples"):
                ui.examples = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]
            ui.documents = gr.Dropdown(label=t("page.documents_filter"), info=t("page.documents_filter_info"),
                                       choices=[], value=[], multiselect=True, elem_id="qa-doc-filter")
            with gr.Accordion(t("page.settings"), open=False, elem_id="qa-settings"):
                ui.k = gr.Slider(1, 10, value=min(settings.k, 10), step=1, label=t("page.k"))
                ui.backend = gr.Radio(
                    [(backend_label(b), b) for b in backends],
                    value=settings.backend if settings.backend in backends else "extractive",
                    label=t("page.backend"),
                    visible=len(backends) > 1,
                )
                ui.show_scores = gr.Checkbox(value=True, label=t("page.show_scores"))
    return ui


def _documents_tab() -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.files = gr.File(
                label=t("page.upload", formats=" / ".join(loaders.SUFFIXES)), file_count="multiple", file_types=list(loaders.UPLOADABLE),
                elem_id="qa-upload", height=150,
            )
            ui.add = gr.Button(t("page.add"), variant="primary", elem_id="qa-add")
            ui.status = gr.Markdown(elem_id="qa-doc-status")
        with gr.Column(scale=1, min_width=300):
            ui.summary = gr.Markdown(elem_id="qa-doc-summary")
            ui.table = gr.Dataframe(
                headers=t("page.table_headers").split("|"), datatype=["str", "number", "number"], interactive=False,
                show_label=False, elem_id="qa-doc-table", wrap=True,
            )
            with gr.Row(equal_height=True, elem_id="qa-remove-row"):
                ui.choice = gr.Dropdown(label=t("page.remove_choice"), choices=[], elem_id="qa-doc-choice", scale=3, min_width=160)
                ui.remove = gr.Button(t("page.remove"), variant="stop", elem_id="qa-remove", scale=0, min_width=80)
    return ui


def _wire_chat(page: ChatPage, chat: SimpleNamespace, turns: gr.State, base: gr.Dropdown) -> None:
    inputs = [chat.question, chat.chatbot, turns, chat.k, chat.backend, chat.show_scores, base, chat.documents]
    outputs = [chat.chatbot, turns, chat.question]
    chat.question.submit(page.respond, inputs, outputs, api_name="chat")
    chat.send.click(page.respond, inputs, outputs, api_visibility="private")
    for button in chat.examples:
        # A Button's value is its label, so the example text is the question.
        button.click(page.respond_example, [button, *inputs[1:]], [chat.chatbot, turns], api_visibility="private")
    chat.chatbot.clear(lambda: [], None, turns, api_visibility="private")


def _wire_documents(page: ChatPage, docs: SimpleNamespace, base: gr.Dropdown, doc_filter: gr.Dropdown) -> list:
    views = [docs.table, docs.choice, docs.summary]
    # Ingests and removals run one at a time, apart from the questions' workers.
    docs.add.click(
        page.add_files, [docs.files, base], [docs.status, *views], api_name="add_documents",
        concurrency_limit=1, concurrency_id="index",
    ).then(lambda: None, None, docs.files, api_visibility="private") \
        .then(page.filter_choices, base, doc_filter, api_visibility="private")
    docs.remove.click(
        page.remove_document, [docs.choice, base], [docs.status, *views], api_name="remove_document",
        concurrency_limit=1, concurrency_id="index",
    ).then(page.filter_choices, base, doc_filter, api_visibility="private")
    return views


def build_app(engine: "Engine | EngineProcess") -> gr.Blocks:
    page = ChatPage(engine)
    with gr.Blocks(title=t("page.title"), analytics_enabled=False) as app:
        gr.Markdown(f"# {t('page.title')}\n{t('page.subtitle')}", elem_id="qa-header")
        turns = gr.State([])  # (question, answer) pairs: the history the engine sees
        # One selector above both tabs: the chat and the documents tab show the same base.
        current = engine.settings.kb or DEFAULT_BASE
        base = gr.Dropdown(choices=[(_base_label(current), current)], value=current, label=t("page.base"),
                           elem_id="qa-kb", interactive=True, visible=False)
        with gr.Tab(t("page.tab_chat"), id="chat"):
            chat = _chat_tab(engine.settings)
        with gr.Tab(t("page.tab_documents"), id="docs"):
            docs = _documents_tab()
        _wire_chat(page, chat, turns, base)
        views = _wire_documents(page, docs, base, chat.documents)
        app.load(page.base_choices, None, base, api_visibility="private") \
            .then(page.document_views, base, views, api_visibility="private") \
            .then(page.filter_choices, base, chat.documents, api_visibility="private")
        base.input(page.switch_base, base, [chat.chatbot, turns, *views, chat.documents], api_visibility="private")

        def ask(question: str, k: int = engine.settings.k, kb: str = "", documents: list[str] | None = None) -> dict:
            return page.ask(question, k, kb, documents)

        ask.__doc__ = t("page.api_description")  # the API page shows it

        gr.api(ask, api_name="ask")
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    return app


def launch_options(settings: Settings) -> dict:
    theme = gr.themes.Default(primary_hue="blue", font=FONTS)
    return dict(
        server_name=settings.host,
        server_port=settings.port,
        theme=theme,
        css=CSS + toast_titles_css(),
        quiet=True,
        ssr_mode=False,
        footer_links=["api"],
        app_kwargs={"middleware": [Middleware(PinnedLocale, locale=t("locale"))]},
    )


# ------------------------------------------------------------------ gradio's own words


def toast_titles_css() -> str:
    """Gradio 6 titles its toasts with their type in English ("Warning", "Error"),
    whatever the title given or the locale; these rules show the page's words instead."""
    rules = [".toast-title > * { font-size: var(--text-lg); }"]
    for kind in ("warning", "error", "info", "success"):
        title = t(f"page.toast_{kind}").replace('"', "")
        rules.append(f'.toast-title.{kind} {{ font-size: 0 !important; }}\n'
                     f'.toast-title.{kind}::before {{ content: "{title}"; font-size: var(--text-lg); }}')
    return "\n" + "\n".join(rules)


class PinnedLocale:
    """ASGI middleware that makes gradio's own widgets (the upload box, the footer's
    "Use via API", ...) speak the page's language.

    Gradio translates them into the *browser's* language, read from
    ``navigator.language`` as its scripts start; nothing in its Python API picks the
    locale.  So the page's HTML gets, before those scripts, a line that pins
    ``navigator.language`` to the settings' locale, and ``<html lang>`` to match."""

    def __init__(self, app, locale: str) -> None:
        self.app = app
        self.locale = locale

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        start: dict = {}

        async def send_pinned(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)  # held until the body is known: its length changes
                return
            if message["type"] == "http.response.body" and start:
                headers, body = start["headers"], message.get("body", b"")
                if not message.get("more_body") and b"text/html" in dict(headers).get(b"content-type", b""):
                    body = self.pinned(body)
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                start.clear()
                message = {**message, "body": body}
            await send(message)

        await self.app(scope, receive, send_pinned)

    def pinned(self, page: bytes) -> bytes:
        locale = json.dumps(self.locale)
        script = (
            "<script>(function () { var locale = %s;"
            " Object.defineProperty(Navigator.prototype, 'language', {get: function () { return locale; }, configurable: true});"
            " Object.defineProperty(Navigator.prototype, 'languages', {get: function () { return [locale]; }, configurable: true});"
            "})();</script>" % locale
        )
        page = page.replace(b'lang="en"', f"lang={locale}".encode(), 1)
        return page.replace(b"<head>", b"<head>" + script.encode(), 1)
