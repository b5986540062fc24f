"""``POST /crm/v8/coql``: the SELECT queries served, their limits and errors (coql.json)."""

from __future__ import annotations

import pytest
from emulator_support import DANA, PATRICIA

QUERY = "select Last_Name, Company from Leads where id is not null"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us")["access_token"]


def coql(zoho_http, token, query, dc="us"):
    return zoho_http.api("POST", dc, "coql", token, json={"select_query": query})


def test_order_by_any_sortable_field_with_offset_and_limit(zoho_http, us):
    body = coql(zoho_http, us, f"{QUERY} order by Company desc limit 0, 5").json()
    assert set(body["info"]) == {"count", "more_records"}
    assert body["info"]["count"] == len(body["data"]) == 5 and body["info"]["more_records"]
    assert all(set(r) == {"Last_Name", "Company", "id"} for r in body["data"])
    everything = coql(zoho_http, us, f"{QUERY} order by Company desc limit 2000").json()["data"]
    companies = [(r["Company"] or "").lower() for r in everything if r["Company"]]
    assert companies == sorted(companies, reverse=True)
    # the next page starts where the first ended
    second = coql(zoho_http, us, f"{QUERY} order by Company desc limit 5, 5").json()["data"]
    assert [r["id"] for r in second] == [r["id"] for r in everything[5:10]]
    # LIMIT n OFFSET m says the same
    again = coql(zoho_http, us, f"{QUERY} order by Company desc limit 5 offset 5").json()["data"]
    assert again == second


def test_where_criteria_and_empty_answers(zoho_http, us):
    letter = coql(zoho_http, us, "select Last_Name from Leads").json()["data"][0]["Last_Name"][0]
    rows = coql(
        zoho_http,
        us,
        f"select Last_Name from Leads where (Last_Name like '{letter}%' and id is not null)",
    ).json()["data"]
    assert rows and all(r["Last_Name"].lower().startswith(letter.lower()) for r in rows)
    resp = coql(zoho_http, us, "select Last_Name from Leads where Last_Name = 'No such name'")
    assert resp.status_code == 204 and resp.content == b""
    resp = coql(zoho_http, us, f"{QUERY} limit 100000, 10")
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("query", "status", "code", "details"),
    [
        ("select from Leads", 400, "SYNTAX_ERROR", {"line": 1, "column": 8, "near": "from"}),
        (
            "select Last_Name Leads",
            400,
            "SYNTAX_ERROR",
            {"line": 1, "column": 18, "near": "Leads"},
        ),
        ("select Last_Name from Potatoes", 400, "INVALID_MODULE", {}),
        ("select Nope from Leads", 400, "INVALID_QUERY", {"column_name": "Nope"}),
        (
            f"{QUERY} order by Description",
            400,
            "INVALID_QUERY",
            {"column_name": "Description", "clause": "order by"},
        ),
        (
            "select Last_Name\nfrom Leads\nwhere Last_Name = 'x' limit 5 junk",
            400,
            "SYNTAX_ERROR",
            {"line": 3, "column": 31, "near": "junk"},
        ),
        (f"{QUERY} limit 2001", 400, "LIMIT_EXCEEDED", {"limit": 2000}),
        (f"{QUERY} limit 99990, 20", 400, "INVALID_QUERY", {"offset": "99990"}),
        (f"{QUERY} limit s", 400, "INVALID_QUERY", {"limit": "s"}),
        (f"{QUERY} order by Company, Company", 400, "DUPLICATE_DATA", {"column_name": "Company"}),
    ],
)
def test_errors_as_the_spec_shows_them(zoho_http, us, query, status, code, details):
    resp = coql(zoho_http, us, query)
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and body["details"] == details and body["status"] == "error"
    assert isinstance(body["message"], str) and body["message"]


def test_column_and_order_by_counts(zoho_http, us):
    fields = zoho_http.api("GET", "us", "settings/fields", us, params={"module": "Leads"}).json()[
        "fields"
    ]
    names = [f["api_name"] for f in fields if f["data_type"] != "imageupload"]
    assert len(names) > 50
    resp = coql(zoho_http, us, f"select {', '.join(names[:51])} from Leads")
    assert resp.status_code == 400 and resp.json()["code"] == "LIMIT_EXCEEDED"
    sortable = [f["api_name"] for f in fields if f["sortable"]][:10] + ["id"]
    assert len(sortable) == 11
    resp = coql(zoho_http, us, f"select Last_Name from Leads order by {', '.join(sortable)}")
    assert resp.status_code == 400 and resp.json()["code"] == "LIMIT_EXCEEDED"


def test_scope_profile_and_body(zoho_http):
    no_coql = zoho_http.tokens(PATRICIA, "us", scope="ZohoCRM.modules.ALL")["access_token"]
    resp = coql(zoho_http, no_coql, QUERY)
    assert resp.status_code == 401 and resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    no_leads = zoho_http.tokens(
        PATRICIA, "us", scope="ZohoCRM.coql.READ,ZohoCRM.modules.Contacts.READ"
    )["access_token"]
    assert coql(zoho_http, no_leads, QUERY).status_code == 401
    assert coql(zoho_http, no_leads, "select Last_Name from Contacts").status_code == 200
    # the restricted profile may not see a module: 403 as on every record endpoint
    dana = zoho_http.tokens(DANA, "us")["access_token"]
    denied = zoho_http.api("GET", "us", "settings/modules", dana).json()["modules"]
    hidden = next(m["api_name"] for m in denied if m["api_supported"] and not m["viewable"])
    resp = coql(zoho_http, dana, f"select id from {hidden}")
    assert resp.status_code == 403 and resp.json()["code"] == "NO_PERMISSION"
    token = zoho_http.tokens(PATRICIA, "us")["access_token"]
    resp = zoho_http.api("POST", "us", "coql", token, json={"query": QUERY})
    assert resp.status_code == 400 and resp.json()["details"] == {"api_name": "select_query"}
