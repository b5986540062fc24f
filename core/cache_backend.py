"""Django's RedisCache that a Redis outage cannot turn into failed requests.

`CACHE_URL=redis://...` uses `FaultTolerantRedisCache`: Django's own RedisCache, with

- no retries and short socket timeouts (CACHE_TIMEOUT, 0.5 s by default): a Redis that is down
  or hangs costs one bounded wait, never the OS's connect timeout;
- a circuit breaker: after a failure, every call skips Redis for CACHE_RETRY_SECONDS (5 s by
  default) and answers at once; the first call after that tries Redis again. A page touches
  the cache several times, and must not wait out the timeout on each;
- reads that fail are misses (`get` answers the default, `has_key` False, `get_many` {}),
  writes that fail are skipped (`set`, `delete`, `touch`...): sessions (`cached_db`) read
  and write the database, metadata is loaded from Zoho again;
- `add` and `incr` (so `decr`) raise `CacheUnavailable` instead: their callers (locks, rate
  limits, submit-once tokens) must know that nothing was counted or claimed, and choose their
  own fallback (core/cache.py, core/ratelimit.py, crm/submit_once.py).

A key whose write or delete was skipped may be stale in Redis (a session signed out during
the outage, say): the process remembers it (up to MAX_STALE keys) and deletes it as soon as
Redis answers again, before anything else is read. An outage is logged once per process, as
a WARNING when it starts and an INFO line when Redis answers again: not on every call.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("zohoportal.cache")

# What a cache that does not answer raises (a refused or timed-out socket, a Redis error).
FAILURES = (RedisError, OSError)
MAX_STALE = 10_000


class CacheUnavailable(RedisError):
    """The cache did not answer (or is being skipped after a recent failure)."""


class _Breaker:
    """One per Redis location and process, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.skip_until = 0.0
        self.down = False
        self.failures = 0  # calls that reached Redis and failed (for tests and metrics)
        self.stale: set[str] = set()  # keys written or deleted while Redis did not answer
        self.stale_overflow = False

    def closed(self) -> bool:
        return time.monotonic() >= self.skip_until

    def failed(self, location: str, operation: str, error: BaseException, pause: float) -> None:
        with self._lock:
            self.failures += 1
            self.skip_until = time.monotonic() + pause
            first, self.down = not self.down, True
        if first:
            logger.warning(
                "cache unavailable (%s on %s): serving without it, trying again every %gs",
                type(error).__name__,
                operation,
                pause,
            )

    def remember_stale(self, keys: list[str]) -> None:
        with self._lock:
            if len(self.stale) + len(keys) > MAX_STALE:
                self.stale_overflow = True
            else:
                self.stale.update(keys)

    def stale_keys(self) -> list[str]:
        with self._lock:
            return list(self.stale)

    def recovered(self, deleted: list[str]) -> None:
        """Redis answers again and the stale keys `deleted` are gone from it."""
        with self._lock:
            if not self.down:
                return
            self.down = False
            self.stale.difference_update(deleted)
            overflow, self.stale_overflow = self.stale_overflow, False
        logger.info("cache available again")
        if overflow:
            logger.warning(
                "cache: more than %d keys changed during the outage; some may be stale until "
                "they expire",
                MAX_STALE,
            )


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


class FaultTolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("retry_seconds", 5.0))
        # One attempt per call: redis-py's retries would multiply the timeout.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = ",".join(self._servers)

    @property
    def breaker(self) -> _Breaker:
        return breaker_for(self._location)

    def _call(self, operation: str, call, *args, **kwargs):
        breaker = self.breaker
        if not breaker.closed():
            raise CacheUnavailable(f"cache skipped after a recent failure ({operation})")
        try:
            if breaker.down:  # first call after a failure: forget what went stale, then go on
                stale = breaker.stale_keys()
                if stale:
                    self._cache.delete_many(stale)
                breaker.recovered(stale)
            return call(*args, **kwargs)
        except CacheUnavailable:
            raise
        except FAILURES as error:
            breaker.failed(self._location, operation, error, self.retry_seconds)
            raise CacheUnavailable(f"cache {operation} failed: {type(error).__name__}") from error

    def _or(self, fallback: Any, operation: str, call, *args, **kwargs):
        try:
            return self._call(operation, call, *args, **kwargs)
        except CacheUnavailable:
            return fallback

    def _write(self, keys, version, operation: str, call, *args):
        """A write or delete; skipped (its keys remembered as stale) if Redis does not answer."""
        try:
            return self._call(operation, call, *args)
        except CacheUnavailable:
            self.breaker.remember_stale([self.make_key(k, version) for k in keys])
            return None

    # These raise CacheUnavailable: their callers need to know nothing was stored or counted.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", super().incr, key, delta, version)

    # A failed read is a miss; a failed write is skipped.
    def get(self, key, default=None, version=None):
        return self._or(default, "get", super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, "get_many", super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, "has_key", super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._write([key], version, "set", super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        done = self._write(
            list(data), version, "set_many", super().set_many, data, timeout, version
        )
        return list(data) if done is None else done

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, "touch", super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return bool(self._write([key], version, "delete", super().delete, key, version))

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._write(keys, version, "delete_many", super().delete_many, keys, version)

    def clear(self):
        return self._or(False, "clear", super().clear)
