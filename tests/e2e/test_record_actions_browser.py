"""Actions on a record in a real browser, at 1280 px and at phone width: add a note, attach a
file and download it back, convert the lead with a deal and follow the links to what it
became. Every page is checked with axe-core (here and by the fixtures); the README's
screenshots docs/screenshots/actions-1280.png and actions-390.png are saved from these runs
under test-results/screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.browser import ARTIFACTS, axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")


def _newest_lead(page) -> str:
    return page.evaluate(
        "fetch('/crm/api/Leads/?per_page=1').then(r => r.json()).then(j => j.data[0].id)"
    )


def _note_and_attachment(page, base: str, lead: str, text: str) -> None:
    page.goto(f"{base}/crm/Leads/{lead}/")
    page.get_by_role("textbox", name="Note (required)").fill(text)
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector(".messages >> text=Note added.")
    # the card shows its count at once and reads its rows when it scrolls into view
    assert (
        "Show the 1 note" in page.locator("#notes").inner_text()
        or page.locator("#notes .note-list").count()
    )
    page.locator("#notes").scroll_into_view_if_needed()
    page.wait_for_selector(f"#notes .note-list >> text={text}")
    page.get_by_label("Attach a file").set_input_files(
        files=[{"name": "terms.txt", "mimeType": "text/plain", "buffer": b"Net 30 days\n"}]
    )
    page.get_by_role("button", name="Attach", exact=True).click()
    page.locator("#attachments").scroll_into_view_if_needed()
    page.wait_for_selector("#attachments .attachment-list >> text=terms.txt")
    with page.expect_download() as download:
        page.locator("#attachments").get_by_role("link", name="terms.txt", exact=True).click()
    path = download.value.path()
    assert download.value.suggested_filename == "terms.txt"
    with open(path, "rb") as saved:
        assert saved.read() == b"Net 30 days\n"


def test_note_attachment_and_convert_at_1280(page, portal, zoho):
    signed_in(page, portal.url, zoho, *PATRICIA)
    page.goto(portal.url + "/")
    lead = _newest_lead(page)
    _note_and_attachment(page, portal.url, lead, "Asked for a quote on 40 units")
    page.locator("#notes").scroll_into_view_if_needed()
    axe_check(page, "a lead with a note and an attachment")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".record-actions").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "actions-1280.png"))

    page.get_by_role("link", name="Convert lead").click()
    page.wait_for_selector("text=Convert lead “")
    page.get_by_label("Also create a deal").check()
    page.get_by_label("Deal name").fill("First order")
    page.get_by_label("Stage").select_option("Qualification")
    page.get_by_label("Amount").fill("4800")
    axe_check(page, "the convert form")
    page.get_by_role("button", name="Convert lead").click()
    page.wait_for_selector("text=is converted")
    axe_check(page, "what the lead became")
    assert page.get_by_role("link", name="First order").count() == 1
    page.locator(".convert-result dd a").first.click()  # the contact
    page.wait_for_selector("#notes")
    page.locator("#notes").scroll_into_view_if_needed()
    page.wait_for_selector("#notes .note-list >> text=Asked for a quote on 40 units")
    page.locator("#attachments").scroll_into_view_if_needed()
    page.wait_for_selector("#attachments .attachment-list >> text=terms.txt")  # moved too
    assert "?notes=shown" not in page.url  # read as a fragment, not a new page


def test_note_attachment_and_convert_at_phone_width(phone, portal, zoho):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    phone.goto(portal.url + "/")
    lead = _newest_lead(phone)
    _note_and_attachment(phone, portal.url, lead, "Call back on Monday")
    axe_check(phone, "a lead's actions at phone width")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.locator("#notes").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "actions-390.png"))
    phone.get_by_role("link", name="Convert lead").click()
    phone.wait_for_selector("text=Convert lead “")
    axe_check(phone, "the convert form at phone width")
    phone.get_by_role("button", name="Convert lead").click()
    phone.wait_for_selector("text=is converted")
    axe_check(phone, "what the lead became at phone width")
