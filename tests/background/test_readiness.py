"""/readyz checks the Celery broker when one is configured, within a bounded wait."""

from __future__ import annotations

import json
import socket

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _ready() -> tuple[int, dict]:
    response = Client(HTTP_HOST="x").get("/readyz")
    return response.status_code, json.loads(response.content)


def test_a_reachable_broker_is_ready(celery_broker):
    status, body = _ready()
    assert status == 200
    assert body["checks"]["broker"] == "ok"


def test_an_unreachable_broker_fails_readiness_by_name(celery_broker):
    celery_broker.conf.broker_transport = None  # the URL's own
    celery_broker.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    status, body = _ready()
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", "tokens": "ok", "broker": "unavailable"},
    }


def test_a_broker_that_accepts_and_never_answers_fails_readiness(celery_broker):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        celery_broker.conf.broker_transport = None  # the URL's own
        celery_broker.conf.broker_url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        status, body = _ready()
    assert status == 503
    assert body["checks"]["broker"] == "unavailable"


def test_redis_as_the_broker_is_ready(celery_broker):
    from tests.helpers import redis_or_skip

    celery_broker.conf.broker_transport = None  # the URL's own

    celery_broker.conf.broker_url = redis_or_skip()
    status, body = _ready()
    assert status == 200, body
    assert body["checks"]["broker"] == "ok"


def test_without_a_broker_readiness_says_nothing_about_one():
    """No CELERY_BROKER_URL: Celery runs eagerly, there is no broker to check."""
    status, body = _ready()
    assert status == 200
    assert "broker" not in body["checks"]
