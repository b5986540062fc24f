"""A fixed-window request limit per client address, kept in Django's cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


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


def rate_limited(request, *, scope: str) -> bool:
    """Count this request; True when the address is over LOGIN_RATE_LIMIT in this window."""
    limit, window = settings.LOGIN_RATE_LIMIT
    if limit <= 0:
        return False
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{client_address(request)}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return False
    return count > limit
