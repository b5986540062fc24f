"""`/healthz` (the process answers) and `/readyz` (its database, cache and, when
CELERY_BROKER_URL is set, its Celery broker answer).

Served by `HealthCheckMiddleware`, placed before everything else: a load balancer probes
over plain HTTP with whatever Host header it likes, so these answers come before the HTTPS
redirect, the ALLOWED_HOSTS check, sessions and CSRF. They carry no secret and no detail
beyond "ok" or the name of what failed (the reason goes to the log).
"""

from __future__ import annotations

import logging
import secrets

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
    key, value = "health:readyz", secrets.token_hex(8)
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just stored")


BROKER_TIMEOUT = 0.5  # seconds: a dead or hanging broker costs the probe at most this


def broker_configured() -> bool:
    """A Celery broker is configured (CELERY_BROKER_URL); without one, tasks run eagerly
    and readiness has no broker check."""
    from .celery_app import runs_eagerly

    return not runs_eagerly()


def _broker() -> None:
    """Connect to the Celery broker (and, for Redis, PING it) within BROKER_TIMEOUT."""
    from .celery_app import app

    with app.connection_for_write() as connection:
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


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}
# Checks that apply only when their service is configured.
CONFIGURED = {"broker": broker_configured}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; (all passed, {name: "ok" | "unavailable"})."""
    results = {}
    for name, check in CHECKS.items():
        if name in CONFIGURED and not CONFIGURED[name]():
            continue
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness: %s unavailable (%s)", name, type(error).__name__)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
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
        return _answer(200 if ready else 503, body, request.method)
