"""Zoho metadata is fetched once per org and Zoho profile, shared by every connection, process
and host of them (zoho/metadata_scope.py, crm/metadata.py), and refreshed by a TTL, the
admin's "Refresh Zoho metadata" and answers that show it stale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import ZohoConnection
from crm import metadata
from tests.helpers import PATRICIA, ZYLKER_TRADERS, connect_straight
from zoho import metadata_scope, sdk_patches
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db

ELENA = "elena.vasquez@zylker-traders.com"  # Zylker Traders, Administrator, like Patricia
DANA = "dana.ortiz@zylker-traders.com"  # Zylker Traders, "Field Sales (restricted)"
PARTNER = "3652397000000091077"  # the Partner Leads layout (zoho_emulator/field_rules.py)


# A user's custom views (settings/custom_views) are theirs, not their profile's: Zoho shares
# a view with users, roles or groups. They are read per connection (crm/list_filters.py), so
# they are not counted among what an org and profile share.
PER_USER = ("/settings/custom_views",)


def settings_calls(zoho) -> int:
    """Calls to Zoho's settings APIs (modules, fields, layouts, related lists) so far."""
    paths = zoho.client.stats()["api_calls_by_path"]
    return sum(
        count
        for path, count in paths.items()
        if "/crm/v8/settings/" in path and not path.endswith(PER_USER)
    )


def calls_to(zoho, suffix: str) -> int:
    paths = zoho.client.stats()["api_calls_by_path"]
    return sum(count for path, count in paths.items() if path.endswith(suffix))


def signed_in_as(zoho, email: str) -> tuple[Client, ZohoConnection]:
    client = Client()
    connection = connect_straight(zoho, email, ZYLKER_TRADERS, client)
    return client, ZohoConnection.objects.select_related("org").get(pk=connection.pk)


def field_names(module) -> set[str]:
    return {f.api_name for f in module.fields}


# --- one fetch per org and profile --------------------------------------------------------------
def test_two_connections_of_one_org_and_profile_fetch_its_metadata_once(zoho):
    patricia_client, patricia = signed_in_as(zoho, PATRICIA)
    elena_client, elena = signed_in_as(zoho, ELENA)
    assert patricia.zoho_profile_name == elena.zoho_profile_name == "Administrator"
    assert patricia.metadata_scope == elena.metadata_scope

    assert patricia_client.get("/crm/Leads/").status_code == 200
    first = settings_calls(zoho)
    assert calls_to(zoho, "/settings/fields") >= 2  # the portal's, and the SDK's field file

    metadata.forget_local()  # Elena's request as another worker serves it: the cache only
    page = elena_client.get("/crm/Leads/")
    assert page.status_code == 200
    assert "Elena Vasquez" in page.text or "elena.vasquez" in page.text
    assert settings_calls(zoho) == first  # modules, fields, layouts: all from the cache
    # Elena's SDK wrote a field file of her own, copied from the shared one
    assert list(zoho_sdk.resource_dir_path(elena.pk).glob("m-*/resources/*.json"))


def test_two_profiles_of_one_org_have_metadata_of_their_own(zoho):
    patricia_client, patricia = signed_in_as(zoho, PATRICIA)
    dana_client, dana = signed_in_as(zoho, DANA)
    assert patricia.metadata_scope != dana.metadata_scope

    assert patricia_client.get("/crm/Leads/").status_code == 200  # the Administrator's first
    first = settings_calls(zoho)
    metadata.forget_local()
    assert dana_client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) > first  # Dana's profile's own, fetched for her

    admin_leads = metadata.module_get(connection=patricia, module="Leads")
    dana_leads = metadata.module_get(connection=dana, module="Leads")
    assert "Annual_Revenue" in field_names(admin_leads)
    assert "Annual_Revenue" not in field_names(dana_leads)  # hidden from her profile
    assert "Annual_Revenue" in dana_leads.hidden
    assert admin_leads.field("Rating").editable and not dana_leads.field("Rating").editable
    lead = dana_client.get("/crm/api/Leads/?per_page=1").json()["data"][0]
    for page in (f"/crm/Leads/{lead['id']}/", f"/crm/Leads/{lead['id']}/edit/", "/crm/Leads/new/"):
        text = dana_client.get(page).text
        assert "Annual Revenue" not in text and "Annual_Revenue" not in text, page
    # The SDK's shared field files are apart too
    assert cache.get(f"sdk-fields:{patricia.metadata_scope}")["contents"]["leads"]
    assert cache.get(f"sdk-fields:{dana.metadata_scope}")["contents"]["leads"]
    # and the Administrator still sees what her profile may
    metadata.forget_local()
    assert "Annual Revenue" in patricia_client.get(f"/crm/Leads/{lead['id']}/").text


