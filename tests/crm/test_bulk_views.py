"""Bulk edits follow the list's view and filters (crm/bulk.py `matching`, crm/views/bulk.py,
jobs/bulk_edits.py): "all N matching" on a list with a view (`cvid`) or filters means the
records that list shows, N its count, on the page and in the JSON API, and the job reads
the ids the same way; a record outside the view or filters is never touched. Through the
emulator over real HTTP and the real SDK."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from jobs import services as job_services
from jobs.models import Job

pytestmark = pytest.mark.django_db

COMPANY = "Bulk Views Co"


def api(client, method, url, body=None):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def lead(client, record_id):
    answer = client.get(f"/crm/api/Leads/{record_id}/")
    return answer.json()["data"] if answer.status_code == 200 else None


def views(client) -> dict[str, str]:
    return {v["name"]: v["id"] for v in client.get("/crm/api/Leads/views/").json()["data"]}


def listed(client, params: dict) -> list[str]:
    """The ids the JSON list answers for these list parameters (every page of 200)."""
    answer = client.get("/crm/api/Leads/?" + urlencode({**params, "per_page": 200}))
    assert answer.status_code == 200, answer.content
    assert not answer.json()["info"].get("more_records")
    return [r["id"] for r in answer.json()["data"]]


def make_leads(client, rows: list[dict]) -> list[str]:
    answer = api(client, "post", "/crm/api/Leads/", rows)
    assert answer.status_code == 201, answer.content
    return [r["id"] for r in answer.json()["data"]]


@pytest.fixture
def made(client, signed_in):
    """Three Contacted leads of Patricia's, one of hers that is Junk, and a Contacted one of
    another user's, all of COMPANY: {"mine", "junk", "others"}."""
    users = client.get("/crm/api/users/").json()["data"]
    other = next(u for u in users if u["id"] != signed_in.zoho_user_id)
    mine = make_leads(
        client,
        [
            {"Last_Name": f"View {n}", "Company": COMPANY, "Lead_Status": "Contacted"}
            for n in range(3)
        ],
    )
    junk, others = make_leads(
        client,
        [
            {"Last_Name": "View Junk", "Company": COMPANY, "Lead_Status": "Junk Lead"},
            {
                "Last_Name": "View Other",
                "Company": COMPANY,
                "Lead_Status": "Contacted",
                "Owner": other["id"],
            },
        ],
    )
    assert lead(client, others)["Owner"]["id"] == other["id"]
    return {"mine": mine, "junk": junk, "others": others}


def run_job(location: str) -> Job:
    job_id = int(location.rstrip("/").split("/")[-1])
    job_services.job_run(job_id)
    return Job.objects.get(pk=job_id)


# --- the page -----------------------------------------------------------------------------------
def test_all_matching_a_view_and_a_filter_changes_what_the_list_shows_only(client, made):
    filters = {"cvid": views(client)["My Leads"], "f_Lead_Status": "Contacted"}
    expected = listed(client, filters)
    assert set(made["mine"]) <= set(expected)
    assert made["junk"] not in expected and made["others"] not in expected
    count = len(expected)

    page = client.get("/crm/Leads/?" + urlencode(filters))
    assert page.status_code == 200
    bar = unescape(page.text.split('id="bulk-form"', 1)[1].split("</form>", 1)[0])
    assert f"All {count:,} in the view “My Leads” matching these filters" in bar
    list_query = unescape(re.search(r'name="list_query" value="([^"]*)"', bar)[1])
    assert "f_Lead_Status=Contacted" in list_query

    step = {
        "action": "update",
        "field": "City",
        "scope": "all",
        "q": "",
        "list_query": list_query,
    }
    confirm = client.post("/crm/Leads/bulk/", step)
    assert confirm.status_code == 200, confirm.content.decode()
    text = unescape(confirm.content.decode())
    assert f"Set City on {count} leads" in text
    assert f"Every lead in the view “My Leads” matching these filters: {count} now." in text
    cancel = unescape(re.search(r'<a class="button" href="([^"]+)">Cancel</a>', text)[1])
    assert "f_Lead_Status=Contacted" in cancel and f"cvid={filters['cvid']}" in cancel

    started = client.post("/crm/Leads/bulk/", {**step, "step": "confirm", "City": "Viewtown"})
    assert started.status_code == 302, started.content.decode()
    job = run_job(started["Location"])
    assert job.params["filters"] == filters and job.params["query"] == ""
    assert job.state == "done", job.error
    assert job.result["total"] == count
    assert job.result["succeeded"] + job.result["failed"] == count
    done = unescape(client.get(started["Location"]).content.decode())
    assert f"{job.result['succeeded']} of {count} updated" in done
    crumb = re.search(r'<li><a href="([^"]+)">Leads</a></li>', done)[1]
    assert crumb == "/crm/Leads/?" + urlencode(filters)  # back to the list it came from
    failed = {f["id"] for f in job.result["failures"]}
    for ident in expected:
        assert (lead(client, ident)["City"] == "Viewtown") is (ident not in failed)
    assert {lead(client, i)["City"] for i in made["mine"]} == {"Viewtown"}
    assert lead(client, made["junk"])["City"] != "Viewtown"  # outside the filter
    assert lead(client, made["others"])["City"] != "Viewtown"  # outside the view


