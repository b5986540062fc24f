"""The shared cache: single-flight metadata, the SDK's field files across hosts, rate limits.

Processes and hosts are proven by tests/deployment/test_multi_instance.py (two gunicorn
instances, one PostgreSQL, one Redis); these tests prove each piece in one process.
"""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from accounts.models import ZohoConnection
from core import cache as shared
from core import ratelimit
from zoho import sdk as zoho_sdk

FIELD_CALLS = "/crm/v8/settings/fields"


class _LockAttempts:
    """The cache as core.cache uses it, noting which threads have tried to take a lock."""

    def __init__(self, real, threads: int):
        self.real = real
        self.threads = threads
        self.tried: set[int] = set()
        self.all_tried = threading.Event()
        self.guard = threading.Lock()

    def add(self, key, *args, **kwargs):
        added = self.real.add(key, *args, **kwargs)
        if key.endswith(":lock"):
            with self.guard:
                self.tried.add(threading.get_ident())
                if len(self.tried) == self.threads:
                    self.all_tried.set()
        return added

    def __getattr__(self, name):
        return getattr(self.real, name)


def _concurrent_loads(monkeypatch, threads: int = 8) -> tuple[list[object], list[int]]:
    calls: list[int] = []
    results: list[object] = []
    barrier = threading.Barrier(threads)
    attempts = _LockAttempts(shared.cache, threads)
    monkeypatch.setattr(shared, "cache", attempts)

    def loader():
        calls.append(1)
        # Every other thread has missed too, and tried the lock, before this load ends (if
        # one never does, the wait ends and the test fails on the count).
        attempts.all_tried.wait(10)
        return {"modules": ["Leads"]}

    def worker():
        barrier.wait()
        results.append(shared.get_or_set_once("crm:test:1", loader, 60))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    return results, calls


def test_concurrent_misses_run_the_loader_once(monkeypatch):
    results, calls = _concurrent_loads(monkeypatch)
    assert len(calls) == 1
    assert results == [{"modules": ["Leads"]}] * 8


@pytest.mark.redis
def test_concurrent_misses_run_the_loader_once_through_redis(redis_cache, monkeypatch):
    results, calls = _concurrent_loads(monkeypatch)
    assert len(calls) == 1
    assert results == [{"modules": ["Leads"]}] * 8
    assert cache.get("crm:test:1") == {"modules": ["Leads"]}


def test_a_failing_loader_releases_the_lock_and_caches_nothing():
    def failing():
        raise RuntimeError("Zoho said no")

    with pytest.raises(RuntimeError):
        shared.get_or_set_once("crm:test:2", failing, 60)
    assert cache.get("crm:test:2:lock") is None
    assert shared.get_or_set_once("crm:test:2", lambda: [1], 60) == [1]


def test_a_cache_that_does_not_answer_is_no_cache(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert shared.get_or_set_once("crm:test:3", lambda: ["value"], 60) == ["value"]
    request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="192.0.2.9")
    assert ratelimit.rate_limited(request, scope="login") is False
    assert "going on without the cache" in caplog.text or "not counted" in caplog.text


@pytest.mark.redis
def test_the_rate_limit_counts_in_redis_for_every_process(redis_cache, settings):
    settings.LOGIN_RATE_LIMIT = (3, 60)
    request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="192.0.2.10")
    answers = [ratelimit.rate_limited(request, scope="login") for _ in range(5)]
    assert answers == [False, False, False, True, True]
    import redis

    from tests.helpers import redis_url

    keys = list(redis.Redis.from_url(redis_url()).scan_iter(match=f"{redis_cache}:*ratelimit*"))
    assert len(keys) == 1  # one shared counter, where every worker and host counts


def test_odd_rate_limit_keys_are_hashed():
    assert ratelimit._safe_key_part("192.0.2.1") == "192.0.2.1"
    hashed = ratelimit._safe_key_part("admin user\u00e9" * 10)
    assert hashed.startswith("sha256-") and len(hashed) == 71


# --- the SDK's own field files, across hosts ----------------------------------------------------
def _field_calls(zoho) -> int:
    paths = zoho.client.stats()["api_calls_by_path"]
    return sum(count for path, count in paths.items() if path.endswith(FIELD_CALLS))


@pytest.mark.django_db
def test_the_sdks_field_file_is_fetched_once_for_two_hosts(
    sign_in, demo_users, zoho, settings, tmp_path
):
    """Two hosts (two resource directories) and one shared cache: the second host's SDK copies
    the field file from the cache instead of asking Zoho again."""
    user = demo_users["by_dc"]["eu"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path / "host-a"
    assert sign_in.client.get("/crm/api/Leads/").status_code == 200
    first_host = _field_calls(zoho)
    assert first_host >= 2  # the portal's field metadata, and the SDK's own field file

    from crm import metadata

    cache.delete(metadata.metadata_key(connection, "fields", "Leads"))  # refetched once

    metadata.forget_local()  # host b is another process: it has no copy of its own
    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path / "host-b"
    assert sign_in.client.get("/crm/api/Leads/").status_code == 200
    assert _field_calls(zoho) == first_host + 1  # the portal's; the SDK's came from the cache
    assert list((tmp_path / "host-b" / f"connection-{connection.pk}").glob("m-*/resources"))


@pytest.mark.django_db
def test_a_deleted_connection_leaves_the_orgs_shared_field_file_to_the_others(
    sign_in, demo_users, zoho, django_capture_on_commit_callbacks
):
    """The shared copy is the org's and profile's (zoho.metadata_scope), not the connection's:
    deleting one connection takes its own files along, not what its org's others use."""
    sign_in(demo_users["by_dc"]["us"][0]["email"])
    connection = ZohoConnection.objects.get()
    assert sign_in.client.get("/crm/api/Leads/").status_code == 200
    key = f"sdk-fields:{connection.metadata_scope}"
    assert cache.get(key)["contents"]["leads"]
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in.client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert cache.get(key)["contents"]["leads"]
    assert not zoho_sdk.resource_dir_path(connection.pk).exists()