def test_keys_carry_the_installed_sdks_version(zoho, monkeypatch):
    client, connection = signed_in_as(zoho, PATRICIA)
    version = sdk_patches.installed_version()
    assert version and connection.metadata_scope.startswith(f"{version}:us:{ZYLKER_TRADERS}:")
    assert metadata.metadata_key(connection, "modules").startswith(f"crm:meta:{version}:")
    assert client.get("/crm/Leads/").status_code == 200
    first = settings_calls(zoho)
    assert cache.get(f"sdk-fields:{connection.metadata_scope}")["contents"]["leads"]

    # Another SDK release in the same fleet (a rolling upgrade) reads none of these entries
    monkeypatch.setattr(metadata_scope, "sdk_version", lambda: "7.9.9")
    metadata.forget_local()
    assert connection.metadata_scope.startswith("7.9.9:")
    assert client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) > first
    assert calls_to(zoho, "/settings/fields") >= 4  # the SDK's field file too


def test_a_connection_without_a_known_profile_shares_nothing(zoho):
    patricia_client, patricia = signed_in_as(zoho, PATRICIA)
    elena_client, elena = signed_in_as(zoho, ELENA)
    ZohoConnection.objects.filter(pk=elena.pk).update(zoho_profile_id="", zoho_profile_name="")
    elena.refresh_from_db()
    assert elena.metadata_scope.endswith(f":user-{elena.zoho_user_id}")
    assert patricia_client.get("/crm/Leads/").status_code == 200
    first = settings_calls(zoho)
    metadata.forget_local()
    assert elena_client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) > first


def test_sign_in_stores_the_zoho_profile(sign_in, zoho):
    response = sign_in(DANA, org=ZYLKER_TRADERS)
    assert response.status_code == 302
    connection = ZohoConnection.objects.get()
    assert connection.zoho_profile_name == "Field Sales (restricted)"
    assert connection.zoho_profile_id.startswith("4150868")  # the org's id prefix


# --- refreshed: by an operator, and by answers that show it stale --------------------------------
def test_the_admin_action_drops_the_orgs_metadata_and_the_next_page_fetches_it(zoho, admin_client):
    client, connection = signed_in_as(zoho, PATRICIA)
    _dana_client, _dana = signed_in_as(zoho, DANA)
    assert client.get("/crm/Leads/").status_code == 200
    assert client.get("/crm/Leads/").status_code == 200
    warm = settings_calls(zoho)
    assert client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) == warm  # nothing fetched again while cached

    response = admin_client.post(
        "/admin/accounts/zohoorg/",
        {"action": "refresh_zoho_metadata", "_selected_action": [connection.org_id]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Zylker Traders Inc. (US): cached Zoho metadata dropped for every profile" in text
    assert "Administrator, Field Sales (restricted)" in text

    assert client.get("/crm/Leads/").status_code == 200
    assert calls_to(zoho, "/settings/modules") > 0
    assert settings_calls(zoho) > warm
    again = settings_calls(zoho)
    assert client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) == again


def test_a_staff_user_without_change_permission_cannot_refresh(zoho, staff_client):
    _client, connection = signed_in_as(zoho, PATRICIA)
    before = metadata_scope.generation("us", ZYLKER_TRADERS)
    staff_client.post(
        "/admin/accounts/zohoorg/",
        {"action": "refresh_zoho_metadata", "_selected_action": [connection.org_id]},
    )
    metadata_scope.forget_local()
    assert metadata_scope.generation("us", ZYLKER_TRADERS) == before


def test_a_refresh_reaches_other_processes_through_the_shared_generation(zoho):
    _client, connection = signed_in_as(zoho, PATRICIA)
    scope = connection.metadata_scope
    cache.set(f"zoho-meta-gen:us:{ZYLKER_TRADERS}", "another", 60)  # another host refreshed
    assert connection.metadata_scope == scope  # this process trusts its copy a few seconds
    metadata_scope.forget_local()  # ... then reads the shared one
    assert connection.metadata_scope != scope
    assert ":another:" in connection.metadata_scope


def _partner_lead(client) -> str:
    made = client.post(
        f"/crm/Leads/new/?layout={PARTNER}",
        {"Last_Name": "Partnered", "Email": "partnered@example.org", "Lead_Source": "Partner"},
    )
    assert made.status_code == 302, made.content
    return made["Location"].rstrip("/").split("/")[-1]


def _forget_partner_layout(connection):
    """The cached layouts as they were before Zoho's admin added Partner Leads."""
    key = metadata.metadata_key(connection, "layouts", "Leads")
    layouts = cache.get(key)
    assert [lay["id"] for lay in layouts][-1] == PARTNER
    cache.set(key, [lay for lay in layouts if lay["id"] != PARTNER], 300)
    metadata.forget_local()


def test_a_records_layout_unknown_to_the_metadata_refreshes_it_once(zoho):
    client, connection = signed_in_as(zoho, PATRICIA)
    lead = _partner_lead(client)
    _forget_partner_layout(connection)
    before = calls_to(zoho, "/settings/layouts")

    page = client.get(f"/crm/Leads/{lead}/edit/")
    assert page.status_code == 200
    assert f'<option value="{PARTNER}" selected>' in page.text or PARTNER in page.text
    assert "<legend>Partner Lead Information</legend>" in page.text
    assert calls_to(zoho, "/settings/layouts") == before + 1  # dropped and fetched once

    # The SDK's own files of the new generation, for the record read before the refresh
    assert client.get(f"/crm/Leads/{lead}/edit/").status_code == 200
    # Still unknown (Zoho keeps naming a layout it does not describe): never again, no loop
    _forget_partner_layout(connection)
    fetched = settings_calls(zoho)
    assert client.get(f"/crm/Leads/{lead}/edit/").status_code == 200
    assert client.get(f"/crm/Leads/{lead}/edit/").status_code == 200
    assert settings_calls(zoho) == fetched


def test_a_layout_a_user_names_never_refreshes(zoho):
    client, connection = signed_in_as(zoho, PATRICIA)
    lead = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]["id"]
    assert client.get("/crm/Leads/new/").status_code == 200
    scope = connection.metadata_scope
    for layout in ("1", "2", "3"):
        client.get(f"/crm/Leads/{lead}/edit/?layout={layout}")
        client.get(f"/crm/Leads/new/?layout={layout}")
    assert connection.metadata_scope == scope


