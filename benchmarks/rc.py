"""Reading comprehension over an open collection: a public SQuAD-format set as documents.

The protocol is the one of ../shared/rc/README.md (DRCD dev, CMRC 2018 dev, or any
SQuAD-format file):
  - each article becomes one .txt document: its title, a blank line, then its
    paragraphs separated by blank lines; articles are numbered in file order;
  - article i is held out of the index when i % 10 == 9 (questions about it should
    be refused); only answers with non-empty text count;
  - a fixed-seed sample of answerable questions (--fold report: only articles with
    i % 10 == 5, which nothing in the reader was fit on, see training/rcdata.py;
    --fold all: any indexed article) and of questions about held-out articles;
  - both systems answer every question without being told where the answer is.

The engine indexes the documents with its own ingest (once, in --index-dir, reused
while the documents are unchanged); the baseline is benchmarks/baseline.py's
TutorialRAG (500-character splitter, the same embedding model, Chroma, the top
passage as the answer, never refuses), rebuilt in a temporary folder each run.

Metrics, after the engine's folding (Traditional -> Simplified, full -> half width):
  - answer EM / F1: the concise answer (Answer.concise when the engine has it,
    else the text before the first blank line), scored by qa.evaluation's CMRC 2018
    scorer, best over the references; a refusal scores 0;
  - contains: a reference, punctuation and spaces removed, occurs in the whole
    answer text, and the answer is not a refusal;
  - false refusals: answerable questions refused; held-out refusals: questions about
    held-out articles refused;
  - evidence hit@1 / hit@3: one of the first k passages comes from the question's
    article, overlaps the reference's answer_start +- 20 characters (in the raw text
    of the document written here) and holds that reference;
  - latency p50 / p95 of warm calls (a question outside the sample answered first; ingest
    excluded). The systems take turns question by question, so a change of load on
    the machine weighs on both alike.

    python benchmarks/rc.py ../shared/rc/drcd_dev.json
    python benchmarks/rc.py ../shared/rc/cmrc2018_dev.json --fold all --json rc.json
    python benchmarks/rc.py ../shared/rc/cmrc2018_dev.json --limit-articles 30 \\
        --answerable 12 --held-out 4 --index-dir /tmp/rc-small     # a quick check

--limit-articles N keeps the first N articles, numbered as in the whole file. Documents
go to artifacts/rc/<file stem>/docs/, the index to artifacts/rc/<file stem>/index/
(index-first<N>/ with --limit-articles, so a small run never touches the full index).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline  # noqa: E402
import scale  # noqa: E402
from qa.evaluation import cmrc_em, cmrc_f1, concise_answer, percentile, strip_punctuation  # noqa: E402
from qa.report import md_table, text_table  # noqa: E402
from qa.text import clean  # noqa: E402
from training import rcdata  # noqa: E402

ARTIFACTS = ROOT / "artifacts" / "rc"
MARKER = "rc-complete.json"
WINDOW = 20  # characters either side of a reference that a passage must overlap
DOC_NAME = re.compile(r"\d{4,}\.txt")

# ---------------------------------------------------------------- documents


@dataclass
class Article:
    number: int
    name: str  # the document's file name, which the engine uses as its doc_id
    text: str  # the raw text written to the file
    starts: list[int]  # where each paragraph begins in `text`

    @property
    def held_out(self) -> bool:
        return rcdata.fold_of(self.number) == "held_out"


def document(title: str, paragraphs: list[str]) -> tuple[str, list[int]]:
    """The document text (title, blank line, paragraphs between blank lines) and where each paragraph starts."""
    text, starts = title + "\n\n", []
    for n, paragraph in enumerate(paragraphs):
        if n:
            text += "\n\n"
        starts.append(len(text))
        text += paragraph
    return text + "\n", starts


def load_articles(path: Path, limit: int | None) -> list[Article]:
    articles = []
    for number, (title, paragraphs) in enumerate(rcdata.articles(path)[:limit]):
        text, starts = document(title, paragraphs)
        articles.append(Article(number, f"{number:04d}.txt", text, starts))
    return articles


def write_documents(articles: list[Article], folder: Path) -> list[Path]:
    """The indexed (not held-out) articles as files in `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        if article.held_out:
            continue
        path = folder / article.name
        if not path.exists() or path.read_text(encoding="utf-8") != article.text:
            path.write_text(article.text, encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- questions


@dataclass
class Question:
    id: str
    question: str
    references: list[str]
    starts: list[int]  # each reference's offset in its article's document text
    article: int
    doc: str
    held_out: bool


def load_questions(path: Path, articles: list[Article]) -> list[Question]:
    questions = []
    for item in rcdata.load(path):
        if item.article >= len(articles):
            continue
        article = articles[item.article]
        base = article.starts[item.paragraph]
        starts = [base + s for s in item.starts]
        for ref, start in zip(item.answers, starts):
            assert article.text[start : start + len(ref)] == ref, (item.qid, ref)
        questions.append(Question(item.qid, item.question, item.answers, starts, item.article, article.name, article.held_out))
    return questions


def shuffled(pool: list[Question], seed: str, n: int) -> list[Question]:
    """The first n of the pool in a fixed-seed shuffle: a smaller n samples a subset of a larger one."""
    pool = list(pool)
    random.Random(seed).shuffle(pool)
    return pool[:n]


def sample(questions: list[Question], answerable: int, held_out: int, seed: int, fold_name: str) -> list[Question]:
    wanted = ("report",) if fold_name == "report" else ("report", "decision", "fit")
    pool = [q for q in questions if rcdata.fold_of(q.article) in wanted]
    away = [q for q in questions if q.held_out]
    return shuffled(pool, f"{seed}:answerable", answerable) + shuffled(away, f"{seed}:held_out", held_out)


# ---------------------------------------------------------------- the two systems


def content_key(source: Path, articles: list[Article]) -> dict:
    digest = hashlib.sha256()
    for article in articles:
        if not article.held_out:
            digest.update(f"{article.name}\x00{article.text}\x00".encode())
    return {"source": source.name, "documents": sum(not a.held_out for a in articles), "sha256": digest.hexdigest()}


def open_index(index_dir: Path, paths: list[Path], key: dict):
    """An Engine over exactly `paths` in index_dir, ingesting only when the marker says otherwise."""
    from qa.chain import Engine
    from qa.settings import Settings

    engine = Engine(Settings.load(vectorstore=index_dir, default_documents=()))
    marker = index_dir / MARKER
    if marker.exists() and json.loads(marker.read_text()) == key:
        print(f"using the complete index in {index_dir}", file=sys.stderr)
        engine.index  # noqa: B018 - load the model and the index now, not during the first question
        return engine, 0.0
    started = time.perf_counter()
    wanted = {p.name for p in paths}
    stale = [d.doc_id for d in engine.documents() if d.doc_id not in wanted]
    foreign = [d for d in stale if not DOC_NAME.fullmatch(d)]
    if foreign:
        sys.exit(f"{index_dir} holds documents of something else ({', '.join(foreign[:3])}); give another --index-dir")
    print(f"indexing {len(paths)} documents in {index_dir}…", file=sys.stderr)
    report = engine.ingest(paths, progress=True)
    print(report.summary(), file=sys.stderr)
    if report.errors:
        sys.exit(f"ingest failed: {report.errors[:3]}")
    for doc_id in stale:
        engine.remove(doc_id)
    marker.write_text(json.dumps(key))
    return engine, time.perf_counter() - started


def open_baseline(engine, articles: list[Article], directory: Path):
    """TutorialRAG over the cleaned documents (as baseline.py feeds it), and its clean->raw maps."""
    cleaned = {a.name: clean(a.text) for a in articles if not a.held_out}
    started = time.perf_counter()
    rag = baseline.TutorialRAG({n: c.text for n, c in cleaned.items()}, engine.index.embeddings, directory, k=engine.settings.k)
    return rag, cleaned, time.perf_counter() - started


def raw_spans(sources, cleaned: dict | None) -> list[tuple[int, int]]:
    """Each source's [start, end) in its document's raw text (the baseline counts in clean text)."""
    spans = []
    for s in sources:
        if cleaned is None:
            spans.append((s.start, s.end))
            continue
        text = cleaned.get(s.doc_id)
        if text is None or s.start < 0 or s.end <= s.start:
            spans.append((-1, -1))
            continue
        spans.append(text.raw_span(s.start, min(s.end, len(text.positions))))
    return spans


# ---------------------------------------------------------------- scoring


def squash(text: str) -> str:
    """Folded, without the CMRC punctuation and without spaces."""
    return re.sub(r"\s+", "", strip_punctuation(text))


def contains(answer: str, references: list[str]) -> bool:
    text = squash(answer)
    return any(ref and ref in text for ref in map(squash, references))


def hit_rank(question: Question, sources, spans: list[tuple[int, int]]) -> int | None:
    """1-based rank of the first passage that overlaps a reference's place and holds that reference."""
    for rank, (source, (start, end)) in enumerate(zip(sources, spans), 1):
        if source.doc_id != question.doc:
            continue
        text = squash(source.text)
        for ref, at in zip(question.references, question.starts):
            near = start < at + len(ref) + WINDOW and end > at - WINDOW
            if near and squash(ref) and squash(ref) in text:
                return rank
    return None


def doc_rank(question: Question, sources) -> int | None:
    return next((rank for rank, s in enumerate(sources, 1) if s.doc_id == question.doc), None)


@dataclass
class Result:
    concise: str = ""
    concise_from: str = ""  # "engine": Answer.concise; "answer": the text before the first blank line
    answer: str = ""
    abstained: bool = False
    em: float = 0.0
    f1: float = 0.0
    contains: bool = False
    hit_rank: int | None = None
    doc_rank: int | None = None
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)
    error: str = ""


def ask(system, question: Question, cleaned: dict | None) -> Result:
    started = time.perf_counter()
    try:
        ans = system.ask(question.question)
    except Exception as exc:  # one failing question must not stop the run
        return Result(seconds=time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    refused = bool(ans.abstained)
    # Answer.concise without [n] markers; when there is none (an older engine, or a why/how
    # question), the answer's text before the first blank line, as qa.evaluation scores it.
    concise, concise_from = concise_answer(getattr(ans, "concise", None) or ""), "engine"
    if not concise:
        concise, concise_from = concise_answer(ans.answer), "answer"
    if refused:
        concise, concise_from = "", ""
    scored = not refused and not question.held_out
    return Result(
        concise=concise, concise_from=concise_from, answer=ans.answer, abstained=refused,
        em=cmrc_em(concise, question.references) if scored else 0.0,
        f1=cmrc_f1(concise, question.references) if scored else 0.0,
        contains=not refused and contains(ans.answer, question.references),
        hit_rank=hit_rank(question, ans.sources, raw_spans(ans.sources, cleaned)),
        doc_rank=doc_rank(question, ans.sources), seconds=round(seconds, 4),
        sources=[f"{s.doc_id}@{s.start}-{s.end}" for s in ans.sources],
    )  # fmt: skip


def warm_up_question(questions: list[Question], sampled: list[Question]) -> str:
    """A question of the file outside the sample (the engine caches what it has been asked)."""
    asked = {q.id for q in sampled}
    return next((q.question for q in questions if q.id not in asked), "这篇文章讲的是什么？")


def run(systems: list[tuple], questions: list[Question], warm_up: str) -> dict[str, list[Result]]:
    """Every question through every (label, system, clean map) in turn, so a change of load
    on the machine weighs on all systems alike; each answers `warm_up` first, untimed."""
    from tqdm import tqdm

    for _, system, _ in systems:
        system.ask(warm_up)
    results: dict[str, list[Result]] = {label: [] for label, _, _ in systems}
    for question in tqdm(questions, desc="questions", unit="q", file=sys.stderr, mininterval=1):
        for label, system, cleaned in systems:
            results[label].append(ask(system, question, cleaned))
    return results


def share(hits: int, total: int) -> dict:
    return {"value": hits / total if total else None, "hits": hits, "of": total}


def figures(questions: list[Question], results: list[Result]) -> dict:
    answerable = [r for q, r in zip(questions, results) if not q.held_out]
    away = [r for q, r in zip(questions, results) if q.held_out]
    seconds = [r.seconds for r in results if not r.error]
    n = len(answerable)
    return {
        "em": share(int(sum(r.em for r in answerable)), n),
        "f1": share(sum(r.f1 for r in answerable), n),
        "contains": share(sum(r.contains for r in answerable), n),
        "false_refusals": share(sum(r.abstained for r in answerable), n),
        "held_out_refusals": share(sum(r.abstained for r in away), len(away)),
        "hit_at_1": share(sum(r.hit_rank == 1 for r in answerable), n),
        "hit_at_3": share(sum(r.hit_rank is not None and r.hit_rank <= 3 for r in answerable), n),
        "doc_at_1": share(sum(r.doc_rank == 1 for r in answerable), n),
        "latency_p50": percentile(seconds, 50),
        "latency_p95": percentile(seconds, 95),
        "errors": sum(bool(r.error) for r in results),
    }


# ---------------------------------------------------------------- the report

ROWS = (
    ("em", "answer EM (concise, CMRC 2018)"),
    ("f1", "answer F1 (concise, CMRC 2018)"),
    ("contains", "contains a reference"),
    ("false_refusals", "false refusals (answerable refused)"),
    ("held_out_refusals", "held-out refusals"),
    ("hit_at_1", "evidence hit@1"),
    ("hit_at_3", "evidence hit@3"),
    ("latency_p50", "latency p50"),
    ("latency_p95", "latency p95"),
)


def cell(figure) -> str:
    if figure is None:
        return "not run"
    if not isinstance(figure, dict):
        return f"{1000 * figure:.0f} ms"
    if figure["value"] is None:
        return "n/a"
    if isinstance(figure["hits"], float):  # F1: a sum of scores, not a count
        return f"{100 * figure['value']:.1f}%"
    return f"{100 * figure['value']:.1f}% ({figure['hits']}/{figure['of']})"


def table_rows(columns: list[dict | None]) -> list[list[str]]:
    return [[label, *(cell(c[key] if c else None) for c in columns)] for key, label in ROWS]


class OtherBackend:
    """The same engine and index answering with another backend (--also-backend)."""

    def __init__(self, engine, backend: str) -> None:
        self.engine, self.backend = engine, backend

    def ask(self, question: str):
        return self.engine.ask(question, backend=self.backend)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{scale.machine()}, load average {load} at the end"


def default_index_dir(path: Path, limit: int | None) -> Path:
    return ARTIFACTS / path.stem / ("index" if limit is None else f"index-first{limit}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a SQuAD-format file (e.g. ../shared/rc/drcd_dev.json)")
    parser.add_argument("--answerable", type=int, default=300, help="questions about indexed articles")
    parser.add_argument("--held-out", type=int, default=60, help="questions about held-out articles (i %% 10 == 9)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fold", choices=("all", "report"), default="report",
                        help="answerable questions from the report fold (i %% 10 == 5) or from every indexed article")  # fmt: skip
    parser.add_argument("--index-dir", type=Path, help="the engine's index (default artifacts/rc/<stem>/index/)")
    parser.add_argument("--docs-dir", type=Path, help="where the documents are written (default artifacts/rc/<stem>/docs/)")
    parser.add_argument("--limit-articles", type=int, help="only the first N articles (numbered as in the whole file)")
    parser.add_argument("--skip-baseline", action="store_true", help="run the engine only")
    parser.add_argument("--json", type=Path, help="write the figures and every question's results here")
    parser.add_argument("--also-backend", action="append", default=[], metavar="NAME",
                        help="add a column for the engine with another answer backend (e.g. rules); repeatable")
    return parser.parse_args(argv)


def save_json(out: Path, meta: dict, engine: dict, rag: dict | None, questions, engine_results, rag_results,
              others: dict | None = None) -> None:
    others = others or {}
    rows = []
    for n, q in enumerate(questions):
        row = {**asdict(q), "engine": asdict(engine_results[n])}
        if rag_results:
            row["baseline"] = asdict(rag_results[n])
        for name, (_, results) in others.items():
            row[name] = asdict(results[n])
        rows.append(row)
    figures_ = {"engine": engine, "baseline": rag, **{name: f for name, (f, _) in others.items()}}
    data = {"meta": meta, "figures": figures_, "questions": rows}
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    articles = load_articles(args.path, args.limit_articles)
    every = load_questions(args.path, articles)
    questions = sample(every, args.answerable, args.held_out, args.seed, args.fold)
    if not questions:
        sys.exit("no questions to ask")
    docs_dir = args.docs_dir or ARTIFACTS / args.path.stem / "docs"
    index_dir = args.index_dir or default_index_dir(args.path, args.limit_articles)
    paths = write_documents(articles, docs_dir)
    engine, engine_ingest = open_index(index_dir, paths, content_key(args.path, articles))
    systems = [("engine", engine, None)] + [(name, OtherBackend(engine, name), None) for name in args.also_backend]
    rag_ingest = 0.0
    with tempfile.TemporaryDirectory(prefix="qa-rc-baseline-") as tmp:
        if not args.skip_baseline:
            tutorial, cleaned, rag_ingest = open_baseline(engine, articles, Path(tmp))
            systems.append(("baseline", tutorial, cleaned))
        results = run(systems, questions, warm_up_question(every, questions))
    engine_results, rag_results = results["engine"], results.get("baseline")
    rag = figures(questions, rag_results) if rag_results else None
    ours = figures(questions, engine_results)
    wall = time.perf_counter() - started
    held = sum(q.held_out for q in questions)
    meta = {
        "file": str(args.path), "fold": args.fold, "seed": args.seed, "answerable": len(questions) - held,
        "held_out": held, "articles": len(articles), "documents": len(paths), "chunks": engine.index.count(),
        "k": engine.settings.k, "embedding_model": engine.settings.embedding_model, "index_dir": str(index_dir),
        "machine": machine(), "wall_seconds": round(wall, 1), "engine_ingest_seconds": round(engine_ingest, 1),
        "baseline_ingest_seconds": round(rag_ingest, 1),
    }  # fmt: skip
    others = [figures(questions, results[name]) for name in args.also_backend]
    headers = ["metric", f"this engine ({engine.settings.backend})", *(f"backend {n}" for n in args.also_backend),
               "LangChain tutorial RAG"]
    rows = table_rows([ours, *others, rag])
    print(f"\n{args.path.name}: {meta['answerable']} answerable questions ({args.fold} fold) + {held} about held-out "
          f"articles, seed {args.seed}; {len(articles)} articles, {len(paths)} indexed ({meta['chunks']} chunks), "
          f"k={meta['k']}, embeddings={meta['embedding_model']}")  # fmt: skip
    print(text_table(headers, rows))
    print(f"\nmachine: {meta['machine']}")
    print(f"wall time: {wall:.0f} s (ingest: engine {engine_ingest:.0f} s, baseline {rag_ingest:.0f} s)")
    errors = ours["errors"] + (rag["errors"] if rag else 0) + sum(o["errors"] for o in others)
    if errors:
        print(f"{errors} call(s) raised an error; see --json")
    print("\nMarkdown:\n")
    print(md_table(headers, rows))
    if args.json:
        save_json(args.json, meta, ours, rag, questions, engine_results, rag_results,
                  {name: (figures(questions, results[name]), results[name]) for name in args.also_backend})
        print(f"\nper-question results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
