"""The operators' services (accounts.services, accounts.selectors): bulk refresh,
re-consent, revoke, over real HTTP to the emulator."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from accounts import refresh, selectors, services
from accounts.models import PendingRevocation, TokenRefreshLog, ZohoConnection
from accounts.services import Outcome
from tests.helpers import refresh_calls
from zoho import oauth as zoho_oauth

# Worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def _outcomes(report: services.RefreshReport) -> dict[int, Outcome]:
    return {result.connection_id: result.outcome for result in report.results}


def test_connections_due_selects_active_rows_expiring_within_the_window(connections):
    expired = connections(2, expires_in=timedelta(minutes=-5))
    soon = connections(1, expires_in=timedelta(minutes=8))
    later = connections(1, expires_in=timedelta(minutes=50))
    inactive = connections(1, expires_in=timedelta(minutes=-5))[0]
    ZohoConnection.objects.filter(pk=inactive.pk).update(
        status=ZohoConnection.Status.NEEDS_RECONSENT
    )
    eu = connections(1, dc="eu")

    due = set(selectors.connections_due(ahead_minutes=10).values_list("pk", flat=True))
    assert due == {row.pk for row in expired + soon + eu}
    assert set(selectors.connections_due(ahead_minutes=1).values_list("pk", flat=True)) == {
        row.pk for row in expired + eu
    }
    every = set(selectors.connections_due(all_=True).values_list("pk", flat=True))
    assert every == {row.pk for row in expired + soon + later + eu}
    assert [c.pk for c in selectors.connections_due(data_center="eu")] == [eu[0].pk]
    assert [c.pk for c in selectors.connections_due(email=soon[0].email.upper())] == [soon[0].pk]


def test_due_connections_are_refreshed_once_and_fresh_ones_left_alone(zoho, connections):
    due = connections(3)
    fresh = connections(2, expires_in=timedelta(minutes=45))
    before = refresh_calls(zoho)

    report = services.tokens_refresh_due(ahead_minutes=10, workers=2)

    assert refresh_calls(zoho) - before == 3
    assert _outcomes(report) == {row.pk: Outcome.REFRESHED for row in due}
    assert report.failed == 0 and report.counts["refreshed"] == 3
    for row in due:
        row.refresh_from_db()
        assert row.access_token_is_fresh(ahead=50 * 60)
        assert row.refresh_count == 1
        log = row.refresh_logs.get()
        assert (log.outcome, log.trigger) == (TokenRefreshLog.Outcome.REFRESHED, "command")
    for row in fresh:
        row.refresh_from_db()
        assert row.refresh_count == 0
    # A second run finds nothing due.
    assert services.tokens_refresh_due(ahead_minutes=10).results == []
    assert refresh_calls(zoho) - before == 3


def test_all_refreshes_every_active_connection_whatever_its_expiry(zoho, connections):
    rows = connections(2, expires_in=timedelta(minutes=45))
    report = services.tokens_refresh_due(all_=True)
    assert _outcomes(report) == {row.pk: Outcome.REFRESHED for row in rows}


def test_dry_run_lists_due_connections_and_calls_nothing(zoho, connections):
    rows = connections(2)
    before = zoho.client.stats()["requests_total"]
    report = services.tokens_refresh_due(dry_run=True)
    assert _outcomes(report) == {row.pk: Outcome.DUE for row in rows}
    assert zoho.client.stats()["requests_total"] - before == 1  # the stats call itself
    assert not TokenRefreshLog.objects.exists()


def test_throttled_connection_is_left_for_later_without_another_call(zoho, connections):
    row = connections(1)[0]
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token", error="throttle")

    report = services.tokens_refresh_due()

    assert _outcomes(report) == {row.pk: Outcome.THROTTLED}
    assert report.failed == 0
    row.refresh_from_db()
    assert row.status == ZohoConnection.Status.ACTIVE
    assert row.refresh_not_before > timezone.now()
    assert row.refresh_logs.get().outcome == TokenRefreshLog.Outcome.THROTTLED
    # Still due, but backing off: the next run does not call Zoho for it.
    before = refresh_calls(zoho)
    again = services.tokens_refresh_due()
    assert _outcomes(again) == {row.pk: Outcome.THROTTLED}
    assert "backing off until" in again.results[0].reason
    assert refresh_calls(zoho) == before


def test_revoked_grant_marks_only_that_connection_as_needing_reconsent(zoho, connections):
    revoked, healthy = connections(2)
    zoho_oauth.token_revoke(data_center="us", refresh_token=revoked.refresh_token)

    report = services.tokens_refresh_due()

    assert _outcomes(report) == {
        revoked.pk: Outcome.NEEDS_RECONSENT,
        healthy.pk: Outcome.REFRESHED,
    }
    assert "invalid_code" in report.results[0].reason
    revoked.refresh_from_db()
    healthy.refresh_from_db()
    assert revoked.status == ZohoConnection.Status.NEEDS_RECONSENT
    assert healthy.status == ZohoConnection.Status.ACTIVE
    # No longer active, so no longer due.
    assert services.tokens_refresh_due().results == []


def test_unreachable_zoho_is_a_failure_and_the_connection_stays_active(zoho, connections):
    row = connections(1)[0]
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token", status=503, count=None)

    report = services.tokens_refresh_due()

    assert _outcomes(report) == {row.pk: Outcome.FAILED}
    assert report.failed == 1
    assert "HTTP 503" in report.results[0].reason
    row.refresh_from_db()
    assert row.status == ZohoConnection.Status.ACTIVE
    assert row.refresh_failure_count == 1


def test_a_row_a_request_of_this_process_is_refreshing_is_skipped_not_waited_on(zoho, connections):
    busy, other = connections(2)
    lock = refresh._process_lock(busy.pk)  # what connection_refresh holds meanwhile
    with lock:
        report = services.tokens_refresh_due()
    assert _outcomes(report) == {busy.pk: Outcome.SKIPPED, other.pk: Outcome.REFRESHED}
    assert "locked" in report.results[0].reason


def test_a_row_refreshed_meanwhile_is_skipped_after_the_lock(zoho, connections):
    row = connections(1)[0]
    due_before = timezone.now() + timedelta(minutes=10)
    refresh.connection_refresh(connection=row)  # e.g. a request, just before the claim
    before = refresh_calls(zoho)
    result = services.connection_refresh_claimed(
        connection_id=row.pk, due_before=due_before, trigger="command"
    )
    assert (result.outcome, result.reason) == (
        Outcome.SKIPPED,
        "no longer due (refreshed meanwhile)",
    )
    assert refresh_calls(zoho) == before


def test_progress_is_reported_for_every_connection(zoho, connections):
    connections(3)
    seen = []
    services.tokens_refresh_due(progress=lambda done, total, counts: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_workers_are_threads_on_postgresql_and_one_on_sqlite(zoho, connections):
    connections(3)
    report = services.tokens_refresh_due(workers=8)
    assert report.workers == (3 if db_connection.vendor == "postgresql" else 1)


def test_mark_needs_reconsent_stops_refreshes_and_is_in_the_history(zoho, connections):
    row = connections(1)[0]
    services.connection_mark_needs_reconsent(connection=row)
    row.refresh_from_db()
    assert row.status == ZohoConnection.Status.NEEDS_RECONSENT
    log = row.refresh_logs.get()
    assert (log.outcome, log.trigger) == (TokenRefreshLog.Outcome.NEEDS_RECONSENT, "admin")
    assert services.tokens_refresh_due().results == []


def test_revoke_and_disconnect_revokes_at_zoho_then_deletes(zoho, connections):
    row = connections(1)[0]
    refresh_token = row.refresh_token
    services.connection_revoke_and_disconnect(connection=row)
    assert not ZohoConnection.objects.filter(pk=row.pk).exists()
    states = {t["token"]: t["state"] for t in zoho.client.tokens()["refresh_tokens"]}
    assert states[refresh_token] == "revoked"


def test_revoke_and_disconnect_queues_the_revocation_when_zoho_cannot_revoke(zoho, connections):
    row = connections(1)[0]
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token/revoke", status=503)
    assert services.connection_revoke_and_disconnect(connection=row) is False
    assert not ZohoConnection.objects.filter(pk=row.pk).exists()
    queued = PendingRevocation.objects.get()
    assert queued.token == row.refresh_token and queued.connection_id == row.pk


def test_report_as_dict_never_carries_a_token(zoho, connections):
    rows = connections(2)
    report = services.tokens_refresh_due()
    text = repr(report.as_dict())
    for row in ZohoConnection.objects.filter(pk__in=[r.pk for r in rows]):
        for secret in (row.refresh_token, row.access_token, row.refresh_token_encrypted):
            assert secret and secret not in text
    assert report.as_dict()["counts"]["refreshed"] == 2


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (None, "no access token"),
        (timedelta(minutes=-3), "expired"),
        (timedelta(seconds=30), "expires in <1 min"),
        (timedelta(minutes=42, seconds=10), "expires in 42 min"),
    ],
)
def test_expiry_description(offset, expected):
    now = timezone.now()
    assert selectors.expiry_description(offset and now + offset, now=now) == expected


def test_a_thread_holding_the_process_lock_does_not_block_the_run(zoho, connections):
    """A request refreshing in another thread: the run finishes without waiting for it."""
    row = connections(1)[0]
    holding, release = threading.Event(), threading.Event()

    def request_in_flight():
        with refresh._process_lock(row.pk):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=request_in_flight)
    thread.start()
    try:
        assert holding.wait(5)
        report = services.tokens_refresh_due()
    finally:
        release.set()
        thread.join()
    assert _outcomes(report) == {row.pk: Outcome.SKIPPED}


def test_revoke_and_disconnect_keeps_a_row_whose_token_cannot_be_decrypted(
    zoho, connections, settings
):
    from cryptography.fernet import Fernet

    row = connections(1)[0]
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(services.DisconnectError, match="can no longer decrypt"):
        services.connection_revoke_and_disconnect(connection=row)
    assert ZohoConnection.objects.filter(pk=row.pk).exists()
