"""The web page works with its Content-Security-Policy in force (issue 13): no inline script or style
is blocked, a question gets cited cards, the scorecard opens a section, and the browser reports no CSP
violation."""
from __future__ import annotations

import pytest

from test_web import ION_QUESTION, WAIT_MS, _ask, base_url, browser  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_page_works_under_its_content_security_policy(browser, base_url):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: violations.append(str(err)))
    try:
        response = page.goto("/")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        expect(page.locator("#objective option")).not_to_have_count(1)  # filled by app.js from /sections
        _ask(page, ION_QUESTION)
        expect(page.locator("#cards > li.card").first).to_contain_text("Priority Action")
        page.get_by_role("link", name="Scorecard", exact=True).click()  # the scorecard view (issue 15)
        gap = page.locator("#verdicts .sc-cell[data-status=gap]").first
        expect(gap).to_contain_text("gap")
        gap.click()
        expect(page.locator(".sc-detail .full-text")).to_be_visible()
        page.goto("/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("memqa")
    finally:
        context.close()
    assert violations == []
