"""Hybrid retrieval: dense vectors and BM25, fused by reciprocal rank.

Both sides see the folded text (Simplified script, half-width), so a question
in either script, or with full-width digits, meets the same passages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .text import fold


@dataclass
class Passage:
    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    chunk_index: int
    score: float
    dense_score: float | None
    bm25_score: float | None
    before: str = ""  # the sentence preceding the passage in its document
    page: int | None = None  # where the passage starts (PDF pages; None without pages)
    section: str = ""  # the path of the headings above its start
    marks: str = ""  # JSON [[offset, page, section], ...] when it runs over pages or sections (index._places)

    def place(self, offset: int = 0) -> tuple[int | None, str]:
        """The page and section of the passage's text at ``offset``."""
        if not self.marks:
            return self.page, self.section
        page, section = self.page, self.section
        for at, mark_page, mark_section in json.loads(self.marks):
            if at > offset:
                break
            page, section = mark_page or None, mark_section
        return page, section

    def to_document(self) -> Document:
        return Document(page_content=self.text, metadata={k: v for k, v in vars(self).items() if k != "text"})

    @classmethod
    def from_document(cls, doc: Document) -> "Passage":
        return cls(text=doc.page_content, **doc.metadata)


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def name_bonus(names: list[str], texts: dict[str, str]) -> dict[str, float]:
    """For each candidate, the question's names it contains, each weighted by how few
    candidates have it, averaged over the names that tell candidates apart (0..1):
    "政协湖南省…选举谁为主席" among thirty provinces' election reports singles out the
    one with 湖南, while a name that half the candidates share (政协, or 苏州 in an
    article about Suzhou) counts for nothing."""
    weights = {}
    for name in set(names):
        holders = sum(name in text for text in texts.values())
        if 0 < holders < len(texts) / 2:  # only a name at most half of them share tells them apart
            weights[name] = 1.0 - 2 * holders / len(texts)
    if not weights:
        return {}
    return {cid: sum(w for name, w in weights.items() if name in text) / len(weights) for cid, text in texts.items()}


def _passage(cid: str, text: str, meta: dict, score: float, dense: float | None, sparse: float | None) -> Passage:
    return Passage(
        chunk_id=cid,
        doc_id=meta["doc_id"],
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        chunk_index=int(meta["chunk_index"]),
        score=score,
        dense_score=dense,
        bm25_score=sparse,
        before=meta.get("before", ""),
        page=int(meta["page"]) if meta.get("page") else None,
        section=meta.get("section", ""),
        marks=meta.get("marks", ""),
    )


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over an ``Index``; documents carry scores in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 4
    fetch_k: int = 24
    rrf_k: int = 60
    # Names (people, places, organisations) in a folded question; see name_bonus.
    names: Callable[[str], list[str]] | None = None
    name_weight: float = 0.02

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [p.to_document() for p in self.passages(query)]

    def passages(self, query: str, k: int | None = None, documents: list[str] | None = None) -> list[Passage]:
        """documents: ids (or file paths) to keep the search to; None for all."""
        k = k or self.k
        self.index.refresh()
        within = self.index.within(documents) if documents else None
        folded = fold(query)
        fetch = max(self.fetch_k, k)
        dense = self.index.dense_search(self.index.embeddings.embed_query(folded), fetch, within)
        sparse = self.index.bm25_search(folded, fetch, within)
        fused = reciprocal_rank_fusion([[cid for cid, _ in dense], [cid for cid, _ in sparse]], self.rrf_k)
        names = self.names(folded) if self.names else []
        stored = {}
        if names:
            stored = self.index.get_chunks(list(fused))
            for cid, bonus in name_bonus(names, {c: fold(t) for c, (t, _) in stored.items()}).items():
                fused[cid] += self.name_weight * bonus
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        stored = stored or self.index.get_chunks(top)
        dense_of, sparse_of = dict(dense), dict(sparse)
        # (a chunk missing from stored was removed by another process since the search)
        return [_passage(cid, *stored[cid], fused[cid], dense_of.get(cid), sparse_of.get(cid))
                for cid in top if cid in stored]

    def with_opening(self, passages: list[Passage]) -> list[Passage]:
        """The passages and, after them, the opening chunk of the first one's document when
        it is not among them (a report's dateline: qa/dateline.py)."""
        if not passages or any(p.doc_id == passages[0].doc_id and p.chunk_index == 0 for p in passages):
            return passages
        opening = self.index.opening_chunk(passages[0].doc_id)
        return passages + [_passage(*opening, 0.0, None, None)] if opening else passages
