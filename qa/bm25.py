"""BM25 over jieba tokens, as sparse matrices so a query costs a few row sums.

Term weights are precomputed per (term, chunk), so scoring a query is the sum of
the rows of its terms: no Python loop over chunks, whatever the corpus size.
Additions are buffered and folded in once before the next search or save, so
ingesting in many batches stays linear.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from scipy import sparse

_WORD = re.compile(r"[\w\u3400-\u9fff]")
# Function words that carry no topic; IDF would discount them anyway, but
# dropping them keeps the index small and the overlap scores honest.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 并 等 对 也 就 都 而 被 把 让 向 从 以 为 于 之 其 这 那 个 有 中 上 下 "
    "吗 呢 吧 啊 么 什么 哪 哪些 哪个 哪里 谁 几 多少 怎么 怎样 如何 为什么 是否 请问 "
    "the a an of to in on and or is are was were what who when where which how why did does do".split()
)


# The segmenter is jieba's algorithm and dictionary in Rust (jieba-rs): the same
# cuts as the Python jieba, but its dictionary loads in ~0.1 s instead of ~1 s,
# which is most of a cold start, and it cuts about ten times faster.
TOKENIZER = "jieba-rs"


def cut(text: str) -> list[str]:
    """Words of text (jieba's default mode)."""
    import rjieba

    return rjieba.cut(text)


def tokenize(folded: str) -> list[str]:
    """Search tokens of already-folded text (see text.fold)."""
    import rjieba

    return [
        token
        for token in rjieba.cut_for_search(folded)
        if _WORD.search(token) and token not in STOPWORDS and not token.isspace()
    ]


class BM25Index:
    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._tf = sparse.csr_matrix((0, 0), dtype=np.float32)
        self._pending: list[tuple[str, dict[int, int]]] = []
        self._weights: sparse.csr_matrix | None = None
        self.idf = np.zeros(0, dtype=np.float32)
        self.generation = ""  # which state of the index this matches (see Index)

    def __len__(self) -> int:
        return len(self.ids) + len(self._pending)

    def add(self, chunk_ids: list[str], token_lists: list[list[str]]) -> None:
        for chunk_id, tokens in zip(chunk_ids, token_lists):
            counts: dict[int, int] = {}
            for token in tokens:
                term = self.vocab.setdefault(token, len(self.vocab))
                counts[term] = counts.get(term, 0) + 1
            self._pending.append((chunk_id, counts))
        self._weights = None

    def chunk_ids(self) -> set[str]:
        """Every chunk held, those added since the last search or save included."""
        self._flush()
        return set(self.ids)

    def remove(self, chunk_ids: set[str]) -> None:
        self._flush()
        keep = [i for i, cid in enumerate(self.ids) if cid not in chunk_ids]
        if len(keep) == len(self.ids):
            return
        self._tf = self._tf[keep]
        self.ids = [self.ids[i] for i in keep]
        self._row_of = {cid: i for i, cid in enumerate(self.ids)}
        self._weights = None

    def document_frequency(self, term: str) -> int:
        self._prepare()
        col = self.vocab.get(term)
        return 0 if col is None else int(self._df[col])

    def search(self, tokens: list[str], k: int, allowed: frozenset[str] | set[str] | None = None) -> list[tuple[str, float]]:
        """The k best chunks for the tokens; only those in allowed, when given."""
        self._prepare()
        terms = [self.vocab[t] for t in tokens if t in self.vocab]
        if not terms or not self.ids:
            return []
        scores = np.asarray(self._weights[terms].sum(axis=0)).ravel()
        if allowed is not None:
            kept = np.zeros_like(scores)
            rows = [self._row_of[cid] for cid in allowed if cid in self._row_of]
            kept[rows] = scores[rows]
            scores = kept
        k = min(k, int(np.count_nonzero(scores)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]

    # ---------------------------------------------------------- internals

    def _flush(self) -> None:
        if not self._pending:
            return
        rows, cols, vals = [], [], []
        for r, (chunk_id, counts) in enumerate(self._pending):
            rows.extend([r] * len(counts))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        n_terms = len(self.vocab)
        new = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(self._pending), n_terms))
        old = self._tf
        if old.shape[1] != n_terms:
            old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], n_terms))
        self._tf = sparse.vstack([old, new], format="csr")
        for chunk_id, _ in self._pending:
            self._row_of[chunk_id] = len(self.ids)
            self.ids.append(chunk_id)
        self._pending = []

    def _prepare(self) -> None:
        self._flush()
        if self._weights is not None:
            return
        tf = self._tf
        n_docs = max(tf.shape[0], 1)
        self._df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        self.idf = np.log(1 + (n_docs - self._df + 0.5) / (self._df + 0.5)).astype(np.float32)
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = lengths.mean() if lengths.size else 1.0
        norm = self.k1 * (1 - self.b + self.b * lengths / max(avg, 1e-9))
        row_of_entry = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
        data = tf.data * (self.k1 + 1) / (tf.data + norm[row_of_entry]) * self.idf[tf.indices]
        weighted = sparse.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
        self._weights = weighted.T.tocsr()

    # ---------------------------------------------------------- persistence

    def save(self, directory: Path) -> None:
        self._flush()
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / "bm25.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez(fh, data=self._tf.data, indices=self._tf.indices, indptr=self._tf.indptr,
                     shape=np.asarray(self._tf.shape), generation=np.asarray(self.generation))
        meta_tmp = directory / "bm25.json.tmp"
        meta_tmp.write_text(json.dumps({"ids": self.ids, "vocab": self.vocab, "generation": self.generation}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(directory / "bm25.npz")
        meta_tmp.replace(directory / "bm25.json")

    @classmethod
    def load(cls, directory: Path) -> "BM25Index | None":
        try:
            meta = json.loads((directory / "bm25.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "bm25.npz")
            tf = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
        except (OSError, ValueError, KeyError):
            return None
        index = cls()
        index.vocab = meta["vocab"]
        index.ids = meta["ids"]
        index.generation = meta.get("generation", "")
        # The two files are replaced one after the other; a pair from two saves is not one state.
        if tf.shape[0] != len(index.ids) or ("generation" in arrays.files and str(arrays["generation"]) != index.generation):
            return None
        index._row_of = {cid: i for i, cid in enumerate(index.ids)}
        index._tf = tf
        return index
