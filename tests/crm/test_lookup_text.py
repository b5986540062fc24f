"""A lookup typed as text is never dropped (crm/lookup_text.py): a name that matches no
record is a field error on the form and in the JSON API; the name of exactly one record
resolves to it; a name several records share asks to pick one. Through the emulator over
real HTTP and the real SDK."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def api(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def zoho_calls(zoho, path_suffix):
    return sum(
        v for k, v in zoho.client.stats()["api_calls_by_path"].items() if k.endswith(path_suffix)
    )


def new_account(client, name: str) -> str:
    answer = api(client, "post", "/crm/api/Accounts/", {"Account_Name": name})
    assert answer.status_code == 201, answer.content
    return answer.json()["data"]["id"]


def test_a_name_that_matches_no_record_is_a_field_error_on_the_form(client, signed_in, zoho):
    before = zoho_calls(zoho, "/crm/v8/Contacts")
    # without JavaScript the input itself holds the text
    response = client.post(
        "/crm/Contacts/new/", {"Last_Name": "Nowhere", "Account_Name": "Nonexistent Co"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Account Name: no account is named “Nonexistent Co”" in page
    assert 'id="id_Account_Name_error"' in page
    assert 'value="Nonexistent Co"' in page  # what was typed is shown again
    assert zoho_calls(zoho, "/crm/v8/Contacts") == before  # nothing saved

    # with JavaScript: the picker's box posts the text beside an id input left empty
    response = client.post(
        "/crm/Contacts/new/",
        {"Last_Name": "Nowhere", "Account_Name": "", "Account_Name__name": "Nonexistent Co"},
    )
    assert response.status_code == 400
    assert "no account is named “Nonexistent Co”" in response.content.decode()
    assert zoho_calls(zoho, "/crm/v8/Contacts") == before


def test_the_name_of_exactly_one_record_resolves_to_it(client, signed_in):
    account = new_account(client, "Quillfeather Unique Ltd")
    response = client.post(
        "/crm/Contacts/new/",
        {"Last_Name": "Resolved", "Account_Name": "  quillfeather unique ltd "},
    )
    assert response.status_code == 302, response.content.decode()
    contact = response["Location"].rstrip("/").split("/")[-1]
    saved = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
    assert saved["Account_Name"]["id"] == account


def test_a_name_several_records_share_asks_to_pick_one(client, signed_in):
    """Account names are unique at Zoho; contacts' are not (a deal's Contact Name)."""
    for _ in range(2):
        answer = api(
            client, "post", "/crm/api/Contacts/", {"First_Name": "Ann", "Last_Name": "Twinbrook"}
        )
        assert answer.status_code == 201, answer.content
    answer = api(
        client,
        "post",
        "/crm/api/Deals/",
        {"Deal_Name": "Ambiguous", "Stage": "Qualification", "Contact_Name": "Ann Twinbrook"},
    )
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["field"] == "Contact_Name"
    assert "2 contacts are named “Ann Twinbrook”. Choose one from the list" in error["message"]


def test_the_edit_form_refuses_an_unknown_name_and_keeps_the_record(client, signed_in):
    account = new_account(client, "Edit Keeper Ltd")
    created = api(
        client, "post", "/crm/api/Contacts/", {"Last_Name": "Kept", "Account_Name": account}
    )
    contact = created.json()["data"]["id"]
    response = client.post(
        f"/crm/Contacts/{contact}/edit/",
        {
            "Last_Name": "Kept",
            "initial-Last_Name": "Kept",
            "Account_Name": "No Such Firm",
            "initial-Account_Name": account,
        },
    )
    assert response.status_code == 400
    assert "no account is named “No Such Firm”" in response.content.decode()
    saved = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
    assert saved["Account_Name"]["id"] == account  # unchanged


def test_the_api_refuses_an_unknown_name_and_resolves_a_unique_one(client, signed_in, zoho):
    before = zoho_calls(zoho, "/crm/v8/Contacts")
    answer = api(
        client, "post", "/crm/api/Contacts/", {"Last_Name": "Api", "Account_Name": "Nonexistent Co"}
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_DATA" and error["field"] == "Account_Name"
    assert "no account is named “Nonexistent Co”" in error["message"]
    assert zoho_calls(zoho, "/crm/v8/Contacts") == before

    account = new_account(client, "Api Resolved Inc")
    answer = api(
        client,
        "post",
        "/crm/api/Contacts/",
        {"Last_Name": "Api", "Account_Name": {"name": "Api Resolved Inc"}},
    )
    assert answer.status_code == 201, answer.content
    contact = answer.json()["data"]["id"]
    assert client.get(f"/crm/api/Contacts/{contact}/").json()["data"]["Account_Name"]["id"] == (
        account
    )
    answer = api(
        client, "patch", f"/crm/api/Contacts/{contact}/", {"Account_Name": "Nonexistent Co"}
    )
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "Account_Name"
