"""The ``qa`` command: ingest, ask, search, remove, info, rebuild, eval, serve, api, kb.

User mistakes (every qa.QAError) end with one line on stderr and exit code 1, never a
traceback; ``qa --debug`` shows their traceback instead.  Any other exception is a bug
and shows its traceback anyway.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from functools import wraps
from pathlib import Path

import click

from . import backends
from .intake import check_shell_argument
from .messages import t, use_language
from .records import QAError
from .settings import Settings


class UserError(click.ClickException):
    """One line on stderr, in the interface's language, and exit code 1."""

    def show(self, file=None) -> None:
        click.echo(t("cli.error", message=self.format_message()), file=file or sys.stderr)


def _user_errors(func):
    """Turn the errors a user can cause into one clear line and exit code 1 (unless --debug)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (QAError, KeyError) as exc:
            if _debugging():
                raise
            message = str(exc) if isinstance(exc, QAError) else t("document.no_such", doc_id=exc.args[0])
            raise UserError(message) from None

    return wrapper


def _debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("debug"))


def _engine(ctx: click.Context):
    from .chain import Engine

    return Engine(ctx.obj["settings"])


@click.group()
@click.option("--vectorstore", type=click.Path(file_okay=False), help="Index directory (QA_VECTORSTORE).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file (QA_CONFIG).")
@click.option("--kb", help="Knowledge base to use (QA_KB; default: the default base). See `qa kb list`.")
@click.option("--debug", is_flag=True, envvar="QA_DEBUG",
              help="Show the traceback of a mistake instead of its one-line message (QA_DEBUG=1).")
@click.version_option(package_name="qa-zh")
@click.pass_context
def cli(ctx: click.Context, vectorstore: str | None, config_file: str | None, kb: str | None, debug: bool) -> None:
    """Ask questions about Chinese documents, offline."""
    ctx.obj = {"debug": debug}
    try:
        ctx.obj["settings"] = Settings.load(config_file, vectorstore=vectorstore, kb=kb)
    except QAError as exc:
        if debug:
            raise
        raise UserError(str(exc)) from None
    use_language(ctx.obj["settings"].language)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.pass_context
@_user_errors
def ingest(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Add files (.txt .md .pdf .docx .html .epub) or folders to the index (unchanged files are skipped).

    Everything under a folder that is not ingested is named with its reason: other file
    types and links to folders already read are skipped; files that cannot be read
    (encrypted, corrupt, scanned without OCR), links to nothing and folders that cannot be
    read are errors.  The exit status is 1 when a path named here failed, or when nothing
    at all could be ingested; a folder's unreadable files alone do not fail the run."""
    engine = _engine(ctx)
    report = engine.ingest(paths, progress=sys.stderr.isatty())
    for path, existing in report.duplicates:
        click.echo(t("cli.skipped_duplicate", path=path, existing=existing), err=True)
    for _, message in report.notes:
        click.echo(t("cli.note", message=message), err=True)
    for _, message in report.skipped:
        click.echo(t("cli.skipped", message=message), err=True)
    for _, message in report.errors:
        click.echo(t("cli.ingest_error", message=message), err=True)
    click.echo(report.summary())
    if _ingest_failed(report, paths):
        sys.exit(1)


def _ingest_failed(report, paths: tuple[str, ...]) -> bool:
    named = {str(Path(p)) for p in paths}
    something = report.added or report.updated or report.unchanged or report.duplicates
    return bool(report.errors) and (not something or any(path in named for path, _ in report.errors))


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True,
              help="Print the answer as data (JSON): text, concise answer, support, citations, sources, ...")
