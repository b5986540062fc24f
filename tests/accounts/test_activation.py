"""Per-request SDK activation: isolation, thread-local hygiene, refresh ahead of expiry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations

from accounts import activation, refresh
from accounts.models import TokenRefreshLog, ZohoConnection
from tests.accounts.sdk_state import sdk_thread_state
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db


def _org_zgid() -> str:
    return str(OrgOperations().get_organization().get_object().get_org()[0].get_zgid())


def _refresh_calls(zoho) -> int:
    return zoho.client.stats()["token_calls"].get("refresh_token", 0)


@pytest.fixture
def two_connections(sign_in, client, demo_users):
    us, eu = demo_users["by_dc"]["us"][0], demo_users["by_dc"]["eu"][0]
    sign_in(us["email"])
    client.post("/accounts/logout/")
    sign_in(eu["email"])
    return ZohoConnection.objects.get(email=us["email"]), ZohoConnection.objects.get(
        email=eu["email"]
    )


def test_activated_runs_as_that_connection_and_clears_the_thread_local(two_connections):
    us, eu = two_connections
    for _ in range(3):  # interleaved on one thread
        with activation.activated(us):
            assert _org_zgid() == us.org.zgid
        assert sdk_thread_state() is None
        with activation.activated(eu):
            assert _org_zgid() == eu.org.zgid
        assert sdk_thread_state() is None


def test_upstream_calls_carry_the_activated_users_token(two_connections, zoho):
    us, eu = two_connections
    with activation.activated(us):
        _org_zgid()
    with activation.activated(eu):
        _org_zgid()
    by_token = zoho.client.stats()["api_calls_by_access_token"]
    assert by_token[us.access_token] >= 1
    assert by_token[eu.access_token] >= 1


def test_thread_local_is_cleared_even_when_the_block_raises(two_connections):
    us, _ = two_connections
    with pytest.raises(RuntimeError), activation.activated(us):
        raise RuntimeError("boom")
    assert sdk_thread_state() is None


def test_sdk_call_outside_an_activation_fails_closed(two_connections, zoho):
    zoho_sdk.ensure_initialized()
    before = zoho.client.stats()["api_calls"]
    with pytest.raises(SDKException) as raised:
        OrgOperations().get_organization()
    assert isinstance(raised.value.cause, zoho_sdk.NoActiveConnection)
    assert zoho.client.stats()["api_calls"] == before


def test_access_token_is_refreshed_minutes_ahead_of_expiry(two_connections, zoho, settings):
    us, _ = two_connections
    old = us.access_token
    # 4 minutes left: the SDK would still use it (it refreshes at 5 s); we refresh at 5 min.
    us.access_token_expires_at = timezone.now() + timedelta(minutes=4)
    us.save()
    with activation.activated(us) as active:
        assert _org_zgid() == us.org.zgid
    assert active.access_token != old
    assert _refresh_calls(zoho) == 1
    us.refresh_from_db()
    assert us.refresh_count == 1 and us.last_refreshed_at is not None
    assert us.access_token_expires_at > timezone.now() + timedelta(minutes=50)
    assert TokenRefreshLog.objects.filter(connection=us, outcome="refreshed").count() == 1


def test_refresh_keeps_the_stored_refresh_token(two_connections):
    us, _ = two_connections
    refresh_token = us.refresh_token
    refresh.connection_refresh(connection=us, force=True)
    us.refresh_from_db()
    assert us.refresh_token == refresh_token


def test_revoked_grant_flips_to_needs_reconsent_and_leaves_others_alone(two_connections, zoho):
    us, eu = two_connections
    from zoho import oauth as zoho_oauth

    zoho_oauth.token_revoke(data_center="us", refresh_token=us.refresh_token)
    with pytest.raises(refresh.NeedsReconsent):
        refresh.connection_refresh(connection=us, force=True)
    us.refresh_from_db()
    eu.refresh_from_db()
    assert us.status == ZohoConnection.Status.NEEDS_RECONSENT
    assert eu.status == ZohoConnection.Status.ACTIVE
    assert us.refresh_token  # kept: the row is not lost
    with pytest.raises(refresh.NeedsReconsent), activation.activated(us):
        pass


def test_resource_directories_are_per_connection_and_carry_no_token(two_connections, settings):
    from pathlib import Path

    from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
    from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

    us, eu = two_connections
    for connection in (us, eu):
        with activation.activated(connection):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, "Last_Name,Email")
            RecordOperations("Leads").get_records(params)
    del FieldsOperations, GetFieldsParam
    root = Path(settings.ZOHO_SDK_RESOURCE_DIR)
    for connection in (us, eu):
        files = list((root / f"connection-{connection.pk}").rglob("*"))
        assert any(f.is_file() for f in files), files
        for f in files:
            if f.is_file():
                content = f.read_bytes()
                for secret in (connection.access_token, connection.refresh_token):
                    assert secret.encode() not in content
                    assert secret[:-32].encode() not in f.name.encode()


def test_two_threads_two_users_never_mix(two_connections):
    us, eu = two_connections
    errors: list[str] = []

    def work(connection, expected):
        from django.db import connection as db

        try:
            for _ in range(10):
                with activation.activated(connection):
                    got = _org_zgid()
                if got != expected:
                    errors.append(f"{connection.email} saw {got}")
                if sdk_thread_state() is not None:
                    errors.append("thread-local left behind")
        finally:
            db.close()

    threads = [
        threading.Thread(target=work, args=(us, us.org.zgid)),
        threading.Thread(target=work, args=(eu, eu.org.zgid)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_every_request_leaves_the_sdk_thread_local_empty(client, db):
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    Initializer.LOCAL.init = object()  # as if some code path forgot to clean up
    client.get("/")
    assert sdk_thread_state() is None
