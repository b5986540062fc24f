"""Views and filters in a real browser: pick one of Zoho's views, add a filter, reload the
URL and get the same list; axe-clean at 1280 px and at phone width."""

import re

import pytest

from tests.e2e.browser import ARTIFACTS, axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")


def _statuses(page) -> set[str]:
    return {t.strip() for t in page.locator("td[data-label='Lead Status']").all_inner_texts()}


def test_pick_a_view_filter_it_and_reload(page, portal, zoho):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    signed_in(page, portal.url, zoho, *PATRICIA)
    page.goto(portal.url + "/crm/Leads/?per_page=50")
    assert page.locator("#filter-cvid").count() == 0  # Zoho's views are not read yet
    page.get_by_role("heading", name="View and filters").click()  # the picker loads on opening
    page.get_by_label("View", exact=True).select_option(label="Contacted and qualified")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*cvid=\d+.*"))
    assert _statuses(page) <= {"Contacted", "Pre-Qualified"}
    assert "In the view's own order" in page.inner_text("#list-order")

    page.get_by_label("Lead Status", exact=True).select_option("Contacted")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*f_Lead_Status=Contacted.*"))
    assert _statuses(page) == {"Contacted"}
    url, rows = page.url, page.locator("tbody tr").count()
    assert rows > 0

    page.reload()  # the URL alone reopens the view and the filter
    assert page.url == url
    assert page.locator("tbody tr").count() == rows
    assert page.get_by_label("View", exact=True).input_value().isdigit()
    assert page.get_by_label("Lead Status", exact=True).input_value() == "Contacted"
    assert page.locator(".filters-view").inner_text() == ": Contacted and qualified"
    axe_check(page, "leads in a view, filtered")
    page.screenshot(
        path=str(ARTIFACTS / "views-1280.png"),
        clip={"x": 0, "y": 120, "width": 1280, "height": 640},
    )

    page.get_by_role("link", name="Clear view and filters").click()
    page.wait_for_url(re.compile(r".*/crm/Leads/\?per_page=50$"))
    assert page.locator("tbody tr").count() == 45  # all of Zylker Traders' leads


def test_my_records_and_a_date_range_at_phone_width(phone, portal, zoho):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    signed_in(phone, portal.url, zoho, *PATRICIA)
    phone.goto(portal.url + "/crm/Leads/?per_page=10")
    phone.get_by_role("heading", name="View and filters").click()
    phone.get_by_role("link", name="My leads").click()
    phone.wait_for_url(re.compile(r".*owner=me.*"))
    owners = phone.locator("td[data-label='Lead Owner']").all_inner_texts()
    assert owners and {o.strip() for o in owners} == {"Patricia Boyle"}
    phone.get_by_label("From", exact=True).fill("2024-01-01")
    phone.get_by_role("button", name="Apply").click()
    phone.wait_for_url(re.compile(r".*from=2024-01-01.*"))
    assert "owner=me" in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    axe_check(phone, "my leads, from a date, at phone width")
    phone.screenshot(path=str(ARTIFACTS / "views-390.png"), scale="css")
