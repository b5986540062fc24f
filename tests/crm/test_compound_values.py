"""Addresses, multi-select and multi-user lookups and subforms written through the JSON API
and the forms, through the real SDK to the emulator (crm/compound_values.py)."""

from __future__ import annotations

import json

import pytest

from zoho_emulator import seed

from .test_field_types import PATRICIA, TRADERS, showcase_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(client, connect):
    connect(PATRICIA)
    return showcase_lead()


def _patch(client, lead, values):
    return client.patch(
        f"/crm/api/Leads/{lead['id']}/", data=json.dumps(values), content_type="application/json"
    )


def _stored(zoho, lead) -> dict:
    return zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]


def test_json_api_writes_an_address(client, lead, zoho):
    response = _patch(client, lead, {"Visit_Address": {"city": " Lyon ", "postal_code": 69002}})
    assert response.status_code == 200, response.content
    stored = _stored(zoho, lead)["Visit_Address"]
    assert stored["city"] == "Lyon" and stored["postal_code"] == "69002"
    assert stored["country"] == lead["Visit_Address"]["country"]  # parts not given are kept
    for bad, words in (
        ({"planet": "Mars"}, "has no part 'planet'"),
        ({"city": "x" * 251}, "City is longer than 250"),
        ("Lyon", "must be an object"),
        ({"city": ["Lyon"]}, "City must be text"),
    ):
        response = _patch(client, lead, {"Visit_Address": bad})
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["field"] == "Visit_Address" and words in error["message"], error
    assert _patch(client, lead, {"Visit_Address": None}).status_code == 200
    assert not _stored(zoho, lead)["Visit_Address"]


def test_json_api_links_and_unlinks_records_and_users(client, lead, zoho):
    products = list(zoho.app.state.orgs[TRADERS].records["Products"])
    before = _stored(zoho, lead)["Interested_Products"]
    linked = {item["Product"]["id"] for item in before}
    new = next(p for p in products if p not in linked)
    response = _patch(
        client,
        lead,
        {
            "Interested_Products": [
                {"Product": {"id": new}},
                {"id": before[0]["id"], "_delete": None},
            ]
        },
    )
    assert response.status_code == 200, response.content
    after = {item["Product"]["id"] for item in _stored(zoho, lead)["Interested_Products"]}
    assert after == (linked - {before[0]["Product"]["id"]}) | {new}
    user = seed.org_users(TRADERS)[2].crm_ids[TRADERS]
    response = _patch(client, lead, {"Account_Team": [user]})  # an id alone links too
    assert response.status_code == 200, response.content
    team = {item["Team_Member"]["id"] for item in _stored(zoho, lead)["Account_Team"]}
    assert user in team
    # malformed ids never leave the portal; ids Zoho does not know come back naming the field
    for bad in ([{"Product": {"id": "abc"}}], {"Product": new}, [{"id": "x", "_delete": None}]):
        response = _patch(client, lead, {"Interested_Products": bad})
        assert response.status_code == 400 and response.json()["error"]["field"] == (
            "Interested_Products"
        )
    response = _patch(client, lead, {"Interested_Products": [{"Product": {"id": "1" * 18}}]})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "Interested_Products"
    response = _patch(client, lead, {"Account_Team": [{"Team_Member": {"id": "1" * 18}}]})
    assert response.status_code == 400 and response.json()["error"]["field"] == "Account_Team"


def test_json_api_adds_changes_and_removes_subform_rows(client, lead, zoho):
    keep = _stored(zoho, lead)["Visit_Log"][0]
    response = _patch(
        client,
        lead,
        {
            "Visit_Log": [
                {"id": keep["id"], "Outcome": "Signed"},
                {"Visit_Date": "2026-11-02", "Outcome": "Demo", "Travel_Cost": 12.5},
            ]
        },
    )
    assert response.status_code == 200, response.content
    after = _stored(zoho, lead)["Visit_Log"]
    assert [r["Outcome"] for r in after] == ["Signed", "Demo"]
    assert after[0]["id"] == keep["id"] and after[1]["Travel_Cost"] == 12.5
    assert after[0]["Visit_Date"] == keep["Visit_Date"]  # fields not given are kept
    response = _patch(client, lead, {"Visit_Log": [{"id": after[1]["id"]}]})  # drops row 1
    assert response.status_code == 200, response.content
    assert [r["Outcome"] for r in _stored(zoho, lead)["Visit_Log"]] == ["Demo"]
    # each row is checked like the parent's fields, naming the subform and the row
    for bad, words in (
        ([{"Travel_Cost": 1.234}], "row 1: Travel Cost has more than 2 decimal places"),
        ([{"Visit_Date": "tomorrow"}], "row 1: Visit Date must be a date"),
        ([{"Outcome": "ok"}, {"Mood": "great"}], "row 2: Mood is not a field of the subform"),
        ([{"id": "abc"}], "row 1: id must be a row's id"),
        ({"Outcome": "x"}, "must be a list of rows"),
    ):
        response = _patch(client, lead, {"Visit_Log": bad})
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["field"] == "Visit_Log" and words in error["message"], error
    assert _patch(client, lead, {"Visit_Log": []}).status_code == 200
    assert _stored(zoho, lead)["Visit_Log"] == []


def test_fields_api_describes_the_compound_inputs(client, lead):
    fields = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert fields["Visit_Address"]["input"]["type"] == "address"
    assert "postal_code" in fields["Visit_Address"]["input"]["parts"]
    assert fields["Interested_Products"]["input"] == {
        "type": "records-multiple",
        "connected_field": "Product",
        "module": "Products",
    }
    assert fields["Account_Team"]["input"]["type"] == "users-multiple"
    sub = fields["Visit_Log"]["input"]
    assert sub["type"] == "subform"
    assert [f["api_name"] for f in sub["fields"] if f["editable"]] == [
        "Visit_Date",
        "Visited_By",
        "Outcome",
        "Travel_Cost",
    ]
