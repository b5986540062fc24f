"""Bulk refresh of access tokens (`zoho_refresh_tokens`, Celery beat, the admin's "refresh
now"): every due connection refreshed once, however many runners there are.

Bulk refresh is safe to run on several hosts at once. Each worker claims one row at a time
with `SELECT ... FOR UPDATE SKIP LOCKED` in a short transaction, re-checks that the row is
still due once it holds the lock, refreshes it through `refresh.refresh_locked` and
commits. A row locked by another runner, or by a request refreshing it through
`refresh.connection_refresh`, is skipped, never waited on and never refreshed twice.

SQLite has no row locks and a single writer: there the refresh runs serially (one worker,
whatever was asked), and only the in-process lock of `accounts.refresh` keeps it apart from
requests in the same process. Use PostgreSQL for concurrent runs and for several hosts.
Nothing here prints or returns a token.
"""

from __future__ import annotations

import enum
import logging
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db import connection as db_connection
from django.db import connections as db_connections
from django.utils import timezone

from accounts import refresh
from accounts.models import ZohoConnection
from accounts.selectors import DEFAULT_AHEAD_MINUTES, connections_due

logger = logging.getLogger("zohoportal.accounts")

DEFAULT_WORKERS = 4


class Outcome(enum.StrEnum):
    """What happened to one connection in a bulk refresh."""

    REFRESHED = "refreshed"
    SKIPPED = "skipped"  # locked elsewhere, no longer due, no longer active, or gone
    THROTTLED = "throttled"  # Zoho's throttle, or still backing off from it: left for later
    FAILED = "failed"  # Zoho unreachable or an unexpected answer
    NEEDS_RECONSENT = "needs_reconsent"  # Zoho answered invalid_code: the grant is gone
    DUE = "due"  # dry run: would be refreshed


@dataclass(frozen=True)
class RefreshResult:
    connection_id: int
    email: str
    data_center: str
    outcome: Outcome
    reason: str = ""
    duration_ms: int = 0


@dataclass
class RefreshReport:
    """The outcome of one bulk refresh: one result per connection that was due."""

    results: list[RefreshResult] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1  # threads per process
    dry_run: bool = False
    processes: int = 1

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(result.outcome for result in self.results)
        return {outcome.value: counted.get(outcome, 0) for outcome in Outcome}

    @property
    def failed(self) -> int:
        return self.counts[Outcome.FAILED]

    @property
    def connections_per_second(self) -> float:
        return len(self.results) / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        """A JSON-ready report (no token, ever)."""
        return {
            "dry_run": self.dry_run,
            "processes": self.processes,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "total": len(self.results),
            "counts": self.counts,
            "connections": [
                {**asdict(result), "outcome": result.outcome.value} for result in self.results
            ],
        }


# A progress callback gets (connections done, connections due, counts so far).
Progress = Callable[[int, int, dict[str, int]], None]


# --- one connection ------------------------------------------------------------------------
def _is_due(row: ZohoConnection, due_before: datetime) -> bool:
    """The same test as `_due_filter`, on a row already read (the re-check after the lock)."""
    return (
        not row.access_token_encrypted
        or row.access_token_expires_at is None
        or row.access_token_expires_at <= due_before
    )


