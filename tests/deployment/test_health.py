"""/healthz and /readyz: plain HTTP, any Host, no redirect, no session, nothing secret."""

from __future__ import annotations

import json

import pytest
from django.db import connections
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_like(settings):
    """What production turns on that could get in a probe's way."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    return settings


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/healthz/", "/readyz/"])
def test_probes_answer_plain_http_with_any_host_and_no_redirect(production_like, path):
    client = Client(HTTP_HOST="10.0.0.7:8000")  # a load balancer probing the bare address
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response and not response.cookies
    assert response["X-Request-ID"]


def test_liveness_says_ok_and_nothing_else(production_like):
    assert json.loads(Client(HTTP_HOST="x").get("/healthz").content) == {"status": "ok"}


def test_readiness_names_what_it_checked(production_like):
    body = json.loads(Client(HTTP_HOST="x").get("/readyz").content)
    assert body == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "tokens": "ok"}}


def test_readiness_is_503_when_the_cache_does_not_answer(production_like, caplog):
    production_like.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    response = Client(HTTP_HOST="x").get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "tokens": "ok"},
    }
    assert "127.0.0.1:9" not in response.text  # the reason is logged, not answered
    assert "readiness: cache unavailable" in caplog.text
    # Liveness does not depend on the cache: the process is alive, just not ready.
    assert Client(HTTP_HOST="x").get("/healthz").status_code == 200


def test_readiness_is_503_when_the_database_does_not_answer(production_like, monkeypatch):
    def broken(*args, **kwargs):
        raise connections["default"].Database.OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken)
    response = Client(HTTP_HOST="x").get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["database"] == "unavailable"


def test_probes_answer_head_and_refuse_writes_without_csrf_or_session(production_like):
    client = Client(HTTP_HOST="x", enforce_csrf_checks=True)
    head = client.head("/readyz")
    assert head.status_code == 200 and head.content == b""
    post = client.post("/healthz")
    assert post.status_code == 405 and post["Allow"] == "GET, HEAD"


def test_other_paths_still_get_the_host_check_and_the_https_redirect(production_like):
    assert Client(HTTP_HOST="evil.example").get("/").status_code == 400
    redirect = Client(HTTP_HOST="portal.example.com").get("/")
    assert redirect.status_code == 301 and redirect["Location"].startswith("https://")
