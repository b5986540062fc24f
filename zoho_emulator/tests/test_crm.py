"""Zoho CRM v8 behaviour of the emulator, over real HTTP."""

from __future__ import annotations

import json

import pytest
from emulator_support import (
    ARJUN,
    DANA,
    ELENA,
    MARCUS,
    PATRICIA,
    SOFIA,
    ZYLKER_LABS,
    ZYLKER_TRADERS,
)

INVALID_TOKEN = {
    "code": "INVALID_TOKEN",
    "details": {},
    "message": "invalid oauth token",
    "status": "error",
}
SCOPE_MISMATCH = {
    "code": "OAUTH_SCOPE_MISMATCH",
    "details": {},
    "message": "invalid oauth scope to access this URL",
    "status": "error",
}


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us")["access_token"]


def test_missing_bad_expired_and_wrong_dc_tokens_are_401(emulator, zoho_http, us):
    for token in (None, "1000.garbage"):
        resp = zoho_http.api("GET", "us", "Leads", token, params={"fields": "Last_Name"})
        assert resp.status_code == 401 and resp.json() == INVALID_TOKEN
    resp = zoho_http.api(
        "GET",
        "us",
        "Leads",
        None,
        headers={"Authorization": f"Bearer {us}"},
        params={"fields": "Last_Name"},
    )
    assert resp.status_code == 401
    assert zoho_http.api("GET", "eu", "org", us).status_code == 401  # a US token at the EU API
    assert zoho_http.api("GET", "us", "org", us).status_code == 200
    assert emulator.client.expire_tokens(email=PATRICIA) == 1
    resp = zoho_http.api("GET", "us", "org", us)
    assert resp.status_code == 401 and resp.json() == INVALID_TOKEN


def test_scope_rules(emulator, zoho_http):
    read_leads = zoho_http.tokens(SOFIA, "eu", scope="ZohoCRM.modules.leads.READ")["access_token"]
    assert (
        zoho_http.api("GET", "eu", "Leads", read_leads, params={"fields": "Last_Name"}).status_code
        == 200
    )
    for method, path in (
        ("GET", "Contacts"),
        ("POST", "Leads"),
        ("GET", "users"),
        ("GET", "org"),
        ("GET", "settings/fields?module=Leads"),
    ):
        resp = zoho_http.api(method, "eu", path, read_leads, json={"data": [{"Last_Name": "X"}]})
        assert resp.status_code == 401 and resp.json() == SCOPE_MISMATCH, (method, path)
    create = zoho_http.tokens(SOFIA, "eu", scope="ZohoCRM.modules.CREATE,ZohoCRM.users.ALL")[
        "access_token"
    ]
    assert (
        zoho_http.api(
            "POST", "eu", "Contacts", create, json={"data": [{"Last_Name": "Y"}]}
        ).status_code
        == 201
    )
    assert (
        zoho_http.api("GET", "eu", "Contacts", create, params={"fields": "Last_Name"}).status_code
        == 401
    )
    assert (
        zoho_http.api("GET", "eu", "users", create, params={"type": "CurrentUser"}).status_code
        == 200
    )
    settings = zoho_http.tokens(SOFIA, "eu", scope="ZohoCRM.settings.ALL")["access_token"]
    assert zoho_http.api("GET", "eu", "settings/modules", settings).status_code == 200
    assert (
        zoho_http.api("GET", "eu", "Leads", settings, params={"fields": "Last_Name"}).status_code
        == 401
    )


