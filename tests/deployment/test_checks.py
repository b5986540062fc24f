"""`manage.py check --deploy` refuses what only one process can live with, unless told so,
and warns of a production without a Celery broker."""

from __future__ import annotations

import pytest

from tests.production import production_env, run_python

BROKER = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1"}  # named, not connected to


def _check_deploy(**extra: str):
    env = production_env(**{**BROKER, **extra})
    return run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)


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


def test_a_production_without_a_broker_is_warned_about():
    """Without CELERY_BROKER_URL every task runs inside the request that queues it: an
    export or import runs before its page answers. SINGLE_PROCESS does not change that."""
    result = _check_deploy(CELERY_BROKER_URL="", SINGLE_PROCESS="true")
    assert result.returncode != 0
    assert "zohoportal.W003" in result.stderr
    assert "CELERY_BROKER_URL is not set: every background task runs inside the request" in (
        " ".join(result.stderr.split())
    )
    assert "celery -A zohoportal worker" in result.stderr  # the hint says what to run


def test_a_broker_passes_and_development_needs_none():
    assert _check_deploy(CELERY_BROKER_URL="filesystem://").returncode == 0
    result = _check_deploy(CELERY_BROKER_URL="", DEBUG="true")
    assert "zohoportal.W003" not in result.stderr


def test_a_grace_period_of_no_time_is_refused():
    result = run_python("manage.py", "check", env=production_env(JOB_REQUEUE_AFTER_SECONDS="0"))
    assert result.returncode != 0
    assert "zohoportal.E016" in result.stderr
    assert "JOB_REQUEUE_AFTER_SECONDS must be a number of seconds above 0, not 0" in result.stderr
