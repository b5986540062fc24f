"""A tour of the main pages at 1280 px and at phone width, saved as screenshots (test
artifacts under test-results/screenshots/; the README's are copied from them to
docs/screenshots/). Every page is checked with axe-core by the fixtures."""

import pytest

from tests.e2e.browser import ARTIFACTS, sign_in_with_zoho

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")


def test_tour_of_the_main_pages(page, portal):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(name, full_page=False):
        page.screenshot(path=str(ARTIFACTS / f"tour-{name}.png"), full_page=full_page)

    page.goto(portal.url + "/")
    shot("1-home-signed-out")
    page.get_by_role("link", name="Sign in with Zoho").first.click()
    page.wait_for_selector("text=Sign in and authorize")
    shot("2-consent")
    page.locator(f"input[name=email][value='{PATRICIA[0]}']").check()
    page.locator(f"input[name=org][value='{PATRICIA[1]}']").check()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector(".dashboard")
    page.wait_for_selector("[data-part-url]", state="detached")  # tiles filled
    shot("3-home-signed-in")
    page.goto(portal.url + "/crm/Leads/?per_page=20&page=2")
    shot("4-leads")
    page.goto(portal.url + "/crm/Accounts/")
    page.locator("tbody tr td.name a").first.click()
    page.wait_for_selector(".related-list")
    shot("5-account", full_page=True)
    page.goto(portal.url + "/crm/Contacts/")
    page.locator("tbody tr td.name a").first.click()
    page.get_by_role("link", name="Edit").click()
    box = page.get_by_role("combobox", name="Account Name")
    box.fill("")
    box.press("ArrowDown")
    page.wait_for_selector("[role=listbox] [role=option][data-id]")
    shot("6-edit-lookup")
    page.goto(portal.url + "/crm/Leads/new/")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Create Lead").click()
    page.wait_for_selector("#error-summary")
    shot("7-form-errors")
    page.goto(portal.url + "/crm/input/")
    page.wait_for_selector("#quick-list tbody tr")
    shot("8-data-input")
    page.goto(portal.url + "/accounts/connections/")
    shot("9-connections")
    page.goto(portal.url + "/crm/Leads/1234567890123456789/")
    shot("10-not-found")
    page.allowed_console_errors.append("status of 404")
    assert (ARTIFACTS / "tour-4-leads.png").stat().st_size > 10_000


def test_tour_at_phone_width(phone, portal):
    sign_in_with_zoho(phone, portal.url, *PATRICIA)

    def shot(name):
        phone.screenshot(path=str(ARTIFACTS / f"tour-phone-{name}.png"))

    shot("1-home")
    phone.goto(portal.url + "/crm/Leads/?per_page=10")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # nothing wider than the phone
    shot("2-leads")
    phone.locator("tbody tr td.name a").first.click()
    phone.wait_for_selector("dl.fields")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot("3-lead")
