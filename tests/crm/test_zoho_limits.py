"""Zoho's rules for lists and for an org's API use, as a real org enforces them (issue 20
items 1, 2 and 12): sorting (Get Records' three fields, any other column through COQL),
page tokens that expire or run out, API credits and the concurrency cap."""

from __future__ import annotations

import html
import re

import pytest

from crm.zoho import errors as zoho_errors
from crm.zoho import runner

UK = "harriet.ashworth@thamesgate-wholesale.co.uk"  # the 2,600-lead org
UK_ORG = "90051762213"
PATRICIA = "patricia.boyle@zylker-traders.com"
US_ORG = "720019234"


@pytest.fixture
def uk(connect):
    return connect(UK, org=UK_ORG)


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def _headers(page: str) -> dict[str, str | None]:
    """Column label -> the header's sort link (None: not a link)."""
    headers = {}
    for cell in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S):
        link = re.search(r'<a href="([^"]+)">\s*([^<]+?)\s*<', cell)
        if link:
            headers[link.group(2).strip()] = html.unescape(link.group(1))
        else:
            headers[re.sub(r"<[^>]+>", "", cell).strip()] = None
    return headers


def _names(client, url: str) -> list[str]:
    return [r["Company"] or "" for r in client.get(url).json()["data"]]


# --- 1. sorting -----------------------------------------------------------------------------
def test_only_columns_zoho_can_sort_by_are_sort_links(client, us):
    page = client.get("/crm/Leads/").text
    headers = _headers(page)
    assert headers["Company"] and "sort_by=Company" in headers["Company"]
    assert headers["Lead Name"] and "sort_by=Full_Name" in headers["Lead Name"]
    # Owner is sortable in Zoho's metadata, but COQL orders a lookup by the id it stores
    assert "Lead Owner" in headers and headers["Lead Owner"] is None
    # Phone is not sortable in the field metadata: no link either
    assert headers.get("Phone", None) is None


def test_a_column_sorts_through_coql_and_pages_past_2000_records_by_number(client, uk, zoho):
    before = zoho.client.stats()["api_calls_by_path"]
    page10 = client.get("/crm/Leads/?per_page=200&page=10&sort_by=Company&sort_order=desc")
    assert page10.status_code == 200
    paths = zoho.client.stats()["api_calls_by_path"]
    assert paths.get("/api/uk/crm/v8/coql", 0) > before.get("/api/uk/crm/v8/coql", 0)
    next_url = _link(page10.text, "next")
    assert next_url and "page=11" in next_url and "page_token" not in next_url
    page11 = client.get(f"/crm/Leads/{next_url}")
    assert page11.status_code == 200 and "Page 11" in page11.text
    # the JSON API gives the same order, page after page, without repeating a record
    seen, companies = set(), []
    for number in (10, 11, 12):
        answer = client.get(
            "/crm/api/Leads/",
            {"per_page": 200, "page": number, "sort_by": "Company", "sort_order": "desc"},
        ).json()
        assert len(answer["data"]) == 200
        seen |= {r["id"] for r in answer["data"]}
        companies += [(r["Company"] or "").lower() for r in answer["data"]]
    assert len(seen) == 600
    assert companies == sorted(companies, reverse=True)


def test_the_three_get_records_fields_sort_without_coql(client, us, zoho):
    before = zoho.client.stats()["api_calls_by_path"].get("/api/us/crm/v8/coql", 0)
    answer = client.get("/crm/api/Leads/?sort_by=Created_Time&sort_order=asc")
    assert answer.status_code == 200 and answer.json()["data"]
    assert zoho.client.stats()["api_calls_by_path"].get("/api/us/crm/v8/coql", 0) == before


@pytest.mark.parametrize("column", ["Owner", "Phone", "Description", "Nope"])
def test_a_column_neither_can_sort_is_refused(client, us, zoho, column):
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    calls = zoho.client.stats()["api_calls"]
    refused = client.get(f"/crm/api/Leads/?sort_by={column}")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "sort_by"
    assert zoho.client.stats()["api_calls"] == calls  # refused before asking Zoho
    page = client.get(f"/crm/Leads/?sort_by={column}")
    assert page.status_code == 200
    assert "Showing the default order." in page.text


def test_coql_sorted_lists_stop_at_100000_records(client, us):
    refused = client.get("/crm/api/Leads/?sort_by=Company&per_page=200&page=501")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "page"
    assert "100,000" in refused.json()["error"]["message"]
    page = client.get("/crm/Leads/?sort_by=Company&per_page=200&page=501")
    assert page.status_code == 200 and "Showing the first page." in page.text


