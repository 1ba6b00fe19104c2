"""Fit when the neural reader answers and when it refuses: qa/models/reader.json.

    .venv/bin/python -m training.fit_decision            # read the questions, then fit
    .venv/bin/python -m training.fit_decision --reuse    # fit again on the last readings

Questions of the decision fold (training/rcdata.py: articles the span model was never
trained on) of DRCD dev and CMRC 2018 dev are asked in the open collection of
benchmarks/rc.py (its cached index is reused), and each is read four ways:
  - own: the passages retrieval returns — answerable;
  - away: the same, with every passage of the question's own article removed — what a
    question about an article outside the collection meets;
  - hidden: retrieval's passages minus every one that holds the answer — the topic is
    in the collection, the answer is not (会议在哪个酒店举行？ over a report that names
    no hotel);
  - cut: retrieval's passages with every sentence that holds the answer taken out — the
    rest of the paragraph is still there, so the question's topic and most of its words
    are (谁主持的 over a report that says who spoke but not who chaired). Measured, and
    fit on only with --cut-weight: fitting on them changed nothing (docs/reader.md).
On these readings it fits, in order:
  1. the agreement window (qa/neural_reader.py: Decision.agreement) with the best F1;
  2. the gate (qa/answerable.py): a logistic regression over the reading's features,
     answerable against away and hidden, with its probability cut where at most
     --max-false-refusals of the answerable readings are refused.
Figures of the fit are cross-validated by article (5 folds) and printed next to the
span margin alone; the report fold and held-out articles are never used.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import rc  # noqa: E402
from qa import answerable  # noqa: E402
from qa.evaluation import cmrc_f1  # noqa: E402
from qa.neural import SpanGuess  # noqa: E402
from qa.neural_reader import DECISION_PATH, Decision, NeuralReader, agrees, choose  # noqa: E402
from qa.question import analyse, question_type  # noqa: E402
from qa.reader import Reading  # noqa: E402
from qa.text import fold  # noqa: E402
from training import rcdata  # noqa: E402

ROWS = ROOT / "artifacts" / "reader"  # decision-readings-<set>.jsonl
KINDS = ("own", "away", "hidden", "cut")


# ---------------------------------------------------------------- reading the questions


def holds_reference(text: str, references: list[str]) -> bool:
    folded = fold(text)
    return any(fold(r) in folded for r in references)


def without_answer_sentences(passages, references: list[str]) -> list:
    """The passages with every sentence that holds a reference answer taken out (passages
    left empty are dropped)."""
    cut = [replace(p, text=rcdata.without_answer_sentences(p.text, references)) for p in passages]
    return [p for p in cut if p.text.strip()]


def reading(reader: NeuralReader, engine, question: str, passages) -> dict:
    """What the decision needs of one question over some passages."""
    guesses = reader.model.guesses(question, [p.text for p in passages])
    rules = reader.rules.read(question, passages, engine.index)
    return {
        "passages": [{"chunk_id": p.chunk_id, "doc_id": p.doc_id, "text": p.text, "dense": p.dense_score} for p in passages],
        "guesses": [[g.margin, g.text, g.passage, g.start, g.end] for g in guesses],
        "rules": None if rules.abstained else rules.concise,
    }


def read_question(reader, engine, q: rc.Question, read: int) -> dict:
    passages = engine.retriever().passages(q.question, 12)
    kinds = {
        "own": passages[:read],
        "away": [p for p in passages if p.doc_id != q.doc][:read],
        "hidden": [p for p in passages if not holds_reference(p.text, q.references)][:read],
    }
    if [p.chunk_id for p in kinds["hidden"]] == [p.chunk_id for p in kinds["own"]]:
        kinds["hidden"] = []  # retrieval missed the answer: "own" already reads like "hidden"
    kinds["cut"] = without_answer_sentences(kinds["own"], q.references) if kinds["hidden"] else []
    words = reader.rules.analyse(q.question, engine.index).words
    row = {"id": q.id, "question": q.question, "references": q.references, "article": q.article,
           "words": words}
    for kind, ps in kinds.items():
        row[kind] = reading(reader, engine, q.question, ps) if ps else None
    return row


def collect(path: Path, args) -> None:
    """Read the decision-fold questions of one set; write them to ROWS."""
    reader = NeuralReader(decision=Decision())
    articles = rc.load_articles(path, None)
    docs = rc.write_documents(articles, rc.ARTIFACTS / path.stem / "docs")
    engine, _ = rc.open_index(rc.default_index_dir(path, None), docs, rc.content_key(path, articles))
    reader.use_embeddings(engine.index.embeddings)
    pool = [q for q in rc.load_questions(path, articles) if rcdata.fold_of(q.article) == "decision"]
    random.Random(args.seed).shuffle(pool)
    started = time.perf_counter()
    ROWS.mkdir(parents=True, exist_ok=True)
    with (ROWS / f"decision-readings-{path.stem}.jsonl").open("w", encoding="utf-8") as out:
        for n, q in enumerate(pool[: args.questions]):
            row = read_question(reader, engine, q, args.passages)
            row["set"] = path.stem
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if n % 50 == 0:
                print(f"{path.stem}: {n}/{min(len(pool), args.questions)} ({time.perf_counter() - started:.0f} s)",
                      file=sys.stderr, flush=True)


def load_rows(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        lines = (ROWS / f"decision-readings-{path.stem}.jsonl").read_text(encoding="utf-8").splitlines()
        rows += [json.loads(line) for line in lines]
    return rows


# ---------------------------------------------------------------- features


def guesses_of(read: dict) -> list[SpanGuess]:
    return [SpanGuess(p, s, e, m, 0.0, t) for m, t, p, s, e in read["guesses"]]


def chosen(read: dict, agreement: float) -> tuple[SpanGuess | None, bool]:
    """The span the reader would answer with, and whether it agrees with the rule reader."""
    rules = Reading(answer="", abstained=read["rules"] is None, concise=read["rules"] or "")
    best = choose(guesses_of(read), rules, Decision(agreement=agreement))
    return best, bool(best and agrees(best, rules))


def feature_row(row: dict, kind: str, agreement: float) -> dict[str, float | None]:
    read = row[kind]
    best, agrees = chosen(read, agreement)
    return answerable.features(
        row["words"], [p["text"] for p in read["passages"]],
        (best.passage, best.start, best.end) if best else None,
        best.margin if best else -20.0, read["rules"] is not None, agrees, question_type(fold(row["question"])),
        row["question"], *names_of(row["question"]))


def names_of(question: str) -> tuple[list[str], list[str], str]:
    """The question's names, people and topic (qa.question.Question.names, .people, .topic),
    read from the question here, so readings kept before these were in the gate need not be
    read again."""
    q = analyse(question)
    return q.names, q.people, q.topic


# ---------------------------------------------------------------- fitting


def agreement_window(rows: list[dict]) -> float:
    def f1(window: float) -> float:
        total = 0.0
        for row in rows:
            best, _ = chosen(row["own"], window)
            if best:
                total += cmrc_f1(fold(best.text), [fold(r) for r in row["references"]])
        return total / len(rows)

    return max((0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0), key=f1)


def confident_margin(rows: list[dict], agreement: float, max_loss: float = 0.005) -> float:
    """The least margin of the first passage's best span above which reading that passage
    alone costs at most max_loss of F1 on the answerable readings (Decision.confident)."""
    def f1(row: dict, first_only: bool) -> float:
        read = row["own"]
        if first_only:
            read = dict(read, guesses=[g for g in read["guesses"] if g[2] == 0])
        best, _ = chosen(read, agreement)
        return cmrc_f1(fold(best.text), [fold(r) for r in row["references"]]) if best else 0.0

    scored = []  # (first passage's best margin, F1 lost by reading it alone)
    for row in rows:
        first = [g[0] for g in row["own"]["guesses"] if g[2] == 0]
        if first:
            scored.append((max(first), f1(row, False) - f1(row, True)))
    scored.sort(reverse=True)
    lost, cut = 0.0, float("inf")
    for margin, loss in scored:
        lost += loss
        if lost / len(rows) > max_loss:
            break
        cut = margin
    return cut


def table(rows: list[dict], agreement: float):
    """Feature matrix, labels (1 answerable), kinds and article groups of every reading."""
    x, y, kinds, groups, answer_in_passages = [], [], [], [], []
    for row in rows:
        for kind in KINDS:
            if row.get(kind) is None:
                continue
            f = feature_row(row, kind, agreement)
            x.append([f[name] for name in answerable.FEATURES])
            y.append(int(kind == "own"))
            kinds.append(kind)
            groups.append(f"{row['set']}:{row['article']}")
            answer_in_passages.append(any(holds_reference(p["text"], row["references"]) for p in row[kind]["passages"]))
    return np.array(x), np.array(y), np.array(kinds), np.array(groups), np.array(answer_in_passages)


def fit_gate(x, y, kinds, answer_in_passages, weights: dict[str, float]):
    """Logistic regression on standardised features, each reading weighed by its kind
    (weights: kind -> weight, 1 when not given); answerable readings whose passages do
    not hold the answer (retrieval missed) are left out of the fit."""
    from sklearn.linear_model import LogisticRegression

    weight = np.array([weights.get(k, 1.0) for k in kinds])
    use = ((kinds != "own") | answer_in_passages) & (weight > 0)
    means, scales = x[use].mean(axis=0), x[use].std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")
    model.fit((x[use] - means) / scales, y[use], sample_weight=weight[use])
    return answerable.Gate(
        weights={n: float(w) for n, w in zip(answerable.FEATURES, model.coef_[0])},
        bias=float(model.intercept_[0]),
        means={n: float(v) for n, v in zip(answerable.FEATURES, means)},
        scales={n: float(v) for n, v in zip(answerable.FEATURES, scales)},
    )


def probabilities(gate: answerable.Gate, x) -> np.ndarray:
    return np.array([gate.probability(dict(zip(answerable.FEATURES, row))) for row in x])


def cut_at(p_own: np.ndarray, max_false: float) -> float:
    """The highest probability cut that refuses at most max_false of the answerable."""
    return float(np.quantile(p_own, max_false)) if len(p_own) else 0.5


def refusal_figures(p, kinds, cut: float) -> dict:
    return {kind: round(float(np.mean(p[kinds == kind] < cut)), 4) for kind in KINDS if np.any(kinds == kind)}


def cross_validated(x, y, kinds, groups, answer_in_passages, max_false, weights, folds=5) -> dict:
    """Refusals per kind with the gate fit on the other articles' readings."""
    names = sorted(set(groups))
    random.Random(0).shuffle(names)
    fold_of = {g: i % folds for i, g in enumerate(names)}
    which = np.array([fold_of[g] for g in groups])
    p = np.zeros(len(y))
    cuts = np.zeros(len(y))
    for k in range(folds):
        train, test = which != k, which == k
        gate = fit_gate(x[train], y[train], kinds[train], answer_in_passages[train], weights)
        p[test] = probabilities(gate, x[test])
        cuts[test] = cut_at(probabilities(gate, x[train & (kinds == "own")]), max_false)
    return {kind: round(float(np.mean(p[kinds == kind] < cuts[kinds == kind])), 4) for kind in KINDS
            if np.any(kinds == kind)}


