"""Properties 22-26: tenants (SECURITY.md "Tenants"), through the crm JSON API.

Every request goes through the whole Django stack (sessions, middleware, the crm views)
and the real SDK to the emulator over real HTTP.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.test import Client
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations

from accounts import services
from accounts.models import ZohoConnection, ZohoOrg
from tests.accounts.sdk_state import sdk_thread_state
from tests.helpers import SignIn
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db


def _signed_in_client(zoho, email: str, org: str | None = None) -> Client:
    client = Client()
    response = SignIn(client, zoho)(email, org=org)
    assert response.status_code == 302, response
    return client


def _active(client: Client) -> ZohoConnection:
    return ZohoConnection.objects.get(pk=client.session[services.SESSION_ACTIVE_KEY])


def _lead_ids(client: Client) -> set[str]:
    response = client.get("/crm/api/Leads/", {"per_page": 200})
    assert response.status_code == 200, response.content
    return {record["id"] for record in response.json()["data"]}


@pytest.fixture
def tenants(zoho, demo_users) -> list[Client]:
    """Five sessions in three DCs: Patricia in both her orgs, Marcus in the org they share,
    Sofia (eu) and Arjun (in)."""
    patricia = demo_users["multi_org"]
    clients = [_signed_in_client(zoho, patricia["email"], org["zgid"]) for org in patricia["orgs"]]
    marcus = next(u for u in demo_users["by_dc"]["us"] if u["email"] != patricia["email"])
    clients.append(_signed_in_client(zoho, marcus["email"]))
    clients.append(_signed_in_client(zoho, demo_users["by_dc"]["eu"][0]["email"]))
    clients.append(_signed_in_client(zoho, demo_users["by_dc"]["in"][0]["email"]))
    assert {_active(c).data_center for c in clients} == {"us", "eu", "in"}
    return clients


# --- 22. no inherited SDK state -------------------------------------------------------------
@pytest.mark.security(22)
def test_p22_every_request_leaves_the_sdk_thread_local_empty(tenants):
    client = tenants[0]
    for path in ("/", "/accounts/connections/", "/crm/api/Leads/"):
        Initializer.LOCAL.init = object()  # as if a code path had forgotten to clean up
        assert client.get(path).status_code == 200
        assert sdk_thread_state() is None, path


@pytest.mark.security(22)
def test_p22_an_sdk_call_after_a_request_does_not_run_as_that_requests_user(
    tenants, zoho, outbound
):
    assert tenants[0].get("/crm/api/Leads/", {"per_page": 5}).status_code == 200
    outbound.calls.clear()
    with pytest.raises(SDKException) as raised:  # same thread, no activation
        OrgOperations().get_organization()
    assert isinstance(raised.value.cause, zoho_sdk.NoActiveConnection)
    assert len(outbound) == 0


@pytest.mark.security(22)
def test_p22_an_sdk_call_on_a_fresh_thread_fails_closed(tenants, outbound):
    errors: list[BaseException] = []

    def bare_call():
        try:
            OrgOperations().get_organization()
        except SDKException as error:
            errors.append(error.cause)
        finally:
            db_connection.close()

    worker = threading.Thread(target=bare_call)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], zoho_sdk.NoActiveConnection)
    assert len(outbound) == 0


@pytest.mark.security(22)
def test_p22_a_foreign_initialisation_of_the_sdk_is_undone_before_the_next_call(
    tenants, zoho, outbound, tmp_path
):
    """Whatever re-initialises the SDK's global state with a real token (a script, a test of
    the SDK itself), the portal checks what the SDK holds, not a flag of its own: the next
    request puts the refusing token back, and a bare call fails closed again."""
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
    from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    real = OAuthToken(access_token=_active(tenants[0]).access_token)
    api = zoho.api_domain("us")
    Initializer.initialize(
        environment=DataCenter.Environment(api, zoho.token_url("us"), api),
        token=real,
        store=FileStore(str(tmp_path / "sdk_tokens.txt")),  # the SDK's default is the cwd
        resource_path=str(tmp_path),
    )
    assert not zoho_sdk._holds_ours()
    assert tenants[1].get("/crm/api/Leads/?per_page=1").status_code == 200  # a request
    assert zoho_sdk._holds_ours()
    outbound.calls.clear()
    test_p22_an_sdk_call_on_a_fresh_thread_fails_closed(tenants, outbound)


def test_the_sdks_delete_every_token_never_wipes_every_tenant(tenants):
    from accounts.token_store import DjangoTokenStore

    before = ZohoConnection.objects.count()
    DjangoTokenStore().delete_tokens()
    assert ZohoConnection.objects.count() == before > 0


# --- 23. isolation under load ---------------------------------------------------------------
WORKERS = 16
REQUESTS = 500  # in all, interleaved over the workers and the five sessions


@pytest.mark.security(23)
@pytest.mark.django_db(transaction=True)
def test_p23_sixteen_workers_500_interleaved_requests_stay_in_their_tenant(tenants, zoho):
    connections = [_active(client) for client in tenants]
    expected = [_lead_ids(client) for client in tenants]  # warm: metadata now cached
    assert expected[0] != expected[1]  # Patricia's two orgs hold different records
    # Who runs what: REQUESTS (session, worker) pairs, shuffled, so neighbours interleave.
    plan = [index % len(tenants) for index in range(REQUESTS)]
    random.Random(23).shuffle(plan)
    per_worker = [plan[w::WORKERS] for w in range(WORKERS)]
    # Each worker gets its own Client per session (Django's test client is not thread-safe).
    cookies = [client.cookies for client in tenants]
    before = zoho.client.stats()["api_calls_by_access_token"]
    failures: list[str] = []
    done = Counter()
    guard = threading.Lock()
    barrier = threading.Barrier(WORKERS)

    def worker(jobs: list[int]):
        own = [Client() for _ in tenants]
        for client, jar in zip(own, cookies, strict=True):
            client.cookies = jar.__class__(jar)
        try:
            barrier.wait()
            for index in jobs:
                response = own[index].get("/crm/api/Leads/", {"per_page": 200})
                got = {record["id"] for record in response.json().get("data", [])}
                with guard:
                    done[index] += 1
                    if response.status_code != 200 or got != expected[index]:
                        failures.append(
                            f"session {index}: {response.status_code} {got ^ expected[index]}"
                        )
                if sdk_thread_state() is not None:
                    failures.append("thread-local left behind")
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(jobs,)) for jobs in per_worker]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert sum(done.values()) == REQUESTS
    # Every upstream call carried the token of the session that made it: one call each.
    after = zoho.client.stats()["api_calls_by_access_token"]
    for index, connection in enumerate(connections):
        token = ZohoConnection.objects.get(pk=connection.pk).access_token
        assert after.get(token, 0) - before.get(token, 0) == done[index], connection.email
    assert sum(after.values()) - sum(before.values()) == REQUESTS


# --- 24. another user's connection, another org's record -------------------------------------
@pytest.mark.security(24)
def test_p24_another_users_connection_cannot_be_activated_switched_or_disconnected(tenants, zoho):
    mine, theirs = tenants[3], tenants[4]  # Sofia (eu), Arjun (in)
    their_connection = _active(theirs)
    my_connection = _active(mine)
    for path, data in [
        (f"/accounts/connections/{their_connection.pk}/activate/", {}),
        ("/accounts/connections/switch/", {"connection": their_connection.pk}),
        (f"/accounts/connections/{their_connection.pk}/disconnect/", {}),
    ]:
        assert mine.post(path, data).status_code == 404
    assert _active(mine) == my_connection
    assert ZohoConnection.objects.filter(pk=their_connection.pk).exists()
    alive = {t["token"]: t["alive"] for t in zoho.client.tokens()["refresh_tokens"]}
    assert alive[their_connection.refresh_token] is True


@pytest.mark.security(24)
def test_p24_a_tampered_session_cannot_point_at_another_users_connection(tenants):
    mine, theirs = tenants[3], tenants[4]
    my_ids, their_ids = _lead_ids(mine), _lead_ids(theirs)
    session = mine.session
    session[services.SESSION_ACTIVE_KEY] = _active(theirs).pk
    session.save()
    assert _lead_ids(mine) == my_ids != their_ids
    assert mine.session[services.SESSION_ACTIVE_KEY] != _active(theirs).pk


@pytest.mark.security(24)
def test_p24_another_orgs_record_id_cannot_be_read_or_changed(tenants):
    first_org, second_org = tenants[0], tenants[1]  # the same Django user, two orgs
    other_id = sorted(_lead_ids(second_org))[0]
    assert other_id not in _lead_ids(first_org)
    assert first_org.get(f"/crm/api/Leads/{other_id}/").status_code == 404
    assert first_org.get(f"/crm/Leads/{other_id}/").status_code == 404
    patched = first_org.patch(
        f"/crm/api/Leads/{other_id}/", '{"Description": "x"}', content_type="application/json"
    )
    assert patched.status_code in (400, 404)
    assert first_org.delete(f"/crm/api/Leads/{other_id}/").status_code in (400, 404)
    assert second_org.get(f"/crm/api/Leads/{other_id}/").status_code == 200  # still there


# --- 25. the tenant key -----------------------------------------------------------------------
@pytest.mark.security(25)
def test_p25_tenant_key_is_zoho_user_org_and_dc_not_the_email(tenants):
    first, second = _active(tenants[0]), _active(tenants[1])
    assert first.email == second.email and first.user_id == second.user_id
    # One Zoho account (ZUID) with a CRM user id per org: one Django user for both.
    assert first.zoho_account_id and first.zoho_account_id == second.zoho_account_id
    assert first.zoho_user_id != second.zoho_user_id
    assert first.pk != second.pk and first.org_id != second.org_id
    assert first.user_signature != second.user_signature  # "email:zgid"
    assert _lead_ids(tenants[0]) != _lead_ids(tenants[1])
    marcus = _active(tenants[2])
    assert marcus.org_id == first.org_id and marcus.pk != first.pk  # one org, two users
    # The same Zoho user, org and DC cannot be stored twice.
    duplicate = ZohoConnection(
        user=first.user,
        org=first.org,
        data_center=first.data_center,
        zoho_user_id=first.zoho_user_id,
        email="someone-else@example.com",
        user_signature="someone-else@example.com:x",
        api_domain=first.api_domain,
    )
    duplicate.refresh_token = "1000.x"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.security(25)
def test_p25_an_email_that_moved_to_another_zoho_account_inherits_nothing(
    zoho, demo_users, django_user_model
):
    """Zoho lets an email move between accounts: the Django user follows the Zoho user id."""
    patricia = demo_users["multi_org"]
    # Someone else's Zoho account (another user id) used to have Patricia's email.
    earlier = django_user_model.objects.create_user(
        username=f"{patricia['email']}/us", email=patricia["email"]
    )
    theirs = ZohoConnection(
        user=earlier,
        org=ZohoOrg.objects.create(zgid=patricia["orgs"][0]["zgid"], data_center="us", name="Z"),
        data_center="us",
        zoho_user_id="4150000000000999",
        email=patricia["email"],
        user_signature=f"{patricia['email']}:elsewhere",
        api_domain=zoho.api_domain("us"),
    )
    theirs.refresh_token = "1000.theirs"
    theirs.save()

    client = _signed_in_client(zoho, patricia["email"])
    mine = _active(client)
    assert mine.zoho_user_id != theirs.zoho_user_id
    assert mine.user_id != earlier.pk
    assert set(mine.user.zoho_connections.values_list("pk", flat=True)) == {mine.pk}
    assert client.post(f"/accounts/connections/{theirs.pk}/activate/").status_code == 404


@pytest.mark.security(25)
def test_p25_a_zoho_account_held_by_one_portal_user_cannot_be_claimed_via_another_org(
    zoho, demo_users
):
    """Patricia's first org is held by her Django user; another portal user who signs in to
    her second org (while signed in as themselves) is refused: the account is one tenant."""
    patricia = demo_users["multi_org"]
    first, second = (org["zgid"] for org in patricia["orgs"])
    hers = _active(_signed_in_client(zoho, patricia["email"], first))
    intruder = _signed_in_client(zoho, demo_users["by_dc"]["eu"][0]["email"])
    refused = SignIn(intruder, zoho)(patricia["email"], org=second)
    assert refused.status_code == 409
    assert "already connected to another portal user" in refused.text
    assert ZohoConnection.objects.filter(email=patricia["email"]).count() == 1
    live = [t for t in zoho.client.tokens()["refresh_tokens"] if t["email"] == patricia["email"]]
    assert [t["token"] for t in live if t["alive"]] == [hers.refresh_token]
    # Signed out, the same sign-in lands with her own Django user.
    theirs = _active(_signed_in_client(zoho, patricia["email"], second))
    assert theirs.user_id == hers.user_id


@pytest.mark.security(25)
def test_p25_connections_stored_before_the_zuid_was_kept_are_found_after_a_backfill(
    zoho, demo_users
):
    from django.core.management import call_command

    patricia = demo_users["multi_org"]
    first, second = (org["zgid"] for org in patricia["orgs"])
    legacy = _active(_signed_in_client(zoho, patricia["email"], first))
    zuid = legacy.zoho_account_id
    ZohoConnection.objects.filter(pk=legacy.pk).update(zoho_account_id="")  # a pre-0002 row
    call_command("zoho_backfill_account_ids")
    legacy.refresh_from_db()
    assert legacy.zoho_account_id == zuid
    other_org = _active(_signed_in_client(zoho, patricia["email"], second))
    assert other_org.user_id == legacy.user_id


@pytest.mark.security(25)
def test_p25_an_account_split_over_two_users_before_the_zuid_stays_usable_by_both(
    zoho, demo_users, django_user_model
):
    """Before the ZUID was kept, each org of a two-org person could get its own Django user.
    After the backfill both hold the same account: each may still renew its own connection,
    and a signed-out sign-in to the account goes to the holder of its oldest connection."""
    from django.core.management import call_command

    patricia = demo_users["multi_org"]
    first, second = (org["zgid"] for org in patricia["orgs"])
    mine = _signed_in_client(zoho, patricia["email"], first)
    theirs = _signed_in_client(zoho, patricia["email"], second)
    r1, r2 = _active(mine), _active(theirs)
    legacy = django_user_model.objects.create(username=f"zoho-us-{r2.zoho_user_id}")
    ZohoConnection.objects.filter(pk=r2.pk).update(user=legacy)
    ZohoConnection.objects.update(zoho_account_id="")
    call_command("zoho_backfill_account_ids")

    assert SignIn(mine, zoho)(patricia["email"], org=first).status_code == 302
    legacy_client = Client()
    legacy_client.force_login(legacy)
    assert SignIn(legacy_client, zoho)(patricia["email"], org=second).status_code == 302
    assert _active(_signed_in_client(zoho, patricia["email"], second)).user_id == legacy.pk
    signed_out = Client()
    SignIn(signed_out, zoho)(patricia["email"], org=first)
    assert _active(signed_out).user_id == r1.user_id
    live = [t for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]]
    held = {c.refresh_token for c in ZohoConnection.objects.all()}
    assert {t["token"] for t in live if t["email"] == patricia["email"]} == held


@pytest.mark.security(25)
def test_p25_a_legacy_row_is_still_found_by_its_crm_user_id_and_gets_its_zuid(zoho, demo_users):
    patricia = demo_users["multi_org"]
    legacy = _active(_signed_in_client(zoho, patricia["email"]))
    zuid = legacy.zoho_account_id
    ZohoConnection.objects.filter(pk=legacy.pk).update(zoho_account_id="")
    again = _active(_signed_in_client(zoho, patricia["email"]))
    assert (again.pk, again.user_id, again.zoho_account_id) == (legacy.pk, legacy.user_id, zuid)


# --- 26. field-metadata files ----------------------------------------------------------------
@pytest.mark.security(26)
def test_p26_field_metadata_is_per_connection_and_carries_no_token(tenants, settings):
    for client in tenants:
        assert client.get("/crm/api/Contacts/", {"per_page": 5}).status_code == 200
    root = Path(settings.ZOHO_SDK_RESOURCE_DIR)
    secrets = [settings.ZOHO_CLIENT_SECRET]
    for connection in ZohoConnection.objects.all():
        secrets += [connection.refresh_token, connection.access_token]
    seen: dict[str, int] = {}
    for client in tenants:
        connection = _active(client)
        directory = root / f"connection-{connection.pk}"
        files = [path for path in directory.rglob("*") if path.is_file()]
        assert files, directory
        for path in files:
            seen[str(path)] = connection.pk
            content = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in content, path
                assert secret not in str(path.relative_to(root))
    # Nothing outside the per-connection directories.
    stray = [
        path
        for path in root.rglob("*")
        if path.is_file() and not path.relative_to(root).parts[0].startswith("connection-")
    ]
    assert stray == []
