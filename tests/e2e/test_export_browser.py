"""Export in Chromium: the list's Export button, the job page's progress bar followed by
JavaScript while a real Celery worker runs the job against the emulator, then the CSV
download; at 1280 px (the UK org's 2,600 leads) and at 390 px. axe checks every page (the
fixtures)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.background.conftest import celery_broker, celery_worker  # noqa: F401 - fixtures
from tests.e2e.browser import ARTIFACTS, axe_check, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

TOM = ("tom.okonkwo@thamesgate-wholesale.co.uk", "90051762213")  # UK: 2,600 leads
PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def slow_zoho_jobs(settings, tmp_path):
    """Job files in the test's folder; half a second between looks at Zoho's job, so the
    progress bar is seen moving."""
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    settings.ZOHO_BULK_POLL_SECONDS = 0.5


def _export_from_the_list(page, base_url: str) -> None:
    page.goto(base_url + "/crm/Leads/")
    head = page.locator(".page-head").bounding_box()
    assert head["x"] + head["width"] <= page.viewport_size["width"]  # Export, Import fit
    page.get_by_role("button", name="Export").click()
    page.wait_for_url("**/crm/jobs/*/")
    bar = page.get_by_role("progressbar")
    assert bar.count() == 1
    assert bar.get_attribute("max") == "100"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if SCREENSHOTS.is_dir():
        shutil.copy(ARTIFACTS / name, SCREENSHOTS / name)


def test_export_the_uk_orgs_leads_with_the_progress_bar(page, portal, zoho, slow_zoho_jobs):
    signed_in(page, portal.url, zoho, *TOM)
    _export_from_the_list(page, portal.url)
    axe_check(page, "the job page while it runs")
    # JavaScript follows the job and shows the finished page: no reload by the test.
    page.get_by_role("link", name="Download the CSV file").wait_for(timeout=60000)
    assert page.get_by_role("progressbar").get_attribute("value") == "100"
    assert page.get_by_text("2,600 records exported.").count() == 1
    _shot(page, "export-1280.png")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the CSV file").click()
    data = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0][0] == "Lead Name" and len(rows) == 2601
    page.reload()  # the finished job survives a reload
    assert page.get_by_role("link", name="Download the CSV file").count() == 1


def test_export_at_phone_width(phone, portal, zoho, slow_zoho_jobs):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    _export_from_the_list(phone, portal.url)
    phone.reload()  # a running job survives a reload too
    assert phone.get_by_role("progressbar").count() == 1
    phone.get_by_role("link", name="Download the CSV file").wait_for(timeout=60000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the job page is {width} px wide"
    _shot(phone, "export-390.png")
