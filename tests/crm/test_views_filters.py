"""A list's view and filters: Zoho's custom views, "My records", picklist, owner and date
filters, kept in the URL; through the emulator over real HTTP."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db


def _views(client) -> dict[str, str]:
    """{name: id} of the Leads views the picker offers (the panel opened without JavaScript:
    a plain list does not read them, tests/crm/test_lazy_views.py)."""
    page = client.get("/crm/Leads/?filters=open").text
    select = re.search(r'<select id="filter-cvid" name="cvid">(.*?)</select>', page, re.S)
    assert select, "no view picker"
    return {
        unescape(name): value
        for value, name in re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select[1])
    }


def _names(page: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="/crm/Leads/\d+/">([^<]*)</a>', page)


def _range(page: str) -> str:
    return unescape(re.search(r'<span id="list-range">([^<]*)</span>', page)[1])


def test_the_picker_offers_zohos_views_of_the_module(client, us):
    views = _views(client)
    assert list(views)[:4] == [
        "All Leads",
        "My Leads",
        "Recently Created Leads",
        "Recently Modified Leads",
    ]
    assert views["All Leads"] == ""  # the default view is the plain list
    assert "Contacted and qualified" in views


def test_a_view_lists_its_records_and_its_count(client, us):
    every = client.get("/crm/Leads/?per_page=200")
    assert every.status_code == 200
    cvid = _views(client)["Contacted and qualified"]
    page = client.get(f"/crm/Leads/?cvid={cvid}&per_page=200").text
    shown = _names(page)
    assert shown and len(shown) < len(_names(every.text))
    assert _range(page) == f"1–{len(shown)} of {len(shown)}"
    statuses = set(re.findall(r'data-label="Lead Status">([^<]*)<', page))
    assert statuses <= {"Contacted", "Pre-Qualified"}
    assert "In the view&#x27;s own order" in page or "In the view's own order" in page
    # the view is selected in the picker, and a column sort is not offered within it
    assert f'value="{cvid}" selected' in page
    assert '<span class="sort-mark"' not in page


def test_my_records_and_the_owner_filter(client, us):
    page = client.get("/crm/Leads/?owner=me&per_page=200").text
    mine = _names(page)
    assert mine
    owners = set(re.findall(r'data-label="Lead Owner">([^<]*)<', page))
    assert owners == {"Patricia Boyle"}
    assert 'aria-current="true">My leads</a>' in page
    everyone = _names(client.get("/crm/Leads/?per_page=200").text)
    assert len(mine) < len(everyone)


def test_a_picklist_filter_within_a_view_and_a_reload_reopens_it(client, us):
    cvid = _views(client)["My Leads"]
    url = f"/crm/Leads/?cvid={cvid}&f_Lead_Status=Contacted&per_page=200"
    page = client.get(url).text
    statuses = set(re.findall(r'data-label="Lead Status">([^<]*)<', page))
    owners = set(re.findall(r'data-label="Lead Owner">([^<]*)<', page))
    assert statuses == {"Contacted"} and owners == {"Patricia Boyle"}
    assert '<option value="Contacted" selected>' in page
    assert client.get(url).text.count("<tr>") == page.count("<tr>")  # the link reopens it


def test_a_date_range_filters_by_created_time(client, us):
    page = client.get("/crm/Leads/?date=created&from=2000-01-01&to=2000-12-31").text
    assert "No leads" in page
    everything = client.get("/crm/Leads/?date=created&from=2000-01-01&per_page=200").text
    assert len(_names(everything)) == len(_names(client.get("/crm/Leads/?per_page=200").text))


def test_pagination_keeps_the_view_and_filters(client, us):
    page = client.get("/crm/Leads/?owner=me&per_page=10").text
    nxt = re.search(r'<a href="([^"]+)" rel="next">', page)
    if nxt is None:  # Patricia owns ten leads or fewer: one page
        pytest.skip("one page only")
    link = unescape(nxt[1])
    assert "owner=me" in link and "page=2" in link


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cvid=1234567890123456789", "Leads has no such view"),
        ("cvid=abc", "Leads has no such view"),
        ("owner=42", "That owner is not an active user of this org."),
        ("f_Lead_Status=Sleeping", "Lead Status has no choice “Sleeping”."),
        ("from=yesterday", "is not a date: use YYYY-MM-DD."),
        ("from=2024-05-01&to=2024-01-01", "The date range ends before it starts."),
    ],
)
def test_a_bad_view_or_filter_is_a_400_in_plain_words(client, us, query, message):
    response = client.get(f"/crm/Leads/?{query}")
    assert response.status_code == 400
    text = unescape(response.text)
    assert message in text and "It was left out." in text
    for word in ("cvid", "invalid data", "page_token", "criteria"):
        assert word not in re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1]).lower().replace(
            'name="cvid"', ""
        )
    assert _names(response.text)  # the rest of the list is still shown


def test_sortable_columns_say_so(client, us):
    page = client.get("/crm/Leads/").text
    assert '<span class="sort-mark" aria-hidden="true">↕</span>' in page
    assert ", sortable; sort A to Z" in page
    link = unescape(re.search(r'<th[^>]*><a href="([^"]+)">', page)[1])
    sorted_page = client.get(f"/crm/Leads/{link}").text
    assert 'aria-sort="ascending"' in sorted_page
    assert ", sorted A to Z; sort Z to A" in sorted_page


def test_lookups_in_list_rows_link_to_the_record(client, us):
    page = client.get("/crm/Contacts/?per_page=50").text
    assert re.search(r'data-label="Account Name"><a href="/crm/Accounts/\d+/">', page)


def test_a_stale_page_link_speaks_plainly(client, us):
    response = client.get("/crm/Leads/?page=500&per_page=10")
    text = unescape(response.text)
    assert "page_token" not in text and "next_page_token" not in text


def test_the_page_size_form_keeps_the_view_and_filters(client, us):
    cvid = _views(client)["My Leads"]
    page = client.get(f"/crm/Leads/?cvid={cvid}&f_Lead_Status=Contacted").text
    toolbar = page.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="cvid" value="{cvid}">' in toolbar
    assert '<input type="hidden" name="f_Lead_Status" value="Contacted">' in toolbar


def test_a_search_runs_within_the_view_and_leaves_filters_out(client, us):
    cvid = _views(client)["My Leads"]
    mine = client.get(f"/crm/Leads/?cvid={cvid}&q=example&per_page=200").text
    owners = set(re.findall(r'data-label="Lead Owner">([^<]*)<', mine))
    assert owners == {"Patricia Boyle"}
    both = client.get("/crm/Leads/?q=example&owner=me&per_page=200")
    assert both.status_code == 200
    assert "Search or filter, not both: the filters were left out." in unescape(both.text)
    assert len(set(re.findall(r'data-label="Lead Owner">([^<]*)<', both.text))) > 1


def test_without_the_views_scope_the_other_filters_still_work(client, connect, settings):
    settings.ZOHO_SCOPES = [s for s in settings.ZOHO_SCOPES if "custom_views" not in s]
    connect("patricia.boyle@zylker-traders.com", org="720019234")
    page = client.get("/crm/Leads/?owner=me&filters=open")
    assert page.status_code == 200
    assert 'id="filter-cvid"' not in page.text
    assert "Sign in with Zoho again to see Zoho&#x27;s views of this module." in page.text
    assert set(re.findall(r'data-label="Lead Owner">([^<]*)<', page.text)) == {"Patricia Boyle"}
    api = client.get("/crm/api/Leads/views/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "NEEDS_RECONSENT"


def test_a_picklist_value_with_parentheses_is_escaped_for_zoho(client, us):
    value = "ASP (Application Service Provider)"
    response = client.get("/crm/Leads/", {"f_Industry": value, "per_page": 200})
    assert response.status_code == 200
    shown = _names(response.text)
    assert shown and "left out" not in response.text  # Zoho took the escaped criteria
    everyone = _names(client.get("/crm/Leads/?per_page=200").text)
    assert len(shown) < len(everyone)
    assert (
        "No leads in this view or with these filters."
        in client.get(
            "/crm/Leads/",
            {"f_Industry": value, "owner": "me", "from": "2000-01-01", "to": "2000-01-02"},
        ).text
    )


def test_a_change_made_here_refreshes_the_filters_count(client, us):
    """A filter's count is cached for a minute, but a change made through the portal moves
    a record into the filter at once: every count of the module is asked for again."""
    batch = [{"Last_Name": f"Recount {n}", "Company": "Recount Ltd"} for n in range(12)]
    for row in batch[1:]:
        row["Lead_Status"] = "Contacted"
    made = client.post("/crm/api/Leads/", data=json.dumps(batch), content_type="application/json")
    assert made.status_code == 201, made.content
    lead = made.json()["data"][0]["id"]
    url = "/crm/Leads/?f_Lead_Status=Contacted&per_page=10"  # more than a page: Zoho's count
    every = len(_names(client.get(url.replace("per_page=10", "per_page=200")).text))
    assert every > 10
    assert _range(client.get(url).text) == f"1–10 of {every}"

    changed = client.patch(
        f"/crm/api/Leads/{lead}/",
        data=json.dumps({"Lead_Status": "Contacted"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert _range(client.get(url).text) == f"1–10 of {every + 1}"


def test_a_counts_cache_key_is_the_same_in_every_process(connection):
    """Workers share cached counts: the key names the module's count generation as text
    every process writes alike (0 until a write made here moves it on)."""
    from crm.selectors import count_forget, count_key

    assert count_key(connection, "Leads") == f"crm:count:{connection.pk}:Leads:0:"
    count_forget(connection=connection, module="Leads")
    moved = count_key(connection, "Leads")
    assert moved != f"crm:count:{connection.pk}:Leads:0:"
    assert moved == count_key(connection, "Leads")
    assert "object at" not in moved
