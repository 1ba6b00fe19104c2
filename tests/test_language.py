"""One language at a time: Chinese by default, English with QA_LANGUAGE=en, for the
page (through its API; tests/test_ui_browser.py looks at it in the browser), the qa
command's messages and errors, and the labels around answers (qa/messages.py)."""

from __future__ import annotations

import json
import os
import string
import subprocess
import urllib.request
from pathlib import Path

import pytest

from qa.messages import TABLES, t, use_language
from qa.settings import Settings, SettingsError
from tests.ui_server import ROOT, qa_command, running_app

FAST = {"QA_EMBEDDING_MODEL": "hash", "QA_BACKEND": "rules"}  # about the words around answers, not answers


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_string_with_the_same_placeholders():
    chinese = TABLES["zh"]
    for language, table in TABLES.items():
        assert table.keys() == chinese.keys(), language
        for key, text in table.items():
            assert placeholders(text) == placeholders(chinese[key]), (language, key)


def test_the_language_setting_is_zh_or_en():
    assert Settings().language == "zh"
    assert Settings(language="en").language == "en"
    with pytest.raises(SettingsError, match="zh, en"):
        Settings(language="fr")


def test_t_speaks_the_language_in_use(monkeypatch):
    assert t("answer.source_label") == "原文："
    monkeypatch.setenv("QA_LANGUAGE", "en")
    assert t("answer.source_label") == "Source: "
    use_language("zh")  # what an entry point does with its settings: stronger than the environment
    assert t("question.empty").startswith("问题是空的")


# ---------------------------------------------------------------- labels around answers


def engine_in(language: str, tmp_path: Path):
    from qa import Engine

    return Engine(Settings(vectorstore=tmp_path / language, embedding_model="hash", backend="rules", language=language))


@pytest.mark.parametrize("language, label, refusal", [
    ("zh", "原文：", "文中没有提到这个问题的答案。"),
    ("en", "Source: ", "The documents do not contain the answer to this question."),
])
def test_answer_labels_follow_the_interface_language_not_the_question(tmp_path, language, label, refusal):
    engine = engine_in(language, tmp_path)
    answer = engine.ask("这次动员会是哪天召开的？")
    assert answer.concise == "9月7日下午" and answer.answer.startswith(f"9月7日下午\n\n{label}")
    assert engine.ask("这次会议的预算是多少钱？").answer == refusal
    other_label = "Source: " if language == "zh" else "原文："
    assert other_label not in engine.ask("When was the meeting held?").answer


def test_refusals_of_a_traditional_question_are_in_its_script(tmp_path):
    engine = engine_in("zh", tmp_path)
    assert engine.ask("這次會議的預算是多少錢？").answer == "文中沒有提到這個問題的答案。"


def test_notices_of_a_failing_language_model_follow_the_interface_language():
    from qa.llm import describe_failure

    settings = Settings(llm_timeout=1)
    assert describe_failure(TimeoutError(), settings) == "语言模型服务超过 1 秒没有响应"
    use_language("en")
    assert describe_failure(TimeoutError(), settings) == "the language model server did not answer within 1 s"


# ---------------------------------------------------------------- the qa command


def run_qa(tmp_path: Path, *args: str, language: str | None = None) -> subprocess.CompletedProcess:
    config = tmp_path / "qa.toml"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(FAST, QA_CONFIG=str(config), QA_VECTORSTORE=str(tmp_path / "vectorstore"))
    if language:
        env["QA_LANGUAGE"] = language
    return subprocess.run([*qa_command(), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("language, no_document, empty_question, binary", [
    (None, "错误：没有名为 nope.txt 的文档。", "错误：问题是空的", "看起来是二进制文件"),
    ("en", "error: no such document: nope.txt", "error: The question is empty", "this looks like a binary file"),
])
def test_cli_errors_speak_the_interface_language(tmp_path, language, no_document, empty_question, binary):
    removed = run_qa(tmp_path, "remove", "nope.txt", language=language)
    assert removed.returncode == 1 and removed.stderr.strip() == no_document
    asked = run_qa(tmp_path, "ask", "   ", language=language)
    assert asked.returncode == 1 and asked.stderr.startswith(empty_question) and "Traceback" not in asked.stderr
    scan = tmp_path / "scan.txt"
    scan.write_bytes(bytes(range(256)) * 8)
    ingested = run_qa(tmp_path, "ingest", str(scan), language=language)
    assert ingested.returncode == 1 and binary in ingested.stderr and str(scan) in ingested.stderr


def test_an_unknown_language_is_one_line(tmp_path):
    done = run_qa(tmp_path, "info", language="fr")
    assert done.returncode == 1 and "language must be one of zh, en" in done.stderr and "Traceback" not in done.stderr


def test_qa_info_speaks_english_with_qa_language_en(tmp_path):
    done = run_qa(tmp_path, "info", language="en")
    assert done.returncode == 0 and "documents:  1, chunks:" in done.stdout and "article.txt" in done.stdout
    assert "文档" not in run_qa(tmp_path, "info", language="en").stdout
    assert "文档：" in run_qa(tmp_path, "info").stdout


def test_qa_eval_names_the_knowledge_base_and_its_documents(tmp_path):
    questions = tmp_path / "questions.jsonl"
    rows = [{"id": "q1", "question": "这次动员会是哪天召开的？", "answers": ["9月7日下午"]},
            {"id": "q2", "question": "这次会议的预算是多少钱？", "answers": []}]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    report = tmp_path / "report"
    done = run_qa(tmp_path, "eval", str(questions), "--report", str(report))
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("知识库："))
    assert line.startswith("知识库：default（") and str(tmp_path / "vectorstore") in line and "article.txt" in line
    meta = json.loads((report / "report.json").read_text(encoding="utf-8"))["meta"]
    assert meta["index"] == str(tmp_path / "vectorstore") and meta["documents"] == ["article.txt"]
    english = run_qa(tmp_path, "eval", str(questions), language="en")
    assert f"knowledge base: default ({tmp_path / 'vectorstore'}, collection documents), documents (1): article.txt" in english.stdout
    assert meta["kb"] == "default"


# ---------------------------------------------------------------- the page, through its API

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def english_app(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("english-page"), {**FAST, "QA_LANGUAGE": "en"}) as app:
        yield app


def test_the_english_page_has_english_labels_and_html_lang(english_app):
    with urllib.request.urlopen(english_app.url, timeout=10) as response:
        html = response.read().decode("utf-8")
    assert 'lang="en"' in html and '"Upload documents (.txt / .md / .pdf / .docx / .html / .htm / .xhtml / .epub; several at once)"' in html
    assert "Questions on Chinese documents" in html and "上传文档" not in html and "提问" not in html


def test_the_english_page_answers_errors_and_uploads_in_english(english_app, tmp_path):
    client = gradio_client.Client(english_app.url, verbose=False)
    with pytest.raises(gradio_client.exceptions.AppError, match="The question is empty"):
        client.predict("   ", 4, api_name="/ask")
    refused = client.predict("这次会议的预算是多少钱？", 4, api_name="/ask")
    assert refused["answer"] == "The documents do not contain the answer to this question."
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    status, *_ = client.predict([gradio_client.handle_file(str(binary))], api_name="/add_documents")
    assert "photo.txt: this looks like a binary file" in status and "passages embedded" in status
    job = client.submit("这次动员会是哪天召开的？", [], 4, "extractive", True, api_name="/chat")
    final_chat, _ = job.result(timeout=60)
    assert final_chat[-1]["metadata"]["title"].startswith("📄 Sources")
    assert "Index ready" in english_app.log() and "The page is running at" in english_app.log()
