"""Cleaning, decoding, folding and splitting: the text layer under everything."""

import pytest

from qa.chunking import chunk_text, split_sentences
from qa.text import DocumentError, clean, decode_bytes, fold, script_of

from .conftest import ARTICLE


def test_ruby_annotations_are_removed_and_real_parentheticals_survive():
    raw = "貫徹落實國務院《質(zhì)量發(fā)展綱要(2011-2020年)》,標(biāo)準(zhǔn)化(AI)試點"
    assert clean(raw).text == "貫徹落實國務院《質量發展綱要(2011-2020年)》,標準化(AI)試點"


def test_article_has_no_pinyin_left_after_cleaning():
    text = clean(ARTICLE.read_text(encoding="utf-8")).text
    assert "(zh" not in text and "(biāo)" not in text
    assert "《質量發展綱要(2011-2020年)》" in text
    assert "質量強市" in text


def test_clean_positions_point_back_into_the_raw_text():
    raw = "質(zhì)量  強市\r\n\r\n\r\n標(biāo)準"
    cleaned = clean(raw)
    for i, ch in enumerate(cleaned.text):
        assert raw[cleaned.positions[i]] == ch or ch == " "
    start, end = cleaned.raw_span(0, 2)
    assert clean(raw[start:end]).text == cleaned.text[:2]


def test_fold_maps_scripts_and_widths_without_changing_length():
    text = "蘇州市１２月３１日召開會議，ＡＢＣ"
    folded = fold(text)
    assert folded == "苏州市12月31日召开会议,abc"
    assert len(folded) == len(text)


@pytest.mark.parametrize(
    "question, script",
    [("誰在會上作了重要講話？", "hant"), ("谁在会上作了重要讲话？", "hans"), ("Who spoke at the meeting?", "en")],
)
def test_script_of_question(question, script):
    assert script_of(question) == script


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16"])
def test_decoding_common_chinese_encodings(encoding):
    text = "蘇州市召開全市推進質量強市動員會議，國家標準委主任出席會議。" if encoding == "big5" else "苏州市召开全市推进质量强市动员会议，国家标准委主任出席会议。"
    assert decode_bytes(text.encode(encoding)) == text


@pytest.mark.parametrize(
    "data, code, message",
    [(b"", "empty", "文件是空的"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20, "binary", "二进制"),
     (bytes(range(128, 256)) * 8, "undecodable", "无法识别文件编码")],
)
def test_undecodable_or_binary_input_is_refused_with_a_message(data, code, message):
    with pytest.raises(DocumentError) as err:
        decode_bytes(data, "bad.txt")
    assert "bad.txt" in str(err.value)
    assert err.value.code == code and message in str(err.value)


def test_sentences_keep_their_punctuation_and_cut_order():
    text = "他说：“好！”然后走了。第二句；分句，逗号,ASCII逗号 1,000 元。"
    pieces = [text[s.start : s.end] for s in split_sentences(text)]
    assert pieces[0] == "他说：“好！”"
    assert pieces[1] == "然后走了。"
    long = "甲" * 30 + "，" + "乙" * 30 + "；" + "丙" * 30 + "。"
    cut = [long[s.start : s.end] for s in split_sentences(long, max_len=40)]
    assert all(len(p) <= 40 for p in cut)
    assert cut[0].endswith("，") or cut[0].endswith("；")


def test_chunks_respect_size_and_cover_the_text():
    text = clean(ARTICLE.read_text(encoding="utf-8")).text
    chunks = chunk_text(text, chunk_size=120, chunk_overlap=30)
    assert all(len(c.text) <= 120 for c in chunks)
    covered = set()
    for c in chunks:
        assert text[c.start : c.end] == c.text
        covered.update(range(c.start, c.end))
    body = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert body <= covered
