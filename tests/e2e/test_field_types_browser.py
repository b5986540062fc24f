"""The field types real orgs use, in a real browser: thumbnails and the photo load through
the portal, a file downloads with its name, the planted script in rich text never runs, and
the record page passes axe at desktop and phone width."""

import pytest

from tests.e2e.browser import axe_check, signed_in
from zoho_emulator import state

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"


def _showcase():
    """The first seeded lead with a value of every type (after the locked and pending ones)."""
    leads = state.pristine_records("720019234")[0]["Leads"].values()
    return next(rec for rec in leads if rec.get("Proposal"))


def _loaded_images(page) -> list[int]:
    """naturalWidth of every image in the record's fields (0: did not load), each scrolled
    into view first (they load lazily)."""
    page.wait_for_load_state("load")
    return page.eval_on_selector_all(
        "dl.fields img",
        """imgs => Promise.all(imgs.map(i => {
            i.scrollIntoView();
            return i.complete ? i.naturalWidth : new Promise(done => {
                i.addEventListener("load", () => done(i.naturalWidth));
                i.addEventListener("error", () => done(0));
            });
        }))""",
    )


def test_record_page_shows_files_images_and_safe_rich_text(page, portal, zoho):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    lead = _showcase()
    signed_in(page, portal.url, zoho, PATRICIA)
    page.goto(f"{portal.url}/crm/Leads/{lead['id']}/")
    widths = _loaded_images(page)
    assert len(widths) == 1 + len(lead["Site_Photos"])  # the photo and each site photo
    assert all(w > 0 for w in widths), widths
    assert page.locator(".rich-text b", has_text="buyer").count() == 1
    assert page.locator(".rich-text script, .rich-text img, [onerror]").count() == 0
    assert page.locator("table.subform th").count() >= 3
    assert page.locator("address").first.inner_text().count("\n") >= 2
    doc = lead["Proposal"][0]
    with page.expect_download() as download:
        page.get_by_role("link", name=doc["File_Name__s"]).click()
    assert download.value.suggested_filename == doc["File_Name__s"]
    brief = {"name": "brief.txt", "mimeType": "text/plain", "buffer": b"brief"}
    page.set_input_files("#add-Proposal", files=[brief])
    page.get_by_role("button", name="Upload").first.click()
    page.wait_for_selector("text=“brief.txt” added.")
    assert page.get_by_role("link", name="brief.txt").count() == 1
    page.get_by_role("button", name="Remove brief.txt").click()
    page.wait_for_selector("text=“brief.txt” removed.")
    assert page.get_by_role("link", name="brief.txt").count() == 0
    product = lead["Interested_Products"][0]["Product"]
    page.get_by_role("link", name=product["name"], exact=True).first.click()
    page.wait_for_url(f"**/crm/Products/{product['id']}/")
    page.go_back()
    axe_check(page, "record page with every field type")
    assert dialogs == []  # the planted alert() never ran


def test_record_page_with_every_type_at_phone_width(phone, portal, zoho):
    lead = _showcase()
    signed_in(phone, portal.url, zoho, PATRICIA)
    phone.goto(f"{portal.url}/crm/Leads/{lead['id']}/")
    assert all(w > 0 for w in _loaded_images(phone))
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    axe_check(phone, "record page with every field type, phone")
