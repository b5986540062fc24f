"""The job model bulk work will use: lifecycle, idempotence, resume, retries, a real worker."""

import pytest
from django.contrib.auth import get_user_model

from jobs import services
from jobs.models import Job
from tests.helpers import wait_until


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("job-owner")


def _queued(owner, kind="demo.steps", **params) -> Job:
    return Job.objects.create(owner=owner, kind=kind, params=params)


def test_a_job_goes_from_queued_to_done_with_its_progress_and_result(owner):
    job = _queued(owner, steps=4, step_seconds=0)
    assert (job.state, job.progress, job.runs) == ("queued", 0, 0)

    services.job_run(job.pk)

    job.refresh_from_db()
    assert job.state == "done"
    assert job.progress == 100
    assert job.result == {"steps_done": 4, "starts": [0]}
    assert job.runs == 1
    assert job.started_at is not None and job.finished_at is not None
    assert job.error == ""


def test_running_a_finished_job_again_does_nothing(owner):
    job = _queued(owner, steps=2, step_seconds=0)
    services.job_run(job.pk)
    job.refresh_from_db()
    finished_at = job.finished_at

    assert services.job_run(job.pk) is None

    job.refresh_from_db()
    assert (job.runs, job.finished_at, job.result["starts"]) == (1, finished_at, [0])
    assert not services.job_finish(job, result={"other": True})
    assert not services.job_fail(job.pk, error="late")
    job.refresh_from_db()
    assert job.state == "done" and job.result == {"steps_done": 2, "starts": [0]}


def test_a_half_done_job_resumes_from_its_checkpoint(owner):
    """A run cut short (the worker died) left the job running at step 3 of 5."""
    job = _queued(owner, steps=5, step_seconds=0)
    started = services.job_start(job.pk)
    services.job_advance(started, progress=60, result={"steps_done": 3, "starts": [0]})

    services.job_run(job.pk)

    job.refresh_from_db()
    assert job.state == "done"
    assert job.result == {"steps_done": 5, "starts": [0, 3]}
    assert job.runs == 2


def test_a_failing_job_says_why_and_an_unknown_kind_is_refused(owner):
    job = _queued(owner, steps=0)
    services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed"
    assert "steps must be" in job.error
    with pytest.raises(ValueError, match="unknown job kind"):
        services.job_create(owner=owner, kind="no.such.kind")
    with pytest.raises(ValueError, match="progress"):
        services.job_advance(job, progress=101)


@pytest.mark.django_db(transaction=True)
def test_transient_errors_are_retried_with_exponential_backoff(monkeypatch, celery_worker):
    """Through the worker: a transient error is retried (countdowns doubling) and the job
    then finishes; past the last retry the job fails, saying so."""
    from jobs import tasks

    owner = get_user_model().objects.create_user("flaky-owner")
    calls = []

    @services.job_kind("test.flaky")
    def flaky(job):
        calls.append(job.runs)
        if len(calls) < 3:
            raise services.TransientError("Zoho throttled")
        return {"ok": True}

    delays = []

    def short_delay(retries):  # 2 s, 4 s … in production; tenths of a second here
        delays.append(services.retry_delay.__wrapped__(retries, first=0.1))
        return delays[-1]

    short_delay.__wrapped__ = services.retry_delay
    monkeypatch.setattr(services, "retry_delay", short_delay)
    try:
        job = services.job_create(owner=owner, kind="test.flaky")
        done = wait_until(
            lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).first(),
            what="the flaky job to finish",
        )
        assert done.state == "done" and done.result == {"ok": True}
        assert delays == [0.1, 0.2]
        assert calls == [1, 2, 3]  # each retry ran the job again (resuming)

        calls.clear()
        monkeypatch.setattr(tasks.job_run, "max_retries", 1)
        job = services.job_create(owner=owner, kind="test.flaky")
        failed = wait_until(
            lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).first(),
            what="the flaky job to give up",
        )
        assert failed.state == "failed"
        assert failed.error.startswith("gave up after 2 tries")
    finally:
        services.KINDS.pop("test.flaky")


def test_backoff_doubles_up_to_ten_minutes():
    assert [services.retry_delay(n) for n in range(4)] == [2.0, 4.0, 8.0, 16.0]
    assert services.retry_delay(20) == 600.0


def test_task_options_survive_a_lost_worker():
    from jobs import tasks

    assert tasks.job_run.acks_late is True
    assert tasks.job_run.reject_on_worker_lost is True


@pytest.mark.django_db(transaction=True)
def test_a_created_job_is_run_by_a_worker(celery_worker):
    owner = get_user_model().objects.create_user("worker-job-owner")
    params = {"steps": 3, "step_seconds": 0}
    job = services.job_create(owner=owner, kind="demo.steps", params=params)
    # Queued through the broker once created (autocommit: at once); the worker runs it.
    done = wait_until(
        lambda: Job.objects.filter(pk=job.pk, state="done").first(), what="the job to finish"
    )
    assert done.result == {"steps_done": 3, "starts": [0]}
    assert done.runs == 1


@pytest.mark.django_db(transaction=True)
def test_a_count_records_job_counts_through_the_connection(
    zoho, demo_users, connect, celery_worker
):
    user = demo_users["by_dc"]["us"][0]
    connection = connect(user["email"], client=None)
    job = services.job_create(
        owner=connection.user,
        connection=connection,
        kind="crm.count_records",
        params={"modules": ["Leads", "Contacts"]},
    )
    done = wait_until(
        lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).first(),
        what="the count job to finish",
    )
    assert done.state == "done", done.error
    counts = done.result["counts"]
    assert set(counts) == {"Leads", "Contacts"}
    assert all(isinstance(value, int) and value >= 0 for value in counts.values())
    assert done.result["total"] == sum(counts.values())


def test_the_beat_schedule_runs_refresh_and_housekeeping():
    from zohoportal.celery_app import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks == {
        "accounts.tasks.tokens_refresh_due",
        "accounts.tasks.housekeeping_run",
        "jobs.tasks.job_files_clean",
        "jobs.tasks.jobs_requeue",
    }
    assert tasks <= set(app.tasks)


def test_the_periodic_tasks_call_the_command_services(db, monkeypatch):
    from accounts import tasks

    assert set(tasks.housekeeping_run.apply().get()) >= {"revocations", "sessions_deleted"}
    assert set(tasks.tokens_refresh_due.apply().get()) >= {"refreshed", "failed"}


@pytest.mark.parametrize("unit", ["zohoportal-worker.service", "zohoportal-beat.service"])
def test_the_worker_and_beat_units_run_celery_with_options_it_accepts(unit):
    """deploy/'s units start `celery -A zohoportal worker|beat` with options Celery knows
    (an unknown option exits 2 before --help is shown)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    exec_start = next(
        line.split("=", 1)[1]
        for line in (root / "deploy" / unit).read_text().splitlines()
        if line.startswith("ExecStart=")
    )
    program, *args = exec_start.replace("%%", "%").split()
    assert program.endswith("/celery")
    assert args[:2] == ["-A", "zohoportal"] and args[2] in ("worker", "beat")
    done = subprocess.run(
        [sys.executable, "-m", "celery", *args, "--help"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
