"""Whose Zoho metadata: the scope every cached copy of it is shared under.

What Zoho's settings APIs answer (modules, fields, layouts, users) depends on the org and on
the signed-in user's Zoho profile (which modules it may use, which fields it may see or
change), not on the user. So the portal's cached metadata, and the SDK's own field files,
are shared by every connection of one org and profile, in every process on every host
(Django's cache, Redis in production), under a *scope*:

    {SDK version}:{data center}:{zgid}:{org generation}:{profile id}

- The SDK version (`zohocrmsdk8_0`'s, installed): two releases in one fleet (a rolling
  upgrade) never read each other's entries, whose shape the SDK decides.
- The org generation is a random token kept in the shared cache per org
  (`zoho-meta-gen:{dc}:{zgid}`). `org_refresh` replaces it: every key of the org, for every
  profile and every host, is then another key, and the old entries expire by their TTL.
  Each process keeps the generation it read for `LOCAL_TTL` seconds, so a refresh reaches
  the other processes within that time (at once in the process that made it). A
  generation the cache lost (evicted, cache restarted) is replaced the same way: the next
  reader starts the org afresh, never an older generation.
- A connection whose profile is not known (stored before the portal kept it) gets a scope
  of its own (`user-{Zoho user id}` in place of the profile): nothing shared, nothing wrong.

Zoho's settings APIs have no change signal, so entries also expire after
`settings.ZOHO_METADATA_TTL` seconds.
"""

from __future__ import annotations

import functools
import importlib.metadata
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache

from core.cache import CACHE_ERRORS, cache_get, cache_set

LOCAL_TTL = 5.0  # seconds a process trusts the generation it read
NO_CACHE = "local"  # the generation while the shared cache does not answer
GENERATION_TTL = 30 * 24 * 3600  # far longer than any entry: only a refresh replaces it

_generations: dict[tuple[str, str], tuple[float, str]] = {}
_lock = threading.Lock()


SDK_DISTRIBUTION = "zohocrmsdk8_0"  # as zoho.sdk_patches checks it


@functools.cache
def sdk_version() -> str:
    """The installed SDK's release (its distribution's version)."""
    try:
        return importlib.metadata.version(SDK_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def ttl() -> int:
    """How long an org's metadata is kept (seconds, `ZOHO_METADATA_TTL`)."""
    return int(getattr(settings, "ZOHO_METADATA_TTL", 3600))


def _generation_key(data_center: str, zgid: str) -> str:
    return f"zoho-meta-gen:{data_center}:{zgid}"


def generation(data_center: str, zgid: str) -> str:
    """The org's current generation (see the module docstring)."""
    now = time.monotonic()
    org = (data_center, zgid)
    with _lock:
        hit = _generations.get(org)
    if hit is not None and hit[0] > now:
        return hit[1]
    key = _generation_key(data_center, zgid)
    found = cache_get(key)
    if not isinstance(found, str):
        try:  # one reader wins; the others read its token
            cache.add(key, secrets.token_hex(4), GENERATION_TTL)
        except CACHE_ERRORS:
            pass
        found = cache_get(key)
        if not isinstance(found, str):
            # The cache does not answer: nothing is shared meanwhile. One stable generation,
            # so this host's SDK files are still used rather than fetched again each time.
            found = NO_CACHE
    with _lock:
        _generations[org] = (now + LOCAL_TTL, found)
    return found


def org_refresh(data_center: str, zgid: str) -> str:
    """Drop the org's metadata for every profile, everywhere: a new generation. Returns it."""
    fresh = secrets.token_hex(4)
    cache_set(_generation_key(data_center, zgid), fresh, GENERATION_TTL)
    with _lock:
        _generations[(data_center, zgid)] = (time.monotonic() + LOCAL_TTL, fresh)
    return fresh


def forget_local() -> None:
    """This process's copies of the generations (tests acting as another process)."""
    with _lock:
        _generations.clear()


def scope(*, data_center: str, zgid: str, profile_id: str, zoho_user_id: str) -> str:
    """The scope of a connection's metadata (see the module docstring)."""
    who = f"p{profile_id}" if profile_id else f"user-{zoho_user_id}"
    return f"{sdk_version()}:{data_center}:{zgid}:{generation(data_center, zgid)}:{who}"
