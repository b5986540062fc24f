"""Jobs: create one, and the steps a worker takes on it (start, advance, finish or fail).

A job kind is a function `(job) -> result` registered with `@job_kind("name")`. It keeps its
checkpoint in `job.result` through `job_advance` as it goes and, when started again (a
worker died, a transient error is retried), resumes from that checkpoint; it raises
`TransientError` for what is worth retrying (the task retries with exponential backoff) and
anything else for a failure. Every step is idempotent: running a finished job again does
nothing, and a job is never finished twice.

A job whose message never reached a worker (the broker was down when it was created, or the
process died before its transaction's on-commit) is queued again by `jobs_requeue` (beat's
`jobs.tasks.jobs_requeue`, `manage.py job_requeue`) once it has waited
JOB_REQUEUE_AFTER_SECONDS. A job may so have two messages; the first to start it claims it
(`Job.task_id`) and any other leaves it alone, so it never runs twice at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from core.errors import AppError, ErrorCode
from crm.zoho import records as zoho_records
from jobs.models import Job

logger = logging.getLogger("zohoportal.jobs")

KINDS: dict[str, Callable[[Job], dict]] = {}
JOB_TASK = "jobs.tasks.job_run"  # the task that runs a job (jobs/tasks.py)


class TransientError(Exception):
    """Worth trying again later (Zoho throttled or unreachable, the database busy)."""


# What a job task retries with backoff: ours, and a database that is briefly unavailable.
TRANSIENT = (TransientError, OperationalError)


def job_kind(name: str):
    """Register a job kind's function under `name`."""

    def register(function: Callable[[Job], dict]):
        KINDS[name] = function
        return function

    return register


def job_create(*, owner, kind: str, connection=None, params: dict | None = None) -> Job:
    """A new queued job; a worker is asked to run it once the caller's transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    job = Job.objects.create(owner=owner, connection=connection, kind=kind, params=params or {})
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def job_enqueue(job_id: int) -> bool:
    """Ask a worker to run the job; False (logged, the job stays queued) when the broker
    cannot be reached. The task is found by its name (`jobs/tasks.py` registers it, and
    imports this module: never the other way round)."""
    try:
        current_app.tasks[JOB_TASK].delay(job_id)
    except Exception as error:  # noqa: BLE001 - the broker is down: the job waits, queued
        logger.warning("job %s could not be queued (%s); it stays queued", job_id, error)
        return False
    return True


def job_start(job_id: int, *, task_id: str = "") -> Job | None:
    """Mark the job running (once more, if a run was cut short) for the task `task_id`; None
    when there is nothing to do: finished, gone, or running for another task (the job was
    queued twice; that task's message, redelivered if its worker dies, resumes it)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.state == Job.State.RUNNING and task_id and job.task_id not in ("", task_id):
            logger.info("job %s runs for task %s; task %s leaves it", job_id, job.task_id, task_id)
            return None
        job.state = Job.State.RUNNING
        job.runs += 1
        job.task_id = task_id
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["state", "runs", "task_id", "started_at", "updated_at"])
    return job


def job_advance(job: Job, *, progress: int, result: dict | None = None) -> None:
    """Record progress (0-100) and, with `result`, the checkpoint a re-run resumes from."""
    if not 0 <= progress <= 100:
        raise ValueError(f"progress must be from 0 to 100, not {progress}")
    changes = {"progress": progress, "updated_at": timezone.now()}
    if result is not None:
        changes["result"] = result
        job.result = result
    job.progress = progress
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(**changes)


def job_finish(job: Job, *, result: dict) -> bool:
    """Done, with its result; False when it had finished already."""
    job.state, job.progress, job.result = Job.State.DONE, 100, result
    job.finished_at = timezone.now()
    return bool(
        Job.objects.exclude(state__in=Job.FINISHED)
        .filter(pk=job.pk)
        .update(
            state=Job.State.DONE,
            progress=100,
            result=result,
            error="",
            finished_at=job.finished_at,
            updated_at=job.finished_at,
        )
    )


def job_fail(job_id: int, *, error: str) -> bool:
    """Failed, saying why (no secret in `error`); False when it had finished already."""
    now = timezone.now()
    return bool(
        Job.objects.exclude(state__in=Job.FINISHED)
        .filter(pk=job_id)
        .update(state=Job.State.FAILED, error=error[:2000], finished_at=now, updated_at=now)
    )


def job_run(job_id: int, *, task_id: str = "") -> Job | None:
    """Run (or resume) a job to its end for the task `task_id`. Raises TRANSIENT errors for
    the caller to retry (the job stays running, its checkpoint kept); a finished job, or one
    another task runs, is left alone (None)."""
    job = job_start(job_id, task_id=task_id)
    if job is None:
        return None
    function = KINDS.get(job.kind)
    if function is None:
        job_fail(job.pk, error=f"unknown job kind {job.kind!r}")
        return job
    try:
        result = function(job)
    except TRANSIENT:
        raise
    except Exception as error:  # noqa: BLE001 - a failed job says why; the worker goes on
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job_fail(job.pk, error=f"{type(error).__name__}: {error}")
        return job
    job_finish(job, result=result)
    return job


