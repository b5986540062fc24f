"""Layouts and their mandatory fields, field permissions per profile, picklist display values
and Owner's flags, as a real org configures them (issue 20, items 4, 5, 6 and 8)."""

from __future__ import annotations

import pytest
from emulator_support import DANA, FULL_SCOPE, PATRICIA, ZYLKER_TRADERS

STANDARD = "3652397000000091055"
PARTNER = "3652397000000091077"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us")["access_token"]


@pytest.fixture
def dana(zoho_http):
    return zoho_http.tokens(DANA, "us", scope=FULL_SCOPE)["access_token"]


def fields_of(zoho_http, token, module="Leads"):
    resp = zoho_http.api("GET", "us", "settings/fields", token, params={"module": module})
    assert resp.status_code == 200
    return {f["api_name"]: f for f in resp.json()["fields"]}


def layouts_of(zoho_http, token, module="Leads"):
    resp = zoho_http.api("GET", "us", "settings/layouts", token, params={"module": module})
    assert resp.status_code == 200
    return resp.json()["layouts"]


def required_in(layout) -> set[str]:
    return {f["api_name"] for s in layout["sections"] for f in s["fields"] if f["required"]}


def create(zoho_http, token, **values):
    return zoho_http.api("POST", "us", "Leads", token, json={"data": [values]})


def test_layout_mandatory_fields_are_in_layouts_not_in_fields(zoho_http, us):
    fields = fields_of(zoho_http, us)
    assert fields["Company"]["system_mandatory"] is False
    assert fields["Last_Name"]["system_mandatory"] is True
    layouts = layouts_of(zoho_http, us)
    assert [(lay["id"], lay["name"]) for lay in layouts] == [
        (STANDARD, "Standard"),
        (PARTNER, "Partner Leads"),
    ]
    assert required_in(layouts[0]) == {"Last_Name", "Company"}
    assert required_in(layouts[1]) == {"Last_Name", "Email", "Lead_Source"}
    assert [s["name"] for s in layouts[1]["sections"]] == [
        "Partner Lead Information",
        "Description Information",
    ]


def test_a_record_is_created_in_a_layout_and_needs_its_mandatory_fields(zoho_http, us):
    resp = create(zoho_http, us, Last_Name="No company")
    assert resp.status_code == 400
    assert resp.json()["data"][0] == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Company", "json_path": "$.data[0].Company"},
        "message": "required field not found",
        "status": "error",
    }
    # the partner layout does not need a company, but an email and a lead source
    resp = create(zoho_http, us, Last_Name="Partner", Layout={"id": PARTNER})
    assert resp.json()["data"][0]["details"]["api_name"] == "Email"
    resp = create(
        zoho_http,
        us,
        Last_Name="Partner",
        Layout={"id": PARTNER},
        Email="p@partner.example",
        Lead_Source="Partner",
    )
    assert resp.status_code == 201, resp.text
    made = resp.json()["data"][0]["details"]["id"]
    rec = zoho_http.api("GET", "us", f"Leads/{made}", us).json()["data"][0]
    assert rec["Layout"] == {"name": "Partner Leads", "id": PARTNER}
    # absent: the default layout
    resp = create(zoho_http, us, Last_Name="Default", Company="Co")
    made = resp.json()["data"][0]["details"]["id"]
    rec = zoho_http.api("GET", "us", f"Leads/{made}", us).json()["data"][0]
    assert rec["Layout"] == {"name": "Standard", "id": STANDARD}
    resp = create(zoho_http, us, Last_Name="X", Company="Co", Layout={"id": "42"})
    assert resp.json()["data"][0]["code"] == "INVALID_DATA"
    assert resp.json()["data"][0]["details"]["api_name"] == "Layout"


def test_seed_leads_carry_their_layout(zoho_http, us):
    resp = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Layout", "per_page": 8})
    layouts = {r["Layout"]["id"] for r in resp.json()["data"]}
    assert layouts == {STANDARD, PARTNER}