def test_current_user_and_org(zoho_http):
    token = zoho_http.tokens(PATRICIA, "us", org=ZYLKER_LABS)["access_token"]
    users = zoho_http.api("GET", "us", "users", token, params={"type": "CurrentUser"}).json()
    assert [u["email"] for u in users["users"]] == [PATRICIA]
    assert users["users"][0]["full_name"] == "Patricia Boyle"
    assert users["info"]["count"] == 1
    org = zoho_http.api("GET", "us", "org", token).json()["org"][0]
    assert org["zgid"] == ZYLKER_LABS and org["company_name"] == "Zylker Labs LLC"
    assert org["domain_name"] and org["id"].isdigit() and len(org["id"]) == 19
    all_users = zoho_http.api(
        "GET",
        "us",
        "users",
        zoho_http.tokens(MARCUS, "us")["access_token"],
        params={"type": "AllUsers"},
    ).json()
    assert {u["email"] for u in all_users["users"]} == {PATRICIA, MARCUS, DANA, ELENA}


def test_field_and_module_metadata(zoho_http, us):
    fields = zoho_http.api("GET", "us", "settings/fields", us, params={"module": "Deals"}).json()[
        "fields"
    ]
    by_name = {f["api_name"]: f for f in fields}
    assert by_name["Deal_Name"]["system_mandatory"] is True
    assert by_name["Stage"]["data_type"] == "picklist"
    assert {"display_value": "Closed Won", "actual_value": "Closed Won"}.items() <= by_name[
        "Stage"
    ]["pick_list_values"][6].items()
    assert by_name["Account_Name"]["lookup"]["module"]["api_name"] == "Accounts"
    assert by_name["Amount"]["json_type"] == "double"
    assert by_name["Created_Time"]["read_only"] is True
    resp = zoho_http.api("GET", "us", "settings/fields", us)
    assert resp.status_code == 400 and resp.json()["code"] == "REQUIRED_PARAM_MISSING"
    resp = zoho_http.api("GET", "us", "settings/fields", us, params={"module": "Potatoes"})
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_MODULE"
    modules = zoho_http.api("GET", "us", "settings/modules", us).json()["modules"]
    names = {m["api_name"] for m in modules}
    assert {"Leads", "Contacts", "Accounts", "Deals", "Tasks", "Events", "Calls"} <= names
    by_api = {m["api_name"]: m for m in modules}
    assert by_api["Leads"]["api_supported"] and by_api["Leads"]["generated_type"] == "default"
    assert by_api["Shipments"]["generated_type"] == "custom"  # Zylker Traders' custom module
    assert by_api["Home"]["api_supported"] is False


def test_list_requires_fields_and_paginates(zoho_http, us):
    resp = zoho_http.api("GET", "us", "Leads", us)
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "details": {"param_name": "fields"},
        "message": "One of the expected parameter is missing",
        "status": "error",
    }
    seen = []
    page = 1
    while True:
        resp = zoho_http.api(
            "GET",
            "us",
            "Leads",
            us,
            params={
                "fields": "Last_Name,Email",
                "per_page": 20,
                "page": page,
                "sort_by": "id",
                "sort_order": "asc",
            },
        )
        if resp.status_code == 204:
            assert resp.content == b""
            break
        body = resp.json()
        assert body["info"]["page"] == page and body["info"]["per_page"] == 20
        assert body["info"]["count"] == len(body["data"])
        assert set(body["data"][0]) == {"id", "Last_Name", "Email"}
        seen.extend(r["id"] for r in body["data"])
        if not body["info"]["more_records"]:
            break
        page += 1
    assert page == 3 and len(seen) == 45 == len(set(seen))
    assert seen == sorted(seen, key=int)
    assert all(len(i) == 19 and i.isdigit() for i in seen)
    resp = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Last_Name", "page": 10})
    assert resp.status_code == 204 and resp.content == b""
    resp = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Last_Name", "per_page": 201})
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_DATA"
    resp = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Nope"})
    assert resp.status_code == 400 and resp.json()["details"]["api_name"] == "Nope"


