"""The JSON API through the emulator, over real HTTP and the real SDK."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

MODULES = ("Leads", "Contacts", "Accounts", "Deals")
NEW_RECORD = {
    "Leads": {"Last_Name": "Okafor", "Company": "Zylker Sub", "Email": "chidi.okafor@example.org"},
    "Contacts": {"Last_Name": "Brennan", "Email": "aoife.brennan@example.org"},
    "Accounts": {"Account_Name": "Portal Test Account Ltd"},
    "Deals": {"Deal_Name": "Portal pilot", "Stage": "Qualification"},
}


@pytest.fixture
def signed_in(sign_in, demo_users, request):
    dc = getattr(request, "param", "us")
    user = demo_users["by_dc"][dc][0]
    sign_in(user["email"], org=user["orgs"][0]["zgid"])
    return user


def api(client, method, url, body=None, **extra):
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(
        url, data=json.dumps(body), content_type="application/json", **extra
    )


def test_modules_lists_the_supported_modules(client, signed_in):
    response = client.get("/crm/api/modules/")
    assert response.status_code == 200
    names = {m["api_name"] for m in response.json()["data"]}
    assert set(MODULES) <= names


def test_fields_come_from_zoho_metadata(client, signed_in):
    fields = client.get("/crm/api/Leads/fields/").json()["data"]
    last_name = next(f for f in fields if f["api_name"] == "Last_Name")
    assert last_name["required"] is True
    assert last_name["length"]


@pytest.mark.parametrize("signed_in", ["us", "eu"], indirect=True)
@pytest.mark.parametrize("module", MODULES)
def test_crud_and_search_per_module_and_dc(client, signed_in, module):
    listing = client.get(f"/crm/api/{module}/?per_page=5")
    assert listing.status_code == 200, listing.content
    assert len(listing.json()["data"]) <= 5
    assert set(listing.json()["info"]) == {"page", "per_page", "more_records", "count"}

    created = api(client, "post", f"/crm/api/{module}/", NEW_RECORD[module])
    assert created.status_code == 201, created.content
    record_id = created.json()["data"]["id"]
    assert record_id.isdigit()

    got = client.get(f"/crm/api/{module}/{record_id}/")
    assert got.status_code == 200
    for key, value in NEW_RECORD[module].items():
        assert got.json()["data"][key] == value

    first_value = next(iter(NEW_RECORD[module].values()))
    search = client.get(f"/crm/api/{module}/", {"q": first_value.split()[0]})
    assert search.status_code == 200
    assert record_id in [r["id"] for r in search.json()["data"]]

    patch_field = "Description" if module != "Deals" else "Description"
    patched = api(
        client, "patch", f"/crm/api/{module}/{record_id}/", {patch_field: "Updated from the portal"}
    )
    assert patched.status_code == 200, patched.content
    assert (
        client.get(f"/crm/api/{module}/{record_id}/").json()["data"][patch_field]
        == "Updated from the portal"
    )

    deleted = client.delete(f"/crm/api/{module}/{record_id}/")
    assert deleted.status_code == 200
    assert client.get(f"/crm/api/{module}/{record_id}/").status_code == 404
