"""Limits and paging: 50 fields, the 2,000-record page limit, page_token, criteria spacing,
record counts. The UK org (Thamesgate Wholesale) has more than 2,500 Leads."""

from __future__ import annotations

import pytest
from emulator_support import HARRIET, PATRICIA, THAMESGATE

SCOPE = "ZohoCRM.modules.ALL,ZohoSearch.securesearch.READ,ZohoCRM.settings.ALL"
DISCRETE = {
    "code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
    "details": {},
    "message": "You can only get the first 2000 records without using page_token param",
    "status": "error",
}

EXPIRED = {
    "status": "error",
    "code": "EXPIRED_VALUE",
    "message": "Page token expired",
    "details": {"api_name": "page_token", "json_path": "$.query.page_token"},
}


@pytest.fixture
def uk(zoho_http):
    return zoho_http.tokens(HARRIET, "uk", scope=SCOPE)["access_token"]


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=SCOPE)["access_token"]


def leads(zoho_http, token, **params):
    params.setdefault("fields", "Last_Name")
    return zoho_http.api("GET", "uk", "Leads", token, params=params)


def test_the_big_org_has_more_than_2500_leads(emulator, zoho_http, uk):
    count = zoho_http.api("GET", "uk", "Leads/actions/count", uk)
    assert count.status_code == 200 and count.json()["count"] >= 2500
    assert count.json() == {"count": len(emulator.app.state.orgs[THAMESGATE].records["Leads"])}


def test_page_past_2000_records_is_refused(zoho_http, uk):
    assert leads(zoho_http, uk, page=10, per_page=200).status_code == 200
    for page, per_page in ((11, 200), (2001, 1), (21, 100)):
        resp = leads(zoho_http, uk, page=page, per_page=per_page)
        assert resp.status_code == 400 and resp.json() == DISCRETE, (page, per_page)


def test_page_token_walks_every_record_once(zoho_http, uk):
    seen = []
    opened_by = [None]  # the token that opened page n+1 (page 1: none)
    resp = leads(zoho_http, uk, per_page=200, sort_by="id", sort_order="asc")
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        info = body["info"]
        page = len(opened_by)
        assert info["page"] == page and info["count"] == len(body["data"])
        # the previous page was opened by this token (page 1 by none)
        assert info["previous_page_token"] == (opened_by[page - 2] if page > 1 else None)
        seen.extend(r["id"] for r in body["data"])
        if not info["more_records"]:
            assert info["next_page_token"] is None
            break
        token = info["next_page_token"]
        assert token and info["page_token_expiry"].endswith("+00:00")
        opened_by.append(token)
        resp = leads(zoho_http, uk, per_page=200, sort_by="id", sort_order="asc", page_token=token)
    assert len(seen) == len(set(seen)) >= 2500
    assert seen == sorted(seen, key=int)
    assert len(opened_by) == -(-len(seen) // 200)


def test_page_token_is_stable_when_records_change(zoho_http, uk):
    first = leads(zoho_http, uk, per_page=100, sort_by="Modified_Time", sort_order="desc").json()
    token = first["info"]["next_page_token"]
    expected = leads(
        zoho_http, uk, per_page=100, sort_by="Modified_Time", sort_order="desc", page_token=token
    ).json()["data"]
    # a record from the first page goes away and a new one sorts before everything
    zoho_http.api("DELETE", "uk", f"Leads/{first['data'][0]['id']}", uk)
    zoho_http.api("POST", "uk", "Leads", uk, json={"data": [{"Last_Name": "Aardvark"}]})
    again = leads(
        zoho_http, uk, per_page=100, sort_by="Modified_Time", sort_order="desc", page_token=token
    ).json()["data"]
    assert [r["id"] for r in again] == [r["id"] for r in expected]


@pytest.mark.parametrize(
    "change",
    [
        {"fields": "Last_Name,Email"},
        {"sort_by": "Created_Time"},
        {"sort_order": "asc"},
        {"per_page": 50},
    ],
)
def test_page_token_is_bound_to_its_request(zoho_http, uk, change):
    token = leads(zoho_http, uk, per_page=200).json()["info"]["next_page_token"]
    params = {"per_page": 200, "page_token": token, **change}
    resp = leads(zoho_http, uk, **params)
    assert resp.status_code == 400
    assert resp.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"
    # another module
    resp = zoho_http.api(
        "GET",
        "uk",
        "Contacts",
        uk,
        params={"fields": "Last_Name", "per_page": 200, "page_token": token},
    )
    assert resp.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"


def test_bad_page_tokens(emulator, zoho_http, uk):
    resp = leads(zoho_http, uk, page_token="nope")
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "INVALID_DATA",
        "details": {"param_name": "page_token"},
        "message": "invalid data",
        "status": "error",
    }
    token = leads(zoho_http, uk).json()["info"]["next_page_token"]
    resp = leads(zoho_http, uk, page_token=token, page=2)
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_REQUEST"
    emulator.app.state.page_tokens[token].expires = 0  # a day later
    assert leads(zoho_http, uk, page_token=token).json() == EXPIRED
    # another user of the same org cannot use it
    token = leads(zoho_http, uk).json()["info"]["next_page_token"]
    tom = zoho_http.tokens("tom.okonkwo@thamesgate-wholesale.co.uk", "uk", scope=SCOPE)
    resp = leads(zoho_http, tom["access_token"], page_token=token)
    assert resp.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"
    emulator.client.reset()
    uk2 = zoho_http.tokens(HARRIET, "uk", scope=SCOPE)["access_token"]
    assert leads(zoho_http, uk2, page_token=token).json()["code"] == "INVALID_DATA"


