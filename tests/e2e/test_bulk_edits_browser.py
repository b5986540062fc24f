"""Bulk edits and lookups typed by name in a real browser (Chromium) at 1280 px and 390 px:
select rows, set one field on them, see the result per record; a lookup name that matches
nothing is refused on its field, whether the form is sent by mouse or by keyboard. Every page
is checked with axe-core (the fixtures, and `axe_check` for the pages a POST answered); the
result page's screenshots (test-results/screenshots/bulk-*.png) are the README's."""

import re

import pytest

from tests.e2e.browser import ARTIFACTS, axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")  # Zylker Traders, 45 leads


def _mass_update(page, base_url: str, shot: str) -> None:
    # The oldest leads first: the first is locked, the second awaits approval (the seed).
    page.goto(base_url + "/crm/Leads/?sort_by=id&sort_order=asc&per_page=10")
    select_page = page.get_by_label("Select all on this page")
    select_page.check()
    assert page.inner_text("#bulk-count") == "(10 ticked)"
    select_page.uncheck()
    boxes = page.locator("input[name=ids][form=bulk-form]")
    for index in range(3):
        boxes.nth(index).check()
    assert page.inner_text("#bulk-count") == "(3 ticked)"
    page.get_by_label("Field").select_option(label="Lead Status")
    page.get_by_role("button", name="Update field…").click()

    page.wait_for_selector("text=Set Lead Status on 3 leads")
    axe_check(page, "bulk confirmation")
    page.get_by_label("New value of Lead Status").select_option(label="Contacted")
    page.get_by_role("button", name="Update 3 leads").click()

    page.wait_for_selector("text=Lead Status set on 1 of 3 leads")
    rows = page.locator("table.bulk-results tbody tr")
    assert rows.count() == 3
    assert "locked in Zoho" in rows.nth(0).inner_text()
    assert "awaiting approval" in rows.nth(1).inner_text()
    assert "Done" in rows.nth(2).inner_text()
    axe_check(page, "bulk result")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # the README's copies: docs/screenshots/
    page.screenshot(path=str(ARTIFACTS / shot))


def test_select_rows_mass_update_and_see_each_result(page, portal, zoho):
    signed_in(page, portal.url, zoho, *PATRICIA)
    _mass_update(page, portal.url, "bulk-1280.png")


def test_mass_update_at_phone_width(phone, portal, zoho):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    _mass_update(phone, portal.url, "bulk-390.png")


@pytest.mark.parametrize("send", ["click", "enter"])
def test_a_lookup_name_matching_nothing_is_refused_on_its_field(page, portal, zoho, send):
    signed_in(page, portal.url, zoho, *PATRICIA)
    page.goto(portal.url + "/crm/Contacts/new/")
    page.get_by_label("Last Name").fill("Typed Account")
    box = page.get_by_role("combobox", name="Account Name")
    box.fill("Nonexistent Co")
    if send == "enter":
        box.press("Enter")
    else:
        page.get_by_role("button", name="Create Contact").click()
    page.wait_for_selector("#id_Account_Name_error")
    assert "no account is named “Nonexistent Co”" in page.inner_text("#id_Account_Name_error")
    # what was typed is still there, in the picker
    assert page.get_by_role("combobox", name="Account Name").input_value() == "Nonexistent Co"
    axe_check(page, "form with a lookup error")


def _all_matching(page, base_url: str) -> None:
    """Every lead matching a search, set in a background job (run at once here: the tests
    have no broker, so Celery runs the task eagerly); its page shows the outcome."""
    page.goto(base_url + "/crm/Leads/?q=Linda")
    everything = page.locator("input[name=scope][value=all]")
    assert re.search(r"All [0-9,]+ matching “Linda”", everything.locator("xpath=..").inner_text())
    everything.check()
    page.get_by_label("Field").select_option(label="Lead Status")
    page.get_by_role("button", name="Update field…").click()
    page.wait_for_selector("text=Every lead matching “Linda”")
    axe_check(page, "bulk confirmation, all matching")
    page.get_by_label("New value of Lead Status").select_option(label="Contacted")
    page.locator("button.primary", has_text="Update").click()
    page.wait_for_url("**/crm/jobs/**")
    page.wait_for_selector("text=Done.")
    assert page.locator("progress#job-progress").get_attribute("value") == "100"
    assert "updated" in page.inner_text(".message")
    failed = page.inner_text("table.bulk-results")
    assert "Linda Wilson" in failed and "locked in Zoho" in failed  # the oldest lead, by name


def test_all_matching_runs_as_a_job_with_its_own_page(page, portal, zoho):
    signed_in(page, portal.url, zoho, *PATRICIA)
    _all_matching(page, portal.url)


def test_all_matching_at_phone_width(phone, portal, zoho):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    _all_matching(phone, portal.url)


def test_all_matching_follows_the_view_and_filters_applied_on_the_list(page, portal, zoho):
    """The list's view and filters, applied with its form (blank filters included), are what
    "all N" means: the confirmation names the list's count, and the job's page leads back to
    the same filtered list."""
    signed_in(page, portal.url, zoho, *PATRICIA)
    page.goto(portal.url + "/crm/Leads/")
    page.get_by_role("heading", name="View and filters").click()  # the picker loads on opening
    page.get_by_label("View", exact=True).select_option(label="My Leads")
    page.get_by_label("Lead Status").first.select_option(label="Contacted")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**f_Lead_Status=Contacted**")
    count = page.inner_text("#list-range").rsplit(" of ", 1)[-1]
    everything = page.locator("input[name=scope][value=all]")
    label = everything.locator("xpath=..").inner_text()
    assert f"All {count} in the view “My Leads” matching these filters" in label
    everything.check()
    page.get_by_label("Field").select_option(label="City")
    page.get_by_role("button", name="Update field…").click()
    page.wait_for_selector(f"text=Set City on {count} leads")
    axe_check(page, "bulk confirmation, all in a view")
    page.get_by_label("New value of City").fill("Filtertown")
    page.locator("button.primary", has_text="Update").click()
    page.wait_for_url("**/crm/jobs/**")
    page.wait_for_selector("text=Done.")
    assert f" of {count} updated" in page.inner_text(".message")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Leads").click()
    page.wait_for_url("**f_Lead_Status=Contacted**")
    assert page.inner_text("#list-range").rsplit(" of ", 1)[-1] == count
    axe_check(page, "the filtered list after a bulk edit")