def test_sorting(zoho_http, us):
    resp = zoho_http.api(
        "GET",
        "us",
        "Accounts",
        us,
        params={"fields": "Account_Name", "sort_by": "Created_Time", "sort_order": "asc"},
    )
    rows = resp.json()["data"]
    assert resp.json()["info"]["sort_by"] == "Created_Time"
    assert len(rows) > 1
    # getRecords sorts by id, Created_Time or Modified_Time only; any other field is refused
    # the way Zoho's spec shows (InvalidDataSortByError): COQL's ORDER BY sorts by the others
    for other in ("Account_Name", "Phone", "Nope"):
        resp = zoho_http.api(
            "GET", "us", "Accounts", us, params={"fields": "Account_Name", "sort_by": other}
        )
        assert resp.status_code == 400
        assert resp.json() == {
            "code": "INVALID_DATA",
            "details": {
                "param_name": "sort_by",
                "supported_values": ["id", "Created_Time", "Modified_Time"],
            },
            "message": "invalid data",
            "status": "error",
        }


def test_unknown_module_and_urls(zoho_http, us):
    resp = zoho_http.api("GET", "us", "Potatoes", us, params={"fields": "Name"})
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "INVALID_MODULE",
        "details": {"resource_path_index": 0},
        "message": "the module name given seems to be invalid",
        "status": "error",
    }
    resp = zoho_http.api("GET", "us", "Leads/1/2/3", us)
    assert resp.status_code == 404 and resp.json()["code"] == "INVALID_URL_PATTERN"
    resp = zoho_http.api("PATCH", "us", "Leads", us)
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_REQUEST_METHOD"


def test_get_one_and_unknown_id(zoho_http, us):
    first = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Last_Name", "per_page": 1}
    ).json()
    lead_id = first["data"][0]["id"]
    rec = zoho_http.api("GET", "us", f"Leads/{lead_id}", us).json()["data"][0]
    assert rec["id"] == lead_id
    assert rec["Owner"]["id"] and rec["Owner"]["name"]
    assert rec["Created_Time"].endswith("-05:00")  # the org's time zone
    resp = zoho_http.api("GET", "us", "Leads/4150868000009999999", us)
    assert resp.status_code == 204 and resp.content == b""


def test_create_success_shape(emulator, zoho_http, us):
    resp = zoho_http.api(
        "POST",
        "us",
        "Leads",
        us,
        json={
            "data": [
                {
                    "Last_Name": "Okafor",
                    "First_Name": "Ada",
                    "Email": "ada@okafor.example",
                    "Company": "Okafor Ltd",
                    "Lead_Source": "Trade Show",
                    "No_of_Employees": 12,
                    "Annual_Revenue": 120000.5,
                    "Email_Opt_Out": True,
                },
            ]
        },
    )
    assert resp.status_code == 201
    result = resp.json()["data"][0]
    assert (
        result["code"] == "SUCCESS"
        and result["status"] == "success"
        and result["message"] == "record added"
    )
    details = result["details"]
    assert set(details) >= {"id", "Created_Time", "Modified_Time", "Created_By", "Modified_By"}
    assert details["Created_By"]["name"] == "Patricia Boyle"
    rec = zoho_http.api("GET", "us", f"Leads/{details['id']}", us).json()["data"][0]
    assert rec["Full_Name"] == "Ada Okafor" and rec["Owner"]["name"] == "Patricia Boyle"
    assert rec["No_of_Employees"] == 12 and rec["Email_Opt_Out"] is True


