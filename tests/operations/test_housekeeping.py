"""Durable revocation and `zoho_housekeeping`: no refresh token outlives its use at Zoho.

Every way the portal lets go of a refresh token (disconnect, a deleted Django user, a
refused sign-in, a token replaced by a repeat sign-in, an exchange that failed half-way)
queues its revocation when Zoho cannot be reached; one housekeeping run after Zoho answers
again revokes them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone

from accounts.models import PendingRevocation, TokenRefreshLog, ZohoConnection
from accounts.services import housekeeping, revocations
from tests.helpers import SignIn, database_dump
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
REVOKE_PREFIX = "/accounts/"


def _revoke_down(zoho) -> None:
    """Every data center's revoke endpoint answers 503 until cleared."""
    for dc in ("us", "eu", "in", "au"):
        zoho.client.add_fault(f"/accounts/{dc}/oauth/v2/token/revoke", status=503, count=None)


def _live_tokens(zoho) -> set[str]:
    return {t["token"] for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]}


def _held_tokens() -> set[str]:
    return {row.refresh_token for row in ZohoConnection.objects.all()}


def _queued_tokens() -> set[str]:
    return {row.token for row in PendingRevocation.objects.all()}


def test_every_dropped_token_is_queued_while_zoho_is_down_and_revoked_by_one_run(
    zoho, demo_users, django_user_model, django_capture_on_commit_callbacks
):
    by_dc = demo_users["by_dc"]
    patricia = demo_users["multi_org"]
    # Three people sign in while Zoho answers.
    sofia, arjun, olivia = Client(), Client(), Client()
    SignIn(sofia, zoho)(by_dc["eu"][0]["email"])
    SignIn(arjun, zoho)(by_dc["in"][0]["email"])
    SignIn(olivia, zoho)(by_dc["au"][0]["email"])
    SignIn(Client(), zoho)(patricia["email"])
    assert _live_tokens(zoho) == _held_tokens()

    _revoke_down(zoho)
    # 1. A disconnect: gone for the user at once.
    sofias = ZohoConnection.objects.get(data_center="eu")
    answer = sofia.post(f"/accounts/connections/{sofias.pk}/disconnect/", follow=True)
    assert answer.status_code == 200 and "keeps trying" in answer.text
    assert not ZohoConnection.objects.filter(pk=sofias.pk).exists()
    # 2. A Django user deleted (the admin's delete, say).
    with django_capture_on_commit_callbacks(execute=True):
        ZohoConnection.objects.get(data_center="in").user.delete()
    # 3. A reconnect (a sign-in asking for consent, so Zoho gives a new refresh token)
    # replaces (and drops) the stored refresh token.
    assert SignIn(olivia, zoho)(by_dc["au"][0]["email"], consent=True).status_code == 302
    # 4. A refused sign-in: signed in as Olivia, claiming Patricia's account, held by another
    # ("Connect another Zoho org": with consent, so a refresh token came and must go).
    assert SignIn(olivia, zoho)(patricia["email"], consent=True).status_code == 409
    # 5. An exchange that failed after the code was spent (Zoho's users call broke).
    zoho.client.add_fault("/api/us/crm/v8/users", status=500)
    assert SignIn(Client(), zoho)(by_dc["us"][1]["email"]).status_code >= 400

    dropped = _live_tokens(zoho) - _held_tokens()
    assert len(dropped) == 5
    assert _queued_tokens() == dropped  # none lost, none forgotten
    reasons = " | ".join(PendingRevocation.objects.values_list("reason", flat=True))
    for what in ("disconnected", "deleted connection", "replaced", "did not keep"):
        assert what in reasons, reasons

    zoho.client.clear_faults()
    call_command("zoho_housekeeping")  # one run, backoffs notwithstanding
    assert _live_tokens(zoho) == _held_tokens()
    assert not PendingRevocation.objects.exists()


def test_queued_tokens_are_encrypted_bound_to_their_row_and_never_shown(zoho, connections):
    row = connections(1)[0]
    token = row.refresh_token
    _revoke_down(zoho)
    from accounts import services

    assert services.connection_revoke_and_disconnect(connection=row) is False
    queued = PendingRevocation.objects.get()
    assert token not in database_dump()  # encrypted at rest (SECURITY property 9)
    assert token not in str(queued) and token not in repr(queued)
    other = PendingRevocation.objects.create(
        data_center="us", token_encrypted=queued.token_encrypted, token_digest="0" * 64
    )
    from accounts.token_crypto import TokenDecryptionError

    with pytest.raises(TokenDecryptionError):
        _ = other.token  # a ciphertext copied into another row fails closed


