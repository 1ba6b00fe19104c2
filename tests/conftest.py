"""Shared fixtures: every test works on its own index under tmp, never on vectorstore/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "data" / "article.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path):
    """No test may read a developer's config or write the project's index."""
    for name in list(os.environ):
        if name.startswith("QA_") and not name.startswith("QA_TEST_") and name != "QA_REQUIRE_BROWSER":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QA_VECTORSTORE", str(tmp_path / "vectorstore"))
    monkeypatch.setenv("QA_CONFIG", str(tmp_path / "absent-config-ok.toml"))
    (tmp_path / "absent-config-ok.toml").write_text("", encoding="utf-8")


@pytest.fixture(autouse=True)
def _default_language():
    """An Engine sets its process's interface language (qa/messages.py); no test's
    choice may leak into the next."""
    from qa.messages import use_language

    use_language(None)
    yield
    use_language(None)


@pytest.fixture(scope="module")
def article_engine(tmp_path_factory):
    """An engine over the sample article with the default (offline e5) embeddings."""
    from qa import Engine, Settings

    store = tmp_path_factory.mktemp("article-index")
    engine = Engine(Settings(vectorstore=store))
    engine.index  # builds the index from the default corpus
    return engine


@pytest.fixture
def obeying_permissions() -> tuple[str, ...]:
    """A prefix that makes a command obey file permissions: root reads and writes every
    folder unless it gives up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (it stays root, so
    it can still run the interpreter under /root)."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: every folder is readable and writable")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
