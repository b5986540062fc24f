"""What a real org's admin configures, as the portal follows it (issue 20, items 4, 5, 6, 8):
fields a layout makes mandatory, a choice of layout on a new record, the user's own
profile's field permissions, picklists' display values, and an editable Owner."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
DANA = "dana.ortiz@zylker-traders.com"  # Field Sales (restricted): Annual_Revenue hidden,
US_ORG = "720019234"  # Rating read-only (zoho_emulator field_rules.py)
STANDARD = "3652397000000091055"
PARTNER = "3652397000000091077"


@pytest.fixture
def admin(connect):
    return connect(PATRICIA, org=US_ORG)


@pytest.fixture
def dana(connect):
    return connect(DANA, org=US_ORG)


def api(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def first_lead(client) -> dict:
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    return client.get(f"/crm/api/Leads/{lead['id']}/").json()["data"]


def required_labels(page: str) -> set[str]:
    """The labels a form marks required."""
    return set(re.findall(r'<label for="id_\w+">([^<]+) <span class="required-mark"', page))


# --- layouts ---------------------------------------------------------------------------------


def test_the_new_form_asks_for_what_the_layout_makes_mandatory(client, admin):
    page = client.get("/crm/Leads/new/").text
    assert {"Last Name", "Company"} <= required_labels(page)
    # the choice of layout, the default one chosen
    assert '<select name="layout" id="id_layout"' in page
    assert f'<option value="{STANDARD}" selected>Standard</option>' in page
    assert f'<option value="{PARTNER}">Partner Leads</option>' in page
    refused = client.post("/crm/Leads/new/", {"Last_Name": "No company"})
    assert refused.status_code == 400
    assert "Company" in refused.text and "required" in refused.text


def test_a_chosen_layout_has_its_own_sections_and_required_fields(client, admin, zoho):
    page = client.get(f"/crm/Leads/new/?layout={PARTNER}").text
    assert f'<option value="{PARTNER}" selected>Partner Leads</option>' in page
    assert "<legend>Partner Lead Information</legend>" in page
    labels = required_labels(page)
    assert {"Last Name", "Email", "Lead Source"} <= labels and "Company" not in labels
    assert f'action="?layout={PARTNER}"' in page  # the chosen layout is kept on submit
    made = client.post(
        f"/crm/Leads/new/?layout={PARTNER}",
        {"Last_Name": "Partnered", "Email": "partnered@example.org", "Lead_Source": "Partner"},
    )
    assert made.status_code == 302, made.text
    record_id = made["Location"].rstrip("/").split("/")[-1]
    record = client.get(f"/crm/api/Leads/{record_id}/").json()["data"]
    assert record["Layout"]["id"] == PARTNER


def test_an_unknown_layout_is_a_400(client, admin):
    assert client.get("/crm/Leads/new/?layout=42").status_code == 400
    response = api(client, "post", "/crm/api/Leads/", {"Last_Name": "X", "Layout": {"id": "42"}})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "layout"


def test_the_json_api_creates_in_a_layout_and_checks_its_fields(client, admin):
    fields = client.get("/crm/api/Leads/fields/").json()
    assert fields["module"]["layout"] == STANDARD
    assert [lay["name"] for lay in fields["module"]["layouts"]] == ["Standard", "Partner Leads"]
    by_name = {f["api_name"]: f for f in fields["data"]}
    assert by_name["Company"]["required"] is True
    assert "Company" in fields["module"]["quick_fields"]
    partner = client.get(f"/crm/api/Leads/fields/?layout={PARTNER}").json()["data"]
    assert {f["api_name"]: f for f in partner}["Company"]["required"] is False

    missing = api(client, "post", "/crm/api/Leads/", {"Last_Name": "Solo"})
    assert missing.status_code == 400
    assert missing.json()["error"] == {
        "code": "MANDATORY_NOT_FOUND",
        "message": "Company is required.",
        "field": "Company",
    }
    body = {"Last_Name": "Via API", "Email": "via.api@example.org", "Lead_Source": "Partner"}
    made = api(client, "post", "/crm/api/Leads/", {**body, "Layout": {"id": PARTNER}})
    assert made.status_code == 201, made.content
    record = client.get(f"/crm/api/Leads/{made.json()['data']['id']}/").json()["data"]
    assert record["Layout"] == {"name": "Partner Leads", "id": PARTNER}


def test_a_field_made_mandatory_at_zoho_is_required_here(client, admin, zoho):
    response = zoho.client.layout_required(US_ORG, "Leads", "Mobile", True)
    assert "Mobile" in response["required"]
    page = client.get("/crm/Leads/new/").text
    assert "Mobile" in required_labels(page)


# --- field permissions -----------------------------------------------------------------------


def test_hidden_fields_are_never_shown_listed_or_sent(client, dana):
    lead = first_lead(client)
    assert "Annual_Revenue" not in lead  # neither asked for nor answered
    described = client.get("/crm/api/Leads/fields/").json()["data"]
    assert "Annual_Revenue" not in {f["api_name"] for f in described}
    for url in ("/crm/Leads/", f"/crm/Leads/{lead['id']}/", f"/crm/Leads/{lead['id']}/edit/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Annual Revenue" not in page.text and "Annual_Revenue" not in page.text
    new = client.get("/crm/Leads/new/").text
    assert "Annual_Revenue" not in new
    refused = api(client, "patch", f"/crm/api/Leads/{lead['id']}/", {"Annual_Revenue": 5})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "Annual_Revenue"
    assert "hidden" in refused.json()["error"]["message"]


def test_an_administrator_sees_the_field_dana_may_not(client, admin):
    lead = first_lead(client)
    assert "Annual_Revenue" in lead
    assert "Annual Revenue" in client.get(f"/crm/Leads/{lead['id']}/").text


def test_read_only_fields_are_shown_never_sent(client, dana):
    lead = first_lead(client)
    assert lead["Rating"]  # read, and shown
    assert "Rating" in client.get(f"/crm/Leads/{lead['id']}/").text
    described = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert described["Rating"]["editable"] is False
    assert described["Rating"]["permission"] == "read_only"
    edit = client.get(f"/crm/Leads/{lead['id']}/edit/").text
    assert 'name="Rating"' not in edit  # no input: never sent
    assert "Read-only for your Zoho profile." in edit
    assert lead["Rating"] in edit
    refused = api(client, "patch", f"/crm/api/Leads/{lead['id']}/", {"Rating": "Active"})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "Rating"
    assert "read-only for your Zoho profile" in refused.json()["error"]["message"]
    # everything else Dana may change
    saved = api(client, "patch", f"/crm/api/Leads/{lead['id']}/", {"Designation": "Buyer"})
    assert saved.status_code == 200, saved.content


def test_dana_creates_a_lead_from_the_form(client, dana):
    made = client.post("/crm/Leads/new/", {"Last_Name": "Ortiz Lead", "Company": "Ortiz Co"})
    assert made.status_code == 302, made.content


# --- picklists -------------------------------------------------------------------------------


def test_picklists_show_display_values_and_send_actual_ones(client, admin):
    form = client.get("/crm/Leads/new/").text
    assert '<option value="Not Contacted">New</option>' in form
    assert '<option value="Pre-Qualified">Qualified</option>' in form
    status = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    status = status["Lead_Status"]
    pairs = dict(zip(status["picklist"], status["picklist_labels"], strict=True))
    assert pairs["Not Contacted"] == "New"

    made = client.post(
        "/crm/Leads/new/",
        {"Last_Name": "Picky", "Company": "Pick Co", "Lead_Status": "Not Contacted"},
    )
    assert made.status_code == 302, made.content
    record_id = made["Location"].rstrip("/").split("/")[-1]
    assert client.get(f"/crm/api/Leads/{record_id}/").json()["data"]["Lead_Status"] == (
        "Not Contacted"
    )
    page = client.get(f"/crm/Leads/{record_id}/").text
    assert re.search(r"<dd[^>]*>\s*New\s*</dd>", page), "the display value is shown"
    # the JSON API takes the display value too, and sends the actual one
    by_label = api(
        client,
        "post",
        "/crm/api/Leads/",
        {"Last_Name": "Label", "Company": "Co", "Lead_Status": "Qualified"},
    )
    assert by_label.status_code == 201, by_label.content
    stored = client.get(f"/crm/api/Leads/{by_label.json()['data']['id']}/").json()["data"]
    assert stored["Lead_Status"] == "Pre-Qualified"
    wrong = api(
        client, "post", "/crm/api/Leads/", {"Last_Name": "X", "Company": "Co", "Lead_Status": "?"}
    )
    assert wrong.status_code == 400 and "New" in wrong.json()["error"]["message"]


def test_lists_show_display_values(client, admin, zoho):
    api(
        client,
        "post",
        "/crm/api/Leads/",
        {"Last_Name": "Zzlisted", "Company": "Co", "Lead_Status": "Junk Lead"},
    )
    listing = client.get("/crm/Leads/?q=Zzlisted").text
    rows = listing[listing.index("<tbody") : listing.index("</tbody>")]  # not the filter's options
    assert "Junk" in rows and "Junk Lead" not in rows


# --- Owner -----------------------------------------------------------------------------------


def test_owner_can_be_changed(client, admin, zoho):
    lead = first_lead(client)
    users = client.get("/crm/api/users/").json()["data"]
    other = next(u for u in users if u["id"] != lead["Owner"]["id"])
    described = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert described["Owner"]["editable"] is True
    edit = client.get(f"/crm/Leads/{lead['id']}/edit/").text
    assert '<select name="Owner"' in edit
    saved = api(client, "patch", f"/crm/api/Leads/{lead['id']}/", {"Owner": other["id"]})
    assert saved.status_code == 200, saved.content
    assert first_lead(client)["Owner"]["id"] == other["id"]


def test_operation_type_api_update_decides_what_may_be_changed():
    from crm.fields import Field

    owner = {"api_name": "Owner", "data_type": "ownerlookup", "field_read_only": True}
    assert Field.from_metadata({**owner, "api_update": True}).editable
    assert not Field.from_metadata(owner).editable  # no operation_type: field_read_only counts
    text = {"api_name": "Code", "data_type": "text"}
    assert Field.from_metadata(text).editable
    assert not Field.from_metadata({**text, "api_update": False}).editable
    profiles = [
        {"id": "1", "name": "Administrator", "permission": "read_write"},
        {"id": "2", "name": "Field Sales", "permission": "hidden"},
    ]
    assert Field.from_metadata({**text, "profiles": profiles}, {"id": "2"}).hidden
    assert Field.from_metadata({**text, "profiles": profiles}, {"name": "Field Sales"}).hidden
    assert Field.from_metadata({**text, "profiles": profiles}, {"id": "1"}).editable
