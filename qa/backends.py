"""Answer backends, by name: the one table that settings, the CLI and the chat page read.

Every backend is a reader with one method,

    read(question, passages, bm25=None, history=None) -> qa.reader.Reading

and optionally ``stream(...)`` yielding text pieces and then the Reading (LLM backends).
Adding a backend is one module with such a class, one row here and its label in each
table of qa/messages.py ("backend.<name>"). The readers are
imported only when a backend is made, so this table costs nothing to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .retrieval import Passage


class Reader(Protocol):
    backend: str

    def read(self, question: str, passages: "list[Passage]", bm25=None, history=None): ...


@dataclass(frozen=True)
class Backend:
    name: str
    needs_server: bool  # an LLM server must be configured (settings.llm_base_url)
    module: str  # holds make(settings, offline) -> Reader; imported only when used


BACKENDS = {
    b.name: b
    for b in (
        Backend("extractive", False, "qa.neural_reader"),
        Backend("rules", False, "qa.reader"),
        Backend("openai", True, "qa.llm"),
        Backend("ollama", True, "qa.llm"),
    )
}
OFFLINE = "extractive"


def names() -> list[str]:
    return list(BACKENDS)


def make(name: str, settings, offline=None) -> Reader:
    """A reader for backend `name`; LLM backends fall back to `offline` on failure.
    By module name, so that this table (which settings validates against) imports
    no reader, and a reader's import costs only its users."""
    import importlib

    return importlib.import_module(BACKENDS[name].module).make(settings, offline)