# --- 2. page tokens -------------------------------------------------------------------------
def test_an_expired_page_token_offers_the_first_page_in_plain_words(client, uk, zoho):
    page = client.get("/crm/Leads/?per_page=200&page=10").text
    next_url = _link(page, "next")
    assert next_url and "page_token=" in next_url
    zoho.client.expire_page_tokens()  # a day later
    response = client.get(f"/crm/Leads/{next_url}")
    assert response.status_code == 200
    text = response.text
    assert "opened more than a day ago" in text and "Showing the first page." in text
    assert "Page 1" in text
    notice = re.search(r"opened more than a day ago[^<]*", text).group(0)
    assert "page_token" not in notice and "token" not in notice.lower()
    token = re.search(r"page_token=([^&]+)", next_url).group(1)
    answer = client.get("/crm/api/Leads/", {"per_page": 200, "page_token": token})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "EXPIRED_VALUE"
    assert answer.json()["error"]["field"] == "page_token"


def test_the_100000_record_limit_of_page_tokens(client, uk, monkeypatch):
    from zoho_emulator.crm import paging

    monkeypatch.setattr(paging, "TOKEN_RECORD_LIMIT", 2200)  # 100,000 at Zoho
    page = client.get("/crm/Leads/?per_page=200&page=10").text
    page11 = client.get(f"/crm/Leads/{_link(page, 'next')}").text
    next_url = _link(page11, "next")
    response = client.get(f"/crm/Leads/{next_url}")
    assert response.status_code == 200
    assert "first 100,000 records" in response.text and "Showing the first page." in response.text
    token = re.search(r"page_token=([^&]+)", next_url).group(1)
    answer = client.get("/crm/api/Leads/", {"per_page": 200, "page_token": token})
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "PAGINATION_LIMIT_EXCEEDED",
        "message": answer.json()["error"]["message"],
        "field": "page_token",
    }


# --- 12. credits and concurrency --------------------------------------------------------
def test_out_of_credits_is_a_429_that_says_later_today(client, us, zoho):
    client.get("/crm/Leads/")  # metadata cached
    zoho.client.set_credits(US_ORG, limit=0)
    page = client.get("/crm/Leads/")
    assert page.status_code == 429
    assert page["Retry-After"] == str(zoho_errors.CREDITS_RETRY_AFTER)
    assert "Out of Zoho API credits for now" in page.text and "later today" in page.text
    answer = client.get("/crm/api/Leads/")
    assert answer.status_code == 429 and answer["Retry-After"] == "3600"
    error = answer.json()["error"]
    assert error["code"] == "THROTTLED" and error["retry_after"] == 3600
    assert "later today" in error["message"]
    zoho.client.set_credits(US_ORG, limit=None)
    assert client.get("/crm/api/Leads/").status_code == 200


def test_over_the_concurrency_cap_is_a_429_in_seconds(client, us, zoho, monkeypatch):
    monkeypatch.setattr(runner, "CONCURRENCY_RETRY_DELAY", 0)
    client.get("/crm/Leads/")  # metadata cached
    zoho.client.set_credits(US_ORG, concurrency=0)  # every call is one too many
    before = zoho.client.stats()["api_errors_by_code"].get("TOO_MANY_REQUESTS", 0)
    page = client.get("/crm/Leads/")
    assert page.status_code == 429 and page["Retry-After"] == "5"
    assert "Zoho is busy" in page.text and "5 seconds" in page.text
    answer = client.get("/crm/api/Leads/")
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "THROTTLED"
    assert answer.json()["error"]["retry_after"] == 5
    # each was tried twice: once more after a short wait
    after = zoho.client.stats()["api_errors_by_code"]["TOO_MANY_REQUESTS"]
    assert after - before == 4


def test_a_concurrency_429_is_tried_once_more(client, us, zoho, monkeypatch):
    monkeypatch.setattr(runner, "CONCURRENCY_RETRY_DELAY", 0)
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault("/api/us/crm/v8/Leads", crm_code="TOO_MANY_REQUESTS", count=1)
    answer = client.get("/crm/api/Leads/?per_page=1")
    assert answer.status_code == 200 and answer.json()["data"]
    # a write refused that way is not sent twice by the retry: Zoho carried out nothing
    zoho.client.add_fault(
        "/api/us/crm/v8/Leads", method="POST", crm_code="TOO_MANY_REQUESTS", count=1
    )
    created = client.post(
        "/crm/api/Leads/",
        data={"Last_Name": "Retried", "Company": "Zylker"},
        content_type="application/json",
    )
    assert created.status_code == 201
    found = client.get("/crm/api/Leads/lookup/?q=Retried").json()["data"]
    assert len(found) == 1


def test_the_admin_shows_each_orgs_credits_from_the_portals_own_count(
    client, us, zoho, admin_client
):
    from accounts.models import ZohoConnection
    from zoho import credits as api_credits

    client.get("/crm/Leads/")
    client.get("/crm/Leads/?sort_by=Company")  # COQL: 1 credit for LIMIT 20
    client.get("/crm/api/Leads/?per_page=5")
    org = ZohoConnection.objects.get().org
    counted = api_credits.used_today(org.pk)
    assert counted > 0
    # the emulator meters the same calls with the same weights
    assert counted == zoho.client.stats()["credits_used_by_org"][US_ORG]
    changelist = admin_client.get("/admin/accounts/zohoorg/")
    assert changelist.status_code == 200
    assert re.search(rf'class="field-api_credits_today">{counted:,}<', changelist.text)
