"""``qa serve`` and ``python app.py``: the chat page, with the OpenAI-compatible API beside it.

The engine runs in a child process (qa/server.py, ``EngineProcess``) while gradio is
imported and the page built (qa/ui.py); the API (qa/api.py) is mounted under ``/v1`` of
the same server.  Kept apart from qa/server.py because the API's own server (``qa api``)
needs the engine process too, and neither may import the other.
"""

from __future__ import annotations

import sys
import time

from . import server
from .messages import t, use_language
from .server import EngineProcess, beyond_loopback
from .settings import Settings


def serve(settings: Settings) -> None:
    """Start the engine and the page, print the address and block until interrupted.

    Raises AddressUnavailable (one line, naming a free port) before anything is
    loaded when the address cannot be bound."""
    use_language(settings.language)
    if beyond_loopback(settings.host):
        print(t("serve.exposed", host=settings.host), file=sys.stderr, flush=True)
    server.check_address(settings.host, settings.port)
    started = time.perf_counter()
    print(t("serve.opening", where=settings.chroma_url or settings.vectorstore), flush=True)
    engine = EngineProcess(settings)
    try:
        from .ui import build_app, launch_options  # imports gradio while the child loads the engine

        app = build_app(engine)
        documents, chunks = engine.wait_ready()
        print(t("serve.ready", documents=documents, chunks=chunks, seconds=time.perf_counter() - started), flush=True)
        from .api import mount, public_url  # after gradio, which imports the same web framework

        options = launch_options(settings)
        # The OpenAI-compatible API under /v1, ahead of gradio's own routes.
        options["app_kwargs"]["routes"] = [mount(engine, settings)]
        try:
            app.launch(prevent_thread_lock=True, **options)
        except OSError:  # taken while the engine loaded; gradio says so with a traceback
            server.check_address(settings.host, settings.port)
            raise
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        print(t("serve.started", url=f"http://{host}:{app.server_port}/"), flush=True)
        if beyond_loopback(settings.host) and not settings.api_key:
            print(t("api.closed_with_page", host=settings.host), file=sys.stderr, flush=True)
        else:
            print(t("api.with_page", url=public_url(settings.host, app.server_port)), flush=True)
        app.block_thread()
    finally:
        engine.close()
