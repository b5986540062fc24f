"""A worker killed mid-job loses nothing: the task runs again on the next worker, which
resumes the job from its checkpoint.

Real processes all the way: `celery -A zohoportal worker` subprocesses on Redis (the
production broker, keys under a prefix of this test's own and a queue of its own, so parallel
runs never meet), a SQLite file database migrated for the test, `kill -9` of the whole
worker (parent and pool child) while the job runs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import redis_or_skip

pytestmark = [pytest.mark.redis, pytest.mark.single_database]

ROOT = Path(__file__).resolve().parents[2]
STEPS = 10


def _env(tmp_path: Path, broker: str, prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TEST_POSTGRES"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zohoportal.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL=broker,
        CELERY_KEY_PREFIX=f"{prefix}:",
        CELERY_QUEUE=prefix,
        # An unacknowledged task is handed out again this many seconds after delivery.
        CELERY_VISIBILITY_TIMEOUT="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zohoportal",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--hostname",
            f"killed-test-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes the pool child too
    )


def _job(db: Path, job_id: int) -> tuple[str, int, int]:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(
            "SELECT state, progress, runs FROM jobs_job WHERE id = ?", (job_id,)
        ).fetchone()


def _wait(condition, what: str, log: Path, seconds: float = 90.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_worker_killed_mid_job_loses_nothing(tmp_path):
    import redis

    broker = redis_or_skip()
    prefix = f"zp-test-celery-{uuid.uuid4().hex[:10]}"
    env = _env(tmp_path, broker, prefix)
    db, log = tmp_path / "db.sqlite3", tmp_path / "workers.log"
    workers = []
    try:
        job_id = int(
            _manage(  # one start-up of Django: migrate, then queue the job
                env,
                "shell",
                "-c",
                "from django.core.management import call_command\n"
                "call_command('migrate', interactive=False, verbosity=0)\n"
                "from django.contrib.auth import get_user_model\n"
                "from jobs import services\n"
                "owner = get_user_model().objects.create_user('kill-test')\n"
                "job = services.job_create(owner=owner, kind='demo.steps',\n"
                f"    params={{'steps': {STEPS}, 'step_seconds': 0.2}})\n"
                "print(job.pk)",
            )
            .strip()
            .splitlines()[-1]
        )
        assert _job(db, job_id)[0] == "queued"

        first = _worker(env, log)
        workers.append(first)
        _wait(lambda: _job(db, job_id)[1] > 0, "the first worker to make progress", log)
        _stop(first)  # kill -9, mid-job
        state, progress, runs = _job(db, job_id)
        assert state == "running" and 0 < progress < 100 and runs == 1, (state, progress, runs)

        second = _worker(env, log)
        workers.append(second)
        _wait(lambda: _job(db, job_id)[0] == "done", "the job to finish on the new worker", log)

        with sqlite3.connect(db) as conn:
            result = conn.execute("SELECT result FROM jobs_job WHERE id = ?", (job_id,)).fetchone()
        result = json.loads(result[0])
        assert result["steps_done"] == STEPS
        # Run twice: from the start, then resumed where the killed worker had got to.
        assert result["starts"][0] == 0 and result["starts"][1] > 0, result
        assert _job(db, job_id)[1:] == (100, len(result["starts"]))
    finally:
        for worker in workers:
            _stop(worker)
        server = redis.Redis.from_url(broker)
        keys = list(server.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            server.delete(*keys)
