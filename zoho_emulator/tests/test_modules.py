"""Modules and fields as Zoho ships them: metadata, What_Id/$se_module, layouts, related
lists and related records, over real HTTP."""

from __future__ import annotations

import pytest
from emulator_support import ARJUN, OLIVIA, PATRICIA, SOFIA, ZYLKER_LABS, sdk_login
from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import Record
from zohocrmsdk.src.com.zoho.crm.api.related_records import (
    GetRelatedRecordsParam,
    RelatedRecordsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.related_records import ResponseWrapper as RelatedWrapper

SCOPE = (
    "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.settings.ALL,"
    "ZohoSearch.securesearch.READ,ZohoCRM.coql.READ"
)


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=SCOPE)["access_token"]


def first(zoho_http, token, module, fields="id", dc="us"):
    resp = zoho_http.api("GET", dc, module, token, params={"fields": fields, "per_page": 200})
    return resp.json()["data"]


def fields_of(zoho_http, token, module, dc="us"):
    resp = zoho_http.api("GET", dc, "settings/fields", token, params={"module": module})
    assert resp.status_code == 200, resp.text
    return {f["api_name"]: f for f in resp.json()["fields"]}


def test_standard_fields_have_zoho_metadata(zoho_http, us):
    leads = fields_of(zoho_http, us, "Leads")
    assert len(leads) >= 64
    for name in (
        "Created_Time",
        "Modified_By",
        "Full_Name",
        "Record_Status__s",
        "Locked__s",
        "Converted__s",
    ):
        assert leads[name]["read_only"] is True, name
    assert leads["Last_Name"]["system_mandatory"] is True
    assert leads["Annual_Revenue"]["data_type"] == "currency"
    assert leads["Annual_Revenue"]["decimal_place"] == 2
    assert leads["Email"]["length"] == 100 and leads["Email"]["unique"]
    assert leads["Converted_Account"]["lookup"]["module"]["api_name"] == "Accounts"
    assert leads["Region"]["custom_field"] is True  # Zylker Traders' own field
    assert leads["Preferred_Channel"]["json_type"] == "jsonarray"
    tasks = fields_of(zoho_http, us, "Tasks")
    assert tasks["What_Id"]["data_type"] == "lookup"
    assert tasks["What_Id"]["lookup"]["module"]["api_name"] == "se_module"
    assert tasks["Who_Id"]["lookup"]["module"]["api_name"] == "Contacts"
    quotes = fields_of(zoho_http, us, "Quotes")
    assert quotes["Quoted_Items"]["data_type"] == "subform"
    assert quotes["Quoted_Items"]["associated_module"]["module"] == "Quoted_Items"
    items = fields_of(zoho_http, us, "Quoted_Items")
    assert items["Product_Name"]["lookup"]["module"]["api_name"] == "Products"
    deals = fields_of(zoho_http, us, "Deals")
    assert deals["Deal_Score"]["data_type"] == "formula"
    assert deals["Deal_Score"]["formula"]["return_type"] == "double"
    assert deals["Deal_Score"]["json_type"] == "double"


def test_modules_metadata(zoho_http, us):
    modules = {
        m["api_name"]: m
        for m in zoho_http.api("GET", "us", "settings/modules", us).json()["modules"]
    }
    for name, m in modules.items():
        for key in (
            "module_name",
            "plural_label",
            "singular_label",
            "id",
            "api_supported",
            "generated_type",
            "viewable",
            "creatable",
            "editable",
            "deletable",
        ):
            assert key in m, (name, key)
    assert modules["Events"]["singular_label"] == "Meeting"
    assert modules["Events"]["plural_label"] == "Meetings"
    assert modules["Shipments"]["generated_type"] == "custom"
    for name in ("Home", "Reports", "Dashboards", "Forecasts", "Visits", "Social", "Documents"):
        assert modules[name]["api_supported"] is False, name
        assert modules[name]["creatable"] is False
    assert modules["Attachments"]["creatable"] is False
    assert "visible" not in modules["Leads"]  # Zoho's getModules example has status instead


def test_module_flags_as_zohos_getmodules_example(zoho_http, us):
    modules = {
        m["api_name"]: m
        for m in zoho_http.api("GET", "us", "settings/modules", us).json()["modules"]
    }
    for name in ("Leads", "Contacts", "Tasks", "Shipments"):
        assert modules[name]["show_as_tab"] is True and modules[name]["status"] == "visible"
    for name in ("Notes", "Attachments"):
        assert modules[name]["show_as_tab"] is False, name
        assert modules[name]["status"] == "system_hidden", name
        assert modules[name]["api_supported"] is True, name
    assert modules["Feeds"]["status"] == "user_hidden"
    for name, parent in (("Quoted_Items", "Quotes"), ("Invoiced_Items", "Invoices")):
        item = modules[name]
        assert item["generated_type"] == "subform" and item["show_as_tab"] is False
        assert item["api_supported"] is True and item["status"] == "visible"
        assert item["parent_module"] == {"api_name": parent, "id": modules[parent]["id"]}
    assert modules["Shipments"]["generated_type"] == "custom"