def test_small_lists_carry_no_token(zoho_http, us):
    body = zoho_http.api("GET", "us", "Accounts", us, params={"fields": "Account_Name"}).json()
    assert body["info"]["next_page_token"] is None and body["info"]["more_records"] is False


def test_search_stops_at_2000_and_issues_no_token(zoho_http, uk):
    resp = zoho_http.api(
        "GET",
        "uk",
        "Leads/search",
        uk,
        params={"criteria": "(Country:equals:United Kingdom)", "per_page": 200},
    )
    info = resp.json()["info"]
    assert info["more_records"] is True and info["next_page_token"] is None
    resp = zoho_http.api(
        "GET",
        "uk",
        "Leads/search",
        uk,
        params={"criteria": "(Country:equals:United Kingdom)", "per_page": 200, "page": 11},
    )
    assert resp.status_code == 400 and resp.json() == DISCRETE


@pytest.mark.parametrize(
    "path",
    ["Leads", "Leads/search", "Leads/{id}", "Accounts/{account}/Contacts"],
)
def test_at_most_50_fields_everywhere(zoho_http, us, path):
    lead = zoho_http.api("GET", "us", "Leads", us, params={"fields": "id"}).json()["data"][0]
    account = zoho_http.api("GET", "us", "Accounts", us, params={"fields": "id"}).json()["data"][0]
    names = ",".join(
        list(
            zoho_http.api("GET", "us", "settings/fields", us, params={"module": "Leads"}).json()[
                "fields"
            ][i]["api_name"]
            for i in range(51)
        )
    )
    params = {"fields": names, "criteria": "(Last_Name:starts_with:a)"}
    resp = zoho_http.api(
        "GET", "us", path.format(id=lead["id"], account=account["id"]), us, params=params
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "LIMIT_EXCEEDED"
    assert resp.json()["details"] == {"param_name": "fields", "limit": 50}


@pytest.mark.parametrize(
    "criteria",
    [
        "(Last_Name:equals:{last}) and (City:starts_with:{city})",
        "((Last_Name:equals:{last})and(City:starts_with:{city}))",
        "( (Last_Name : equals : {last}) AND ( City:starts_with:{city} ) )",
        "(Last_Name:equals:{last})  and\t(City:starts_with:{city})",
    ],
)
def test_criteria_tolerate_spaces(zoho_http, us, criteria):
    rows = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Last_Name,City", "per_page": 200}
    ).json()["data"]
    target = rows[0]
    last, city = target["Last_Name"], target["City"][:3]
    expected = sorted(
        (
            r["id"]
            for r in rows
            if r["Last_Name"] == last and (r["City"] or "").lower().startswith(city.lower())
        ),
        key=int,
    )
    resp = zoho_http.api(
        "GET", "us", "Leads/search", us, params={"criteria": criteria.format(last=last, city=city)}
    )
    assert resp.status_code == 200, resp.text
    assert [r["id"] for r in resp.json()["data"]] == expected