def test_a_failing_revocation_backs_off_exponentially(zoho, connections):
    row = connections(1)[0]
    _revoke_down(zoho)
    from accounts import services

    services.connection_revoke_and_disconnect(connection=row)
    queued = PendingRevocation.objects.get()
    assert queued.attempts == 1 and "503" in queued.last_error
    waits = []
    for _ in range(4):
        PendingRevocation.objects.update(next_attempt_at=timezone.now())
        before = timezone.now()
        report = revocations.revocations_retry()
        assert (report.attempted, report.failed, report.pending) == (1, 1, 1)
        queued.refresh_from_db()
        waits.append(round((queued.next_attempt_at - before).total_seconds() / 60))
    assert waits == [2, 4, 8, 16]  # minutes, after attempts 2..5
    assert revocations.backoff(30) == timedelta(hours=6)


def test_an_outage_costs_one_call_per_data_center_per_run(zoho, connections):
    from accounts import services

    rows = connections(5) + connections(3, dc="eu")
    _revoke_down(zoho)
    for row in rows:
        services.connection_revoke_and_disconnect(connection=row)
    report = revocations.revocations_retry()  # nothing is due yet: one probe per data center
    assert (report.attempted, report.failed) == (2, 2)
    assert {error["dc"] for error in report.errors} == {"us", "eu"}
    zoho.client.clear_faults()
    report = revocations.revocations_retry()  # the probes answer: both queues drain
    assert (report.revoked, report.pending) == (8, 0)


def test_a_token_zoho_no_longer_knows_counts_as_revoked(
    zoho, connections, django_capture_on_commit_callbacks
):
    from zoho import oauth as zoho_oauth

    row = connections(1)[0]
    token = row.refresh_token
    zoho_oauth.token_revoke(data_center="us", refresh_token=token)  # revoked elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        handle = revocations.revocation_queue(data_center="us", refresh_token=token, reason="t")
    assert handle.confirmed is True
    assert not PendingRevocation.objects.exists()


def test_a_queued_revocation_zoho_calls_an_invalid_token_is_finished_and_logged(
    zoho, connections, caplog
):
    """Zoho answers HTTP 400 for a token it does not know ("Revoking a Refresh token"):
    the token is dead, so the row is done (not retried forever), and the log says why."""
    row = connections(1)[0]
    revocations.revocation_queue(
        data_center="us", refresh_token="1000.never.issued", reason="a stale token", failed_with="x"
    )
    revocations.revocation_queue(
        data_center="us", refresh_token=row.refresh_token, reason="a live token", failed_with="x"
    )
    PendingRevocation.objects.update(next_attempt_at=timezone.now())
    with caplog.at_level("INFO", logger="zohoportal.accounts"):
        report = revocations.revocations_retry()
    assert (report.attempted, report.revoked, report.failed, report.pending) == (2, 2, 0, 0)
    assert "a stale token is an invalid token" in caplog.text
    assert "revoked a live token at Zoho" in caplog.text
    assert "1000.never.issued" not in caplog.text and row.refresh_token not in caplog.text
    assert row.refresh_token not in _live_tokens(zoho)


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503},
        {"status": 400, "body": {"error": "Access Denied"}},  # throttled: not about the token
        {"status": 400, "body": {"error": "invalid_client"}},  # this portal's credentials
        {"status": 200, "body": {"error": "something new"}},
    ],
)
def test_other_revocation_failures_keep_being_retried(zoho, connections, fault):
    row = connections(1)[0]
    zoho.client.add_fault("/accounts/us/oauth/v2/token/revoke", count=None, **fault)
    revocations.revocation_queue(
        data_center="us", refresh_token=row.refresh_token, reason="kept", failed_with="x"
    )
    PendingRevocation.objects.update(next_attempt_at=timezone.now())
    report = revocations.revocations_retry()
    assert (report.attempted, report.failed, report.pending) == (1, 1, 1)
    assert PendingRevocation.objects.get().attempts == 2
    zoho.client.clear_faults()
    PendingRevocation.objects.update(next_attempt_at=timezone.now())
    assert revocations.revocations_retry().revoked == 1
    assert row.refresh_token not in _live_tokens(zoho)


def test_queuing_a_token_twice_keeps_one_row(zoho, connections):
    row = connections(1)[0]
    _revoke_down(zoho)
    for _ in range(2):
        revocations.revocation_queue(
            data_center="us", refresh_token=row.refresh_token, reason="twice", failed_with="x"
        )
    assert PendingRevocation.objects.count() == 1


def test_key_rotation_re_encrypts_queued_revocations(zoho, connections, settings):
    row = connections(1)[0]
    token = row.refresh_token
    _revoke_down(zoho)
    from accounts import services

    services.connection_revoke_and_disconnect(connection=row)
    old_key, new_key = settings.TOKEN_ENCRYPTION_KEYS[0], settings.TOKEN_ENCRYPTION_KEYS[1]
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("zoho_rotate_keys")
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    assert PendingRevocation.objects.get().token == token


