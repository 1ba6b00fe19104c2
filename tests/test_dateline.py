"""Questions after who published a report get the source its dateline gives (qa/dateline.py)."""

from __future__ import annotations

import pytest

from qa import dateline
from qa.retrieval import Passage


def _passage(text: str, chunk_index: int = 0) -> Passage:
    return Passage(chunk_id=f"doc.txt:{chunk_index}", doc_id="doc.txt", text=text, start=0, end=len(text),
                   chunk_index=chunk_index, score=1.0, dense_score=None, bm25_score=None)


@pytest.mark.parametrize("question", ["这条新闻是哪家媒体发的？", "這篇報道的來源是哪裡？", "这篇文章出自哪个网站？",
                                      "消息来源是什么？", "这则新闻是谁发布的？", "Which news agency reported this?",
                                      "Who published this article?", "這篇報導是哪家媒體發的？",
                                      "這則消息的發稿媒體是哪家？"])
def test_questions_after_the_reports_publisher_ask_for_the_source(question):
    assert dateline.asks_source(question)


@pytest.mark.parametrize("question", ["这个通知是谁发的？", "会议是谁主持的？", "新闻发布会在哪里举行？", "文件来自哪个部门？",
                                      "哪家报纸报道了这起事故？", "林俊贤是哪个电视台的当家小生？", "Who spoke at the meeting?",
                                      "Which newspaper covered the accident?"])
def test_questions_about_what_the_report_tells_do_not(question):
    assert not dateline.asks_source(question)


@pytest.mark.parametrize("text, source", [
    ("新华社武汉10月18日电 10月18日上午，白沙洲二号大桥正式通车。", "新华社"),
    ("中國質量新聞網消息 9月7日下午,蘇州市召開動員會議。", "中國質量新聞網"),
    ("人民网北京3月2日电（记者 王明）国务院常务会议2日召开。", "人民网"),
    ("据新华社报道，会议于昨日闭幕。", "新华社"),
])
def test_the_source_is_read_off_the_dateline_in_either_script(text, source):
    p, start, end = dateline.source_in([_passage("会议强调，要加快淘汰落后产能。", 3), _passage(text)])
    assert p == 1 and text[start:end] == source


@pytest.mark.parametrize("passage", [
    _passage("本报讯 3月5日下午，市政府召开全市安全生产工作会议。"),  # "this paper" names no one
    _passage("会议指出，要坚持优先发展公共交通。"),  # an opening without a dateline
    _passage("新华社记者在现场看到，大桥已经通车。", 2),  # not the document's opening
])
def test_no_source_is_made_up_where_no_dateline_names_one(passage):
    assert dateline.source_in([passage]) is None
