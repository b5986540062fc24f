"""A job created while the broker was down is not lost: housekeeping queues it again.

`jobs_requeue` (beat's jobs-requeue, `manage.py job_requeue`) queues again a job still queued
JOB_REQUEUE_AFTER_SECONDS after it was queued, at most once per that period, and never a job
a worker has started or finished; a job queued twice still runs once at a time.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from jobs import services
from jobs.models import Job
from tests.background.conftest import broker_unreachable, running_worker
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = {"steps": 2, "step_seconds": 0}


@pytest.fixture
def owner():
    return get_user_model().objects.create_user("requeue-owner")


def _messages(tmp_path) -> list[int]:
    """The job ids of the job_run messages waiting in the test's broker (no worker runs)."""
    found = []
    for path in sorted((tmp_path / "broker" / "queue").glob("*.msg")):
        headers = json.loads(path.read_text())["headers"]
        assert headers["task"] == services.JOB_TASK
        found.append(int(headers["argsrepr"].strip("(,)")))
    return found


def _queued_ago(job: Job, seconds: float) -> None:
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=seconds))


def test_a_job_created_while_the_broker_is_down_is_queued_again_and_run(
    owner, celery_broker, settings, tmp_path
):
    settings.JOB_REQUEUE_AFTER_SECONDS = 300
    with broker_unreachable(celery_broker):
        job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    job.refresh_from_db()
    assert job.state == "queued" and _messages(tmp_path) == []

    # The broker is back; nothing asks for the job until housekeeping, past the grace period.
    _queued_ago(job, 301)
    report = services.jobs_requeue()
    assert report.as_dict() == {"requeued": 1, "failed": 0, "pending": 0}
    assert _messages(tmp_path) == [job.pk]

    with running_worker(celery_broker):
        done = wait_until(
            lambda: Job.objects.filter(pk=job.pk, state="done").first(), what="the job to finish"
        )
    assert done.result == {"steps_done": 2, "starts": [0]}
    assert done.runs == 1


def test_a_job_within_its_grace_period_is_left_alone(owner, celery_broker, settings, tmp_path):
    settings.JOB_REQUEUE_AFTER_SECONDS = 300
    job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    assert _messages(tmp_path) == [job.pk]  # queued at once, waiting for a worker
    _queued_ago(job, 290)
    queued_at = Job.objects.get(pk=job.pk).queued_at

    assert services.jobs_requeue().requeued == 0

    assert _messages(tmp_path) == [job.pk]
    assert Job.objects.get(pk=job.pk).queued_at == queued_at


def test_a_started_or_finished_job_is_never_queued_again(owner, celery_broker, tmp_path):
    jobs = {
        state: Job.objects.create(owner=owner, kind="demo.steps", params=STEPS, state=state)
        for state in ("running", "done", "failed")
    }
    for job in jobs.values():
        _queued_ago(job, 86400)

    assert services.jobs_requeue(after=timedelta(seconds=60)).requeued == 0

    assert _messages(tmp_path) == []
    assert {job.state for job in Job.objects.all()} == {"running", "done", "failed"}


def test_a_job_is_queued_again_at_most_once_per_grace_period(owner, celery_broker, tmp_path):
    with broker_unreachable(celery_broker):
        job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
        _queued_ago(job, 120)
        # Still down: one attempt, and the job waits another grace period.
        report = services.jobs_requeue(after=timedelta(seconds=60))
        assert report.as_dict() == {"requeued": 0, "failed": 1, "pending": 0}
        assert services.jobs_requeue(after=timedelta(seconds=60)).as_dict()["failed"] == 0

    assert services.jobs_requeue(after=timedelta(seconds=60)).requeued == 0  # too soon
    _queued_ago(job, 61)
    assert services.jobs_requeue(after=timedelta(seconds=60)).requeued == 1
    assert services.jobs_requeue(after=timedelta(seconds=60)).requeued == 0
    assert _messages(tmp_path) == [job.pk]