# --- the other chores -------------------------------------------------------------------------
def test_old_refresh_logs_are_pruned(zoho, connections, settings):
    settings.TOKEN_REFRESH_LOG_RETENTION_DAYS = 30
    row = connections(1)[0]
    now = timezone.now()
    for days in (1, 29, 31, 400):
        TokenRefreshLog.objects.create(
            connection=row, outcome="refreshed", created_at=now - timedelta(days=days)
        )
    assert housekeeping.refresh_logs_prune() == 2
    assert TokenRefreshLog.objects.count() == 2
    assert housekeeping.refresh_logs_prune(older_than_days=0) == 2


def test_expired_sessions_are_cleared():
    from django.contrib.sessions.backends.db import SessionStore

    for age in (-1, 1):
        store = SessionStore()
        store["x"] = age
        store.set_expiry(age * 3600)
        store.save()
    assert housekeeping.sessions_clear_expired() == 1
    assert Session.objects.count() == 1


def test_sdk_directories_of_connections_gone_from_this_host_are_removed(
    zoho, connections, settings, tmp_path
):
    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path
    kept = connections(1)[0]
    for name in (f"connection-{kept.pk}", "connection-999999", "connection-999998", "other"):
        (tmp_path / name / "resources").mkdir(parents=True)
    (tmp_path / "connection-5.txt").write_text("not a directory")
    assert housekeeping.sdk_directories_prune() == ["connection-999998", "connection-999999"]
    # (sorted both sides: where `connection-<pk>` sorts depends on the pk the database gave)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"connection-{kept.pk}", "connection-5.txt", "other"]
    )
    assert zoho_sdk.resource_dir_path(kept.pk).is_dir()


def test_the_json_report_carries_no_token_and_a_failure_exits_1(zoho, connections, capsys):
    row = connections(1)[0]
    token = row.refresh_token
    _revoke_down(zoho)
    from accounts import services

    services.connection_revoke_and_disconnect(connection=row)
    with pytest.raises(SystemExit) as exit_status:
        call_command("zoho_housekeeping", "--json")
    assert exit_status.value.code == 1
    output = capsys.readouterr().out
    report = json.loads(output)
    assert report["revocations"]["failed"] == 1 and report["revocations"]["pending"] == 1
    assert set(report) == {
        "revocations",
        "refresh_logs_deleted",
        "sessions_deleted",
        "sdk_directories_removed",
        "seconds",
    }
    assert token not in output and token[:20] not in output


def test_the_admin_lists_queued_revocations_masked_and_cannot_delete_them(
    zoho, connections, staff_client, django_user_model
):
    row = connections(1)[0]
    token = row.refresh_token
    _revoke_down(zoho)
    from accounts import services

    services.connection_revoke_and_disconnect(connection=row)
    admin = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/accounts/pendingrevocation/")
    assert page.status_code == 200
    assert token[:6] + "*" * 12 in page.text and token not in page.text
    queued = PendingRevocation.objects.get()
    assert client.get(f"/admin/accounts/pendingrevocation/{queued.pk}/delete/").status_code == 403
    lookup = client.get(f"/admin/accounts/pendingrevocation/?token_digest={queued.token_digest}")
    assert lookup.status_code in (302, 400)  # refused, like the connections' token columns
    zoho.client.clear_faults()
    retried = client.post(
        "/admin/accounts/pendingrevocation/",
        {"action": "retry_now", "_selected_action": [queued.pk]},
        follow=True,
    )
    assert "revoked at Zoho" in retried.text
    assert not PendingRevocation.objects.exists()


# --- many hosts ---------------------------------------------------------------------------------
def _test_database_url() -> str:
    s = db_connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hosts_running_housekeeping_at_once_revoke_each_token_once(zoho, connections):
    from accounts import services

    rows = connections(40)
    _revoke_down(zoho)
    for row in rows:
        services.connection_revoke_and_disconnect(connection=row)
    PendingRevocation.objects.update(next_attempt_at=timezone.now())
    zoho.client.clear_faults()
    zoho.client.add_fault(latency_ms=150)  # so that both runs overlap
    before = zoho.client.stats()["revoke_calls"]
    env = {
        **__import__("os").environ,
        "DJANGO_SETTINGS_MODULE": "zohoportal.settings.test",
        "TEST_POSTGRES_URL": _test_database_url(),
        "ZOHO_EMULATOR_URL": zoho.url,
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "zoho_housekeeping", "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=180)
        assert run.returncode == 0, stderr
        reports.append(json.loads(stdout)["revocations"])
    assert sum(r["revoked"] for r in reports) == 40
    assert all(r["attempted"] > 0 for r in reports)  # both took part
    assert zoho.client.stats()["revoke_calls"] - before == 40  # none attempted twice
    assert not PendingRevocation.objects.exists()


def test_json_reports_appended_run_after_run_are_json_lines(zoho, connections, capsys):
    """Cron appends each run's report to one file (README: housekeeping.jsonl): each
    report is exactly one line, one JSON object."""
    connections(1)
    for _ in range(2):
        call_command("zoho_housekeeping", "--json")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(set(json.loads(line)) >= {"revocations", "seconds"} for line in lines)
