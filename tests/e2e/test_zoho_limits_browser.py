"""Zoho's limits in a real browser: an expired page token and a 429 are pages a person can
read and act on (axe-checked), and a column sorts through COQL."""

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

UK = "harriet.ashworth@thamesgate-wholesale.co.uk"  # 2,600 leads
US_ORG = "720019234"


def test_an_expired_list_offers_the_first_page(page, portal, zoho):
    signed_in(page, portal.url, zoho, UK)
    page.goto(portal.url + "/crm/Leads/?per_page=200&page=10")
    page.get_by_role("link", name="Next").first.click()
    page.wait_for_url("**page_token=**")
    zoho.client.expire_page_tokens()  # a day later
    page.get_by_role("link", name="Next").first.click()
    notice = page.get_by_text("opened more than a day ago")
    notice.wait_for()
    assert "Showing the first page." in notice.inner_text()
    assert "token" not in notice.inner_text().lower()
    assert "Page 1" in page.content()
    axe_check(page, "expired page token notice")


def test_a_column_header_sorts_the_list(page, portal, zoho):
    signed_in(page, portal.url, zoho, UK)
    page.goto(portal.url + "/crm/Leads/")
    page.get_by_role("link", name="Company").click()
    page.wait_for_url("**sort_by=Company**")
    assert "Sorted by Company" in page.content()
    assert page.locator("th[aria-sort=ascending]").count() == 1
    assert page.get_by_role("link", name="Lead Owner").count() == 0  # not sortable at Zoho


@pytest.mark.parametrize(
    ("limits", "title", "advice"),
    [
        ({"limit": 0}, "Out of Zoho API credits for now", "later today"),
        ({"concurrency": 0}, "Zoho is busy", "5 seconds"),
    ],
)
def test_zoho_refusing_for_its_limits_is_a_429_page(
    page, portal, zoho, monkeypatch, limits, title, advice
):
    from crm.zoho import runner

    monkeypatch.setattr(runner, "CONCURRENCY_RETRY_DELAY", 0)
    signed_in(page, portal.url, zoho, "patricia.boyle@zylker-traders.com", US_ORG)
    page.goto(portal.url + "/crm/Leads/")  # metadata cached
    zoho.client.set_credits(US_ORG, **limits)
    page.allowed_console_errors.append("status of 429")
    response = page.goto(portal.url + "/crm/Leads/")
    assert response.status == 429
    assert response.headers.get("retry-after")
    assert page.get_by_role("heading", name=title).count() == 1
    assert advice in page.inner_text("main")
    axe_check(page, f"429 page ({title})")
