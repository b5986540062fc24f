"""Custom views (``settings/custom_views``) and ``cvid`` on Get Records, Search Records and
Record Count, over real HTTP."""

from __future__ import annotations

import pytest
from emulator_support import FULL_SCOPE, MARCUS, PATRICIA

VIEWS_SCOPE = FULL_SCOPE + ",ZohoCRM.settings.custom_views.READ"


@pytest.fixture
def token(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=VIEWS_SCOPE)["access_token"]


def views(zoho_http, token, module="Leads") -> dict:
    resp = zoho_http.api("GET", "us", "settings/custom_views", token, params={"module": module})
    assert resp.status_code == 200, resp.text
    return resp.json()


def view_id(zoho_http, token, name, module="Leads") -> str:
    return next(
        v["id"] for v in views(zoho_http, token, module)["custom_views"] if v["name"] == name
    )


def records(zoho_http, token, module="Leads", **params) -> list[dict]:
    params = {"fields": "Last_Name,Lead_Status,Owner", "per_page": 200, **params}
    resp = zoho_http.api("GET", "us", module, token, params=params)
    if resp.status_code == 204:
        return []
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def test_a_modules_views_start_with_the_default_all_view(zoho_http, token):
    answer = views(zoho_http, token)
    names = [v["name"] for v in answer["custom_views"]]
    assert names[:4] == [
        "All Leads",
        "My Leads",
        "Recently Created Leads",
        "Recently Modified Leads",
    ]
    assert "Contacted and qualified" in names
    first = answer["custom_views"][0]
    assert first["default"] is True and first["system_name"] == "ALLVIEWS"
    assert answer["info"]["default"] == first["id"]
    assert answer["info"]["count"] == len(names)
    assert all(len(v["id"]) == 19 and v["id"].isdigit() for v in answer["custom_views"])
    # a user's own view is "created_by_me" for its maker, public for the others
    made = next(v for v in answer["custom_views"] if v["name"] == "Contacted and qualified")
    assert made["system_defined"] is False and made["created_by"]["email"]
    assert names == [v["name"] for v in views(zoho_http, token)["custom_views"]]  # stable


def test_one_view_carries_its_criteria(zoho_http, token):
    ident = view_id(zoho_http, token, "My Leads")
    resp = zoho_http.api(
        "GET", "us", f"settings/custom_views/{ident}", token, params={"module": "Leads"}
    )
    assert resp.status_code == 200
    view = resp.json()["custom_views"][0]
    assert view["criteria"]["comparator"] == "equal"
    assert view["criteria"]["field"]["api_name"] == "Owner"
    assert view["criteria"]["value"] == "${CURRENTUSER}"


def test_unknown_module_view_and_missing_module_are_zohos_errors(zoho_http, token):
    resp = zoho_http.api("GET", "us", "settings/custom_views", token)
    assert resp.status_code == 400 and resp.json()["code"] == "REQUIRED_PARAM_MISSING"
    resp = zoho_http.api("GET", "us", "settings/custom_views", token, params={"module": "Nope"})
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_MODULE"
    resp = zoho_http.api(
        "GET", "us", "settings/custom_views/123", token, params={"module": "Leads"}
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "INVALID_DATA" and resp.json()["details"] == {"id": "123"}


def test_views_need_the_custom_views_scope(zoho_http):
    token = zoho_http.tokens(PATRICIA, "us")["access_token"]  # no settings.custom_views
    resp = zoho_http.api("GET", "us", "settings/custom_views", token, params={"module": "Leads"})
    assert resp.status_code == 401 and resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_get_records_with_a_cvid_lists_that_views_records(zoho_http, token):
    every = records(zoho_http, token)
    mine = records(zoho_http, token, cvid=view_id(zoho_http, token, "My Leads"))
    me = {r["Owner"]["id"] for r in mine}
    assert mine and len(me) == 1 and len(mine) < len(every)
    assert len(mine) == sum(1 for r in every if r["Owner"]["id"] in me)
    qualified = records(zoho_http, token, cvid=view_id(zoho_http, token, "Contacted and qualified"))
    assert qualified
    assert {r["Lead_Status"] for r in qualified} <= {"Contacted", "Pre-Qualified"}
    assert len(qualified) == sum(
        1 for r in every if r["Lead_Status"] in ("Contacted", "Pre-Qualified")
    )
    # the seed is older than a week: nothing was created recently
    assert records(zoho_http, token, cvid=view_id(zoho_http, token, "Recently Created Leads")) == []


def test_my_view_is_the_asking_users(zoho_http, token):
    other = zoho_http.tokens(MARCUS, "us", scope=VIEWS_SCOPE)["access_token"]
    ident = view_id(zoho_http, token, "My Leads")
    mine = {r["Owner"]["id"] for r in records(zoho_http, token, cvid=ident)}
    theirs = {r["Owner"]["id"] for r in records(zoho_http, other, cvid=ident)}
    assert mine and theirs and mine != theirs


def test_an_unknown_cvid_or_a_sort_with_one_is_invalid_data(zoho_http, token):
    resp = zoho_http.api(
        "GET", "us", "Leads", token, params={"fields": "Last_Name", "cvid": "1234567890123456789"}
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "INVALID_DATA"
    assert resp.json()["details"]["param_name"] == "cvid"
    deals_view = view_id(zoho_http, token, "Open Deals", "Deals")  # another module's view
    resp = zoho_http.api(
        "GET", "us", "Leads", token, params={"fields": "Last_Name", "cvid": deals_view}
    )
    assert resp.status_code == 400 and resp.json()["details"]["param_name"] == "cvid"
    resp = zoho_http.api(
        "GET",
        "us",
        "Leads",
        token,
        params={
            "fields": "Last_Name",
            "cvid": view_id(zoho_http, token, "All Leads"),
            "sort_by": "Created_Time",
        },
    )
    assert resp.status_code == 400 and resp.json()["details"]["param_name"] == "sort_by"


def test_search_and_count_take_a_cvid(zoho_http, token):
    ident = view_id(zoho_http, token, "My Leads")
    mine = records(zoho_http, token, cvid=ident)
    resp = zoho_http.api("GET", "us", "Leads/actions/count", token, params={"cvid": ident})
    assert resp.status_code == 200 and resp.json()["count"] == len(mine)
    criteria = "(Lead_Status:equals:Contacted)"
    resp = zoho_http.api(
        "GET",
        "us",
        "Leads/search",
        token,
        params={"criteria": criteria, "cvid": ident, "fields": "Lead_Status,Owner"},
    )
    found = resp.json()["data"] if resp.status_code == 200 else []
    assert len(found) == sum(1 for r in mine if r["Lead_Status"] == "Contacted")
    resp = zoho_http.api(
        "GET", "us", "Leads/actions/count", token, params={"criteria": criteria, "cvid": ident}
    )
    assert resp.json()["count"] == len(found)


def test_a_module_the_profile_may_not_see_has_no_views_for_it(zoho_http):
    from emulator_support import DANA

    token = zoho_http.tokens(DANA, "us", scope=VIEWS_SCOPE)["access_token"]
    resp = zoho_http.api("GET", "us", "settings/custom_views", token, params={"module": "Quotes"})
    assert resp.status_code == 403 and resp.json()["code"] == "NO_PERMISSION"
    assert views(zoho_http, token, "Accounts")["custom_views"]  # read-only: views are read
