"""Server-rendered record pages: they work with plain form posts, no JavaScript."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.signed_in_as("eu")]


def test_home_lists_modules_from_metadata(client, signed_in):
    page = client.get("/").content.decode()
    for module in ("Leads", "Contacts", "Accounts", "Deals"):
        assert f'href="/crm/{module}/"' in page
    assert 'href="/crm/input/"' in page


def test_signed_out_pages_redirect_home_and_sign_in_brings_you_back(client, zoho, sign_in):
    response = client.get("/crm/Deals/?page=2&per_page=10")
    assert response.status_code == 302
    assert response["Location"] == "/?next=%2Fcrm%2FDeals%2F%3Fpage%3D2%26per_page%3D10"
    home = client.get(response["Location"]).text
    assert 'href="/accounts/login/?next=/crm/Deals/%3Fpage%3D2%26per_page%3D10"' in home
    landed = sign_in(_first_user(sign_in), next_url="/crm/Deals/?page=2&per_page=10")
    assert landed["Location"] == "/crm/Deals/?page=2&per_page=10"


def _first_user(sign_in) -> str:
    return sign_in.emulator.client.users()[0]["email"]


def test_list_page_columns_search_and_pagination(client, signed_in):
    page = client.get("/crm/Leads/?per_page=10").content.decode()
    assert 'scope="col"' in page
    assert "Lead Name" in page
    assert 'rel="next"' in page
    second = client.get("/crm/Leads/?per_page=10&page=2").content.decode()
    assert 'rel="prev"' in second
    none = client.get("/crm/Leads/?q=zzzzzznothing").content.decode()
    assert "No leads match" in none


def test_create_edit_delete_through_forms(client, signed_in):
    form = client.get("/crm/Leads/new/").content.decode()
    assert '<label for="id_Last_Name">' in form
    response = client.post(
        "/crm/Leads/new/",
        {"Last_Name": "Formsby", "Company": "Forms Ltd", "Email": "formsby@example.org"},
    )
    assert response.status_code == 302
    detail_url = response["Location"]
    record_id = detail_url.rstrip("/").split("/")[-1]
    detail = client.get(detail_url).content.decode()
    assert "Formsby" in detail and "Lead created." in detail

    edit = client.get(f"/crm/Leads/{record_id}/edit/").content.decode()
    assert 'value="Formsby"' in edit
    response = client.post(
        f"/crm/Leads/{record_id}/edit/", {"Last_Name": "Formsby-Smythe", "Company": "Forms Ltd"}
    )
    assert response.status_code == 302
    assert "Formsby-Smythe" in client.get(detail_url).content.decode()

    confirm = client.get(f"/crm/Leads/{record_id}/delete/").content.decode()
    assert "Delete Lead" in confirm
    response = client.post(f"/crm/Leads/{record_id}/delete/")
    assert response.status_code == 302
    assert "Lead deleted." in client.get(response["Location"]).content.decode()
    assert client.get(detail_url).status_code == 404


def test_form_errors_are_shown_next_to_the_field(client, signed_in):
    response = client.post("/crm/Leads/new/", {"Company": "No surname", "Email": "bad"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Email is not a valid email address." in page


def test_zohos_per_record_error_is_shown_next_to_the_field(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    email = client.get(f"/crm/api/Leads/{lead['id']}/").json()["data"]["Email"]
    response = client.post(
        "/crm/Leads/new/", {"Company": "Co", "Last_Name": "Copy", "Email": email}
    )
    assert response.status_code == 409  # as the API answers a duplicate
    page = response.content.decode()
    email_block = page.split('for="id_Email"')[1].split('class="field"')[0]
    assert "field-error" in email_block


def test_unknown_record_is_a_404_page(client, signed_in):
    response = client.get("/crm/Leads/123456789/")
    assert response.status_code == 404
    assert "No such record" in response.content.decode()
    assert client.get("/crm/Leads/not-a-number/").status_code == 400
    assert client.get("/crm/Gadgets/").status_code == 400


def test_data_input_page_loads_app_js(client, signed_in):
    page = client.get("/crm/input/").content.decode()
    assert 'id="quick-create"' in page
    assert "/static/js/app.js" in page
    assert 'data-api="/crm/api/Leads/"' in page
    # Without JavaScript: no half-working form (it would GET the page with the CSRF token in
    # the URL); its button is hidden and the form posts to the server-rendered create page.
    quick = page.split('id="quick-create"')[1].split("</form>")[0]
    assert 'method="post" action="/crm/Leads/new/"' in quick
    assert 'class="primary" hidden>' in quick
    assert '<noscript><p class="error-message">This form needs JavaScript' in quick


def test_a_zoho_failure_on_a_form_keeps_what_was_typed(client, signed_in, zoho):
    client.get("/crm/Leads/new/")  # metadata cached
    zoho.client.add_fault("/api/eu/crm/v8/Leads", method="POST", status=500)
    response = client.post(
        "/crm/Leads/new/", {"Company": "Co", "Last_Name": "Keepme", "City": "Tallinn"}
    )
    assert response.status_code == 502
    page = response.content.decode()
    assert 'value="Keepme"' in page and 'value="Tallinn"' in page
    assert "Zoho CRM answered with an error" in page


def test_a_revoked_grant_on_a_form_post_is_the_reconnect_page(client, signed_in, zoho):
    from accounts.models import ZohoConnection
    from zoho import oauth as zoho_oauth

    client.get("/crm/Leads/new/")  # metadata cached
    connection = ZohoConnection.objects.get()
    zoho_oauth.token_revoke(
        data_center=connection.data_center, refresh_token=connection.refresh_token
    )
    response = client.post("/crm/Leads/new/", {"Company": "Co", "Last_Name": "Nobody"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Reconnect needed" in page
    assert 'href="/accounts/login/"' in page


def test_home_signed_out_offers_sign_in_and_says_demo_mode(client, zoho):
    page = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in page and "Sign in with Zoho" in page
    assert "Demo mode" in page
    assert "/crm/Leads/" not in page


def test_home_signed_in_shows_org_dc_user_and_a_switcher(client, sign_in, demo_users):
    user = demo_users["multi_org"]
    first, second = user["orgs"][:2]
    sign_in(user["email"], org=first["zgid"])
    sign_in(user["email"], org=second["zgid"])
    page = client.get("/").content.decode()
    bar = page.split('class="active-connection"')[1].split("</section>")[0]
    assert second["name"] in bar  # the newest sign-in is active
    assert f"<strong>{user['dc'].upper()}</strong>" in bar
    assert user["email"] in bar
    switcher = bar.split('id="switch-connection"')[1]
    assert first["name"] in switcher and second["name"] in switcher


def test_a_user_switching_orgs_sees_the_other_orgs_records_in_pages(client, sign_in, demo_users):
    from accounts.models import ZohoConnection

    user = demo_users["multi_org"]
    sign_in(user["email"], org=user["orgs"][0]["zgid"])
    sign_in(user["email"], org=user["orgs"][1]["zgid"])
    first, second = ZohoConnection.objects.order_by("pk")
    client.post("/accounts/connections/switch/", {"connection": first.pk})
    first_ids = _record_ids(client.get("/crm/Leads/?per_page=200").content.decode())
    client.post("/accounts/connections/switch/", {"connection": second.pk})
    second_ids = _record_ids(client.get("/crm/Leads/?per_page=200").content.decode())
    assert first_ids and second_ids and not first_ids & second_ids
    assert client.get(f"/crm/Leads/{min(first_ids)}/").status_code == 404


def _record_ids(page: str) -> set[str]:
    import re

    return set(re.findall(r'href="/crm/Leads/(\d+)/"', page))


def test_list_page_sorts_by_a_column_and_keeps_the_page_size(client, signed_in):
    page = client.get("/crm/Leads/?per_page=50&sort_by=Full_Name&sort_order=desc").content
    page = page.decode()
    assert '<option value="50" selected>' in page
    assert (
        'aria-sort="descending"><a href="?per_page=50&amp;sort_by=Full_Name&amp;sort_order=asc">'
        'Lead Name <span class="sort-mark" aria-hidden="true">▼'
    ) in page
    # Page size and search keep the sort (hidden fields), and the order is said in words.
    assert '<input type="hidden" name="sort_by" value="Full_Name">' in page
    assert "Sorted by Lead Name, Z to A" in page


def test_a_column_zoho_cannot_sort_by_falls_back_to_the_default_order(client, signed_in):
    response = client.get("/crm/Leads/?per_page=50&sort_by=Description&sort_order=desc")
    assert response.status_code == 200
    page = response.text
    assert "Cannot sort by &#x27;Description&#x27;. Showing the default order." in page
    assert "▼" not in page and "▲" not in page  # no column claims to be the sort
    assert '<option value="50" selected>' in page
    assert _record_ids(page)


def test_a_one_letter_search_shows_the_list_and_says_why(client, signed_in):
    response = client.get("/crm/Leads/?q=a")
    assert response.status_code == 200
    page = response.text
    assert "Search for at least two characters. Showing all records." in page
    assert _record_ids(page)


def _link(page: str, rel: str) -> str | None:
    import html
    import re

    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def test_paging_goes_on_past_2000_records_with_zohos_page_token(client, sign_in, demo_users):
    """Thamesgate Wholesale (UK) has 2,600 leads: page 12 of 200 is past what Zoho pages to
    by number; Next carries the page_token Zoho gave, and nothing is a dead end."""
    sign_in(demo_users["by_dc"]["uk"][0]["email"])
    page = client.get("/crm/Leads/?per_page=200&page=10&sort_by=Modified_Time&sort_order=asc").text
    seen = _record_ids(page)
    assert len(seen) == 200
    for number in (11, 12, 13):
        next_url = _link(page, "next")
        assert next_url and "page_token=" in next_url and f"page={number}" in next_url
        assert "sort_by=Modified_Time" in next_url and "per_page=200" in next_url  # sort kept
        response = client.get(f"/crm/Leads/{next_url}")
        assert response.status_code == 200
        page = response.text
        assert f"Page {number}" in page
        ids = _record_ids(page)
        assert ids and not ids & seen  # new records on every page
        seen |= ids
    assert len(seen) == 800 and _link(page, "next") is None  # 2,600 in all: 13 pages
    assert _link(page, "prev")  # and back
    assert client.get(f"/crm/Leads/{_link(page, 'prev')}").status_code == 200
    beyond = client.get("/crm/Leads/?per_page=200&page=11")  # a typed or stale URL
    assert beyond.status_code == 200
    assert "Showing the first page." in beyond.text and "Page 1" in beyond.text
    stale = client.get("/crm/Leads/?per_page=200&page=12&page_token=not-a-token")
    assert stale.status_code == 200 and "Showing the first page." in stale.text


def test_the_api_pages_past_2000_records_with_page_token(client, sign_in, demo_users):
    sign_in(demo_users["by_dc"]["uk"][0]["email"])
    answer = client.get("/crm/api/Leads/?per_page=200&page=10").json()
    token = answer["info"]["next_page_token"]
    assert token and answer["info"]["more_records"]
    refused = client.get("/crm/api/Leads/?per_page=200&page=11")
    assert refused.status_code == 400
    assert "page_token" in refused.json()["error"]["message"]
    ids = set()
    while token:
        answer = client.get("/crm/api/Leads/", {"per_page": 200, "page_token": token}).json()
        ids |= {record["id"] for record in answer["data"]}
        token = answer["info"]["next_page_token"] if answer["info"]["more_records"] else None
    assert len(ids) == 600  # records 2,001 to 2,600
    bad = client.get("/crm/api/Leads/", {"page_token": "x" * 600})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "page_token"


@pytest.mark.parametrize(
    ("fault", "status", "title"),
    [
        # twice: the portal tries a concurrency 429 once more (crm.zoho.runner)
        ({"crm_code": "TOO_MANY_REQUESTS", "count": 2}, 429, "Zoho is busy"),
        ({"status": 500}, 502, "Zoho is not answering"),
        ({"delay_s": 1.5}, 504, "Zoho did not answer in time"),
    ],
)
def test_zoho_failures_are_pages_with_the_reason(
    client, signed_in, zoho, settings, fault, status, title
):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    client.get("/crm/Leads/")  # metadata cached
    zoho.client.add_fault("/api/eu/crm/v8/Leads", **fault)
    response = client.get("/crm/Leads/")
    assert response.status_code == status
    page = response.content.decode()
    assert title in page and 'class="error-message"' in page
    assert "Traceback" not in page


def test_no_connection_left_is_a_page_that_says_to_connect(client, signed_in):
    from accounts.models import ZohoConnection

    client.post(f"/accounts/connections/{ZohoConnection.objects.get().pk}/disconnect/")
    response = client.get("/crm/Leads/")
    assert response.status_code == 403
    assert "Connect a Zoho org first" in response.content.decode()
    assert 'href="/accounts/login/?next=/crm/Leads/"' in response.content.decode()


def test_zohos_refusal_on_edit_is_shown_next_to_the_field(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    lead = client.get(f"/crm/api/Leads/{lead['id']}/").json()["data"]
    response = client.post(
        f"/crm/Leads/{lead['id']}/edit/",
        {"Last_Name": lead["Last_Name"], "Company": lead["Company"], "Phone": "ring!"},
    )
    assert response.status_code == 400  # the portal sent it; Zoho refused the phone number
    phone = response.content.decode().split('for="id_Phone"')[1].split('class="field"')[0]
    assert "field-error" in phone and 'value="ring!"' in phone


def test_deleting_needs_a_post(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    confirm = client.get(f"/crm/Leads/{lead['id']}/delete/")
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    assert client.get(f"/crm/api/Leads/{lead['id']}/").status_code == 200  # still there


def test_pages_show_dates_and_amounts_as_people_read_them(client, signed_in):
    """Zoho's ISO datetimes and raw numbers are for machines; the JSON API keeps them."""
    api = client.get("/crm/api/Deals/", {"per_page": 1, "sort_by": "Created_Time"}).json()
    deal = client.get(f"/crm/api/Deals/{api['data'][0]['id']}/").json()["data"]
    created = deal["Created_Time"]  # e.g. 2024-08-20T14:02:00+00:00
    assert "T" in created
    # Sofia reads times in Berlin (her Zoho time zone) as dd.MM.yyyy HH:mm, amounts in euros
    local = datetime.fromisoformat(created).astimezone(ZoneInfo("Europe/Berlin"))
    shown = local.strftime("%d.%m.%Y %H:%M")
    detail = client.get(f"/crm/Deals/{deal['id']}/").text
    assert shown in detail and created not in detail
    page = client.get("/crm/Deals/", {"per_page": 10, "sort_by": "Created_Time"}).text
    amount = f"{deal['Amount']:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert f"{amount}\u00a0€" in page  # the Amount column
    assert f"{amount}\u00a0€" in detail


