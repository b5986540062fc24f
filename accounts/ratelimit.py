"""A fixed-window request limit per client address, kept in Django's (shared) cache."""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

from zohoportal.cache import CACHE_ERRORS

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
    shared cache, so it holds across workers and hosts; a cache that does not answer lets
    the request through (logged) rather than failing it.
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
        logger.warning("rate limit %s not counted: cache failed (%s)", scope, type(error).__name__)
        return False
    return count > count_limit


def _safe_key_part(text: str) -> str:
    """Any text as a short cache-key part (memcached-safe: no spaces, bounded length)."""
    if len(text) <= 64 and text.isascii() and text.isprintable() and " " not in text:
        return text
    return "sha256-" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
