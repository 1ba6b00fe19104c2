"""Chat page start-up and first-token latency, measured on the real app (`python app.py`).

    .venv/bin/python benchmarks/ui_startup.py [--runs 3]

Prints the time from launch to a page that serves with a built index (target < 5 s),
and the time from sending a question to the first streamed piece of the answer for a
warm question (target < 300 ms), as seen by a client of the page's streaming endpoint.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui_server import start_app  # noqa: E402

QUESTIONS = ["会上一共有几家单位交流发言？", "這次動員會是哪天開的？", "哪幾位領導在會上作了講話和指示？"]


def first_token_seconds(client, question: str) -> float:
    """Seconds from submitting a question until the answer bubble has its first text."""
    started = time.perf_counter()
    job = client.submit(question, [], 4, "extractive", True, api_name="/chat")
    while True:
        for chat, _ in job.outputs():
            if len(chat) >= 2 and chat[1]["content"] and chat[1]["content"][0]["text"].strip():
                elapsed = time.perf_counter() - started
                job.result(timeout=60)
                return elapsed
        if job.done():
            raise RuntimeError(f"no answer text streamed for {question!r}")
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from gradio_client import Client

    with tempfile.TemporaryDirectory(prefix="qa-ui-bench-") as tmp:
        workdir = Path(tmp)
        first = start_app(workdir)
        first.stop()
        print(f"first run (embeds the article, builds the index): {first.seconds_to_ready:.2f} s")

        startups = []
        for _ in range(args.runs):
            app = start_app(workdir)
            startups.append(app.seconds_to_ready)
            if len(startups) < args.runs:
                app.stop()
        print(f"launch to ready, index built:  median {statistics.median(startups):.2f} s  "
              f"(runs: {', '.join(f'{s:.2f}' for s in startups)}; target < 5 s)")
        try:
            client = Client(app.url, verbose=False)
            first_token_seconds(client, QUESTIONS[0])  # warm up the reader and the connection
            latencies = [first_token_seconds(client, q) for q in QUESTIONS * args.runs]
        finally:
            app.stop()
        print(f"first streamed token, warm:    median {statistics.median(latencies) * 1000:.0f} ms  "
              f"(max {max(latencies) * 1000:.0f} ms over {len(latencies)} questions; target < 300 ms)")


if __name__ == "__main__":
    main()
