"""Prometheus metrics (`prometheus_client`), served at `/metrics` to the holder of METRICS_TOKEN.

What is counted, and where:
- requests, by view (the resolved URL name, never the path), method and status: `MetricsMiddleware`;
- every HTTP call to Zoho (CRM API and the accounts server's token endpoints), by data center,
  operation and status: `zoho.transport.request`, labelled by `zoho_call()` around it
  (`crm.zoho.runner.run`, `zoho.oauth`);
- API credits by data center, as `zoho.credits` weighs them (`credits_used`);
- token refreshes by data center, trigger and outcome: `accounts.refresh`;
- Celery task outcomes by task name (`connect_celery_signals`, only if Celery is installed) and
  the broker's queue depth, read at scrape time when CELERY_BROKER_URL is a redis:// URL.

Every label value comes from a bounded set: URL names, HTTP methods and statuses, data-center
keys, the portal's operation names, task names. No record id, user, e-mail or path is a label.

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (before start) each process
writes its counts to files there and a scrape adds them up (prometheus_client's multiprocess
mode); deploy/gunicorn.conf.py clears the directory at start and marks exited workers dead.

`/metrics` is answered before the HTTPS redirect, ALLOWED_HOSTS, sessions and CSRF (like
/healthz), but only to `Authorization: Bearer <METRICS_TOKEN>`; any other request for it
goes on through the portal and gets its normal 404, and with no METRICS_TOKEN set it is off.
"""

from __future__ import annotations

