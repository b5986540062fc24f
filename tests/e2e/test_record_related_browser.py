"""A record's related lists in Chromium: closed with exact counts; opening one reads its rows
(and only then); the same at 1280 and 390 px, axe clean with a list open."""

import re

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"
ZYLKER_TRADERS = "720019234"


def busiest_account(zoho) -> tuple[str, int]:
    org = zoho.app.state.orgs[ZYLKER_TRADERS]
    by_account: dict[str, int] = {}
    for contact in org.records["Contacts"].values():
        ref = contact.get("Account_Name")
        if isinstance(ref, dict):
            by_account[ref["id"]] = by_account.get(ref["id"], 0) + 1
    account = max(by_account, key=by_account.get)
    return account, by_account[account]


@pytest.mark.parametrize("width", ["page", "phone"])
def test_open_an_accounts_contacts(request, width, portal, zoho):
    page = request.getfixturevalue(width)
    account, contacts = busiest_account(zoho)
    signed_in(page, portal.url, zoho, PATRICIA, ZYLKER_TRADERS)
    rows_url = f"/crm/Accounts/{account}/related/Contacts/rows/"
    asked: list[str] = []
    # the related lists' rows (the Notes and Attachments cards read theirs when seen)
    page.on("request", lambda r: asked.append(r.url) if "/related/" in r.url else None)
    page.goto(f"{portal.url}/crm/Accounts/{account}/")
    section = page.locator("section.related-list", has=page.locator("h2", has_text="Contacts"))
    assert section.locator(".pill").inner_text().startswith(str(contacts))
    assert section.locator("details").get_attribute("open") is None
    assert asked == []  # nothing read before the list is opened
    axe_check(page, "record page, lists closed")

    section.locator("summary").click()
    first = section.locator(".related-body ul li a").first
    first.wait_for()
    assert [u for u in asked if u.endswith(rows_url)] and len(asked) == 1
    names = section.locator(".related-body ul li a").all_inner_texts()
    assert 1 <= len(names) == min(5, contacts)
    assert re.match(r"^/crm/Contacts/\d+/$", first.get_attribute("href"))
    axe_check(page, "record page, Contacts open")

    # Closing and opening again does not read it again.
    section.locator("summary").click()
    section.locator("summary").click()
    assert len(asked) == 1

    first.click()
    page.wait_for_url(re.compile(r"/crm/Contacts/\d+/$"))


def test_without_javascript_an_opened_list_links_to_view_all(browser, portal, zoho):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        account, contacts = busiest_account(zoho)
        signed_in(page, portal.url, zoho, PATRICIA, ZYLKER_TRADERS)
        page.goto(f"{portal.url}/crm/Accounts/{account}/")
        section = page.locator("section.related-list", has=page.locator("h2", has_text="Contacts"))
        section.locator("summary").click()
        link = section.get_by_role("link", name=f"View all {contacts} contacts")
        link.click()
        page.wait_for_url(re.compile(r"/related/Contacts/$"))
        assert f"of {contacts}" in page.inner_text("#list-range")
    finally:
        context.close()
