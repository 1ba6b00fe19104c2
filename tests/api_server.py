"""Start the real OpenAI-compatible API (`qa api`) in a subprocess and wait until it serves.

Used by tests/test_api.py and benchmarks/api_latency.py:

    with running_api(tmp_dir, {"QA_EMBEDDING_MODEL": "hash"}) as api:
        OpenAI(base_url=api.url, api_key="-").models.list()
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.ui_server import ROOT, ServerProcess, free_port, qa_command


@dataclass
class APIProcess(ServerProcess):
    vectorstore: Path  # the url ends with /v1


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/models", timeout=2):
            return True
    except urllib.error.HTTPError:  # 401 without a key: it serves all the same
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def api_environment(workdir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `qa api` with its index in workdir/vectorstore and no stray QA_* settings."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "qa.toml"  # empty: a developer's own qa.toml must not leak in
    config.touch()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("QA_", "GRADIO_SERVER"))}
    return {**inherited, "QA_CONFIG": str(config), "QA_VECTORSTORE": str(workdir / "vectorstore"),
            "PYTHONUNBUFFERED": "1", **(env or {})}


def start_api(workdir: Path, env: dict[str, str] | None = None, timeout: float = 120) -> APIProcess:
    port = free_port()
    log_path = workdir / "api.log"
    full_env = api_environment(workdir, env)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([*qa_command(), "api", "--port", str(port)], cwd=ROOT, env=full_env,
                                   stdout=log, stderr=subprocess.STDOUT)
    api = APIProcess(process, f"http://127.0.0.1:{port}/v1", log_path, workdir / "vectorstore")
    api.wait_until(_answers, "qa api", time.perf_counter(), timeout)
    return api


@contextlib.contextmanager
def running_api(workdir: Path, env: dict[str, str] | None = None, **options):
    api = start_api(workdir, env, **options)
    try:
        yield api
    finally:
        api.stop()
