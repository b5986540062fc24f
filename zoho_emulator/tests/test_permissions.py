"""Scopes beyond the module's, and demo users with a restricted profile (403 NO_PERMISSION)."""

from __future__ import annotations

import pytest
from emulator_support import DANA, FULL_SCOPE, JONAS, MARCUS, SOFIA, ZYLKER_TRADERS, sdk_login
from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

SCOPE_MISMATCH = {
    "code": "OAUTH_SCOPE_MISMATCH",
    "details": {},
    "message": "invalid oauth scope to access this URL",
    "status": "error",
}


def no_permission(permission):
    return {
        "code": "NO_PERMISSION",
        "details": {"permissions": [permission]},
        "message": "permission denied",
        "status": "error",
    }


def test_search_needs_the_securesearch_scope(zoho_http):
    plain = zoho_http.tokens(SOFIA, "eu", scope="ZohoCRM.modules.ALL")["access_token"]
    full = zoho_http.tokens(SOFIA, "eu", scope=FULL_SCOPE)["access_token"]
    params = {"criteria": "(Last_Name:starts_with:a)"}
    resp = zoho_http.api("GET", "eu", "Leads/search", plain, params=params)
    assert resp.status_code == 401 and resp.json() == SCOPE_MISMATCH
    assert zoho_http.api("GET", "eu", "Leads/search", full, params=params).status_code in (200, 204)
    only_search = zoho_http.tokens(SOFIA, "eu", scope="ZohoSearch.securesearch.READ")
    resp = zoho_http.api("GET", "eu", "Leads/search", only_search["access_token"], params=params)
    assert resp.status_code == 401
    # a count searches only with criteria/email/phone/word
    assert zoho_http.api("GET", "eu", "Leads/actions/count", plain).status_code == 200
    resp = zoho_http.api("GET", "eu", "Leads/actions/count", plain, params=params)
    assert resp.status_code == 401 and resp.json() == SCOPE_MISMATCH


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("settings/layouts", "ZohoCRM.settings.layouts.READ"),
        ("settings/related_lists", "ZohoCRM.settings.related_lists.READ"),
        ("settings/fields", "ZohoCRM.settings.fields.READ"),
        ("settings/modules", "ZohoCRM.settings.modules.READ"),
        ("settings/custom_views", "ZohoCRM.settings.custom_views.READ"),
    ],
)
def test_settings_scopes(zoho_http, path, scope):
    params = {"module": "Leads"}
    other = zoho_http.tokens(SOFIA, "eu", scope="ZohoCRM.modules.ALL,ZohoCRM.settings.fields.ALL")
    if "fields" not in path:
        resp = zoho_http.api("GET", "eu", path, other["access_token"], params=params)
        assert resp.status_code == 401 and resp.json() == SCOPE_MISMATCH
    for accepted in (scope, "ZohoCRM.settings.ALL"):
        token = zoho_http.tokens(SOFIA, "eu", scope=accepted)["access_token"]
        assert zoho_http.api("GET", "eu", path, token, params=params).status_code == 200


@pytest.fixture
def dana(zoho_http):
    return zoho_http.tokens(DANA, "us", scope=FULL_SCOPE)["access_token"]


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "permission"),
    [
        ("GET", "Quotes", {"fields": "Subject"}, None, "Crm_Implied_View_Quotes"),
        ("GET", "Quotes/search", {"word": "ab"}, None, "Crm_Implied_View_Quotes"),
        ("GET", "Quotes/actions/count", {}, None, "Crm_Implied_View_Quotes"),
        ("GET", "Quotes/4150868000000300001", {}, None, "Crm_Implied_View_Quotes"),
        ("POST", "Quotes", {}, {"data": [{"Subject": "x"}]}, "Crm_Implied_Create_Quotes"),
        ("DELETE", "Quotes", {"ids": "1"}, None, "Crm_Implied_Delete_Quotes"),
        ("GET", "settings/fields", {"module": "Quotes"}, None, "Crm_Implied_View_Quotes"),
        ("GET", "settings/fields", {"module": "Quoted_Items"}, None, "Crm_Implied_View_Quotes"),
        ("GET", "settings/layouts", {"module": "Shipments"}, None, "Crm_Implied_View_Shipments"),
        ("POST", "Accounts", {}, {"data": [{"Account_Name": "x"}]}, "Crm_Implied_Create_Accounts"),
        (
            "PUT",
            "Deals/4150868000000300001",
            {},
            {"data": [{"Deal_Name": "x"}]},
            "Crm_Implied_Edit_Deals",
        ),
        ("DELETE", "Products/4150868000000300001", {}, None, "Crm_Implied_Delete_Products"),
    ],
)
def test_restricted_profile_gets_no_permission(
    zoho_http, dana, method, path, params, body, permission
):
    resp = zoho_http.api(method, "us", path, dana, params=params, json=body)
    assert resp.status_code == 403, resp.text
    assert resp.json() == no_permission(permission)