def test_custom_modules_and_fields_differ_per_org(zoho_http):
    labs = zoho_http.tokens(PATRICIA, "us", org=ZYLKER_LABS, scope=SCOPE)["access_token"]
    names = {
        m["api_name"]
        for m in zoho_http.api("GET", "us", "settings/modules", labs).json()["modules"]
    }
    assert "Experiments" in names and "Shipments" not in names
    eu = zoho_http.tokens(SOFIA, "eu", scope=SCOPE)["access_token"]
    accounts = fields_of(zoho_http, eu, "Accounts", dc="eu")
    assert accounts["USt_IdNr"]["custom_field"] is True
    rows = first(zoho_http, eu, "Shipments", "Name,Account,Tracking_Number", dc="eu")
    assert rows and all(r["Account"]["id"] for r in rows)


def test_unsupported_module_answers_not_supported(zoho_http, us):
    resp = zoho_http.api("GET", "us", "Reports", us, params={"fields": "id"})
    assert resp.status_code == 400 and resp.json()["code"] == "NOT_SUPPORTED"
    resp = zoho_http.api("POST", "us", "Attachments", us, json={"data": [{"File_Name": "x"}]})
    assert resp.status_code == 400 and resp.json()["code"] == "NOT_SUPPORTED"


def test_activities_link_through_what_id_and_se_module(zoho_http, us):
    tasks = first(zoho_http, us, "Tasks", "Subject,What_Id,Who_Id")
    assert {t["$se_module"] for t in tasks} >= {"Accounts", "Deals", "Leads"}
    for task in tasks:
        assert task["What_Id"]["id"] and task["What_Id"]["name"]
        if task["$se_module"] == "Leads":
            assert task["Who_Id"] is None
    account = first(zoho_http, us, "Accounts", "Account_Name")[0]
    lead = first(zoho_http, us, "Leads", "Last_Name")[0]
    contact = first(zoho_http, us, "Contacts", "Last_Name")[0]
    resp = zoho_http.api(
        "POST",
        "us",
        "Tasks",
        us,
        json={
            "data": [
                {
                    "Subject": "ok",
                    "What_Id": {"id": account["id"]},
                    "$se_module": "Accounts",
                    "Who_Id": {"id": contact["id"]},
                },
                {"Subject": "no module", "What_Id": {"id": account["id"]}},
                {
                    "Subject": "wrong module",
                    "What_Id": {"id": account["id"]},
                    "$se_module": "Leads",
                },
                {
                    "Subject": "bad module",
                    "What_Id": {"id": account["id"]},
                    "$se_module": "Potatoes",
                },
                {
                    "Subject": "lead + who",
                    "What_Id": {"id": lead["id"]},
                    "$se_module": "Leads",
                    "Who_Id": {"id": contact["id"]},
                },
                {"Subject": "lead", "What_Id": {"id": lead["id"]}, "$se_module": "leads"},
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
        "SUCCESS",
    ]
    assert data[1]["details"] == {"api_name": "$se_module", "json_path": "$.data[1].$se_module"}
    assert data[2]["details"]["api_name"] == "What_Id"
    assert data[3]["details"]["api_name"] == "$se_module"
    assert data[4]["details"]["api_name"] == "Who_Id"
    made = zoho_http.api("GET", "us", f"Tasks/{data[5]['details']['id']}", us).json()["data"][0]
    assert made["What_Id"] == {"name": lead_name(zoho_http, us, lead["id"]), "id": lead["id"]}
    assert made["$se_module"] == "Leads"


def lead_name(zoho_http, token, lead_id):
    return zoho_http.api("GET", "us", f"Leads/{lead_id}", token).json()["data"][0]["Full_Name"]


def test_deleting_a_record_clears_what_id(zoho_http, us):
    tasks = first(zoho_http, us, "Tasks", "What_Id")
    task = next(t for t in tasks if t["$se_module"] == "Deals")
    deal_id = task["What_Id"]["id"]
    assert zoho_http.api("DELETE", "us", f"Deals/{deal_id}", us).status_code == 200
    after = zoho_http.api("GET", "us", f"Tasks/{task['id']}", us).json()["data"][0]
    assert after["What_Id"] is None and after["$se_module"] is None


def test_layouts(zoho_http, us):
    resp = zoho_http.api("GET", "us", "settings/layouts", us, params={"module": "Leads"})
    assert resp.status_code == 200
    layout = resp.json()["layouts"][0]
    assert layout["name"] == "Standard" and layout["status"] == "active"
    sections = layout["sections"]
    assert sections[0]["display_label"] == "Lead Information"
    in_layout = {f["api_name"] for s in sections for f in s["fields"]}
    assert {"Last_Name", "Company", "Email", "City", "Description"} <= in_layout
    last = next(f for s in sections for f in s["fields"] if f["api_name"] == "Last_Name")
    assert last["required"] is True and last["data_type"] == "text"
    quotes = zoho_http.api("GET", "us", "settings/layouts", us, params={"module": "Quotes"})
    assert any(s["isSubformSection"] for s in quotes.json()["layouts"][0]["sections"])
    for params in ({}, {"module": "Potatoes"}, {"module": "Home"}):
        resp = zoho_http.api("GET", "us", "settings/layouts", us, params=params)
        assert resp.status_code == 400, params


def test_related_lists_metadata(zoho_http, us):
    resp = zoho_http.api("GET", "us", "settings/related_lists", us, params={"module": "Accounts"})
    lists = {r["api_name"]: r for r in resp.json()["related_lists"]}
    for name in ("Contacts", "Deals", "Tasks", "Events", "Calls", "Notes", "Shipments"):
        assert lists[name]["display_label"]
        assert lists[name]["type"] == "default"
        assert lists[name]["status"] == "visible"
        assert "visible" not in lists[name]  # Zoho's examples have status, no visible key
    for name in ("Contacts", "Deals", "Tasks", "Events", "Calls", "Notes", "Shipments"):
        assert lists[name]["href"] == f"Accounts/{{ENTITYID}}/{name}", name
    for name in ("Contacts", "Deals", "Tasks", "Shipments", "Attachments"):
        assert lists[name]["module"]["api_name"] == name
    assert lists["Notes"]["module"] is None  # as Zoho's "allnullablefieldsnull" example
    assert lists["Emails"]["href"] is None and lists["Emails"]["module"] is None
    assert lists["Sales_Orders"]["status"] == "user_hidden"
    assert lists["Cases"]["status"] == "scheduled_for_deletion"
    contacts = zoho_http.api(
        "GET", "us", "settings/related_lists", us, params={"module": "Contacts"}
    ).json()["related_lists"]
    assert "Deals" in {r["api_name"] for r in contacts}


def test_related_records(zoho_http, us):
    contacts = first(zoho_http, us, "Contacts", "Account_Name")
    account_id = contacts[0]["Account_Name"]["id"]
    expected = sorted(
        (c["id"] for c in contacts if (c["Account_Name"] or {}).get("id") == account_id),
        key=int,
        reverse=True,
    )
    resp = zoho_http.api(
        "GET", "us", f"Accounts/{account_id}/Contacts", us, params={"fields": "Last_Name"}
    )
    assert resp.status_code == 200
    assert [r["id"] for r in resp.json()["data"]] == expected
    assert set(resp.json()["data"][0]) == {"id", "Last_Name"}
    tasks = first(zoho_http, us, "Tasks", "What_Id")
    task = next(t for t in tasks if t["$se_module"] == "Accounts")
    resp = zoho_http.api(
        "GET",
        "us",
        f"Accounts/{task['What_Id']['id']}/Tasks",
        us,
        params={"fields": "Subject,What_Id"},
    )
    assert task["id"] in {r["id"] for r in resp.json()["data"]}
    # a contact's deals
    deals = first(zoho_http, us, "Deals", "Contact_Name")
    contact_id = deals[0]["Contact_Name"]["id"]
    resp = zoho_http.api(
        "GET", "us", f"Contacts/{contact_id}/Deals", us, params={"fields": "Deal_Name"}
    )
    assert deals[0]["id"] in {r["id"] for r in resp.json()["data"]}
    # none -> 204
    made = zoho_http.api("POST", "us", "Accounts", us, json={"data": [{"Account_Name": "Lonely"}]})
    lonely = made.json()["data"][0]["details"]["id"]
    resp = zoho_http.api("GET", "us", f"Accounts/{lonely}/Deals", us, params={"fields": "id"})
    assert resp.status_code == 204 and resp.content == b""


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("Accounts/{id}/Contacts", {}, "REQUIRED_PARAM_MISSING"),
        ("Accounts/{id}/Contacts", {"fields": ",".join(["Last_Name"] * 51)}, "LIMIT_EXCEEDED"),
        ("Accounts/{id}/Contacts", {"fields": "Nope"}, "INVALID_DATA"),
        ("Accounts/{id}/Potatoes", {"fields": "id"}, "INVALID_DATA"),
        ("Accounts/{id}/Emails", {"fields": "id"}, "NOT_SUPPORTED"),
        ("Accounts/4150868000009999999/Contacts", {"fields": "id"}, "INVALID_DATA"),
    ],
)
def test_related_records_errors(zoho_http, us, path, params, code):
    account_id = first(zoho_http, us, "Accounts")[0]["id"]
    resp = zoho_http.api("GET", "us", path.format(id=account_id), us, params=params)
    assert resp.status_code == 400 and resp.json()["code"] == code, resp.text