def margin_cut(x, kinds, max_false) -> float:
    """The span margin that alone would refuse max_false of the answerable."""
    return cut_at(x[kinds == "own", answerable.FEATURES.index("margin")], max_false)


def margin_alone(x, kinds, max_false) -> dict:
    return refusal_figures(x[:, answerable.FEATURES.index("margin")], kinds, margin_cut(x, kinds, max_false))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drcd", default=str(ROOT.parent / "shared" / "rc" / "drcd_dev.json"))
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"))
    ap.add_argument("--questions", type=int, default=400, help="decision-fold questions per set (at most)")
    ap.add_argument("--passages", type=int, default=3)
    ap.add_argument("--max-false-refusals", type=float, default=0.05)
    ap.add_argument("--hidden-weight", type=float, default=0.5, help="weight of the 'hidden' readings in the fit")
    ap.add_argument("--cut-weight", type=float, default=0.0,
                    help="weight of the 'cut' readings in the fit (0: measured, not fit; docs/reader.md)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="fit again on the readings of the last run")
    ap.add_argument("--read-only", choices=("drcd", "cmrc"), help="only read one set's questions (no fit)")
    args = ap.parse_args()

    sets = [Path(args.drcd), Path(args.cmrc)]
    if args.read_only:
        collect(Path(args.drcd if args.read_only == "drcd" else args.cmrc), args)
        return
    for path in [] if args.reuse else sets:
        collect(path, args)
    sets = [p for p in sets if (ROWS / f"decision-readings-{p.stem}.jsonl").exists()]
    rows = load_rows(sets)
    agreement = agreement_window(rows)
    x, y, kinds, groups, answer_in = table(rows, agreement)
    weights = {"hidden": args.hidden_weight, "cut": args.cut_weight}
    gate = fit_gate(x, y, kinds, answer_in, weights)
    p = probabilities(gate, x)
    cut = cut_at(p[kinds == "own"], args.max_false_refusals)
    gate = answerable.Gate(gate.weights, gate.bias, gate.means, gate.scales, round(cut, 4))
    result = {
        "agreement": agreement,
        "passages": args.passages,
        # further sentences shown with an answer need a span as sure as the margin alone would be
        "extra_margin": round(margin_cut(x, kinds, args.max_false_refusals), 3),
        # the best passage alone is read when its best span's margin reaches this
        "confident": round(confident_margin(rows, agreement), 3),
        "gate": {"weights": gate.weights, "bias": gate.bias, "means": gate.means, "scales": gate.scales,
                 "threshold": gate.threshold},
        "fit_on": (f"{len(rows)} decision-fold questions of DRCD dev and CMRC 2018 dev (training/rcdata.py), "
                   f"seed {args.seed}, read as own/away/hidden ({args.hidden_weight} weight)/cut ({args.cut_weight} weight)"),
        "refused_on_fit_readings": refusal_figures(p, kinds, cut),
        "refused_cross_validated_by_article": cross_validated(
            x, y, kinds, groups, answer_in, args.max_false_refusals, weights),
        "span_margin_alone_same_false_refusals": margin_alone(x, kinds, args.max_false_refusals),
    }
    DECISION_PATH.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
