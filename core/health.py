"""`/healthz` (the process answers) and `/readyz` (its database and cache answer, its
TOKEN_ENCRYPTION_KEYS read the stored tokens and, when CELERY_BROKER_URL is set, its Celery
broker answers).

Served by `HealthCheckMiddleware`, placed before everything else: a load balancer probes
over plain HTTP with whatever Host header it likes, so these answers come before the HTTPS
redirect, the ALLOWED_HOSTS check, sessions and CSRF. They carry no secret and no detail
beyond "ok" or the name of what failed (the reason goes to the log).

The database, cache and broker checks are this module's; an app adds its own with
`register(name, check)` from its AppConfig.ready (accounts: `tokens`).

The log hears of state changes only, per process: a WARNING naming the check and why when
one starts failing, an INFO when it passes again. A failing probe repeated every few seconds
writes nothing more (DEBUG), is never an ERROR and never an e-mail to ADMINS (Django would
log a 503 as an ERROR: readiness answers are marked as logged already).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from celery import current_app
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("zohoportal.health")

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # `add` on a key of its own: a fault-tolerant cache skips a failed `set` without a word,
    # but says when `add` could not reach the cache (core/cache_backend.py).
    key, value = f"health:readyz:{secrets.token_hex(8)}", "ok"
    if not cache.add(key, value, 10) or cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just stored")
    cache.delete(key)


class NotReady(Exception):
    """A check's failure whose message is meant for the log (it names no secret); any other
    exception is logged by its class only (a driver's message can hold a DSN)."""


_state_lock = threading.Lock()
_failing: dict[str, str] = {}  # this process's last verdict: {check: reason}


def _reason(error: Exception, explained: tuple[type[Exception], ...]) -> str:
    if isinstance(error, explained):
        return str(error)
    return type(error).__name__


def _report(failing: dict[str, str]) -> None:
    """Log what changed since this process's previous probe (module docstring)."""
    global _failing
    with _state_lock:
        previous, _failing = _failing, failing
    for name, reason in failing.items():
        if name not in previous:
            logger.warning("readiness: %s unavailable (%s)", name, reason)
    for name in previous:
        if name not in failing:
            logger.info("readiness: %s ok again", name)
    if previous and not failing:
        logger.info("readiness: ready again")
    if failing and failing.keys() == previous.keys():
        logger.debug("readiness: still unavailable: %s", ", ".join(failing))


def forget_state() -> None:
    """Back to "ready, nothing reported" (tests)."""
    global _failing
    with _state_lock:
        _failing = {}


BROKER_TIMEOUT = 0.5  # seconds: a dead or hanging broker costs the probe at most this


def broker_configured() -> bool:
    """A Celery broker is configured (CELERY_BROKER_URL); without one, tasks run eagerly
    and readiness has no broker check."""
    return not current_app.conf.task_always_eager


def _broker() -> None:
    """Connect to the Celery broker (and, for Redis, PING it) within BROKER_TIMEOUT."""
    with current_app.connection_for_write() as connection:
        connection.connect_timeout = BROKER_TIMEOUT
        connection.transport_options = {
            **connection.transport_options,
            "socket_timeout": BROKER_TIMEOUT,
            "socket_connect_timeout": BROKER_TIMEOUT,
        }
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
        )
        client = getattr(connection.default_channel, "client", None)
        if hasattr(client, "ping"):
            client.ping()


CHECKS: dict[str, Callable[[], None]] = {}
# Checks that apply only when their service is configured.
CONFIGURED: dict[str, Callable[[], bool]] = {}
# Per check: exceptions whose message names no secret and so goes to the log (as NotReady).
EXPLAINED: dict[str, tuple[type[Exception], ...]] = {}


def register(
    name: str,
    check: Callable[[], None],
    *,
    configured: Callable[[], bool] | None = None,
    explained: tuple[type[Exception], ...] = (),
) -> None:
    """Add a readiness check: `check()` raises when `name` is unavailable. `configured()`
    says whether it applies (else it is skipped); an exception of `explained` is logged with
    its message (it names no secret), any other by its class only."""
    CHECKS[name] = check
    if configured is not None:
        CONFIGURED[name] = configured
    if explained:
        EXPLAINED[name] = explained


register("database", _database)
register("cache", _cache)
register("broker", _broker, configured=broker_configured)


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; (all passed, {name: "ok" | "unavailable"})."""
    results, failing = {}, {}
    for name, check in CHECKS.items():
        if name in CONFIGURED and not CONFIGURED[name]():
            continue
        explained = (NotReady, *EXPLAINED.get(name, ()))
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            # the cache's own error, not its wrapper (core/cache_backend.py)
            cause = error if isinstance(error, explained) else (error.__cause__ or error)
            failing[name] = _reason(cause, explained)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    _report(failing)
    return all(value == "ok" for value in results.values()), results


def _answer(status: int, body: dict, method: str) -> HttpResponse:
    response = JsonResponse(body, status=status)
    if method == "HEAD":
        response.content = b""
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/") or "/"
        if path not in (LIVENESS_PATH, READINESS_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = _answer(405, {"status": "method not allowed"}, request.method)
            response["Allow"] = "GET, HEAD"
            return response
        if path == LIVENESS_PATH:
            return _answer(200, {"status": "ok"}, request.method)
        ready, checks = readiness()
        body = {"status": "ok" if ready else "unavailable", "checks": checks}
        response = _answer(200 if ready else 503, body, request.method)
        response._has_been_logged = True  # see the module docstring: no ERROR, no e-mail
        return response
