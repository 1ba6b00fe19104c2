"""Fit when the neural reader answers and when it refuses: qa/models/reader.json.

    .venv/bin/python -m training.fit_decision

For questions of the fit fold (training/rcdata.py) of DRCD dev and CMRC 2018 dev,
in the open collection of benchmarks/rc.py (its cached index is reused):
  - answerable: the reader reads what retrieval returns for the question;
  - unanswerable: the same question, with every passage of its own article removed
    from what retrieval returned: what a question about an article that is not in
    the collection meets.
The reader's margin (best span over "no answer") on both kinds gives the threshold:
the highest refusal rate on the second kind that keeps refusals of the first kind at
or under --max-false-refusals. The report fold and held-out articles are not used.
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
from qa.neural_reader import DECISION_PATH  # noqa: E402
from training import rcdata  # noqa: E402


def margins(model: SpanModel, engine, question: rc.Question, read: int) -> tuple[float, float]:
    passages = engine.retriever.passages(question.question, 12)
    own = passages[:read]
    away = [p for p in passages if p.doc_id != question.doc][:read]
    best = [model.guesses(question.question, [p.text for p in ps]) for ps in (own, away)]
    return tuple(g[0].margin if g else -50.0 for g in best)


def threshold(pos: np.ndarray, neg: np.ndarray, max_false: float) -> float:
    """The largest cut that refuses at most max_false of the answerable questions."""
    return float(np.quantile(pos, max_false))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drcd", default=str(ROOT.parent / "shared" / "rc" / "drcd_dev.json"))
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"))
    ap.add_argument("--questions", type=int, default=300, help="fit-fold questions per set")
    ap.add_argument("--passages", type=int, default=3)
    ap.add_argument("--max-false-refusals", type=float, default=0.04)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    model = SpanModel()
    pos, neg = [], []
    for path in (Path(args.drcd), Path(args.cmrc)):
        articles = rc.load_articles(path, None)
        docs = rc.write_documents(articles, rc.ARTIFACTS / path.stem / "docs")
        engine, _ = rc.open_index(rc.default_index_dir(path, None), docs, rc.content_key(path, articles))
        pool = [q for q in rc.load_questions(path, articles) if rcdata.fold_of(q.article) == "fit"]
        random.Random(args.seed).shuffle(pool)
        started = time.perf_counter()
        for n, q in enumerate(pool[: args.questions]):
            a, b = margins(model, engine, q, args.passages)
            pos.append(a)
            neg.append(b)
            if n % 50 == 0:
                print(f"{path.stem}: {n}/{args.questions} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    pos, neg = np.array(pos), np.array(neg)
    cut = threshold(pos, neg, args.max_false_refusals)
    result = {
        "threshold": round(cut, 3),
        "passages": args.passages,
        "fit_on": f"{len(pos)} fit-fold questions of DRCD dev and CMRC 2018 dev (training/rcdata.py)",
        "false_refusals": round(float((pos < cut).mean()), 4),
        "refusals_without_own_article": round(float((neg < cut).mean()), 4),
    }
    for q in (0.02, 0.04, 0.06, 0.1):
        c = float(np.quantile(pos, q))
        result.setdefault("trade", []).append(
            {"threshold": round(c, 3), "false_refusals": q, "refusals_without_own_article": round(float((neg < c).mean()), 4)})
    DECISION_PATH.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
