"""The dashboard in Chromium: the page first, each tile and the pipeline filled in after it
by static/js/app.js (crm/views/dashboard_parts.py), at 1280 px and 390 px, with nothing
moving when they fill and axe-core clean both while loading and filled; without JavaScript
the page points to `/?full=1`, the dashboard read whole."""

from __future__ import annotations

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS = "720019234"
TILES = 8

# What the page looked like before any part answered (DOMContentLoaded comes before the
# parts' answers, each of which waits on Zoho): each tile's box, and whether it was busy.
RECORD_PLACEHOLDERS = """
document.addEventListener("DOMContentLoaded", function () {
  var tiles = document.querySelectorAll(".tile");
  window.__placeholders = Array.prototype.map.call(tiles, function (t) {
    var box = t.getBoundingClientRect();
    return { id: t.id, top: box.top + window.scrollY, left: box.left, height: box.height,
             width: box.width, busy: t.getAttribute("aria-busy") };
  });
});
"""


def filled(page) -> None:
    """Wait until every part of the dashboard has answered."""
    page.wait_for_selector("[data-part-url]", state="detached")


def _boxes(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries(Array.prototype.map.call(document.querySelectorAll(".tile"),
            t => { const b = t.getBoundingClientRect();
                   return [t.id, { top: b.top + window.scrollY, left: b.left, height: b.height,
                                   width: b.width }]; }))"""
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_the_tiles_fill_in_after_the_page_without_moving(browser, portal, zoho, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(RECORD_PLACEHOLDERS)
    page = context.new_page()
    try:
        signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
        filled(page)
        before = page.evaluate("window.__placeholders")
        assert len(before) == TILES
        assert all(b["busy"] == "true" for b in before)  # they were placeholders then
        after = _boxes(page)
        for box in before:
            now = after[box["id"]]
            for key in ("top", "left", "height", "width"):
                assert abs(now[key] - box[key]) < 1, (width, box["id"], key, box, now)
        assert page.locator(".tile-count").count() == TILES
        assert page.locator("[aria-busy=true]").count() == 0
        assert page.locator("#dashboard-status").inner_text() == "Dashboard loaded."
        leads = page.locator("#tile-box-Leads")
        assert leads.locator(".tile-count").inner_text() == "45"
        assert leads.locator("li a").count() == 3
        assert page.locator(".pipeline-chart li").count() >= 5
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        axe_check(page, f"dashboard filled at {width} px")
    finally:
        context.close()


def test_the_placeholders_are_axe_clean_while_loading(page, zoho, portal):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.route("**/crm/dashboard/**", lambda route: route.abort())  # nothing ever answers
    page.goto(portal.url + "/")
    page.wait_for_selector(".tile")
    assert page.locator(".tile h3 a").count() == TILES  # headings and links, at once
    axe_check(page, "dashboard while its tiles load")
    page.wait_for_selector("[aria-busy=true]", state="detached")  # each gave up
    assert "could not be read just now" in page.locator("#tile-box-Leads").inner_text()
    page.unroute("**/crm/dashboard/**")
    page.allowed_console_errors.append("Failed to load resource")


def test_without_javascript_the_page_points_to_the_whole_dashboard(browser, portal, zoho):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
        page.get_by_role("link", name="Show the dashboard without it").click()
        page.wait_for_url("**/?full=1")
        assert page.locator(".tile-count").count() == TILES
        assert page.locator("#tile-box-Leads .tile-count").inner_text() == "45"
        assert page.locator("[aria-busy]").count() == 0
    finally:
        context.close()


def test_the_whole_dashboard_is_axe_clean(page, zoho, portal):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/?full=1")
    assert page.locator(".tile-count").count() == TILES
    axe_check(page, "the dashboard read whole (/?full=1)")