def test_a_broker_still_down_costs_one_attempt_a_run(owner, celery_broker, tmp_path):
    with broker_unreachable(celery_broker):
        first, second, third = (
            services.job_create(owner=owner, kind="demo.steps", params=STEPS) for _ in range(3)
        )
        for seconds, job in ((300, first), (200, second), (100, third)):
            _queued_ago(job, seconds)
        report = services.jobs_requeue(after=timedelta(seconds=60))
    # The oldest was tried; the other two wait for the next run, which queues them.
    assert report.as_dict() == {"requeued": 0, "failed": 1, "pending": 2}
    assert services.jobs_requeue(after=timedelta(seconds=60)).requeued == 2
    assert sorted(_messages(tmp_path)) == sorted([second.pk, third.pk])


def test_a_second_message_leaves_a_running_job_to_the_task_that_runs_it(owner):
    """The job was queued twice (its first message reached the broker after all): a worker
    runs it for task a; task b, the other message, must not run it at the same time."""
    job = Job.objects.create(owner=owner, kind="demo.steps", params=STEPS)
    assert services.job_start(job.pk, task_id="task-a") is not None

    assert services.job_run(job.pk, task_id="task-b") is None

    job.refresh_from_db()
    assert (job.state, job.runs, job.task_id) == ("running", 1, "task-a")
    # Task a's message, redelivered after its worker died, resumes it.
    services.job_run(job.pk, task_id="task-a")
    job.refresh_from_db()
    assert (job.state, job.runs) == ("done", 2)
    assert services.job_run(job.pk, task_id="task-b") is None  # finished: nothing to do


def test_the_worker_claims_the_job_for_its_task(owner, celery_worker):
    job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    done = wait_until(
        lambda: Job.objects.filter(pk=job.pk, state="done").first(), what="the job to finish"
    )
    assert len(done.task_id) == 36  # the Celery task id of the message that ran it


def test_the_command_queues_again_and_reports(owner, celery_broker, tmp_path, capsys):
    with broker_unreachable(celery_broker):
        job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    _queued_ago(job, 30)

    call_command("job_requeue", "--json")
    assert json.loads(capsys.readouterr().out) == {"requeued": 0, "failed": 0, "pending": 0}
    call_command("job_requeue", "--after", "20")
    assert "Queued 1 job(s) again, still queued after 20 s." in capsys.readouterr().out
    assert _messages(tmp_path) == [job.pk]
    for bad in ("0", "-5", "31536001"):
        with pytest.raises(CommandError, match="--after must be from 1 to 31536000"):
            call_command("job_requeue", "--after", bad)


def test_the_beat_task_runs_the_service(owner, celery_broker, settings, tmp_path):
    from jobs import tasks

    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    with broker_unreachable(celery_broker):
        job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    _queued_ago(job, 61)
    assert tasks.jobs_requeue() == {"requeued": 1, "failed": 0, "pending": 0}
    assert _messages(tmp_path) == [job.pk]


def _lock_waiters() -> int:
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_two_housekeeping_runs_at_once_queue_a_job_once(owner, celery_broker, tmp_path):
    """Two hosts' housekeeping look at the same stale job at the same moment: both find it
    due, both try to claim it, one queues it. (A third transaction holds the job's row until
    both runs wait on it, so that they really meet.)"""
    with broker_unreachable(celery_broker):
        job = services.job_create(owner=owner, kind="demo.steps", params=STEPS)
    _queued_ago(job, 600)
    holding, release = threading.Event(), threading.Event()
    reports, errors = [], []

    def hold_row():
        try:
            with transaction.atomic():
                Job.objects.select_for_update().get(pk=job.pk)
                holding.set()
                release.wait(30)
        finally:
            db_connection.close()

    def housekeeping():
        try:
            reports.append(services.jobs_requeue(after=timedelta(seconds=60)))
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            db_connection.close()

    holder = threading.Thread(target=hold_row)
    holder.start()
    assert holding.wait(10)
    runs = [threading.Thread(target=housekeeping) for _ in range(2)]
    for run in runs:
        run.start()
    try:
        wait_until(lambda: _lock_waiters() == 2, what="both runs to wait on the job's row")
    finally:
        release.set()
        holder.join()
        for run in runs:
            run.join(30)

    assert errors == []
    assert sorted(report.requeued for report in reports) == [0, 1]
    assert _messages(tmp_path) == [job.pk]
