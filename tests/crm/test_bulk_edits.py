"""Bulk edits (crm/bulk.py, crm/views/bulk.py, jobs/bulk_edits.py): one field set on many
records, or many deleted, from the list page (no JavaScript needed) and through the JSON
API; up to 100 records in one Zoho call with a result per record, more as a background job
only its owner sees. Through the emulator over real HTTP and the real SDK."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jobs import services as job_services
from jobs.models import Job
from tests.helpers import connect_straight

pytestmark = pytest.mark.django_db

US_ORG = "720019234"  # Zylker Traders: 45 leads, the oldest locked, the next awaiting approval


def api(client, method, url, body=None):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def lead_ids(client, count=200, order="desc") -> list[str]:
    listing = client.get(f"/crm/api/Leads/?per_page={count}&sort_by=id&sort_order={order}")
    assert listing.status_code == 200, listing.content
    return [r["id"] for r in listing.json()["data"]]


def lead(client, record_id):
    answer = client.get(f"/crm/api/Leads/{record_id}/")
    return answer.json()["data"] if answer.status_code == 200 else None


def put_calls(zoho) -> int:
    """Calls to /crm/v8/Leads itself (the emulator counts by path, not method): between two
    counts a test makes no list or create call, so these are Update/Delete Records."""
    return sum(
        v
        for k, v in zoho.client.stats()["api_calls_by_path"].items()
        if k.endswith("/crm/v8/Leads")
    )


def make_leads(client, count: int) -> list[str]:
    answer = api(
        client,
        "post",
        "/crm/api/Leads/",
        [{"Last_Name": f"Bulk {n}", "Company": "Bulk Test Co"} for n in range(count)],
    )
    assert answer.status_code == 201, answer.content
    return [r["id"] for r in answer.json()["data"]]


# --- JSON API ---------------------------------------------------------------------------------
def test_patch_sets_one_field_on_several_records_with_a_result_each(client, signed_in):
    ids = lead_ids(client, 3)
    answer = api(
        client, "patch", "/crm/api/Leads/", {"ids": ids, "values": {"Lead_Status": "Contacted"}}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [r["id"] for r in body["data"]] == ids
    assert all(r["status"] == "success" and r["code"] == "SUCCESS" for r in body["data"])
    assert body["info"] == {"succeeded": 3, "failed": 0}
    assert {lead(client, i)["Lead_Status"] for i in ids} == {"Contacted"}


def test_a_value_the_form_would_refuse_is_refused_before_anything_is_sent(client, signed_in, zoho):
    ids = lead_ids(client, 2)
    before = put_calls(zoho)
    for values, field in (
        ({"Lead_Status": "Not a status"}, "Lead_Status"),
        ({"Email": "not-an-email"}, "Email"),
        ({"Last_Name": None}, "Last_Name"),  # required: never emptied on many records
        ({"Nope": "x"}, "Nope"),
    ):
        answer = api(client, "patch", "/crm/api/Leads/", {"ids": ids, "values": values})
        assert answer.status_code == 400, (values, answer.content)
        assert answer.json()["error"]["field"] == field
    for body in ({"ids": [], "values": {"City": "x"}}, {"ids": ["12ab"], "values": {"City": "x"}}):
        answer = api(client, "patch", "/crm/api/Leads/", body)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "ids"
    assert put_calls(zoho) == before


def test_locked_and_unapproved_records_fail_on_their_own(client, signed_in):
    oldest = lead_ids(client, 3, order="asc")  # locked, awaiting approval, an ordinary one
    answer = api(client, "patch", "/crm/api/Leads/", {"ids": oldest, "values": {"City": "Oslo"}})
    assert answer.status_code == 207, answer.content
    locked, pending, fine = answer.json()["data"]
    assert (locked["status"], locked["code"]) == ("error", "RECORD_LOCKED")
    assert "locked in Zoho" in locked["message"]
    assert (pending["status"], pending["code"]) == ("error", "NOT_APPROVED")
    assert "awaiting approval" in pending["message"]
    assert fine["status"] == "success" and lead(client, fine["id"])["City"] == "Oslo"
    assert lead(client, locked["id"])["City"] != "Oslo"

    answer = api(client, "delete", f"/crm/api/Leads/?ids={oldest[0]},{oldest[1]}")
    assert answer.status_code == 400
    assert [r["code"] for r in answer.json()["data"]] == ["RECORD_LOCKED", "NOT_APPROVED"]


def test_delete_removes_the_records_named_and_says_which_were_not_found(client, signed_in):
    made = make_leads(client, 2)
    answer = api(client, "delete", f"/crm/api/Leads/?ids={made[0]},{made[1]},4150868000000999999")
    assert answer.status_code == 207, answer.content
    data = answer.json()["data"]
    assert [r["status"] for r in data] == ["success", "success", "error"]
    assert "No such lead" in data[2]["message"]
    assert lead(client, made[0]) is None and lead(client, made[1]) is None


def test_more_than_100_ids_become_a_job_only_its_owner_sees(client, signed_in, zoho):
    make_leads(client, 60)
    ids = lead_ids(client, 200)[:101]
    answer = api(
        client, "patch", "/crm/api/Leads/", {"ids": ids, "values": {"Lead_Source": "Web Download"}}
    )
    assert answer.status_code == 202, answer.content
    job = answer.json()["job"]
    assert job["state"] == "queued" and answer["Location"] == f"/crm/api/jobs/{job['id']}/"

    job_services.job_run(job["id"])  # what the worker does (tests/background/test_jobs.py)

    status = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert status["state"] == "done" and status["progress"] == 100
    assert status["download_url"] is None
    result = status["result"]
    assert result["total"] == 101 and result["succeeded"] + result["failed"] == 101
    assert {f["code"] for f in result["failures"]} <= {"RECORD_LOCKED", "NOT_APPROVED"}
    assert lead(client, ids[0])["Lead_Source"] == "Web Download"
    assert lead(client, ids[100])["Lead_Source"] == "Web Download"

    other = Client()
    connect_straight(zoho, "marcus.webb@zylker-traders.com", US_ORG, client=other)
    assert other.get(f"/crm/api/jobs/{job['id']}/").status_code == 404  # same org, not his
    assert other.get(f"/crm/jobs/{job['id']}/").status_code == 404
    assert client.get("/crm/api/jobs/999999/").status_code == 404
    assert client.get("/crm/api/jobs/abc/").status_code == 404


def test_all_matching_a_search_is_a_job_that_reads_the_ids_first(client, signed_in):
    made = make_leads(client, 3)
    answer = api(
        client,
        "patch",
        "/crm/api/Leads/",
        {"all_matching": {"q": "Bulk Test Co"}, "values": {"City": "Matched"}},
    )
    assert answer.status_code == 202, answer.content
    job_id = answer.json()["job"]["id"]
    job_services.job_run(job_id)
    assert Job.objects.get(pk=job_id).result["succeeded"] == 3
    assert {lead(client, i)["City"] for i in made} == {"Matched"}

    answer = api(client, "delete", "/crm/api/Leads/?all_matching=1&q=Bulk+Test+Co")
    assert answer.status_code == 202
    job_services.job_run(answer.json()["job"]["id"])
    assert all(lead(client, i) is None for i in made)


# --- pages ------------------------------------------------------------------------------------
def test_the_list_page_has_a_checkbox_per_row_and_the_bulk_bar(client, signed_in):
    page = client.get("/crm/Leads/").content.decode()
    assert 'id="bulk-form"' in page and 'name="action" value="update"' in page
    first = lead_ids(client, 1)[0]
    assert f'name="ids" value="{first}" form="bulk-form"' in page
    assert 'value="all"' in page  # all N matching: a plain list
    assert 'value="all"' not in client.get("/crm/Leads/?cvid=123").content.decode()


def test_mass_update_from_the_list_page_confirms_the_count_then_shows_each_result(
    client, signed_in
):
    oldest = lead_ids(client, 3, order="asc")
    chosen = {"action": "update", "field": "Lead_Status", "scope": "selected", "ids": oldest}
    names = {f"n-{i}": f"Name {n}" for n, i in enumerate(oldest)}
    confirm = client.post("/crm/Leads/bulk/", {**chosen, **names})
    assert confirm.status_code == 200, confirm.content.decode()
    page = confirm.content.decode()
    assert "Set Lead Status on 3 leads" in page and "Update 3 leads" in page
    assert '<select name="Lead_Status"' in page

    step = {
        "step": "confirm",
        "action": "update",
        "field": "Lead_Status",
        "scope": "selected",
        "ids": ",".join(oldest) + ",",
        **names,
    }
    refused = client.post("/crm/Leads/bulk/", {**step, "Lead_Status": "Nonsense"})
    assert refused.status_code == 400
    assert 'id="id_Lead_Status_error"' in refused.content.decode()

    done = client.post("/crm/Leads/bulk/", {**step, "Lead_Status": "Attempted to Contact"})
    assert done.status_code == 200, done.content.decode()
    result = done.content.decode()
    assert "Lead Status set on 1 of 3 leads" in result
    assert "Name 0" in result and "locked in Zoho" in result and "awaiting approval" in result
    assert lead(client, oldest[2])["Lead_Status"] == "Attempted to Contact"


def test_mass_delete_of_the_page_and_all_matching_from_the_list_page(client, signed_in):
    made = make_leads(client, 2)
    confirm = client.post(
        "/crm/Leads/bulk/", {"action": "delete", "scope": "page", "page_ids": ",".join(made)}
    )
    assert "Delete 2 leads?" in confirm.content.decode()
    done = client.post(
        "/crm/Leads/bulk/",
        {"step": "confirm", "action": "delete", "scope": "selected", "ids": ",".join(made) + ","},
    )
    assert "Deleted 2 of 2 leads" in done.content.decode()
    assert lead(client, made[0]) is None

    more = make_leads(client, 2)
    step = {"action": "delete", "scope": "all", "q": "Bulk Test Co", "list_query": "q=Bulk+Test+Co"}
    confirm = client.post("/crm/Leads/bulk/", step)
    assert "Delete 2 leads?" in confirm.content.decode()
    started = client.post("/crm/Leads/bulk/", {**step, "step": "confirm"})
    assert started.status_code == 302 and started["Location"].startswith("/crm/jobs/")
    job_id = started["Location"].rstrip("/").split("/")[-1]
    assert "Waiting for a worker" in client.get(started["Location"]).content.decode()
    job_services.job_run(int(job_id))
    page = client.get(started["Location"]).content.decode()
    assert "2 of 2 deleted" in page
    assert all(lead(client, i) is None for i in more)

    refused = client.post("/crm/Leads/bulk/", {**step, "list_query": "cvid=5&q=Bulk"})
    assert refused.status_code == 400 and "select the rows instead" in refused.content.decode()
    nothing = client.post("/crm/Leads/bulk/", {"action": "delete", "scope": "selected"})
    assert nothing.status_code == 400 and "Select at least one record" in nothing.content.decode()


# --- the job: resumed, retried, refused ---------------------------------------------------------
def test_a_restarted_job_goes_on_from_its_checkpoint_and_changes_no_record_twice(
    client, signed_in, zoho
):
    make_leads(client, 60)
    ids = lead_ids(client, 200)[:101]
    answer = api(client, "patch", "/crm/api/Leads/", {"ids": ids, "values": {"City": "Resumed"}})
    job_id = answer.json()["job"]["id"]
    # a worker died after the first step of 100: its checkpoint says so
    started = job_services.job_start(job_id)
    checkpoint = {"ids": ids, "next": 100, "succeeded": 98, "failures": []}
    job_services.job_advance(started, progress=99, result=checkpoint)
    before = put_calls(zoho)

    job_services.job_run(job_id)

    assert put_calls(zoho) == before + 1  # only the last step was sent
    job = Job.objects.get(pk=job_id)
    assert (job.state, job.runs, job.result["total"], job.result["succeeded"]) == (
        "done",
        2,
        101,
        99,
    )
    assert lead(client, ids[100])["City"] == "Resumed"
    assert lead(client, ids[0])["City"] != "Resumed"  # the step "done" before was not redone


def test_zoho_throttling_a_step_is_retried_later_not_a_failure(client, signed_in, zoho):
    make_leads(client, 60)
    ids = lead_ids(client, 200)[:101]
    answer = api(client, "patch", "/crm/api/Leads/", {"ids": ids, "values": {"City": "Later"}})
    job_id = answer.json()["job"]["id"]
    zoho.client.add_fault(
        f"/api/{signed_in.data_center}/crm/v8/Leads",
        method="PUT",
        count=2,  # the call and the runner's one retry after a concurrency 429
        status=429,
        crm_code="TOO_MANY_REQUESTS",
    )
    with pytest.raises(job_services.TransientError):
        job_services.job_run(job_id)
    assert Job.objects.get(pk=job_id).state == "running"  # kept for the task's next try

    job_services.job_run(job_id)

    job = Job.objects.get(pk=job_id)
    assert job.state == "done" and job.result["total"] == 101


def test_a_profile_that_may_not_delete_gets_no_bar_and_a_403(client, zoho):
    connect_straight(zoho, "dana.ortiz@zylker-traders.com", US_ORG, client=client)
    page = client.get("/crm/Accounts/").content.decode()
    assert 'id="bulk-form"' not in page and 'form="bulk-form"' not in page
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]["id"]
    answer = api(client, "delete", f"/crm/api/Accounts/?ids={account}")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "NO_PERMISSION"
    answer = api(
        client, "patch", "/crm/api/Accounts/", {"ids": [account], "values": {"Phone": "1"}}
    )
    assert answer.status_code == 403
    posted = client.post("/crm/Accounts/bulk/", {"action": "delete", "ids": [account]})
    assert posted.status_code == 403


def test_a_lookup_set_on_many_records_by_name_or_refused_by_name(client, signed_in):
    contacts = [r["id"] for r in client.get("/crm/api/Contacts/?per_page=2").json()["data"]]
    account = api(client, "post", "/crm/api/Accounts/", {"Account_Name": "Bulk Lookup Ltd"})
    account_id = account.json()["data"]["id"]
    step = {
        "step": "confirm",
        "action": "update",
        "field": "Account_Name",
        "scope": "selected",
        "ids": ",".join(contacts) + ",",
    }
    refused = client.post("/crm/Contacts/bulk/", {**step, "Account_Name": "Nonexistent Co"})
    assert refused.status_code == 400
    assert "no account is named “Nonexistent Co”" in refused.content.decode()

    done = client.post("/crm/Contacts/bulk/", {**step, "Account_Name": "Bulk Lookup Ltd"})
    assert done.status_code == 200 and "set on 2 of 2 contacts" in done.content.decode()
    for contact in contacts:
        saved = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
        assert saved["Account_Name"]["id"] == account_id


def test_a_failed_job_says_why_in_words_and_hides_internal_errors(client, signed_in):
    job = Job.objects.create(
        owner=signed_in.user,
        connection=signed_in,
        kind="crm.bulk_edit",
        state="failed",
        error="AppError: More than 10,000 records match: narrow the list first.",
    )
    status = client.get(f"/crm/api/jobs/{job.pk}/").json()["job"]
    assert status["state"] == "failed" and status["result"] is None
    assert status["error"] == "More than 10,000 records match: narrow the list first."
    assert "narrow the list first" in client.get(f"/crm/jobs/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(error="KeyError: 'secret internals'")
    assert "internals" not in client.get(f"/crm/api/jobs/{job.pk}/").content.decode()
    assert "internals" not in client.get(f"/crm/jobs/{job.pk}/").content.decode()
