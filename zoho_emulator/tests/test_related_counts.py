"""``POST {Module}/{id}/actions/get_related_records_count`` (v8 "Get Related Records Count
of a Record"), over real HTTP and through the SDK's ``get_related_records_count``."""

from __future__ import annotations

import pytest
from emulator_support import DANA, OLIVIA, PATRICIA, sdk_login
from zohocrmsdk.src.com.zoho.crm.api.get_related_records_count import (
    ActionWrapper,
    BodyWrapper,
    GetRelatedRecordCount,
    GetRelatedRecordsCountOperations,
    RelatedList,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.get_related_records_count import (
    APIException as CountException,
)

SCOPE = (
    "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.settings.ALL,"
    "ZohoSearch.securesearch.READ,ZohoCRM.coql.READ"
)
KEY = "get_related_records_count"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=SCOPE)["access_token"]


def body(*names: str) -> dict:
    return {KEY: [{"related_list": {"api_name": n}} for n in names]}


def count(zoho_http, token, path, payload, dc="us"):
    return zoho_http.api("POST", dc, f"{path}/actions/{KEY}", token, json=payload)


def related_ids(zoho_http, token, account_id, related):
    resp = zoho_http.api(
        "GET", "us", f"Accounts/{account_id}/{related}", token, params={"fields": "id"}
    )
    if resp.status_code == 204:
        return []
    ids = [r["id"] for r in resp.json()["data"]]
    assert not resp.json()["info"]["more_records"]
    return ids


def busiest_account(emulator):
    """The Zylker Traders account with the most contacts."""
    org = emulator.app.state.orgs["720019234"]
    counts: dict[str, int] = {}
    for contact in org.records["Contacts"].values():
        ref = contact.get("Account_Name")
        if isinstance(ref, dict):
            counts[ref["id"]] = counts.get(ref["id"], 0) + 1
    return max(counts, key=counts.get)


def test_counts_match_the_related_records_of_every_list(emulator, zoho_http, us):
    account_id = busiest_account(emulator)
    lists = zoho_http.api(
        "GET", "us", "settings/related_lists", us, params={"module": "Accounts"}
    ).json()["related_lists"]
    served = [r for r in lists if r["href"]]
    resp = count(zoho_http, us, f"Accounts/{account_id}", body(*(r["api_name"] for r in served)))
    assert resp.status_code == 200, resp.text
    answers = resp.json()[KEY]
    assert len(answers) == len(served)
    for entry, answer in zip(served, answers, strict=True):
        assert answer == {
            "count": len(related_ids(zoho_http, us, account_id, entry["api_name"])),
            "related_list": {"api_name": entry["api_name"], "id": entry["id"]},
        }
    assert any(a["count"] > 1 for a in answers)
    # by id, and case-insensitive api names, as the related records API takes them
    by_id = count(
        zoho_http,
        us,
        f"Accounts/{account_id}",
        {
            KEY: [
                {"related_list": {"id": served[0]["id"]}},
                {"related_list": {"api_name": "contacts"}},
            ]
        },
    )
    assert by_id.status_code == 200
    assert by_id.json()[KEY][0] == answers[0]
    assert by_id.json()[KEY][1]["related_list"]["api_name"] == "Contacts"


def test_a_new_record_counts_zero_and_a_new_contact_counts(zoho_http, us):
    made = zoho_http.api("POST", "us", "Accounts", us, json={"data": [{"Account_Name": "Fresh"}]})
    account_id = made.json()["data"][0]["details"]["id"]
    resp = count(zoho_http, us, f"Accounts/{account_id}", body("Contacts", "Deals"))
    assert [a["count"] for a in resp.json()[KEY]] == [0, 0]
    zoho_http.api(
        "POST",
        "us",
        "Contacts",
        us,
        json={"data": [{"Last_Name": "New", "Account_Name": {"id": account_id}}]},
    )
    resp = count(zoho_http, us, f"Accounts/{account_id}", body("Contacts"))
    assert resp.json()[KEY][0]["count"] == 1


@pytest.mark.parametrize(
    ("payload", "code", "details"),
    [
        (None, "INVALID_DATA", {"expected_data_type": "jsonobject"}),
        ([], "INVALID_DATA", {"expected_data_type": "jsonobject"}),
        ({}, "MANDATORY_NOT_FOUND", {"api_name": KEY, "json_path": f"$.{KEY}"}),
        (
            {KEY: []},
            "INVALID_DATA",
            {"api_name": KEY, "json_path": f"$.{KEY}", "expected_data_type": "jsonarray"},
        ),
        (
            {KEY: [{"related_list": {"api_name": "Contacts"}}] * 21},
            "LIMIT_EXCEEDED",
            {"api_name": KEY, "json_path": f"$.{KEY}", "limit": 20},
        ),
    ],
)
def test_a_bad_body_is_refused_whole(emulator, zoho_http, us, payload, code, details):
    account_id = busiest_account(emulator)
    resp = count(zoho_http, us, f"Accounts/{account_id}", payload)
    assert resp.status_code == 400
    assert resp.json() == {
        "code": code,
        "details": details,
        "message": resp.json()["message"],
        "status": "error",
    }