def test_control_plane_makes_a_field_layout_mandatory(emulator, zoho_http, us):
    lead = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Layout,Mobile", "per_page": 50}
    ).json()["data"]
    lead = next(r for r in lead if r["Layout"]["id"] == STANDARD and not r["Mobile"])
    control = f"{emulator.url}/_emulator/layout-required"
    made = zoho_http.http.post(
        control,
        json={"zgid": ZYLKER_TRADERS, "module": "Leads", "field": "Mobile", "required": True},
    )
    assert made.status_code == 200 and "Mobile" in made.json()["required"]
    assert "Mobile" in required_in(layouts_of(zoho_http, us)[0])
    assert "system_mandatory" in fields_of(zoho_http, us)["Mobile"]
    assert fields_of(zoho_http, us)["Mobile"]["system_mandatory"] is False
    # an update of a record without it is refused (Zoho's "layout rule" example)
    path = f"Leads/{lead['id']}"
    resp = zoho_http.api("PUT", "us", path, us, json={"data": [{"Designation": "Boss"}]})
    assert resp.status_code == 400
    assert resp.json()["data"][0]["details"] == {
        "api_name": "Mobile",
        "json_path": "$.data[0].Mobile",
    }
    resp = zoho_http.api(
        "PUT", "us", path, us, json={"data": [{"Designation": "Boss", "Mobile": "555 0101"}]}
    )
    assert resp.status_code == 200, resp.text
    back = zoho_http.http.post(
        control,
        json={"zgid": ZYLKER_TRADERS, "module": "Leads", "field": "Mobile", "required": False},
    )
    assert "Mobile" not in back.json()["required"]
    for bad in (
        {"zgid": "1", "module": "Leads", "field": "Mobile", "required": True},
        {"zgid": ZYLKER_TRADERS, "module": "Nope", "field": "Mobile", "required": True},
        {"zgid": ZYLKER_TRADERS, "module": "Leads", "field": "Nope", "required": True},
        {"zgid": ZYLKER_TRADERS, "module": "Leads", "field": "Mobile", "required": "yes"},
        {"zgid": ZYLKER_TRADERS, "module": "Leads", "field": "Last_Name", "required": False},
        {
            "zgid": ZYLKER_TRADERS,
            "module": "Leads",
            "field": "Mobile",
            "required": True,
            "layout": "1",
        },
    ):
        resp = zoho_http.http.post(control, json=bad)
        assert resp.status_code == 400, bad
        assert resp.json()["error"]


def test_field_permissions_in_metadata(zoho_http, us, dana):
    mine = fields_of(zoho_http, us)
    profiles = {p["name"]: p for p in mine["Annual_Revenue"]["profiles"]}
    assert profiles["Administrator"]["permission_type"] == "read_write"
    assert profiles["Field Sales (restricted)"]["permission_type"] == "hidden"
    assert mine["Rating"]["read_only"] is False
    hers = fields_of(zoho_http, dana)
    assert hers["Rating"]["read_only"] is True
    assert {p["name"]: p["permission_type"] for p in hers["Rating"]["profiles"]}[
        "Field Sales (restricted)"
    ] == "read_only"
    # the profile ids are the users API's
    me = zoho_http.api("GET", "us", "users", dana, params={"type": "CurrentUser"}).json()
    own = me["users"][0]["profile"]
    assert own["name"] == "Field Sales (restricted)"
    assert own["id"] in {p["id"] for p in hers["Rating"]["profiles"]}


