"""The analysts' web page, driven in headless Chromium against the real app and the real models.

A uvicorn server runs ``api.app.create_app(real_assistant)`` in a background thread; Playwright
drives Debian's ``/usr/bin/chromium`` (Playwright's own browser download does not work offline).
Screenshots go to ``test-artifacts/`` (git-ignored) so a person can look at what the page shows.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
WAIT_MS = 90_000  # the first real-model query warms the encoders
ION_QUESTION = "Which agencies are ION focal points?"
SPANISH_QUESTION = "¿México usa el sistema I2ES?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(real_assistant):
    """The real FastAPI app on a real uvicorn server, in a background thread."""
    import uvicorn
    from memqa.api.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(real_assistant), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="memqa-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the memqa web server did not start on 127.0.0.1; see the log above")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            "/usr/bin/chromium is missing: install it with "
            "`apt-get update && apt-get install -y chromium chromium-driver` (CI's .ci/run does this)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, base_url):
    """A fresh page at 1280×900 that records script errors and every URL it requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    script_errors: list[str] = []
    pg.on("pageerror", lambda err: script_errors.append(str(err)))
    yield pg
    context.close()
    assert script_errors == [], f"the page raised script errors: {script_errors}"


def _shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def _ask(page, question: str) -> None:
    """Type the question and press Enter (no click: Enter must submit)."""
    from playwright.sync_api import expect

    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator("#results")).to_have_attribute("aria-busy", "false", timeout=WAIT_MS)


def test_english_question_shows_cited_highlighted_cards_and_the_full_section(page, base_url, real_assistant):
    from playwright.sync_api import expect

    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto("/")
    _ask(page, ION_QUESTION)
    cards = page.locator("#cards > li.card")
    expect(cards.first).to_be_visible()
    first = cards.first
    expect(first.locator("h4.citation")).to_contain_text("Priority Action 2.4")
    meta = first.locator(".citation-meta").inner_text()
    assert "mexico-2022" in meta and "mem-2022-mexico.txt" in meta and "lines 259–" in meta

    # The highlighted sentence is a <mark> inside the quoted passage.
    marks = first.locator("blockquote.passage mark")
    assert marks.count() >= 1
    assert "focal points" in " ".join(marks.all_inner_texts())
    expect(page.locator("#summary")).to_contain_text("Confidence:")
    assert "q=Which+agencies" in page.url  # the question is in the link, so it can be shared

    # Open the whole section with the keyboard; it shows exactly the report's section text.
    expand = first.locator("button.button-expand")
    expect(expand).to_have_text("Show full section")
    expand.focus()
    page.keyboard.press("Enter")
    expect(expand).to_have_attribute("aria-expanded", "true")
    expect(expand).to_have_text("Hide full section")
    full = first.locator(".full-section .full-text")
    expect(full).to_be_visible()
    section = real_assistant.resolve_section("mexico-2022/pa-2.4")
    assert full.text_content() == section.text
    # The card already shows the whole unit (it fits), so the list of agencies is not cut off (issue 14).
    assert "National Customs Agency" in first.locator("blockquote.passage").text_content()
    expect(first.locator(".full-title")).to_contain_text(f"lines {section.start_line}–{section.end_line}")

    # Copy citation: clipboard gets the citation line plus the quoted passage; "Copied" shows.
    first.get_by_role("button", name="Copy citation").click()
    expect(first.locator(".copy-feedback")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    head, _, quoted = copied.partition("\n")
    assert head.startswith("MEM 2022 Mexico (mexico-2022), Priority Action 2.4 — Promote participation in the Project ION")
    assert re.search(r"derivatives, mem-2022-mexico\.txt lines 259–26\d$", head), head
    assert "Several agencies function as focal points" in quoted and quoted.startswith("“")
    _shot(page, "web-1-english-results.png")

    # Only memqa itself was contacted: no CDN, no external font (works offline).
    assert any(u.endswith("/static/app.js") for u in requested)
    foreign = [u for u in requested if not u.startswith(base_url + "/") and not u.startswith("data:")]
    assert foreign == []


def test_spanish_question_cites_priority_action_5_4_in_the_top_three(page):
    from playwright.sync_api import expect

    page.goto("/")
    _ask(page, SPANISH_QUESTION)
    expect(page.locator("#cards > li.card").first).to_be_visible()
    labels = page.locator("#cards > li.card h4.citation .citation-label").all_inner_texts()
    assert "Priority Action 5.4" in labels[:3], labels
    assert page.input_value("#question") == SPANISH_QUESTION  # UTF-8 round trip in the page
    _shot(page, "web-2-spanish-results.png")


def test_empty_question_shows_the_api_error_in_an_alert(page, base_url):
    from playwright.sync_api import expect

    api = httpx.post(f"{base_url}/ask", json={"question": "", "k": 5, "objective": None}, timeout=30)
    assert api.status_code in range(400, 500) and api.json()["error"]

    page.goto("/")
    _ask(page, ION_QUESTION)
    expect(page.locator("#cards > li.card").first).to_be_visible()
    _ask(page, "")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_text(api.json()["error"].strip())
    assert page.locator("#cards > li").count() == 0  # the old results are gone, not mistaken for an answer
    _shot(page, "web-3-empty-question-error.png", full_page=False)


def test_narrow_screen_has_no_horizontal_overflow(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.locator("#objective option")).to_have_count(13)
    _shot(page, "web-4-narrow-empty.png", full_page=False)
    _ask(page, ION_QUESTION)
    first = page.locator("#cards > li.card").first
    expect(first).to_be_visible()
    first.get_by_role("button", name="Show full section").click()
    expect(first.locator(".full-section .full-text")).to_be_visible()
    widths = page.evaluate(
        """() => {
            const doc = document.documentElement;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 0.5)
                .map(e => e.tagName + '.' + e.className);
            return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
        }"""
    )
    assert widths["client"] == 390
    assert widths["scroll"] <= widths["client"], widths
    assert widths["wide"] == [], widths
    _shot(page, "web-5-narrow-results.png")


def test_controls_are_labelled_and_objectives_come_from_sections(page, base_url):
    page.goto("/")
    page.wait_for_function("document.querySelectorAll('#objective option').length > 1")
    assert page.get_attribute("html", "lang") == "en"
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => !e.id || !document.querySelector(`label[for="${e.id}"]`))
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    sections = httpx.get(f"{base_url}/sections", timeout=30).json()
    objectives = sorted({s["objective"] for s in sections if s["objective"] is not None})
    values = page.eval_on_selector_all("#objective option", "os => os.map(o => o.value)")
    assert values == [""] + [str(n) for n in objectives] and objectives == list(range(1, 13))
    assert "Objective" in page.inner_text("label[for=objective]")
    header = page.inner_text("header.site-header")
    assert "quotation" in header and "line numbers" in header