def test_create_per_record_errors_and_status_codes(zoho_http, us):
    existing = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Email", "per_page": 1}
    ).json()["data"][0]
    resp = zoho_http.api(
        "POST",
        "us",
        "Leads",
        us,
        json={
            "data": [
                {"Last_Name": "Fine", "Company": "Co"},
                {"First_Name": "No last name", "Company": "Co"},
                {"Last_Name": "Bad email", "Email": "not-an-email", "Company": "Co"},
                {"Last_Name": "Bad type", "No_of_Employees": "many", "Company": "Co"},
                {"Last_Name": "x" * 81, "Company": "Co"},
                {"Last_Name": "Bad pick", "Lead_Source": "Carrier pigeon", "Company": "Co"},
                {"Last_Name": "Dup", "Email": existing["Email"].upper(), "Company": "Co"},
            ]
        },
    )
    assert resp.status_code == 207
    data = resp.json()["data"]
    assert [d["code"] for d in data] == [
        "SUCCESS",
        "MANDATORY_NOT_FOUND",
        "INVALID_DATA",
        "INVALID_DATA",
        "INVALID_DATA",
        "INVALID_DATA",
        "DUPLICATE_DATA",
    ]
    assert data[1] == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"},
        "message": "required field not found",
        "status": "error",
    }
    assert data[2]["details"] == {"api_name": "Email", "json_path": "$.data[2].Email"}
    assert data[3]["details"]["expected_data_type"] == "integer"
    assert data[4]["details"]["maximum_length"] == 80
    assert data[5]["details"]["api_name"] == "Lead_Source"
    dup = data[6]["details"]
    assert dup["api_name"] == "Email" and dup["json_path"] == "$.data[6].Email"
    assert dup["duplicate_record"]["id"] == existing["id"]
    assert dup["duplicate_record"]["module"]["api_name"] == "Leads"
    resp = zoho_http.api("POST", "us", "Deals", us, json={"data": [{"Deal_Name": "No stage"}]})
    assert resp.status_code == 400
    assert resp.json()["data"][0]["details"]["api_name"] == "Stage"
    # duplicates inside one request: the second one fails
    resp = zoho_http.api(
        "POST",
        "us",
        "Accounts",
        us,
        json={"data": [{"Account_Name": "Twin Peaks Ltd"}, {"Account_Name": "twin peaks ltd"}]},
    )
    assert resp.status_code == 207
    assert [d["code"] for d in resp.json()["data"]] == ["SUCCESS", "DUPLICATE_DATA"]


def test_lookup_fields_are_validated_within_the_org(zoho_http, us):
    account = zoho_http.api(
        "GET", "us", "Accounts", us, params={"fields": "Account_Name", "per_page": 1}
    )
    account = account.json()["data"][0]
    resp = zoho_http.api(
        "POST",
        "us",
        "Contacts",
        us,
        json={
            "data": [
                {"Last_Name": "Linked", "Account_Name": {"id": account["id"]}},
                {"Last_Name": "Dangling", "Account_Name": {"id": "4150868000000000001"}},
            ]
        },
    )
    data = resp.json()["data"]
    assert [d["code"] for d in data] == ["SUCCESS", "INVALID_DATA"]
    rec = zoho_http.api("GET", "us", f"Contacts/{data[0]['details']['id']}", us).json()["data"][0]
    assert rec["Account_Name"] == {"name": account["Account_Name"], "id": account["id"]}
    # an account id from another org does not resolve
    labs = zoho_http.tokens(PATRICIA, "us", org=ZYLKER_LABS)["access_token"]
    resp = zoho_http.api(
        "POST",
        "us",
        "Contacts",
        labs,
        json={"data": [{"Last_Name": "Cross", "Account_Name": {"id": account["id"]}}]},
    )
    assert resp.status_code == 400


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b'{"data": {}}', b'{"data": []}', b'{"x": 1}', b'{"data": [1]}'],
)
def test_malformed_bodies_get_zoho_errors(zoho_http, us, body):
    resp = zoho_http.api("POST", "us", "Leads", us, data=body)
    assert resp.status_code == 400
    payload = resp.json()
    if "data" in payload:
        payload = payload["data"][0]
    assert payload["code"] in ("INVALID_DATA", "MANDATORY_NOT_FOUND")
    assert payload["status"] == "error"


def test_more_than_100_records_is_limit_exceeded(zoho_http, us):
    resp = zoho_http.api(
        "POST", "us", "Leads", us, json={"data": [{"Last_Name": f"L{i}"} for i in range(101)]}
    )
    assert resp.status_code == 400 and resp.json()["code"] == "LIMIT_EXCEEDED"
    resp = zoho_http.api(
        "DELETE", "us", "Leads", us, params={"ids": ",".join(str(i) for i in range(101))}
    )
    assert resp.status_code == 400 and resp.json()["code"] == "LIMIT_EXCEEDED"


