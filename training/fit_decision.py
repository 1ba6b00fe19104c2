"""Fit when the neural reader answers and when it refuses: qa/models/reader.json.

    .venv/bin/python -m training.fit_decision

For questions of the decision fold (training/rcdata.py: articles the span model was
never trained on) of DRCD dev and CMRC 2018 dev,
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
from dataclasses import replace
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
from qa.neural import SpanGuess  # noqa: E402
from qa import coverage  # noqa: E402
from qa.evaluation import cmrc_f1  # noqa: E402
from qa.neural_reader import DECISION_PATH, Decision, NeuralReader, choose  # noqa: E402
from qa.reader import Reading  # noqa: E402
from qa.text import fold  # noqa: E402
from training import rcdata  # noqa: E402


def reading(reader: NeuralReader, engine, question: str, passages) -> dict:
    """What the decision needs to know of one question and its passages: the span
    model's guesses (margin, text, passage), best first, and the rule reader's answer."""
    guesses = reader.model.guesses(question, [p.text for p in passages])
    rules = reader.rules.read(question, passages, engine.index)
    return {"guesses": [(g.margin, g.text, g.passage) for g in guesses[:9]],
            "rules": None if rules.abstained else rules.concise,
            "missing": bool(reader.missing_terms(question, passages, engine.index))}


def readings(reader: NeuralReader, engine, question: rc.Question, read: int) -> tuple[dict, dict]:
    """As retrieval returns the passages, and with the question's own article taken out
    (what a question about an article outside the collection meets)."""
    passages = engine.retriever.passages(question.question, 12)
    own = passages[:read]
    away = [p for p in passages if p.doc_id != question.doc][:read]
    return reading(reader, engine, question.question, own), reading(reader, engine, question.question, away)


def decided(row: dict, decision: Decision) -> tuple[bool, str]:
    """(answered, concise) as NeuralReader would decide on this row."""
    guesses = [SpanGuess(p, 0, 0, m, 0.0, t) for m, t, p in row["guesses"]]
    rules = Reading(answer="", abstained=row["rules"] is None, concise=row["rules"] or "")
    best, threshold = choose(guesses, rules, decision, row.get("missing", False))
    if best is None or best.margin < threshold:
        return False, ""
    return True, best.text


def policy_figures(rows, decision: Decision) -> dict:
    f1 = refused = away_refused = 0.0
    for own, away, refs in rows:
        answered, text = decided(own, decision)
        if not answered:
            refused += 1
        else:
            f1 += cmrc_f1(fold(text), [fold(r) for r in refs])
        away_refused += not decided(away, decision)[0]
    n = len(rows)
    return {"f1": round(f1 / n, 4), "false_refusals": round(refused / n, 4),
            "refusals_without_own_article": round(away_refused / n, 4)}


def fit(rows, max_false: float) -> tuple[Decision, dict]:
    """The agreement window with the best F1, then the two thresholds that refuse the most
    questions without their article while refusing at most max_false of the others (a
    grid over the margins' quantiles), then the stricter cut for missing names, if any."""
    def score(d: Decision) -> tuple:
        f = policy_figures(rows, d)
        return (f["false_refusals"] <= max_false, f["refusals_without_own_article"] + f["f1"], f["f1"])

    low = -50.0
    agreement = max((0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0), key=lambda a: policy_figures(rows, Decision(low, low, low, a))["f1"])
    margins = sorted({round(m, 2) for own, _, _ in rows for m, _, _ in own["guesses"][:1]})
    grid = [float(np.quantile(margins, q)) for q in np.linspace(0.0, 0.6, 31)]
    best = max((Decision(t, t_alone, low, agreement) for t in grid for t_alone in grid), key=score)
    best = max((replace(best, threshold_missing=t) for t in [low] + grid), key=score)
    return best, policy_figures(rows, best)


def add_coverage(rows, args) -> None:
    """Retrieval again (no span model) to record the coverage check on older rows."""
    from qa.reader import ExtractiveReader

    rules = ExtractiveReader()
    n = 0
    for path in (Path(args.drcd), Path(args.cmrc)):
        articles = rc.load_articles(path, None)
        docs = rc.write_documents(articles, rc.ARTIFACTS / path.stem / "docs")
        engine, _ = rc.open_index(rc.default_index_dir(path, None), docs, rc.content_key(path, articles))
        pool = [q for q in rc.load_questions(path, articles) if rcdata.fold_of(q.article) == "decision"]
        random.Random(args.seed).shuffle(pool)
        for q in pool[: args.questions]:
            passages = engine.retriever.passages(q.question, 12)
            own, away = passages[: args.passages], [p for p in passages if p.doc_id != q.doc][: args.passages]
            for row, ps in zip(rows[n][:2], (own, away)):
                row["missing"] = bool(coverage.missing_names(rules.analyse(q.question, engine.index), ps))
            n += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drcd", default=str(ROOT.parent / "shared" / "rc" / "drcd_dev.json"))
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"))
    ap.add_argument("--questions", type=int, default=250, help="decision-fold questions per set")
    ap.add_argument("--passages", type=int, default=3)
    ap.add_argument("--max-false-refusals", type=float, default=0.04)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="fit again on the readings of the last run")
    ap.add_argument("--add-coverage", action="store_true",
                    help="with --reuse: add the coverage check to rows read before it was recorded")
    args = ap.parse_args()

    rows_file = ROOT / "artifacts" / "reader" / "decision-rows.json"
    rows = json.loads(rows_file.read_text()) if args.reuse else []
    reader = None if args.reuse else NeuralReader(decision=Decision())
    for path in [] if args.reuse else (Path(args.drcd), Path(args.cmrc)):
        articles = rc.load_articles(path, None)
        docs = rc.write_documents(articles, rc.ARTIFACTS / path.stem / "docs")
        engine, _ = rc.open_index(rc.default_index_dir(path, None), docs, rc.content_key(path, articles))
        reader.use_embeddings(engine.index.embeddings)
        pool = [q for q in rc.load_questions(path, articles) if rcdata.fold_of(q.article) == "decision"]
        random.Random(args.seed).shuffle(pool)
        started = time.perf_counter()
        for n, q in enumerate(pool[: args.questions]):
            own, away = readings(reader, engine, q, args.passages)
            rows.append((own, away, q.references))
            if n % 50 == 0:
                print(f"{path.stem}: {n}/{args.questions} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        rows_file.parent.mkdir(parents=True, exist_ok=True)
        rows_file.write_text(json.dumps(rows, ensure_ascii=False))
    if args.add_coverage:
        add_coverage(rows, args)
        rows_file.write_text(json.dumps(rows, ensure_ascii=False))
    decision, figures = fit(rows, args.max_false_refusals)
    neural_only = Decision(decision.threshold, decision.threshold, decision.threshold, 0.0)
    spans_only = [(dict(o, rules=None), dict(a, rules=None), r) for o, a, r in rows]
    result = {
        "threshold": round(decision.threshold, 3),
        "threshold_alone": round(decision.threshold_alone, 3),
        # null: the fit found no cut that helps (the missing-names check only words the message)
        "threshold_missing": None if decision.threshold_missing <= -50 else round(decision.threshold_missing, 3),
        "agreement": decision.agreement,
        "passages": args.passages,
        "fit_on": f"{len(rows)} decision-fold questions of DRCD dev and CMRC 2018 dev (training/rcdata.py), seed {args.seed}",
        "on_fit_questions": figures,
        "span_model_alone_same_false_refusals": policy_figures(
            spans_only, Decision(*(3 * [float(np.quantile([o["guesses"][0][0] if o["guesses"] else -50 for o, _, _ in rows],
                                                            figures["false_refusals"]))]))),
        "without_agreement": policy_figures(rows, neural_only),
    }
    DECISION_PATH.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
