"""Running one connection's SDK calls: `run` (one forced refresh and retry on 401
INVALID_TOKEN, one retry after a concurrency 429) and `run_concurrently` (a few calls at
once on threads). The only crm module that asks `zoho.sdk` to activate a connection."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django import db
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException

from accounts import activation, refresh, token_crypto
from accounts.models import ZohoConnection
from core import metrics
from core.errors import AppError, ErrorCode
from crm.zoho.errors import InvalidToken, api_exception_code, sdk_error
from zoho import credits as api_credits

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


class _NotStarted(Exception):
    """A call `run_concurrently` dropped after an earlier one failed (never seen outside)."""


def _unreadable_tokens(connection: ZohoConnection, error: Exception) -> AppError:
    """The 403 "Reconnect needed" for tokens this host cannot decrypt, with a WARNING that
    says why (the error's own text: which keys or which row, never token material); the
    request's own line would only say "Forbidden"."""
    logger.warning(
        "connection %s: answering Reconnect needed: its stored tokens cannot be decrypted (%s)",
        connection.pk,
        error,
    )
    return AppError(
        ErrorCode.NEEDS_RECONSENT,
        "This connection's stored tokens cannot be read. Sign in with Zoho again.",
    )


# --- running calls ------------------------------------------------------------------------
def run(
    connection: ZohoConnection, call: Callable[[], T], *, operation: str, write: bool = False
) -> T:
    """`call()` as `connection`; one forced refresh and retry on 401 INVALID_TOKEN.

    `write` marks a call that changes records: if Zoho does not answer in time the change
    may still have been made, so the error says to check before trying again.
    Every HTTP call made inside is counted under `operation` (`record_list`, ...: a
    bounded metrics label, core/metrics.py).
    """
    for attempt in (1, 2):
        try:
            with (
                metrics.zoho_call(connection.data_center, operation),
                activation.activated(connection) as active,
                api_credits.counting(connection),
            ):
                used_token = active.access_token
                try:
                    return _throttle_retried(call)
                except SDKException as error:
                    if api_exception_code(error) == "INVALID_TOKEN":
                        raise InvalidToken() from None
                    raise
        except InvalidToken:
            if attempt == 2:
                raise AppError(
                    ErrorCode.ZOHO_ERROR,
                    "Zoho refused a freshly refreshed token. Please try again.",
                ) from None
            connection = _refresh_after_rejection(connection, used_token)
        except refresh.RefreshError as error:
            raise AppError(ErrorCode(error.code), error.message) from None
        except token_crypto.TokenDecryptionError as error:
            raise _unreadable_tokens(connection, error) from None
        except SDKException as error:
            raise sdk_error(error, write=write) from None
    raise AssertionError("unreachable")


# A 429 for too many calls in flight at once clears as soon as one of them is answered: it
# is tried again once, after this many seconds. Zoho carried out nothing it refused, so a
# write is safe to send again. Out of credits is not retried (nothing frees them soon).
CONCURRENCY_RETRY_DELAY = 1.0


def _throttle_retried(call: Callable[[], T]) -> T:
    try:
        return call()
    except AppError as error:
        if error.code != ErrorCode.THROTTLED or error.extras.get("reason") != "concurrency":
            raise
        logger.info("Zoho: too many calls in flight for the org; trying once more")
    time.sleep(CONCURRENCY_RETRY_DELAY)
    return call()


# Calls of one page fanned out at once: Zoho caps concurrent API calls per org by edition
# (its "API Limits" page; the Free edition's cap is the smallest), so one page never takes
# more than a few of them, leaving the rest to the org's other users.
CONCURRENT_CALLS = 4


def run_concurrently(
    connection: ZohoConnection, work: Callable[[ZohoConnection, Any], T], items: list
) -> list[T]:
    """`work(connection, item)` for each item, at most CONCURRENT_CALLS at once, in order.

    The connection is made fresh here first, on this thread, so that the threads never
    refresh it: each then runs its calls under its own `activated()` (the SDK's state is
    per thread) with no database work, and gives back any database connection it opened.
    Each runs in a copy of this thread's context (the request id in log lines).
    """
    if len(items) < 2:
        return [work(connection, item) for item in items]
    try:
        connection = refresh.connection_ensure_fresh(connection)
    except refresh.RefreshError as error:
        raise AppError(ErrorCode(error.code), error.message) from None
    except token_crypto.TokenDecryptionError as error:
        raise _unreadable_tokens(connection, error) from None
    context = contextvars.copy_context()
    failed = threading.Event()

    def one(item):
        if failed.is_set():  # an earlier item failed: its error is what the caller gets
            raise _NotStarted
        try:
            return work(connection, item)
        except BaseException:
            failed.set()
            raise
        finally:
            db.connections.close_all()  # this thread's own, if it opened any

    pool = ThreadPoolExecutor(
        max_workers=min(CONCURRENT_CALLS, len(items)), thread_name_prefix="zoho-call"
    )
    try:
        futures = [pool.submit(context.copy().run, one, item) for item in items]
        return [future.result() for future in futures]
    finally:
        # After a failure the calls not yet started are dropped (a throttled org gets no
        # more of them, a timeout is waited for once); those under way finish.
        pool.shutdown(wait=True, cancel_futures=True)


def _refresh_after_rejection(connection: ZohoConnection, rejected: str) -> ZohoConnection:
    try:
        return refresh.connection_refresh(
            connection=connection, force=True, stale_access_token=rejected
        )
    except refresh.RefreshError as error:
        raise AppError(ErrorCode(error.code), error.message) from None
