"""A locked record in a real browser: the page says so, offers no Edit or Delete, and passes
axe; its edit page answers 409 with the same words."""

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_locked_lead_says_so_and_offers_no_change(page, portal, zoho):
    page.allowed_console_errors.append("status of 409")
    signed_in(page, portal.url, zoho, "patricia.boyle@zylker-traders.com", "720019234")
    oldest = page.evaluate(
        "fetch('/crm/api/Leads/?per_page=2&sort_by=id&sort_order=asc')"
        ".then(r => r.json()).then(j => j.data.map(r => r.id))"
    )
    locked, pending = oldest  # the demo locks the oldest lead, the next awaits approval
    page.goto(f"{portal.url}/crm/Leads/{locked}/")
    notice = page.locator(".record-blocked")
    assert "This record is locked in Zoho" in notice.inner_text()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.get_by_role("link", name="Delete").count() == 0
    axe_check(page, "a locked record")
    page.goto(f"{portal.url}/crm/Leads/{pending}/")
    assert "awaiting approval" in page.locator(".record-blocked").inner_text()
    response = page.goto(f"{portal.url}/crm/Leads/{locked}/edit/")
    assert response.status == 409
    assert "locked in Zoho" in page.content()
