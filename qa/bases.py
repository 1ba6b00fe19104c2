"""Knowledge bases: named, separate indexes in one store.

A base is a pair of Chroma collections (chunks and documents) and its own BM25
state, with the embedding model and chunking it was made with recorded in the
chunk collection's metadata, so each base is read with its own model whatever the
current settings say.  The default base is the index this project always had
(collection ``Settings.collection``), so indexes made before bases open as they are.

Names are for people (``财务部``, ``project-x``); Chroma accepts only 3-512 ASCII
letters, digits, ``.``, ``_`` and ``-``, so a name is mapped to a collection name:
``kb-<name>`` when it is plain ASCII (no dots), else ``kbh-<hash>``.  The two forms
cannot meet (a mapped name has no dot and a hash form has its own prefix), and a
base's documents collection adds ``.docs``, which no chunk collection can end with.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .messages import t
from .records import MissingError

DEFAULT = "default"
MAX_NAME = 64
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}[A-Za-z0-9]|[A-Za-z0-9]")
# What a base records about itself, beside the index fingerprint.
NAME_KEY, MODEL_KEY, CHUNK_SIZE_KEY, OVERLAP_KEY = "kb_name", "kb_embedding_model", "kb_chunk_size", "kb_chunk_overlap"


class BaseError(MissingError):
    """A knowledge base that does not exist, exists already, or cannot be named so."""


@dataclass
class BaseInfo:
    name: str
    collection: str
    documents: int
    chunks: int
    chars: int  # of all its documents' text
    embedding_model: str
    chunk_size: int
    chunk_overlap: int


def is_default(name: str | None) -> bool:
    return not name or name == DEFAULT


def checked_name(name: str) -> str:
    """The name as it will be kept, or BaseError when it cannot name a base."""
    if not isinstance(name, str):
        raise BaseError(t("kb.bad_name", name=repr(name), limit=MAX_NAME))
    name = unicodedata.normalize("NFC", name).strip()
    if not name or len(name) > MAX_NAME or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in name) \
            or "/" in name or "\\" in name:
        raise BaseError(t("kb.bad_name", name=repr(name), limit=MAX_NAME))
    return name


def collection_name(name: str | None, default_collection: str) -> str:
    """The chunk collection of a base."""
    if is_default(name):
        return default_collection
    name = checked_name(name)
    if _PLAIN.fullmatch(name):
        return f"kb-{name}"
    return "kbh-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:24]


def docs_collection_name(chunks_collection: str, default_collection: str) -> str:
    """The documents collection beside a base's chunk collection (the default base
    keeps the name it always had)."""
    if chunks_collection == default_collection:
        return f"{default_collection}-docs"
    return f"{chunks_collection}.docs"


def record(name: str | None, embedding_model: str, chunk_size: int, chunk_overlap: int) -> dict[str, str | int]:
    """What a base keeps about itself in its collection's metadata."""
    return {NAME_KEY: DEFAULT if is_default(name) else checked_name(name), MODEL_KEY: embedding_model,
            CHUNK_SIZE_KEY: chunk_size, OVERLAP_KEY: chunk_overlap}


def recorded_settings(metadata: dict | None) -> dict[str, str | int]:
    """The settings a base was made with (empty for an index made before bases)."""
    metadata = metadata or {}
    keys = {MODEL_KEY: "embedding_model", CHUNK_SIZE_KEY: "chunk_size", OVERLAP_KEY: "chunk_overlap"}
    return {setting: metadata[key] for key, setting in keys.items() if key in metadata}