def test_hidden_fields_are_never_answered(zoho_http, us, dana):
    params = {"fields": "Last_Name,Annual_Revenue,Rating", "per_page": 3}
    admin = zoho_http.api("GET", "us", "Leads", us, params=params).json()["data"]
    assert all("Annual_Revenue" in r for r in admin)
    listed = zoho_http.api("GET", "us", "Leads", dana, params=params).json()["data"]
    assert listed and all("Annual_Revenue" not in r and "Rating" in r for r in listed)
    one = zoho_http.api("GET", "us", f"Leads/{listed[0]['id']}", dana).json()["data"][0]
    assert "Annual_Revenue" not in one and "Last_Name" in one
    found = zoho_http.api(
        "GET",
        "us",
        "Leads/search",
        dana,
        params={"criteria": "(Last_Name:starts_with:a)", "fields": "Annual_Revenue,Last_Name"},
    )
    assert found.status_code in (200, 204)
    if found.status_code == 200:
        assert all("Annual_Revenue" not in r for r in found.json()["data"])
    # nor can it be searched on: for that profile the module has no such field
    by_hidden = zoho_http.api(
        "GET", "us", "Leads/search", dana, params={"criteria": "(Annual_Revenue:greater_than:0)"}
    )
    assert by_hidden.status_code == 400
    assert by_hidden.json()["code"] == "INVALID_QUERY"
    by_admin = zoho_http.api(
        "GET", "us", "Leads/search", us, params={"criteria": "(Annual_Revenue:greater_than:0)"}
    )
    assert by_admin.status_code == 200


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [("Annual_Revenue", 5.0, "hidden"), ("Rating", "Active", "read_only")],
)
def test_restricted_fields_cannot_be_written(zoho_http, dana, us, name, value, kind):
    resp = create(zoho_http, dana, Last_Name="Ortiz", Company="Co", **{name: value})
    assert resp.status_code == 400
    assert resp.json()["data"][0] == {
        "code": "NO_PERMISSION",
        "details": {"api_name": name, "json_path": f"$.data[0].{name}", "permission_type": kind},
        "message": "permission denied",
        "status": "error",
    }
    lead = zoho_http.api("GET", "us", "Leads", dana, params={"fields": "id", "per_page": 1})
    path = f"Leads/{lead.json()['data'][0]['id']}"
    resp = zoho_http.api("PUT", "us", path, dana, json={"data": [{name: value}]})
    assert resp.json()["data"][0]["code"] == "NO_PERMISSION"
    # an administrator writes it
    resp = zoho_http.api("PUT", "us", path, us, json={"data": [{name: value}]})
    assert resp.status_code == 200


def test_directory_lists_field_permissions(emulator):
    users = {u["email"]: u for u in emulator.client.users()}
    assert users[DANA]["orgs"][0]["field_permissions"] == {
        "Leads": {"Annual_Revenue": "hidden", "Rating": "read_only"}
    }
    assert users[PATRICIA]["orgs"][0]["field_permissions"] == {}


def test_picklist_display_and_actual_values(zoho_http, us):
    status = fields_of(zoho_http, us)["Lead_Status"]["pick_list_values"]
    pairs = {p["actual_value"]: p["display_value"] for p in status}
    assert pairs["Not Contacted"] == "New"
    assert pairs["Contacted"] == "Contacted"
    resp = create(zoho_http, us, Last_Name="Fresh", Company="Co", Lead_Status="Not Contacted")
    assert resp.status_code == 201
    made = resp.json()["data"][0]["details"]["id"]
    rec = zoho_http.api("GET", "us", f"Leads/{made}", us).json()["data"][0]
    assert rec["Lead_Status"] == "Not Contacted"
    # a display value is not an option's value: refused (the stricter reading)
    resp = create(zoho_http, us, Last_Name="Fresh", Company="Co", Lead_Status="New")
    assert resp.json()["data"][0]["code"] == "INVALID_DATA"
    assert resp.json()["data"][0]["details"]["api_name"] == "Lead_Status"


def test_owner_flags_as_zoho_example(zoho_http, us):
    owner = fields_of(zoho_http, us)["Owner"]
    assert owner["field_read_only"] is True
    assert owner["read_only"] is False
    assert owner["operation_type"] == {
        "web_update": True,
        "api_create": True,
        "web_create": True,
        "api_update": True,
    }
    assert owner["view_type"]["edit"] is True
