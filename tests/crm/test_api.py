"""The JSON API through the emulator, over real HTTP and the real SDK."""

from __future__ import annotations

import io
import json

import pytest

from tests.helpers import wait_until

pytestmark = pytest.mark.django_db

MODULES = ("Leads", "Contacts", "Accounts", "Deals")
NEW_RECORD = {
    "Leads": {"Last_Name": "Okafor", "Company": "Zylker Sub", "Email": "chidi.okafor@example.org"},
    "Contacts": {"Last_Name": "Brennan", "Email": "aoife.brennan@example.org"},
    "Accounts": {"Account_Name": "Portal Test Account Ltd"},
    "Deals": {"Deal_Name": "Portal pilot", "Stage": "Qualification"},
}


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
    assert set(listing.json()["info"]) == {
        "page",
        "per_page",
        "more_records",
        "count",
        "next_page_token",
        "previous_page_token",
    }

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

    patched = api(
        client, "patch", f"/crm/api/{module}/{record_id}/", {"Description": "Updated here"}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["data"]["id"] == record_id
    got = client.get(f"/crm/api/{module}/{record_id}/").json()["data"]
    assert got["Description"] == "Updated here"

    deleted = client.delete(f"/crm/api/{module}/{record_id}/")
    assert deleted.status_code == 200
    assert client.get(f"/crm/api/{module}/{record_id}/").status_code == 404


def _emulator_count(zoho, path_suffix):
    return sum(
        v for k, v in zoho.client.stats()["api_calls_by_path"].items() if k.endswith(path_suffix)
    )


def test_a_list_names_the_columns_its_records_carry(client, signed_in):
    answer = client.get("/crm/api/Leads/?per_page=5").json()
    names = [c["api_name"] for c in answer["columns"]]
    assert names[0] == "Full_Name" and "Salutation" not in names
    assert all(c["label"] for c in answer["columns"])
    for record in answer["data"]:
        assert set(record) == {*names, "id"}


def test_pagination_honours_more_records(client, signed_in):
    first = client.get("/crm/api/Leads/?per_page=10&page=1").json()
    assert first["info"]["more_records"] is True
    assert first["info"]["page"] == 1 and len(first["data"]) == 10
    ids = [r["id"] for r in first["data"]]
    page = 2
    while True:
        answer = client.get(f"/crm/api/Leads/?per_page=10&page={page}").json()
        ids += [r["id"] for r in answer["data"]]
        if not answer["info"]["more_records"]:
            break
        page += 1
    assert len(ids) == len(set(ids))  # no record twice across pages
    assert page >= 3


def test_sort_by_a_sortable_field(client, signed_in):
    answer = client.get("/crm/api/Leads/?per_page=50&sort_by=Full_Name&sort_order=desc").json()
    names = [r["Full_Name"].lower() for r in answer["data"]]
    assert names == sorted(names, reverse=True)
    bad = client.get("/crm/api/Leads/?sort_by=Description")
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "sort_by"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"Company": "No surname"}, "Last_Name", "MANDATORY_NOT_FOUND"),
        ({"Last_Name": "X", "Email": "not-an-email"}, "Email", "INVALID_DATA"),
        ({"Last_Name": "X" * 81}, "Last_Name", "INVALID_DATA"),
        ({"Last_Name": "X", "Lead_Status": "Bogus"}, "Lead_Status", "INVALID_DATA"),
        ({"Last_Name": "X", "No_of_Employees": "many"}, "No_of_Employees", "INVALID_DATA"),
        ({"Last_Name": "X", "No_of_Employees": 10**9}, "No_of_Employees", "INVALID_DATA"),
        ({"Last_Name": "X", "Annual_Revenue": [1]}, "Annual_Revenue", "INVALID_DATA"),
        ({"Last_Name": "X", "Made_Up": 1}, "Made_Up", "INVALID_DATA"),
        (
            {"Last_Name": "X", "Created_Time": "2024-01-01T00:00:00+00:00"},
            "Created_Time",
            "INVALID_DATA",
        ),
    ],
)
def test_field_validation_before_any_call(client, signed_in, zoho, body, field, code):
    before = _emulator_count(zoho, "/crm/v8/Leads")
    response = api(client, "post", "/crm/api/Leads/", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] == code
    assert error["message"]
    assert _emulator_count(zoho, "/crm/v8/Leads") == before  # nothing sent to Zoho


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"Closing_Date": "2024-13-45"}, "Closing_Date"),
        ({"Closing_Date": "tomorrow"}, "Closing_Date"),
        ({"Amount": 1e400}, "Amount"),
        ({"Amount": "NaN"}, "Amount"),
        ({"Probability": "9" * 5000}, "Probability"),
        ({"Stage": {"nested": True}}, "Stage"),
    ],
)
def test_deal_values_of_every_type_are_checked(client, signed_in, values, field):
    body = {"Deal_Name": "Typed", "Stage": "Qualification", **values}
    response = client.post(
        "/crm/api/Deals/",
        data=json.dumps(body).replace("Infinity", "1e400"),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field


def test_a_batch_with_one_invalid_record_writes_nothing(client, signed_in, zoho):
    before = client.get("/crm/api/Leads/?per_page=1").json()["info"]
    batch = [{"Company": "Co", "Last_Name": f"Batch {i}"} for i in range(5)] + [
        {"Email": "x@example.org"}
    ]
    response = api(client, "post", "/crm/api/Leads/", batch)
    assert response.status_code == 400
    assert "Record 6" in response.json()["error"]["message"]
    search = client.get("/crm/api/Leads/", {"q": "Batch"})
    assert search.json()["data"] == []
    assert before


def test_batch_create_reports_zohos_per_record_results(client, signed_in):
    existing = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    full = client.get(f"/crm/api/Leads/{existing['id']}/").json()["data"]
    batch = [
        {"Company": "Co", "Last_Name": "Fresh One", "Email": "fresh.one@example.org"},
        {"Company": "Co", "Last_Name": "Copycat", "Email": full["Email"]},
    ]
    response = api(client, "post", "/crm/api/Leads/", batch)
    assert response.status_code == 207
    first, second = response.json()["data"]
    assert first["status"] == "success" and first["id"]
    assert second["status"] == "error"
    assert second["code"] == "DUPLICATE_DATA"
    assert second["field"] == "Email"


def test_single_duplicate_is_a_409_naming_the_field(client, signed_in):
    existing = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    email = client.get(f"/crm/api/Leads/{existing['id']}/").json()["data"]["Email"]
    response = api(
        client, "post", "/crm/api/Leads/", {"Company": "Co", "Last_Name": "Dup", "Email": email}
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "Email"


def test_too_many_records_at_once(client, signed_in):
    response = api(client, "post", "/crm/api/Leads/", [{"Last_Name": "x"}] * 101)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "LIMIT_EXCEEDED"


# --- every error status --------------------------------------------------------------------
def test_401_when_not_signed_in(client, zoho):
    response = client.get("/crm/api/Leads/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_SIGNED_IN"


@pytest.mark.parametrize(
    "url",
    [
        "/crm/api/Widgets/",
        "/crm/api/Widgets/fields/",
        "/crm/api/Leads/abc/",
        "/crm/api/Leads/12%2034/",
        "/crm/api/Leads/-5/",
        "/crm/api/Leads/9999999999999999999/",  # 19 digits, but no 64-bit id
    ],
)
def test_400_for_unknown_module_or_non_numeric_id(client, signed_in, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_404_for_a_record_of_another_org(client, sign_in, demo_users):
    user = demo_users["multi_org"]
    sign_in(user["email"], org=user["orgs"][0]["zgid"])
    first_org_id = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]["id"]
    sign_in(user["email"], org=user["orgs"][1]["zgid"])
    assert client.get(f"/crm/api/Leads/{first_org_id}/").status_code == 404
    assert client.delete(f"/crm/api/Leads/{first_org_id}/").status_code == 404
    assert api(client, "patch", f"/crm/api/Leads/{first_org_id}/", {"City": "X"}).status_code == 404


def test_switching_org_shows_only_that_orgs_records(client, sign_in, demo_users):
    from accounts.models import ZohoConnection

    user = demo_users["multi_org"]
    sign_in(user["email"], org=user["orgs"][0]["zgid"])
    sign_in(user["email"], org=user["orgs"][1]["zgid"])
    first, second = ZohoConnection.objects.order_by("pk")
    client.post(f"/accounts/connections/{first.pk}/activate/")
    ids_first = {r["id"] for r in client.get("/crm/api/Leads/?per_page=200").json()["data"]}
    client.post(f"/accounts/connections/{second.pk}/activate/")
    ids_second = {r["id"] for r in client.get("/crm/api/Leads/?per_page=200").json()["data"]}
    assert ids_first and ids_second
    assert not ids_first & ids_second


def test_403_when_the_grant_was_revoked_at_zoho(client, signed_in, zoho):
    from accounts.models import ZohoConnection
    from zoho import oauth as zoho_oauth

    connection = ZohoConnection.objects.get()
    zoho_oauth.token_revoke(
        data_center=connection.data_center, refresh_token=connection.refresh_token
    )
    response = client.get("/crm/api/Leads/")
    assert response.status_code == 403
    assert "Sign in with Zoho again" in response.json()["error"]["message"]
    connection.refresh_from_db()
    assert connection.status == ZohoConnection.Status.NEEDS_RECONSENT
    assert connection.refresh_token  # kept, not lost


def test_invalid_token_mid_request_is_retried_once_after_a_refresh(client, signed_in, zoho):
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.expire_tokens()  # Zoho now rejects the stored, still "fresh" token
    refreshes = zoho.client.stats()["token_calls"].get("refresh_token", 0)
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == 200
    assert zoho.client.stats()["token_calls"].get("refresh_token", 0) == refreshes + 1


def test_an_expired_access_token_is_refreshed_before_the_call(client, signed_in, zoho):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ZohoConnection

    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    ZohoConnection.objects.update(access_token_expires_at=timezone.now() - timedelta(minutes=1))
    zoho.client.expire_tokens()  # as Zoho would have
    before = zoho.client.stats()
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == 200
    after = zoho.client.stats()
    assert (
        after["token_calls"]["refresh_token"] == before["token_calls"].get("refresh_token", 0) + 1
    )
    assert after["api_calls"] == before["api_calls"] + 1  # refreshed first: no rejected call
    assert ZohoConnection.objects.get().access_token_expires_at > timezone.now()


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        # twice: the portal tries a concurrency 429 once more (crm.zoho.runner)
        ({"status": 429, "crm_code": "TOO_MANY_REQUESTS", "count": 2}, 429, "THROTTLED"),
        ({"status": 500, "crm_code": "INTERNAL_ERROR"}, 502, "ZOHO_ERROR"),
        ({"status": 503, "body": "<html>down</html>"}, 502, "ZOHO_ERROR"),
        ({"delay_s": 2.5}, 504, "ZOHO_TIMEOUT"),
    ],
)
def test_zoho_failures_map_to_clear_statuses(
    client, signed_in, zoho, settings, fault, status, code
):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(f"/api/{signed_in.data_center}/crm/v8/Leads", **{"count": 1, **fault})
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert client.get("/crm/api/Leads/?per_page=1").status_code == 200  # next one is fine


def test_bodies_must_be_utf8_json(client, signed_in):
    form = client.post(
        "/crm/api/Leads/", data="Last_Name=x", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415
    bad_json = client.post("/crm/api/Leads/", data="{nope", content_type="application/json")
    assert bad_json.status_code == 400
    not_utf8 = client.post(
        "/crm/api/Leads/", data=b'{"Last_Name": "\xff"}', content_type="application/json"
    )
    assert not_utf8.status_code == 400
    assert api(client, "post", "/crm/api/Leads/", "just a string").status_code == 400
    deep = "[" * 100_000 + "]" * 100_000
    assert (
        client.post("/crm/api/Leads/", data=deep, content_type="application/json").status_code
        == 400
    )
    assert api(client, "post", "/crm/api/Leads/", []).status_code == 400


def test_writes_need_csrf(signed_in, zoho):
    from django.test import Client

    from accounts.models import ZohoConnection

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ZohoConnection.objects.get().user)
    response = strict.post(
        "/crm/api/Leads/", data=json.dumps({"Last_Name": "x"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CSRF_FAILED"  # JSON, like every API error
    assert "X-CSRFToken" in response.json()["error"]["message"]
    assert strict.get("/crm/api/Leads/?q=x").status_code != 403  # reads need no token
    page = strict.post("/accounts/logout/")  # pages keep Django's own failure page
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    token = strict.get("/crm/input/").cookies["csrftoken"].value
    with_token = strict.post(
        "/crm/api/Leads/",
        data=json.dumps({"Company": "Co", "Last_Name": "Tokened"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert with_token.status_code == 201


@pytest.mark.parametrize(
    ("method", "url", "status", "allow"),
    [
        ("put", "/crm/api/Leads/1/", 405, "GET, HEAD, PATCH, DELETE"),
        ("put", "/crm/api/Leads/", 405, "GET, HEAD, POST, PATCH, DELETE"),  # PATCH, DELETE: bulk
        ("post", "/crm/api/modules/", 405, "GET, HEAD"),
        ("get", "/crm/api/Leads/1/tags/", 404, None),
        ("get", "/crm/api/Leads", 404, None),
    ],
)
def test_wrong_methods_and_unknown_api_urls_are_json(client, signed_in, method, url, status, allow):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.json()["error"]["message"]
    assert response.get("Allow") == allow


def test_head_is_allowed_wherever_get_is(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    for url in (
        "/crm/api/modules/",
        "/crm/api/Leads/fields/",
        "/crm/api/Leads/?per_page=1",
        f"/crm/api/Leads/{lead['id']}/",
    ):
        got, head = client.get(url), client.head(url)
        assert head.status_code == 200, url
        assert head["Content-Type"] == got["Content-Type"] == "application/json"
        assert head.content == b""
    assert client.head("/crm/api/Leads/123456789/").status_code == 404  # as GET answers


def test_a_write_that_times_out_says_it_may_have_been_saved(client, signed_in, zoho, settings):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(f"/api/{signed_in.data_center}/crm/v8/Leads", method="POST", delay_s=1.5)
    response = api(client, "post", "/crm/api/Leads/", {"Company": "Co", "Last_Name": "Slowpoke"})
    assert response.status_code == 504
    assert "may still have been saved" in response.json()["error"]["message"]
    # It was: Zoho finished the write after the portal stopped waiting, so "try again" was wrong.
    wait_until(
        lambda: client.get("/crm/api/Leads/", {"q": "Slowpoke"}).json()["data"],
        what="the timed-out write to be at Zoho",
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"data": [{"code": "SUCCESS", "details": {}, "message": "added"}]},  # no status
        {"data": [{"code": "SUCCESS", "details": {}, "message": "added", "status": "success"}]},
    ],
)
def test_a_write_answer_the_portal_cannot_read_is_a_502(client, signed_in, zoho, answer):
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(
        f"/api/{signed_in.data_center}/crm/v8/Leads", method="POST", status=201, body=answer
    )
    response = api(client, "post", "/crm/api/Leads/", {"Company": "Co", "Last_Name": "Garbled"})
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "ZOHO_ERROR"


# --- Zoho's own per-record refusals (values the portal cannot judge, e.g. phone format) ---
def test_zohos_per_record_error_on_a_single_create_names_the_field(client, signed_in, zoho):
    response = api(
        client,
        "post",
        "/crm/api/Leads/",
        {"Company": "Co", "Last_Name": "Dialtone", "Phone": "ring!"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "INVALID_DATA",
        "message": "invalid data",
        "field": "Phone",
    }
    assert _emulator_count(zoho, "/crm/v8/Leads") == 1  # Zoho judged it, once


def test_a_batch_zoho_refuses_entirely_is_a_400_with_every_result(client, signed_in):
    batch = [
        {"Company": "Co", "Last_Name": "Bad Phone", "Phone": "ring!"},
        {"Company": "Co", "Last_Name": "Bad Mobile", "Mobile": "call me!"},
    ]
    response = api(client, "post", "/crm/api/Leads/", batch)
    assert response.status_code == 400
    results = response.json()["data"]
    assert [(r["status"], r["code"], r["field"]) for r in results] == [
        ("error", "INVALID_DATA", "Phone"),
        ("error", "INVALID_DATA", "Mobile"),
    ]
    assert client.get("/crm/api/Leads/", {"q": "Bad Phone"}).json()["data"] == []


def test_a_duplicate_in_a_batch_points_at_the_existing_record(client, signed_in):
    existing = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    response = api(
        client,
        "post",
        "/crm/api/Leads/",
        [
            {"Company": "Co", "Last_Name": "Twin", "Email": existing["Email"]},
            {"Company": "Co", "Last_Name": "Solo"},
        ],
    )
    assert response.status_code == 207
    assert response.json()["data"][0]["duplicate_of"] == existing["id"]


def test_zohos_per_record_error_on_patch_names_the_field(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    response = api(client, "patch", f"/crm/api/Leads/{lead['id']}/", {"Website": "not a site"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Website"


def test_patch_null_clears_an_optional_field_but_not_a_mandatory_one(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    url = f"/crm/api/Leads/{lead['id']}/"
    assert api(client, "patch", url, {"City": "Lisbon"}).status_code == 200
    assert api(client, "patch", url, {"City": None}).status_code == 200
    assert client.get(url).json()["data"]["City"] is None
    refused = api(client, "patch", url, {"Last_Name": None})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "Last_Name"
    assert client.get(url).json()["data"]["Full_Name"] == lead["Full_Name"]
    assert api(client, "patch", url, {}).status_code == 400  # nothing to change


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("page=11&per_page=200", "page"),  # Zoho pages through 2,000 records at most
        ("sort_order=up", "sort_order"),
        ("sort_by=Nope", "sort_by"),
        ("q=a", "q"),
    ],
)
def test_bad_list_parameters_are_400s_naming_the_parameter(client, signed_in, query, field):
    response = client.get(f"/crm/api/Leads/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_a_list_costs_one_zoho_call_once_metadata_is_cached(client, signed_in, zoho):
    client.get("/crm/api/Leads/?per_page=10")  # modules and fields fetched and cached
    before = zoho.client.stats()["api_calls"]
    response = client.get("/crm/api/Leads/?per_page=10&page=2")
    assert response.status_code == 200
    assert zoho.client.stats()["api_calls"] == before + 1


def test_search_by_email_finds_exactly_that_record(client, signed_in):
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    found = client.get("/crm/api/Leads/", {"q": lead["Email"].upper()}).json()
    assert [r["id"] for r in found["data"]] == [lead["id"]]
    assert found["info"]["more_records"] is False


def test_413_for_a_body_over_the_limit(client, signed_in, zoho):
    body = json.dumps({"Last_Name": "x", "Description": "y" * 1_100_000})
    response = client.post("/crm/api/Leads/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "TOO_LARGE"
    assert _emulator_count(zoho, "/crm/v8/Leads") == 0


def _chunked(client, body: bytes, *, terminated: bool = True):
    """A POST as gunicorn hands over a `Transfer-Encoding: chunked` body: no Content-Length,
    the de-chunked body on `wsgi.input`, ended (`wsgi.input_terminated`)."""
    return client.generic(
        "POST",
        "/crm/api/Leads/",
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": terminated},
    )


def test_413_for_a_chunked_body_over_the_limit(client, signed_in, zoho):
    before = _emulator_count(zoho, "/crm/v8/Leads")
    body = json.dumps({"Last_Name": "x", "Description": "y" * 3_000_000}).encode()
    response = _chunked(client, body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "TOO_LARGE"
    assert _emulator_count(zoho, "/crm/v8/Leads") == before


def test_a_small_chunked_body_is_read(client, signed_in):
    response = _chunked(client, json.dumps({"Last_Name": "Chunked", "Company": "Zylker"}).encode())
    assert response.status_code == 201, response.content
    created = client.get(f"/crm/api/Leads/{response.json()['data']['id']}/")
    assert created.json()["data"]["Last_Name"] == "Chunked"


def test_411_for_a_chunked_body_the_server_does_not_end(client, signed_in):
    response = _chunked(client, b'{"Last_Name": "x"}', terminated=False)
    assert response.status_code == 411
    assert "Content-Length" in response.json()["error"]["message"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_413_json_for_a_body_over_djangos_own_upload_limit(client, signed_in, zoho, method):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) Django itself refuses to read the body."""
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    url = "/crm/api/Leads/" if method == "post" else f"/crm/api/Leads/{lead['id']}/"
    before = _emulator_count(zoho, "/crm/v8/Leads")
    body = json.dumps({"Last_Name": "x", "Description": "y" * 3_000_000})
    response = getattr(client, method)(url, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "TOO_LARGE"
    assert "1,000,000 bytes" in error["message"]
    assert _emulator_count(zoho, "/crm/v8/Leads") == before


def test_413_json_when_django_refuses_a_form_body_before_the_view(zoho):
    """With CSRF checks on, Django reads a form-encoded POST body in the middleware, before
    any view: over its upload limit that is the handler400, which answers JSON here too."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies["csrftoken"] = _get_new_csrf_string()  # so the check goes on to the body
    body = "Last_Name=x&Description=" + "y" * 3_000_000
    response = strict.post(
        "/crm/api/Leads/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "TOO_LARGE"
    page = strict.post(
        "/crm/Leads/new/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_an_unexpected_failure_under_the_api_is_a_json_500_without_details(rf):
    from core import views

    response = views.server_error(rf.get("/crm/api/Leads/"))
    assert response.status_code == 500
    error = json.loads(response.content)["error"]
    assert error["code"] == "INTERNAL_ERROR" and "Traceback" not in error["message"]
    assert views.server_error(rf.get("/crm/Leads/"))["Content-Type"].startswith("text/html")


def test_403_when_the_user_has_no_connection_left(client, signed_in):
    from accounts.models import ZohoConnection

    connection = ZohoConnection.objects.get()
    client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert not ZohoConnection.objects.exists()
    response = client.get("/crm/api/Leads/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "NO_CONNECTION"


def test_403_when_zoho_says_the_scopes_do_not_cover_the_call(client, signed_in, zoho):
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(
        f"/api/{signed_in.data_center}/crm/v8/Leads", crm_code="OAUTH_SCOPE_MISMATCH"
    )
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "NEEDS_RECONSENT"
    assert "Sign in with Zoho again" in error["message"]


@pytest.mark.parametrize("code", ["NO_PERMISSION", "FEATURE_NOT_SUPPORTED"])
def test_403_no_permission_is_the_profile_not_the_sign_in(client, signed_in, zoho, code):
    from accounts.models import ZohoConnection

    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(
        f"/api/{signed_in.data_center}/crm/v8/Leads", crm_code=code, status=403, count=2
    )
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == code
    assert "sign in" not in error["message"].lower()
    page = client.get("/crm/Leads/")
    assert page.status_code == 403
    assert "Not allowed by your Zoho profile" in page.text
    assert "Sign in with Zoho again" not in page.text
    # Nothing about the connection changed: it is the profile, not the grant.
    assert ZohoConnection.objects.get().status == ZohoConnection.Status.ACTIVE


def test_429_when_zoho_throttles_the_token_refresh(client, signed_in, zoho):
    from accounts.models import ZohoConnection

    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.expire_tokens()
    zoho.client.add_fault(f"/accounts/{signed_in.data_center}/oauth/v2/token", error="throttle")
    response = client.get("/crm/api/Leads/?per_page=1")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "THROTTLED"
    connection = ZohoConnection.objects.get()
    assert connection.is_active  # a throttle is not a revoked grant


# --- Zoho errors the SDK raises from its own field-metadata call ----------------------------
@pytest.fixture
def fresh_sdk_metadata(settings, tmp_path):
    """An empty SDK field-metadata directory: the next record call makes the SDK fetch fields."""
    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path


def test_a_revoked_grant_found_by_the_sdks_own_fields_call_is_a_403(
    client, signed_in, zoho, fresh_sdk_metadata
):
    from accounts.models import ZohoConnection
    from zoho import oauth as zoho_oauth

    assert client.get("/crm/api/Leads/fields/").status_code == 200  # the portal's metadata
    connection = ZohoConnection.objects.get()
    zoho_oauth.token_revoke(
        data_center=connection.data_center, refresh_token=connection.refresh_token
    )
    response = api(client, "post", "/crm/api/Leads/", {"Company": "Co", "Last_Name": "Revoked"})
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "NEEDS_RECONSENT"
    connection.refresh_from_db()
    assert connection.status == ZohoConnection.Status.NEEDS_RECONSENT


def test_a_token_rejected_at_the_sdks_own_fields_call_is_refreshed_once(
    client, signed_in, zoho, fresh_sdk_metadata
):
    assert client.get("/crm/api/Leads/fields/").status_code == 200
    zoho.client.expire_tokens()
    refreshes = zoho.client.stats()["token_calls"].get("refresh_token", 0)
    response = api(client, "post", "/crm/api/Leads/", {"Company": "Co", "Last_Name": "Refreshed"})
    assert response.status_code == 201, response.content
    assert zoho.client.stats()["token_calls"].get("refresh_token", 0) == refreshes + 1


# --- values are sent to the SDK as the Python types it checks them against ------------------
def test_a_bigint_takes_a_json_number_or_a_string_of_digits(client, signed_in):
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    url = f"/crm/api/Accounts/{account['id']}/"
    for sent, stored in ((123456789012, 123456789012), ("000042", 42), (" 77 ", 77)):
        response = api(client, "patch", url, {"Account_Number": sent})
        assert response.status_code == 200, response.content
        assert client.get(url).json()["data"]["Account_Number"] == stored
    created = api(
        client,
        "post",
        "/crm/api/Accounts/",
        {"Account_Name": "Bigint Holdings", "Account_Number": "987654321987654321"},
    )
    assert created.status_code == 201, created.content
    got = client.get(f"/crm/api/Accounts/{created.json()['data']['id']}/").json()["data"]
    assert got["Account_Number"] == 987654321987654321


def test_a_bigint_that_is_not_a_whole_number_of_18_digits_is_a_400(client, signed_in):
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    url = f"/crm/api/Accounts/{account['id']}/"
    before = client.get(url).json()["data"]["Account_Number"]
    for value in ("12a", "1e3", 1.5, True, "1" * 19, 10**18, "٣"):
        response = api(client, "patch", url, {"Account_Number": value})
        assert response.status_code == 400, (value, response.content)
        assert response.json()["error"]["field"] == "Account_Number"
    assert client.get(url).json()["data"]["Account_Number"] == before


def test_integer_strings_must_be_plain_ascii_digits(client, signed_in):
    for value in ("1_000", "٣", "1e3", "1.0"):
        response = api(
            client,
            "post",
            "/crm/api/Leads/",
            {"Company": "Co", "Last_Name": "X", "No_of_Employees": value},
        )
        assert response.status_code == 400, (value, response.content)
        assert response.json()["error"]["field"] == "No_of_Employees"
    ok = api(
        client,
        "post",
        "/crm/api/Leads/",
        {"Company": "Co", "Last_Name": "Digits", "No_of_Employees": "+25"},
    )
    assert ok.status_code == 201


def test_a_value_the_sdk_refuses_is_a_400_naming_the_field_not_a_502(client, signed_in, zoho):
    """The portal's cached metadata is stale (the field changed at Zoho): the SDK's own type
    check refuses the value before anything is sent. That is the user's value, not Zoho failing."""
    from django.core.cache import cache

    from accounts.models import ZohoConnection
    from crm import metadata

    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    connection = ZohoConnection.objects.get()
    key = metadata.metadata_key(connection, "fields", "Accounts")
    stale = [
        {**f, "data_type": "text"} if f["api_name"] == "Account_Number" else f
        for f in cache.get(key)
    ]
    cache.set(key, stale)
    metadata.forget_local()  # as another worker would see it: only in the shared cache
    before = _emulator_count(zoho, "/crm/v8/Accounts")
    response = api(client, "patch", f"/crm/api/Accounts/{account['id']}/", {"Account_Number": "7"})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["field"] == "Account_Number"
    assert "whole number" in error["message"]
    assert _emulator_count(zoho, "/crm/v8/Accounts") == before  # nothing was sent


def test_fields_carry_zohos_decimal_places(client, signed_in):
    fields = client.get("/crm/api/Deals/fields/").json()["data"]
    amount = next(f for f in fields if f["api_name"] == "Amount")
    assert amount["decimal_place"] == 2


def test_a_number_with_more_decimals_or_digits_than_the_field_holds_is_a_400(
    client, signed_in, zoho
):
    before = _emulator_count(zoho, "/crm/v8/Deals")
    for amount, reason in (
        (1234.567, "more than 2 decimal places"),
        ("1234.567", "more than 2 decimal places"),
        (0.1 + 0.2, "more than 2 decimal places"),
        (12345678901234.0, "more than 13 digits before the point"),  # a float keeps 15
    ):
        body = {"Deal_Name": "Precise", "Stage": "Qualification", "Amount": amount}
        response = api(client, "post", "/crm/api/Deals/", body)
        assert response.status_code == 400, (amount, response.content)
        error = response.json()["error"]
        assert error["field"] == "Amount"
        assert reason in error["message"]
    assert _emulator_count(zoho, "/crm/v8/Deals") == before
    body = {"Deal_Name": "Precise", "Stage": "Qualification", "Amount": "1234567890123.45"}
    created = api(client, "post", "/crm/api/Deals/", body)
    assert created.status_code == 201, created.content
    got = client.get(f"/crm/api/Deals/{created.json()['data']['id']}/").json()["data"]
    assert got["Amount"] == 1234567890123.45


def test_a_whitespace_only_value_is_empty_as_in_the_form(client, signed_in):
    body = {
        "Company": "Co",
        "Last_Name": "Blank Email",
        "Email": "   ",
        "No_of_Employees": " ",
        "City": "\t",
    }
    created = api(client, "post", "/crm/api/Leads/", body)
    assert created.status_code == 201, created.content
    url = f"/crm/api/Leads/{created.json()['data']['id']}/"
    got = client.get(url).json()["data"]
    assert got["Email"] is None and got["No_of_Employees"] is None and got["City"] is None
    assert api(client, "patch", url, {"Email": "blank@example.org"}).status_code == 200
    assert api(client, "patch", url, {"Email": " \n "}).status_code == 200
    assert client.get(url).json()["data"]["Email"] is None  # cleared, as an emptied form field
    refused = api(client, "patch", url, {"Company": "Co", "Last_Name": "  "})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "MANDATORY_NOT_FOUND"
    assert client.get(url).json()["data"]["Last_Name"] == "Blank Email"


def test_a_warm_request_costs_at_most_two_queries(client, signed_in, django_assert_max_num_queries):
    """The session comes from the cache; the user and the connection from one query."""
    assert client.get("/crm/api/Leads/?per_page=5").status_code == 200  # warm: metadata cached
    with django_assert_max_num_queries(2) as captured:
        assert client.get("/crm/api/Leads/?per_page=5").status_code == 200
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "django_session" not in tables
    assert "accounts_zohoconnection" in tables and "auth_user" in tables