def test_filter_by_objective_is_sent_and_respected(page):
    from playwright.sync_api import expect

    page.goto("/")
    page.wait_for_function("document.querySelectorAll('#objective option').length > 1")
    page.select_option("#objective", "5")
    page.select_option("#k", "3")
    with page.expect_request("**/ask") as req:
        _ask(page, SPANISH_QUESTION)
    body = json.loads(req.value.post_data)
    assert body == {"question": SPANISH_QUESTION, "k": 3, "objective": 5, "kind": None, "report": None}
    expect(page.locator("#cards > li.card")).to_have_count(3)
    labels = page.locator("#cards > li.card .citation-label").all_inner_texts()
    assert all(re.fullmatch(r"Priority Actions? 5\.\d.*|Evaluative Summary, Objective 5", x) for x in labels), labels


def _fulfil(route, payload: dict) -> None:
    route.fulfill(status=200, content_type="application/json; charset=utf-8", body=json.dumps(payload))


HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
HOSTILE_TEXT = f"Mexico reports {HOSTILE} on ports.\n\nThe second sentence is highlighted."
MARKED = "The second sentence is highlighted."
NOT_ANSWERABLE = {
    "question": "Who won the 1998 World Cup?",
    "answerable": False,
    "confidence": "low",
    "language": "en",
    "notice": "No passage matches the key terms of the question (World Cup); these are only the nearest ones.",
    "passages": [
        {
            "rank": 1,
            "score": 0.0123,
            "text": HOSTILE_TEXT,
            "highlights": [
                {"text": MARKED, "start": HOSTILE_TEXT.index(MARKED), "end": HOSTILE_TEXT.index(MARKED) + len(MARKED)}
            ],
            "citation": {
                "report": "mexico-2022", "kind": "priority_action", "objective": 1, "priority_action": "1.1",
                "title": f"Title with {HOSTILE}", "source": "mem-2022-mexico.txt", "start_line": 10,
                "end_line": 12, "label": "Priority Action 1.1", "section_id": "mexico-2022/pa-1.1",
            },
        }
    ],
}


def test_not_answerable_shows_the_notice_and_nearest_passages_as_text_only(page):
    """The page's own behaviour for an API answer with answerable=false (and markup in server text)."""
    from playwright.sync_api import expect

    page.route("**/ask", lambda route: _fulfil(route, NOT_ANSWERABLE))
    page.goto("/")
    _ask(page, NOT_ANSWERABLE["question"])
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("No direct answer in the report")
    expect(notice).to_contain_text(NOT_ANSWERABLE["notice"])
    expect(page.locator("#summary")).to_contain_text("Nearest passages")
    expect(page.locator("#summary")).to_contain_text("Confidence: low")
    card = page.locator("#cards > li.card")
    expect(card).to_have_count(1)
    expect(card.locator("mark")).to_have_text(MARKED)
    # Server text is shown literally, never parsed as HTML.
    expect(card.locator("blockquote.passage")).to_contain_text(HOSTILE)
    expect(card.locator("h4.citation")).to_contain_text(HOSTILE)
    assert card.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    _shot(page, "web-6-not-answerable.png", full_page=False)


def test_no_passages_shows_a_no_results_state(page):
    from playwright.sync_api import expect

    empty = {**NOT_ANSWERABLE, "passages": [], "answerable": False, "notice": ""}
    page.route("**/ask", lambda route: _fulfil(route, empty))
    page.goto("/")
    _ask(page, "anything")
    expect(page.locator("#cards > li.empty")).to_contain_text("No passages matched")
    # With no notice from the API the page still says, in plain words, that there is no answer.
    expect(page.locator("#notice")).to_contain_text("does not seem to answer this question")
    expect(page.get_by_role("status").first).to_contain_text("No passages found")
