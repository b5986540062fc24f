"""Bulk Read (crm/bulk.py): create a job, watch it move on per status call, download the
zipped CSV; over raw HTTP and through the unmodified SDK."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from emulator_support import DANA, FULL_SCOPE, PATRICIA, THAMESGATE, TOM, sdk_login
from zohocrmsdk.src.com.zoho.crm.api.bulk_read import (
    ActionWrapper,
    BodyWrapper,
    BulkReadOperations,
    FileBodyWrapper,
    Query,
    ResponseWrapper,
)
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule

BULK_SCOPE = FULL_SCOPE + ",ZohoCRM.bulk.ALL"


def bulk(zoho_http, method, dc, path, token, **kw):
    headers = {"Authorization": f"Zoho-oauthtoken {token}", **kw.pop("headers", {})}
    url = f"{zoho_http.emu.api_domain(dc)}/crm/bulk/v8/{path}"
    return zoho_http.http.request(method, url, headers=headers, **kw)


def token_of(emulator, email, scope=BULK_SCOPE, org=None):
    return emulator.issue_tokens(email, scopes=scope, org=org)["access_token"]


def unzip_csv(content: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def run_job(zoho_http, dc, token, query) -> tuple[dict, list[list[str]]]:
    created = bulk(zoho_http, "POST", dc, "read", token, json={"query": query})
    assert created.status_code == 201, created.text
    details = created.json()["data"][0]["details"]
    assert (details["state"], details["operation"]) == ("ADDED", "read")
    states = []
    for _ in range(3):
        status = bulk(zoho_http, "GET", dc, f"read/{details['id']}", token)
        assert status.status_code == 200, status.text
        job = status.json()["data"][0]
        states.append(job["state"])
    assert states == ["ADDED", "IN PROGRESS", "COMPLETED"]
    result = job["result"]
    download = zoho_http.http.get(
        f"{zoho_http.emu.api_domain(dc)}{result['download_url']}",
        headers={"Authorization": f"Zoho-oauthtoken {token}"},
    )
    assert download.status_code == 200
    return job, unzip_csv(download.content)


def test_the_2600_leads_of_the_uk_org_export_in_one_page(emulator, zoho_http):
    token = token_of(emulator, TOM, org=THAMESGATE)
    query = {
        "module": {"api_name": "Leads"},
        "fields": ["Last_Name", "Email", "Owner", "Owner.last_name"],
        "page": 1,
    }
    job, rows = run_job(zoho_http, "uk", token, query)
    assert job["result"]["count"] == 2600
    assert job["result"]["more_records"] is False
    assert rows[0] == ["Id", "Last_Name", "Email", "Owner", "Owner.last_name"]
    assert len(rows) == 2601
    assert all(r[1] and r[3].isdigit() and r[4] for r in rows[1:])


def test_a_lookup_field_through_the_dot_operator(emulator, zoho_http):
    token = token_of(emulator, PATRICIA)
    query = {
        "module": {"api_name": "Contacts"},
        "fields": ["Last_Name", "Account_Name.Account_Name"],
    }
    _, rows = run_job(zoho_http, "us", token, query)
    assert rows[0] == ["Id", "Last_Name", "Account_Name.Account_Name"]
    assert any(r[2] for r in rows[1:])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "REQUEST_BODY_IS_EMPTY"),
        ({"query": {"module": {"api_name": "Nope"}}}, 400, "MODULE_NOT_AVAILABLE"),
        (
            {"query": {"module": {"api_name": "Leads"}, "fields": ["Nope"]}},
            400,
            "FIELD_NOT_AVAILABLE",
        ),
        ({"query": {"module": {"api_name": "Leads"}, "page": 0}}, 400, "INVALID_REQUEST"),
        ({"query": {"module": {"api_name": "Leads"}, "cvid": "1"}}, 400, "INVALID_REQUEST"),
    ],
)
def test_bad_jobs_are_refused(emulator, zoho_http, body, status, code):
    resp = bulk(zoho_http, "POST", "us", "read", token_of(emulator, PATRICIA), json=body)
    assert (resp.status_code, resp.json()["code"]) == (status, code)


def test_a_field_the_profile_hides_is_refused_and_other_orgs_jobs_are_unknown(emulator, zoho_http):
    dana = token_of(emulator, DANA)
    query = {"module": {"api_name": "Leads"}, "fields": ["Last_Name", "Annual_Revenue"]}
    resp = bulk(zoho_http, "POST", "us", "read", dana, json={"query": query})
    assert resp.json()["code"] == "FIELD_NOT_AVAILABLE"
    created = bulk(
        zoho_http,
        "POST",
        "us",
        "read",
        token_of(emulator, PATRICIA),
        json={"query": {"module": {"api_name": "Leads"}}},
    )
    job_id = created.json()["data"][0]["details"]["id"]
    other = bulk(zoho_http, "GET", "uk", f"read/{job_id}", token_of(emulator, TOM, org=THAMESGATE))
    assert (other.status_code, other.json()["code"]) == (404, "RESOURCE_NOT_FOUND")
    early = bulk(zoho_http, "GET", "us", f"read/{job_id}/result", token_of(emulator, PATRICIA))
    assert (early.status_code, early.json()["code"]) == (400, "RESOURCE_NOT_FOUND")


def test_bulk_read_needs_the_bulk_scope(emulator, zoho_http):
    resp = bulk(
        zoho_http,
        "POST",
        "us",
        "read",
        token_of(emulator, PATRICIA, scope=FULL_SCOPE),
        json={"query": {"module": {"api_name": "Leads"}}},
    )
    assert (resp.status_code, resp.json()["code"]) == (401, "OAUTH_SCOPE_MISMATCH")


def test_the_sdk_creates_polls_and_downloads_a_job(emulator, tmp_path):
    sdk_login(emulator, tmp_path, PATRICIA, "us", scope=BULK_SCOPE)
    module = MinifiedModule()
    module.set_api_name("Leads")
    query = Query()
    query.set_module(module)
    query.set_fields(["Last_Name", "Email"])
    query.set_page(1)
    body = BodyWrapper()
    body.set_query(query)
    operations = BulkReadOperations()
    created = operations.create_bulk_read_job(body)
    assert created.get_status_code() == 201
    assert isinstance(created.get_object(), ActionWrapper)
    job_id = int(created.get_object().get_data()[0].get_details()["id"])
    for _ in range(3):
        status = operations.get_bulk_read_job_details(job_id).get_object()
        assert isinstance(status, ResponseWrapper)
    detail = status.get_data()[0]
    assert detail.get_state().get_value() == "COMPLETED"
    assert detail.get_result().get_count() > 0
    download = operations.download_result(job_id).get_object()
    assert isinstance(download, FileBodyWrapper)
    rows = unzip_csv(download.get_file().get_stream().content)
    assert rows[0] == ["Id", "Last_Name", "Email"]
    assert len(rows) == detail.get_result().get_count() + 1


def test_bulk_read_answers_conform_to_zohos_spec(emulator, zoho_http):
    oas = pytest.importorskip("oas", reason="openapi-core is not installed")
    from oas_defects import ALLOWANCES, EMULATOR_GAPS

    root = oas.spec_root()
    if root is None:
        pytest.skip(f"Zoho's OpenAPI specs are not here: {oas.HOW_TO_RUN}")
    specs = oas.ZohoSpecs(root, ALLOWANCES + EMULATOR_GAPS)
    token = token_of(emulator, PATRICIA)

    def check(operation, resp):
        specs.validate(
            oas.Operation("bulk_read.json", operation),
            status=resp.status_code,
            body=resp.content,
            content_type=resp.headers.get("Content-Type"),
            headers=dict(resp.headers),
        )

    query = {"module": {"api_name": "Leads"}, "fields": ["Last_Name"], "page": 1}
    created = bulk(zoho_http, "POST", "us", "read", token, json={"query": query})
    check("Create Bulk Read Job", created)
    job_id = created.json()["data"][0]["details"]["id"]
    for _ in range(3):  # ADDED, IN PROGRESS, COMPLETED
        check("Get Bulk Read Job Details", bulk(zoho_http, "GET", "us", f"read/{job_id}", token))
    check("Get Bulk Read Job Details", bulk(zoho_http, "GET", "us", "read/123", token))
    check("Download Result", bulk(zoho_http, "GET", "us", f"read/{job_id}/result", token))
    check("Download Result", bulk(zoho_http, "GET", "us", "read/123/result", token))
    bad = {"query": {"module": {"api_name": "Leads"}, "fields": ["Nope"]}}
    check("Create Bulk Read Job", bulk(zoho_http, "POST", "us", "read", token, json=bad))