def test_the_result_page_and_the_confirmation_go_back_to_the_filtered_list(client, made):
    filters = {"owner": "me", "f_Lead_Status": "Contacted", "page": "1"}
    list_query = urlencode(filters)
    chosen = {
        "action": "update",
        "field": "City",
        "scope": "page",
        "page_ids": ",".join(made["mine"]),
        "list_query": list_query,
    }
    confirm = client.post("/crm/Leads/bulk/", chosen)
    assert "Set City on 3 leads" in confirm.content.decode()
    carried = unescape(re.search(r'name="list_query" value="([^"]*)"', confirm.content.decode())[1])
    assert carried == list_query
    done = client.post(
        "/crm/Leads/bulk/",
        {
            "step": "confirm",
            "action": "update",
            "field": "City",
            "scope": "selected",
            "ids": ",".join(made["mine"]) + ",",
            "list_query": carried,
            "City": "Backtown",
        },
    )
    assert done.status_code == 200, done.content.decode()
    result = unescape(done.content.decode())
    assert "City set on 3 of 3 leads" in result
    back = re.search(r'<a class="button" href="([^"]+)">Back to Leads</a>', result)[1]
    assert back == "/crm/Leads/?" + list_query
    assert {lead(client, i)["City"] for i in made["mine"]} == {"Backtown"}
    assert lead(client, made["others"])["City"] != "Backtown"


def test_a_search_on_the_page_leaves_the_filters_out_as_the_list_does(client, made):
    searched = listed(client, {"q": COMPANY})
    assert set(searched) == {*made["mine"], made["junk"], made["others"]}
    step = {
        "action": "delete",
        "scope": "all",
        "q": COMPANY,
        "list_query": urlencode({"q": COMPANY, "owner": "me"}),
    }
    page = client.get("/crm/Leads/?" + step["list_query"])
    assert "the filters were left out" in unescape(page.text)
    assert f"All 5 matching “{COMPANY}”" in unescape(page.text)
    confirm = client.post("/crm/Leads/bulk/", step)
    assert "Delete 5 leads?" in confirm.content.decode()


def test_a_view_or_filter_the_list_could_not_use_is_not_offered_nor_taken(client, made):
    for query in ("cvid=123", "owner=999", "f_Lead_Status=Nonsense", "from=2024-13-01"):
        page = client.get("/crm/Leads/?" + query)
        assert page.status_code == 400
        assert 'value="all"' not in page.text
        refused = client.post(
            "/crm/Leads/bulk/", {"action": "delete", "scope": "all", "list_query": query}
        )
        assert refused.status_code == 400
        assert "select the rows instead" in unescape(refused.content.decode())
    assert all(lead(client, i) is not None for i in made["mine"])


