"""Chat page start-up and first-token latency, measured on the real app (`python app.py`).

    .venv/bin/python benchmarks/ui_startup.py [--runs 3]

Prints, for a built index, the time from launch until the page serves and until the
first question is answered through the page's HTTP API (target < 5 s; the second is
what a user waits for), and the time from sending a question to the first streamed
piece of the answer for a warm question (target < 300 ms), as seen by a client of the
page's streaming endpoint.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
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


def answered_at(url: str) -> float:
    """Ask one question through the REST API the moment the page serves; returns the
    perf_counter time the answer arrived (plain HTTP, so no client start-up is counted)."""
    body = json.dumps({"data": [QUESTIONS[1], 4]}).encode()
    request = urllib.request.Request(url + "gradio_api/call/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id = json.load(response)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event_id}", timeout=60) as stream:
        for line in stream:
            if line.startswith(b"event: complete"):
                return time.perf_counter()
            if line.startswith(b"event: error"):
                raise RuntimeError(f"the first question failed: {stream.read()!r}")
    raise RuntimeError("the answer stream ended without a result")


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

        startups, answers = [], []
        for _ in range(args.runs):
            app = start_app(workdir)
            startups.append(app.seconds_to_ready)
            answers.append(answered_at(app.url) - app.started_at)
            if len(startups) < args.runs:
                app.stop()
        print(f"launch to page served:         median {statistics.median(startups):.2f} s  "
              f"(runs: {', '.join(f'{s:.2f}' for s in startups)})")
        print(f"launch to first answer:        median {statistics.median(answers):.2f} s  "
              f"(runs: {', '.join(f'{s:.2f}' for s in answers)}; target < 5 s)")
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
