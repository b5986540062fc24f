"""Import: a CSV file through Zoho's Bulk Write (emulated over real HTTP) as a job; the
pages (upload, match the columns, check every row), the JSON API, bad files, who may see
what."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jobs import services
from jobs.models import Job

PATRICIA = "patricia.boyle@zylker-traders.com"
ZYLKER_TRADERS = "720019234"
TOM = "tom.okonkwo@thamesgate-wholesale.co.uk"
THAMESGATE = "90051762213"


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def csv_file(rows, name="leads.csv", bom=False) -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = ("\ufeff" if bom else "") + out.getvalue()
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def thousand_rows():
    """1,000 leads; rows 8, 108, … lack a Last Name, rows 43, 143, … have a bad email."""
    rows = [["Last Name", "Company", "Email", "Lead Source"]]
    for n in range(1000):
        last = "" if n % 100 == 7 else f"Import {n}"
        email = "not an email" if n % 100 == 42 else f"import{n}@example.com"
        rows.append([last, f"Company {n}", email, "Advertisement"])
    return rows


def _import(client, rows, **extra):
    return client.post("/crm/api/Leads/import/", {"file": csv_file(rows), **extra})


def _finished(client, job_id):
    services.job_run(job_id)
    return client.get(f"/crm/api/jobs/{job_id}/").json()["job"]


def _download(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data)))


def test_a_1000_row_import_with_bad_rows_counts_and_returns_the_failed_rows(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    response = _import(client, thousand_rows())
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert (job["state"], job["progress"], job["result"]) == ("queued", 0, None)

    job = _finished(client, job["id"])

    assert job["state"] == "done", job
    assert job["result"] == {"created": 980, "updated": 0, "failed": 20}
    failed = _download(client, job["download_url"])
    assert failed[0] == ["Last Name", "Company", "Email", "Lead Source", "Reason", "Zoho's reason"]
    assert len(failed) == 21
    assert failed[1][1:3] == ["Company 7", "import7@example.com"]
    assert failed[1][4:] == ["Last Name is required.", "MANDATORY_NOT_FOUND-Last Name"]
    bad_email = next(row for row in failed if row[1] == "Company 42")
    assert bad_email[5] == "INVALID_DATA-Email"
    listed = client.get("/crm/api/Leads/?q=import500@example.com").json()["data"]
    assert len(listed) == 1
    lead = client.get(f"/crm/api/Leads/{listed[0]['id']}/").json()["data"]
    assert (lead["Last_Name"], lead["Company"], lead["Lead_Source"]) == (
        "Import 500",
        "Company 500",
        "Advertisement",
    )


def test_the_pages_upload_match_check_and_import(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    assert b'href="/crm/Leads/import/"' in client.get("/crm/Leads/").content
    assert client.get("/crm/Leads/import/").status_code == 200
    rows = [
        ["last_name", "Firma", "E-mail", "Notes"],
        ["Alpha", "A Ltd", "alpha@example.com", "x"],
        ["", "B Ltd", "b@example.com", "y"],
        ["Gamma", "C Ltd", "nope", "z"],
    ]
    response = client.post("/crm/Leads/import/", {"file": csv_file(rows, bom=True)})
    assert response.status_code == 302
    map_url = response["Location"]
    page = client.get(map_url).content.decode()
    # last_name maps by API name; Firma, E-mail and Notes wait for a choice
    assert '<option value="Last_Name" selected>' in page
    assert "3 rows" in page

    choice = {"column-0": "Last_Name", "column-1": "Company", "column-2": "Email", "column-3": ""}
    page = client.post(map_url, {**choice, "action": "check"}).content.decode()
    assert "Check of every row" in page
    assert "Last Name is required." in page
    assert "Email" in page.split("Rows with problems")[1]
    assert "Import 3 rows" in page

    response = client.post(map_url, {**choice, "action": "import"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/crm/jobs/{job.pk}/"
    assert client.get(map_url).status_code == 404  # the draft is used up

    services.job_run(job.pk)
    page = client.get(f"/crm/jobs/{job.pk}/").content.decode()
    assert "Created 1, Updated 0, Failed 2" in page
    assert "Download the failed rows" in page
    assert '<progress id="job-progress" max="100" value="100"' in page


def test_a_record_id_column_updates_records(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    rows = [["Record Id", "Last Name"], [lead["id"], "Renamed By Import"]]
    job = _finished(client, _import(client, rows).json()["job"]["id"])
    assert job["result"] == {"created": 0, "updated": 1, "failed": 0}
    assert job["download_url"] is None
    again = client.get(f"/crm/api/Leads/{lead['id']}/").json()["data"]
    assert again["Last_Name"] == "Renamed By Import"


def test_cells_of_failed_rows_cannot_run_as_formulas(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    rows = [["Last Name", "Company", "Email"], ["", "=cmd|' /C calc'!A0", "x@example.com"]]
    job = _finished(client, _import(client, rows).json()["job"]["id"])
    failed = _download(client, job["download_url"])
    assert failed[1][1] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("upload", "status", "code", "words"),
    [
        (SimpleUploadedFile("a.csv", b""), 400, "INVALID_DATA", "empty"),
        (
            SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            415,
            None,
            "not a CSV",
        ),
        (SimpleUploadedFile("a.csv", b"Last Name\n"), 400, "INVALID_DATA", "no records"),
        (SimpleUploadedFile("a.csv", "Naïve\n1\n".encode("latin-1")), 400, "INVALID_DATA", "UTF-8"),
        (SimpleUploadedFile("a.csv", b"Last Name,Colour\nA,red\n"), 400, "INVALID_DATA", "Colour"),
        (SimpleUploadedFile("a.csv", b"Last Name,Last Name\nA,B\n"), 400, "INVALID_DATA", "differ"),
        (SimpleUploadedFile("a.csv", b"Company\nA\n"), 400, "MANDATORY_NOT_FOUND", "Last Name"),
    ],
)
def test_bad_files_get_clear_errors(client, connect, upload, status, code, words):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    response = client.post("/crm/api/Leads/import/", {"file": upload})
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert code is None or error["code"] == code
    assert words in error["message"]
    assert not Job.objects.exists()


def test_too_big_missing_and_badly_mapped_files(client, connect, settings):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    assert client.post("/crm/api/Leads/import/").json()["error"]["code"] == "REQUIRED_PARAM_MISSING"
    rows = [["Last Name", "Colour"], ["A", "red"]]
    skipped = _import(client, rows, mapping=json.dumps({"Colour": None}))
    assert skipped.status_code == 202
    wrong = _import(client, rows, mapping=json.dumps({"Colour": "Favourite_Colour"}))
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (400, "mapping")
    assert _import(client, rows, mapping="{").json()["error"]["code"] == "INVALID_JSON"
    settings.IMPORT_MAX_BYTES = 100
    big = _import(client, [["Last Name"]] + [[f"Lead {n}"] for n in range(50)])
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "TOO_LARGE"
    page = client.post("/crm/Leads/import/", {"file": csv_file([["Last Name"], ["x" * 200]])})
    assert page.status_code == 400
    assert b"too large" in page.content


def test_nobody_else_sees_an_import_its_draft_or_its_failed_rows(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    response = client.post(
        "/crm/Leads/import/", {"file": csv_file([["Last Name", "Company"], ["", "x"]])}
    )
    map_url = response["Location"]
    job = _finished(
        client, _import(client, [["Last Name", "Company"], ["", "x"]]).json()["job"]["id"]
    )
    assert job["result"]["failed"] == 1

    stranger = Client()
    connect(TOM, org=THAMESGATE, client=stranger)
    for url in (f"/crm/api/jobs/{job['id']}/", job["download_url"]):
        assert stranger.get(url).status_code == 404
    assert stranger.get(map_url).status_code == 404  # the draft is the uploader's session's
    connect(PATRICIA, org="720019877")  # the uploader, in another org
    assert client.get(map_url).status_code == 404
    assert client.get(f"/crm/api/jobs/{job['id']}/").status_code == 404


def test_semicolons_and_tabs_as_spreadsheets_write_them(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    for data in (b"Last Name;Company\nSemi;Colon, Ltd\n", b"Last Name\tCompany\nTab\tT Ltd\n"):
        response = client.post(
            "/crm/api/Leads/import/", {"file": SimpleUploadedFile("a.csv", data)}
        )
        assert response.status_code == 202, response.content
        job = _finished(client, response.json()["job"]["id"])
        assert job["result"] == {"created": 1, "updated": 0, "failed": 0}


def test_a_zoho_failure_mid_import_resumes_without_uploading_again(client, connect, zoho):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _import(client, [["Last Name", "Company"], ["Resumed", "R Ltd"]]).json()["job"]
    zoho.client.add_fault(
        "/api/us/crm/bulk/v8/write", method="POST", status=500, crm_code="INTERNAL_ERROR"
    )
    with pytest.raises(services.TransientError):
        services.job_run(job["id"])
    assert set(Job.objects.get(pk=job["id"]).result) == {"file_id"}

    finished = _finished(client, job["id"])

    assert finished["result"] == {"created": 1, "updated": 0, "failed": 0}
    calls = zoho.client.stats()["api_calls_by_path"]
    assert calls["/api/us/crm/v8/upload"] == 1
    assert calls["/api/us/crm/bulk/v8/write"] == 2


def test_an_unanswered_job_start_is_not_sent_twice(client, connect, zoho, settings):
    """Zoho takes the job but answers too late: sending it again could import every row
    twice, so the job fails saying to check Zoho first."""
    connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _import(client, [["Last Name", "Company"], ["Late", "L Ltd"]]).json()["job"]
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    zoho.client.add_fault("/api/us/crm/bulk/v8/write", method="POST", delay_s=2.5)

    services.job_run(job["id"])

    answer = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert answer["state"] == "failed"
    assert "Check the records in Zoho before importing this file again" in answer["error"]


def test_a_profile_that_may_not_create_cannot_import(client, connect):
    connect("dana.ortiz@zylker-traders.com", org=ZYLKER_TRADERS)  # Accounts: read only
    assert b"/crm/Accounts/import/" not in client.get("/crm/Accounts/").content
    response = client.post(
        "/crm/api/Accounts/import/", {"file": csv_file([["Account Name"], ["Nope Ltd"]])}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "NO_PERMISSION")
    assert client.get("/crm/Accounts/import/").status_code == 403


def test_a_result_file_on_a_foreign_host_is_never_fetched(connect, zoho):
    """The SDK would send the access token to whatever download_url Zoho's answer named."""
    from core.errors import AppError
    from crm.zoho import bulk as zoho_bulk

    connection = connect(PATRICIA, org=ZYLKER_TRADERS, client=None)
    before = zoho.client.stats()["api_calls"]
    for url in (
        "https://evil.example/result.zip",
        "http://download-accl.zoho.com/r.zip",
        "https://zoho.com.evil.example/r.zip",
    ):
        with pytest.raises(AppError, match="does not trust"):
            zoho_bulk.bulk_write_result(connection, url)
    assert zoho.client.stats()["api_calls"] == before
    assert zoho_bulk._trusted_download(connection, f"{connection.api_domain}/crm/bulk/v8/x")
