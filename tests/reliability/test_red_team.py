"""A red-team pass's findings: bad input is a clear 4xx, never a 500, and never loses data.

- Text JSON allows but UTF-8 cannot encode (a lone surrogate, `"x\\ud800"`): refused with a
  400 naming the field; and a value like that already stored at Zoho shows as U+FFFD.
- `?next=x` on sign-in: the callback redirects home instead of failing after the code was
  spent.
- The Django admin's password form is throttled.
"""

from __future__ import annotations

import json

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import services
from accounts.models import ZohoConnection
from tests.helpers import path_of, query_of

pytestmark = [pytest.mark.django_db, pytest.mark.signed_in_as("eu")]

LONE_SURROGATE_BODY = '{"Company": "Co", "Last_Name": "x\\ud800", "Email": "lone@example.com"}'


# --- lone surrogates coming in ------------------------------------------------------------------
def test_a_lone_surrogate_is_refused_naming_the_field_and_nothing_is_sent(client, signed_in, zoho):
    client.get("/crm/api/Leads/")  # metadata cached
    before = zoho.client.stats()["api_calls"]
    response = client.post("/crm/api/Leads/", LONE_SURROGATE_BODY, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_DATA" and error["field"] == "Last_Name"
    assert "cannot be encoded" in error["message"]
    assert zoho.client.stats()["api_calls"] == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[{"Last_Name": "fine"}, {"Last_Name": "\\udfff"}]', "Last_Name"),  # one of a batch
        ('{"Owner": {"id": "\\ud83d"}}', "Owner"),  # nested: the field is named
        ('{"Last_\\ud800Name": "x"}', "Last_\\ud800Name"),  # in a key, shown escaped
    ],
)
def test_a_lone_surrogate_anywhere_in_a_create_is_refused(client, signed_in, body, field):
    response = client.post("/crm/api/Leads/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_a_lone_surrogate_in_an_update_is_refused(client, signed_in, zoho):
    lead = client.get("/crm/api/Leads/").json()["data"][0]
    response = client.patch(
        f"/crm/api/Leads/{lead['id']}/", '{"Company": "\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "Company"


def test_a_well_formed_pair_is_text_like_any_other(client, signed_in):
    body = '{"Company": "Co", "Last_Name": "Smile \\ud83d\\ude00"}'  # an emoji, as JSON escapes it
    response = client.post("/crm/api/Leads/", body, content_type="application/json")
    assert response.status_code == 201
    lead_id = response.json()["data"]["id"]
    assert client.get(f"/crm/api/Leads/{lead_id}/").json()["data"]["Last_Name"] == "Smile 😀"


# --- lone surrogates already stored at Zoho -------------------------------------------------------
def test_pages_show_a_value_stored_at_zoho_with_a_lone_surrogate(client, signed_in, zoho):
    connection = signed_in
    api = zoho.api_domain(connection.data_center)
    stored = requests.post(  # another client wrote it straight to Zoho
        f"{api}/crm/v8/Leads",
        data=json.dumps({"data": [json.loads(LONE_SURROGATE_BODY)]}),
        headers={
            "Authorization": f"Zoho-oauthtoken {connection.access_token}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert stored.status_code == 201, stored.text
    lead_id = stored.json()["data"][0]["details"]["id"]

    for path in (
        "/crm/Leads/",
        "/crm/Leads/?q=lone@example.com",
        f"/crm/Leads/{lead_id}/",
        f"/crm/Leads/{lead_id}/edit/",
        f"/crm/Leads/{lead_id}/delete/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "x\ufffd" in response.text, path
    record = client.get(f"/crm/api/Leads/{lead_id}/").json()["data"]
    assert record["Last_Name"] == "x\ufffd"
    # Nothing was lost: the record is still at Zoho, and other pages work for everyone.
    assert client.get("/crm/Contacts/").status_code == 200


# --- next -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "next_url",
    ["x", "home", "crm/Leads/", "?a=b", "#top", "http://testserver/crm/Leads/", "accounts:login"],
)
def test_a_next_that_is_not_a_local_path_lands_home(sign_in, demo_users, next_url):
    response = sign_in(demo_users["by_dc"]["us"][0]["email"], next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ZohoConnection.objects.count() == 1  # the spent code was not wasted


def test_a_local_path_with_a_query_is_kept(sign_in, demo_users):
    response = sign_in(demo_users["by_dc"]["us"][0]["email"], next_url="/crm/Leads/?page=2")
    assert response["Location"] == "/crm/Leads/?page=2"


def test_a_bad_next_already_in_a_session_lands_home(sign_in, client, demo_users):
    """A sign-in started before `next` had to be a path: its session may still hold `x`."""
    callback = sign_in.authorize(demo_users["by_dc"]["us"][0]["email"])
    session = client.session
    session[services.SESSION_OAUTH_KEY][query_of(callback)["state"]]["next"] = "x"
    session.save()
    response = client.get(path_of(callback))
    assert response.status_code == 302 and response["Location"] == "/"


# --- the admin's password form --------------------------------------------------------------------
def _admin_attempt(address: str, username: str, password: str) -> int:
    return (
        Client(REMOTE_ADDR=address)
        .post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
        .status_code
    )


def test_admin_sign_in_is_throttled_per_address_and_per_user_name(settings):
    settings.ADMIN_LOGIN_RATE_LIMIT = (3, 60)
    get_user_model().objects.create_superuser("root", "root@example.com", "right-password")
    wrong = [_admin_attempt("192.0.2.1", "root", "guess") for _ in range(3)]
    assert wrong == [200, 200, 200]  # the form again, with its error
    # Over the limit the password is not even checked: the right one is refused too.
    assert _admin_attempt("192.0.2.1", "root", "right-password") == 429
    assert _admin_attempt("192.0.2.1", "someone-else", "guess") == 429  # same address
    # Another address guessing the same account is counted against the account as well.
    assert _admin_attempt("198.51.100.2", "ROOT", "guess") == 429
    # Anyone else, elsewhere, signs in as usual.
    get_user_model().objects.create_superuser("ops", "ops@example.com", "ops-password")
    assert _admin_attempt("203.0.113.5", "ops", "ops-password") == 302


def test_showing_the_admin_sign_in_form_is_not_counted(settings):
    settings.ADMIN_LOGIN_RATE_LIMIT = (1, 60)
    client = Client(REMOTE_ADDR="192.0.2.7")
    assert [client.get("/admin/login/").status_code for _ in range(3)] == [200, 200, 200]
    assert _admin_attempt("192.0.2.7", "nobody", "x") == 200
    assert _admin_attempt("192.0.2.7", "nobody", "x") == 429
    page = Client(REMOTE_ADDR="192.0.2.7").post("/admin/login/", {"username": "a"})
    assert "Too many sign-in attempts" in page.text


def test_the_admin_user_name_counter_reads_the_name_as_djangos_form_does(settings):
    """`ｒtadmin` (a fullwidth r) signs in as `rtadmin`: Django's form NFKC-normalises the
    name. It must count against `rtadmin`'s attempts, not open a fresh counter."""
    settings.ADMIN_LOGIN_RATE_LIMIT = (3, 60)
    get_user_model().objects.create_superuser("rtadmin", "rt@example.com", "right-password")
    # The premise: Django itself takes the fullwidth spelling for the account.
    assert _admin_attempt("192.0.2.20", "\uff52tadmin", "right-password") == 302
    guesses = ["rtadmin", "\uff52tadmin", " RTADMIN ", "\uff32\uff34admin"]
    answers = [_admin_attempt(f"192.0.2.{30 + i}", name, "guess") for i, name in enumerate(guesses)]
    # Four addresses, four spellings, one account: the first attempt above plus two guesses
    # reach the limit of 3, the rest are refused without a password check.
    assert answers == [200, 200, 429, 429]
    assert _admin_attempt("192.0.2.40", "\uff52tadmin", "right-password") == 429
