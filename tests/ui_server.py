"""Start the real chat page (`python app.py`) in a subprocess and wait until it serves.

Used by the UI tests and the start-up benchmark:

    with running_app(tmp_dir) as app:
        Client(app.url).predict(...)
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """A server started by a test: its process, address and log."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, serving, what: str, started: float, timeout: float) -> float:
        """Seconds from ``started`` until ``serving(url)`` holds; the log in the error when
        the process exits first or the time runs out (the process is stopped then)."""
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{what} exited with code {self.process.returncode}:\n{self.log()}")
            if serving(self.url):
                return time.perf_counter() - started
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{what} did not start within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class AppProcess(ServerProcess):
    seconds_to_ready: float = 0.0
    started_at: float = 0.0  # time.perf_counter() when the process was launched


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "gradio_api/info", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def qa_command() -> list[str]:
    """The installed ``qa`` command next to this interpreter, else the module it runs."""
    script = Path(sys.executable).parent / "qa"
    return [str(script)] if script.exists() else [sys.executable, "-m", "qa.cli"]


def start_app(workdir: Path, env: dict[str, str] | None = None, timeout: float = 120,
              args: list[str] | None = None, port: int | None = None, command: list[str] | None = None) -> AppProcess:
    """Start the app with its index in ``workdir/vectorstore``; return once it answers HTTP.

    By default ``python app.py`` on a free port given as QA_PORT; ``args`` are added to
    the command (``command``, e.g. ``qa_command() + ["serve"]``), and ``port`` is the one
    to wait on when they choose it."""
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = port is not None
    port = port if chosen else free_port()
    config = workdir / "qa.toml"  # empty: a developer's own qa.toml must not leak in
    config.touch()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("QA_") or k == "QA_REQUIRE_BROWSER"}
    full_env = {
        **inherited,
        "QA_CONFIG": str(config),
        **({} if chosen else {"QA_PORT": str(port), "QA_HOST": "127.0.0.1"}),
        "QA_VECTORSTORE": str(workdir / "vectorstore"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log_path = workdir / "app.log"
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*(command or [sys.executable, str(ROOT / "app.py")]), *(args or [])],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
    app = AppProcess(process, f"http://127.0.0.1:{port}/", log_path, started_at=started)
    app.seconds_to_ready = app.wait_until(_serves, "the app", started, timeout)
    return app


@contextlib.contextmanager
def running_app(workdir: Path, env: dict[str, str] | None = None, **options):
    app = start_app(workdir, env, **options)
    try:
        yield app
    finally:
        app.stop()
