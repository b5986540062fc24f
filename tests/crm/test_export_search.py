"""Export of a search: the list's `q` (within its view) is exported through Zoho's Search
Records, the call the list page makes (emulated over real HTTP), 200 records a call through
Zoho's first 2,000 matches, into the same CSV as the Bulk Read path: the rows are exactly
those the list's search shows, owners and looked-up records by name."""

from __future__ import annotations

import csv
import io
import re

import pytest

from jobs import exports, services
from jobs.models import Job

pytestmark = pytest.mark.django_db

TOM = "tom.okonkwo@thamesgate-wholesale.co.uk"
THAMESGATE = "90051762213"  # the UK org: 2,600 leads
PATRICIA = "patricia.boyle@zylker-traders.com"
ZYLKER_TRADERS = "720019234"


@pytest.fixture(autouse=True)
def _job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"


def _searched(client, module: str, params: str) -> list[dict]:
    """Every record the list's search shows, page by page as the list pages it."""
    records, page = [], 1
    while True:
        answer = client.get(f"/crm/api/{module}/?per_page=200&page={page}&{params}")
        assert answer.status_code == 200, answer.content
        records += answer.json()["data"]
        if not answer.json()["info"]["more_records"]:
            return records
        page += 1


def _start(client, module: str, body: dict) -> Job:
    response = client.post(f"/crm/api/{module}/export/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    return Job.objects.get(pk=response.json()["job"]["id"])


def _exported(client, job_id: int) -> tuple[dict, list[str], list[dict]]:
    """Run the job here; its JSON, the CSV's header and rows."""
    services.job_run(job_id)
    job = client.get(f"/crm/api/jobs/{job_id}/").json()["job"]
    assert job["state"] == "done", job
    data = b"".join(client.get(job["download_url"]).streaming_content)
    assert data.startswith("\ufeff".encode())
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return job, list(reader.fieldnames or []), list(reader)


def _search_calls(zoho, module: str) -> int:
    paths = zoho.client.stats()["api_calls_by_path"]
    return sum(n for path, n in paths.items() if path.endswith(f"/{module}/search"))


def test_an_export_of_a_search_holds_exactly_the_lists_matches(client, connect, zoho):
    """382 of the UK org's 2,600 leads match "london": two pages of Zoho's search."""
    connect(TOM, org=THAMESGATE)
    listed = _searched(client, "Leads", "q=london")
    assert 200 < len(listed) < 2000
    calls = _search_calls(zoho, "Leads")

    job = _start(client, "Leads", {"q": "london"})
    assert (job.params["query"], job.params["filters"], job.params["criteria"]) == (
        "london",
        {},
        None,
    )
    answer, header, rows = _exported(client, job.pk)

    assert answer["result"] == {"rows": len(listed)}
    assert header[0] == "Lead Name" and "Lead Owner" in header
    assert [(r["Lead Name"], r["Email"]) for r in rows] == [
        (r["Full_Name"], r["Email"]) for r in listed
    ]  # the list's records, in the list's order
    assert [r["Lead Owner"] for r in rows] == [r["Owner"]["name"] for r in listed]  # names
    assert _search_calls(zoho, "Leads") - calls == 2  # 200 a call
    assert not any(p.name.startswith("search-page") for p in _job_folder(job).iterdir())
    page = client.get(f"/crm/jobs/{job.pk}/").content.decode()
    assert "Which records: Search: london." in page
    assert "/crm/Leads/?q=london" in page  # back to the searched list


def _job_folder(job: Job):
    from jobs.files import job_folder

    return job_folder(job)


def test_a_searched_lookup_is_exported_by_its_name(client, us):
    listed = _searched(client, "Contacts", "q=ironwood")
    assert listed and all(r["Account_Name"] for r in listed)

    _, header, rows = _exported(client, _start(client, "Contacts", {"q": "ironwood"}).pk)

    assert "Account Name" in header
    assert [(r["Contact Name"], r["Account Name"], r["Contact Owner"]) for r in rows] == [
        (r["Full_Name"], r["Account_Name"]["name"], r["Owner"]["name"]) for r in listed
    ]


def test_an_email_search_from_the_list_pages_export_button(client, us):
    email = "brian.hernandez@ironwoodmanufacturing.example"
    page = client.get(f"/crm/Contacts/?q={email}").content.decode()
    form = re.search(r'<form method="post" action="/crm/Contacts/export/".*?</form>', page, re.S)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.pop("csrfmiddlewaretoken", None)
    assert fields == {"q": email}
    assert "the contacts this search finds as a CSV file" in form

    response = client.post("/crm/Contacts/export/", fields)
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    _, _, rows = _exported(client, job.pk)

    assert [r["Email"] for r in rows] == [email]
    assert [r["Email"] for r in _searched(client, "Contacts", f"q={email}")] == [email]


def test_a_search_without_matches_is_a_csv_of_the_header_only(client, us):
    job, header, rows = _exported(client, _start(client, "Leads", {"q": "zzqxnomatch"}).pk)
    assert (job["result"], rows) == ({"rows": 0}, [])
    assert header[0] == "Lead Name"
    page = client.get(f"/crm/jobs/{job['id']}/").content.decode()
    assert "0 records exported." in page


def _views(client) -> dict[str, str]:
    return {v["name"]: v["id"] for v in client.get("/crm/api/Leads/views/").json()["data"]}


def test_a_search_within_a_view_is_the_lists_search_within_it(client, us):
    cvid = _views(client)["My Leads"]
    within = _searched(client, "Leads", f"q=inc&cvid={cvid}")
    everywhere = _searched(client, "Leads", "q=inc")
    assert 0 < len(within) < len(everywhere)  # the view narrows the search

    job = _start(client, "Leads", {"q": "inc", "cvid": cvid})
    _, _, rows = _exported(client, job.pk)

    assert [r["Email"] for r in rows] == [r["Email"] for r in within]
    page = client.get(f"/crm/jobs/{job.pk}/").content.decode()
    assert "Which records: Search: inc; View: My Leads." in page


def test_a_search_with_filters_leaves_them_out_as_the_list_does(client, us):
    """The list page searches without the filters (and says so): its Export button sends
    the search alone; a form asking for both is exported as the list shows it, and the
    job page says the filters were left out. The JSON API refuses both, as its list does."""
    page = client.get("/crm/Leads/?q=inc&owner=me").content.decode()
    assert "Search or filter, not both: the filters were left out." in page
    form = re.search(r'<form method="post" action="/crm/Leads/export/".*?</form>', page, re.S)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.pop("csrfmiddlewaretoken", None)
    assert fields == {"q": "inc"}

    response = client.post("/crm/Leads/export/", {"q": "inc", "owner": "me"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.params["query"], job.params["filters"]) == ("inc", {})
    _, _, rows = _exported(client, job.pk)
    assert [r["Email"] for r in rows] == [r["Email"] for r in _searched(client, "Leads", "q=inc")]
    page = client.get(f"/crm/jobs/{job.pk}/").content.decode()
    assert f"Which records: Search: inc; {exports.FILTERS_LEFT_OUT}." in page

    response = client.post(
        "/crm/api/Leads/export/", {"q": "inc", "owner": "me"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "q"
    assert Job.objects.count() == 1


def test_a_search_matching_more_than_zoho_answers_exports_its_first_2000(client, connect, zoho):
    """Every lead of the UK org has an `.example` address: Zoho's search answers its
        first 2,000 matches, in ten calls; the note of the list's Export button (from the
    list's count of the matches) and the job page say so."""
    connect(TOM, org=THAMESGATE)
    page = client.get("/crm/Leads/?q=example").content.decode()
    assert "2,600" in page  # the list's count of the matches
    assert "Exports the first 2,000 matches, as many as Zoho's search answers." in page
    calls = _search_calls(zoho, "Leads")

    job, _, rows = _exported(client, _start(client, "Leads", {"q": "example"}).pk)

    assert len(rows) == 2000
    assert job["result"] == {"rows": 2000, "more_matches": True}
    assert _search_calls(zoho, "Leads") - calls == 10
    page = client.get(f"/crm/jobs/{job['id']}/").content.decode()
    assert "2,000 records exported. The search found more: Zoho's search answers its first" in page


def test_a_zoho_failure_mid_search_is_retried_from_the_page_it_reached(
    client, connect, zoho, monkeypatch
):
    """856 leads match "ltd" (five pages). Zoho fails the third page: the run stops for a
    retry with two pages checkpointed; the next run reads pages three to five only."""
    connect(TOM, org=THAMESGATE)
    listed = _searched(client, "Leads", "q=ltd")
    assert 800 < len(listed) <= 1000
    job = _start(client, "Leads", {"q": "ltd"})
    advance = exports.job_advance
    search = next(p for p in zoho.client.stats()["api_calls_by_path"] if p.endswith("/search"))

    def fail_after_the_second_page(job, *, progress, result=None):
        advance(job, progress=progress, result=result)
        if (result or {}).get("pages") == 2:  # Zoho fails the next call
            zoho.client.add_fault(search, status=500, crm_code="INTERNAL_ERROR")

    monkeypatch.setattr(exports, "job_advance", fail_after_the_second_page)
    calls = _search_calls(zoho, "Leads")
    with pytest.raises(services.TransientError):
        services.job_run(job.pk)
    stored = Job.objects.get(pk=job.pk)
    assert (stored.state, stored.result) == ("running", {"pages": 2, "more": True})

    answer, _, rows = _exported(client, job.pk)

    assert answer["result"] == {"rows": len(listed)}
    assert [r["Email"] for r in rows] == [r["Email"] for r in listed]
    assert _search_calls(zoho, "Leads") - calls == 5 + 1  # five pages, one failed call
    assert Job.objects.get(pk=job.pk).runs == 2
