"""Documents as people have them, through the real engine and the `qa` command: questions
whose answers sit on a known PDF page, in a table cell, in an EPUB's second chapter or
under a Word heading are answered with that page or section and the answer's span
highlighted; a file that cannot be read is named in one line and the index keeps what it
had; a folder of every format is ingested whole, what is not a document named."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Engine, Settings
from qa.embeddings import HashEmbeddings
from qa.text import fold

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
GOOD_FILES = ("report.pdf", "traditional.pdf", "report.docx", "news.html", "book.epub")
HAS_OCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None
NEEDS_OCR = pytest.mark.skipif(not HAS_OCR, reason="the ocr extra is not installed (pip install -e '.[ocr]'; .ci/run installs it)")


def _engine(store: Path, **settings) -> Engine:
    return Engine(Settings(vectorstore=store, embedding_model="hash", default_documents=(), **settings), embeddings=HashEmbeddings())


def _folder(root: Path, names=GOOD_FILES) -> Path:
    folder = root / "papers"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(DOCUMENTS / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("documents")
    engine = _engine(root / "store")
    report = engine.ingest([_folder(root)])
    assert report.errors == [] and len(report.added) == len(GOOD_FILES)
    return engine


def _check(engine: Engine, question: str, concise: str, doc_id: str, page=None, section=""):
    """The answer holds ``concise``, its source names the place, and the highlighted span
    is the answer, in the passage and in the document's stored text."""
    answer = engine.ask(question)
    assert not answer.abstained and concise in answer.concise, answer.answer
    source, citation = answer.sources[0], answer.citations[0]
    assert (source.doc_id, source.page, source.section) == (doc_id, page, section)
    assert (citation.page, citation.section) == (page, section)
    # The answer is in the question's script, the document keeps its own.
    assert fold(source.text[slice(*source.highlight)]) == fold(answer.concise)
    assert fold(engine.index.raw_text(doc_id)[citation.start : citation.end]) == fold(answer.concise)
    return answer


def test_an_answer_on_the_second_page_of_a_pdf_cites_that_page(engine):
    answer = _check(engine, "柳岸湿地公园占地多少公顷？", "八十六公顷", "papers/report.pdf", page=2)
    assert answer.sources[0].place() == "papers/report.pdf 第2页"


def test_an_answer_in_a_pdf_table_cell_comes_from_its_row_on_its_page(engine):
    answer = _check(engine, "东湖大桥的投资金额是多少？", "十二亿元", "papers/report.pdf", page=3)
    assert "东湖大桥 | 十二亿元" in answer.support


def test_an_answer_in_the_second_chapter_of_an_epub_names_the_chapter(engine):
    _check(engine, "守塔人老周每天几点点灯？", "六点半", "papers/book.epub", section="第二章 灯塔")


def test_an_answer_in_a_word_table_names_the_headings_above_it(engine):
    answer = _check(engine, "柳湾村的集体收入是多少？", "八十五万元", "papers/report.docx", section="第二章 产业发展 > 2.2 收入")
    assert answer.sources[0].place() == "papers/report.docx · 第二章 产业发展 > 2.2 收入"


def test_a_traditional_chinese_pdf_answers_a_question_in_simplified(engine):
    _check(engine, "台南市立图书馆馆藏图书约多少册？", "六十万册", "papers/traditional.pdf", page=1)


def test_a_saved_news_page_answers_from_its_article(engine):
    answer = engine.ask("云溪县城乡公交环线全长多少公里？")
    assert answer.concise == "四十六公里" and answer.sources[0].doc_id == "papers/news.html"


def test_a_pdf_is_removed_by_its_id_or_its_path(tmp_path):
    engine = _engine(tmp_path / "store")
    folder = _folder(tmp_path, ("report.pdf", "book.epub"))
    engine.ingest([folder])
    assert engine.remove(str(folder / "report.pdf")) > 0
    assert [d.doc_id for d in engine.documents()] == ["papers/book.epub"]
    engine.ingest([folder])
    assert engine.remove("papers/report.pdf") > 0


def test_rebuild_keeps_pages_and_sections_without_the_files(tmp_path):
    from qa.index import rebuild

    folder = _folder(tmp_path, ("report.pdf", "book.epub"))
    _engine(tmp_path / "store").ingest([folder])
    shutil.rmtree(folder)
    report = rebuild(Settings(vectorstore=tmp_path / "store", embedding_model="hash", default_documents=()), HashEmbeddings())
    assert sorted(report.added) == ["papers/book.epub", "papers/report.pdf"]
    engine = _engine(tmp_path / "store")
    _check(engine, "东湖大桥的投资金额是多少？", "十二亿元", "papers/report.pdf", page=3)
    _check(engine, "守塔人老周每天几点点灯？", "六点半", "papers/book.epub", section="第二章 灯塔")


# ---------------------------------------------------------------- bad input loses nothing


