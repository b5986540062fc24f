"""The org's module list is asked with the sign-in's users and org, in the same round trip,
when the data center's recent sign-ins suggest it is not cached (accounts/sign_in_prefetch.py,
crm/apps.py), and kept for the org and profile Zoho's answer names: the dashboard after a
first user's sign-in makes no `settings/modules` call, a second user of the org and profile
pays none at sign-in, and another profile never gets this profile's list."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import ZohoConnection
from accounts.services import warm_up as warm_up_dispatcher
from crm import metadata
from tests.crm.test_metadata_sharing import DANA, ELENA, calls_to
from tests.helpers import PATRICIA, ZYLKER_TRADERS, SignIn

MODULES = "/settings/modules"
HELD_S = 0.4  # how long the emulator holds each identity call: long enough to overlap


@pytest.fixture
def prefetching(settings, monkeypatch):
    """The prefetch on (as deployed: with the warm-up after sign-in), the warm-up itself
    left out: only the sign-in's own calls are counted."""
    settings.ZOHO_WARM_UP_AFTER_SIGN_IN = True
    monkeypatch.setattr(warm_up_dispatcher, "warm_up_dispatch", lambda connection: None)


def signed_in(zoho, email: str) -> tuple[Client, ZohoConnection]:
    """`email` through the whole sign-in (consent, callback) on a browser of their own."""
    client = Client()
    response = SignIn(client, zoho)(email, org=ZYLKER_TRADERS)
    assert response.status_code == 302, response
    connection = ZohoConnection.objects.select_related("org").get(email=email)
    metadata.forget_local()  # the next request as another worker would serve it
    return client, connection


def test_the_module_list_is_read_with_users_and_org_at_once(zoho, db, prefetching):
    for path in ("users", "org", "settings/modules"):
        zoho.client.add_fault(f"/api/us/crm/v8/{path}", delay_s=HELD_S)
    client, _connection = signed_in(zoho, PATRICIA)
    stats = zoho.client.stats()
    assert calls_to(zoho, MODULES) == calls_to(zoho, "/crm/v8/users") == 1
    assert calls_to(zoho, "/crm/v8/org") == 1
    assert stats["api_in_flight_max"] == 3  # one round trip for all three

    page = client.get("/")
    assert page.status_code == 200
    assert 'data-part-url="/crm/dashboard/tiles/Leads/"' in page.text  # its tiles placed
    assert calls_to(zoho, MODULES) == 1  # from the cache: the sign-in read it


def test_a_second_user_of_the_org_and_profile_asks_for_no_module_list(zoho, db, prefetching):
    signed_in(zoho, PATRICIA)
    assert calls_to(zoho, MODULES) == 1
    client, elena = signed_in(zoho, ELENA)
    assert calls_to(zoho, MODULES) == 1  # Patricia's sign-in read it for both
    assert client.get("/").status_code == 200
    assert calls_to(zoho, MODULES) == 1
    assert elena.zoho_profile_name == "Administrator"


def test_another_profile_never_gets_this_profiles_module_list(zoho, db, prefetching):
    """Dana (Field Sales, restricted) signs in first: her list is kept under her profile.
    Patricia (Administrator) then signs in; the recent sign-in's list is cached, so nothing
    is asked with her identity, and her dashboard reads the list her profile sees."""
    dana_client, dana = signed_in(zoho, DANA)
    assert calls_to(zoho, MODULES) == 1
    patricia_client, patricia = signed_in(zoho, PATRICIA)
    assert calls_to(zoho, MODULES) == 1  # the guess: like the last sign-in's, cached
    assert patricia_client.get("/").status_code == 200
    assert calls_to(zoho, MODULES) == 2  # her profile's own

    dana_tabs = {m["api_name"] for m in metadata.module_list(connection=dana)}
    admin_tabs = {m["api_name"] for m in metadata.module_list(connection=patricia)}
    assert "Quotes" in admin_tabs and "Quotes" not in dana_tabs  # denied to her profile
    assert "Quotes" not in dana_client.get("/").text
    assert calls_to(zoho, MODULES) == 2


def test_a_failed_module_list_leaves_the_sign_in_and_the_page_to_ask(zoho, db, prefetching):
    zoho.client.add_fault("/api/us/crm/v8/settings/modules", status=500, error="INTERNAL_ERROR")
    client, _connection = signed_in(zoho, PATRICIA)  # signed in all the same
    assert calls_to(zoho, MODULES) == 1
    assert client.get("/").status_code == 200
    assert calls_to(zoho, MODULES) == 2  # the page asked again


def test_once_the_list_expired_the_next_sign_in_asks_again(zoho, db, prefetching):
    _client, patricia = signed_in(zoho, PATRICIA)
    cache.delete(metadata.metadata_key(patricia, "modules"))  # its TTL passed
    client, _elena = signed_in(zoho, ELENA)
    assert calls_to(zoho, MODULES) == 2  # with Elena's users and org
    assert client.get("/").status_code == 200
    assert calls_to(zoho, MODULES) == 2
