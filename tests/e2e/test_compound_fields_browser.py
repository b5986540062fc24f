"""Addresses, multi lookups, subform rows and the record photo changed in a real browser:
the photo uploaded, shown and removed on the record page; the edit form's address parts,
an unlinked and a newly picked product (the search-as-you-type picker), a user added and
a subform row added, all saved through the SDK; axe on both pages."""

import struct
import zlib

import pytest

from tests.e2e.browser import axe_check, signed_in
from zoho_emulator import seed, state

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS = "720019234"


def _png(width: int, height: int) -> bytes:
    """A real (decodable) PNG of one grey colour."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\0" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _showcase():
    leads = state.pristine_records(TRADERS)[0]["Leads"].values()
    return next(rec for rec in leads if rec.get("Proposal"))


def test_photo_upload_and_remove_on_the_record_page(page, portal, zoho):
    signed_in(page, portal.url, zoho, PATRICIA)
    lead = _showcase()
    page.goto(f"{portal.url}/crm/Leads/{lead['id']}/")
    photo = {"name": "me.png", "mimeType": "image/png", "buffer": _png(40, 30)}
    page.set_input_files("#photo-Record_Image", files=[photo])
    page.get_by_role("button", name="Save photo").click()
    page.wait_for_selector("text=Photo saved.")
    image = page.locator("a.thumb img[alt^='Photo of']")
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") == 40
    axe_check(page, "record page with the photo forms")
    page.get_by_role("button", name="Remove the photo").click()
    page.wait_for_selector("text=Photo removed.")
    assert page.locator("text=No photo yet").count() == 1
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]
    assert not stored.get("Record_Image")


def test_edit_form_changes_an_address_links_and_subform_rows(page, portal, zoho):
    signed_in(page, portal.url, zoho, PATRICIA)
    lead = _showcase()
    records = zoho.app.state.orgs[TRADERS].records
    before = records["Leads"][lead["id"]]
    linked = {item["Product"]["id"] for item in before["Interested_Products"]}
    product = next(p for p in records["Products"].values() if p["id"] not in linked)
    team = {item["Team_Member"]["id"] for item in before["Account_Team"]}
    user = next(u for u in seed.org_users(TRADERS) if u.crm_ids[TRADERS] not in team)
    page.goto(f"{portal.url}/crm/Leads/{lead['id']}/edit/")
    page.get_by_role("group", name="Visit Address").get_by_label("City").fill("Grenoble")
    first = before["Interested_Products"][0]["Product"]["name"]
    page.get_by_role("checkbox", name=first, exact=True).uncheck()
    box = page.get_by_role("combobox", name="Add a record").first
    box.fill(product["Product_Name"][:6])
    option = page.locator(f"[role=listbox]:not([hidden]) [role=option][data-id='{product['id']}']")
    option.wait_for()
    option.click()
    page.get_by_label("Add users").select_option(user.crm_ids[TRADERS])
    page.get_by_label("Outcome, row 2").fill("Second visit")
    page.get_by_label("Visit Date, row 2").fill("2026-12-01")
    # The static subform's fixed rows: each named by its criterion, no Remove box.
    checklist = page.get_by_role("region", name="Qualification Checklist: rows")
    assert checklist.get_by_role("checkbox", name="Remove row 1").count() == 0
    page.get_by_label("Evidence, Budget").fill("CFO signed off")
    page.get_by_label("Met, Budget").check()
    axe_check(page, "edit form with an address, links and subform rows")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Lead saved.")
    after = records["Leads"][lead["id"]]
    assert after["Visit_Address"]["city"] == "Grenoble"
    products = {item["Product"]["id"] for item in after["Interested_Products"]}
    assert products == (linked - {before["Interested_Products"][0]["Product"]["id"]}) | {
        product["id"]
    }
    assert user.crm_ids[TRADERS] in {item["Team_Member"]["id"] for item in after["Account_Team"]}
    assert [r["Outcome"] for r in after["Visit_Log"]][-1] == "Second visit"
    budget = next(r for r in after["Qualification_Checklist"] if r["Criterion"] == "Budget")
    assert budget["Evidence"] == "CFO signed off" and budget["Met"] is True
    assert page.locator("address", has_text="Grenoble").count() == 1
