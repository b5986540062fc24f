"""Single-flight refresh under concurrency (row locks: PostgreSQL only)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from accounts import activation, refresh
from accounts.models import ZohoConnection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _expire(connection: ZohoConnection) -> None:
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_eight_threads_on_one_expired_connection_make_one_refresh_call(sign_in, demo_users, zoho):
    user = demo_users["by_dc"]["eu"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    _expire(connection)
    before = zoho.client.stats()["token_calls"].get("refresh_token", 0)
    barrier = threading.Barrier(8)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            stale = ZohoConnection.objects.get(pk=connection.pk)  # each thread: its own stale copy
            barrier.wait()
            with activation.activated(stale) as active:
                tokens.append(active.access_token)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    after = zoho.client.stats()["token_calls"].get("refresh_token", 0)
    assert after - before == 1
    assert len(tokens) == 8 and len(set(tokens)) == 1
    connection.refresh_from_db()
    assert connection.access_token == tokens[0]


def test_a_hung_token_endpoint_releases_the_lock(sign_in, demo_users, zoho, settings):
    """Token calls time out before the lock wait does, so a waiter gets the lock back."""
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    user = demo_users["by_dc"]["us"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    _expire(connection)
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token", count=1, delay_s=3)
    with pytest.raises(refresh.RefreshTimedOut):
        refresh.connection_refresh(connection=connection)
    # The next caller is not stuck behind the hung one and succeeds.
    refreshed = refresh.connection_refresh(connection=connection)
    assert refreshed.access_token_is_fresh()
