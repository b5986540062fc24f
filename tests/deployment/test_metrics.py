"""/metrics: Prometheus text for the METRICS_TOKEN holder only, a plain 404 for anyone else.

The counts come from real requests through the portal, whose Zoho calls go over HTTP to the
emulator through the real SDK. Counters are process-wide, so each test compares the values
after its requests with those before.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import ZohoConnection
from core import metrics
from tests.helpers import redis_or_skip

pytestmark = pytest.mark.django_db

TOKEN = "metrics-" + "k" * 40
EU_USER_DC = "eu"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return settings


def scrape(token: str = TOKEN, **extra) -> dict[str, dict[tuple, float]]:
    """{sample name: {sorted label pairs: value}} from /metrics with `token`."""
    response = Client(HTTP_HOST="10.0.0.7:8000", **extra).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200, response.status_code
    return parse(response.content.decode())


def parse(text: str) -> dict[str, dict[tuple, float]]:
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def test_a_scrape_with_the_token_counts_requests_zoho_calls_credits_and_refreshes(
    metrics_on, connect, demo_users, client
):
    user = demo_users["by_dc"][EU_USER_DC][0]
    connection = connect(user["email"], org=user["orgs"][0]["zgid"])
    # An expired access token: the first page refreshes it first.
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    before = scrape()

    assert client.get("/crm/api/Leads/?per_page=2").status_code == 200
    assert client.get("/crm/api/Leads/?per_page=2").status_code == 200
    record_id = client.get("/crm/api/Leads/?per_page=1").json()["data"][0]["id"]
    assert client.get(f"/crm/api/Leads/{record_id}/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # requests: by URL name, never by path
    assert delta("zohoportal_requests_total", view="crm:api-records", method="GET", status="200")
    assert (
        delta("zohoportal_requests_total", view="crm:api-records", method="GET", status="200") == 3
    )
    assert (
        delta("zohoportal_requests_total", view="crm:api-record", method="GET", status="200") == 1
    )
    assert delta("zohoportal_requests_total", view="unmatched", method="GET", status="404") == 1
    assert delta("zohoportal_request_duration_seconds_count", view="crm:api-records") == 3
    # Zoho calls: by data center, operation and HTTP status
    calls = {"data_center": EU_USER_DC, "status": "200"}
    assert delta("zohoportal_zoho_calls_total", operation="record_list", **calls) >= 3
    assert delta("zohoportal_zoho_calls_total", operation="record_get", **calls) >= 1
    assert delta("zohoportal_zoho_calls_total", operation="token_refresh", **calls) == 1
    assert delta("zohoportal_zoho_call_duration_seconds_count", data_center=EU_USER_DC,
                 operation="token_refresh") == 1  # fmt: skip
    # one credit per CRM API call answered; the token endpoint costs none
    crm_calls = sum(
        v - value(before, "zohoportal_zoho_calls_total", **dict(labels))
        for labels, v in after["zohoportal_zoho_calls_total"].items()
        if dict(labels)["data_center"] == EU_USER_DC
        and not dict(labels)["operation"].startswith("token_")
    )
    assert crm_calls >= 4
    assert delta("zohoportal_zoho_credits_used_total", data_center=EU_USER_DC) == crm_calls
    # the refresh and its outcome
    refreshed = {"data_center": EU_USER_DC, "trigger": "request", "outcome": "refreshed"}
    assert delta("zohoportal_token_refreshes_total", **refreshed) == 1

    # Bounded labels only: no path, record id, e-mail or user id anywhere.
    for samples in after.values():
        for labels in samples:
            for _, label_value in labels:
                assert record_id not in label_value
                assert "/" not in label_value
                assert "@" not in label_value


def test_the_exposition_is_prometheus_text_and_never_cached(metrics_on):
    response = Client(HTTP_HOST="10.0.0.7:8000").get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response and not response.cookies
    text = response.content.decode()
    for family in (
        "zohoportal_requests",
        "zohoportal_zoho_calls",
        "zohoportal_zoho_credits_used",
        "zohoportal_token_refreshes",
        "zohoportal_celery_tasks",
    ):
        assert f"# TYPE {family}_total counter" in text, family


def test_a_scrape_needs_no_session_https_or_allowed_host(metrics_on):
    """Like /healthz: a scraper talks plain HTTP to the bare address, with no cookies."""
    metrics_on.SECURE_SSL_REDIRECT = True
    metrics_on.ALLOWED_HOSTS = ["portal.example.com"]
    scrape(HTTP_X_FORWARDED_PROTO="http")  # asserts the 200
    # ...but without the token the same request is treated like any other page.
    response = Client(HTTP_HOST="portal.example.com").get("/metrics")
    assert response.status_code == 301


def normal_404() -> bytes:
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    return response.content


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        TOKEN,
    ],
)
def test_without_the_right_token_metrics_is_the_portals_normal_404(metrics_on, authorization):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 404
    assert response.content.replace(b"/metrics", b"/no-such-page") == normal_404()
    assert b"zohoportal_" not in response.content


def test_with_no_metrics_token_set_metrics_is_off(settings):
    settings.METRICS_TOKEN = ""
    for authorization in ("Bearer ", "Bearer x", "Bearer None"):
        response = Client().get("/metrics", HTTP_AUTHORIZATION=authorization)
        assert response.status_code == 404
        assert b"zohoportal_" not in response.content


def test_only_get_and_head_are_answered(metrics_on):
    client = Client()
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code in (403, 404)  # the portal's own answer: CSRF, or no page
    assert b"zohoportal_" not in response.content
    head = client.head("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert head.status_code == 200 and head.content == b""


# --- Celery: task outcomes and queue depth --------------------------------------------------
class _Task:
    name = "jobs.job_run"


def test_task_outcomes_are_counted_by_task_name_and_outcome(metrics_on):
    before = scrape()
    metrics.task_succeeded(sender=_Task())
    metrics.task_succeeded(sender=_Task())
    metrics.task_retried(sender=_Task())
    metrics.task_failed(sender=_Task())
    after = scrape()
    for outcome, count in (("success", 2), ("retry", 1), ("failure", 1)):
        labels = {"task": "jobs.job_run", "outcome": outcome}
        assert (
            value(after, "zohoportal_celery_tasks_total", **labels)
            - value(before, "zohoportal_celery_tasks_total", **labels)
            == count
        )


def test_task_outcomes_come_from_celerys_signals(metrics_on):
    signals = pytest.importorskip("celery.signals")
    assert metrics.connect_celery_signals()  # what CoreConfig.ready did (idempotent)
    before = scrape()
    signals.task_success.send(sender=_Task(), result=None)
    signals.task_failure.send(sender=_Task(), task_id="x", exception=RuntimeError())
    signals.task_retry.send(sender=_Task(), request=None, reason="again")
    after = scrape()
    for outcome in ("success", "failure", "retry"):
        labels = {"task": "jobs.job_run", "outcome": outcome}
        assert (
            value(after, "zohoportal_celery_tasks_total", **labels)
            - value(before, "zohoportal_celery_tasks_total", **labels)
            == 1
        )


QUEUE_DEPTH = "zohoportal_celery_queue_depth"


def test_queue_depth_is_the_length_of_the_redis_brokers_celery_list(metrics_on):
    import redis

    url = redis_or_skip()
    # A database of the test's own choosing (not the shared cache's), a list length read
    # right after it was set.
    broker = re.sub(r"/\d*$", "", url) + "/13"
    server = redis.Redis.from_url(broker)
    metrics_on.CELERY_BROKER_URL = broker
    marker = uuid.uuid4().hex
    server.delete("celery")
    try:
        server.rpush("celery", *[f"{marker}-{n}" for n in range(3)])
        assert value(scrape(), QUEUE_DEPTH, queue="celery") == 3
        server.rpush("celery", f"{marker}-3")
        assert value(scrape(), QUEUE_DEPTH, queue="celery") == 4
    finally:
        server.delete("celery")


@pytest.mark.parametrize(
    "broker",
    ["", "memory://", "filesystem://", "amqp://guest@127.0.0.1//", "redis://127.0.0.1:9/0"],
)
def test_queue_depth_is_absent_without_a_reachable_redis_broker(metrics_on, broker):
    metrics_on.CELERY_BROKER_URL = broker
    assert QUEUE_DEPTH not in scrape()  # and the scrape itself still answers 200
