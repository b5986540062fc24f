"""A fixed-window request limit per client address, kept in Django's cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
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
