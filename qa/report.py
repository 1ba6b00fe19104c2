"""Rendering an EvalReport: terminal tables, report.md and a self-contained report.html."""

from __future__ import annotations

import html
import json
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from .messages import t

from .evaluation import (
    Asker,
    Comparison,
    EvalReport,
    QuestionResult,
    QuestionSetError,
    compare,
    evaluate,
    load_questions,
)

# (summary key, label, kind): kind is "pct" (a share), "num" (3 decimals) or "sec".
SUMMARY_ROWS = (
    ("accuracy", "pass rate (all questions)", "pct"),
    ("em", "EM, CMRC 2018 (all questions)", "pct"),
    ("f1", "F1, CMRC 2018 (all questions)", "pct"),
    ("f1_answerable", "F1, answerable questions only", "pct"),
    ("keyword_accuracy", "keyword accuracy", "pct"),
    ("refusal_precision", "refusal precision", "pct"),
    ("refusal_recall", "refusal recall", "pct"),
    ("false_refusal_rate", "false-refusal rate", "pct"),
    ("hit_at_1", "evidence hit@1", "pct"),
    ("hit_at_3", "evidence hit@3", "pct"),
    ("hit_at_5", "evidence hit@5", "pct"),
    ("mrr", "evidence MRR", "num"),
    ("latency_p50", "latency p50", "sec"),
    ("latency_p95", "latency p95", "sec"),
    ("latency_max", "latency max", "sec"),
)
TYPE_COLUMNS = (
    ("questions", "n", "int"),
    ("accuracy", "pass", "pct"),
    ("em", "EM", "pct"),
    ("f1", "F1", "pct"),
    ("keyword_accuracy", "keywords", "pct"),
    ("refusals", "refusals", "int"),
    ("hit_at_3", "hit@3", "pct"),
    ("mrr", "MRR", "num"),
    ("latency_p50", "p50", "sec"),
)
MAX_FAILURES_SHOWN = 20
MAX_DOCUMENTS_SHOWN = 20  # qa eval names up to this many of the documents it scored against


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "num":
        return f"{value:.3f}"
    if kind == "sec":
        return f"{value:.2f}s"
    return str(value)