def test_unknown_record_module_method_and_id(emulator, zoho_http, us):
    resp = count(zoho_http, us, "Accounts/4150868000009999999", body("Contacts"))
    assert resp.status_code == 400
    assert resp.json()["code"] == "INVALID_DATA"
    assert resp.json()["details"] == {"resource_path_index": 1}
    resp = count(zoho_http, us, "Potatoes/4150868000009999999", body("Contacts"))
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_MODULE"
    resp = count(zoho_http, us, "Accounts/not-a-number", body("Contacts"))
    assert resp.status_code == 404 and resp.json()["code"] == "INVALID_URL_PATTERN"
    account_id = busiest_account(emulator)
    resp = zoho_http.api("GET", "us", f"Accounts/{account_id}/actions/{KEY}", us)
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_REQUEST_METHOD"


def test_each_refused_list_gets_its_own_error_and_the_rest_count(emulator, zoho_http, us):
    account_id = busiest_account(emulator)
    payload = {
        KEY: [
            {"related_list": {"api_name": "Contacts"}},
            {"related_list": {"api_name": "Potatoes"}},
            {"related_list": {}},
            {"nothing": 1},
            {"related_list": {"api_name": "Emails"}},
            {"related_list": {"id": "1"}},
        ]
    }
    resp = count(zoho_http, us, f"Accounts/{account_id}", payload)
    assert resp.status_code == 207, resp.text
    answers = resp.json()[KEY]
    assert answers[0]["count"] >= 1
    path = f"$.{KEY}"
    assert answers[1] == {
        "code": "INVALID_DATA",
        "details": {"api_name": "api_name", "json_path": f"{path}[1].related_list.api_name"},
        "message": "the related list given seems to be invalid",
        "status": "error",
    }
    assert answers[2]["code"] == "EXPECTED_FIELD_MISSING"
    assert [f["api_name"] for f in answers[2]["details"]["expected_fields"]] == ["id", "api_name"]
    assert answers[3]["code"] == "MANDATORY_NOT_FOUND"
    assert answers[3]["details"] == {
        "api_name": "related_list",
        "json_path": f"{path}[3].related_list",
    }
    assert answers[4]["code"] == "NOT_SUPPORTED"
    assert answers[5]["code"] == "INVALID_DATA"
    assert answers[5]["details"]["api_name"] == "id"
    # none counted: 400, each entry still answered
    resp = count(zoho_http, us, f"Accounts/{account_id}", body("Potatoes"))
    assert resp.status_code == 400 and resp.json()[KEY][0]["code"] == "INVALID_DATA"


def test_a_profile_that_may_not_read_a_list_gets_no_permission_for_it(emulator, zoho_http):
    token = zoho_http.tokens(DANA, "us", scope=SCOPE)["access_token"]
    account_id = busiest_account(emulator)
    resp = count(zoho_http, token, f"Accounts/{account_id}", body("Contacts", "Shipments"))
    assert resp.status_code == 207
    contacts, shipments = resp.json()[KEY]
    assert contacts["count"] >= 1
    assert shipments["code"] == "NO_PERMISSION"
    assert shipments["details"] == {"permissions": ["Crm_Implied_View_Shipments"]}


def test_scopes(emulator, zoho_http):
    account_id = busiest_account(emulator)
    accounts_only = zoho_http.tokens(PATRICIA, "us", scope="ZohoCRM.modules.accounts.READ")
    resp = count(
        zoho_http, accounts_only["access_token"], f"Accounts/{account_id}", body("Contacts")
    )
    assert resp.status_code == 400
    assert resp.json()[KEY][0]["code"] == "OAUTH_SCOPE_MISMATCH"
    contacts_only = zoho_http.tokens(PATRICIA, "us", scope="ZohoCRM.modules.contacts.READ")
    resp = count(
        zoho_http, contacts_only["access_token"], f"Accounts/{account_id}", body("Contacts")
    )
    assert resp.status_code == 401 and resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_it_costs_one_credit(emulator, zoho_http, us):
    account_id = busiest_account(emulator)
    before = emulator.client.credits()
    count(zoho_http, us, f"Accounts/{account_id}", body("Contacts", "Deals", "Tasks"))
    after = emulator.client.credits()
    spent = after["720019234"]["used"] - before["720019234"]["used"]
    assert spent == 1


def test_sdk_counts(emulator, tmp_path):
    sdk_login(emulator, tmp_path, OLIVIA, "au", scope=SCOPE)
    org = emulator.app.state.orgs["7001938172"]
    contact = next(iter(org.records["Contacts"].values()))
    account_id = contact["Account_Name"]["id"]
    expected = sum(
        1
        for c in org.records["Contacts"].values()
        if (c.get("Account_Name") or {}).get("id") == account_id
    )
    request = BodyWrapper()
    entries = []
    for name in ("Contacts", "Potatoes"):
        related = RelatedList()
        related.set_api_name(name)
        entry = GetRelatedRecordCount()
        entry.set_related_list(related)
        entries.append(entry)
    request.set_get_related_records_count(entries)
    response = GetRelatedRecordsCountOperations(
        int(account_id), "Accounts"
    ).get_related_records_count(request)
    assert response.get_status_code() == 207
    wrapper = response.get_object()
    assert isinstance(wrapper, ActionWrapper)
    ok, refused = wrapper.get_get_related_records_count()
    assert isinstance(ok, SuccessResponse) and ok.get_count() == expected
    assert ok.get_related_list().get_api_name() == "Contacts"
    assert isinstance(refused, CountException)
    assert refused.get_code().get_value() == "INVALID_DATA"
