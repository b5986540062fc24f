"""`manage.py migrate` run on several hosts at once (a deploy that migrates from each host).

Without a lock, two runs on an empty PostgreSQL database both create the same tables and one
fails (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`); the
portal's `migrate` holds a PostgreSQL advisory lock, so the second waits and finds nothing
left to do. Each test works on a database of its own, created and dropped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest

from core.management.commands.migrate import LOCK_KEY

from .harness import ROOT, _create_database, _pg_params, base_env, drop_database

pytestmark = [pytest.mark.postgres, pytest.mark.postgres_pass]


@pytest.fixture
def empty_database():
    test_url = os.environ.get("TEST_POSTGRES_URL")
    if not test_url:
        pytest.skip("needs PostgreSQL (TEST_POSTGRES_URL)")
    name = f"zp_resil_{uuid.uuid4().hex[:12]}"
    _create_database(test_url, name)
    url = urlsplit(test_url)._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        drop_database(url)


def _migrate(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--noinput", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _waiting_for_the_lock(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return cursor.fetchone()[0]


def test_three_migrates_at_once_on_an_empty_database_all_succeed(empty_database):
    import psycopg2

    env = {**base_env(), "DEBUG": "true", "DATABASE_URL": empty_database}
    # The test holds the lock while the three start, so that they all begin migrating at the
    # same moment however slowly each process starts on a loaded machine.
    holder = psycopg2.connect(**_pg_params(empty_database))
    holder.autocommit = True
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            runs = [_migrate(env) for _ in range(3)]
            deadline = time.monotonic() + 300
            waiting = 0
            while time.monotonic() < deadline and any(run.poll() is None for run in runs):
                waiting = _waiting_for_the_lock(cursor)
                if waiting == 3:
                    break
                time.sleep(0.1)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    finally:
        holder.close()
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
    assert waiting == 3  # each took its turn
    # The schema is complete: nothing left to apply.
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
