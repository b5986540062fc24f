"""Durable revocation: a refresh token the portal lets go of is revoked at Zoho, eventually.

Every path that drops a refresh token (a disconnect, a deleted Django user, a refused
sign-in, a token replaced by a repeat sign-in, an exchange that failed half-way) ends here:

- `revocation_queue(...)` writes a `PendingRevocation` row (the token encrypted, bound to
  the row) in the caller's transaction, so a token never exists nowhere: the connection's
  delete and the row commit together. Once the transaction commits, one attempt is made at
  once; Zoho's confirmation (or its answer that the grant is already invalid) deletes the
  row, anything else leaves it for later with exponential backoff.
- `revocations_retry()` (`manage.py zoho_housekeeping`) attempts every row that is due. It
  claims rows with `SELECT ... FOR UPDATE SKIP LOCKED` and a lease (`leased_until`, LEASE
  ahead) in a short transaction, then calls Zoho outside it: several hosts running it at
  once never attempt the same row twice, and a runner that dies only delays its rows.

Nothing here logs or returns a token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.db import DatabaseError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts import token_crypto
from accounts.models import PendingRevocation, token_digest
from zoho import oauth as zoho_oauth

logger = logging.getLogger("zohoportal.accounts")

FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
LEASE = timedelta(minutes=5)  # a claimed row is left alone this long by other runners
BATCH = 10  # rows claimed at a time: several runners share a long queue


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the attempts so far, at most six hours."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass
class Revocation:
    """A queued revocation; `confirmed` is set once its first attempt has been made."""

    token_digest: str
    confirmed: bool | None = None
    error: str = ""


@sensitive_variables("refresh_token")
def revocation_queue(
    *,
    data_center: str,
    refresh_token: str,
    reason: str,
    connection_id: int | None = None,
    failed_with: str | None = None,
    attempt_on_commit: bool = True,
) -> Revocation:
    """Keep `refresh_token` until Zoho confirms it revoked; try once after commit.

    Call inside the transaction that lets go of the token. With `failed_with` (an attempt
    was just made and failed) the row is only kept, for a retry after the first backoff;
    without `attempt_on_commit` the caller makes the first attempt itself once its
    transaction is done (`revocation_attempt_queued`). Queuing the same token twice keeps
    one row.
    """
    now = timezone.now()
    row = PendingRevocation(
        data_center=data_center,
        reason=reason[:255],
        connection_id=connection_id,
        next_attempt_at=now if failed_with is None else now + backoff(1),
        leased_until=now + LEASE if failed_with is None else None,  # ours: attempted below
        attempts=0 if failed_with is None else 1,
        last_error=(failed_with or "")[:255],
    )
    row.token = refresh_token
    PendingRevocation.objects.bulk_create([row], ignore_conflicts=True)
    handle = Revocation(token_digest=row.token_digest)
    if failed_with is not None:
        handle.confirmed, handle.error = False, failed_with
    elif attempt_on_commit:
        transaction.on_commit(lambda: revocation_dispatch(handle))
    return handle


@sensitive_variables("refresh_token")
def revocation_is_queued(refresh_token: str) -> bool:
    """Whether `refresh_token` already waits in the queue (one indexed lookup by digest)."""
    return PendingRevocation.objects.filter(token_digest=token_digest(refresh_token)).exists()


def runs_eagerly() -> bool:
    """True when no broker is configured: tasks run inside the caller (tests, plain setups)."""
    return bool(current_app.conf.task_always_eager)


# `accounts.tasks.revocation_attempt`, by name: the task module calls this one, not back.
ATTEMPT_TASK = "accounts.tasks.revocation_attempt"


def revocation_dispatch(handle: Revocation, *, background: bool = True) -> None:
    """The first attempt at a just-queued (and committed) revocation: by a Celery worker
    (`accounts.tasks.revocation_attempt`), so no request waits on Zoho; `handle.confirmed`
    stays None meanwhile. Inline when no broker is configured (Celery runs eagerly) or
    `background` is False (the operator's commands want Zoho's answer). A broker that cannot
    be reached leaves the row for `zoho_housekeeping`; the token is never lost.
    """
    if not background or runs_eagerly():
        revocation_attempt_queued(handle)
        return
    try:
        current_app.signature(ATTEMPT_TASK, args=(handle.token_digest,)).delay()
    except Exception as error:  # noqa: BLE001 - the broker is down: housekeeping retries
        logger.warning(
            "could not queue the revocation attempt (%s); zoho_housekeeping retries it",
            type(error).__name__,
        )


def revocation_attempt_queued(handle: Revocation) -> None:
    """The first attempt at a just-queued revocation; fills in `handle.confirmed`."""
    row = PendingRevocation.objects.filter(token_digest=handle.token_digest).first()
    if row is None:  # attempted meanwhile by someone else, and confirmed
        handle.confirmed = True
        return
    handle.confirmed, handle.error = revocation_attempt(row)


def revocation_attempt(row: PendingRevocation) -> tuple[bool, str]:
    """One attempt at Zoho for a row this caller holds (claimed); (confirmed, error)."""
    try:
        refresh_token = row.token
    except token_crypto.TokenDecryptionError:
        error = "undecryptable: restore the TOKEN_ENCRYPTION_KEYS key it was written with"
    else:
        dead = None
        try:
            zoho_oauth.token_revoke(data_center=row.data_center, refresh_token=refresh_token)
        except zoho_oauth.InvalidGrant as failure:
            dead = failure  # Zoho no longer knows it: revoked already, or never alive
            error = ""
        except zoho_oauth.ZohoOAuthError as failure:
            error = f"{type(failure).__name__}: {failure.detail or failure.message}"
        else:
            error = ""
        if not error:
            PendingRevocation.objects.filter(pk=row.pk).delete()
            if dead is not None:
                logger.info(
                    "Zoho answered that %s is an invalid token (revocation %s, %s): it is "
                    "dead, nothing left to revoke; done",
                    row.reason,
                    row.pk,
                    dead.detail or type(dead).__name__,
                )
            else:
                logger.info("revoked %s at Zoho (revocation %s)", row.reason, row.pk)
            return True, ""
    attempts = row.attempts + 1
    PendingRevocation.objects.filter(pk=row.pk).update(
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        leased_until=None,
        last_error=error[:255],
    )
    logger.warning(
        "could not revoke %s at Zoho (revocation %s, attempt %s): %s; retried in %s",
        row.reason,
        row.pk,
        attempts,
        error,
        backoff(attempts),
    )
    return False, error


@sensitive_variables("refresh_token")
def refresh_token_let_go(*, data_center: str, refresh_token: str, what: str) -> None:
    """Revoke a refresh token no row holds (replaced, or refused); never raises.

    When Zoho cannot be reached the token is kept, encrypted, and retried by
    `zoho_housekeeping` until Zoho confirms. `what` names the token in the log line and the
    queue, e.g. "the replaced refresh token of connection 7". With a Celery broker the token
    is queued at once and a worker revokes it (no request waits on Zoho); without one the
    attempt is made here.
    """
    if not runs_eagerly():
        try:
            revocation_queue(data_center=data_center, refresh_token=refresh_token, reason=what)
            return
        except DatabaseError:
            logger.exception("could not queue the revocation of %s; trying it now", what)
    try:
        zoho_oauth.token_revoke(data_center=data_center, refresh_token=refresh_token)
    except zoho_oauth.InvalidGrant:
        pass  # Zoho no longer knows it: nothing left to revoke
    except zoho_oauth.ZohoOAuthError as error:
        reason = error.detail or error.message
        logger.warning("could not revoke %s: %s; queued for a retry", what, reason)
        try:
            revocation_queue(
                data_center=data_center,
                refresh_token=refresh_token,
                reason=what,
                failed_with=f"{type(error).__name__}: {reason}",
            )
        except DatabaseError:
            logger.exception("could not queue the revocation of %s", what)


@dataclass
class RetryReport:
    attempted: int = 0
    revoked: int = 0
    failed: int = 0
    pending: int = 0
    oldest_pending: datetime | None = None
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "attempted": self.attempted,
            "revoked": self.revoked,
            "failed": self.failed,
            "pending": self.pending,
            "oldest_pending": self.oldest_pending.isoformat() if self.oldest_pending else None,
            "errors": self.errors,
        }


def _claim(now: datetime, filters: Q, *, batch: int, skip: set[int]) -> list[PendingRevocation]:
    """Rows matching `filters` that nobody else holds or has leased, leased to this runner."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    with transaction.atomic():
        rows = list(
            PendingRevocation.objects.select_for_update(skip_locked=True)
            .filter(filters & free)
            .exclude(pk__in=skip)
            .order_by("next_attempt_at", "pk")[:batch]
        )
        if rows:
            PendingRevocation.objects.filter(pk__in=[row.pk for row in rows]).update(
                leased_until=now + LEASE
            )
    return rows


