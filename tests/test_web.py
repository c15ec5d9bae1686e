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


def _serve(app):
    """Run ``app`` on a real uvicorn server in a background thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
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
def base_url(real_assistant):
    """The real FastAPI app on a real uvicorn server, in a background thread."""
    from memqa.api.app import create_app

    yield from _serve(create_app(real_assistant))


@pytest.fixture(scope="module")
def proxied_url(real_assistant):
    """The app under a sub-path, as behind a reverse proxy that maps /memqa/ to it."""
    from memqa.api.app import create_app
    from starlette.applications import Starlette
    from starlette.routing import Mount

    for url in _serve(Starlette(routes=[Mount("/memqa", app=create_app(real_assistant))])):
        yield url + "/memqa"


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
    # bypass_csp: Playwright evaluates string predicates (wait_for_function) in the page, which the page's
    # CSP forbids (no eval); tests/test_web_csp.py drives the page with its CSP in force.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url, bypass_csp=True)
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
    assert "Mexico 2022" in meta and "mem-2022-mexico.txt" in meta and "lines 259–" in meta

    # The highlighted sentence is a <mark> inside the quoted passage.
    marks = first.locator("blockquote.passage mark")
    assert marks.count() >= 1
    assert "focal points" in " ".join(marks.all_inner_texts())
    expect(page.locator("#summary .confidence")).to_have_text(re.compile(r"^(Strong|Probable|Weak) match$"))
    assert "q=Which+agencies" in page.url  # the question is in the link, so it can be shared

    # Open the whole section with the keyboard; it shows the report's section text, every word of it,
    # after the heading line the card title already shows.
    expand = first.locator("button.button-expand")
    expect(expand).to_have_text("Show full section")
    expand.focus()
    page.keyboard.press("Enter")
    expect(expand).to_have_attribute("aria-expanded", "true")
    expect(expand).to_have_text("Hide full section")
    full = first.locator(".full-section .full-text")
    expect(full).to_be_visible()
    section = real_assistant.resolve_section("mexico-2022/pa-2.4")
    body = section.text[section.text.index("\n\n"):]
    assert _words(full.inner_text()) == _words(body)
    # The card already shows the whole unit (it fits), so the list of agencies is not cut off (issue 14).
    assert "National Customs Agency" in first.locator("blockquote.passage").text_content()
    expect(first.locator(".full-title")).to_contain_text(f"lines {section.start_line}–{section.end_line}")

    # Copy citation is a menu: the full reference (OAS style, from the API's cite) ...
    first.get_by_role("button", name="Copy citation").click()
    first.get_by_role("menuitem", name=re.compile("Full reference")).click()
    expect(first.locator(".copy-feedback")).to_have_text("Reference copied")
    cite = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"CICAD, Mexico: Evaluation Report on Drug Policies 2022, MEM Eighth Evaluation Round, "
                        r"CICAD/doc\.2676/22, Priority Action 2\.4, lines 259–26\d", cite), cite
    # ... or the highlighted sentence alone, with a short reference to its own line.
    first.get_by_role("button", name="Copy citation").click()
    first.get_by_role("menuitem", name=re.compile("Highlighted sentence")).click()
    expect(first.locator(".copy-feedback")).to_have_text("Quotation copied")
    quote = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"“[^”]*Several agencies function as focal points[^”]*” "
                        r"\(CICAD, Mexico 2022, Priority Action 2\.4, lines? 26\d(–26\d)?\)", quote), quote
    _shot(page, "web-1-english-results.png")

    # Only memqa itself was contacted: no CDN, no external font (works offline).
    assert any(u.endswith("/static/app.js") for u in requested)
    foreign = [u for u in requested if not u.startswith(base_url + "/") and not u.startswith("data:")]
    assert foreign == []


def _words(text: str) -> list[str]:
    """The words of a text as a reader sees them: no conversion leftovers, no bullets or cell breaks."""
    text = re.sub(r"<[^>]*>|\*", "", text).replace("•", " ")
    return re.sub(r"^\s*- ", " ", text, flags=re.M).split()


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
    expect(page.locator("#cards-title")).to_have_text("Nearest passages")
    expect(page.locator("#summary")).to_contain_text("Weak match")
    card = page.locator("#cards > li.card")
    expect(card).to_have_count(1)
    expect(card.locator("mark")).to_have_text(MARKED)
    # Server text is never parsed as HTML: the title shows the markup literally; in the quotation, tags are
    # conversion leftovers and are not displayed (they stay in the source text the offsets index).
    expect(card.locator("blockquote.passage")).to_contain_text("Mexico reports")
    expect(card.locator("blockquote.passage")).not_to_contain_text("<img")
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


# --------------------------------------------------------------------------- issue 18: what a reader sees
def _hit(section, rank: int, highlight: str | None = None, **extra) -> dict:
    """A hit as the API sends it, quoting a whole section of the real report."""
    from memqa.render import to_json
    from memqa.types import Citation

    text = section.text
    hl = []
    if highlight is not None:
        at = text.index(highlight)
        hl = [{"text": highlight, "start": len(text[:at]), "end": len(text[:at]) + len(highlight)}]
    return {"rank": rank, "score": 3.5, "text": text, "highlights": hl,
            "citation": to_json(Citation.of(section)), **extra}


COFEPRIS_ROW = ["COFEPRIS", "Yes, health surveillance checks are conducted throughout the annual cycle", "Yes", "No"]
KEYNOTE = 'Keynote Lecture entitled "Final Destination of Secured Assets", delivered by the General Directorate of ' \
          'Professional Training, in July 2021.'


def _artefact_answer(real_assistant) -> dict:
    """PA 8.3 (an HTML list inside a table cell), PA 3.1 (a tab-separated table), PA 1.2 (*emphasis*)."""
    pa = real_assistant.resolve_section
    return {"question": "q", "answerable": True, "confidence": "high", "language": "en", "notice": "",
            "passages": [_hit(pa("pa-8.3"), 1, KEYNOTE), _hit(pa("pa-3.1"), 2, "\t".join(COFEPRIS_ROW)),
                         _hit(pa("pa-1.2"), 3)]}


def test_the_card_title_is_not_repeated_in_the_quotation(page, real_assistant):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    _ask(page, ION_QUESTION)
    cards = page.locator("#cards > li.card")
    expect(cards.first).to_be_visible()
    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.locator(".citation-title").text_content().removeprefix(" — ")
        label = card.locator(".citation-label").text_content()
        quote = card.locator("blockquote.passage").inner_text()
        assert title[:60] not in quote, (label, quote[:200])  # the heading line is skipped
        assert not quote.lstrip().startswith(label.replace("Priority Actions", "Priority Action").split(" and")[0] + ":")
    first_line = cards.first.locator("blockquote.passage").inner_text().strip().splitlines()[0]
    assert first_line.startswith("Mexico takes part in the International Operations on New Psychoactive Substances")
    # The answer (the direct answer when there is one, else the first quotation) starts above the fold of a
    # 1366×900 screen, with the question still in sight.
    direct = page.locator("#direct-answer")
    first_result = direct if direct.is_visible() else cards.first.locator("blockquote.passage")
    box = first_result.bounding_box()
    assert box["y"] < 900 - 100 and page.evaluate("scrollY") == 0, box
    _shot(page, "web-7-desktop-1366.png", full_page=False)


def test_results_are_in_view_on_a_390px_phone_after_asking(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.locator("#scope")).to_contain_text("Searching")
    _ask(page, ION_QUESTION)
    first = page.locator("#cards > li.card").first
    expect(page.locator("#summary .confidence")).to_be_in_viewport()
    direct = page.locator("#direct-answer")
    # The answer (the direct answer when there is one, else the first card's quotation) is on screen.
    expect(direct.locator("blockquote") if direct.is_visible() else first.locator("blockquote.passage")
           ).to_be_in_viewport()
    _shot(page, "web-8-phone-390-after-asking.png", full_page=False)
    first.get_by_role("button", name="Copy citation").click()
    menu = first.get_by_role("menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # the menu fits the phone's screen
    expect(menu.locator("i")).to_have_text("Mexico: Evaluation Report on Drug Policies 2022")  # title in italics
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(first.get_by_role("button", name="Copy citation")).to_be_focused()
    _shot(page, "web-13-phone-copy-menu.png", full_page=False)


def test_tables_lists_and_emphasis_display_cleanly_while_offsets_index_the_source(page, real_assistant):
    from playwright.sync_api import expect

    answer = _artefact_answer(real_assistant)
    page.route("**/ask", lambda route: _fulfil(route, answer))
    page.goto("/")
    _ask(page, "artefacts")
    cards = page.locator("#cards > li.card")
    expect(cards).to_have_count(3)
    shown = page.locator("#cards").text_content()  # (inner_text would add tabs between table cells)
    for artefact in ("<ul", "</li", "<i>", "*", "\t", "•"):
        assert artefact not in shown, artefact

    # PA 8.3: the HTML list inside a table cell is a list; the highlight (source offsets) marks the right item.
    cell_items = cards.nth(0).locator("table td ul.cell-list > li")
    expect(cell_items).to_have_count(4)
    expect(cells := cards.nth(0).locator("table td").first).to_have_text("National Institutions")
    assert cells.count() == 1
    expect(cards.nth(0).locator("mark")).to_have_text(KEYNOTE)
    expect(cell_items.nth(1)).to_have_text(KEYNOTE)

    # PA 3.1: the tab-separated rows are an HTML table with its header row.
    table = cards.nth(1).locator("table")
    expect(table.locator("th")).to_have_count(4)
    expect(table.locator("th").first).to_have_text("Name of the competent authority")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody td")).to_have_text(COFEPRIS_ROW)
    expect(table.locator("tbody td mark")).to_have_text(COFEPRIS_ROW)  # the highlighted row, cell by cell
    expect(cards.nth(1).locator("blockquote > ul > li")).to_have_count(2)  # the "- " lines are a list

    # PA 1.2: "*Fiscalía General de la República* -FGR" shows without its asterisks, and the sentence a page
    # break cut ("... and the Tax" / "Administration Service") reads as one list item.
    text = cards.nth(2).inner_text()
    assert "(Fiscalía General de la República -FGR)" in text
    expect(cards.nth(2).locator("blockquote li").last).to_contain_text("and the Tax Administration Service")

    # Nothing is lost: the words shown are the source's words (after the heading line).
    for card, hit in zip(cards.all(), answer["passages"]):
        body = hit["text"][hit["text"].index("\n\n"):]
        assert _words(card.locator("blockquote.passage").inner_text()) == _words(body)
    _shot(page, "web-9-tables-lists.png")
    page.set_viewport_size({"width": 390, "height": 844})
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths  # the tables fit a phone (one block per row)
    _shot(page, "web-10-tables-phone.png")


def test_plain_language_summary_and_the_four_languages(page):
    from playwright.sync_api import expect

    page.goto("/")
    assert all(lang in page.inner_text("header.site-header") for lang in ("English", "Spanish", "Portuguese",
                                                                         "French"))
    assert "English or Spanish" not in page.inner_text("body")
    _ask(page, SPANISH_QUESTION)
    expect(page.locator("#cards > li.card").first).to_be_visible()
    text = page.inner_text("#results")
    assert "score" not in text.lower() and "Question language" not in text and "3.5000" not in text
    expect(page.locator("#summary")).to_contain_text("Asked in Spanish")
    expect(page.locator("#cards .rank").first).to_have_attribute("aria-label", "Result 1")


def test_report_selector_and_scope_line(page):
    from playwright.sync_api import expect

    page.goto("/")
    scope = page.locator("#scope")
    expect(scope).to_contain_text("Searching Mexico: Evaluation Report on Drug Policies 2022")
    expect(scope).to_contain_text("CICAD/doc.2676/22")
    expect(page.locator("#report option")).to_have_text(["Mexico 2022"])
    assert page.inner_text("label[for=report]") == "Report"


TWO_REPORTS = [
    {"report_id": "mexico-2022", "source": "mem-2022-mexico.txt", "country": "Mexico", "year": 2022,
     "round": "Eighth Evaluation Round", "thematic_area": "Supply", "document_code": "CICAD/doc.2676/22",
     "title": "Mexico: Evaluation Report on Drug Policies 2022", "language": "en"},
    {"report_id": "peru-2022", "source": "mem-2022-peru.txt", "country": "Peru", "year": 2022,
     "round": "Eighth Evaluation Round", "thematic_area": "Supply", "document_code": "CICAD/doc.2690/22",
     "title": "Peru: Evaluation Report on Drug Policies 2022", "language": "en"},
]


def test_with_two_reports_the_scope_says_so_and_the_selector_filters(page):
    from playwright.sync_api import expect

    page.route("**/reports", lambda route: _fulfil(route, TWO_REPORTS))
    page.goto("/")
    scope = page.locator("#scope")
    expect(scope).to_contain_text("Searching all 2 reports: Mexico 2022, Peru 2022")
    expect(page.locator("#report option")).to_have_text(["All reports (2)", "Mexico 2022", "Peru 2022"])
    page.select_option("#report", "peru-2022")
    expect(scope).to_contain_text("Searching Peru: Evaluation Report on Drug Policies 2022")
    expect(scope).to_contain_text("1 of 2 reports")
    page.route("**/ask", lambda route: _fulfil(route, {**NOT_ANSWERABLE, "answerable": True}))
    with page.expect_request("**/ask") as req:
        _ask(page, "drug courts")
    assert json.loads(req.value.post_data)["report"] == "peru-2022"
    assert "report=peru-2022" in page.url


def test_direct_answer_first_and_cicads_assessment_on_the_card(page, real_assistant):
    from playwright.sync_api import expect

    from memqa.render import to_json

    pa24 = real_assistant.resolve_section("pa-2.4")
    summary2 = real_assistant.resolve_section("summary-2")
    sentence = "Several agencies function as focal points, including:"
    assessment = {"status": "achieved", "text": "Additionally, CICAD notes that the country participates in the "
                  "INCB's Project ION.", "citation": to_json(real_assistant.citation(summary2, 826, 826))}
    answer = {**_artefact_answer(real_assistant), "question": ION_QUESTION,
              "answer": {"text": sentence, "count": 4, "units": [{"text": sentence, "start": 0, "end": len(sentence),
                                                     "citation": to_json(real_assistant.citation(pa24, 261, 261))}]},
              "passages": [_hit(pa24, 1, sentence, assessment=assessment)]}
    page.route("**/ask", lambda route: _fulfil(route, answer))
    page.goto("/")
    _ask(page, ION_QUESTION)
    direct = page.locator("#direct-answer")
    expect(direct).to_be_visible()
    expect(direct).to_contain_text(sentence)
    expect(direct.locator(".badge.count")).to_have_text("4 listed")  # a count read off the list
    expect(direct).to_contain_text("Priority Action 2.4")
    order = page.evaluate("""() => [...document.querySelectorAll('#direct-answer, #cards')]
        .map(e => e.getBoundingClientRect().top)""")
    assert order[0] < order[1]  # the answer comes first, above the passages
    box = page.locator("#cards > li.card aside.assessment")
    expect(box).to_be_visible()
    expect(box).to_contain_text("CICAD's assessment")
    expect(box).to_contain_text("participates in the INCB's Project ION")
    expect(box).to_contain_text("achieved")
    colours = page.evaluate("""() => [document.querySelector('aside.assessment'),
        document.querySelector('blockquote.passage')].map(e => getComputedStyle(e).backgroundColor)""")
    assert colours[0] != colours[1]  # visibly set apart from the quotation
    _shot(page, "web-11-direct-answer-assessment.png", full_page=False)


def test_the_page_works_under_a_sub_path(browser, proxied_url):
    """Behind a proxy at /memqa/ every request must stay under /memqa/ (relative URLs)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        page.goto(proxied_url + "/")
        expect(page.locator("#objective option")).to_have_count(13)
        expect(page.locator("#scope")).to_contain_text("CICAD/doc.2676/22")
        _ask(page, ION_QUESTION)
        first = page.locator("#cards > li.card").first
        expect(first.locator(".citation-label")).to_have_text("Priority Action 2.4")
        first.get_by_role("button", name="Show full section").click()
        expect(first.locator(".full-text")).to_be_visible()
        assert requested and all(u.startswith(proxied_url + "/") for u in requested), requested
        page.goto(proxied_url + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("memqa")
    finally:
        context.close()


def test_the_api_manual_works_offline(browser, base_url):
    """/docs renders with every request outside this server blocked (no CDN)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    foreign: list[str] = []

    def guard(route):
        if route.request.url.startswith(base_url + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(base_url + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("memqa")
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/ask" in [p.replace("\u200b", "") for p in paths], paths
        _shot(page, "web-12-docs-offline.png", full_page=False)
        assert foreign == []
    finally:
        context.close()


# --------------------------------------------------------------------------- issue 15: the scorecard view
STATUS_LABELS = {"positive": "✓ met", "partial": "◐ partial", "gap": "✗ gap", "not_applicable": "n/a",
                 "none": "— none"}


def _scorecard_rows(base_url) -> list[dict]:
    """GET /scorecard of the bundled report, as the page gets it."""
    rows = httpx.get(f"{base_url}/scorecard", params={"report": "mexico-2022"}, timeout=30).json()
    assert rows and {r["assessment"]["status"] for r in rows} <= set(STATUS_LABELS)
    return rows


def _lines(c: dict) -> str:
    """Where a citation points, as the page writes it (characters when it is part of one long line)."""
    from memqa.types import where

    return where(c["start_line"], c["end_line"], None, (c.get("start_column"), c.get("end_column")))


def _section_body(base_url, section_id: str) -> str:
    """The section's text after its heading line (what the page shows of it)."""
    text = httpx.get(f"{base_url}/sections/{section_id}", timeout=30).json()["text"]
    return text[text.index("\n\n"):]


def _pa_order(pa: str) -> tuple[int, ...]:
    return tuple(int(x) for x in pa.split("."))


def test_scorecard_shows_every_verdict_labelled_and_a_cell_opens_its_section(page, base_url):
    from playwright.sync_api import expect

    rows = _scorecard_rows(base_url)
    gap = next(r for r in rows if r["assessment"]["status"] == "gap")
    met = next(r for r in rows if r["assessment"]["status"] == "positive")
    sections = httpx.get(f"{base_url}/sections", timeout=30).json()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Scorecard", exact=True).click()
    expect(page).to_have_url(re.compile(r"#scorecard=mexico-2022$"))  # linkable
    expect(page.get_by_role("link", name="Scorecard", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.locator("#question")).to_be_hidden()  # the search's fields belong to the search view
    expect(page.locator("#scope")).to_contain_text("Scorecard of Mexico: Evaluation Report on Drug Policies 2022")

    # The 12 objectives as rows: number and the start of the objective's title (from GET /sections).
    heads = page.locator("#verdicts .sc-objective-head")
    expect(heads).to_have_count(12)
    titles = {s["objective"]: s["title"] for s in sections if s["kind"] == "evaluative_summary"}
    for n in (1, 12):
        head = heads.nth(n - 1)
        expect(head.locator(".sc-objective-number")).to_have_text(f"Objective {n}")
        assert titles[n].startswith(head.locator(".sc-objective-title").inner_text().rstrip("…")), n

    # One cell per priority action, each with a visible text label (not colour alone), in number order.
    cells = page.locator("#verdicts .sc-cell")
    expect(cells).to_have_count(len(rows))
    shown = [" ".join(t.split()) for t in cells.all_inner_texts()]
    order = sorted(rows, key=lambda r: _pa_order(r["priority_action"]))
    for text, row in zip(shown, order):
        assert text.startswith(f"{row['priority_action']} {STATUS_LABELS[row['assessment']['status']]}"), (text, row)
    legend = page.locator("#scorecard-legend")
    expect(legend).to_contain_text("✗ gap")
    expect(legend).to_contain_text(f"({sum(r['assessment']['status'] == 'gap' for r in rows)})")

    # The gap cell: its label, its accessible name (action, title, status) and a colour unlike a met cell.
    pa = gap["priority_action"]
    cell = page.get_by_role("button", name=re.compile(rf"^Priority Action {re.escape(pa)}, gap: "))
    expect(cell).to_have_count(1)
    expect(cell).to_contain_text(f"{pa}")
    expect(cell.locator(".sc-label")).to_have_text("✗ gap")
    assert gap["title"][:60] in cell.get_attribute("aria-label")
    colours = page.evaluate("""([a, b]) => [a, b].map(pa => getComputedStyle(
        document.querySelector(`.sc-cell[data-pa="${pa}"]`)).backgroundColor)""", [pa, met["priority_action"]])
    assert colours[0] != colours[1], colours
    _shot(page, "web-14-scorecard-1366.png")

    # Following the cell: CICAD's clause verbatim with its citation, then the report's section in full.
    cell.click()
    expect(cell).to_have_attribute("aria-expanded", "true")
    expect(page).to_have_url(re.compile(rf"#scorecard=mexico-2022&pa={re.escape(pa)}$"))
    detail = page.locator(".sc-detail")
    expect(detail.locator(".sc-detail-heading")).to_contain_text(f"Priority Action {pa}")
    expect(detail.locator(".sc-detail-heading")).to_be_focused()
    clause = detail.locator(".assessment")
    expect(clause.locator(".assessment-status")).to_have_text("✗ gap")
    assert _words(clause.locator(".assessment-text").inner_text()) == _words(gap["assessment"]["text"])
    c = gap["assessment"]["citation"]
    expect(clause.locator(".assessment-source")).to_have_text(f"{c['label']}, {_lines(c)}")
    full = detail.locator(".full-text")
    expect(full).to_be_visible()
    assert _words(full.inner_text()) == _words(_section_body(base_url, gap["section_id"]))
    expect(detail.locator(".full-title")).to_contain_text(f"Priority Action {pa}, mem-2022-mexico.txt lines")
    _shot(page, "web-15-scorecard-detail-1366.png", full_page=False)

    # A link to the cell opens it directly; #search goes back to the search, with its question box.
    page.goto("about:blank")
    page.goto(f"/#scorecard=mexico-2022&pa={pa}")
    expect(page.locator(".sc-detail .full-text")).to_be_visible()
    expect(page.locator(".sc-cell.is-open")).to_have_attribute("data-pa", pa)
    page.get_by_role("link", name="Search", exact=True).click()
    expect(page.locator("#question")).to_be_visible()
    expect(page.locator("#verdicts")).to_be_hidden()
    expect(page.locator("#scope")).to_contain_text("Searching")


def test_scorecard_is_keyboard_operable(page, base_url):
    from playwright.sync_api import expect

    rows = sorted(_scorecard_rows(base_url), key=lambda r: _pa_order(r["priority_action"]))
    page.goto("/#scorecard")
    expect(page.locator("#verdicts .sc-cell")).to_have_count(len(rows))
    page.locator("#view-scorecard").focus()
    for _ in range(5):  # the (single-report, disabled) selector is skipped; the cells come next
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('sc-cell')"):
            break
    first = page.locator(".sc-cell").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("data-pa", rows[0]["priority_action"])
    page.keyboard.press("Tab")
    expect(page.locator(".sc-cell").nth(1)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Enter opens the cell's section; focus goes to it
    expect(first).to_have_attribute("aria-expanded", "true")
    heading = page.locator(".sc-detail .sc-detail-heading")
    expect(heading).to_be_focused()
    expect(heading).to_contain_text(f"Priority Action {rows[0]['priority_action']}")
    full = page.locator(".sc-detail .full-text")
    expect(full).to_be_visible()
    assert _words(full.inner_text()) == _words(_section_body(base_url, rows[0]["section_id"]))
    page.keyboard.press("Escape")  # closes it and returns to the cell
    expect(page.locator(".sc-detail")).to_have_count(0)
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")  # a button: Space works too
    expect(page.locator(".sc-detail")).to_have_count(1)
    page.get_by_role("button", name="Close").click()
    expect(first).to_be_focused()


def test_scorecard_joint_units_have_one_cell_per_priority_action(page, base_url):
    """A unit answering two priority actions (8.1 and 8.2) gets a cell each, with its own verdict; both
    open the one section, which says it holds both."""
    from playwright.sync_api import expect

    rows = {r["priority_action"]: r for r in _scorecard_rows(base_url)}
    joint = [s for s in httpx.get(f"{base_url}/sections", timeout=30).json() if len(s["priority_actions"]) > 1]
    assert joint  # the bundled report has joint units (8.1+8.2, 12.1+12.4)
    page.goto("/#scorecard")
    for unit in joint:
        one, two = unit["priority_actions"][:2]
        for pa, other in ((one, two), (two, one)):
            assert rows[pa]["section_id"] == unit["id"]
            cell = page.locator(f'.sc-cell[data-pa="{pa}"]')
            expect(cell).to_contain_text(f"with {other}")
            expect(cell).to_have_attribute("aria-label", re.compile(rf"one section with Priority Action {re.escape(other)}"))
        cell = page.locator(f'.sc-cell[data-pa="{two}"]')
        cell.click()
        detail = page.locator(".sc-detail")
        expect(detail.locator(".sc-detail-joint")).to_contain_text(f"Priority Actions {one} and {two} in one section")
        expect(detail.locator(".full-title")).to_contain_text(unit["label"])
        assert _words(detail.locator(".assessment-text").inner_text()) == _words(rows[two]["assessment"]["text"])
    # Priority actions are in number order in their objective even when the report prints one with another.
    numbers = page.eval_on_selector_all(".sc-cell", "cs => cs.map(c => c.dataset.pa)")
    assert numbers == sorted(numbers, key=_pa_order)


def test_scorecard_follows_the_report_selector(page, base_url):
    """With several reports the selector chooses the scorecard (and the link); "All reports" shows each."""
    from urllib.parse import parse_qs, urlparse

    from playwright.sync_api import expect

    rows = _scorecard_rows(base_url)
    peru = [{**r, "report": "peru-2022", "section_id": r["section_id"].replace("mexico-2022", "peru-2022")}
            for r in rows[:5]]
    asked: list[str] = []

    def scorecard(route):
        report = parse_qs(urlparse(route.request.url).query).get("report", [""])[0]
        asked.append(report)
        _fulfil(route, {"peru-2022": peru, "mexico-2022": rows}.get(report, rows + peru))

    page.route("**/reports", lambda route: _fulfil(route, TWO_REPORTS))
    page.route("**/scorecard*", scorecard)
    page.goto("/#scorecard=peru-2022")
    expect(page.locator("#report")).to_have_value("peru-2022")
    expect(page.locator("#verdicts .sc-cell")).to_have_count(len(peru))
    expect(page.locator("#scope")).to_contain_text("Scorecard of Peru: Evaluation Report on Drug Policies 2022")
    page.select_option("#report", "")
    expect(page.locator(".sc-report-heading")).to_have_count(2)
    expect(page.locator(".sc-report-heading").first).to_contain_text("Mexico 2022")
    expect(page.locator("#verdicts .sc-cell")).to_have_count(len(rows) + len(peru))
    expect(page).to_have_url(re.compile(r"#scorecard$"))
    page.select_option("#report", "mexico-2022")
    expect(page).to_have_url(re.compile(r"#scorecard=mexico-2022$"))
    expect(page.locator("#verdicts .sc-cell")).to_have_count(len(rows))
    assert asked == ["peru-2022", "", "mexico-2022"]
    page.get_by_role("link", name="Search", exact=True).click()
    expect(page.locator("#report")).to_have_value("mexico-2022")  # the search keeps the chosen report
    expect(page.locator("#scope")).to_contain_text("Searching Mexico")


def test_scorecard_fits_a_390px_phone(page, base_url):
    from playwright.sync_api import expect

    rows = _scorecard_rows(base_url)
    gap = next(r for r in rows if r["assessment"]["status"] == "gap")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/#scorecard")
    expect(page.locator("#verdicts .sc-cell")).to_have_count(len(rows))
    _shot(page, "web-16-scorecard-390.png")

    def fits():
        return page.evaluate("""() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
            wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                  .map(e => e.tagName + '.' + e.className)})""")

    widths = fits()
    assert widths["scroll"] <= widths["inner"] == 390 and widths["wide"] == [], widths
    tops = page.eval_on_selector_all("#verdicts .sc-objective:first-child .sc-cell",
                                     "cs => new Set(cs.map(c => Math.round(c.getBoundingClientRect().top))).size")
    assert tops > 1  # the cells wrap onto several lines
    page.locator(f'.sc-cell[data-pa="{gap["priority_action"]}"]').click()
    expect(page.locator(".sc-detail .full-text")).to_be_visible()
    expect(page.locator(".sc-detail-heading")).to_be_in_viewport()
    widths = fits()
    assert widths["scroll"] <= widths["inner"] and widths["wide"] == [], widths
    _shot(page, "web-17-scorecard-390-detail.png", full_page=False)
