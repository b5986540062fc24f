"""Single-flight refresh of a connection's access token, ahead of expiry.

Refresh happens when less than ZOHO_REFRESH_AHEAD seconds (minutes, not the SDK's 5 s) of
the access token remain. Per connection only one refresh runs at a time:
- in this process, a per-connection lock;
- across processes, `SELECT ... FOR UPDATE` on the row, then a re-check after the lock, so
  whoever waited finds the token already fresh and makes no call. (SQLite ignores row locks;
  there the process lock and SQLite's single writer serialise refreshes.)
The token call's timeout (ZOHO_HTTP_TIMEOUT) is shorter than the lock wait, so a hung token
endpoint always releases the lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from weakref import WeakValueDictionary

from django.conf import settings
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.utils import timezone

from accounts.models import TokenRefreshLog, ZohoConnection
from core import metrics
from core.errors import AppError, ErrorCode
from zoho import datacenters
from zoho import oauth as zoho_oauth

logger = logging.getLogger("zohoportal.accounts")

THROTTLE_BACKOFF = timedelta(seconds=60)

# What a refresh attempt may change: the UPDATE writes only these (the row has ~25 columns).
REFRESH_FIELDS = [
    "access_token_encrypted",
    "access_token_digest",
    "access_token_expires_at",
    "last_refreshed_at",
    "refresh_count",
    "refresh_not_before",
    "refresh_failure_count",
    "last_refresh_error",
    "status",
    "updated_at",
]


class RefreshError(AppError):
    """The access token could not be made fresh; `message` is safe to show a user, `code`
    gives its status (`core.errors.status_for`)."""

    code = ErrorCode.ZOHO_ERROR
    message = "Zoho could not be reached to refresh your session. Please try again."

    def __init__(self, message: str = "", *, connection: ZohoConnection | None = None):
        self.connection = connection
        super().__init__(type(self).code, message or type(self).message)


class NeedsReconsent(RefreshError):
    code = ErrorCode.NEEDS_RECONSENT
    message = (
        "Zoho no longer accepts this connection's grant (it was revoked or expired). "
        "Sign in with Zoho again to reconnect."
    )


class RefreshThrottled(RefreshError):
    code = ErrorCode.THROTTLED
    message = "Zoho is limiting token requests right now. Please try again shortly."


class RefreshUnavailable(RefreshError):
    """Zoho's accounts server could not be reached or failed (the code stays ZOHO_ERROR)."""


class RefreshTimedOut(RefreshError):
    code = ErrorCode.ZOHO_TIMEOUT
    message = "Zoho did not answer in time. Please try again."


_locks: WeakValueDictionary[int, threading.Lock] = WeakValueDictionary()
_locks_guard = threading.Lock()


def _process_lock(connection_id: int) -> threading.Lock:
    with _locks_guard:
        lock = _locks.get(connection_id)
        if lock is None:
            lock = threading.Lock()
            _locks[connection_id] = lock
        return lock


@contextmanager
def claimed(connection_id: int) -> Iterator[ZohoConnection | None]:
    """The row of `connection_id` locked for a refresh, without waiting; None when someone
    else holds it (a request or another runner of this process: the per-connection lock;
    another process or host: `SELECT … FOR UPDATE SKIP LOCKED`) or it is gone.

    The block runs inside the row lock's transaction: what it saves commits when it exits.
    On SQLite (no row locks) the process lock and SQLite's single writer are the guard.
    """
    lock = _process_lock(connection_id)
    if not lock.acquire(blocking=False):
        yield None
        return
    try:
        with transaction.atomic():
            yield (
                ZohoConnection.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=connection_id)
                .first()
            )
    finally:
        lock.release()


def _set_lock_timeout() -> None:
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL lock_timeout = %s",
                [f"{int(settings.ZOHO_REFRESH_LOCK_TIMEOUT * 1000)}ms"],
            )


# A token this close to expiry is not used after a failed refresh (clock skew, call time).
STILL_USABLE_SECONDS = 30


def connection_ensure_fresh(connection: ZohoConnection) -> ZohoConnection:
    """`connection` with an access token good for at least ZOHO_REFRESH_AHEAD seconds.

    Refreshing ahead is a head start, not a new way to fail: when the early refresh fails
    for a passing reason (Zoho unreachable, slow or throttling) and the current access
    token still has more than STILL_USABLE_SECONDS left, the request goes on with it.
    """
    if not connection.is_active:
        raise NeedsReconsent(connection=connection)
    if connection.access_token_is_fresh():
        return connection
    try:
        return connection_refresh(connection=connection, trigger="request")
    except (RefreshThrottled, RefreshUnavailable, RefreshTimedOut) as error:
        current = error.connection or connection
        if current.is_active and current.access_token_is_fresh(ahead=STILL_USABLE_SECONDS):
            return current
        raise