def test_zoho_saying_a_field_is_mandatory_refreshes_the_layouts_once(zoho):
    client, connection = signed_in_as(zoho, PATRICIA)
    assert client.get("/crm/Leads/new/").status_code == 200  # metadata cached: Mobile optional
    zoho.client.layout_required(ZYLKER_TRADERS, "Leads", "Mobile", True)  # Zoho's admin
    values = {"Last_Name": "Stale", "Company": "Stale Ltd"}
    refused = client.post("/crm/Leads/new/", values)
    assert refused.status_code == 400  # Zoho's MANDATORY_NOT_FOUND, on the form
    before = calls_to(zoho, "/settings/layouts")
    page = client.get("/crm/Leads/new/")
    assert calls_to(zoho, "/settings/layouts") == before + 1
    assert 'name="Mobile"' in page.text and "required" in page.text.split('name="Mobile"')[1][:200]
    writes = calls_to(zoho, "/crm/v8/Leads")
    assert client.post("/crm/Leads/new/", values).status_code == 400  # refused here now
    assert calls_to(zoho, "/crm/v8/Leads") == writes


def test_the_consent_page_lists_the_second_administrator(client, zoho):
    import requests

    start = client.get("/accounts/login/")
    page = requests.get(start["Location"], timeout=30).text
    assert "Elena Vasquez" in page and ELENA in page
    assert page.count("Zylker Traders Inc.") >= 4  # Patricia, Marcus, Dana and Elena


def test_housekeeping_removes_scope_folders_no_longer_used(zoho, settings, tmp_path):
    import os
    import time

    from accounts.services import housekeeping

    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path
    client, connection = signed_in_as(zoho, PATRICIA)
    assert client.get("/crm/Leads/").status_code == 200
    before = {p.name for p in zoho_sdk.resource_dir_path(connection.pk).glob("m-*")}
    assert len(before) == 1
    metadata_scope.org_refresh("us", ZYLKER_TRADERS)
    assert client.get("/crm/Leads/").status_code == 200
    folders = sorted(zoho_sdk.resource_dir_path(connection.pk).glob("m-*"))
    assert len(folders) == 2
    assert housekeeping.sdk_scope_folders_prune() == []  # the old one was touched just now
    (old,) = [f for f in folders if f.name in before]
    an_hour_ago = time.time() - 3700
    for path in (old, *old.rglob("*")):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert housekeeping.sdk_scope_folders_prune() == [f"connection-{connection.pk}/{old.name}"]
    (current,) = zoho_sdk.resource_dir_path(connection.pk).glob("m-*")
    assert current.name == zoho_sdk.scope_folder_name(connection.metadata_scope)
    assert client.get("/crm/Leads/").status_code == 200


def test_without_an_answering_cache_the_generation_stays_put(monkeypatch):
    """Redis down: nothing is shared, but the scope (hence this host's SDK files) stays one."""
    from core.cache import MISSING

    def refuse(*args, **kwargs):
        raise OSError("no cache")

    monkeypatch.setattr(metadata_scope, "cache_get", lambda key: MISSING)
    monkeypatch.setattr(metadata_scope.cache, "add", refuse)
    metadata_scope.forget_local()
    first = metadata_scope.generation("us", ZYLKER_TRADERS)
    metadata_scope.forget_local()
    assert metadata_scope.generation("us", ZYLKER_TRADERS) == first == metadata_scope.NO_CACHE
