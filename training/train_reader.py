"""Fit the neural reader: multilingual-e5-small + a span head, on DRCD dev and CMRC 2018 dev.

One command reproduces the shipped weights (about 1.5 h on 2 cores):

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python -m training.train_reader --drcd ../shared/rc/drcd_dev.json \
        --cmrc ../shared/rc/cmrc2018_dev.json

Fit only on the "fit" fold of each set (training/rcdata.py); the report fold and the
held-out articles are never seen. Examples, SQuAD 2.0 style:
  - the question with a window of its paragraph holding the answer (label: the span);
  - the same question with another paragraph of its article, or the closest paragraph
    of another article by BM25, that does not hold the answer (label: <s>, "not here");
  - optionally (--cut-sentence), its own paragraph with the sentences that hold the
    answer taken out: the topic is there, the asked-for detail is not (label: <s>).
The second and third kinds are what the reader meets among retrieved passages, and what
lets it refuse. Checkpoints go to artifacts/reader/ and a run resumes from the last one;
--export writes qa/models/reader.onnx (int8) from the final checkpoint. For a faster
reader, --keep-layers picks some of an exported reader's layers (with --init) and --distil
has them learn that reader's logits as well as the gold spans (docs/reader.md, "A distilled
8-layer student": not shipped, it needs more epochs than a session has).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa import e5file  # noqa: E402
from qa.bm25 import BM25Index, tokenize  # noqa: E402
from qa.e5tokens import E5Tokenizer  # noqa: E402
from qa.neural import MAX_QUESTION_TOKENS, pair_ids  # noqa: E402
from qa.text import fold  # noqa: E402
from training import rcdata  # noqa: E402

ARTIFACTS = ROOT / "artifacts" / "reader"


@dataclass
class Example:
    ids: list[int]
    start: int  # token index of the answer's first token; 0 = no answer here
    end: int


def window_examples(tok: E5Tokenizer, q_ids: list[int], context: str, spans: list[tuple[int, int]] | None,
                    max_len: int, rng: random.Random, keep_null: float) -> list[Example]:
    """Windows of the context after the question; spans: the answers' character spans
    (None: the context does not answer the question)."""
    enc = tok.encode(fold(context))
    budget = max_len - len(q_ids) - 4
    stride = max(budget // 2, 1)
    out = []
    for w0 in range(0, max(len(enc.ids) - budget, 0) + stride, stride):
        w = slice(w0, min(w0 + budget, len(enc.ids)))
        ids, offset = pair_ids(q_ids, enc.ids[w], tok)
        label = (0, 0)
        for a, b in spans or []:
            tokens = [i for i, (s, e) in enumerate(enc.spans[w]) if e > a and s < b]
            if tokens and enc.spans[w][tokens[0]][0] <= a and enc.spans[w][tokens[-1]][1] >= b:
                label = (offset + tokens[0], offset + tokens[-1])
                break
        if label == (0, 0) and rng.random() > keep_null:
            continue
        out.append(Example(ids, *label))
        if w.stop >= len(enc.ids):
            break
    return out


def build(items: list[rcdata.Item], tok: E5Tokenizer, max_len: int, seed: int, log,
          negatives: tuple[float, float], cut_sentence: float = 0.0, swap_name: float = 0.0) -> list[Example]:
    rng = random.Random(seed)
    paragraphs = {}
    for it in items:
        paragraphs[(it.article, it.paragraph)] = it.context
    keys = list(paragraphs)
    bm25 = BM25Index()
    bm25.add([f"{a}:{p}" for a, p in keys], [tokenize(fold(paragraphs[k])) for k in keys])
    examples = []
    for n, it in enumerate(items):
        q_ids = tok.encode(fold(it.question)).ids[:MAX_QUESTION_TOKENS]
        spans = [(s, s + len(t)) for s, t in zip(it.starts, it.answers)]
        examples += window_examples(tok, q_ids, it.context, spans, max_len, rng, keep_null=0.15)
        for key in _distractors(bm25, it, paragraphs, rng, negatives):
            examples += window_examples(tok, q_ids, paragraphs[key], None, max_len, rng, keep_null=1.0)[:1]
        if cut_sentence and rng.random() < cut_sentence:
            rest = rcdata.without_answer_sentences(it.context, it.answers)
            if rest:
                examples += window_examples(tok, q_ids, rest, None, max_len, rng, keep_null=1.0)[:1]
        if swap_name and rng.random() < swap_name:
            examples += _swapped(tok, it, spans, max_len, rng)
        if n % 1000 == 0:
            log(f"examples: {n}/{len(items)} questions -> {len(examples)} windows")
    return examples


def _swapped(tok: E5Tokenizer, it: rcdata.Item, spans, max_len: int, rng: random.Random) -> list[Example]:
    """The window holding the answer, read with the question about another name of the
    paragraph (rcdata.swapped_question), labelled "not here"."""
    other = rcdata.swapped_question(it.question, it.context, it.answers, rng)
    if other is None:
        return []
    q_ids = tok.encode(other).ids[:MAX_QUESTION_TOKENS]
    windows = window_examples(tok, q_ids, it.context, spans, max_len, rng, keep_null=0.0)[:1]
    return [Example(w.ids, 0, 0) for w in windows]


def _distractors(bm25, it, paragraphs, rng, chances: tuple[float, float]) -> list[tuple[int, int]]:
    """The closest paragraph of the same article and of another article that do not
    hold any reference answer, each taken with its chance."""
    ranked = [tuple(map(int, cid.split(":"))) for cid, _ in bm25.search(tokenize(fold(it.question)), 30)]
    same = [k for k in ranked if k[0] == it.article and k[1] != it.paragraph]
    other = [k for k in ranked if k[0] != it.article]
    picked = []
    for pool, chance in zip((same, other), chances):
        for key in pool:
            if not any(fold(a) in fold(paragraphs[key]) for a in it.answers):
                if rng.random() < chance:
                    picked.append(key)
                break
    return picked


def teacher_logits(path: str, examples: list[Example], cache: Path, log) -> dict[int, np.ndarray]:
    """The teacher's start and end logits for every window (float16, 2 x window length),
    read by the shipped runtime one window per run (qa/neural.py) and kept beside the
    examples' cache: a distilled student learns the teacher's whole distribution over
    spans, not only the gold span, which is what a smaller model needs to keep its margins.
    Keyed by id(example): the batches hold the same Example objects."""
    from qa.neural import SpanModel

    saved = cache.with_name(cache.stem + "-teacher-" + Path(path).stem + ".npz")
    if saved.exists():
        out = dict(np.load(saved))
    else:
        model, out = SpanModel(Path(path)), {}
        for i, e in enumerate(examples):
            start, end = model._logits([e.ids])
            out[str(i)] = np.stack([start[0], end[0]]).astype(np.float16)
            if i % 1000 == 0:
                log(f"teacher: {i}/{len(examples)} windows")
        np.savez(saved, **out)
    return {id(e): out[str(i)] for i, e in enumerate(examples)}


def teacher_batch(teacher: dict[int, np.ndarray], batch: list[Example], width: int):
    """The batch's teacher logits, padded like the student's (-1e4: no weight in a softmax)."""
    import torch

    rows = np.full((2, len(batch), width), -1e4, dtype=np.float32)
    for i, e in enumerate(batch):
        logits = teacher[id(e)]
        rows[:, i, : logits.shape[1]] = logits
    return torch.from_numpy(rows[0]), torch.from_numpy(rows[1])


def _soft_loss(student, teacher, temperature: float):
    """KL divergence of the student's softened distribution over a window's tokens from the
    teacher's, scaled by T^2 so that its gradients match the hard loss's in size. Both come
    padded already (SpanReader.forward, teacher_batch)."""
    import torch.nn.functional as F

    target = F.softmax(teacher / temperature, dim=-1)
    return F.kl_div(F.log_softmax(student / temperature, dim=-1), target, reduction="batchmean") * temperature**2


def batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in random order."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i].ids), rng.random()))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    return [[examples[i] for i in g] for g in groups]


def tensors(batch: list[Example], model_file: e5file.ModelFile, pad: int):
    import torch

    t = max(len(e.ids) for e in batch)
    ids = np.full((len(batch), t), pad, dtype=np.int64)
    mask = np.zeros((len(batch), t), dtype=np.int64)
    for i, e in enumerate(batch):
        ids[i, :len(e.ids)] = e.ids
        mask[i, :len(e.ids)] = 1
    vectors = torch.from_numpy(model_file.word_vectors(ids))
    return vectors, torch.from_numpy(mask), torch.tensor([e.start for e in batch]), torch.tensor([e.end for e in batch])


def train(args) -> None:
    import torch

    from training.encoder import SpanReader, load_onnx

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    logfile = open(ARTIFACTS / "train.log", "a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    model_file = e5file.load()
    tok = E5Tokenizer(model_file)
    negatives = (args.same_article, args.other_article)
    cut = f"-cut{args.cut_sentence}" if args.cut_sentence else ""
    cut += f"-swap{args.swap_name}" if args.swap_name else ""
    cache = ARTIFACTS / f"examples-{args.max_len}-{args.seed}-{negatives[0]}-{negatives[1]}{cut}-{args.limit or 'all'}.json"
    if cache.exists():
        examples = [Example(**e) for e in json.loads(cache.read_text())]
    else:
        items = [it for path in (args.drcd, args.cmrc) if path for it in rcdata.load(path) if rcdata.fold_of(it.article) == "fit"]
        if args.limit:
            items = items[: args.limit]
        examples = build(items, tok, args.max_len, args.seed, log, negatives, args.cut_sentence, args.swap_name)
        cache.write_text(json.dumps([vars(e) for e in examples]))
    log(f"{len(examples)} windows, {sum(e.start > 0 for e in examples)} with an answer")

    keep = [int(i) for i in args.keep_layers.split(",")] if args.keep_layers else []
    model = SpanReader(model_file, len(keep) or args.layers)
    if args.init:
        load_onnx(model, args.init, keep)
        log(f"starting from {args.init}" + (f", its layers {keep}" if keep else ""))
    teacher = teacher_logits(args.distil, examples, cache, log) if args.distil else None
    # The lower layers keep their pretrained weights: a third less back-propagation
    # on 2 cores, for little loss on a few thousand questions.
    for module in [model.eln, *model.layers[: args.freeze_layers]]:
        module.requires_grad_(False)
    model.pos.requires_grad_(False)
    model.token_type.requires_grad_(False)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in trainable if p.ndim > 1]
    rest = [p for n, p in trainable if p.ndim == 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=args.lr)
    rng = random.Random(args.seed)
    plan = [batches(examples, args.batch, rng) for _ in range(args.epochs)]
    total = sum(len(p) for p in plan)
    if args.max_steps:
        total = min(total, args.max_steps)  # a shorter schedule, also when resuming
    warmup = max(int(0.06 * total), 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(total - warmup, 1))))
    step = 0
    ckpt = ARTIFACTS / "checkpoint.pt"
    run = {"init": args.init, "negatives": list(negatives), "cut_sentence": args.cut_sentence, "swap_name": args.swap_name, "limit": args.limit, "max_len": args.max_len,
           "batch": args.batch, "layers": args.layers, "freeze_layers": args.freeze_layers, "lr": args.lr, "steps": total, "seed": args.seed,
           "keep_layers": keep, "distil": args.distil, "temperature": args.temperature, "distil_weight": args.distil_weight}
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        if state.get("run", run) != run:
            sys.exit(f"{ckpt} is from another run ({state['run']}, this one {run}): move it away to start afresh")
        model.load_state_dict(state["model"]); opt.load_state_dict(state["opt"]); sched.load_state_dict(state["sched"])
        step = state["step"]
        log(f"resumed at step {step}/{total}")
    flat = [b for p in plan for b in p]
    model.train()
    started, running, first = time.time(), None, step
    for step in range(step, total):
        vectors, mask, starts, ends = tensors(flat[step], model_file, tok.pad)
        s_logits, e_logits = model(vectors, mask)
        loss = (torch.nn.functional.cross_entropy(s_logits, starts) + torch.nn.functional.cross_entropy(e_logits, ends)) / 2
        if teacher is not None:
            t_start, t_end = teacher_batch(teacher, flat[step], s_logits.shape[1])
            soft = (_soft_loss(s_logits, t_start, args.temperature) + _soft_loss(e_logits, t_end, args.temperature)) / 2
            loss = (1 - args.distil_weight) * loss + args.distil_weight * soft
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if (step + 1) % 10 == 0:
            rate = (time.time() - started) / (step + 1 - first)
            log(f"step {step + 1}/{total} loss {running:.3f} lr {sched.get_last_lr()[0]:.2e} {rate:.1f}s/step")
        if (step + 1) % args.save_every == 0 or step + 1 == total:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "step": step + 1, "run": run}, ckpt)
    torch.save(model.state_dict(), ARTIFACTS / "final.pt")
    log("done")


def export(args) -> None:
    import torch

    from training.encoder import SpanReader

    model_file = e5file.load()
    weights = Path(args.weights) if args.weights else ARTIFACTS / "final.pt"
    state = torch.load(weights, weights_only=False)
    state = state.get("model", state)
    model = SpanReader(model_file, layers=len({k.split(".")[1] for k in state if k.startswith("layers.")}))
    model.load_state_dict(state)
    model.eval()
    out = ROOT / "qa" / "models"
    out.mkdir(exist_ok=True)
    fp32 = ARTIFACTS / "reader-fp32.onnx"
    vectors = torch.randn(2, 40, model_file.hidden)
    mask = torch.ones(2, 40, dtype=torch.int64)
    torch.onnx.export(model, (vectors, mask), fp32, input_names=["vectors", "mask"], output_names=["start", "end"],
                      dynamic_axes={"vectors": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "start": {0: "b", 1: "t"}, "end": {0: "b", 1: "t"}},
                      opset_version=17, dynamo=False)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = Path(args.out) if args.out else out / "reader.onnx"
    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drcd", default=str(ROOT.parent / "shared" / "rc" / "drcd_dev.json"))
    ap.add_argument("--cmrc", default=str(ROOT.parent / "shared" / "rc" / "cmrc2018_dev.json"))
    ap.add_argument("--max-len", type=int, default=288)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-steps", type=int, default=0, help="stop (and decay the learning rate to 0) after N steps")
    ap.add_argument("--layers", type=int, default=0,
                    help="keep only the lowest N encoder layers (a faster reader; 0: all 12)")
    ap.add_argument("--keep-layers", default="",
                    help="with --init: which of its layers the (smaller) model starts from, e.g. 0,2,4,6,8,10")
    ap.add_argument("--distil", default="", help="a teacher reader (.onnx) whose logits the model also learns")
    ap.add_argument("--temperature", type=float, default=2.0, help="with --distil: softening of both distributions")
    ap.add_argument("--distil-weight", type=float, default=0.5, help="with --distil: share of the teacher's loss")
    ap.add_argument("--freeze-layers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=25)
    ap.add_argument("--same-article", type=float, default=0.3,
                    help="chance of a 'not here' window from the closest other paragraph of the question's article")
    ap.add_argument("--other-article", type=float, default=0.3,
                    help="chance of a 'not here' window from the closest paragraph of another article")
    ap.add_argument("--cut-sentence", type=float, default=0.0,
                    help="chance of a 'not here' window from the question's own paragraph without its answer's sentences")
    ap.add_argument("--swap-name", type=float, default=0.0,
                    help="chance of also reading a question, with one of its names swapped for another the paragraph "
                         "gives, over the window holding the answer, as 'not here' (rcdata.swapped_question)")
    ap.add_argument("--init", default="", help="start from an exported reader (.onnx) instead of the pretrained encoder")
    ap.add_argument("--limit", type=int, default=0, help="fit on the first N questions only (a smoke run)")
    ap.add_argument("--export", action="store_true", help="write qa/models/reader.onnx from the final weights")
    ap.add_argument("--weights", default="", help="with --export: a checkpoint other than the final weights")
    ap.add_argument("--out", default="", help="with --export: where to write the .onnx file")
    args = ap.parse_args()
    export(args) if args.export else train(args)


if __name__ == "__main__":
    main()
