"""A restricted Zoho profile: modules it may not see are not offered and answer 403
NO_PERMISSION; modules it may only read offer no create, edit or delete. Never "sign in
again": signing in changes nothing about a profile."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

DANA = "dana.ortiz@zylker-traders.com"  # Zylker Traders (us), a restricted profile
US_ORG = "720019234"


@pytest.fixture
def restricted(connect, zoho):
    connect(DANA, org=US_ORG)
    profile = next(u for u in zoho.client.users() if u["email"] == DANA)
    return next(o for o in profile["orgs"] if o["zgid"] == US_ORG)


def test_the_emulator_gives_dana_a_restricted_profile(restricted):
    assert "Quotes" in restricted["denied_modules"]
    assert "Accounts" in restricted["read_only_modules"]


def test_a_module_the_profile_may_not_see_is_neither_offered_nor_reachable(
    client, restricted, zoho
):
    offered = {m["api_name"] for m in client.get("/crm/api/modules/").json()["data"]}
    assert "Leads" in offered and "Quotes" not in offered
    assert 'href="/crm/Quotes/"' not in client.get("/").text
    before = zoho.client.stats()["api_calls"]
    api = client.get("/crm/api/Quotes/")
    assert api.status_code == 403
    error = api.json()["error"]
    assert error["code"] == "NO_PERMISSION" and "profile" in error["message"]
    page = client.get("/crm/Quotes/")
    assert page.status_code == 403
    assert "Not allowed by your Zoho profile" in page.text
    assert "Sign in with Zoho again" not in page.text
    assert zoho.client.stats()["api_calls"] == before  # decided from the metadata


def test_a_read_only_module_lists_and_shows_but_offers_no_change(client, restricted, zoho):
    listing = client.get("/crm/Accounts/")
    assert listing.status_code == 200
    assert 'href="/crm/Accounts/new/"' not in listing.text
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]["id"]
    detail = client.get(f"/crm/Accounts/{account}/")
    assert detail.status_code == 200
    assert f"/crm/Accounts/{account}/edit/" not in detail.text
    assert f"/crm/Accounts/{account}/delete/" not in detail.text
    before = zoho.client.stats()["api_calls"]
    for url in ("/crm/Accounts/new/", f"/crm/Accounts/{account}/edit/"):
        refused = client.get(url)
        assert refused.status_code == 403 and "Not allowed by your Zoho profile" in refused.text
    for method, url, body in (
        ("post", "/crm/api/Accounts/", {"Account_Name": "Not allowed"}),
        ("patch", f"/crm/api/Accounts/{account}/", {"Phone": "1"}),
        ("delete", f"/crm/api/Accounts/{account}/", None),
    ):
        extra = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
        answer = getattr(client, method)(url, **extra)
        assert answer.status_code == 403, (method, answer.content)
        assert answer.json()["error"]["code"] == "NO_PERMISSION"
    assert zoho.client.stats()["api_calls"] == before  # nothing sent
    assert client.get(f"/crm/api/Accounts/{account}/").status_code == 200  # still there


def test_zoho_refusing_a_write_the_metadata_allowed_is_a_403_too(client, restricted, zoho):
    """Permissions changed at Zoho after the portal cached the module's metadata."""
    from django.core.cache import cache

    from accounts.models import ZohoConnection
    from crm import metadata

    client.get("/crm/api/Accounts/fields/")  # metadata cached
    connection = ZohoConnection.objects.get()
    cached = cache.get(metadata.metadata_key(connection, "modules"))
    for module in cached:
        if module["api_name"] == "Accounts":
            module["creatable"] = True  # stale: the profile lost it since
    cache.set(metadata.metadata_key(connection, "modules"), cached)
    metadata.forget_local()  # this process's copy, as another process would not have it
    answer = client.post(
        "/crm/api/Accounts/", data={"Account_Name": "Stale"}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "NO_PERMISSION"


def test_quick_input_offers_only_modules_the_profile_may_create_in(client, restricted):
    page = client.get("/crm/input/")
    assert page.status_code == 200
    assert '<option value="Leads" selected>' in page.text
    assert 'value="Accounts"' not in page.text and 'value="Quotes"' not in page.text
    refused = client.get("/crm/input/?module=Accounts")
    assert refused.status_code == 403 and "Not allowed by your Zoho profile" in refused.text
