"""The portal's Redis cache backend when Redis does not answer (core/cache_backend.py),
and what each user of the cache falls back to: sessions, rate limits, submit-once tokens.

The outage end to end, through gunicorn, is tests/deployment/test_cache_outage.py.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core import cache as shared
from core import ratelimit
from core.cache_backend import CacheUnavailable, FaultTolerantRedisCache
from crm import submit_once
from crm.models import SubmitClaim
from tests.deployment.harness import free_port
from tests.helpers import redis_or_skip

ROOT = Path(__file__).resolve().parents[2]
BACKEND = "core.cache_backend.FaultTolerantRedisCache"


@pytest.fixture
def redis_stopped(settings):
    """The default cache on a port where nothing listens (a new port: a breaker of its own)."""
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return cache


def test_redis_urls_get_the_fault_tolerant_backend_with_short_timeouts():
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.CACHES['default']['BACKEND']))\n"
        "o = settings.CACHES['default']['OPTIONS']\n"
        "print(json.dumps([o['socket_connect_timeout'], o['socket_timeout'], o['retry_seconds']]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CACHE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
        DEBUG="true",
        CACHE_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    backend, options = map(json.loads, result.stdout.splitlines())
    assert backend == BACKEND
    assert options == [0.5, 0.5, 5.0]


def test_reads_miss_writes_are_skipped_and_add_says_so(redis_stopped, caplog):
    caplog.set_level(logging.DEBUG, logger="zohoportal")
    assert cache.get("a", "default") == "default"
    cache.set("a", 1, 60)
    cache.delete("a")
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}
    assert "a" not in cache
    assert cache.set_many({"a": 1}, 60) == ["a"]
    with pytest.raises(CacheUnavailable):
        cache.add("a", 1, 60)
    with pytest.raises(CacheUnavailable):
        cache.incr("a")
    # One attempt reached the port; every call after it skipped Redis (the breaker).
    assert cache.breaker.failures == 1
    # And the outage is one WARNING, not one per call (nor per caller).
    assert shared.get_or_set_once("crm:x", lambda: ["loaded"], 60) == ["loaded"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "cache unavailable (ConnectionError on get): serving without it, trying again every 5s"
    ]


def test_after_the_pause_redis_is_tried_again(redis_stopped):
    cache.breaker.skip_until = 0.0  # as if CACHE_RETRY_SECONDS had passed
    cache.get("a")
    assert cache.breaker.failures == 1
    cache.breaker.skip_until = 0.0
    cache.get("a")
    cache.get("a")
    assert cache.breaker.failures == 2


@pytest.mark.redis
def test_a_key_changed_during_the_outage_is_deleted_when_redis_is_back(settings, monkeypatch):
    """A session signed out while Redis was away must not come back from Redis afterwards."""
    import redis

    url = redis_or_skip()
    prefix = f"zohoportal-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {"BACKEND": BACKEND, "LOCATION": url, "KEY_PREFIX": prefix, "OPTIONS": {}}
    }
    server = redis.Redis.from_url(url)
    try:
        cache.set("session", {"user": 7}, 600)
        cache.set("other", "kept", 600)

        def refused(*args, **kwargs):
            raise redis.exceptions.ConnectionError("Connection refused")

        client = cache._cache
        with monkeypatch.context() as patch:
            patch.setattr(client, "delete", refused)
            patch.setattr(client, "get", refused)
            cache.delete("session")  # signing out while Redis does not answer
            assert cache.get("session") is None
        assert server.exists(f"{prefix}:1:session")  # still there: Redis never heard of it
        cache.breaker.skip_until = 0.0  # the pause is over; Redis answers again
        assert cache.get("session") is None
        assert not server.exists(f"{prefix}:1:session")
        assert cache.get("other") == "kept"
    finally:
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)


def test_a_bad_option_is_not_passed_to_redis():
    backend = FaultTolerantRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"retry_seconds": 2, "socket_timeout": 0.5}}
    )
    assert backend.retry_seconds == 2.0
    assert "retry_seconds" not in backend._options
    assert backend._options["retry"].get_retries() == 0


# --- rate limits ---------------------------------------------------------------------------------
def test_the_rate_limit_counts_in_the_process_while_the_cache_is_away(redis_stopped, settings):
    settings.LOGIN_RATE_LIMIT = (3, 60)
    request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="192.0.2.31")
    answers = [ratelimit.rate_limited(request, scope="login") for _ in range(5)]
    assert answers == [False, False, False, True, True]
    other = RequestFactory().get("/accounts/login/", REMOTE_ADDR="192.0.2.32")
    assert ratelimit.rate_limited(other, scope="login") is False


def test_the_admin_throttle_holds_while_the_cache_is_away(redis_stopped, settings, db):
    from django.test import Client

    settings.ADMIN_LOGIN_RATE_LIMIT = (2, 60)
    client = Client(REMOTE_ADDR="192.0.2.33")
    statuses = [
        client.post("/admin/login/", {"username": "ops", "password": f"p{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


# --- submit-once tokens --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_submit_once_claims_in_the_database_while_the_cache_is_away(redis_stopped, monkeypatch):
    monkeypatch.setattr(submit_once, "WAIT_SECONDS", 0)
    token = submit_once.issue()
    first = submit_once.claim(user_id=1, scope="Leads", token=token)
    assert first.first and first.in_db
    second = submit_once.claim(user_id=1, scope="Leads", token=token)
    assert not second.first and second.result is None  # still being saved
    first.done("/crm/Leads/42/")
    third = submit_once.claim(user_id=1, scope="Leads", token=token)
    assert not third.first and third.result == "/crm/Leads/42/"
    # Another user's token of the same text is another claim.
    assert submit_once.claim(user_id=2, scope="Leads", token=token).first
    # A failed save gives the token back.
    retry = submit_once.issue()
    failed = submit_once.claim(user_id=1, scope="Leads", token=retry)
    failed.release()
    assert submit_once.claim(user_id=1, scope="Leads", token=retry).first
    assert SubmitClaim.objects.count() == 3


@pytest.mark.django_db
def test_a_claim_made_in_the_database_holds_when_the_cache_is_back(settings):
    """Claimed during the outage (in the database), resent once Redis answers again."""
    token = submit_once.issue()
    key = submit_once._key(1, "Leads", token)
    SubmitClaim.objects.create(key_digest=submit_once._digest(key), done=True, result="/r/1/")
    again = submit_once.claim(user_id=1, scope="Leads", token=token)
    assert not again.first and again.result == "/r/1/"
