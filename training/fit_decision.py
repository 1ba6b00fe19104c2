"""Fit when the neural reader answers and when it refuses: qa/models/reader.json.

    .venv/bin/python -m training.fit_decision

For questions of the fit fold (training/rcdata.py) of DRCD dev and CMRC 2018 dev,
in the open collection of benchmarks/rc.py (its cached index is reused):
  - answerable: the reader reads what retrieval returns for the question;
  - unanswerable: the same question, with every passage of its own article removed
    from what retrieval returned: what a question about an article that is not in
    the collection meets.
The reader's margin (best span over "no answer") on both kinds gives the threshold:
the cut that refuses --max-false-refusals of the first kind (the second kind's refusal
rate is printed with it, and the trade at other cuts), and the margin above which the
best passage alone is read (the least that costs at most half a point of F1 on these
questions). The report fold and held-out articles are not used.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import rc  # noqa: E402
from qa.neural import SpanModel  # noqa: E402
from qa import coverage  # noqa: E402
from qa.evaluation import cmrc_f1  # noqa: E402
from qa.neural_reader import DECISION_PATH  # noqa: E402
from qa.text import fold  # noqa: E402
from training import rcdata  # noqa: E402


def best_per_passage(model: SpanModel, question: str, passages) -> list[tuple[float, str]]:
    """(margin, span text) of the best span of each passage, in passage order."""
    best: dict[int, tuple[float, str]] = {}
    for g in model.guesses(question, [p.text for p in passages]):
        if g.passage not in best:
            best[g.passage] = (g.margin, passages[g.passage].text[g.start:g.end])
    return [best.get(i, (-50.0, "")) for i in range(len(passages))]


def readings(model: SpanModel, engine, question: rc.Question, read: int) -> tuple[list, list]:
    """The best spans per passage as retrieval returns them, and with the question's own
    article taken out (what a question about an article outside the collection meets)."""
    passages = engine.retriever.passages(question.question, 12)
    own = passages[:read]
    away = [p for p in passages if p.doc_id != question.doc][:read]
    # The last entry: whether the lexical coverage check (qa/coverage.py) lets it through.
    return [(best_per_passage(model, question.question, ps), not coverage.gate(question.question, ps, engine.index))
            for ps in (own, away)]


def chosen(reading, confident: float, use_gate: bool = False) -> tuple[float, str]:
    """What the reader answers with: the first passage's span when it is confident,
    else the best span of all; with use_gate, nothing when the coverage check fails."""
    per_passage, passes_gate = reading
    if use_gate and not passes_gate:
        return (-50.0, "")
    if per_passage and per_passage[0][0] >= confident:
        return per_passage[0]
    return max(per_passage, default=(-50.0, ""))


def policy_figures(rows, threshold: float, confident: float, use_gate: bool = False) -> dict:
    f1 = refused = away_refused = 0.0
    for own, away, refs in rows:
        margin, text = chosen(own, confident, use_gate)
        if margin < threshold:
            refused += 1
        else:
            f1 += cmrc_f1(fold(text), [fold(r) for r in refs])
        away_refused += chosen(away, confident, use_gate)[0] < threshold
    n = len(rows)
    return {"f1": round(f1 / n, 4), "false_refusals": round(refused / n, 4),
            "refusals_without_own_article": round(away_refused / n, 4)}


def fit(rows, max_false: float) -> tuple[float, float]:
    """The threshold refusing at most max_false of the answerable questions, and the
    lowest early-exit margin that costs at most half a point of F1 against reading all."""
    best_margins = np.array([chosen(own, float("inf"))[0] for own, _, _ in rows])
    threshold = float(np.quantile(best_margins, max_false))
    full = policy_figures(rows, threshold, float("inf"))["f1"]
    confident = float("inf")
    for c in sorted({round(float(m), 1) for m in best_margins if m > threshold}, reverse=True):
        if policy_figures(rows, threshold, c)["f1"] < full - 0.005:
            break
        confident = c
    return threshold, confident


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drcd", default=str(ROOT.parent / "shared" / "rc" / "drcd_dev.json"))
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"))
    ap.add_argument("--questions", type=int, default=300, help="fit-fold questions per set")
    ap.add_argument("--passages", type=int, default=3)
    ap.add_argument("--max-false-refusals", type=float, default=0.04)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="fit again on the readings of the last run")
    args = ap.parse_args()

    rows_file = ROOT / "artifacts" / "reader" / "decision-rows.json"
    rows = json.loads(rows_file.read_text()) if args.reuse else []
    model = None if args.reuse else SpanModel()
    for path in [] if args.reuse else (Path(args.drcd), Path(args.cmrc)):
        articles = rc.load_articles(path, None)
        docs = rc.write_documents(articles, rc.ARTIFACTS / path.stem / "docs")
        engine, _ = rc.open_index(rc.default_index_dir(path, None), docs, rc.content_key(path, articles))
        pool = [q for q in rc.load_questions(path, articles) if rcdata.fold_of(q.article) == "fit"]
        random.Random(args.seed).shuffle(pool)
        started = time.perf_counter()
        for n, q in enumerate(pool[: args.questions]):
            own, away = readings(model, engine, q, args.passages)
            rows.append((own, away, q.references))
            if n % 50 == 0:
                print(f"{path.stem}: {n}/{args.questions} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    threshold, confident = fit(rows, args.max_false_refusals)
    result = {
        "threshold": round(threshold, 3),
        "confident": confident,
        "passages": args.passages,
        "fit_on": f"{len(rows)} fit-fold questions of DRCD dev and CMRC 2018 dev (training/rcdata.py), seed {args.seed}",
        "on_fit_questions": policy_figures(rows, threshold, confident),
        "with_coverage_check_too": policy_figures(rows, threshold, confident, use_gate=True),
        "trade": [{"threshold": round(float(np.quantile([chosen(o, float('inf'))[0] for o, _, _ in rows], q)), 3),
                   **policy_figures(rows, float(np.quantile([chosen(o, float('inf'))[0] for o, _, _ in rows], q)), confident)}
                  for q in (0.02, 0.04, 0.06, 0.08, 0.1, 0.15)],
    }
    DECISION_PATH.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    rows_file.parent.mkdir(parents=True, exist_ok=True)
    rows_file.write_text(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