def _bad_files(folder: Path) -> dict[str, tuple[str, str]]:
    """name -> (code, what its message says); files that cannot be ingested."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DOCUMENTS / "encrypted.pdf", folder / "encrypted.pdf")
    shutil.copy(DOCUMENTS / "scanned.pdf", folder / "scanned.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    (folder / "lies.txt").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 2)
    (folder / "memo.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (folder / "cut.docx").write_bytes((DOCUMENTS / "report.docx").read_bytes()[:3000])
    return {
        "encrypted.pdf": ("pdf_encrypted", "PDF 有密码保护，无法读取"),
        "scanned.pdf": ("scanned", "第1页是扫描图像，没有文字层；安装 OCR 扩展"),
        "broken.pdf": ("corrupt", "不是有效的 PDF 文件"),
        "lies.txt": ("corrupt", "不是有效的 PDF 文件"),
        "memo.doc": ("doc_legacy", "另存为 .docx"),
        "cut.docx": ("corrupt", "不是有效的 Word 文件"),
    }


def test_each_file_that_cannot_be_read_is_named_in_one_line_and_the_index_keeps_what_it_had(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the ocr extra were not installed
    engine = _engine(tmp_path / "store")
    engine.ingest([DOCUMENTS / "report.pdf"])
    before = [(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], engine.index.count()
    expected = _bad_files(tmp_path / "bad")
    report = engine.ingest([tmp_path / "bad" / name for name in expected])
    assert report.added == [] and report.updated == []
    found = {Path(path).name: (report.error_codes[path], message) for path, message in report.errors}
    assert set(found) == set(expected)
    for name, (code, words) in expected.items():
        assert found[name][0] == code
        assert found[name][1].startswith(f"{tmp_path}/bad/{name}：") and words in found[name][1]
        assert "\n" not in found[name][1]
    assert ([(d.doc_id, d.sha256, d.chunks) for d in engine.documents()], engine.index.count()) == before
    assert engine.ask("东湖大桥的投资金额是多少？").concise == "十二亿元"


@NEEDS_OCR
def test_with_the_ocr_extra_a_scanned_pdf_is_answered_from_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = _engine(tmp_path / "store")
    report = engine.ingest([DOCUMENTS / "scanned.pdf"])
    assert report.added == ["scanned.pdf"]
    assert [Path(p).name for p, _ in report.notes] == ["scanned.pdf"] and "OCR" in report.notes[0][1]
    answer = engine.ask("白沙港去年集装箱吞吐量是多少？")
    assert "三百二十万" in answer.concise and answer.sources[0].page == 1


# ---------------------------------------------------------------- the qa command


def _qa(store: Path, *args: str, language: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_VECTORSTORE": str(store), "QA_EMBEDDING_MODEL": "hash", "QA_DEFAULT_DOCUMENTS": "",
           "PYTHONPATH": str(ROOT)}
    env.pop("QA_LANGUAGE", None)
    if language:
        env["QA_LANGUAGE"] = language
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def test_a_folder_of_every_format_is_ingested_and_what_is_not_a_document_is_named(tmp_path):
    folder = _folder(tmp_path)
    (folder / "notes.md").write_text("# 备忘\n周五下午三点开会。\n", encoding="utf-8")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    (folder / "memo.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    done = _qa(tmp_path / "store", "ingest", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"已跳过 {folder}/memo.doc：这是旧版 Word 文件（.doc），无法直接读取；请在 Word 或 LibreOffice 中另存为 .docx 后再导入",
        f"已跳过 {folder}/photo.jpg：不支持的文件类型（只导入 .txt .md .pdf .docx .html .htm .xhtml .epub）",
    ]
    assert done.stdout.startswith("新增 6，更新 0，未变 0，另跳过 2")
    asked = _qa(tmp_path / "store", "ask", "东湖大桥的投资金额是多少？")
    assert asked.returncode == 0 and "十二亿元" in asked.stdout
    assert "[1] papers/report.pdf 第3页 #" in asked.stdout
    found = _qa(tmp_path / "store", "search", "守塔人老周", language="en")
    assert "papers/book.epub · 第二章 灯塔 #" in found.stdout
    removed = _qa(tmp_path / "store", "remove", str(folder / "report.pdf"))
    assert removed.returncode == 0, removed.stderr


def test_a_folder_of_only_unusable_files_fails_and_names_each(tmp_path):
    folder = tmp_path / "bad"
    expected = _bad_files(folder)
    (folder / "scanned.pdf").unlink()  # readable when the ocr extra is installed
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    done = _qa(tmp_path / "store", "ingest", str(folder), language="en")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    named = {re.search(r"/bad/([^/:]+): ", line).group(1) for line in lines}
    assert named == set(expected) - {"scanned.pdf"} | {"slides.pptx"}
    assert done.stdout.startswith("0 added")
    assert all(line.startswith(("error: ", "skipped ", "note: ")) for line in lines)
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- the default model, end to end


@pytest.mark.slow
def test_the_default_model_answers_from_a_pdf_table_and_an_epub_chapter_with_their_places(tmp_path):
    engine = Engine(Settings(vectorstore=tmp_path / "store", default_documents=()))
    engine.ingest([_folder(tmp_path, ("report.pdf", "book.epub", "report.docx"))])
    _check(engine, "东湖大桥的投资金额是多少？", "十二亿元", "papers/report.pdf", page=3)
    _check(engine, "柳岸湿地公园占地多少公顷？", "八十六公顷", "papers/report.pdf", page=2)
    _check(engine, "守塔人老周每天几点点灯？", "六点半", "papers/book.epub", section="第二章 灯塔")
