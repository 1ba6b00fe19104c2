"""Ingesting a folder reads every document under it (qa/loaders reads them) and names everything else it
finds there, with the reason, in the interface's language: other file types and links
to folders already read are skipped (nothing is lost), links to nothing and folders that
cannot be read are errors (exit status 1).  Real files, links and `qa` processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Engine, Settings
from qa.embeddings import HashEmbeddings
from qa.records import IndexMismatchError

from .conftest import ROOT

FAST = {"QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": ""}
GOOD = "苏州召开质量强市会议。会议于9月7日举行，市长出席并讲话。\n"


def _qa(store: Path, *args: str, language: str | None = None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, **FAST, "QA_VECTORSTORE": str(store), "PYTHONPATH": str(ROOT)}
    env.pop("QA_LANGUAGE", None)
    if language:
        env["QA_LANGUAGE"] = language
    return subprocess.run([*prefix, sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env=env)


def _documents(store: Path) -> list[str]:
    """The ids `qa info` lists."""
    info = _qa(store, "info")
    assert info.returncode == 0, info.stderr
    return [line.split("\t")[0].strip() for line in info.stdout.splitlines() if line.startswith("  ") and "\t" in line]


def _messy_folder(root: Path) -> Path:
    """docs/ with one good document, a presentation, a link to nothing, a link back up and a link to itself."""
    docs = root / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "good.md").write_text(GOOD, encoding="utf-8")
    (docs / "paper.pptx").write_bytes(b"PK\x03\x04")
    (docs / "gone.txt").symlink_to("../nowhere.txt")
    (docs / "sub" / "up").symlink_to("..")
    (docs / "self").symlink_to("self")
    return docs


EXPECTED = {
    None: [
        "已跳过 {docs}/paper.pptx：不支持的文件类型（只导入 .txt .md .pdf .docx .html .htm .xhtml .epub）",
        "已跳过 {docs}/self：链接 self 绕回自身，无法打开",
        "已跳过 {docs}/sub/up：链接指向已读过的文件夹 {docs}，不再重复读取",
        "错误：{docs}/gone.txt：链接指向的 ../nowhere.txt 不存在",
    ],
    "en": [
        "skipped {docs}/paper.pptx: unsupported type (only .txt .md .pdf .docx .html .htm .xhtml .epub are ingested)",
        "skipped {docs}/self: a link (self) that goes round a loop of links",
        "skipped {docs}/sub/up: a link to {docs}, a folder already read; not read again",
        "error: {docs}/gone.txt: a link to ../nowhere.txt, which does not exist",
    ],
}
SUMMARY = {None: "新增 1，更新 0，未变 0，另跳过 3，失败 1", "en": "1 added, 0 updated, 0 unchanged, 3 other(s) skipped, 1 failed"}


@pytest.mark.parametrize("language", [None, "en"])
def test_a_messy_folder_ingests_its_document_and_names_everything_else_with_its_reason(tmp_path, language):
    docs = _messy_folder(tmp_path)
    done = _qa(tmp_path / "store", "ingest", str(docs), language=language)
    assert done.stderr.splitlines() == [line.format(docs=docs) for line in EXPECTED[language]]
    assert done.stdout.startswith(SUMMARY[language])
    assert done.returncode == 0  # something was ingested, and what was not is named
    assert _documents(tmp_path / "store") == ["docs/good.md"]


def test_files_of_other_types_and_links_to_folders_already_read_are_skipped_without_failing(tmp_path):
    docs = tmp_path / "docs"
    (docs / "deep").mkdir(parents=True)
    (docs / "good.md").write_text(GOOD, encoding="utf-8")
    (docs / "deep" / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (docs / "deep" / "again").symlink_to(docs)
    done = _qa(tmp_path / "store", "ingest", str(docs))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"已跳过 {docs}/deep/again：链接指向已读过的文件夹 {docs}，不再重复读取",
        f"已跳过 {docs}/deep/sheet.xlsx：不支持的文件类型（只导入 .txt .md .pdf .docx .html .htm .xhtml .epub）",
    ]
    assert _documents(tmp_path / "store") == ["docs/good.md"]


def test_a_folder_reached_by_a_link_is_read_once_under_its_own_name(tmp_path):
    docs = tmp_path / "docs"
    (docs / "real").mkdir(parents=True)
    (docs / "real" / "a.md").write_text(GOOD, encoding="utf-8")
    (docs / "also").symlink_to("real")
    done = _qa(tmp_path / "store", "ingest", str(docs), language="en")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"skipped {docs}/also: a link to {docs}/real, a folder already read; not read again"]
    assert _documents(tmp_path / "store") == ["docs/real/a.md"]


def test_folders_that_cannot_be_read_are_named_once_and_the_rest_is_ingested(tmp_path, obeying_permissions):
    prefix = obeying_permissions
    docs, locked = tmp_path / "docs", tmp_path / "locked"
    (docs / "secret").mkdir(parents=True)
    locked.mkdir()
    (docs / "good.md").write_text(GOOD, encoding="utf-8")
    (docs / "secret" / "hidden.md").write_text("秘密会议于10月1日举行。\n", encoding="utf-8")
    (docs / "secret").chmod(0)
    locked.chmod(0)
    try:
        done = _qa(tmp_path / "store", "ingest", str(docs), str(locked), prefix=prefix)
    finally:
        (docs / "secret").chmod(0o755)
        locked.chmod(0o755)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"错误：{docs}/secret：无法读取这个文件夹，里面的文件没有导入",
                                        f"错误：{locked}：无法读取这个文件夹，里面的文件没有导入"]
    assert _documents(tmp_path / "store") == ["docs/good.md"]


# ---------------------------------------------------------------- each message of qa/index.py, in both languages

MESSAGES = {
    "zh": {
        "missing": "{tmp}/nope.txt：没有这个文件或文件夹",
        "no_documents": "{tmp}/empty：这个文件夹里没有能导入的文件（.txt .md .pdf .docx .html .htm .xhtml .epub）",
        "too_large": "{tmp}/big.txt：文件太大（2.4 KB，上限是 1 KB）",
        "no_text": "blank.txt：文件里没有文字",
        "empty": "{tmp}/empty.txt：文件是空的",
        "binary": "{tmp}/photo.txt：看起来是二进制文件，不是文本",
        "undecodable": "{tmp}/latin.txt：无法识别文件编码（支持 UTF-8、UTF-16、GB18030/GBK、Big5）",
        "dangling_link": "{tmp}/gone.md：链接指向的 nowhere.md 不存在",
    },
    "en": {
        "missing": "{tmp}/nope.txt: no such file or folder",
        "no_documents": "{tmp}/empty: nothing in this folder can be ingested (.txt .md .pdf .docx .html .htm .xhtml .epub)",
        "too_large": "{tmp}/big.txt: the file is 2.4 KB, over the 1 KB limit",
        "no_text": "blank.txt: the file has no text",
        "empty": "{tmp}/empty.txt: the file is empty",
        "binary": "{tmp}/photo.txt: this looks like a binary file, not text",
        "undecodable": "{tmp}/latin.txt: cannot decode the file as UTF-8, UTF-16, GB18030/GBK or Big5",
        "dangling_link": "{tmp}/gone.md: a link to nowhere.md, which does not exist",
    },
}


def _problem_files(tmp: Path) -> list[Path]:
    (tmp / "empty").mkdir()
    (tmp / "big.txt").write_text("会议" * 400, encoding="utf-8")
    (tmp / "blank.txt").write_text("\u200b\u200b\u200b", encoding="utf-8")
    (tmp / "empty.txt").write_bytes(b"  \n")
    (tmp / "photo.txt").write_bytes(b"\x00\x01\x02\x03PK\x03\x04" * 100)
    (tmp / "latin.txt").write_bytes(bytes(range(128, 256)) * 4)
    (tmp / "gone.md").symlink_to("nowhere.md")
    return [tmp / name for name in ("nope.txt", "empty", "big.txt", "blank.txt", "empty.txt", "photo.txt", "latin.txt", "gone.md")]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_problem_index_finds_has_a_code_and_a_message_in_the_interface_language(tmp_path, language):
    engine = Engine(Settings(vectorstore=tmp_path / "store", default_documents=(), embedding_model="hash",
                             max_file_bytes=1000, language=language), embeddings=HashEmbeddings())
    report = engine.ingest(_problem_files(tmp_path))
    codes = {report.error_codes[path]: message for path, message in report.errors}
    assert codes == {code: text.format(tmp=tmp_path) for code, text in MESSAGES[language].items()}
    assert engine.documents() == []


@pytest.mark.parametrize("language, message", [
    ("zh", "的索引是用别的设置建立的（embedding_model：索引是 'hash/char-ngrams-256'，设置要求 'use/multilingual-v3'）"),
    ("en", "was built with other settings (embedding_model: index has 'hash/char-ngrams-256', settings ask for 'use/multilingual-v3')"),
])
def test_an_index_built_with_other_settings_says_so_in_the_interface_language(tmp_path, language, message):
    from qa.embeddings import load_embeddings

    store = tmp_path / "store"
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    Engine(Settings(vectorstore=store, embedding_model="hash", default_documents=()), embeddings=HashEmbeddings()).ingest([good])
    with pytest.raises(IndexMismatchError) as err:
        Engine(Settings(vectorstore=store, embedding_model="use", default_documents=(), language=language),
               embeddings=load_embeddings("use")).index
    assert message in str(err.value) and "qa rebuild" in str(err.value) and "\n" not in str(err.value)
