"""A tour of the main pages, saved as screenshots (test artifacts; a few are copied to docs/)."""

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_tour_of_the_main_pages(page, portal, demo_users):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(name):
        page.screenshot(path=str(ARTIFACTS / f"tour-{name}.png"))

    page.goto(portal.url + "/")
    shot("1-home-signed-out")
    page.get_by_role("link", name="Sign in with Zoho").first.click()
    page.wait_for_selector("text=Sign in and authorize")
    shot("2-consent")
    user = demo_users["by_dc"]["eu"][0]
    page.locator(f"input[name=email][value='{user['email']}']").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=Modules")
    shot("3-home-signed-in")
    page.goto(portal.url + "/crm/Leads/?per_page=10")
    shot("4-leads")
    page.locator("tbody tr td:first-child a").first.click()
    shot("5-lead")
    page.goto(portal.url + "/crm/input/")
    page.wait_for_selector("#quick-list tbody tr")
    shot("6-data-input")
    page.goto(portal.url + "/accounts/connections/")
    shot("7-connections")
    assert (ARTIFACTS / "tour-4-leads.png").stat().st_size > 10_000