def _result(row: ZohoConnection, outcome: Outcome, reason: str, started: float) -> RefreshResult:
    return RefreshResult(
        connection_id=row.pk,
        email=row.email,
        data_center=row.data_center,
        outcome=outcome,
        reason=reason,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _classify(error: refresh.RefreshError | None, row: ZohoConnection) -> tuple[Outcome, str]:
    if error is None:
        return Outcome.REFRESHED, ""
    # last_refresh_error is "<outcome>: <Zoho's answer>"; the outcome is reported apart.
    reason = row.last_refresh_error.partition(": ")[2] or error.message
    if isinstance(error, refresh.NeedsReconsent):
        return Outcome.NEEDS_RECONSENT, reason
    if isinstance(error, refresh.RefreshThrottled):
        return Outcome.THROTTLED, reason
    return Outcome.FAILED, reason


def _unclaimed(connection_id: int, started: float) -> RefreshResult:
    """A row the claim did not get: locked by someone else, or gone."""
    row = ZohoConnection.objects.filter(pk=connection_id).only("email", "data_center").first()
    if row is None:
        return RefreshResult(connection_id, "", "", Outcome.SKIPPED, "no longer exists")
    return _result(row, Outcome.SKIPPED, "locked by another refresh (runner or request)", started)


def connection_refresh_claimed(
    *, connection_id: int, due_before: datetime | None, trigger: str
) -> RefreshResult:
    """Refresh one connection if it can be claimed without waiting and is still due.

    `due_before` None refreshes it whatever its expiry (--all, or the admin's "refresh now").
    A row a request or another runner holds is skipped (`refresh.claimed`); the outcome
    is committed before this returns.
    """
    started = time.monotonic()
    skip_reason, error = "", None
    with refresh.claimed(connection_id) as row:
        if row is None:
            return _unclaimed(connection_id, started)
        if not row.is_active:
            skip_reason = f"status is {row.get_status_display().lower()}"
        elif due_before is not None and not _is_due(row, due_before):
            skip_reason = "no longer due (refreshed meanwhile)"
        elif row.refresh_not_before and row.refresh_not_before > timezone.now():
            backing_off = f"backing off until {row.refresh_not_before:%Y-%m-%d %H:%M:%S %Z}"
            return _result(row, Outcome.THROTTLED, backing_off, started)
        else:
            error = refresh.refresh_locked(row, force=True, trigger=trigger)
    if skip_reason:
        return _result(row, Outcome.SKIPPED, skip_reason, started)
    outcome, reason = _classify(error, row)
    return _result(row, outcome, reason, started)


def connection_refresh_now(*, connection: ZohoConnection, trigger: str = "admin") -> RefreshResult:
    """Refresh `connection` now, whatever its expiry (the admin's action)."""
    return connection_refresh_claimed(connection_id=connection.pk, due_before=None, trigger=trigger)


# --- many connections ----------------------------------------------------------------------
def tokens_refresh_due(
    *,
    ahead_minutes: int = DEFAULT_AHEAD_MINUTES,
    data_center: str | None = None,
    email: str | None = None,
    all_: bool = False,
    workers: int = DEFAULT_WORKERS,
    processes: int = 1,
    dry_run: bool = False,
    progress: Progress | None = None,
    trigger: str = "command",
) -> RefreshReport:
    """Refresh every due active connection; report each outcome.

    `processes` worker processes (every core: a refresh is mostly CPU in this process) each
    run `workers` threads (which wait on Zoho). A throttled connection is left for later (it
    backs off); `invalid_code` marks it as needing re-consent; rows another runner or a
    request holds are skipped. On SQLite the refresh runs in one thread (see the module
    docstring).
    """
    started = time.monotonic()
    now = timezone.now()
    due = connections_due(
        ahead_minutes=ahead_minutes, data_center=data_center, email=email, all_=all_, now=now
    ).order_by("access_token_expires_at", "pk")
    if dry_run:
        results = [
            RefreshResult(pk, row_email, dc, Outcome.DUE)
            for pk, row_email, dc in due.values_list("pk", "email", "data_center")
        ]
        return RefreshReport(results, time.monotonic() - started, workers=0, dry_run=True)

    ids = list(due.values_list("pk", flat=True))
    if db_connection.vendor != "postgresql":
        workers = processes = 1
    processes = max(1, min(processes, len(ids) or 1))
    workers = max(1, min(workers, -(-len(ids) // processes) or 1))
    due_before = None if all_ else now + timedelta(minutes=ahead_minutes)
    report = RefreshReport(workers=workers, processes=processes)
    counts: Counter[str] = Counter()

    def collect(batch: list[RefreshResult]) -> None:
        report.results.extend(batch)
        counts.update(result.outcome.value for result in batch)
        if progress is not None:
            progress(len(report.results), len(ids), dict(counts))

    if processes == 1:
        guard = threading.Lock()

        def collect_one(result: RefreshResult) -> None:
            with guard:
                collect([result])

        _refresh_batch(
            ids, due_before=due_before, trigger=trigger, workers=workers, on_result=collect_one
        )
    else:
        _refresh_in_processes(
            ids,
            due_before=due_before,
            trigger=trigger,
            processes=processes,
            workers=workers,
            collect=collect,
        )
    report.results.sort(key=lambda result: result.connection_id)
    report.seconds = time.monotonic() - started
    return report


def _refresh_one(pk: int, *, due_before: datetime | None, trigger: str) -> RefreshResult:
    try:
        return connection_refresh_claimed(connection_id=pk, due_before=due_before, trigger=trigger)
    except Exception as error:  # a database error must not stop the other rows
        logger.exception("bulk refresh of connection %s", pk)
        return RefreshResult(pk, "", "", Outcome.FAILED, type(error).__name__)


def _refresh_batch(
    ids: list[int],
    *,
    due_before: datetime | None,
    trigger: str,
    workers: int,
    on_result: Callable[[RefreshResult], None],
) -> None:
    """Refresh `ids` with `workers` threads (each takes the next id when it is free)."""
    if workers == 1:
        for pk in ids:
            on_result(_refresh_one(pk, due_before=due_before, trigger=trigger))
        return
    pending = iter(ids)
    guard = threading.Lock()

    def worker() -> None:
        try:
            while True:
                with guard:
                    pk = next(pending, None)
                if pk is None:
                    return
                on_result(_refresh_one(pk, due_before=due_before, trigger=trigger))
        finally:
            db_connection.close()  # this thread's connection; the caller's stays open

    with ThreadPoolExecutor(workers, thread_name_prefix="zoho-refresh") as pool:
        for future in [pool.submit(worker) for _ in range(workers)]:
            future.result()


def _refresh_in_child(
    ids: list[int], due_before: datetime | None, trigger: str, workers: int
) -> list[RefreshResult]:
    """One worker process's share: its threads refresh `ids`; the results go back."""
    results: list[RefreshResult] = []
    guard = threading.Lock()

    def keep(result: RefreshResult) -> None:
        with guard:
            results.append(result)

    _refresh_batch(ids, due_before=due_before, trigger=trigger, workers=workers, on_result=keep)
    return results


def _refresh_in_processes(
    ids: list[int],
    *,
    due_before: datetime | None,
    trigger: str,
    processes: int,
    workers: int,
    collect: Callable[[list[RefreshResult]], None],
) -> None:
    """Share `ids` out to `processes` forked worker processes, a few batches each (progress
    is reported per batch). Forked: they inherit the configuration as it is (settings made
    at run time included); each opens its own database connections."""
    db_connections.close_all()  # a forked child must not share the parent's socket
    size = max(BATCH_MIN, -(-len(ids) // (processes * BATCHES_PER_PROCESS)))
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = {
            pool.submit(_refresh_in_child, batch, due_before, trigger, workers): batch
            for batch in batches
        }
        for future in as_completed(futures):
            try:
                batch_results = future.result()
            except Exception as error:  # a worker process died (BrokenProcessPool, …)
                logger.exception("bulk refresh worker process")
                batch_results = [
                    RefreshResult(pk, "", "", Outcome.FAILED, type(error).__name__)
                    for pk in futures[future]
                ]
            collect(batch_results)


BATCH_MIN = 50
BATCHES_PER_PROCESS = 4
