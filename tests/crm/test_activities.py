"""Activities (Tasks, Calls, Meetings = Events) and what they point to: `What_Id` (Related
To, a record of any of several modules, named by `$se_module`) and `Who_Id` (a Contact)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
US_ORG = "720019234"


def api(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def first_id(client, module) -> str:
    return client.get(f"/crm/api/{module}/?per_page=1").json()["data"][0]["id"]


def test_every_activity_module_is_offered(client, signed_in):
    modules = {m["api_name"]: m for m in client.get("/crm/api/modules/").json()["data"]}
    assert {"Tasks", "Events", "Calls"} <= set(modules)
    assert modules["Events"]["creatable"]
    assert {"Home", "Reports", "Dashboards"}.isdisjoint(modules)  # not api_supported


def test_a_task_related_to_an_account_and_a_contact(client, signed_in):
    account, contact = first_id(client, "Accounts"), first_id(client, "Contacts")
    created = api(
        client,
        "post",
        "/crm/api/Tasks/",
        {
            "Subject": "Call back about the renewal",
            "What_Id": {"id": account},
            "$se_module": "Accounts",
            "Who_Id": contact,
        },
    )
    assert created.status_code == 201, created.content
    task_id = created.json()["data"]["id"]
    task = client.get(f"/crm/api/Tasks/{task_id}/").json()["data"]
    assert task["What_Id"]["id"] == account and task["$se_module"] == "Accounts"
    assert task["Who_Id"]["id"] == contact

    page = client.get(f"/crm/Tasks/{task_id}/").text
    name = task["What_Id"]["name"]
    assert f'<a href="/crm/Accounts/{account}/">{name} (Account)</a>' in page
    assert f'href="/crm/Contacts/{contact}/"' in page


def test_related_to_needs_its_module(client, signed_in, zoho):
    account = first_id(client, "Accounts")
    missing = api(client, "post", "/crm/api/Tasks/", {"Subject": "x", "What_Id": account})
    assert missing.status_code == 400
    assert missing.json()["error"]["field"] == "$se_module"
    alone = api(client, "post", "/crm/api/Tasks/", {"Subject": "x", "$se_module": "Accounts"})
    assert alone.status_code == 400 and alone.json()["error"]["field"] == "$se_module"
    odd = api(
        client,
        "post",
        "/crm/api/Tasks/",
        {"Subject": "x", "What_Id": account, "$se_module": "../Accounts"},
    )
    assert odd.status_code == 400


def test_the_task_form_chooses_the_related_module_and_record(client, signed_in):
    deal = first_id(client, "Deals")
    form = client.get("/crm/Tasks/new/").text
    assert 'name="$se_module"' in form and '<option value="Deals">Deal</option>' in form
    response = client.post(
        "/crm/Tasks/new/", {"Subject": "Send the quote", "$se_module": "Deals", "What_Id": deal}
    )
    assert response.status_code == 302, response.text
    task = client.get(f"/crm/api{response['Location'][4:]}").json()["data"]
    assert (task["What_Id"]["id"], task["$se_module"]) == (deal, "Deals")

    # Editing: another related record, in another module, is sent with its module.
    account = first_id(client, "Accounts")
    edit_url = f"{response['Location']}edit/"
    edit = client.get(edit_url).text
    assert '<option value="Deals" selected>' in edit
    data = {
        "Subject": "Send the quote",
        "initial-Subject": "Send the quote",
        "$se_module": "Accounts",
        "initial-$se_module": "Deals",
        "What_Id": account,
        "initial-What_Id": deal,
    }
    assert client.post(edit_url, data).status_code == 302
    task = client.get(f"/crm/api{response['Location'][4:]}").json()["data"]
    assert (task["What_Id"]["id"], task["$se_module"]) == (account, "Accounts")


@pytest.mark.parametrize("module", ["Tasks", "Events", "Calls"])
def test_activity_lists_and_records_open(client, signed_in, module):
    listing = client.get(f"/crm/{module}/")
    assert listing.status_code == 200
    record_id = first_id(client, module)
    assert client.get(f"/crm/{module}/{record_id}/").status_code == 200
