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
import uuid
from urllib.parse import urlsplit

import pytest

from .harness import ROOT, _create_database, base_env, drop_database

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


def test_three_migrates_at_once_on_an_empty_database_all_succeed(empty_database):
    env = {**base_env(), "DEBUG": "true", "DATABASE_URL": empty_database}
    runs = [_migrate(env) for _ in range(3)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
    assert any("Another migrate is running; waiting for it" in output for output in outputs)
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
