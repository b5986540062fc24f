"""The pages as people use them: navigation, the dashboard, counts, sort kept, record pages
in layout sections with related lists, forms with an error summary, Cancel, duplicate links
and one record per form however often it is sent, lookups by name, and error pages that say
what to do. (The browser walk is tests/e2e/test_portal_walk.py.)"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

US = ("patricia.boyle@zylker-traders.com", "720019234")  # Zylker Traders: 45 leads


def _first_id(client, module: str) -> str:
    return client.get(f"/crm/api/{module}/?per_page=1").json()["data"][0]["id"]


def test_the_header_offers_the_orgs_modules_and_home_is_a_dashboard(client, us):
    home = client.get("/").text
    nav = home.split('aria-label="Modules"')[1].split("</nav>")[0]
    for module in ("Leads", "Contacts", "Accounts", "Deals"):
        assert f'href="/crm/{module}/"' in nav
    assert 'href="/crm/Shipments/"' in home  # the org's custom module, from metadata
    # One tile per main module: its count (Zoho's count API) and its latest records (the
    # page read whole, as without JavaScript; tests/crm/test_dashboard_parts.py: one by one).
    home = client.get("/?full=1").text
    tile = home.split('id="tile-Leads"')[1].split("</section>")[0]
    assert 'class="tile-count" aria-label="45 leads">45<' in tile
    assert len(re.findall(r'href="/crm/Leads/\d+/"', tile)) == 3
    assert "4150868" not in re.sub(r'href="[^"]*"', "", tile)  # names, not ids


def test_the_dashboard_asks_zoho_for_its_tiles_a_few_at_a_time(zoho, connect, monkeypatch):
    """Eight tiles, each its own calls: not one after another, never more than
    CONCURRENT_CALLS at once (Zoho caps concurrent calls per org), and no module's fields
    fetched twice because several tiles reach it at the same time."""
    from django.test import Client

    from crm.zoho import runner

    def fields_calls():
        return zoho.client.stats()["api_calls_by_path"].get("/api/us/crm/v8/settings/fields", 0)

    patricia = Client()
    connect(US[0], US[1], client=patricia)
    zoho.client.add_fault("/api/us/crm/v8/", match="prefix", delay_s=0.3, count=None)
    try:
        home = patricia.get("/?full=1")
    finally:
        zoho.client.clear_faults()
    assert home.status_code == 200
    assert len(re.findall(r'id="tile-box-', home.text)) == 8
    assert 'class="hint tile-body"' not in home.text  # no tile failed
    assert 2 <= zoho.client.stats()["api_in_flight_max"] <= runner.CONCURRENT_CALLS
    at_once = fields_calls()
    # Another user of the same org, first visit too, one tile at a time: as many fetches.
    monkeypatch.setattr(runner, "CONCURRENT_CALLS", 1)
    marcus = Client()
    connect("marcus.webb@zylker-traders.com", US[1], client=marcus)
    assert marcus.get("/?full=1").status_code == 200
    assert fields_calls() - at_once == at_once


def test_the_list_says_which_records_of_how_many_and_keeps_the_sort(client, us):
    page = client.get("/crm/Leads/?per_page=20&page=3&sort_by=Full_Name&sort_order=asc").text
    assert '<span id="list-range">41–45 of 45</span>' in page
    assert "Page 3 of 3" in page
    assert "Sorted by Lead Name, A to Z" in page
    # Every control keeps the sort: the per-page form, Previous, and the column links.
    assert '<input type="hidden" name="sort_by" value="Full_Name">' in page
    previous = re.search(r'<a href="([^"]+)" rel="prev">', page).group(1)
    assert "sort_by=Full_Name" in previous and "per_page=20" in previous
    default = client.get("/crm/Leads/").text
    assert "Newest first (Zoho&#x27;s default order)" in default
    assert 'aria-current="page" class="current">Leads<' in default  # the tab you are in


def test_the_uk_org_counts_past_two_thousand(client, sign_in):
    sign_in("harriet.ashworth@thamesgate-wholesale.co.uk")
    page = client.get("/crm/Leads/?per_page=20&page=3").text
    assert '<span id="list-range">41–60 of 2,600</span>' in page


def test_list_columns_do_not_repeat_the_name_and_links_are_safe(client, us):
    page = client.get("/crm/Leads/").text
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "Lead Name" in head and "First Name" not in head and "Last Name" not in head
    assert re.search(r'<td class="email" data-label="Email"><a href="mailto:[^"]+@', page)
    assert 'href="javascript:' not in page


def test_a_search_hint_per_module(client, us):
    assert 'placeholder="Search by ' in client.get("/crm/Leads/").text


def test_a_record_page_has_layout_sections_and_related_lists(client, us):
    account = _first_id(client, "Accounts")
    page = client.get(f"/crm/Accounts/{account}/").text
    headings = re.findall(r'<h2 id="section-\d+">([^<]+)</h2>', page)
    assert headings[0] == "Account Information" and "Address Information" in headings
    related = re.findall(r'<h2 id="related-\d+">([^<]+)</h2>', page)
    assert "Contacts" in related and "Deals" in related
    contacts = page.split(">Contacts</h2>")[1].split("</section>")[0]
    assert f'data-rows-url="/crm/Accounts/{account}/related/Contacts/rows/"' in page
    assert f'href="/crm/Accounts/{account}/related/Contacts/"' in contacts  # without JS
    assert 'class="button danger"' in page and ">Delete<" in page  # delete looks like it
    assert 'aria-label="Breadcrumb"' in page


def test_a_record_and_its_related_counts_are_asked_for_at_once(client, us, zoho):
    account = _first_id(client, "Accounts")
    client.get(f"/crm/Accounts/{account}/")  # metadata cached: what follows is the two calls
    zoho.client.add_fault(
        f"/api/us/crm/v8/Accounts/{account}", match="prefix", delay_s=0.3, count=None
    )
    try:
        page = client.get(f"/crm/Accounts/{account}/").text
    finally:
        zoho.client.clear_faults()
    related = re.findall(r'<h2 id="related-\d+">([^<]+)</h2>', page)
    assert "Contacts" in related and "Deals" in related
    assert zoho.client.stats()["api_in_flight_max"] == 2  # the record and the counts


def test_edit_names_the_record_and_a_lookup_carries_its_name(client, us):
    contact = _first_id(client, "Contacts")
    record = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
    page = client.get(f"/crm/Contacts/{contact}/edit/").text
    title = record["Full_Name"]
    assert f"<h1>Edit Contact: {title}</h1>" in page
    assert f"Edit Contact {contact}" not in page
    account = record["Account_Name"]
    assert 'data-lookup="Accounts"' in page
    assert f'data-lookup-name="{account["name"]}"' in page
    assert f'href="/crm/Contacts/{contact}/">Cancel</a>' in page
    # One empty choice in a picklist, Zoho's "-None-", whose value is empty.
    salutation = page.split('name="Salutation"')[1].split("</select>")[0]
    assert salutation.count('value=""') == 1 and salutation.count("None") == 1


def test_an_error_summary_links_to_each_field(client, us):
    response = client.post("/crm/Leads/new/", {"Email": "not-an-email"})
    assert response.status_code == 400
    summary = response.text.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_Last_Name">Last Name</a>' in summary
    assert 'href="#id_Email">Email</a>' in summary


def test_a_duplicate_links_to_the_existing_record(client, us):
    existing = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    lead = client.get(f"/crm/api/Leads/{existing['id']}/").json()["data"]
    response = client.post(
        "/crm/Leads/new/", {"Company": "Co", "Last_Name": "Again", "Email": lead["Email"]}
    )
    assert response.status_code == 409
    link = f'<a href="/crm/Leads/{existing["id"]}/">{lead["Full_Name"]}</a>'
    assert f"A lead with this Email already exists: {link}" in response.text


def test_a_form_sent_twice_creates_one_record(client, us):
    form = client.get("/crm/Leads/new/").text
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = {"Last_Name": "Twice", "Company": "Double Click Ltd", "form_token": token}
    first = client.post("/crm/Leads/new/", data)
    second = client.post("/crm/Leads/new/", data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]  # the record the first one made
    found = client.get("/crm/api/Leads/?q=Double Click").json()["data"]
    assert len(found) == 1
    # A failed send gives the token back: corrected, the same form goes through once.
    form = client.get("/crm/Leads/new/").text
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    bad = client.post("/crm/Leads/new/", {"Company": "No name", "form_token": token})
    assert bad.status_code == 400
    good = client.post(
        "/crm/Leads/new/", {"Company": "Co", "Last_Name": "Fixed", "form_token": token}
    )
    assert good.status_code == 302


def test_the_api_answers_a_resent_create_with_the_first_result(client, us):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k" * 24}
    body = '{"Last_Name": "Idempotent", "Company": "Once Only"}'
    first = client.post("/crm/api/Leads/", body, content_type="application/json", **headers)
    again = client.post("/crm/api/Leads/", body, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(client.get("/crm/api/Leads/?q=Once Only").json()["data"]) == 1


def test_lookups_search_by_name(client, us):
    accounts = client.get("/crm/api/Accounts/lookup/").json()["data"]
    assert accounts and set(accounts[0]) == {"id", "name"}
    name = accounts[0]["name"]
    found = client.get("/crm/api/Accounts/lookup/", {"q": name[:6]}).json()["data"]
    assert {"id": accounts[0]["id"], "name": name} in found
    short = client.get("/crm/api/Accounts/lookup/", {"q": "K"}).json()
    assert short["data"] == [] and "two characters" in short["hint"]
    assert client.get("/crm/api/Nope/lookup/").status_code == 400


def test_error_pages_say_what_happened_what_to_do_with_retry_and_back(client, us, zoho):
    client.get("/crm/Leads/")
    zoho.client.add_fault("/api/us/crm/v8/Leads", status=500)
    page = client.get("/crm/Leads/", HTTP_REFERER="http://testserver/crm/Deals/").text
    assert "<h1" in page and "Zoho is not answering" in page
    assert "What you can do" in page
    assert '<a class="button primary" href="/crm/Leads/">Try again</a>' in page
    assert '<a class="button" href="http://testserver/crm/Deals/">Back</a>' in page
    missing = client.get("/crm/Leads/1234567890123456789/").text
    assert "Not found" in missing and "What you can do" in missing


def test_django_error_pages_say_what_to_do(client, settings):
    settings.DEBUG = False
    page = client.get("/no-such-page/").text
    assert "Page not found" in page and "What you can do" in page and "data-back" in page


@pytest.fixture
def busy_account(client, us):
    """An account with 12 contacts: more than the record page shows (5) and than one page of
    its related list holds at 10 a page."""
    created = client.post(
        "/crm/api/Accounts/", {"Account_Name": "Many Contacts Ltd"}, content_type="application/json"
    )
    account = created.json()["data"]["id"]
    contacts = [{"Last_Name": f"Contact {n:02}", "Account_Name": account} for n in range(12)]
    answer = client.post("/crm/api/Contacts/", contacts, content_type="application/json")
    assert answer.status_code == 201, answer.json()
    return account


def test_view_all_pages_through_every_record_of_a_related_list(client, busy_account):
    record = client.get(f"/crm/Accounts/{busy_account}/").text
    contacts = record.split(">Contacts</h2>")[1].split("</section>")[0]
    assert '<span class="pill">12<span class="visually-hidden"> records</span></span>' in contacts
    view_all = f"/crm/Accounts/{busy_account}/related/Contacts/"
    assert f'<a href="{view_all}">View all 12 contacts</a>' in contacts
    rows = client.get(view_all + "rows/").text  # what the opened list shows
    assert len(re.findall(r'href="/crm/Contacts/\d+/"', rows)) == 5
    assert f'<a href="{view_all}">View all contacts</a>' in rows

    first = client.get(view_all + "?per_page=10")
    assert first.status_code == 200
    page = first.text
    assert "<h1>Contacts</h1>" in page and "Many Contacts Ltd" in page
    assert f'href="/crm/Accounts/{busy_account}/">Many Contacts Ltd</a>' in page  # breadcrumb
    assert '<span id="list-range">1–10 of 12</span>' in page
    assert "12 related to account" in page
    names = re.findall(r'<td class="name"><a href="/crm/Contacts/\d+/">([^<]+)</a>', page)
    assert len(names) == 10
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "Account Name" not in head  # the column pointing back to this account is left out
    assert 'href="?per_page=10&amp;page=2" rel="next"' in page
    second = client.get(view_all + "?per_page=10&page=2").text
    rest = re.findall(r'<td class="name"><a href="/crm/Contacts/\d+/">([^<]+)</a>', second)
    assert len(rest) == 2 and not set(rest) & set(names)
    assert {*names, *rest} == {f"Contact {n:02}" for n in range(12)}
    assert 'rel="next"' not in second and 'href="?per_page=10&amp;page=1" rel="prev"' in second


def test_the_related_list_api_pages_and_says_what_it_is(client, busy_account):
    url = f"/crm/api/Accounts/{busy_account}/related/Contacts/"
    first = client.get(url + "?per_page=10").json()
    assert first["info"] == {
        "page": 1,
        "per_page": 10,
        "count": 10,
        "more_records": True,
        "total": 12,
    }
    assert first["related_list"] == {
        "api_name": "Contacts",
        "label": "Contacts",
        "module": "Contacts",
    }
    assert first["parent"] == {"id": busy_account, "name": "Many Contacts Ltd"}
    assert all(r["Account_Name"]["id"] == busy_account for r in first["data"])
    second = client.get(url + "?per_page=10&page=2").json()
    assert second["info"]["more_records"] is False and len(second["data"]) == 2


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("related/Nothing/", 404, "NOT_FOUND"),  # no such related list
        ("related/Contacts/?page=0", 400, "INVALID_DATA"),
        ("related/Contacts/?page=x", 400, "INVALID_DATA"),
        ("related/Contacts/?per_page=201", 400, "INVALID_DATA"),
        ("related/Contacts/?page=11&per_page=200", 400, "INVALID_DATA"),  # past 2,000
    ],
)
def test_a_bad_related_list_request_is_a_clear_4xx(client, busy_account, path, status, code):
    answer = client.get(f"/crm/api/Accounts/{busy_account}/{path}")
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_a_related_list_of_a_record_that_is_not_there_is_a_404(client, us):
    missing = "4150868000000999999"
    assert client.get(f"/crm/api/Accounts/{missing}/related/Contacts/").status_code == 404
    page = client.get(f"/crm/Accounts/{missing}/related/Contacts/")
    assert page.status_code == 404
    # A page number past what Zoho pages falls back to the first page, with a notice.
    account = _first_id(client, "Accounts")
    far = client.get(f"/crm/Accounts/{account}/related/Contacts/?page=500&per_page=200")
    assert far.status_code == 200
    assert "first 2,000 records only: this is the first page" in far.text


@pytest.mark.parametrize("value", ["²", "٣", "1" * 40])
def test_page_numbers_that_are_not_plain_digits_fall_back(client, busy_account, value):
    """`str.isdigit` says yes to "²" and "٣"; `int` refuses the first: never a 500."""
    for url in ("/crm/Contacts/", f"/crm/Accounts/{busy_account}/related/Contacts/"):
        for name in ("page", "per_page"):
            assert client.get(url, {name: value}).status_code == 200, (url, name)


def test_after_a_failure_the_calls_not_yet_started_are_dropped(connect):
    """`run_concurrently`: one call fails while the others are under way; those finish,
    the rest of the queue never goes out (a throttled org gets no more calls)."""
    import threading
    import time

    from core.errors import AppError
    from crm.zoho import runner

    connection = connect(US[0], US[1], client=None)
    started = []
    all_at_zoho = threading.Barrier(runner.CONCURRENT_CALLS)

    def work(connection, item):
        started.append(item)
        if item < runner.CONCURRENT_CALLS:
            all_at_zoho.wait(10)  # the first few are all under way...
        if item == 0:
            raise AppError("THROTTLED", "Zoho is busy.")  # ...when the first fails
        time.sleep(0.5)  # the others still at Zoho meanwhile
        return item

    with pytest.raises(AppError):
        runner.run_concurrently(connection, work, list(range(12)))
    assert sorted(started) == list(range(runner.CONCURRENT_CALLS))


def test_no_template_comment_spans_lines():
    """Django's `{# … #}` ends on its line: one spanning two lines is shown on the page."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for template in root.rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if "{#" in line:
                assert "#}" in line.split("{#", 1)[1], f"{template.relative_to(root)}:{number}"
