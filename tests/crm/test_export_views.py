"""Export follows the list's view and filters: the list page's Export button and
`POST /crm/api/<module>/export/` send the list's `cvid` and filters, the job keeps them and
Zoho's Bulk Read (emulated over real HTTP) exports exactly the list's records. (A search's
export: tests/crm/test_export_search.py.)"""

from __future__ import annotations

import csv
import io
import re

import pytest

from jobs import services
from jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def _views(client) -> dict[str, str]:
    return {v["name"]: v["id"] for v in client.get("/crm/api/Leads/views/").json()["data"]}


def _listed(client, params: str) -> list[dict]:
    answer = client.get(f"/crm/api/Leads/?per_page=200&{params}")
    assert answer.status_code == 200, answer.content
    assert not answer.json()["info"]["more_records"]
    return answer.json()["data"]


def _exported(client, job_id: int) -> list[dict]:
    services.job_run(job_id)
    job = client.get(f"/crm/api/jobs/{job_id}/").json()["job"]
    assert job["state"] == "done", job
    data = b"".join(client.get(job["download_url"]).streaming_content)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_an_export_of_a_view_and_a_picklist_filter_holds_the_lists_records(client, us):
    cvid = _views(client)["My Leads"]
    listed = _listed(client, f"cvid={cvid}&f_Lead_Status=Contacted")
    everyone = _listed(client, "")
    assert 0 < len(listed) < len(everyone)

    response = client.post(
        "/crm/api/Leads/export/",
        {"cvid": cvid, "f_Lead_Status": "Contacted"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.params["filters"] == {"cvid": cvid, "f_Lead_Status": "Contacted"}
    assert job.params["cvid"] == cvid
    assert job.params["criteria"] == {
        "field": {"api_name": "Lead_Status"},
        "comparator": "equal",
        "value": "Contacted",
    }
    rows = _exported(client, job.pk)

    assert len(rows) == len(listed)  # exactly the list's count
    assert {r["Lead Status"] for r in rows} == {"Contacted"}
    emails = {r["Email"] for r in rows}
    assert emails == {r["Email"] for r in listed}
    outside = {r["Email"] for r in everyone} - {r["Email"] for r in listed}
    assert outside and not emails & outside  # records outside the list are absent
    page = client.get(f"/crm/jobs/{job.pk}/").content.decode()
    assert "Which records: View: My Leads; Lead Status: Contacted." in page
    assert f"/crm/Leads/?cvid={cvid}&amp;f_Lead_Status=Contacted" in page  # back to that list


def test_the_list_pages_export_button_sends_the_view_and_filters(client, us):
    cvid = _views(client)["My Leads"]
    page = client.get(f"/crm/Leads/?cvid={cvid}&owner=me&f_Lead_Status=Contacted").content.decode()
    form = re.search(r'<form method="post" action="/crm/Leads/export/".*?</form>', page, re.S)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.pop("csrfmiddlewaretoken", None)
    assert fields == {"cvid": cvid, "owner": "me", "f_Lead_Status": "Contacted"}

    response = client.post("/crm/Leads/export/", fields)
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    listed = _listed(client, f"cvid={cvid}&owner=me&f_Lead_Status=Contacted")
    rows = _exported(client, job.pk)
    assert len(rows) == len(listed) > 0
    assert job.params["criteria"]["group_operator"] == "and"


def test_an_export_without_filters_is_every_record(client, us):
    response = client.post("/crm/api/Leads/export/")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert (job.params["filters"], job.params["cvid"], job.params["criteria"]) == ({}, None, None)
    assert len(_exported(client, job.pk)) == len(_listed(client, ""))
    assert "Which records: every record." in client.get(f"/crm/jobs/{job.pk}/").content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cvid": "1234567890123456789"}, "cvid"),
        ({"cvid": "all"}, "cvid"),
        ({"f_Lead_Status": "Nope"}, "f_Lead_Status"),
        ({"owner": "42"}, "owner"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2024-02-01", "to": "2024-01-01"}, "to"),
        ({"q": "a"}, "q"),  # the list's search rules: at least two characters
        ({"q": "x" * 201}, "q"),
        ({"q": 5}, "q"),
        ({"q": "smith", "owner": "me"}, "q"),  # as the JSON list: search or filter
        ({"sort_by": "Email"}, "sort_by"),
        ({"cvid": 123}, "cvid"),
    ],
)
def test_what_cannot_be_exported_is_a_400_naming_the_field(client, us, body, field):
    response = client.post("/crm/api/Leads/export/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("INVALID_DATA", field)
    assert "cvid" not in error["message"] or field == "cvid"
    assert not Job.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(client, us):
    response = client.post("/crm/api/Leads/export/", ["cvid"], content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_DATA"