def test_count(zoho_http, us):
    rows = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Email,Lead_Status", "per_page": 200}
    ).json()["data"]
    assert zoho_http.api("GET", "us", "Leads/actions/count", us).json() == {"count": len(rows)}
    status = rows[0]["Lead_Status"]
    resp = zoho_http.api(
        "GET",
        "us",
        "Leads/actions/count",
        us,
        params={"criteria": f"(Lead_Status:equals:{status})"},
    )
    assert resp.json() == {"count": sum(1 for r in rows if r["Lead_Status"] == status)}
    resp = zoho_http.api("GET", "us", "Leads/actions/count", us, params={"email": rows[0]["Email"]})
    assert resp.json() == {"count": 1}
    resp = zoho_http.api(
        "GET", "us", "Leads/actions/count", us, params={"criteria": "(Nope:equals:1)"}
    )
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_QUERY"
    resp = zoho_http.api("GET", "us", "Potatoes/actions/count", us)
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_MODULE"
    resp = zoho_http.api("POST", "us", "Leads/actions/count", us)
    assert resp.json()["code"] == "INVALID_REQUEST_METHOD"


def test_related_records_page_past_2000(zoho_http, us):
    account = zoho_http.api("GET", "us", "Accounts", us, params={"fields": "id"}).json()["data"][0]
    resp = zoho_http.api(
        "GET",
        "us",
        f"Accounts/{account['id']}/Contacts",
        us,
        params={"fields": "Last_Name", "page": 11, "per_page": 200},
    )
    assert resp.status_code == 400 and resp.json() == DISCRETE


def test_page_tokens_carry_their_expiry_and_the_control_plane_expires_them(emulator, zoho_http, uk):
    first = leads(zoho_http, uk, per_page=200).json()["info"]
    assert first["next_page_token"] and first["page_token_expiry"]
    second = leads(zoho_http, uk, per_page=200, page_token=first["next_page_token"])
    assert second.status_code == 200
    assert emulator.client.expire_page_tokens() >= 2
    for token in (first["next_page_token"], second.json()["info"]["next_page_token"]):
        resp = leads(zoho_http, uk, per_page=200, page_token=token)
        assert resp.status_code == 400 and resp.json() == EXPIRED
    # tokens issued afterwards work
    fresh = leads(zoho_http, uk, per_page=200).json()["info"]["next_page_token"]
    assert leads(zoho_http, uk, per_page=200, page_token=fresh).status_code == 200


def test_page_tokens_stop_at_the_pagination_limit(monkeypatch, zoho_http, uk):
    from zoho_emulator.crm import paging

    monkeypatch.setattr(paging, "TOKEN_RECORD_LIMIT", 400)  # 100,000 at Zoho
    token = leads(zoho_http, uk, per_page=200).json()["info"]["next_page_token"]
    second = leads(zoho_http, uk, per_page=200, page_token=token)
    assert second.status_code == 200  # records 201-400
    resp = leads(zoho_http, uk, per_page=200, page_token=second.json()["info"]["next_page_token"])
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "PAGINATION_LIMIT_EXCEEDED",
        "message": "You can only get upto 400 records using page_token param",
        "status": "error",
        "details": {"param_name": "page_token"},
    }