def _form_data(page: str) -> dict[str, str]:
    """What a browser submits for the first record form on `page`, untouched."""
    from html.parser import HTMLParser

    class Inputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.select, self.textarea, self.in_form = {}, None, None, False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and "record-form" in (attrs.get("class") or ""):
                self.in_form = True
            if not self.in_form:
                return
            if tag == "input" and attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[attrs["name"]] = "on"
            elif tag == "input" and attrs.get("name"):
                self.data[attrs["name"]] = attrs.get("value") or ""
            elif tag == "select":
                self.select = attrs["name"]
                self.data.setdefault(self.select, "")
            elif tag == "option" and self.select and "selected" in attrs:
                self.data[self.select] = attrs.get("value") or ""
            elif tag == "textarea":
                self.textarea = attrs["name"]
                self.data[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.in_form = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

    parser = Inputs()
    parser.feed(page)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def test_an_account_edit_form_saves_its_account_number(client, signed_in):
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    edit_url = f"/crm/Accounts/{account['id']}/edit/"
    data = _form_data(client.get(edit_url).text)
    assert data["Account_Name"] == account["Account_Name"]
    untouched = client.post(edit_url, data)
    assert untouched.status_code == 302, untouched.text
    data["Account_Number"] = "123456789012345678"
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.text
    got = client.get(f"/crm/api/Accounts/{account['id']}/").json()["data"]
    assert got["Account_Number"] == 123456789012345678
    data["Account_Number"] = "12-34"
    refused = client.post(edit_url, data)
    assert refused.status_code == 400
    assert "whole number" in refused.text.split('for="id_Account_Number"')[1].split("</div>")[0]


def _set_elsewhere(module: str, record_id: str, values: dict) -> None:
    """Change a record straight at Zoho (as its web UI or another app would)."""
    import requests

    from accounts.models import ZohoConnection

    connection = ZohoConnection.objects.get()
    response = requests.put(
        f"{connection.api_domain}/crm/v8/{module}/{record_id}",
        json={"data": [values]},
        headers={"Authorization": f"Zoho-oauthtoken {connection.access_token}"},
        timeout=5,
    )
    assert response.json()["data"][0]["status"] == "success", response.text


def test_a_stored_value_the_form_would_refuse_does_not_lock_the_record(client, signed_in):
    deal = client.get("/crm/api/Deals/?per_page=1").json()["data"][0]
    _set_elsewhere("Deals", deal["id"], {"Amount": 1234.567, "Probability": 5})
    edit_url = f"/crm/Deals/{deal['id']}/edit/"
    data = _form_data(client.get(edit_url).text)
    assert data["Amount"] == "1234.567"

    data["Deal_Name"] = "Renamed, amount untouched"
    _set_elsewhere("Deals", deal["id"], {"Probability": 40})  # someone else, meanwhile
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.text
    got = client.get(f"/crm/api/Deals/{deal['id']}/").json()["data"]
    assert got["Deal_Name"] == "Renamed, amount untouched"
    assert got["Amount"] == 1234.567  # not re-sent, not rounded
    assert got["Probability"] == 40  # their change is kept

    data["Amount"] = "99.999"  # typed by the user: checked
    refused = client.post(edit_url, data)
    assert refused.status_code == 400
    amount = refused.text.split('for="id_Amount"')[1].split('class="field"')[0]
    assert "has more than 2 decimal places" in amount

    untouched = client.post(edit_url, _form_data(client.get(edit_url).text))
    assert untouched.status_code == 302
    assert "Nothing was changed." in client.get(untouched["Location"]).text


def test_head_is_allowed_wherever_get_is(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    for url in (
        "/crm/Leads/",
        "/crm/input/",
        "/crm/Leads/new/",
        f"/crm/Leads/{lead['id']}/",
        f"/crm/Leads/{lead['id']}/edit/",
        f"/crm/Leads/{lead['id']}/delete/",
    ):
        head = client.head(url)
        assert head.status_code == 200, url
        assert head["Content-Type"].startswith("text/html") and head.content == b""
    assert client.get(f"/crm/api/Leads/{lead['id']}/").status_code == 200  # HEAD deleted nothing
    put = client.put("/crm/Leads/")
    assert put.status_code == 405 and put["Allow"] == "GET, HEAD"


def test_a_64_field_lead_shows_every_field_from_one_call(client, signed_in, outbound):
    """Zoho takes at most 50 names in `fields`: a Lead (64) is read in one call without
    `fields` (Zoho then answers every field the profile may see)."""
    from urllib.parse import parse_qs, urlsplit

    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    fields = client.get("/crm/api/Leads/fields/").json()["data"]
    assert len({f["api_name"] for f in fields} | {"id"}) >= 64  # the SDK's Field.Leads
    outbound.calls.clear()
    page = client.get(f"/crm/Leads/{lead['id']}/", {"empty": "shown"}).text  # all fields
    for field in fields:
        if field["api_name"] != "id":
            assert f"<dt>{field['label']}</dt>" in page, field["label"]
    reads = [
        parse_qs(urlsplit(url).query)
        for method, url, _ in outbound.calls
        if method == "GET" and urlsplit(url).path.endswith(f"/Leads/{lead['id']}")
    ]
    assert len(reads) == 1 and "fields" not in reads[0]
