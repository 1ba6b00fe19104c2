"""The engine side by side with a plain LangChain RAG built the way tutorials build it.

The baseline: RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50),
the engine's embedding model, langchain_chroma.Chroma in a temporary directory,
similarity search, and the top passage returned as the answer (it never
refuses).  Both systems answer the same question set and go through the same
scorer (qa.evaluation); one table shows both.

By default the baseline reads the documents after the engine's cleaning
(pinyin ruby annotations removed), so the comparison is about chunking,
retrieval and reading rather than about the noise in the article; --raw feeds it
the files exactly as stored, as a tutorial's TextLoader would.

    python benchmarks/baseline.py --set article
    python benchmarks/baseline.py --set many --limit-lines 3000
    python benchmarks/baseline.py --set my_questions.jsonl --docs my_docs/
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import many_docs  # noqa: E402
from qa.chain import Answer, Source  # noqa: E402
from qa.evaluation import EvalReport, evaluate, load_questions  # noqa: E402
from qa.report import fmt, md_table, text_table  # noqa: E402
from qa import loaders  # noqa: E402
from qa.text import clean  # noqa: E402

ARTICLE_QUESTIONS = ROOT / "tests" / "data" / "article_qa.jsonl"
_ADD_BATCH = 64

# (summary key, label, kind, better when higher)
COMPARED = (
    ("em", "answer EM", "pct", True),
    ("f1", "answer F1", "pct", True),
    ("keyword_accuracy", "keyword accuracy", "pct", True),
    ("refusal_recall", "refusal recall", "pct", True),
    ("false_refusal_rate", "false refusals", "pct", False),
    ("hit_at_1", "evidence hit@1", "pct", True),
    ("hit_at_3", "evidence hit@3", "pct", True),
    ("mrr", "evidence MRR", "num", True),
    ("latency_p50", "latency p50", "sec", False),
)


class TutorialRAG:
    """Split, embed into Chroma, return the most similar passage."""

    def __init__(self, texts: dict[str, str], embeddings, directory: Path, k: int = 4) -> None:
        import chromadb
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
        chunks = splitter.split_documents([Document(page_content=t, metadata={"source": n}) for n, t in texts.items()])
        for n, chunk in enumerate(chunks):
            chunk.metadata["chunk"] = n
        self.k = k
        self.store = Chroma(
            collection_name="baseline",
            embedding_function=embeddings,
            persist_directory=str(directory),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False, is_persistent=True),
        )
        self._add(chunks)

    def _add(self, chunks) -> None:
        from tqdm import tqdm

        with tqdm(total=len(chunks), desc="baseline: embedding", unit="chunk", file=sys.stderr, mininterval=1) as bar:
            for start in range(0, len(chunks), _ADD_BATCH):
                batch = chunks[start : start + _ADD_BATCH]
                self.store.add_documents(batch)
                bar.update(len(batch))

    def ask(self, question: str, *, k: int | None = None, backend: str | None = None) -> Answer:
        started = time.perf_counter()
        found = self.store.similarity_search_with_score(question, k=k or self.k)
        elapsed = time.perf_counter() - started
        sources = [
            Source(doc_id=d.metadata["source"], text=d.page_content, score=float(score),
                   start=d.metadata.get("start_index", 0), end=d.metadata.get("start_index", 0) + len(d.page_content),
                   chunk_index=d.metadata["chunk"], chunk_id=str(d.metadata["chunk"]))  # fmt: skip
            for d, score in found
        ]
        # The whole passage is the answer; blank lines are closed up so the scorer
        # (which scores the text before the first blank line) sees all of it.
        answer = "\n".join(line for line in sources[0].text.splitlines() if line.strip()) if sources else ""
        return Answer(question, answer, False, sources, timings={"total": round(elapsed, 4)}, backend="baseline")


def read_texts(paths: list[Path], raw: bool) -> dict[str, str]:
    from qa.index import collect_files

    files, errors = collect_files(paths)
    for path, message in errors:
        print(f"skipped {path}: {message}", file=sys.stderr)
    texts = {}
    for source in files:
        text = loaders.load(source.path.read_bytes(), source.path.name).text
        texts[source.path.name] = text if raw else clean(text).text
    return texts


def comparison_rows(baseline: EvalReport, engine: EvalReport) -> list[list[str]]:
    rows = []
    for key, label, kind, higher in COMPARED:
        old, new = baseline.summary.get(key), engine.summary.get(key)
        if old is None or new is None or old == new:
            verdict = "="
        else:
            verdict = "engine" if (new > old) == higher else "baseline"
        rows.append([label, fmt(old, kind), fmt(new, kind), verdict])
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Compare the engine with a tutorial LangChain RAG.")
    parser.add_argument("--set", default="article", help="article, many, or the path of a question file")
    parser.add_argument("--docs", nargs="*", type=Path, help="documents for a question file given by path (default: the article)")
    parser.add_argument("--limit-lines", type=int, help="--set many: index only the first N corpus lines (plus needed ones)")
    parser.add_argument("--index-dir", type=Path, default=many_docs.DEFAULT_INDEX_DIR, help="--set many: the engine's cached index")
    parser.add_argument("--raw", action="store_true", help="give the baseline the files as stored (pinyin annotations and all)")
    parser.add_argument("-k", type=int, help="passages both systems retrieve (default: the engine's)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    questions = {"article": ARTICLE_QUESTIONS, "many": many_docs.QUESTIONS}.get(args.set, Path(args.set))
    rows, errors = load_questions(questions)
    for message in errors:
        print(f"skipped {message}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="qa-baseline-") as tmp:
        tmp_dir = Path(tmp)
        if args.set == "many":
            engine = many_docs.build_index(args.index_dir, args.limit_lines, many_docs.LINES_PER_FILE, rows)
            corpus_dir = tmp_dir / "corpus"
            corpus_dir.mkdir()
            paragraphs = many_docs.read_corpus()
            lines = many_docs.selected_lines(len(paragraphs), args.limit_lines, many_docs.referenced_lines(rows))
            many_docs.write_corpus_files(paragraphs, lines, corpus_dir, many_docs.LINES_PER_FILE)
            doc_paths = [many_docs.ARTICLE, corpus_dir]
        else:
            doc_paths = args.docs or [many_docs.ARTICLE]
            engine = many_docs.open_engine(tmp_dir / "engine", documents=doc_paths)
        embeddings = engine.index.embeddings  # builds/loads the index; one model for both systems
        k = args.k or engine.settings.k
        baseline = TutorialRAG(read_texts(doc_paths, args.raw), embeddings, tmp_dir / "baseline", k=k)
        print("baseline: answering", file=sys.stderr)
        baseline_report = evaluate(baseline, rows, k=k, progress=True)
        print("engine: answering", file=sys.stderr)
        engine_report = evaluate(engine, rows, k=k, progress=True)
    rows_out = comparison_rows(baseline_report, engine_report)
    headers = ["metric", "baseline", "engine", "better"]
    print(f"\n{questions.name}: {len(rows)} questions, k={k}, embeddings={engine.settings.embedding_model}"
          f"{', baseline on raw text' if args.raw else ''}")  # fmt: skip
    print(text_table(headers, rows_out))
    print("\nMarkdown:\n")
    print(md_table(headers, rows_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
