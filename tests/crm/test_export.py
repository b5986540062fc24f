"""Export: a job on Zoho's Bulk Read (emulated over real HTTP), its CSV file, the job page
and the JSON API, who may see a job and its file."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from jobs import services
from jobs.models import Job
from jobs.spreadsheet import csv_bytes, spreadsheet_safe

TOM = "tom.okonkwo@thamesgate-wholesale.co.uk"
THAMESGATE = "90051762213"  # the UK org: 2,600 leads
PATRICIA = "patricia.boyle@zylker-traders.com"
ZYLKER_TRADERS = "720019234"
ZYLKER_LABS = "720019877"  # Patricia's second org
DANA = "dana.ortiz@zylker-traders.com"  # Field Sales (restricted): Annual Revenue hidden


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def _export(client, module="Leads") -> dict:
    response = client.post(f"/crm/api/{module}/export/")
    assert response.status_code == 202, response.content
    return response.json()["job"]


def _download(client, job: dict) -> list[list[str]]:
    response = client.get(job["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())  # spreadsheet programs read it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _finished(client, job_id: int) -> dict:
    services.job_run(job_id)
    response = client.get(f"/crm/api/jobs/{job_id}/")
    assert response.status_code == 200
    return response.json()["job"]


def test_the_2600_leads_of_the_uk_org_export_with_the_lists_columns(client, connect):
    connect(TOM, org=THAMESGATE)
    job = _export(client)
    assert (job["state"], job["progress"], job["result"], job["download_url"]) == (
        "queued",
        0,
        None,
        None,
    )

    job = _finished(client, job["id"])

    assert (job["state"], job["progress"], job["result"]) == ("done", 100, {"rows": 2600})
    rows = _download(client, job)
    header, body = rows[0], rows[1:]
    assert len(body) == 2600
    list_page = client.get("/crm/Leads/").content.decode()
    for label in header:
        assert f">{label}<" in list_page or f">{label} <" in list_page  # a list column
    owner = header.index("Lead Owner")
    assert all(row[owner] and not row[owner].isdigit() for row in body)  # names, not ids


def test_a_field_the_profile_hides_is_never_exported(client, connect, monkeypatch):
    """Dana's profile hides Annual Revenue (the emulator refuses a bulk read that asks for
    it); Patricia, in the same org, exports it. (Lists here show every field, so that
    Annual Revenue is a column.)"""
    monkeypatch.setattr("crm.modules.LIST_COLUMNS", 100)
    connect(PATRICIA, org=ZYLKER_TRADERS)
    patricia_header = _download(client, _finished(client, _export(client)["id"]))[0]
    assert "Annual Revenue" in patricia_header

    dana = Client()
    connect(DANA, org=ZYLKER_TRADERS, client=dana)
    job = _finished(dana, _export(dana)["id"])
    assert job["state"] == "done", job
    header = _download(dana, job)[0]
    assert "Annual Revenue" not in header
    assert set(header) <= set(patricia_header) - {"Annual Revenue"}


def test_nobody_else_sees_a_job_or_its_file(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _finished(client, _export(client)["id"])
    urls = [f"/crm/api/jobs/{job['id']}/", f"/crm/jobs/{job['id']}/", job["download_url"]]

    stranger = Client()
    connect(TOM, org=THAMESGATE, client=stranger)
    for url in urls:
        response = stranger.get(url)
        assert response.status_code == 404, url
        assert b"Patricia" not in response.content

    connect(PATRICIA, org=ZYLKER_LABS)  # the owner, through another connection
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get("/crm/api/jobs/999999/").status_code == 404


def test_cells_that_start_a_formula_are_neutralised(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    created = client.post(
        "/crm/api/Leads/",
        data={"Last_Name": '=HYPERLINK("http://evil.example","x")', "Company": "@SUM(A1)"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    rows = _download(client, _finished(client, _export(client)["id"]))
    cells = {cell for row in rows[1:] for cell in row}
    assert "'@SUM(A1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert spreadsheet_safe("-12.5") == "-12.5"  # a number stays a number
    assert spreadsheet_safe("-1+2") == "'-1+2"
    assert spreadsheet_safe("\tcmd") == "'\tcmd"
    assert csv_bytes(["+a"], [["b"]]) == "\ufeff'+a\r\nb\r\n".encode()


def test_the_list_page_exports_through_the_job_page(client, connect):
    connect(PATRICIA, org=ZYLKER_TRADERS)
    assert b'action="/crm/Leads/export/"' in client.get("/crm/Leads/").content
    response = client.post("/crm/Leads/export/")
    assert response.status_code == 302
    job_url = response["Location"]
    job = Job.objects.get()
    assert job_url == f"/crm/jobs/{job.pk}/"

    page = client.get(job_url).content.decode()
    assert '<progress id="job-progress" max="100" value="0"' in page
    assert 'http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert "Download the CSV file" not in page

    services.job_run(job.pk)
    page = client.get(job_url).content.decode()
    assert '<progress id="job-progress" max="100" value="100"' in page
    assert f"/crm/jobs/{job.pk}/download/" in page
    assert 'http-equiv="refresh"' not in page
    assert client.get("/crm/Leads/export/").status_code == 405


def test_bad_export_requests_get_clear_errors(client, connect):
    assert client.post("/crm/api/Leads/export/").json()["error"]["code"] == "NOT_SIGNED_IN"
    connect(PATRICIA, org=ZYLKER_TRADERS)
    response = client.post("/crm/api/Nope/export/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_MODULE"
    response = client.get("/crm/api/Leads/export/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_a_job_whose_connection_is_gone_fails_saying_so(client, connect):
    connection = connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _export(client)
    Job.objects.filter(pk=job["id"]).update(connection=None)
    services.job_run(job["id"])
    stored = Job.objects.get(pk=job["id"])
    assert stored.state == "failed"
    assert "connection is gone" in stored.error
    Job.objects.filter(pk=job["id"]).update(connection=connection)
    answer = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert answer["state"] == "failed" and answer["download_url"] is None
    assert "connection" not in answer["error"]  # an internal reason is not shown


def test_a_connection_without_the_bulk_scope_is_told_to_sign_in_again(client, connect, settings):
    settings.ZOHO_SCOPES = [s for s in settings.ZOHO_SCOPES if s != "ZohoCRM.bulk.ALL"]
    connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _finished(client, _export(client)["id"])
    assert job["state"] == "failed"
    assert "Sign in with Zoho again" in job["error"]
    assert job["download_url"] is None


def test_a_zoho_failure_mid_job_is_retried_from_the_same_zoho_job(client, connect, zoho):
    """Zoho fails the first status call: the run stops for a retry with Zoho's job id as
    its checkpoint; the next run goes on with that job (no second export at Zoho)."""
    connect(PATRICIA, org=ZYLKER_TRADERS)
    job = _export(client)
    zoho.client.add_fault(
        "/api/us/crm/bulk/v8/read/",
        match="prefix",
        method="GET",
        status=500,
        crm_code="INTERNAL_ERROR",
    )
    with pytest.raises(services.TransientError):
        services.job_run(job["id"])
    stored = Job.objects.get(pk=job["id"])
    assert stored.state == "running" and "zoho_job" in stored.result

    finished = _finished(client, job["id"])

    assert finished["state"] == "done" and finished["result"]["rows"] > 0
    assert zoho.client.stats()["api_calls_by_path"]["/api/us/crm/bulk/v8/read"] == 1
    assert Job.objects.get(pk=job["id"]).runs == 2
