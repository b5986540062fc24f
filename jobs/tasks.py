"""Celery tasks for jobs: each calls a service (`jobs.services`, `jobs.files`) that tests call
directly."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from jobs import files, services

logger = logging.getLogger("zohoportal.jobs")

MAX_RETRIES = 8


@shared_task(
    name=services.JOB_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def job_run(self, job_id: int) -> None:
    """Run or resume job `job_id`. Acknowledged only once it has finished: a worker killed
    mid-job leaves the task queued and the next worker resumes from the job's checkpoint.
    Transient errors are retried with exponential backoff, then the job fails."""
    try:
        services.job_run(job_id, task_id=self.request.id or "")
    except services.TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.job_fail(
                job_id, error=f"gave up after {self.request.retries + 1} tries: {error}"
            )
            return
        delay = services.retry_delay(self.request.retries)
        logger.warning("job %s: %s; retried in %.0f s", job_id, type(error).__name__, delay)
        raise self.retry(exc=error, countdown=delay) from error


@shared_task(name="jobs.tasks.job_files_clean")
def job_files_clean() -> int:
    """Delete job files older than JOB_FILES_RETENTION_DAYS (beat runs it with housekeeping)."""
    days = settings.JOB_FILES_RETENTION_DAYS
    removed = files.job_files_clean(older_than=timedelta(days=days))
    if removed:
        logger.info(
            "job files: %s folder(s) and draft(s) older than %s days deleted", removed, days
        )
    return removed


@shared_task(name="jobs.tasks.jobs_requeue")
def jobs_requeue() -> dict:
    """Queue again the jobs still queued after JOB_REQUEUE_AFTER_SECONDS (beat runs it with
    housekeeping): their first message never reached the broker."""
    return services.jobs_requeue().as_dict()