# ---------------------------------------------------------------- terminal


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A plain aligned table whose widths account for double-width Chinese characters."""
    right = right or [False] + [True] * (len(headers) - 1)
    widths = [max(display_width(str(c)) for c in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for cell, width, align_right in zip(cells, widths, right):
            pad = " " * (width - display_width(str(cell)))
            parts.append(pad + str(cell) if align_right else str(cell) + pad)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _counts(report: EvalReport) -> dict[str, str]:
    """The numerators behind a few shares, shown beside them."""
    s, results = report.summary, report.results
    refused_right = sum(r.refused and not r.answerable for r in results)
    return {
        "accuracy": f"{sum(r.passed for r in results)}/{s['questions']}",
        "keyword_accuracy": f"{sum(bool(r.keywords_ok) for r in results)}/{s['keyword_questions']}",
        "refusal_precision": f"{refused_right}/{s['refusals']}",
        "refusal_recall": f"{refused_right}/{s['unanswerable']}",
        "false_refusal_rate": f"{sum(r.refused and r.answerable for r in results)}/{s['answerable']}",
        **{
            f"hit_at_{k}": f"{sum(r.evidence_rank is not None and r.evidence_rank <= k for r in results)}/{s['retrieval_questions']}"
            for k in (1, 3, 5)
        },
    }


def summary_rows(report: EvalReport) -> list[list[str]]:
    counts = _counts(report)
    return [[label, fmt(report.summary.get(key), kind), counts.get(key, "")] for key, label, kind in SUMMARY_ROWS]


def type_rows(report: EvalReport) -> list[list[str]]:
    return [[t, *(fmt(m.get(key), kind) for key, _, kind in TYPE_COLUMNS)] for t, m in report.by_type.items()]


def headline(report: EvalReport) -> str:
    s, meta = report.summary, report.meta
    parts = [f"{s['questions']} questions ({s['answerable']} answerable, {s['unanswerable']} unanswerable)"]
    if meta.get("questions_file"):
        parts.append(f"from {meta['questions_file']}")
    settings = ", ".join(f"{k}={meta[k]}" for k in ("k", "backend", "embedding_model") if meta.get(k) is not None)
    if settings:
        parts.append(f"[{settings}]")
    if meta.get("seconds") is not None:
        parts.append(f"in {meta['seconds']:.1f}s")
    return " ".join(parts)


def render_text(report: EvalReport) -> str:
    blocks = [
        headline(report),
        "",
        text_table(["metric", "value", "count"], summary_rows(report)),
        "",
        "By question type",
        text_table(["type", *(label for _, label, _ in TYPE_COLUMNS)], type_rows(report)),
    ]
    if report.summary.get("errors"):
        blocks += ["", f"{report.summary['errors']} question(s) raised an error; see the report for messages"]
    failures = [r for r in report.results if not r.passed]
    if failures:
        blocks += ["", f"Failed ({len(failures)}):"]
        for r in failures[:MAX_FAILURES_SHOWN]:
            blocks.append(f"  {r.id:<8} {shorten(r.question, 40)}  ->  {shorten(_shown_answer(r), 30)}  (expected {shorten(_expected(r), 24)})")
        if len(failures) > MAX_FAILURES_SHOWN:
            blocks.append(f"  … and {len(failures) - MAX_FAILURES_SHOWN} more (see the report)")
    return "\n".join(blocks)


def render_comparison(comparison: Comparison) -> str:
    rows = []
    for name, (old, new) in comparison.metrics.items():
        kind = "sec" if name.startswith("latency") else "num" if name == "mrr" else "pct"
        delta = "" if old is None or new is None else f"{new - old:+.3f}"
        rows.append([name, fmt(old, kind), fmt(new, kind), delta])
    blocks = ["", "Compared with the earlier report", text_table(["metric", "before", "now", "change"], rows)]
    for title, changes in (("Better", comparison.better), ("Worse", comparison.worse)):
        blocks.append(f"\n{title} ({len(changes)}):")
        for c in changes:
            state = f"{_pass_word(c.old_passed)}->{_pass_word(c.new_passed)}"
            blocks.append(f"  {c.id:<8} {state:<9} F1 {c.old_f1:.2f}->{c.new_f1:.2f}  {shorten(c.question, 40)}")
    if comparison.added:
        blocks.append(f"\nNew questions: {', '.join(comparison.added)}")
    if comparison.removed:
        blocks.append(f"Questions no longer in the set: {', '.join(comparison.removed)}")
    return "\n".join(blocks)


def _pass_word(ok: bool) -> str:
    return "pass" if ok else "fail"


def _shown_answer(r: QuestionResult) -> str:
    if r.error:
        return f"error: {r.error}"
    return "(refused)" if r.refused else r.prediction


def _expected(r: QuestionResult) -> str:
    return " | ".join(r.expected) if r.expected else "(refusal)"


def _retrieved(r: QuestionResult) -> str:
    return ", ".join(f"{x.rank}:{x.doc_id}#{x.chunk_index}{'*' if x.has_evidence else ''}" for x in r.retrieved)


# ---------------------------------------------------------------- markdown


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def question_rows(report: EvalReport) -> list[list[str]]:
    rows = []
    for r in report.results:
        keywords = "" if r.keywords_ok is None else ("yes" if r.keywords_ok else "no")
        rows.append([
            r.id, r.type, r.question, _shown_answer(r), _expected(r), f"{r.em:.0f}", f"{r.f1:.2f}", keywords,
            _pass_word(r.passed), "" if r.evidence_rank is None else str(r.evidence_rank), _retrieved(r),
        ])  # fmt: skip
    return rows


QUESTION_HEADERS = ("id", "type", "question", "answer", "expected", "EM", "F1", "keywords", "result", "evidence rank", "retrieved")


def render_markdown(report: EvalReport) -> str:
    parts = [
        "# Evaluation report",
        "",
        headline(report),
        "",
        "## Summary",
        "",
        md_table(["metric", "value", "count"], summary_rows(report)),
        "",
        "## By question type",
        "",
        md_table(["type", *(label for _, label, _ in TYPE_COLUMNS)], type_rows(report)),
        "",
        "## Questions",
        "",
        "`answer` is the scored (concise) part of the reply; `retrieved` lists rank:document#chunk, "
        "`*` marking the passage that holds the evidence.",
        "",
        md_table(QUESTION_HEADERS, question_rows(report)),
    ]
    if report.load_errors:
        parts += ["", "## Rows skipped", "", *(f"- {_md_cell(e)}" for e in report.load_errors)]
    errors = [r for r in report.results if r.error]
    if errors:
        parts += ["", "## Errors", "", *(f"- {r.id}: {_md_cell(r.error)}" for r in errors)]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
.meta{color:#556}.cards{display:flex;flex-wrap:wrap;gap:.6rem}
.card{border:1px solid #dde;border-radius:6px;padding:.5rem .8rem;min-width:8.5rem}
.card b{display:block;font-size:1.3rem}.card span{color:#556;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border:1px solid #e2e4ea;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f4f8}td.num{text-align:right;white-space:nowrap}
tr.fail td{background:#fff3f3}tr.pass td.result{color:#17692c;font-weight:600}tr.fail td.result{color:#a11;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:2rem}svg text{font-size:12px;fill:#333}
td.retrieved{white-space:nowrap;font-size:.8rem}details summary{cursor:pointer;color:#345}.small{font-size:.8rem;color:#556}
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def bar_chart_svg(items: Sequence[tuple[str, float | None]], title: str) -> str:
    """Horizontal bars of shares (0..1), one per label."""
    label_w, bar_w, row_h = 120, 300, 24
    height = 30 + row_h * len(items)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{height}" role="img" aria-label="{_e(title)}">',
             f'<text x="0" y="16" style="font-weight:600">{_e(title)}</text>']  # fmt: skip
    for i, (label, value) in enumerate(items):
        y = 28 + i * row_h
        width = bar_w * (value or 0)
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 8}" fill="#eef0f5"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="{row_h - 8}" fill="#3b6fd1"/>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{fmt(value, "pct")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(values: Sequence[float], title: str, bins: int = 12) -> str:
    """Counts of latencies in equal-width bins."""
    width, height, left, bottom = 440, 200, 36, 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" role="img" aria-label="{_e(title)}">',
             f'<text x="0" y="16" style="font-weight:600">{_e(title)}</text>']  # fmt: skip
    if values:
        low, high = min(values), max(values)
        step = (high - low) / bins or 1.0
        counts = [0] * bins
        for v in values:
            counts[min(int((v - low) / step), bins - 1)] += 1
        top, plot_w, plot_h = max(counts), width - left - 10, height - bottom - 24
        bar = plot_w / bins
        for i, c in enumerate(counts):
            h = plot_h * c / top
            x, y = left + i * bar, 24 + plot_h - h
            parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="#3b6fd1"><title>{c} question(s), '
                         f'{low + i * step:.2f}-{low + (i + 1) * step:.2f}s</title></rect>')  # fmt: skip
        base = 24 + plot_h
        parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#888"/>')
        parts.append(f'<text x="{left}" y="{base + 16}">{low:.2f}s</text>')
        parts.append(f'<text x="{left + plot_w}" y="{base + 16}" text-anchor="end">{high:.2f}s</text>')
        parts.append(f'<text x="{left - 4}" y="{24 + 10}" text-anchor="end">{top}</text>')
        parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if i else f"<td>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _question_html(r: QuestionResult) -> str:
    retrieved = "<br>".join(
        f"{x.rank}. {_e(x.doc_id)}#{x.chunk_index}" + (" <b>(evidence)</b>" if x.has_evidence else "") for x in r.retrieved
    )
    answer = _e(_shown_answer(r))
    if r.answer and r.answer.strip() != r.prediction and not r.refused:
        answer += f'<details><summary class="small">full reply</summary>{_e(r.answer)}</details>'
    keywords = "" if r.keywords_ok is None else ("yes" if r.keywords_ok else "no")
    rank = "" if r.evidence_rank is None else str(r.evidence_rank)
    state = _pass_word(r.passed)
    return (
        f'<tr class="{state}"><td>{_e(r.id)}</td><td>{_e(r.type)}</td><td>{_e(r.question)}</td><td>{answer}</td>'
        f'<td>{_e(_expected(r))}</td><td class="num">{r.em:.0f}</td><td class="num">{r.f1:.2f}</td><td>{keywords}</td>'
        f'<td class="result">{state}</td><td class="num">{rank}</td><td class="retrieved">{retrieved}</td></tr>'
    )


def render_html(report: EvalReport) -> str:
    s = report.summary
    cards = "".join(
        f'<div class="card"><b>{fmt(s.get(key), kind)}</b><span>{_e(label)}</span></div>'
        for key, label, kind in SUMMARY_ROWS
    )
    accuracy = bar_chart_svg([(t, m.get("accuracy")) for t, m in report.by_type.items()], "Pass rate by question type")
    latency = histogram_svg([r.latency for r in report.results if not r.error], "Latency per question")
    questions = "".join(_question_html(r) for r in report.results)
    q_head = "".join(f"<th>{_e(h)}</th>" for h in QUESTION_HEADERS)
    skipped = ""
    if report.load_errors:
        skipped = "<h2>Rows skipped</h2><ul>" + "".join(f"<li>{_e(e)}</li>" for e in report.load_errors) + "</ul>"
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>Evaluation report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>Evaluation report</h1>
<p class="meta">{_e(headline(report))}</p>
<div class="cards">{cards}</div>
<h2>Charts</h2>
<div class="charts">{accuracy}{latency}</div>
<h2>By question type</h2>
{_html_table(["type", *(label for _, label, _ in TYPE_COLUMNS)], type_rows(report))}
<h2>Summary with counts</h2>
{_html_table(["metric", "value", "count"], summary_rows(report))}
<h2>Questions</h2>
<p class="small">The answer column shows the scored (concise) part of each reply; open "full reply" for the rest.
Red rows failed.</p>
<table><thead><tr>{q_head}</tr></thead><tbody>{questions}</tbody></table>
{skipped}
</body></html>
"""