@click.option("-k", type=click.IntRange(1, 50), help="Passages to retrieve.")
@click.option("--backend", type=click.Choice(backends.names()), help="Answer backend.")
@click.option("--stream", is_flag=True, help="Print the answer as it is generated.")
@click.option("--doc", "documents", multiple=True, help="Answer only from this document (id or path); repeat for several.")
@click.pass_context
@_user_errors
def ask(ctx: click.Context, question: str, as_json: bool, k: int | None, backend: str | None, stream: bool,
        documents: tuple[str, ...]) -> None:
    """Answer QUESTION from the indexed documents."""
    check_shell_argument(question)
    engine = _engine(ctx)
    documents = list(documents) or None
    if stream and not as_json:
        answer = None
        for item in engine.ask_stream(question, k=k, backend=backend, documents=documents):
            if isinstance(item, str):
                click.echo(item, nl=False)
                sys.stdout.flush()
            else:
                answer = item
        click.echo()
    else:
        answer = engine.ask(question, k=k, backend=backend, documents=documents)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    if not stream:
        click.echo(answer.answer)
    if answer.notice:
        click.echo(f"({answer.notice})", err=True)
    if not answer.abstained:
        click.echo()
        for n, source in enumerate(answer.sources, 1):
            snippet = source.text if len(source.text) <= 80 else source.text[:80] + "…"
            click.echo(f"[{n}] {source.place()} #{source.chunk_index} ({source.start}-{source.end}) {snippet}")


@cli.command()
@click.argument("query")
@click.option("-k", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--doc", "documents", multiple=True, help="Search only this document (id or path); repeat for several.")
@click.pass_context
@_user_errors
def search(ctx: click.Context, query: str, k: int, as_json: bool, documents: tuple[str, ...]) -> None:
    """Show the passages retrieval finds for QUERY, with their scores."""
    check_shell_argument(query)
    sources = _engine(ctx).search(query, k=k, documents=list(documents) or None)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in sources], ensure_ascii=False, indent=2))
        return
    for n, s in enumerate(sources, 1):
        click.echo(f"[{n}] {s.place()} #{s.chunk_index} score={s.score:.4f} dense={s.dense_score} bm25={s.bm25_score}")
        click.echo(f"    {s.text}")


@cli.command()
@click.argument("doc_id")
@click.pass_context
@_user_errors
def remove(ctx: click.Context, doc_id: str) -> None:
    """Remove a document (by its id, as `qa info` lists it, or its file's path) and its chunks."""
    removed = _engine(ctx).remove(doc_id)
    click.echo(t("cli.removed", doc_id=doc_id, chunks=removed))


@cli.command()
@click.pass_context
@_user_errors
def info(ctx: click.Context) -> None:
    """Show the settings, the index and its documents."""
    engine = _engine(ctx)
    settings = engine.settings
    index = engine.index
    click.echo(t("cli.info_index", where=settings.chroma_url or settings.vectorstore, collection=index.collection_name))
    click.echo(t("cli.info_base", kb=index.kb))
    remote = settings.embedding_url + (f" ({settings.embedding_remote_model})" if settings.embedding_remote_model else "")
    click.echo(t("cli.info_embeddings", model=remote or index.settings.embedding_model))
    click.echo(t("cli.info_backend", backend=settings.backend))
    docs = engine.documents()
    click.echo(t("cli.info_documents", documents=len(docs), chunks=engine.index.count()))
    for d in docs:
        click.echo(t("cli.info_document", doc_id=d.doc_id, chunks=d.chunks, chars=d.chars, path=d.path))


@cli.command()
@click.pass_context
@_user_errors
def rebuild(ctx: click.Context) -> None:
    """Re-embed every indexed document with the current settings (after a model change)."""
    from .embeddings import load_embeddings
    from .index import rebuild as rebuild_index

    from .index import settings_of_base

    settings = ctx.obj["settings"]
    settings = settings_of_base(settings, settings.kb)
    report = rebuild_index(settings, load_embeddings(settings), progress=sys.stderr.isatty())
    for _, message in report.errors:
        click.echo(message, err=True)
    click.echo(t("cli.rebuilt", documents=len(report.added), chunks=report.chunks_embedded))


