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

logger = logging.getLogger("zohoportal.crm")


@dataclass
class WarmUp:
    modules: list[str] = field(default_factory=list)  # whose metadata is now cached
    missed: list[str] = field(default_factory=list)  # what could not be (and why, logged)


def metadata_warm(*, connection: ZohoConnection) -> WarmUp:
    """Read the metadata of the connection's first page (the dashboard) into the caches."""
    report = WarmUp()
    try:
        tiles = dashboard.tile_modules(metadata.module_tabs(connection=connection))
    except AppError as error:
        logger.info("warm-up of connection %s stopped: %s", connection.pk, error.code)
        report.missed.append("modules")
        return report
    names = []
    for summary in tiles:
        try:
            metadata.module_get(connection=connection, module=summary["api_name"])
        except AppError as error:
            logger.info("warm-up of %s skipped: %s", summary["api_name"], error.code)
            report.missed.append(summary["api_name"])
        else:
            names.append(summary["api_name"])
    try:
        missed = zoho_metadata.warm_field_files(connection, names)
    except AppError as error:
        logger.info("warm-up of the SDK's field files stopped: %s", error.code)
        missed = names
    report.modules = [name for name in names if name not in missed]
    report.missed += missed
    return report


def metadata_warm_by_id(connection_id: int) -> WarmUp | None:
    """`metadata_warm` of a stored connection (what the task runs); None when it is gone or
    not active (disconnected meanwhile, or needing re-consent)."""
    connection = (
        ZohoConnection.objects.select_related("org")
        .filter(pk=connection_id, status=ZohoConnection.Status.ACTIVE)
        .first()
    )
    return None if connection is None else metadata_warm(connection=connection)
