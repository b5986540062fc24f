"""Import in Chromium: choose a CSV file, match its columns, check the rows, import with the
progress bar while a real Celery worker runs the job against the emulator, then the counts
and the failed rows; at 1280 px (1,000 rows, some bad) and at 390 px. axe checks every page
(the fixtures)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from tests.background.conftest import celery_broker, celery_worker  # noqa: F401 - fixtures
from tests.e2e.browser import ARTIFACTS, axe_check, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

PATRICIA = ("patricia.boyle@zylker-traders.com", "720019234")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def slow_zoho_jobs(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    settings.ZOHO_BULK_POLL_SECONDS = 0.3


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if SCREENSHOTS.is_dir():
        shutil.copy(ARTIFACTS / name, SCREENSHOTS / name)


def _upload(page, base_url: str, data: bytes) -> None:
    page.goto(base_url + "/crm/Leads/")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Next: match the columns").click()
    page.wait_for_url("**/crm/Leads/import/*/")


def test_import_1000_rows_with_bad_ones(page, portal, zoho, slow_zoho_jobs):
    rows = [["Last Name", "Firma", "Email"]]
    for n in range(1000):
        rows.append(["" if n % 100 == 7 else f"Browser {n}", f"Co {n}", f"browser{n}@example.com"])
    signed_in(page, portal.url, zoho, *PATRICIA)
    _upload(page, portal.url, _csv(rows))
    assert page.get_by_label("Field for the column Last Name").input_value() == "Last_Name"
    assert page.get_by_label("Field for the column Firma").input_value() == ""
    page.get_by_label("Field for the column Firma").select_option("Company")
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_role("heading", name="Check of every row").wait_for()
    assert page.get_by_text("990 rows look right; 10 have problems").count() == 1
    axe_check(page, "the import's column page with the check")
    _shot(page, "import-check-1280.png")
    page.get_by_role("button", name="Import 1,000 rows").click()
    page.wait_for_url("**/crm/jobs/*/")
    assert page.get_by_role("progressbar").count() == 1
    page.get_by_role("link", name="Download the failed rows (CSV, with Zoho's reason)").wait_for(
        timeout=90000
    )
    assert page.get_by_text("Created 990, Updated 0, Failed 10").count() == 1
    _shot(page, "import-1280.png")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the failed rows (CSV, with Zoho's reason)").click()
    failed = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(failed) == 11 and "MANDATORY_NOT_FOUND-Last Name" in failed[1]


def test_import_at_phone_width(phone, portal, zoho, slow_zoho_jobs):
    signed_in(phone, portal.url, zoho, *PATRICIA)
    phone.goto(portal.url + "/crm/Leads/import/")
    phone.get_by_label("CSV file").set_input_files(  # an empty file: refused on the page
        {"name": "empty.csv", "mimeType": "text/csv", "buffer": b""}
    )
    phone.get_by_role("button", name="Next: match the columns").click()
    assert phone.get_by_role("alert").get_by_text("The file is empty.").count() == 1
    phone.allowed_console_errors.append("status of 400")
    data = _csv([["Last Name", "Company"], ["Phone One", "P Ltd"], ["", "No Name Ltd"]])
    phone.get_by_label("CSV file").set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": data}
    )
    phone.get_by_role("button", name="Next: match the columns").click()
    phone.get_by_role("button", name="Check the rows").click()
    phone.get_by_role("button", name="Import 2 rows").click()
    phone.get_by_text("Created 1, Updated 0, Failed 1").wait_for(timeout=60000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the job page is {width} px wide"
    _shot(phone, "import-390.png")
