"""Bulk refresh across processes and against row locks (PostgreSQL: SKIP LOCKED)."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection as db_connection
from django.db import transaction

from accounts import refresh, services
from accounts.models import TokenRefreshLog, ZohoConnection
from accounts.services import Outcome
from tests.helpers import HeldAtZoho

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """The URL of the database this test run uses (the test database, not the configured one)."""
    s = db_connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_command(zoho, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zohoportal.settings.test",
        "TEST_POSTGRES_URL": _test_database_url(),
        "ZOHO_EMULATOR_URL": zoho.url,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "zoho_refresh_tokens", "--json", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_refresh_200_due_connections_exactly_once(zoho, connections):
    rows = connections(200)
    refresh_tokens = {row.refresh_token for row in rows}
    zoho.client.add_fault(latency_ms=20)  # so that both runs overlap for a while

    runs = [_start_command(zoho, "--workers", "4") for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]

    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
    reports = [json.loads(stdout) for stdout, _ in outputs]
    refreshed = [report["counts"]["refreshed"] for report in reports]
    assert sum(refreshed) == 200
    assert all(count > 0 for count in refreshed), refreshed  # they really ran side by side
    calls = zoho.client.stats()["refresh_calls_by_refresh_token"]
    assert {token: calls.get(token, 0) for token in refresh_tokens} == dict.fromkeys(
        refresh_tokens, 1
    )
    assert zoho.client.stats()["token_calls"]["refresh_token"] == 200
    assert all(row.access_token_is_fresh() for row in ZohoConnection.objects.all())


def test_worker_processes_share_the_due_connections_and_refresh_each_once(zoho, connections):
    """`--processes`: forked worker processes (every core), each with its threads."""
    rows = connections(120)
    refresh_tokens = {row.refresh_token for row in rows}
    seen_pids, children = set(), []

    def progress(done, total, counts):
        seen_pids.add(os.getpid())  # the parent reports progress as batches come back
        children.append(len(multiprocessing.active_children()))

    report = services.tokens_refresh_due(processes=2, workers=3, progress=progress)
    assert (report.processes, report.workers) == (2, 3)
    assert report.counts["refreshed"] == 120 and len(report.results) == 120
    calls = zoho.client.stats()["refresh_calls_by_refresh_token"]
    assert {token: calls.get(token, 0) for token in refresh_tokens} == dict.fromkeys(
        refresh_tokens, 1
    )
    assert seen_pids == {os.getpid()} and max(children) == 2  # two worker processes
    logs = TokenRefreshLog.objects.filter(trigger="command")
    assert logs.count() == 120
    # The parent's own database connection still works after the fork.
    assert ZohoConnection.objects.count() == 120


def _hold_row_lock(pk: int, holding: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            ZohoConnection.objects.select_for_update().get(pk=pk)
            holding.set()
            release.wait(30)
    finally:
        db_connection.close()


def test_a_row_locked_by_another_transaction_is_skipped_not_waited_on(zoho, connections):
    locked, free = connections(2)
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_row_lock, args=(locked.pk, holding, release))
    holder.start()
    try:
        assert holding.wait(5)
        report = services.tokens_refresh_due(workers=2)
        # Skipped, not waited on: the holder lets go only once the run is over.
        still_held = holder.is_alive()
    finally:
        release.set()
        holder.join()
    outcomes = {result.connection_id: result for result in report.results}
    assert outcomes[locked.pk].outcome == Outcome.SKIPPED
    assert "locked" in outcomes[locked.pk].reason
    assert outcomes[free.pk].outcome == Outcome.REFRESHED
    assert still_held
    # Released, the row is refreshed by the next run.
    assert [r.outcome for r in services.tokens_refresh_due().results] == [Outcome.REFRESHED]


def test_the_command_skips_a_row_a_request_is_refreshing(zoho, connections, monkeypatch):
    """A request holds the row lock during its token call; the command skips that row."""
    busy, free = connections(2)
    at_zoho = HeldAtZoho(monkeypatch)  # the request's token call waits until the command ran
    request = at_zoho.start(
        lambda: (refresh.connection_refresh(connection=busy), db_connection.close())
    )
    try:
        run = _start_command(zoho)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        at_zoho.release()
        request.join()
    assert run.returncode == 0, stderr
    outcomes = {c["connection_id"]: c["outcome"] for c in json.loads(stdout)["connections"]}
    assert outcomes == {busy.pk: "skipped", free.pk: "refreshed"}
    assert zoho.client.stats()["token_calls"]["refresh_token"] == 2  # one each, no more


def test_refreshes_of_two_connections_in_one_org_do_not_wait_for_each_other(
    zoho, connections, monkeypatch
):
    """The row lock of a refresh covers its connection, not the org row shared with others."""
    slow, quick = connections(2)
    assert slow.org_id == quick.org_id
    # The slow refresh holds its row lock at Zoho until the quick one is done (or, if the
    # quick one waits for it, until the hold gives up and the test fails).
    at_zoho = HeldAtZoho(monkeypatch, longest=10)
    request = at_zoho.start(
        lambda: (refresh.connection_refresh(connection=slow), db_connection.close())
    )
    try:
        refresh.connection_refresh(connection=quick)
        slow_done_first = ZohoConnection.objects.get(pk=slow.pk).refresh_count
    finally:
        at_zoho.release()
        request.join()
    assert slow_done_first == 0  # the quick one did not wait for the slow one's lock
    assert ZohoConnection.objects.get(pk=quick.pk).refresh_count == 1
    assert ZohoConnection.objects.get(pk=slow.pk).refresh_count == 1
