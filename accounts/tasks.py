"""Celery tasks of the accounts app; each is small, idempotent and calls a service.

- `revocation_attempt`: the first attempt at a queued revocation, right after the delete that
  queued it has committed (`revocations.revocation_dispatch`, by the name
  `revocations.ATTEMPT_TASK`); a row already confirmed is
  gone and the task does nothing; a failed attempt stays queued for housekeeping.
- `tokens_refresh_due` and `housekeeping_run`: the periodic work, from Celery beat
  (settings.CELERY_BEAT_SCHEDULE), the same services `zoho_refresh_tokens` and
  `zoho_housekeeping` run from cron or a systemd timer.
"""

from __future__ import annotations

from celery import shared_task

from accounts import services
from accounts.services import housekeeping, revocations


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def revocation_attempt(token_digest: str) -> bool | None:
    handle = revocations.Revocation(token_digest=token_digest)
    revocations.revocation_attempt_queued(handle)
    return handle.confirmed


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def tokens_refresh_due() -> dict:
    report = services.tokens_refresh_due(trigger="beat")
    return report.counts


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def housekeeping_run() -> dict:
    return housekeeping.housekeeping_run().as_dict()
