"""A new record in a layout of the user's choice, in a real browser (axe checks the form)."""

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS = "720019234"


def test_a_new_lead_in_the_partner_layout(page, portal, zoho):
    page.allowed_console_errors.append("status of 400")  # the form shown again with errors
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/Leads/new/")
    axe_check(page, "new lead, default layout")
    assert page.get_by_label("Layout").input_value() == "3652397000000091055"
    # Lead Status shows Zoho's display values; the stored value is what is sent.
    assert page.locator("select[name=Lead_Status] option[value='Not Contacted']").inner_text() == (
        "New"
    )
    page.get_by_label("Layout").select_option(label="Partner Leads")
    page.get_by_role("button", name="Use this layout").click()
    page.wait_for_selector("legend:has-text('Partner Lead Information')")
    assert "layout=3652397000000091077" in page.url  # remembered in the URL
    axe_check(page, "new lead, partner layout")
    page.get_by_label("Last Name").fill("Partnerton")
    page.get_by_role("button", name="Create Lead").click()
    # the partner layout asks for an email and a lead source
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "Email" in summary.inner_text() and "Lead Source" in summary.inner_text()
    page.locator("#id_Email").fill("partnerton@example.org")
    page.locator("#id_Lead_Source").select_option(label="Partner")
    page.locator("#id_Lead_Status").select_option(label="Qualified")
    page.get_by_role("button", name="Create Lead").click()
    page.wait_for_selector("text=Lead created.")
    body = page.inner_text("main")
    assert "Partner Leads" in body and "Qualified" in body and "Pre-Qualified" not in body
