"""`manage.py check --deploy` refuses what only one process can live with, unless told so."""

from __future__ import annotations

import pytest

from tests.production import production_env, run_python


def _check_deploy(**extra: str):
    return run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_env(**extra)
    )


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("CACHE_URL", "locmemcache://", "zohoportal.E001"),
        ("CACHE_URL", "filecache:///tmp/zohoportal-cache", "zohoportal.E001"),
        ("CACHE_URL", "dummycache://", "zohoportal.E001"),
        ("DATABASE_URL", "sqlite:////srv/zohoportal/db.sqlite3", "zohoportal.E002"),
    ],
)
def test_a_per_process_cache_or_sqlite_fails_the_deploy_check(setting, value, check_id):
    result = _check_deploy(**{setting: value})
    assert result.returncode != 0
    assert check_id in result.stderr
    assert "SINGLE_PROCESS=true" in result.stderr  # the hint says how to accept it


def test_single_process_accepts_both_explicitly():
    result = _check_deploy(
        CACHE_URL="locmemcache://",
        DATABASE_URL="sqlite:////srv/zohoportal/db.sqlite3",
        SINGLE_PROCESS="true",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_redis_and_postgresql_pass():
    result = _check_deploy(
        CACHE_URL="redis://127.0.0.1:6379/0", DATABASE_URL="postgres://portal@db:5432/portal"
    )
    assert result.returncode == 0, result.stderr