def connection_refresh(
    *,
    connection: ZohoConnection,
    force: bool = False,
    trigger: str = "request",
    stale_access_token: str | None = None,
) -> ZohoConnection:
    """Refresh `connection`'s access token once, however many callers ask at the same time.

    With `force`, refresh even if the stored token looks fresh, unless another caller has
    already replaced `stale_access_token` (the token Zoho just rejected).
    Returns the refreshed row; raises a RefreshError subclass on failure.
    """
    with _process_lock(connection.pk):
        try:
            with transaction.atomic():
                _set_lock_timeout()
                locked = (
                    ZohoConnection.objects.select_for_update(of=("self",))
                    .select_related("org")
                    .get(pk=connection.pk)
                )
                error = refresh_locked(
                    locked, force=force, trigger=trigger, stale_access_token=stale_access_token
                )
        except ZohoConnection.DoesNotExist:
            raise NeedsReconsent(
                "This Zoho connection no longer exists. Sign in with Zoho again."
            ) from None
        except OperationalError:  # lock_timeout: another refresh holds the row too long
            raise RefreshTimedOut(connection=connection) from None
        # Raised after the transaction commits, so the failure's record is kept.
        if error is not None:
            raise error
    return locked


def refresh_locked(
    locked: ZohoConnection,
    *,
    force: bool = False,
    trigger: str,
    stale_access_token: str | None = None,
) -> RefreshError | None:
    """Refresh a row the caller holds locked, inside the caller's transaction.

    Saves the outcome (new token, or failure counts and status) and logs it; returns the
    error to raise once the transaction has committed, or None on success.
    """
    if not locked.is_active:
        return NeedsReconsent(connection=locked)
    if force and stale_access_token is not None and locked.access_token != stale_access_token:
        return None  # someone else already replaced the rejected token
    if not force and locked.access_token_is_fresh():
        return None  # refreshed by whoever held the lock before us
    now = timezone.now()
    if locked.refresh_not_before and locked.refresh_not_before > now:
        return RefreshThrottled(connection=locked)

    started = time.monotonic()
    outcome, reason, error = TokenRefreshLog.Outcome.REFRESHED, "", None
    try:
        answer = zoho_oauth.token_refresh(
            data_center=locked.data_center, refresh_token=locked.refresh_token
        )
        expected = datacenters.get(locked.data_center).api_domain
        if answer.api_domain and answer.api_domain != expected:
            raise zoho_oauth.UnexpectedAnswer("api_domain of another data center")
    except zoho_oauth.InvalidGrant as failure:
        outcome, reason = TokenRefreshLog.Outcome.NEEDS_RECONSENT, failure.detail
        locked.status = ZohoConnection.Status.NEEDS_RECONSENT
        error = NeedsReconsent(connection=locked)
    except zoho_oauth.Throttled as failure:
        outcome, reason = TokenRefreshLog.Outcome.THROTTLED, failure.detail
        locked.refresh_not_before = now + THROTTLE_BACKOFF
        error = RefreshThrottled(connection=locked)
    except zoho_oauth.ZohoUnreachable as failure:
        outcome, reason = TokenRefreshLog.Outcome.FAILED, failure.detail or "unreachable"
        timed_out = isinstance(failure, zoho_oauth.ZohoTimedOut)
        error = (RefreshTimedOut if timed_out else RefreshUnavailable)(connection=locked)
    except zoho_oauth.ZohoOAuthError as failure:
        outcome, reason = TokenRefreshLog.Outcome.FAILED, failure.detail or failure.message
        error = RefreshUnavailable(failure.message, connection=locked)

    if error is None:
        locked.set_access_token(answer.access_token, expires_in=answer.expires_in)
        locked.last_refreshed_at = timezone.now()
        locked.refresh_count += 1
        locked.refresh_not_before = None
        locked.last_refresh_error = ""
    else:
        locked.refresh_failure_count += 1
        locked.last_refresh_error = f"{outcome}: {reason}"[:255]
    locked.save(update_fields=REFRESH_FIELDS)
    TokenRefreshLog.objects.create(
        connection=locked,
        outcome=outcome,
        reason=reason[:255],
        duration_ms=int((time.monotonic() - started) * 1000),
        trigger=trigger,
    )
    metrics.refresh_observe(locked.data_center, trigger, str(outcome))
    if error is not None:
        logger.warning("refresh of connection %s: %s (%s)", locked.pk, outcome, reason)
    return error
