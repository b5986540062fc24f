"""Bulk Write (crm/bulk_write.py): upload a zipped CSV, create a job, watch it write its rows
a chunk per status call, download the per-row result; over raw HTTP and through the SDK."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from emulator_support import FULL_SCOPE, PATRICIA, TOM, sdk_login
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import (
    BulkWriteOperations,
    BulkWriteResponse,
    FieldMapping,
    FileBodyWrapper,
    RequestWrapper,
    Resource,
    SuccessResponse,
    UploadFileHeader,
)
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.util import Choice, StreamWrapper

from zoho_emulator.crm.bulk_write import CHUNK

SCOPE = FULL_SCOPE + ",ZohoCRM.bulk.ALL,ZohoFiles.files.ALL"
ZYLKER_TRADERS = "720019234"
HEADER = ["Last Name", "Company", "Email"]
MAPPINGS = [
    {"api_name": "Last_Name", "index": 0},
    {"api_name": "Company", "index": 1},
    {"api_name": "Email", "index": 2},
]


def zipped(rows: list[list[str]], name: str = "leads.csv") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr(name, text.getvalue())
    return packed.getvalue()


def unzip_rows(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))


class Bulk:
    def __init__(self, emulator, zoho_http, email=PATRICIA, scope=SCOPE, dc="us"):
        self.http = zoho_http.http
        self.base = emulator.api_domain(dc)
        token = emulator.issue_tokens(email, scopes=scope)["access_token"]
        self.auth = {"Authorization": f"Zoho-oauthtoken {token}"}

    def upload(self, data: bytes, org=ZYLKER_TRADERS, feature="bulk-write"):
        headers = {**self.auth, "feature": feature, "X-CRM-ORG": org}
        return self.http.post(
            f"{self.base}/crm/v8/upload",
            headers=headers,
            files={"file": ("leads.zip", data, "application/zip")},
        )

    def create(self, body):
        return self.http.post(f"{self.base}/crm/bulk/v8/write", headers=self.auth, json=body)

    def details(self, job_id):
        return self.http.get(f"{self.base}/crm/bulk/v8/write/{job_id}", headers=self.auth)

    def get(self, url):
        return self.http.get(url, headers=self.auth)


def insert_body(file_id, mappings=MAPPINGS, operation="insert", **resource):
    return {
        "operation": operation,
        "resource": [
            {
                "type": "data",
                "module": {"api_name": "Leads"},
                "file_id": file_id,
                "field_mappings": mappings,
                **resource,
            }
        ],
    }


def thousand_rows() -> list[list[str]]:
    rows = [HEADER]
    for n in range(1000):
        last, email = f"Import {n}", f"import{n}@example.com"
        if n % 100 == 7:
            last = ""  # Last Name is mandatory
        if n % 100 == 42:
            email = "not an email"
        rows.append([last, f"Company {n}", email])
    return rows


def test_a_1000_row_import_with_bad_rows_progresses_and_reports_each_row(emulator, zoho_http):
    bulk = Bulk(emulator, zoho_http)
    uploaded = bulk.upload(zipped(thousand_rows()))
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["code"] == "FILE_UPLOAD_SUCCESS"
    created = bulk.create(insert_body(uploaded.json()["details"]["file_id"]))
    assert created.status_code == 201, created.text
    job_id = created.json()["details"]["id"]

    seen = []
    while True:
        job = bulk.details(job_id).json()
        file = job["resource"][0]["file"]
        seen.append((job["status"], file["added_count"] + file["skipped_count"]))
        if job["status"] == "COMPLETED":
            break
        assert len(seen) < 20
    assert seen[0] == ("ADDED", 0)
    assert [s for s in seen if s[0] == "IN PROGRESS"] == [
        ("IN PROGRESS", n) for n in range(0, 1000, CHUNK)
    ]
    assert (file["added_count"], file["skipped_count"], file["total_count"]) == (980, 20, 1000)

    result = bulk.get(job["result"]["download_url"])
    assert result.status_code == 200
    rows = unzip_rows(result.content)
    assert rows[0] == [*HEADER, "STATUS", "RECORD_ID", "ERRORS"]
    assert len(rows) == 1001
    assert rows[8][3:] == ["SKIPPED", "", "MANDATORY_NOT_FOUND-Last Name"]
    assert rows[43][3:] == ["SKIPPED", "", "INVALID_DATA-Email"]
    assert rows[1][3] == "ADDED" and rows[1][4].isdigit()
    lead = zoho_http.api(
        "GET", "us", f"Leads/{rows[1][4]}", bulk.auth["Authorization"].split()[-1]
    ).json()
    assert lead["data"][0]["Last_Name"] == "Import 0"


def test_update_by_id_and_upsert_by_a_unique_field(emulator, zoho_http):
    bulk = Bulk(emulator, zoho_http)
    first = bulk.upload(zipped([HEADER, ["Before", "Co", "before@example.com"]]))
    job_id = bulk.create(insert_body(first.json()["details"]["file_id"])).json()["details"]["id"]
    while (job := bulk.details(job_id).json())["status"] != "COMPLETED":
        pass
    record_id = unzip_rows(bulk.get(job["result"]["download_url"]).content)[1][4]

    rows = [["id", "Last Name"], [record_id, "After"], ["1234567890123456789", "Nobody"]]
    second = bulk.upload(zipped(rows))
    body = insert_body(
        second.json()["details"]["file_id"],
        [{"api_name": "id", "index": 0}, {"api_name": "Last_Name", "index": 1}],
        operation="update",
        find_by="id",
    )
    job_id = bulk.create(body).json()["details"]["id"]
    while (job := bulk.details(job_id).json())["status"] != "COMPLETED":
        pass
    file = job["resource"][0]["file"]
    assert (file["updated_count"], file["skipped_count"]) == (1, 1)
    result = unzip_rows(bulk.get(job["result"]["download_url"]).content)
    assert result[1][-3:] == ["UPDATED", record_id, ""]
    assert result[2][-3:] == ["SKIPPED", "", "RESOURCE_NOT_FOUND-id"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"data": b"not a zip"}, "INVALID_FILE_FORMAT"),
        ({"data": zipped([HEADER], name="leads.txt")}, "FILE_NOT_SUPPORTED"),
        ({"feature": "nope"}, "INVALID_REQUEST"),
        ({"org": "1"}, "INVALID_REQUEST"),
    ],
)
def test_bad_uploads_are_refused(emulator, zoho_http, change, code):
    bulk = Bulk(emulator, zoho_http)
    args = {"data": zipped([HEADER, ["A", "B", "a@example.com"]]), **change}
    resp = bulk.upload(**args)
    assert (resp.status_code, resp.json()["code"]) == (400, code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"resource": []}, "MISSING_REQUIRED_KEY"),
        (
            insert_body("{file}", [{"api_name": "Company", "index": 1}]),
            "MANDATORY_FIELDS_NOT_MAPPED",
        ),
        (insert_body("{file}", [{"api_name": "Nope", "index": 0}]), "INVALID_FIELD_NAME"),
        (insert_body("{file}", [{"api_name": "Last_Name", "index": 9}]), "COLUMN_INDEX_NOT_FOUND"),
        (insert_body("123"), "INVALID_FILE_ID"),
        (insert_body("{file}", operation="update"), "MANDATORY_NOT_FOUND"),
    ],
)
def test_bad_jobs_are_refused(emulator, zoho_http, body, code):
    bulk = Bulk(emulator, zoho_http)
    file_id = bulk.upload(zipped([HEADER, ["A", "B", "a@example.com"]])).json()["details"][
        "file_id"
    ]
    for resource in body.get("resource", []):
        resource["file_id"] = resource["file_id"].replace("{file}", str(file_id))
    resp = bulk.create(body)
    assert (resp.status_code, resp.json()["code"]) == (400, code)


def test_jobs_are_the_orgs_own_and_need_the_scopes(emulator, zoho_http):
    bulk = Bulk(emulator, zoho_http)
    file_id = bulk.upload(zipped([HEADER, ["A", "B", "a@example.com"]])).json()["details"][
        "file_id"
    ]
    job_id = bulk.create(insert_body(file_id)).json()["details"]["id"]
    other = Bulk(emulator, zoho_http, email=TOM, dc="uk")
    resp = other.details(job_id)
    assert (resp.status_code, resp.json()["code"]) == (400, "RESOURCE_NOT_FOUND")
    no_bulk = Bulk(emulator, zoho_http, scope=FULL_SCOPE)
    assert no_bulk.upload(zipped([HEADER])).json()["code"] == "OAUTH_SCOPE_MISMATCH"
    assert no_bulk.details(job_id).json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_the_sdk_uploads_creates_polls_and_downloads(emulator, tmp_path):
    sdk_login(emulator, tmp_path, PATRICIA, "us", scope=SCOPE)
    operations = BulkWriteOperations()
    body = FileBodyWrapper()
    stream = io.BytesIO(zipped([HEADER, ["Sdk", "Sdk Co", "sdk@example.com"], ["", "x", ""]]))
    body.set_file(StreamWrapper(name="leads.zip", stream=stream))
    headers = HeaderMap()
    headers.add(UploadFileHeader.feature, "bulk-write")
    headers.add(UploadFileHeader.x_crm_org, ZYLKER_TRADERS)
    uploaded = operations.upload_file(body, headers).get_object()
    assert isinstance(uploaded, SuccessResponse), vars(uploaded)
    file_id = str(uploaded.get_details()["file_id"])

    module = MinifiedModule()
    module.set_api_name("Leads")
    resource = Resource()
    resource.set_type(Choice("data"))
    resource.set_module(module)
    resource.set_file_id(file_id)
    mappings = []
    for index, name in enumerate(["Last_Name", "Company", "Email"]):
        mapping = FieldMapping()
        mapping.set_api_name(name)
        mapping.set_index(index)
        mappings.append(mapping)
    resource.set_field_mappings(mappings)
    request = RequestWrapper()
    request.set_operation(Choice("insert"))
    request.set_resource([resource])
    created = operations.create_bulk_write_job(request).get_object()
    assert isinstance(created, SuccessResponse)
    job_id = str(created.get_details()["id"])
    for _ in range(10):
        job = operations.get_bulk_write_job_details(job_id).get_object()
        assert isinstance(job, BulkWriteResponse)
        if job.get_status() == "COMPLETED":
            break
    file = job.get_resource()[0].get_file()
    assert (file.get_added_count(), file.get_skipped_count()) == (1, 1)
    url = job.get_result().get_download_url()
    download = operations.download_bulk_write_result(url).get_object()
    rows = unzip_rows(download.get_file().get_stream().content)
    assert [r[-3] for r in rows[1:]] == ["ADDED", "SKIPPED"]


def test_bulk_write_answers_conform_to_zohos_spec(emulator, zoho_http):
    oas = pytest.importorskip("oas", reason="openapi-core is not installed")
    from oas_defects import ALLOWANCES, EMULATOR_GAPS

    root = oas.spec_root()
    if root is None:
        pytest.skip(f"Zoho's OpenAPI specs are not here: {oas.HOW_TO_RUN}")
    specs = oas.ZohoSpecs(root, ALLOWANCES + EMULATOR_GAPS)

    def check(operation, resp):
        upload = operation == "Upload File"
        specs.validate(
            oas.Operation("bulk_write.json", operation),
            status=resp.status_code,
            body=resp.content,
            content_type=resp.headers.get("Content-Type"),
            headers=dict(resp.headers),
            server="https://content.zohoapis.com" if upload else oas.SERVER,
        )

    bulk = Bulk(emulator, zoho_http)
    uploaded = bulk.upload(zipped([HEADER, ["A", "B", "a@example.com"], ["", "C", ""]]))
    check("Upload File", uploaded)
    created = bulk.create(insert_body(uploaded.json()["details"]["file_id"]))
    check("Create Bulk Write Job", created)
    job_id = created.json()["details"]["id"]
    while True:
        status = bulk.details(job_id)
        check("Get Bulk Write Job Details", status)
        if status.json()["status"] == "COMPLETED":
            break
    check("Get Bulk Write Job Details", bulk.details("123"))
    check("Download Bulk Write Result", bulk.get(status.json()["result"]["download_url"]))
    check("Create Bulk Write Job", bulk.create(insert_body("123")))