import contextlib
import contextvars
import hmac
import logging
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger("zohoportal.metrics")

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # a request no URL pattern matched (a 404 before any view)
UNKNOWN = "unknown"
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "zohoportal_requests",
    "Requests answered, by view (URL name), method and status.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "zohoportal_request_duration_seconds",
    "Time to answer a request, by view (URL name).",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ZOHO_CALLS = Counter(
    "zohoportal_zoho_calls",
    "HTTP calls to Zoho, by data center, operation and status "
    "(the HTTP status, or 'timeout' / 'error' when no answer came).",
    ["data_center", "operation", "status"],
)
ZOHO_CALL_SECONDS = Histogram(
    "zohoportal_zoho_call_duration_seconds",
    "Time of one HTTP call to Zoho, by data center and operation.",
    ["data_center", "operation"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CREDITS = Counter(
    "zohoportal_zoho_credits_used",
    "Zoho CRM API credits spent, by data center (Zoho's weights, as zoho.credits).",
    ["data_center"],
)
REFRESHES = Counter(
    "zohoportal_token_refreshes",
    "Access-token refreshes at Zoho, by data center, trigger and outcome.",
    ["data_center", "trigger", "outcome"],
)
TASKS = Counter(
    "zohoportal_celery_tasks",
    "Celery task runs ended, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)
QUEUE = "celery"  # Celery's default queue: a Redis list of that name


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


if multiprocess_dir():  # a process started without gunicorn's hook (a command) finds it too
    os.makedirs(multiprocess_dir(), exist_ok=True)


# --- Zoho calls ---------------------------------------------------------------------------
# (data center, operation) of the Zoho call under way on this thread/context.
_zoho_call: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "zoho_call", default=None
)


@contextlib.contextmanager
def zoho_call(data_center: str, operation: str) -> Iterator[None]:
    """Label the HTTP calls to Zoho made inside: `operation` is a fixed name (a function's)."""
    token = _zoho_call.set((str(data_center or UNKNOWN), operation))
    try:
        yield
    finally:
        _zoho_call.reset(token)


def zoho_call_observe(status: str, seconds: float) -> None:
    """Count one HTTP call to Zoho that ended with `status` ("200", "timeout", "error")."""
    data_center, operation = _zoho_call.get() or (UNKNOWN, "other")
    ZOHO_CALLS.labels(data_center, operation, status).inc()
    ZOHO_CALL_SECONDS.labels(data_center, operation).observe(seconds)


def credits_used(credits: int) -> None:
    """`credits` spent by the CRM call just answered, in the current call's data center.

    Called by `zoho.credits.spent`, the portal's per-org count (Zoho's weights: 1 a
    call, Convert Lead 5, COQL by its LIMIT; nothing for a 401 or 429). The org is not a label
    (unbounded); the per-org figures are in the admin."""
    data_center, _ = _zoho_call.get() or (UNKNOWN, "other")
    CREDITS.labels(data_center).inc(credits)


def refresh_observe(data_center: str, trigger: str, outcome: str) -> None:
    REFRESHES.labels(data_center or UNKNOWN, trigger or UNKNOWN, outcome).inc()


# --- Celery ------------------------------------------------------------------------------
def _task_name(sender) -> str:
    return str(getattr(sender, "name", None) or UNKNOWN)


def task_succeeded(sender=None, **_kwargs) -> None:
    TASKS.labels(_task_name(sender), "success").inc()


def task_failed(sender=None, **_kwargs) -> None:
    TASKS.labels(_task_name(sender), "failure").inc()


def task_retried(sender=None, **_kwargs) -> None:
    TASKS.labels(_task_name(sender), "retry").inc()


def connect_celery_signals() -> bool:
    """Count task outcomes from Celery's signals; False (nothing done) without Celery."""
    try:
        from celery import signals
    except ImportError:
        return False
    signals.task_success.connect(task_succeeded, weak=False, dispatch_uid="zp-metrics-ok")
    signals.task_failure.connect(task_failed, weak=False, dispatch_uid="zp-metrics-failure")
    signals.task_retry.connect(task_retried, weak=False, dispatch_uid="zp-metrics-retry")
    return True


class QueueDepthCollector:
    """`zohoportal_celery_queue_depth`, read from the broker at scrape time.

    Only for a Redis broker (CELERY_BROKER_URL redis:// or rediss://): the length of the
    `celery` list (tasks of the default priority waiting). Absent for any other broker, and
    when Redis does not answer within 0.5 s (the scrape still succeeds).
    """

    def collect(self):
        url = getattr(settings, "CELERY_BROKER_URL", "") or ""
        if not url.startswith(("redis://", "rediss://")):
            return
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            try:
                depth = client.llen(QUEUE)
            finally:
                client.close()
        except Exception as error:  # noqa: BLE001 - a scrape never fails on the broker
            logger.warning("metrics: queue depth unavailable (%s)", type(error).__name__)
            return
        family = GaugeMetricFamily(
            "zohoportal_celery_queue_depth",
            "Tasks waiting in the Celery broker's queue (Redis brokers only).",
            labels=["queue"],
        )
        family.add_metric([QUEUE], depth)
        yield family


class _Delegate:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def exposition() -> bytes:
    """The text exposition of every metric: this process's, or all processes' (multiprocess)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Delegate(REGISTRY))
    registry.register(QueueDepthCollector())
    return generate_latest(registry)


# --- requests and /metrics ------------------------------------------------------------------
def _authorized(request) -> bool:
    expected = getattr(settings, "METRICS_TOKEN", "") or ""
    if not expected:
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _view(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or UNKNOWN  # "crm:record-list", or the view's dotted path


class MetricsMiddleware:
    """Counts every request below it, and answers `/metrics` to the holder of the token.

    Placed right after the health checks, before the HTTPS redirect, ALLOWED_HOSTS, sessions
    and CSRF: a scraper holds no session. A request for /metrics without the right token
    goes on like any other and gets the portal's 404: nothing tells that /metrics exists.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/") or "/"
        if path == METRICS_PATH and request.method in ("GET", "HEAD") and _authorized(request):
            response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
            response["Cache-Control"] = "no-store"
            if request.method == "HEAD":
                response.content = b""
            return response
        started = time.monotonic()
        response = self.get_response(request)
        view = _view(request)
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view).observe(time.monotonic() - started)
        return response
