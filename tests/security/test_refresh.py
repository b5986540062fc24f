"""Properties 16-21: refresh under concurrency (SECURITY.md "Refresh under concurrency")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from accounts import activation, refresh, services
from accounts.models import TokenRefreshLog, ZohoConnection
from accounts.services import Outcome
from tests.helpers import wait_until
from zoho import oauth as zoho_oauth

pytestmark = pytest.mark.signed_in_as("eu")

ROOT = Path(__file__).resolve().parents[2]


def _refresh_calls(zoho) -> int:
    return zoho.client.stats()["token_calls"].get("refresh_token", 0)


def _expire(connection: ZohoConnection, by: timedelta = timedelta(minutes=1)) -> None:
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - by
    )


# --- 16. one refresh call however many callers (PostgreSQL row lock) ----------------------
@pytest.mark.security(16)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_p16_eight_threads_on_one_expired_connection_make_exactly_one_refresh_call(
    connection, zoho
):
    _expire(connection)
    zoho.client.add_fault("/accounts/eu/oauth/v2/token", delay_s=0.5)  # callers pile up
    before = _refresh_calls(zoho)
    barrier = threading.Barrier(8)
    tokens: list[str] = []

    def worker():
        try:
            stale = ZohoConnection.objects.get(pk=connection.pk)
            barrier.wait()
            with activation.activated(stale) as active:
                tokens.append(active.access_token)
        except Exception as error:  # noqa: BLE001 - reported below
            tokens.append(f"error: {error!r}")
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert _refresh_calls(zoho) - before == 1
    assert len(tokens) == 8 and len(set(tokens)) == 1, tokens
    assert ZohoConnection.objects.get(pk=connection.pk).access_token == tokens[0]


def _test_database_url() -> str:
    s = db_connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.security(16)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_p16_two_processes_of_four_threads_make_exactly_one_refresh_call(connection, zoho):
    _expire(connection)
    zoho.client.add_fault("/accounts/eu/oauth/v2/token", delay_s=0.5)
    before = _refresh_calls(zoho)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zohoportal.settings.test",
        "TEST_POSTGRES_URL": _test_database_url(),
        "ZOHO_EMULATOR_URL": zoho.url,
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.security.refresh_worker", str(connection.pk), "4"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run in runs:  # both processes up, each with its threads holding the expired row
        assert run.stdout.readline() == "ready\n", run.stderr.read() if run.poll() else ""
    for run in runs:  # go: eight threads in two processes activate it at once
        run.stdin.write("go\n")
        run.stdin.flush()
    outputs = [run.communicate(timeout=90) for run in runs]
    tokens = []
    for run, (stdout, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
        tokens += json.loads(stdout)
    assert _refresh_calls(zoho) - before == 1
    assert len(tokens) == 8 and len(set(tokens)) == 1, tokens
    assert ZohoConnection.objects.get(pk=connection.pk).access_token == tokens[0]


# --- 17. ahead of expiry by minutes -------------------------------------------------------
@pytest.mark.security(17)
def test_p17_production_refreshes_minutes_ahead_not_the_sdks_five_seconds():
    assert django_settings.ZOHO_REFRESH_AHEAD >= 120


@pytest.mark.security(17)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("left", "refreshed"),
    [(timedelta(minutes=4), True), (timedelta(seconds=30), True), (timedelta(minutes=6), False)],
)
def test_p17_refresh_happens_minutes_before_expiry(connection, zoho, settings, left, refreshed):
    settings.ZOHO_REFRESH_AHEAD = 300
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() + left
    )
    before = _refresh_calls(zoho)
    with activation.activated(ZohoConnection.objects.get(pk=connection.pk)) as active:
        pass
    assert (_refresh_calls(zoho) - before == 1) is refreshed
    assert active.access_token_expires_at > timezone.now() + timedelta(minutes=5)


# --- 18. token calls time out before the lock wait does -----------------------------------
@pytest.mark.security(18)
def test_p18_token_timeout_is_shorter_than_the_lock_wait():
    assert django_settings.ZOHO_HTTP_TIMEOUT < django_settings.ZOHO_REFRESH_LOCK_TIMEOUT


@pytest.mark.security(18)
def test_p18_start_up_refuses_a_token_timeout_longer_than_the_lock_wait():
    from tests.production import PRODUCTION

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOHO_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, **PRODUCTION, "ZOHO_HTTP_TIMEOUT": "45", "ZOHO_REFRESH_LOCK_TIMEOUT": "30"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ZOHO_HTTP_TIMEOUT (45) must be shorter than ZOHO_REFRESH_LOCK_TIMEOUT" in result.stderr


@pytest.mark.security(18)
@pytest.mark.django_db(transaction=True)
def test_p18_a_hung_token_endpoint_releases_the_lock_to_the_next_caller(connection, zoho, settings):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    _expire(connection)
    # The first call hangs far longer than the portal waits (a server thread of the emulator
    # sleeps meanwhile, a daemon thread, its answer dropped at the next test's reset).
    zoho.client.add_fault("/accounts/eu/oauth/v2/token", delay_s=30)
    before = _refresh_calls(zoho)
    outcome: dict[str, object] = {}

    def first_caller():
        try:
            refresh.connection_refresh(connection=connection)
        except refresh.RefreshError as error:
            outcome["error"] = error
        finally:
            db_connection.close()

    hung = threading.Thread(target=first_caller)
    hung.start()
    # The first caller now holds the lock, waiting on Zoho.
    wait_until(lambda: zoho.client.stats()["faults_applied"] == 1, what="the hung call")
    refreshed = refresh.connection_refresh(connection=connection)  # waits for the lock
    hung.join(10)
    assert isinstance(outcome["error"], refresh.RefreshTimedOut)
    # Zoho has answered only the second caller's call: the first gave up at the timeout, not
    # when Zoho answered, and the second took the lock then.
    assert _refresh_calls(zoho) - before == 1
    assert refreshed.access_token_is_fresh()


# --- 19. the throttle answer ---------------------------------------------------------------
@pytest.mark.security(19)
@pytest.mark.django_db
def test_p19_zohos_own_throttle_keeps_the_connection_tells_the_user_and_backs_off(
    connection, zoho, outbound
):
    stored = connection.refresh_token
    for _ in range(10):  # Zoho allows 10 refreshes per refresh token per 10 minutes
        refresh.connection_refresh(connection=connection, force=True)
    _expire(connection)
    with pytest.raises(refresh.RefreshThrottled) as raised:
        with activation.activated(ZohoConnection.objects.get(pk=connection.pk)):
            pass
    assert "try again shortly" in raised.value.message
    assert raised.value.code == "THROTTLED"  # answered 429 (core.errors.HTTP_STATUS)
    row = ZohoConnection.objects.get(pk=connection.pk)
    assert row.status == ZohoConnection.Status.ACTIVE
    assert row.refresh_token == stored
    assert row.refresh_not_before > timezone.now() + timedelta(seconds=30)
    # Retries back off: no call to Zoho until the back-off has passed.
    outbound.calls.clear()
    for _ in range(3):
        with pytest.raises(refresh.RefreshThrottled):
            refresh.connection_refresh(connection=row)
    assert len(outbound) == 0
    assert zoho.client.stats()["token_errors"].get("Access Denied") == 1


# --- 20. invalid_code on refresh -------------------------------------------------------------
@pytest.mark.security(20)
@pytest.mark.django_db
def test_p20_revoked_grant_needs_reconsent_says_how_and_leaves_others_alone(
    sign_in, client, demo_users, zoho
):
    patricia = demo_users["multi_org"]
    for org in patricia["orgs"]:
        sign_in(patricia["email"], org=org["zgid"])
    client.post("/accounts/logout/")
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    revoked, same_user_other_org, other_user = ZohoConnection.objects.order_by("pk")
    zoho_oauth.token_revoke(data_center="us", refresh_token=revoked.refresh_token)
    _expire(revoked)
    with pytest.raises(refresh.NeedsReconsent) as raised:
        with activation.activated(ZohoConnection.objects.get(pk=revoked.pk)):
            pass
    assert "Sign in with Zoho again" in raised.value.message
    assert ZohoConnection.objects.get(pk=revoked.pk).status == "needs_reconsent"
    assert TokenRefreshLog.objects.get(connection=revoked).outcome == "needs_reconsent"
    for untouched in (same_user_other_org, other_user):
        row = ZohoConnection.objects.get(pk=untouched.pk)
        assert row.status == ZohoConnection.Status.ACTIVE
        assert refresh.connection_refresh(connection=row, force=True).access_token_is_fresh()
    # The connections page shows it, and signing in again reconnects it.
    client.force_login(revoked.user)
    assert "Needs re-consent" in client.get("/accounts/connections/").text
    client.post("/accounts/logout/")
    sign_in(patricia["email"], org=revoked.org.zgid)
    assert ZohoConnection.objects.get(pk=revoked.pk).status == ZohoConnection.Status.ACTIVE


# --- 21. the bulk refresh command skips locked and not-due rows ----------------------------
@pytest.mark.security(21)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_p21_bulk_refresh_skips_rows_locked_by_a_request_and_rows_not_due(
    sign_in, client, demo_users, zoho
):
    for dc in ("us", "eu", "in"):
        sign_in(demo_users["by_dc"][dc][0]["email"])
        client.post("/accounts/logout/")
    locked, due, not_due = ZohoConnection.objects.order_by("pk")
    _expire(locked)
    _expire(due)
    not_due_token = not_due.access_token_encrypted
    holding, release = threading.Event(), threading.Event()

    def request_holding_the_row():
        try:
            with transaction.atomic():
                ZohoConnection.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(30)
        finally:
            db_connection.close()

    holder = threading.Thread(target=request_holding_the_row)
    holder.start()
    try:
        assert holding.wait(5)
        report = services.tokens_refresh_due(ahead_minutes=10, workers=2)
        still_held = holder.is_alive()  # it lets go only once the run is over
    finally:
        release.set()
        holder.join()
    outcomes = {result.connection_id: result.outcome for result in report.results}
    assert outcomes == {locked.pk: Outcome.SKIPPED, due.pk: Outcome.REFRESHED}
    assert still_held  # skipped, not waited on
    assert ZohoConnection.objects.get(pk=not_due.pk).access_token_encrypted == not_due_token
    calls = zoho.client.stats()["refresh_calls_by_refresh_token"]
    assert locked.refresh_token not in calls and not_due.refresh_token not in calls