# --- the JSON API -----------------------------------------------------------------------------
def test_api_all_matching_takes_the_view_and_filters(client, made):
    filters = {"owner": "me", "f_Lead_Status": "Contacted"}
    expected = listed(client, filters)
    answer = api(
        client, "patch", "/crm/api/Leads/", {"all_matching": filters, "values": {"City": "Apiton"}}
    )
    assert answer.status_code == 202, answer.content
    job = run_job(answer["Location"])
    assert job.params["filters"] == filters
    assert job.result["total"] == len(expected)
    assert {lead(client, i)["City"] for i in made["mine"]} == {"Apiton"}
    assert lead(client, made["junk"])["City"] != "Apiton"
    assert lead(client, made["others"])["City"] != "Apiton"

    # DELETE: a search within "My Leads" leaves the other user's lead of the company alone
    cvid = views(client)["My Leads"]
    answer = api(
        client,
        "delete",
        "/crm/api/Leads/?" + urlencode({"all_matching": 1, "cvid": cvid, "q": COMPANY}),
    )
    assert answer.status_code == 202, answer.content
    job = run_job(answer["Location"])
    assert job.params["filters"] == {"cvid": cvid} and job.params["query"] == COMPANY
    assert job.result == {**job.result, "total": 4, "succeeded": 4, "failed": 0}
    assert all(lead(client, i) is None for i in [*made["mine"], made["junk"]])
    assert lead(client, made["others"]) is not None


@pytest.mark.parametrize(
    ("matching", "field"),
    [
        ({"cvid": "123"}, "cvid"),
        ({"owner": "999"}, "owner"),
        ({"f_Lead_Status": "Nonsense"}, "f_Lead_Status"),
        ({"from": "2024-02-30"}, "from"),
        ({"f_Bogus": "x"}, "all_matching"),
        ({"cvid": 5}, "all_matching"),
        ({"q": COMPANY, "owner": "me"}, "q"),
        ("Contacted", "all_matching"),
    ],
)
def test_api_all_matching_refuses_what_the_list_would(client, made, zoho, matching, field):
    before = Job.objects.count()
    answer = api(
        client, "patch", "/crm/api/Leads/", {"all_matching": matching, "values": {"City": "No"}}
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["field"] == field
    assert Job.objects.count() == before
    refused = api(client, "delete", "/crm/api/Leads/?all_matching=1&f_Bogus=1")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "all_matching"


# --- the job ------------------------------------------------------------------------------------
def test_a_view_gone_before_the_job_runs_fails_it_and_changes_nothing(client, signed_in, made):
    from jobs.bulk_edits import bulk_edit_start

    job = bulk_edit_start(
        owner=signed_in.user,
        connection=signed_in,
        module="Leads",
        action="delete",
        query="",
        filters={"cvid": "123", "f_Lead_Status": "Contacted"},  # no such view (any more)
    )
    job_services.job_run(job["id"])
    status = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert status["state"] == "failed"
    assert "no such view" in status["error"]
    assert all(lead(client, i) is not None for i in [*made["mine"], made["others"]])


def test_the_job_reads_a_date_range_and_blank_filters_as_the_list_does(client, signed_in, made):
    stamp = dt.datetime.fromisoformat(lead(client, made["mine"][0])["Created_Time"])
    created = stamp.astimezone(dt.UTC).date().isoformat()  # the filter's days are UTC's
    filters = {"owner": "me", "date": "created", "from": created, "to": created, "cvid": ""}
    expected = listed(client, {k: v for k, v in filters.items() if v})
    assert set(made["mine"]) | {made["junk"]} <= set(expected)
    assert made["others"] not in expected
    answer = api(
        client,
        "patch",
        "/crm/api/Leads/",
        {"all_matching": {**filters, "f_Lead_Source": ""}, "values": {"City": "Datetown"}},
    )
    assert answer.status_code == 202, answer.content
    job = run_job(answer["Location"])
    assert job.params["filters"] == {
        "owner": "me",
        "date": "created",
        "from": created,
        "to": created,
    }
    assert job.result["total"] == len(expected)
    assert {lead(client, i)["City"] for i in [*made["mine"], made["junk"]]} == {"Datetown"}
    assert lead(client, made["others"])["City"] != "Datetown"