@cli.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Write report.json/.md/.html here.")
@click.option("-k", "--k", type=click.IntRange(1, 50), help="Passages to retrieve.")
@click.option("--backend", type=click.Choice(backends.names()))
@click.option("--compare", type=click.Path(exists=True, dir_okay=False), help="An earlier report.json to compare with.")
@click.pass_context
@_user_errors
def eval_command(ctx: click.Context, questions: str, report_dir: str | None, k: int | None, backend: str | None,
                 compare: str | None) -> None:
    """Score answers against a question set (JSONL or CSV)."""
    from .report import cli_eval

    sys.exit(cli_eval(_engine(ctx), questions, report_dir=report_dir, k=k, backend=backend, compare=compare))


@cli.command()
@click.option("--host", help="Address to bind (QA_HOST, GRADIO_SERVER_NAME; default 127.0.0.1). "
                             "Anything but loopback lets other machines in: a warning is printed.")
@click.option("--port", type=click.IntRange(0, 65535),
              help="Port (QA_PORT, GRADIO_SERVER_PORT; default 7860; 0 for any free one).")
@click.pass_context
@_user_errors
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Start the chat page (``python app.py`` runs this command)."""
    from .page import serve as serve_ui

    settings = ctx.obj["settings"].replace(**{k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    serve_ui(settings)


@cli.group()
def kb() -> None:
    """Knowledge bases: separate indexes in one store, each with its own model and chunking."""


@kb.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_user_errors
def kb_list(ctx: click.Context, as_json: bool) -> None:
    """List the knowledge bases: documents, chunks, size, model."""
    from .index import list_bases

    found = list_bases(ctx.obj["settings"])
    if as_json:
        click.echo(json.dumps([asdict(b) for b in found], ensure_ascii=False, indent=2))
        return
    click.echo(t("kb.list_header"))
    for b in found:
        click.echo(t("kb.list_row", name=b.name, documents=b.documents, chunks=b.chunks, chars=b.chars,
                     model=b.embedding_model, chunk_size=b.chunk_size, chunk_overlap=b.chunk_overlap))


@kb.command(name="create")
@click.argument("name")
@click.option("--model", help="Embedding model of this base (default: QA_EMBEDDING_MODEL).")
@click.option("--chunk-size", type=click.IntRange(20, None), help="Characters per chunk (default: QA_CHUNK_SIZE).")
@click.option("--chunk-overlap", type=click.IntRange(0, None), help="Overlap between chunks (default: QA_CHUNK_OVERLAP).")
@click.pass_context
@_user_errors
def kb_create(ctx: click.Context, name: str, model: str | None, chunk_size: int | None, chunk_overlap: int | None) -> None:
    """Make an empty knowledge base NAME (Chinese names are fine)."""
    check_shell_argument(name)
    made = _engine(ctx).create_base(name, embedding_model=model, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    click.echo(t("kb.created", name=made.name, model=made.embedding_model, chunk_size=made.chunk_size,
                 chunk_overlap=made.chunk_overlap))


@kb.command(name="delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
@click.pass_context
@_user_errors
def kb_delete(ctx: click.Context, name: str, yes: bool) -> None:
    """Delete the knowledge base NAME and everything in it (asks first)."""
    from . import bases
    from .index import list_bases

    check_shell_argument(name)
    found = {b.name: b for b in list_bases(ctx.obj["settings"])}
    if bases.is_default(name):
        raise UserError(t("kb.default_kept"))
    base = found.get(bases.checked_name(name))
    if base is None:
        raise UserError(t("kb.missing", name=name))
    if not yes and not click.confirm(t("kb.confirm_delete", name=base.name, documents=base.documents), err=True):
        click.echo(t("kb.not_deleted"), err=True)
        sys.exit(1)
    _engine(ctx).delete_base(base.name)
    click.echo(t("kb.deleted", name=base.name, documents=base.documents, chunks=base.chunks))


@cli.command()
@click.option("--host", help="Address to bind (QA_HOST; default 127.0.0.1). Anything but loopback needs QA_API_KEY.")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (QA_API_PORT; default 7870; 0 for any free one).")
@click.pass_context
@_user_errors
def api(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the OpenAI-compatible chat API alone (the page's process serves it too, under /v1)."""
    from .api import run

    run(ctx.obj["settings"].replace(**{k: v for k, v in {"host": host, "api_port": port}.items() if v is not None}))


def main() -> None:
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
