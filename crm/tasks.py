"""Celery tasks of the crm app; each is small, idempotent and calls a service.

- `metadata_warm`: right after a sign-in (queued by `accounts.services.warm_up` by its name,
  `crm.tasks.metadata_warm`), the metadata of the connection's first page
  (`crm.warm_up.metadata_warm`), so the dashboard finds it cached.
"""

from __future__ import annotations

from celery import shared_task

from crm import warm_up


@shared_task(name="crm.tasks.metadata_warm", ignore_result=True)
def metadata_warm(connection_id: int) -> list[str]:
    report = warm_up.metadata_warm_by_id(connection_id)
    return [] if report is None else report.modules