@dataclass
class RequeueReport:
    requeued: int = 0  # handed to the broker again
    failed: int = 0  # the broker did not answer: tried again after JOB_REQUEUE_AFTER_SECONDS
    pending: int = 0  # not tried this run (the broker did not answer): the next run goes on

    def as_dict(self) -> dict:
        return {"requeued": self.requeued, "failed": self.failed, "pending": self.pending}


REQUEUE_BATCH = 1000


def jobs_requeue(*, after: timedelta | None = None) -> RequeueReport:
    """Queue again every job still queued `after` (JOB_REQUEUE_AFTER_SECONDS) since it was
    last queued: its message never reached the broker, or was lost there. Each job is claimed
    with a conditional UPDATE of `queued_at` before it is queued, so of several runs at once
    (housekeeping on many hosts) one queues it and the others pass, and it is queued at most
    once per `after`. A broker that does not answer stops the run (one wait per run)."""
    if after is None:
        after = timedelta(seconds=settings.JOB_REQUEUE_AFTER_SECONDS)
    now = timezone.now()
    cutoff = now - after
    still_queued = Job.objects.filter(state=Job.State.QUEUED, queued_at__lt=cutoff)
    oldest_first = still_queued.order_by("queued_at", "pk").values_list("pk", flat=True)
    due = list(oldest_first[:REQUEUE_BATCH])
    report = RequeueReport()
    for position, job_id in enumerate(due):
        if not still_queued.filter(pk=job_id).update(queued_at=now, updated_at=now):
            continue  # queued by another run meanwhile, or a worker started it
        if not job_enqueue(job_id):
            report.failed, report.pending = 1, len(due) - position - 1
            break
        report.requeued += 1
        logger.info("job %s still queued after %.0f s: queued again", job_id, after.total_seconds())
    return report


def retry_delay(retries: int, *, first: float = 2.0, most: float = 600.0) -> float:
    """Exponential backoff: 2, 4, 8 … seconds after the tries so far, at most ten minutes."""
    return min(first * 2**retries, most)


# --- job kinds ------------------------------------------------------------------------------
MAX_DEMO_STEPS = 1000


@job_kind("demo.steps")
def demo_steps(job: Job) -> dict:
    """A demonstration job: `steps` steps of `step_seconds` each, checkpointed after every
    step; a re-run goes on from the last step done (`starts` lists where each run began)."""
    steps = int(job.params.get("steps", 10))
    pause = float(job.params.get("step_seconds", 1.0))
    if not 1 <= steps <= MAX_DEMO_STEPS or not 0 <= pause <= 60:
        raise ValueError(f"steps must be 1-{MAX_DEMO_STEPS} and step_seconds 0-60")
    done = int(job.result.get("steps_done", 0))
    starts = [*job.result.get("starts", []), done]
    for step in range(done, steps):
        time.sleep(pause)
        done = step + 1
        checkpoint = {"steps_done": done, "starts": starts}
        job_advance(job, progress=done * 100 // steps, result=checkpoint)
    return {"steps_done": done, "starts": starts}


# Zoho's answers worth waiting for: throttled, failing or slow now, fine later.
RETRIED_CODES = frozenset({ErrorCode.THROTTLED, ErrorCode.ZOHO_ERROR, ErrorCode.ZOHO_TIMEOUT})


def zoho_step(call: Callable, *args):
    """`call(*args)`, a Zoho call of a job: what is worth trying again later is raised as a
    TransientError (the task retries it with backoff), anything else as it is."""
    try:
        return call(*args)
    except AppError as error:
        if error.code in RETRIED_CODES:
            raise TransientError(f"{error.code}: {error.message}") from error
        raise


@job_kind("crm.count_records")
def count_records(job: Job) -> dict:
    """Count the records of each module in `params["modules"]` through the job's connection
    (Zoho's count API), one module at a time; a re-run skips the modules already counted."""
    if job.connection is None:
        raise ValueError("the job's Zoho connection is gone")
    modules = [str(name) for name in job.params.get("modules", [])]
    if not modules:
        raise ValueError("no modules to count")
    counts = dict(job.result.get("counts", {}))
    for module in modules:
        if module in counts:
            continue
        counts[module] = zoho_step(zoho_records.count_records, job.connection, module)
        job_advance(job, progress=len(counts) * 100 // len(modules), result={"counts": counts})
    return {"counts": counts, "total": sum(counts.values())}
