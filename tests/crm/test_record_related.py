"""The record page's reads: the record and every related list's count in one call each, a
list's rows only when it is opened, exact totals; over real HTTP to the emulator."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

ZYLKER_TRADERS = "720019234"


def crm_calls(outbound, since: int) -> list[str]:
    """The CRM API calls made since `since` as "METHOD path" (no query string)."""
    out = []
    for method, url, _ in outbound.calls[since:]:
        path = url.split("/crm/v8/", 1)[-1].split("?", 1)[0]
        if "/crm/v8/" in url:
            out.append(f"{method} {path}")
    return out


def busiest_account(zoho) -> tuple[str, dict[str, int]]:
    """Zylker Traders' account with the most contacts, and how many records its Contacts,
    Deals and Tasks lists hold in the emulator."""
    org = zoho.app.state.orgs[ZYLKER_TRADERS]
    by_account: dict[str, int] = {}
    for contact in org.records["Contacts"].values():
        ref = contact.get("Account_Name")
        if isinstance(ref, dict):
            by_account[ref["id"]] = by_account.get(ref["id"], 0) + 1
    account = max(by_account, key=by_account.get)

    def count(module, field):
        return sum(
            1
            for r in org.records[module].values()
            if isinstance(r.get(field), dict) and r[field].get("id") == account
        )

    return account, {
        "Contacts": count("Contacts", "Account_Name"),
        "Deals": count("Deals", "Account_Name"),
        "Tasks": count("Tasks", "What_Id"),
    }


def pills(page: str) -> dict[str, int]:
    return {
        label: int(count)
        for label, count in re.findall(
            r'<h2 id="related-\d+">([^<]+)</h2><span class="pill">(\d+)<', page
        )
    }


def test_the_record_page_reads_the_record_and_the_counts_and_no_rows(client, us, zoho, outbound):
    account, expected = busiest_account(zoho)
    client.get(f"/crm/Accounts/{account}/")  # first visit: metadata too
    since = len(outbound.calls)
    page = client.get(f"/crm/Accounts/{account}/")
    assert page.status_code == 200
    # no more: the Notes and Attachments cards show Zoho's count, their rows are read when
    # seen (tests/crm/test_record_cards.py)
    assert sorted(crm_calls(outbound, since)) == sorted(
        [
            f"GET Accounts/{account}",
            f"POST Accounts/{account}/actions/get_related_records_count",
        ]
    )
    # exact counts, never "5+"
    shown = pills(page.text)
    assert (
        shown["Contacts"] == expected["Contacts"] > 5 or shown["Contacts"] == expected["Contacts"]
    )
    assert "+</span>" not in page.text
    for label in ("Deals", "Tasks"):
        if expected[label]:
            assert shown[label] == expected[label]
        else:
            assert label not in shown and f"<li>{label}</li>" in page.text


def test_a_list_with_more_than_five_shows_its_exact_total(client, us, outbound):
    created = client.post(
        "/crm/api/Accounts/",
        {"Account_Name": "Seven Contacts Ltd"},
        content_type="application/json",
    )
    account = created.json()["data"]["id"]
    contacts = [{"Last_Name": f"Person {n}", "Account_Name": account} for n in range(7)]
    made = client.post("/crm/api/Contacts/", contacts, content_type="application/json")
    assert made.status_code == 201
    page = client.get(f"/crm/Accounts/{account}/").text
    assert pills(page)["Contacts"] == 7
    assert f'<a href="/crm/Accounts/{account}/related/Contacts/">View all 7 contacts</a>' in page
    assert "Deals" not in pills(page)  # none: named on the "no related records" line


def test_a_lists_rows_are_read_when_it_is_opened(client, us, zoho, outbound):
    account, expected = busiest_account(zoho)
    client.get(f"/crm/Accounts/{account}/")
    client.get(f"/crm/Accounts/{account}/related/Contacts/rows/")  # the Contacts metadata
    since = len(outbound.calls)
    rows = client.get(f"/crm/Accounts/{account}/related/Contacts/rows/")
    assert rows.status_code == 200
    assert crm_calls(outbound, since) == [f"GET Accounts/{account}/Contacts"]
    links = re.findall(r'href="/crm/Contacts/(\d+)/"', rows.text)
    assert len(links) == min(5, expected["Contacts"])
    org = zoho.app.state.orgs[ZYLKER_TRADERS]
    assert all(org.records["Contacts"][i]["Account_Name"]["id"] == account for i in links)
    assert "<html" not in rows.text  # a fragment, not a page


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("related/Nothing/rows/", 404),
        ("related/Emails/rows/", 404),  # no related records API: not a list here
    ],
)
def test_a_bad_rows_request_is_a_clear_4xx(client, us, zoho, path, status):
    account, _ = busiest_account(zoho)
    assert client.get(f"/crm/Accounts/{account}/{path}").status_code == status


def test_rows_of_a_record_that_is_not_there(client, us):
    missing = "4150868000000999999"
    page = client.get(f"/crm/Accounts/{missing}/related/Contacts/rows/")
    assert page.status_code == 404
    assert client.get(f"/crm/Accounts/{missing}/").status_code == 404


def test_the_related_list_api_and_view_all_give_the_total(client, us, zoho):
    account, expected = busiest_account(zoho)
    answer = client.get(f"/crm/api/Accounts/{account}/related/Contacts/?per_page=2").json()
    assert answer["info"]["total"] == expected["Contacts"]
    assert answer["info"]["count"] == min(2, expected["Contacts"])
    page = client.get(f"/crm/Accounts/{account}/related/Contacts/?per_page=10").text
    shown = min(10, expected["Contacts"])
    assert f'<span id="list-range">1–{shown} of {expected["Contacts"]}</span>' in page


def test_a_profile_that_may_not_read_a_list_does_not_see_it(client, connect, zoho):
    dana = "dana.ortiz@zylker-traders.com"  # Field Sales (restricted): no Shipments
    connect(dana, org=ZYLKER_TRADERS)
    account, _ = busiest_account(zoho)
    page = client.get(f"/crm/Accounts/{account}/")
    assert page.status_code == 200
    assert "Contacts" in pills(page.text)
    assert "Shipments" not in page.text


def test_a_lead_with_more_than_fifty_fields_is_read_in_one_call(client, us, outbound):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]["id"]
    client.get(f"/crm/Leads/{lead}/")
    since = len(outbound.calls)
    page = client.get(f"/crm/Leads/{lead}/")
    assert page.status_code == 200
    reads = [c for c in crm_calls(outbound, since) if c == f"GET Leads/{lead}"]
    assert len(reads) == 1
    record = client.get(f"/crm/api/Leads/{lead}/").json()["data"]
    assert len(record) > 50  # every field, from the one call
