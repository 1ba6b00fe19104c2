"""The chat page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Install the browser and fonts with .ci/install-browser.sh; never `playwright install`.
Screenshots go to artifacts/screenshots/. Without Chromium these tests skip, unless
QA_REQUIRE_BROWSER=1, when they fail.
"""

import contextlib
import os
from pathlib import Path

import pytest

from tests.ui_server import ROOT, running_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
# Uploads above this size must be refused on the page.
MAX_FILE_BYTES = 20_000

NEWS = (
    "新华社杭州3月5日电 杭州市西湖区今天上午举行春季植树活动，西湖区区长王明远带领三百多名志愿者在龙井村种下两千棵樟树。"
    "王明远表示，西湖区今年计划新增绿地一百二十公顷，并在全区建设十个口袋公园。\n"
)


def _require_browser():
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run .ci/install-browser.sh (Debian chromium + CJK font)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright (PyPI) is not installed"
    if reason and os.environ.get("QA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"QA_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app(browser, tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("ui-browser"), {"QA_MAX_FILE_BYTES": str(MAX_FILE_BYTES)}) as app:
        yield app


def open_page(browser, app, viewport, locale="zh-CN"):
    """A fresh page on the app, in a browser set to `locale`; remembers any request that
    leaves the app's server."""
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    page.outside_requests = []
    page.on("request", lambda r: None if r.url.startswith((app.url, "data:", "blob:")) else page.outside_requests.append(r.url))
    page.goto(app.url)
    page.locator("#qa-question textarea").wait_for()
    return page


@contextlib.contextmanager
def desktop_page(browser, app):
    """A desktop page on the app, closed after; it must fetch nothing from outside."""
    page = open_page(browser, app, DESKTOP)
    yield page
    assert page.outside_requests == [], "the page fetched something from outside"
    page.context.close()


@pytest.fixture
def page(browser, app):
    with desktop_page(browser, app) as page:
        yield page


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let opening panels finish their slide
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def answers(page):
    """The answer bubbles (the sources panels are separate bot messages)."""
    return page.locator('[data-testid="bot"]:not(:has(.thought-group))')


def ask(page, question):
    """Type a question, send it, wait for the finished answer (its sources panel); return the answer text."""
    panels = page.locator(".thought-group")
    before = panels.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    panels.nth(before).wait_for(timeout=30_000)
    # The finishing message re-renders the chat once more, closing opened panels.
    page.wait_for_timeout(300)
    return answers(page).last.inner_text()


def watch_streaming(page):
    """Record whether an unfinished answer (with the typing cursor) was ever shown."""
    page.evaluate(
        """() => { window.sawPartial = false;
        new MutationObserver(() => { if (document.querySelector('#qa-chat')?.innerText.includes('▍')) window.sawPartial = true; })
          .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )


def test_question_streams_an_answer_with_sources(page):
    from playwright.sync_api import expect

    watch_streaming(page)
    answer = ask(page, "哪幾位領導在會上作了講話和指示？")
    for name in ("周乃翔", "靳道強", "陳鋼"):
        assert name in answer
    assert page.evaluate("window.sawPartial"), "the answer did not stream in"
    assert page.locator("#qa-question textarea").input_value() == ""
    title = page.locator(".thought-group .title").last
    expect(title).to_contain_text("引用来源")
    title.click()
    passage = page.locator(".qa-source").first
    expect(passage).to_contain_text("article.txt")
    expect(passage.locator("mark")).to_be_visible()
    expect(passage).to_contain_text("得分")
    shoot(page, "chat-desktop")


def test_refusal_looks_different(page):
    from playwright.sync_api import expect

    ask(page, "这次会议的预算是多少钱？")
    refusal = page.locator(".qa-refusal").last
    expect(refusal).to_contain_text("文档中没有找到答案")
    assert refusal.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
    shoot(page, "refusal-desktop")


def test_example_question_is_asked_in_one_click(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="這次動員會是哪天開的？").click()
    expect(answers(page).last).to_contain_text("9月7日", timeout=30_000)
    expect(page.locator(".thought-group")).to_have_count(1)


def test_mobile_layout(browser, app):
    page = open_page(browser, app, MOBILE)
    try:
        ask(page, "会上一共有几家单位交流发言？")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= MOBILE["width"], f"the page scrolls sideways ({width}px)"
        shoot(page, "chat-mobile")
        page.get_by_role("tab", name="📚 文档").click()
        page.locator("#qa-doc-table").wait_for()
        shoot(page, "documents-mobile")
        assert page.outside_requests == []
    finally:
        page.context.close()


def upload(page, paths):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="📚 文档").click()
    page.locator("#qa-upload input[type=file]").set_input_files([str(p) for p in paths])
    # Each uploaded file gets a download link once the server has it.
    expect(page.locator('#qa-upload a[href*="gradio_api/file="]')).to_have_count(len(paths), timeout=15_000)
    page.locator("#qa-add").click()


def test_upload_ask_remove(page, tmp_path):
    from playwright.sync_api import expect

    news = tmp_path / "西湖植树.txt"
    news.write_text(NEWS, encoding="utf-8")
    upload(page, [news])
    expect(page.locator("#qa-doc-status")).to_contain_text("已添加：西湖植树.txt", timeout=30_000)
    expect(page.locator("#qa-doc-table")).to_contain_text("西湖植树.txt")
    shoot(page, "documents-desktop")

    page.get_by_role("tab", name="💬 问答").click()
    assert "王明远" in ask(page, "谁带领志愿者在龙井村植树？")

    page.get_by_role("tab", name="📚 文档").click()
    page.locator("#qa-doc-choice input").click()
    page.get_by_role("option", name="西湖植树.txt").click()
    page.locator("#qa-remove").click()
    expect(page.locator("#qa-doc-status")).to_contain_text("已删除：西湖植树.txt", timeout=30_000)
    expect(page.locator("#qa-doc-table")).not_to_contain_text("西湖植树.txt")

    page.get_by_role("tab", name="💬 问答").click()
    after = ask(page, "谁带领志愿者在龙井村植树？")
    assert "王明远" not in after


def test_bad_uploads_get_messages_and_change_nothing(page, tmp_path):
    from playwright.sync_api import expect

    binary = tmp_path / "scan.txt"
    binary.write_bytes(bytes(range(256)) * 16)
    big = tmp_path / "big.md"
    big.write_text("长" * MAX_FILE_BYTES, encoding="utf-8")
    undecodable = tmp_path / "garbled.txt"
    undecodable.write_bytes(b"\x81\x30\xff\xfe\x80" * 40)
    upload(page, [binary, big, undecodable])
    status = page.locator("#qa-doc-status")
    expect(status).to_contain_text("scan.txt：看起来是二进制文件", timeout=30_000)
    expect(status).to_contain_text("big.md：文件太大")
    expect(status).to_contain_text("garbled.txt：")
    table = page.locator("#qa-doc-table")
    for name in ("scan.txt", "big.md", "garbled.txt"):
        expect(table).not_to_contain_text(name)
    shoot(page, "upload-errors-desktop")


@pytest.fixture
def roomy_page(browser, bases_app):
    """A page without the small upload limit of the module's app."""
    with desktop_page(browser, bases_app) as page:
        yield page


def test_a_pdf_and_a_word_file_are_uploaded_and_answers_name_their_page(roomy_page, tmp_path):
    import shutil

    from playwright.sync_api import expect

    page = roomy_page
    documents = ROOT / "tests" / "fixtures" / "documents"
    memo = tmp_path / "memo.doc"
    memo.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    report = shutil.copy(documents / "report.pdf", tmp_path / "城建报告.pdf")
    upload(page, [report, documents / "report.docx", memo])
    status = page.locator("#qa-doc-status")
    expect(status).to_contain_text("已添加：城建报告.pdf", timeout=60_000)
    expect(status).to_contain_text("report.docx")
    expect(status).to_contain_text("memo.doc：这是旧版 Word 文件")
    expect(page.locator("#qa-doc-table")).to_contain_text("城建报告.pdf")

    page.get_by_role("tab", name="💬 问答").click()
    assert "十二亿元" in ask(page, "东湖大桥的投资金额是多少？")
    page.locator(".thought-group .title").last.click()
    first = page.locator(".qa-source").first
    expect(first).to_contain_text("第3页")
    expect(first.locator("mark")).to_contain_text("十二亿元")
    shoot(page, "pdf-answer-desktop")


# ---------------------------------------------------------------- one language, gradio's widgets included


def page_in_browser_locale(browser, app, locale):
    """The page as a browser set to another language than the page's sees it."""
    return open_page(browser, app, DESKTOP, locale)


def toast_title_and_text(page, question):
    """Ask a question the page refuses to take; the toast's shown title and its message."""
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    toast = page.locator('[data-testid="toast-body"]')
    toast.wait_for(timeout=10_000)
    # Gradio writes its English type as the title; the page's CSS hides it and shows its own word.
    title = toast.locator(".toast-title").evaluate("el => getComputedStyle(el, '::before').content")
    return title.strip('"'), toast.locator('[data-testid="toast-text"]').inner_text()


def test_gradio_widgets_speak_chinese_even_in_an_english_browser(browser, app):
    from playwright.sync_api import expect

    page = page_in_browser_locale(browser, app, "en-US")
    try:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        expect(page.locator("footer")).to_contain_text("通过 API 使用")
        title, text = toast_title_and_text(page, "   ")
        assert title == "提示" and "问题是空的" in text
        page.get_by_role("tab", name="📚 文档").click()
        upload = page.locator("#qa-upload")
        expect(upload).to_contain_text("将文件拖放到此处")
        expect(upload).to_contain_text("点击上传")
        assert "Drop File" not in upload.inner_text()
        shoot(page, "upload-box-chinese-in-english-browser")
        assert page.outside_requests == []
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def english_app(browser, tmp_path_factory):
    env = {"QA_LANGUAGE": "en", "QA_EMBEDDING_MODEL": "hash", "QA_BACKEND": "rules"}
    with running_app(tmp_path_factory.mktemp("ui-browser-english"), env) as app:
        yield app


def test_with_qa_language_en_the_whole_page_is_english_even_in_a_chinese_browser(browser, english_app):
    from playwright.sync_api import expect

    page = page_in_browser_locale(browser, english_app, "zh-CN")
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        expect(page.locator("footer")).to_contain_text("Use via API")
        expect(page.locator("#qa-send")).to_have_text("Ask")
        title, text = toast_title_and_text(page, "   ")
        assert title == "Note" and "The question is empty" in text
        ask(page, "这次会议的预算是多少钱？")
        expect(answers(page).last).to_contain_text("The documents do not contain the answer")
        expect(page.locator(".thought-group .title").last).to_contain_text("Passages searched")
        page.get_by_role("tab", name="📚 Documents").click()
        upload = page.locator("#qa-upload")
        expect(upload).to_contain_text("Drop File Here")
        expect(upload).to_contain_text("Click to Upload")
        shoot(page, "documents-english")
        assert page.outside_requests == []
    finally:
        page.context.close()


FINANCE_NOTE = "财务部今年的差旅预算是三百万元，由张明负责审核。"
PROJECT_NOTE = "项目组今年的差旅预算是八十万元，由李华负责审核。"


@pytest.fixture(scope="module")
def bases_app(browser, tmp_path_factory):
    """A page whose store holds the sample article (default base) and a base 财务部 with two notes."""
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("ui-bases")
    for folder, text in (("finance", FINANCE_NOTE), ("project", PROJECT_NOTE)):
        (work / "notes" / folder).mkdir(parents=True)
        (work / "notes" / folder / "budget.txt").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_VECTORSTORE=str(work / "vectorstore"), QA_CONFIG=str(work / "none.toml"), QA_DEFAULT_DOCUMENTS="")
    (work / "none.toml").touch()
    for args in (["kb", "create", "财务部"], ["--kb", "财务部", "ingest", str(work / "notes")]):
        done = subprocess.run([sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    with running_app(work) as app:
        yield app


def test_the_base_selector_and_the_document_filter_choose_what_is_answered_from(browser, bases_app):
    from playwright.sync_api import expect

    page = open_page(browser, bases_app, DESKTOP)
    try:
        assert "陈钢" in ask(page, "谁在会上作了重要讲话？").replace("陳鋼", "陈钢")  # the default base

        page.locator("#qa-kb input").click()
        page.get_by_role("option", name="财务部").click()
        expect(page.locator('[data-testid="bot"]')).to_have_count(0)  # another base, a new conversation
        answer = ask(page, "差旅预算是多少？")
        assert "三百万元" in answer or "八十万元" in answer

        page.locator("#qa-doc-filter input").click()
        page.get_by_role("option", name="project/budget.txt").click()
        page.keyboard.press("Escape")
        answer = ask(page, "差旅预算是多少？")
        assert "八十万元" in answer and "三百万元" not in answer
        shoot(page, "bases-chat")

        page.get_by_role("tab", name="📚 文档").click()
        expect(page.locator("#qa-doc-table")).to_contain_text("finance/budget.txt")
        expect(page.locator("#qa-doc-table")).not_to_contain_text("article.txt")
        assert page.outside_requests == []
    finally:
        page.context.close()