def test_restricted_profile_reads_what_it_may(zoho_http, dana):
    for module in ("Accounts", "Deals", "Leads", "Contacts", "Tasks"):
        resp = zoho_http.api("GET", "us", module, dana, params={"fields": "id"})
        assert resp.status_code == 200, module
    made = zoho_http.api(
        "POST", "us", "Leads", dana, json={"data": [{"Last_Name": "Ortiz lead", "Company": "Co"}]}
    )
    assert made.status_code == 201
    account = zoho_http.api("GET", "us", "Accounts", dana, params={"fields": "id"}).json()["data"][
        0
    ]
    resp = zoho_http.api(
        "GET", "us", f"Accounts/{account['id']}/Quotes", dana, params={"fields": "Subject"}
    )
    assert resp.status_code == 403 and resp.json() == no_permission("Crm_Implied_View_Quotes")
    resp = zoho_http.api(
        "GET", "us", f"Accounts/{account['id']}/Contacts", dana, params={"fields": "Last_Name"}
    )
    assert resp.status_code in (200, 204)


def test_modules_metadata_is_per_user(zoho_http, dana):
    mods = {
        m["api_name"]: m
        for m in zoho_http.api("GET", "us", "settings/modules", dana).json()["modules"]
    }
    assert {k: mods["Quotes"][k] for k in ("viewable", "creatable", "editable", "deletable")} == {
        "viewable": False,
        "creatable": False,
        "editable": False,
        "deletable": False,
    }
    assert mods["Accounts"]["viewable"] is True and mods["Accounts"]["creatable"] is False
    assert mods["Accounts"]["editable"] is False and mods["Accounts"]["deletable"] is False
    assert all(mods["Leads"][k] for k in ("viewable", "creatable", "editable", "deletable"))
    marcus = zoho_http.tokens(MARCUS, "us", scope=FULL_SCOPE)["access_token"]
    mods = {
        m["api_name"]: m
        for m in zoho_http.api("GET", "us", "settings/modules", marcus).json()["modules"]
    }
    assert mods["Quotes"]["viewable"] and mods["Quotes"]["creatable"]


def test_restricted_user_in_another_dc(zoho_http):
    jonas = zoho_http.tokens(JONAS, "eu", scope=FULL_SCOPE)["access_token"]
    resp = zoho_http.api("GET", "eu", "Leads", jonas, params={"fields": "Last_Name"})
    assert resp.status_code == 403 and resp.json() == no_permission("Crm_Implied_View_Leads")
    assert zoho_http.api("GET", "eu", "Contacts", jonas, params={"fields": "id"}).status_code == 200
    resp = zoho_http.api("POST", "eu", "Contacts", jonas, json={"data": [{"Last_Name": "x"}]})
    assert resp.json() == no_permission("Crm_Implied_Create_Contacts")
    resp = zoho_http.api("POST", "eu", "Shipments", jonas, json={"data": [{"Name": "S-1"}]})
    assert resp.status_code == 201


def test_directory_shows_profiles(emulator):
    users = {u["email"]: u for u in emulator.client.users()}
    dana = users[DANA]["orgs"][0]
    assert dana["zgid"] == ZYLKER_TRADERS and dana["profile"] == "Field Sales (restricted)"
    assert "Quotes" in dana["denied_modules"] and "Accounts" in dana["read_only_modules"]
    assert users[JONAS]["dc"] == "eu" and "Leads" in users[JONAS]["orgs"][0]["denied_modules"]
    assert users[MARCUS]["orgs"][0]["denied_modules"] == []


def test_restricted_users_own_no_seed_records(emulator):
    org = emulator.app.state.orgs[ZYLKER_TRADERS]
    owners = {
        r["Owner"]["email"] for m in ("Leads", "Deals", "Tasks") for r in org.records[m].values()
    }
    assert DANA not in owners


def test_sdk_sees_no_permission_as_an_api_exception(emulator, tmp_path):
    sdk_login(emulator, tmp_path, DANA, "us", scope=FULL_SCOPE)
    pm = ParameterMap()
    pm.add(GetRecordsParam.fields, "Last_Name")
    assert RecordOperations("Leads").get_records(pm).get_status_code() == 200
    pm = ParameterMap()
    pm.add(GetRecordsParam.fields, "Subject")
    # the SDK fetches Invoices' field metadata first; that 403 becomes an SDKException
    with pytest.raises(SDKException, match="NO_PERMISSION"):
        RecordOperations("Invoices").get_records(pm)
    assert emulator.client.stats()["api_errors_by_code"]["NO_PERMISSION"] >= 1