def write_reports(report: EvalReport, directory: str | Path) -> list[Path]:
    """report.json, report.md and report.html in `directory` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "report.json", directory / "report.md", directory / "report.html"]
    report.save_json(paths[0])
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(render_html(report), encoding="utf-8")
    return paths


# ---------------------------------------------------------------- command line


def cli_eval(
    engine: Asker,
    path: str | Path,
    report_dir: str | Path | None = None,
    k: int | None = None,
    backend: str | None = None,
    compare: str | Path | None = None,
) -> int:
    """``qa eval``: run, print the tables, write the reports; 0, or 1 when nothing could be read."""
    try:
        rows, errors = load_questions(path)
    except QuestionSetError as exc:
        print(t("cli.error", message=exc), file=sys.stderr)
        return 1
    for message in errors:
        print(t("cli.eval_skipped", message=message), file=sys.stderr)
    if not rows:
        print(t("cli.error", message=t("cli.eval_no_questions", path=path)), file=sys.stderr)
        return 1
    old = _read_old_report(compare) if compare else None
    _warm_up(engine)
    knowledge = knowledge_base(engine)
    if knowledge:
        print(knowledge_base_line(knowledge))
    started = time.perf_counter()
    report = evaluate(engine, rows, k=k, backend=backend, progress=True)
    report.load_errors = errors
    report.meta.update(_describe_run(engine, path, k, backend, time.perf_counter() - started))
    report.meta.update(knowledge)
    print(render_text(report))
    if old is not None:
        print(render_comparison(_compare(old, report)))
    if report_dir:
        written = write_reports(report, report_dir)
        print(f"reports: {', '.join(str(p) for p in written)}")
    return 0


_compare = compare  # cli_eval's `compare` parameter shadows the function


def _read_old_report(path: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"warning: cannot read {path} for --compare ({exc}); comparison skipped", file=sys.stderr)
        return None


def _warm_up(engine: Asker) -> None:
    """Open (and on first use build) the index before the progress bar starts."""
    if hasattr(engine, "index"):
        print("loading the index…", file=sys.stderr)
        engine.index  # noqa: B018 - the property loads the index


def knowledge_base(engine: Asker) -> dict[str, Any]:
    """Which index the questions are scored against, and its documents ({} for an
    engine without an index)."""
    settings = getattr(engine, "settings", None)
    if settings is None or not hasattr(engine, "documents"):
        return {}
    index = getattr(engine, "index", None)
    return {
        "index": str(settings.chroma_url or settings.vectorstore),
        "kb": getattr(index, "kb", settings.kb or "default"),
        "collection": getattr(index, "collection_name", settings.collection),
        "documents": [d.doc_id for d in engine.documents()],
    }


def knowledge_base_line(knowledge: dict[str, Any]) -> str:
    documents = knowledge["documents"]
    shown = ", ".join(documents[:MAX_DOCUMENTS_SHOWN]) + (" …" if len(documents) > MAX_DOCUMENTS_SHOWN else "")
    return t("cli.eval_index", kb=knowledge.get("kb", "default"), where=knowledge["index"], collection=knowledge["collection"],
             count=len(documents), documents=shown)


def _describe_run(engine: Asker, path: str | Path, k: int | None, backend: str | None, seconds: float) -> dict[str, Any]:
    settings = getattr(engine, "settings", None)
    return {
        "questions_file": str(path),
        "k": k or getattr(settings, "k", None),
        "backend": backend or getattr(settings, "backend", None),
        "embedding_model": getattr(settings, "embedding_model", None),
        "seconds": round(seconds, 2),
    }
