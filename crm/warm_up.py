"""What the first page after sign-in needs, fetched before it is asked for.

Right after a sign-in (`accounts.services.warm_up`, by the Celery task
`crm.tasks.metadata_warm`, or a daemon thread when no broker is configured) the dashboard's
metadata is read once: the org's modules, the fields of the modules it shows tiles of, and
the SDK's field files of those modules. Each goes to the shared cache, per org and Zoho
profile (`zoho.metadata_scope`), where it usually is already: a second user of an org and
profile fetches nothing. The dashboard never waits for this; a page that comes first
fetches what it needs itself, once for everybody (`core.cache.run_once`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from accounts.models import ZohoConnection
from core.errors import AppError
from crm import dashboard, metadata
from crm.zoho import metadata as zoho_metadata
from crm.zoho import runner

logger = logging.getLogger("zohoportal.crm")


@dataclass
class WarmUp:
    modules: list[str] = field(default_factory=list)  # whose metadata is now cached
    missed: list[str] = field(default_factory=list)  # what could not be (and why, logged)


def metadata_warm(*, connection: ZohoConnection) -> WarmUp:
    """Read the metadata of the connection's first page (the dashboard) into the caches:
    the modules, then per tile module its fields and the SDK's field file, a few modules at
    a time as the dashboard asks for them (`runner.run_concurrently`), so a dashboard that
    comes meanwhile waits no longer for it than for its own calls."""
    report = WarmUp()
    try:
        tiles = dashboard.tile_modules(metadata.module_tabs(connection=connection))
    except AppError as error:
        logger.info("warm-up of connection %s stopped: %s", connection.pk, error.code)
        report.missed.append("modules")
        return report
    try:
        warmed = runner.run_concurrently(connection, _warm_module, tiles)
    except AppError as error:  # the connection itself failed (refresh, tokens)
        logger.info("warm-up of connection %s stopped: %s", connection.pk, error.code)
        report.missed += [summary["api_name"] for summary in tiles]
        return report
    for name, ok in warmed:
        (report.modules if ok else report.missed).append(name)
    return report


def _warm_module(connection: ZohoConnection, summary: dict) -> tuple[str, bool]:
    """One module's fields (the portal's) and the SDK's field file of it; never raises."""
    name = summary["api_name"]
    try:
        metadata.module_get(connection=connection, module=name)
        missed = zoho_metadata.warm_field_files(connection, [name])
    except AppError as error:
        logger.info("warm-up of %s skipped: %s", name, error.code)
        return name, False
    return name, not missed


def metadata_warm_by_id(connection_id: int) -> WarmUp | None:
    """`metadata_warm` of a stored connection (what the task runs); None when it is gone or
    not active (disconnected meanwhile, or needing re-consent)."""
    connection = (
        ZohoConnection.objects.select_related("org")
        .filter(pk=connection_id, status=ZohoConnection.Status.ACTIVE)
        .first()
    )
    return None if connection is None else metadata_warm(connection=connection)
