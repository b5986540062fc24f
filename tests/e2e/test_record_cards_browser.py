"""A record's Notes and Attachments cards in Chromium: the page shows their counts and reads
no rows until a card is seen; scrolling to the Notes card reads its notes, its "Show the 1
attachment" link reads the attachments in place (once each); axe clean with both loaded."""

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")


def test_cards_read_their_rows_when_seen(page, portal, zoho):
    signed_in(page, portal.url, zoho, *PATRICIA)
    page.goto(portal.url + "/")
    lead = page.evaluate(
        "fetch('/crm/api/Leads/?per_page=1').then(r => r.json()).then(j => j.data[0].id)"
    )
    url = f"{portal.url}/crm/Leads/{lead}/"
    page.goto(url)
    page.get_by_role("textbox", name="Note (required)").fill("Seen only when scrolled to")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector(".messages >> text=Note added.")
    page.get_by_label("Attach a file").set_input_files(
        files=[{"name": "lazy.txt", "mimeType": "text/plain", "buffer": b"later\n"}]
    )
    page.get_by_role("button", name="Attach", exact=True).click()
    page.wait_for_selector(".messages >> text=lazy.txt")

    page.set_viewport_size({"width": 1280, "height": 500})  # the cards well below the fold
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/rows/" in r.url else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert "1" in page.locator("#notes-title .pill").inner_text()
    assert "1" in page.locator("#attachments-title .pill").inner_text()
    assert asked == []  # nothing read before a card is seen

    # its link, followed without scrolling (a click where the card is not seen yet)
    page.locator("#attachments a[data-rows-link]").evaluate("link => link.click()")
    page.wait_for_selector("#attachments .attachment-list >> text=lazy.txt")
    assert page.url == url  # read in place, not a new page
    page.locator("#notes").scroll_into_view_if_needed()
    page.wait_for_selector("#notes .note-list >> text=Seen only when scrolled to")
    page.wait_for_load_state("networkidle")
    assert sorted(u.removeprefix(portal.url) for u in asked) == [
        f"/crm/Leads/{lead}/rows/attachments/",
        f"/crm/Leads/{lead}/rows/notes/",
    ]
    axe_check(page, "a lead's notes and attachments, read when seen")