def revocations_retry(*, batch: int = BATCH) -> RetryReport:
    """Attempt queued revocations, each at most once per run (safe on many hosts at once).

    1. Every row that is due.
    2. Per data center where nothing was due, a probe: its row due soonest.
    3. Per data center that confirmed a revocation in this run (Zoho is answering again),
       every other row, backoff or not: one run after an outage drains the queue, while an
       outage costs one call per data center per run.
    """
    report = RetryReport()
    now = timezone.now()
    attempted: set[int] = set()
    tried: set[str] = set()
    answered: set[str] = set()

    def attempt(rows: list[PendingRevocation]) -> None:
        for row in rows:
            attempted.add(row.pk)
            tried.add(row.data_center)
            confirmed, error = revocation_attempt(row)
            report.attempted += 1
            if confirmed:
                report.revoked += 1
                answered.add(row.data_center)
            else:
                report.failed += 1
                report.errors.append({"id": row.pk, "dc": row.data_center, "error": error})

    while rows := _claim(now, Q(next_attempt_at__lte=now), batch=batch, skip=attempted):
        attempt(rows)
    waiting = set(PendingRevocation.objects.values_list("data_center", flat=True).distinct())
    for data_center in sorted(waiting - tried):
        attempt(_claim(now, Q(data_center=data_center), batch=1, skip=attempted))
    for data_center in sorted(answered):
        while rows := _claim(now, Q(data_center=data_center), batch=batch, skip=attempted):
            attempt(rows)
    report.pending = PendingRevocation.objects.count()
    report.oldest_pending = PendingRevocation.objects.aggregate(oldest=Min("created_at"))["oldest"]
    return report


def revocations_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every queued token under the newest key (with `zoho_rotate_keys`)."""
    return token_crypto.rotate_rows(PendingRevocation, ("token_encrypted",), batch_size=batch_size)
