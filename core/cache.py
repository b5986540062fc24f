"""Single-flight loading through Django's cache, shared by every worker on every host.

`get_or_set_once(key, loader, ttl)` is `cache.get_or_set` where, when many workers miss
the same key at the same moment, one of them runs `loader` and the others wait for its
value instead of each asking Zoho. The lock is a cache key taken with `cache.add` (atomic
in Redis and in Django's memory cache), held at most `HOLD_SECONDS`: a worker that dies
while loading only delays the others until then. A waiter gives up after `WAIT_SECONDS`
and loads by itself, so a slow loader never turns into an error.

A cache that does not answer (Redis down or hanging) degrades to no cache: the loader runs,
the request is served, and the outage is logged once (core/cache_backend.py); it never
fails a request.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

from core.cache_backend import CacheUnavailable

logger = logging.getLogger("zohoportal.cache")
T = TypeVar("T")

MISSING: Any = object()
# A loader is one or two calls to Zoho (ZOHO_HTTP_TIMEOUT each, 10 s by default).
HOLD_SECONDS = 60
WAIT_SECONDS = 30
_FIRST_POLL, _LAST_POLL = 0.01, 0.25

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is in requirements.txt
    RedisError = OSError  # type: ignore[assignment,misc]

CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


def cache_get(key: str) -> Any:
    """`cache.get(key)`, MISSING when absent or when the cache does not answer."""
    try:
        return cache.get(key, MISSING)
    except CACHE_ERRORS as error:
        _unavailable("get", error)
        return MISSING


def cache_set(key: str, value: Any, ttl: float) -> None:
    try:
        cache.set(key, value, ttl)
    except CACHE_ERRORS as error:
        _unavailable("set", error)


def cache_delete(*keys: str) -> None:
    try:
        cache.delete_many(list(keys))
    except CACHE_ERRORS as error:
        _unavailable("delete", error)


def _unavailable(operation: str, error: BaseException) -> None:
    # The portal's own Redis backend has logged the outage once already: not again per call.
    level = logging.DEBUG if isinstance(error, CacheUnavailable) else logging.WARNING
    logger.log(
        level, "cache %s failed (%s): going on without the cache", operation, type(error).__name__
    )


def run_once(name: str, *, done: Callable[[], Any], work: Callable[[], T]) -> T | Any:
    """`done()` if it is not MISSING; else `work()` by one caller at a time across the fleet.

    A caller that waited for the lock checks `done()` again before working, so the work
    happens once however many callers arrive together; `done()` is polled while waiting.
    """
    result = done()
    if result is not MISSING:
        return result
    lock, token = f"{name}:lock", secrets.token_hex(8)
    deadline = time.monotonic() + WAIT_SECONDS
    poll = _FIRST_POLL
    while True:
        try:
            acquired = cache.add(lock, token, HOLD_SECONDS)
        except CACHE_ERRORS as error:
            _unavailable("add", error)
            return work()
        if acquired:
            try:
                result = done()
                return work() if result is MISSING else result
            finally:
                _release(lock, token)
        time.sleep(poll)
        poll = min(poll * 2, _LAST_POLL)
        result = done()
        if result is not MISSING:
            return result
        if time.monotonic() >= deadline:
            logger.warning("waited %ss for %s; loading it here as well", WAIT_SECONDS, name)
            return work()


def _release(lock: str, token: str) -> None:
    try:
        if cache.get(lock) == token:  # not someone else's after our hold expired
            cache.delete(lock)
    except CACHE_ERRORS as error:
        _unavailable("delete", error)


def get_or_set_once(key: str, loader: Callable[[], T], ttl: float) -> T:
    """The cached value of `key`, else `loader()` run once across every worker, cached."""

    def load_and_store() -> T:
        value = loader()
        cache_set(key, value, ttl)
        return value

    return run_once(key, done=lambda: cache_get(key), work=load_and_store)
