"""Ingest time, warm ask() latency (p50/p95) and cold start for the sample article.

    python benchmarks/engine_latency.py

Targets (issue 2): warm p50 under 50 ms on 2 cores; a new process that imports qa
and answers one question over a built index in under 3 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests/data/article_qa.jsonl").open(encoding="utf-8")]


def main() -> None:
    from qa import Engine, Settings

    store = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    started = time.perf_counter()
    engine = Engine(Settings(vectorstore=store))
    engine.index
    print(f"ingest article (incl. model load): {time.perf_counter() - started:.2f} s")

    for question in QUESTIONS[:5]:
        engine.ask(question)  # warm up
    latencies = []
    for question in QUESTIONS:
        t = time.perf_counter()
        engine.ask(question)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"warm ask(): n={len(latencies)} p50={statistics.median(latencies):.1f} ms p95={p95:.1f} ms max={latencies[-1]:.1f} ms")

    # Wall time of the whole process, interpreter start-up included; the median of a
    # few runs, since one run on a shared 2-core machine varies by ±30%.
    colds = []
    for _ in range(5):
        t = time.perf_counter()
        cold = subprocess.run(
            [sys.executable, "-c", "from qa import ask; ask('谁在会上作了重要讲话？')"],
            capture_output=True, text=True, env={"QA_VECTORSTORE": str(store), "PATH": "/usr/bin:/bin"}, cwd=ROOT,
        )
        if cold.returncode != 0:
            sys.exit(cold.stderr)
        colds.append(time.perf_counter() - t)
    print(f"cold: new process, import qa + ask(): median {statistics.median(colds):.2f} s "
          f"(runs: {', '.join(f'{c:.2f}' for c in colds)}; target < 3 s)")

if __name__ == "__main__":
    main()