def test_update_one_and_bulk(zoho_http, us):
    ids = [
        r["id"]
        for r in zoho_http.api(
            "GET", "us", "Leads", us, params={"fields": "Last_Name", "per_page": 2}
        ).json()["data"]
    ]
    resp = zoho_http.api(
        "PUT",
        "us",
        f"Leads/{ids[0]}",
        us,
        json={"data": [{"Lead_Status": "Contacted", "Last_Name": "Renamed"}]},
    )
    assert resp.status_code == 200
    assert resp.json()["data"][0]["message"] == "record updated"
    rec = zoho_http.api("GET", "us", f"Leads/{ids[0]}", us).json()["data"][0]
    assert rec["Last_Name"] == "Renamed" and rec["Full_Name"].endswith("Renamed")
    resp = zoho_http.api(
        "PUT",
        "us",
        "Leads",
        us,
        json={
            "data": [
                {"id": ids[1], "City": "Dallas"},
                {"id": "4150868000009999999", "City": "X"},
                {"City": "no id"},
                {"id": ids[1], "Last_Name": ""},
            ]
        },
    )
    assert resp.status_code == 207
    codes = [d["code"] for d in resp.json()["data"]]
    assert codes == ["SUCCESS", "INVALID_DATA", "MANDATORY_NOT_FOUND", "MANDATORY_NOT_FOUND"]
    resp = zoho_http.api(
        "PUT", "us", "Leads/4150868000009999999", us, json={"data": [{"City": "X"}]}
    )
    assert resp.status_code == 400
    assert resp.json()["data"][0]["message"] == "the id given seems to be invalid"


def test_delete_one_and_bulk(zoho_http, us):
    ids = [
        r["id"]
        for r in zoho_http.api(
            "GET", "us", "Deals", us, params={"fields": "Deal_Name", "per_page": 3}
        ).json()["data"]
    ]
    resp = zoho_http.api("DELETE", "us", f"Deals/{ids[0]}", us)
    assert resp.status_code == 200
    assert resp.json()["data"] == [
        {
            "code": "SUCCESS",
            "details": {"id": ids[0]},
            "message": "record deleted",
            "status": "success",
        }
    ]
    assert zoho_http.api("GET", "us", f"Deals/{ids[0]}", us).status_code == 204
    resp = zoho_http.api("DELETE", "us", "Deals", us, params={"ids": f"{ids[1]},{ids[2]},{ids[0]}"})
    assert resp.status_code == 207
    assert [d["code"] for d in resp.json()["data"]] == ["SUCCESS", "SUCCESS", "INVALID_DATA"]
    resp = zoho_http.api("DELETE", "us", "Deals", us)
    assert resp.status_code == 400 and resp.json()["details"] == {"param_name": "ids"}


def test_search(zoho_http, us):
    leads = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Last_Name,Email,Company,City", "per_page": 200}
    ).json()["data"]
    target = leads[0]
    resp = zoho_http.api("GET", "us", "Leads/search", us, params={"email": target["Email"].upper()})
    assert [r["id"] for r in resp.json()["data"]] == [target["id"]]
    expected = sorted(
        (
            r["id"]
            for r in leads
            if r["Last_Name"] == target["Last_Name"]
            and (r["City"] or "").lower().startswith(target["City"][:3].lower())
        ),
        key=int,
    )
    criteria = (
        f"((Last_Name:equals:{target['Last_Name']})and(City:starts_with:{target['City'][:3]}))"
    )
    resp = zoho_http.api("GET", "us", "Leads/search", us, params={"criteria": criteria})
    assert [r["id"] for r in resp.json()["data"]] == expected
    word = target["Company"].split()[0]
    resp = zoho_http.api("GET", "us", "Leads/search", us, params={"word": word, "per_page": 2})
    assert resp.json()["info"]["per_page"] == 2
    assert all(word.lower() in json.dumps(r).lower() for r in resp.json()["data"])
    resp = zoho_http.api(
        "GET", "us", "Leads/search", us, params={"criteria": "(No_of_Employees:greater_than:100)"}
    )
    assert resp.json()["data"] and all(r["No_of_Employees"] > 100 for r in resp.json()["data"])
    resp = zoho_http.api(
        "GET", "us", "Leads/search", us, params={"criteria": "(Last_Name:equals:Zzyzx)"}
    )
    assert resp.status_code == 204 and resp.content == b""
    for bad in ("(Last_Name:likes:x)", "((Last_Name:equals:x)", "(Nope:equals:x)", "Last_Name"):
        resp = zoho_http.api("GET", "us", "Leads/search", us, params={"criteria": bad})
        assert resp.status_code == 400 and resp.json()["code"] == "INVALID_QUERY", bad
    resp = zoho_http.api("GET", "us", "Leads/search", us)
    assert resp.status_code == 400 and resp.json()["code"] == "REQUIRED_PARAM_MISSING"