def test_related_records_need_both_modules_readable(zoho_http):
    token = zoho_http.tokens(ARJUN, "in", scope="ZohoCRM.modules.accounts.READ")["access_token"]
    account_id = first(zoho_http, token, "Accounts", dc="in")[0]["id"]
    resp = zoho_http.api(
        "GET", "in", f"Accounts/{account_id}/Contacts", token, params={"fields": "Last_Name"}
    )
    assert resp.status_code == 401 and resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_sdk_related_records(emulator, tmp_path):
    sdk_login(emulator, tmp_path, OLIVIA, "au", scope=SCOPE)
    org = emulator.app.state.orgs["7001938172"]
    contact = next(iter(org.records["Contacts"].values()))
    account_id = int(contact["Account_Name"]["id"])
    pm = ParameterMap()
    pm.add(GetRelatedRecordsParam.fields, "Last_Name,Email,Account_Name")
    response = RelatedRecordsOperations("Contacts", "Accounts").get_related_records(account_id, pm)
    assert response.get_status_code() == 200
    body = response.get_object()
    assert isinstance(body, RelatedWrapper)
    assert all(isinstance(r, Record) for r in body.get_data())
    assert int(contact["id"]) in {r.get_id() for r in body.get_data()}


def test_every_org_has_believable_seed_in_every_module(emulator):
    for zgid in (
        "720019234",
        "720019877",
        "20071245781",
        "60012873459",
        "7001938172",
        "90051762213",
    ):
        org = emulator.app.state.orgs[zgid]
        for mod in org.schema.record_modules():
            assert org.records[mod.api_name], (zgid, mod.api_name)
        event = next(iter(org.records["Events"].values()))
        assert event["Start_DateTime"].endswith(org.org.tz_offset)
        assert event["What_Id"] and event["$se_module"]
        quote = next(iter(org.records["Quotes"].values()))
        assert quote["Quoted_Items"] and quote["Currency"] == org.org.currency


