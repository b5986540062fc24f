"""Export of a list's view and filters in Chromium, at 1280 px and 390 px: the Export
button sends the list's view and filter, the job page says which records; a searched list
exports its search (at 1280 px: the job page names it, the CSV holds the list's rows). axe
checks every page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.background.conftest import celery_broker, celery_worker  # noqa: F401 - fixtures
from tests.e2e.browser import axe_check, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")


@pytest.fixture
def job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def _export_a_view_and_a_filter(page, base_url: str) -> None:
    page.goto(base_url + "/crm/Leads/")
    page.get_by_role("heading", name="View and filters").click()  # the picker loads on opening
    page.locator("#filter-cvid").select_option(label="My Leads")
    page.locator("#filter-f_Lead_Status").select_option("Contacted")
    page.locator("form.filters").get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*cvid=\d+.*f_Lead_Status=Contacted.*"))
    page.get_by_role("button", name="Export").click()
    page.wait_for_url("**/crm/jobs/*/")
    assert page.locator("#job-scope").inner_text() == (
        "Which records: View: My Leads; Lead Status: Contacted."
    )
    page.get_by_role("link", name="Download the CSV file").wait_for(timeout=60000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the job page is {width} px wide"


def _search(page, base_url: str, *, export: bool) -> None:
    """A searched list offers Export; with `export`, its job page names the search and the
    CSV holds the rows the list shows."""
    page.goto(base_url + "/crm/Leads/?q=smith")
    names = sorted(page.locator("table tbody td.name").all_inner_texts())
    assert names
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the list is {width} px wide"
    button = page.get_by_role("button", name="Export")
    assert button.is_visible()
    if not export:
        return
    button.click()
    page.wait_for_url("**/crm/jobs/*/")
    assert page.locator("#job-scope").inner_text() == "Which records: Search: smith."
    link = page.get_by_role("link", name="Download the CSV file")
    link.wait_for(timeout=60000)
    with page.expect_download() as download_info:
        link.click()
    data = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert sorted(r["Lead Name"] for r in rows) == names


def test_export_of_a_view_and_filter_at_1280(page, portal, zoho, job_files):
    signed_in(page, portal.url, zoho, *PATRICIA)
    _export_a_view_and_a_filter(page, portal.url)
    axe_check(page, "the finished job page of a filtered export")
    _search(page, portal.url, export=True)
    axe_check(page, "the finished job page of a search's export")


def test_export_of_a_view_and_filter_at_390(phone, portal, zoho, job_files):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    _export_a_view_and_a_filter(phone, portal.url)
    axe_check(phone, "the finished job page of a filtered export at 390 px")
    _search(phone, portal.url, export=False)
    axe_check(phone, "a searched list with its Export button at 390 px")
