"""A fixed-window request limit per client address, kept in Django's (shared) cache."""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache

from core.cache import CACHE_ERRORS

logger = logging.getLogger("zohoportal.accounts")


def client_address(request) -> str:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, the one they saw.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is that many entries from the right; anything further
    left was written by the client and is ignored.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [entry for entry in forwarded if entry]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(
    request, *, scope: str, limit: tuple[int, int] | None = None, key: str | None = None
) -> bool:
    """Count this request; True when its bucket is over the limit in this window.

    The bucket is the client address (or `key`, e.g. a user name) within `scope`; `limit`
    is (requests, window seconds), LOGIN_RATE_LIMIT by default. The count lives in the
    shared cache, so it holds across workers and hosts; while the cache does not answer,
    each process counts on its own (`_count_here`): the limit then holds per process, a
    little looser across the fleet, but never fully open and never a failed request.
    """
    count_limit, window = limit or settings.LOGIN_RATE_LIMIT
    if count_limit <= 0:
        return False
    bucket = int(time.time() // window)
    who = key if key is not None else client_address(request)
    cache_key = f"ratelimit:{scope}:{_safe_key_part(who)}:{bucket}"
    try:
        if cache.add(cache_key, 1, timeout=window + 1):
            return False
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            return False
    except CACHE_ERRORS as error:
        logger.debug("rate limit %s counted in this process: cache failed (%r)", scope, error)
        count = _count_here(cache_key, window)
    return count > count_limit


# Counts for the rate limits while the shared cache does not answer: {key: (count, expiry)}.
_here: dict[str, tuple[int, float]] = {}
_here_lock = threading.Lock()
MAX_KEYS_HERE = 10_000


def _count_here(cache_key: str, window: int) -> int:
    now = time.monotonic()
    with _here_lock:
        if len(_here) >= MAX_KEYS_HERE:  # drop expired windows; if all are live, the oldest
            for key in [k for k, (_, expiry) in _here.items() if expiry <= now]:
                del _here[key]
            while len(_here) >= MAX_KEYS_HERE:
                del _here[next(iter(_here))]
        count, expiry = _here.get(cache_key, (0, now + window + 1))
        if expiry <= now:
            count, expiry = 0, now + window + 1
        _here[cache_key] = (count + 1, expiry)
        return count + 1


def _safe_key_part(text: str) -> str:
    """Any text as a short cache-key part (memcached-safe: no spaces, bounded length)."""
    if len(text) <= 64 and text.isascii() and text.isprintable() and " " not in text:
        return text
    return "sha256-" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
