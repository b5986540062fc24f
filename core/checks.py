"""Deployment checks (`manage.py check --deploy`) for a portal served by several processes.

A per-process cache splits the sign-in rate limit and the metadata cache between workers
(each worker counts its own sign-ins and fetches its own metadata); SQLite is one file on
one host. Both are fine for exactly one process, which the operator states with
SINGLE_PROCESS=true.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "a per-process memory cache",
    "django.core.cache.backends.dummy.DummyCache": "no cache at all",
    "django.core.cache.backends.filebased.FileBasedCache": "a per-host file cache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.SINGLE_PROCESS:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Error(
            f"CACHE_URL gives {PER_PROCESS_CACHES[backend]} ({backend}): each worker would "
            "keep its own sign-in rate limit and fetch its own CRM metadata.",
            hint="Set CACHE_URL=redis://HOST:6379/0 (shared by every worker on every host), "
            "or SINGLE_PROCESS=true if exactly one process serves the portal.",
            id="zohoportal.E001",
        )
    ]


@checks.register(checks.Tags.database, deploy=True)
def check_shared_database(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.SINGLE_PROCESS:
        return []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.sqlite3":
        return []
    return [
        checks.Error(
            "DATABASE_URL is SQLite: one file on one host, one writer at a time, and no row "
            "locks to keep token refreshes to one call across processes.",
            hint="Set DATABASE_URL=postgres://USER@HOST:5432/NAME, or SINGLE_PROCESS=true if "
            "exactly one process serves the portal.",
            id="zohoportal.E002",
        )
    ]