def test_orgs_never_see_each_others_records(zoho_http):
    traders = zoho_http.tokens(MARCUS, "us")["access_token"]
    labs = zoho_http.tokens(PATRICIA, "us", org=ZYLKER_LABS)["access_token"]
    eu = zoho_http.tokens(SOFIA, "eu")["access_token"]
    created = zoho_http.api(
        "POST",
        "us",
        "Leads",
        labs,
        json={"data": [{"Last_Name": "Secret", "Email": "secret@labs.example", "Company": "Co"}]},
    ).json()["data"][0]["details"]["id"]
    assert zoho_http.api("GET", "us", f"Leads/{created}", traders).status_code == 204
    assert (
        zoho_http.api(
            "GET", "us", "Leads/search", traders, params={"email": "secret@labs.example"}
        ).status_code
        == 204
    )
    assert zoho_http.api("DELETE", "us", f"Leads/{created}", traders).status_code == 400
    ids = {
        r["id"]
        for r in zoho_http.api(
            "GET", "us", "Leads", traders, params={"fields": "Last_Name"}
        ).json()["data"]
    }
    assert created not in ids
    eu_ids = {
        r["id"]
        for r in zoho_http.api("GET", "eu", "Leads", eu, params={"fields": "Last_Name"}).json()[
            "data"
        ]
    }
    assert not ids & eu_ids
    # the same email may exist in two orgs without a duplicate error
    resp = zoho_http.api(
        "POST",
        "us",
        "Leads",
        traders,
        json={"data": [{"Last_Name": "Secret", "Email": "secret@labs.example", "Company": "Co"}]},
    )
    assert resp.status_code == 201
    assert zoho_http.api("GET", "us", f"Leads/{created}", labs).status_code == 200


def test_reset_restores_seed(emulator, zoho_http):
    token = zoho_http.tokens(ARJUN, "in")["access_token"]
    before = zoho_http.api("GET", "in", "Leads", token, params={"fields": "Last_Name"}).json()[
        "data"
    ]
    zoho_http.api("DELETE", "in", "Leads", token, params={"ids": ",".join(r["id"] for r in before)})
    # All gone but the locked lead and the one awaiting approval (Zoho refuses those).
    left = zoho_http.api("GET", "in", "Leads", token, params={"fields": "Last_Name"}).json()
    assert len(left["data"]) == 2
    emulator.client.reset()
    assert (
        zoho_http.api("GET", "in", "Leads", token, params={"fields": "Last_Name"}).status_code
        == 401
    )
    token = zoho_http.tokens(ARJUN, "in")["access_token"]
    after = zoho_http.api("GET", "in", "Leads", token, params={"fields": "Last_Name"}).json()[
        "data"
    ]
    assert after == before


def test_zylker_traders_is_the_default_org(zoho_http):
    org = zoho_http.api("GET", "us", "org", zoho_http.tokens(PATRICIA, "us")["access_token"]).json()
    assert org["org"][0]["zgid"] == ZYLKER_TRADERS
