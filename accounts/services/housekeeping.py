"""What `manage.py zoho_housekeeping` does, each step one function tested on its own.

1. Retry queued revocations (`revocations.revocations_retry`).
2. Delete token refresh logs older than TOKEN_REFRESH_LOG_RETENTION_DAYS.
3. Delete expired sessions (Django's `clearsessions`).
4. Remove this host's SDK field-metadata directories whose connection no longer exists
   (a disconnect removes the directory only on the host that served it), and the folders of
   metadata scopes a connection no longer uses (its org's metadata refreshed, its profile or
   the SDK changed: `zoho.metadata_scope`), once untouched for SCOPE_FOLDER_AGE.

Every step is safe on many hosts at once: revocations are claimed with SKIP LOCKED and a
lease, and the deletes are idempotent.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import TokenRefreshLog, ZohoConnection
from accounts.services import revocations
from zoho import sdk as zoho_sdk

DELETE_BATCH = 1000
_CONNECTION_DIR = re.compile(r"connection-([0-9]{1,19})")


def refresh_logs_prune(*, older_than_days: int | None = None) -> int:
    """Delete refresh logs older than the retention (batched); how many were deleted."""
    days = settings.TOKEN_REFRESH_LOG_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        batch = list(
            TokenRefreshLog.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :DELETE_BATCH
            ]
        )
        if not batch:
            return deleted
        deleted += TokenRefreshLog.objects.filter(pk__in=batch).delete()[0]


def sessions_clear_expired() -> int:
    """Delete expired sessions, as `clearsessions` does; how many there were (db sessions)."""
    expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return expired


def sdk_directories_prune() -> list[str]:
    """Remove this host's `connection-<id>` directories whose connection is gone; their names."""
    root = Path(settings.ZOHO_SDK_RESOURCE_DIR)
    if not root.is_dir():
        return []
    found = {}
    for child in root.iterdir():
        match = _CONNECTION_DIR.fullmatch(child.name)
        if match and child.is_dir():
            found[int(match.group(1))] = child
    alive = set(ZohoConnection.objects.filter(pk__in=found).values_list("pk", flat=True))
    removed = []
    for connection_id, directory in sorted(found.items()):
        if connection_id not in alive:
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory.name)
    return removed


# A scope folder not the connection's current one is unused within seconds (each process
# reads the org's generation again after `zoho.metadata_scope.LOCAL_TTL`): an hour is ample.
SCOPE_FOLDER_AGE = 3600


def sdk_scope_folders_prune(*, older_than: float = SCOPE_FOLDER_AGE) -> list[str]:
    """Remove the folders (`connection-<id>/m-…`) of metadata scopes that live connections
    no longer use and nothing touched for `older_than` seconds; their paths."""
    root = Path(settings.ZOHO_SDK_RESOURCE_DIR)
    if not root.is_dir():
        return []
    found = {}
    for child in root.iterdir():
        match = _CONNECTION_DIR.fullmatch(child.name)
        if match and child.is_dir():
            found[int(match.group(1))] = child
    cutoff = time.time() - older_than
    removed = []
    for connection in ZohoConnection.objects.filter(pk__in=found).select_related("org"):
        directory = found[connection.pk]
        current = zoho_sdk.scope_folder_name(connection.metadata_scope)
        for folder in sorted(directory.glob("m-*")):
            if folder.name == current or not folder.is_dir() or _touched(folder) > cutoff:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(f"{directory.name}/{folder.name}")
    return removed


def _touched(folder: Path) -> float:
    """When anything in `folder` was last written."""
    try:
        return max(path.stat().st_mtime for path in (folder, *folder.rglob("*")))
    except OSError:  # written or removed meanwhile: in use
        return time.time()


@dataclass
class HousekeepingReport:
    revocations: revocations.RetryReport = field(default_factory=revocations.RetryReport)
    refresh_logs_deleted: int = 0
    sessions_deleted: int = 0
    sdk_directories_removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "revocations": self.revocations.as_dict(),
            "refresh_logs_deleted": self.refresh_logs_deleted,
            "sessions_deleted": self.sessions_deleted,
            "sdk_directories_removed": self.sdk_directories_removed,
            "seconds": round(self.seconds, 3),
        }


def housekeeping_run(*, refresh_log_days: int | None = None) -> HousekeepingReport:
    started = time.monotonic()
    report = HousekeepingReport()
    report.revocations = revocations.revocations_retry()
    report.refresh_logs_deleted = refresh_logs_prune(older_than_days=refresh_log_days)
    report.sessions_deleted = sessions_clear_expired()
    report.sdk_directories_removed = sdk_directories_prune() + sdk_scope_folders_prune()
    report.seconds = time.monotonic() - started
    return report