def test_seed_is_deterministic(emulator):
    from zoho_emulator import seed, seed_modules

    org = seed.org_by_zgid()["60012873459"]
    one, _ = seed_modules.build_org_records(org)
    two, _ = seed_modules.build_org_records(org)
    assert one == two


@pytest.mark.parametrize("module", ["Tasks", "Shipments"])
def test_garbage_never_answers_5xx(emulator, zoho_http, us, module):
    org = emulator.app.state.orgs["720019234"]
    for fd in org.schema.fields(module).values():
        for value in ({"x": 1}, [], "zz", 123, 1.5, True, [{"id": "1"}], {"id": None}):
            resp = zoho_http.api(
                "POST", "us", module, us, json={"data": [{fd.api_name: value, "$se_module": value}]}
            )
            assert resp.status_code < 500, (fd.api_name, value, resp.text)
        for op in ("equals", "starts_with", "greater_than", "in", "between"):
            resp = zoho_http.api(
                "GET",
                "us",
                f"{module}/search",
                us,
                params={"criteria": f"({fd.api_name}:{op}:a,b)"},
            )
            assert resp.status_code < 500, (fd.api_name, op, resp.text)
        if fd.sortable:
            resp = zoho_http.api(
                "POST",
                "us",
                "coql",
                us,
                json={
                    "select_query": f"select {fd.api_name} from {module} "
                    f"where id is not null order by {fd.api_name} asc limit 0, 5"
                },
            )
            assert resp.status_code in (200, 204), (fd.api_name, resp.text)


def test_coql_answers_owner_as_its_id_and_orders_by_it(zoho_http, us):
    rows = zoho_http.api(
        "POST",
        "us",
        "coql",
        us,
        json={"select_query": "select Owner from Leads where id is not null order by Owner asc"},
    ).json()["data"]
    assert all(set(r["Owner"]) == {"id"} for r in rows)  # COQL: a lookup is its id
    ids = [int(r["Owner"]["id"]) for r in rows]
    assert ids == sorted(ids)
    resp = zoho_http.api(
        "GET", "us", "Quotes/search", us, params={"criteria": "(Quoted_Items:equals:x)"}
    )
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_QUERY"
