"""Each format's loader (qa/loaders) on files made by the tools people make them with
(tests/fixtures/documents/make.py): the text comes out whole and in order, each part
knows its page or section, and a file that cannot be read says why in one line."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from qa import loaders
from qa.messages import use_language
from qa.text import DocumentError

DOCUMENTS = Path(__file__).resolve().parent / "fixtures" / "documents"
ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_documents", DOCUMENTS / "make.py")
made = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(made)


def _load(name: str, as_name: str | None = None) -> loaders.Loaded:
    return loaders.load((DOCUMENTS / name).read_bytes(), as_name or name)


def _piece_at(loaded: loaders.Loaded, needle: str) -> loaders.Piece:
    at = loaded.text.index(needle)
    return next(p for p in loaded.pieces if p.start <= at < p.end)


def _refusal(data: bytes, name: str) -> DocumentError:
    with pytest.raises(DocumentError) as err:
        loaders.load(data, name)
    assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    return err.value


# ---------------------------------------------------------------- PDF


def test_a_pdf_gives_every_paragraph_whole_on_its_page_without_spaces_inside_chinese_lines():
    loaded = _load("report.pdf")
    for number, paragraphs in enumerate(made.REPORT_PAGES, 1):
        for paragraph in filter(None, paragraphs):
            assert paragraph in loaded.text  # lines the PDF broke are joined again, with nothing between
            assert _piece_at(loaded, paragraph).page == number
    assert [p.page for p in loaded.pieces] == [1, 2, 3, 4]


def test_a_pdf_running_header_and_page_numbers_are_dropped_from_every_page():
    text = _load("report.pdf").text
    assert made.HEADER not in text
    assert "页，共" not in text


def test_a_pdf_table_keeps_its_rows_with_their_cells_apart():
    lines = _load("report.pdf").text.splitlines()
    for row in made.TABLE:
        assert " | ".join(row) in lines


def test_a_table_printed_by_a_browser_keeps_its_cells_apart_though_no_space_separates_them():
    import re

    lines = _load("browser.pdf").text.splitlines()
    rows = re.findall(r"<tr>(.*?)</tr>", made.BROWSER_PAGE)
    for row in rows:
        assert " | ".join(re.findall(r"<td>(.*?)</td>", row)) in lines
    assert "自十二月一日起，本市调整三条公交线路。" in lines  # prose keeps no such marks


def test_a_traditional_chinese_pdf_keeps_its_script():
    loaded = _load("traditional.pdf")
    for paragraph in made.TRADITIONAL:
        assert paragraph in loaded.text


def test_a_pdf_named_txt_is_read_as_the_pdf_it_is():
    assert _load("report.pdf", as_name="report.txt").text == _load("report.pdf").text


@pytest.mark.parametrize("language, message", [
    ("zh", "broken.pdf：不是有效的 PDF 文件（可能已损坏或不完整）"),
    ("en", "broken.pdf: not a valid PDF file (it may be damaged or incomplete)"),
])
def test_bytes_that_start_like_a_pdf_but_are_not_one_are_called_a_broken_pdf(language, message):
    use_language(language)
    error = _refusal(b"%PDF-1.7\n" + "这不是 PDF 的内容".encode() * 3, "broken.pdf")
    assert (str(error), error.code) == (message, "corrupt")
    assert _refusal(b"%PDF-1.4\n" + bytes(range(256)), "notes.txt").code == "corrupt"


def test_a_password_protected_pdf_is_refused_with_the_way_out():
    error = _refusal((DOCUMENTS / "encrypted.pdf").read_bytes(), "encrypted.pdf")
    assert error.code == "pdf_encrypted" and "密码" in str(error)


def test_a_scanned_pdf_without_the_ocr_extra_names_its_pages_and_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the extra were not installed
    error = _refusal((DOCUMENTS / "scanned.pdf").read_bytes(), "scanned.pdf")
    assert error.code == "scanned"
    assert str(error) == "scanned.pdf：第1页是扫描图像，没有文字层；安装 OCR 扩展（pip install -e '.[ocr]'）后可识别"


def test_page_numbers_are_shown_as_ranges_in_either_language():
    from qa.loaders.pdf import page_list

    assert page_list([3, 4, 5, 8]) == "第3-5、8页"
    use_language("en")
    assert page_list([3, 4, 5, 8]) == "pp. 3-5, 8"
    assert page_list([2]) == "p. 2"


@pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None,
                    reason="the ocr extra is not installed (pip install -e '.[ocr]'; .ci/run installs it)")
def test_with_the_ocr_extra_a_scanned_page_is_read_and_said_to_be():
    loaded = _load("scanned.pdf")
    assert "".join(made.SCANNED) in loaded.text
    assert [p.page for p in loaded.pieces] == [1]
    assert loaded.notes == ["scanned.pdf：第1页是扫描图像，文字由 OCR 识别，可能有错字"]


# ---------------------------------------------------------------- Word


def test_a_word_file_gives_headings_paragraphs_and_table_rows_in_order_with_their_sections():
    loaded = _load("report.docx")
    order = ["第一章 基本情况", "河口镇辖十二个行政村", "2.1 试点", "今年河口镇选择三个村", "村名 | 集体收入 | 主要来源",
             "柳湾村 | 八十五万元 | 柑橘合作社", "第三章 下一步打算"]
    assert [loaded.text.index(s) for s in order] == sorted(loaded.text.index(s) for s in order)
    assert _piece_at(loaded, "今年河口镇").section == "第二章 产业发展 > 2.1 试点"
    assert _piece_at(loaded, "柳湾村").section == "第二章 产业发展 > 2.2 收入"
    assert _piece_at(loaded, "明年将新建").section == "第三章 下一步打算"
    assert all(p.page is None for p in loaded.pieces)


def test_an_old_word_file_is_asked_to_be_saved_as_docx():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    assert _refusal(ole, "旧报告.doc").code == "doc_legacy"
    assert loaders.refusal("旧报告.doc") == "doc_legacy" and not loaders.is_supported("旧报告.doc")


def test_a_broken_word_file_is_called_one():
    error = _refusal(b"PK\x03\x04 not really a zip", "report.docx")
    assert error.code == "corrupt" and "Word" in str(error)


# ---------------------------------------------------------------- web pages


def test_a_saved_news_page_gives_its_title_date_and_article_without_navigation_scripts_or_comments():
    loaded = _load("news.html")
    lines = loaded.text.splitlines()
    assert lines[0] == "云溪县开通首条城乡公交环线"
    assert "2025-04-18" in loaded.text
    assert "票价统一为两元" in loaded.text and "李大姐" in loaded.text
    for noise in ("晨光网首页", "财经频道", "广告位招商", "统计代码", "编辑后台备注", "相关阅读", "版权所有", "邻县推出"):
        assert noise not in loaded.text


# ---------------------------------------------------------------- EPUB


def test_an_epub_gives_its_chapters_in_spine_order_each_under_its_title():
    loaded = _load("book.epub")
    assert loaded.text.index("第一章 小镇") < loaded.text.index("海湾小镇") < loaded.text.index("第二章 灯塔") < loaded.text.index("老周")
    assert _piece_at(loaded, "海湾小镇").section == "第一章 小镇"
    assert _piece_at(loaded, "守塔人老周").section == "第二章 灯塔"
    assert "目录" not in loaded.text  # the table of contents is not a chapter


def test_an_epub_named_zip_is_still_read_as_an_epub():
    assert _load("book.epub", as_name="book.zip").text == _load("book.epub").text


# ---------------------------------------------------------------- text and Markdown


def test_text_is_kept_exactly_as_decoded_and_markdown_headings_give_sections():
    text = "# 总则\n第一条 内容。\n## 细则\n第二条 内容。\n# 附则\n第三条 内容。\n"
    loaded = loaders.load(text.encode("gb18030"), "规定.md")
    assert loaded.text == text
    assert _piece_at(loaded, "第二条").section == "总则 > 细则"
    assert _piece_at(loaded, "第三条").section == "附则"
    assert loaders.load(text.encode(), "规定.txt").pieces == []


# ---------------------------------------------------------------- the table


def test_every_format_in_the_table_has_a_loader_and_is_documented():
    documented = (ROOT / "docs" / "documents.md").read_text(encoding="utf-8")
    for fmt in loaders.FORMATS:
        assert callable(importlib.import_module(f"qa.loaders.{fmt.name}").load)
        for suffix in fmt.suffixes:
            assert f"`{suffix}`" in documented
    assert set(loaders.SUFFIXES) >= {".txt", ".md", ".pdf", ".docx", ".html", ".epub"}


def test_loading_a_text_file_imports_no_parsing_library():
    import subprocess

    code = ("import sys; from qa import loaders; loaders.load('会议于9月7日举行。'.encode(), 'a.txt'); "
            "print(sorted(m for m in ('pypdfium2', 'docx', 'trafilatura', 'lxml') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "[]", done.stderr


def test_a_zip_that_is_neither_word_nor_epub_is_not_taken_for_either():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n")
    assert loaders.sniff(buffer.getvalue(), "x.txt").name == "text"
    assert _refusal(buffer.getvalue(), "x.txt").code == "binary"
