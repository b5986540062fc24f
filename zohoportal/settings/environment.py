"""Where every setting's value comes from: the environment, and a git-ignored `.env`
beside manage.py for what the environment does not set (`.env.example` lists them).

Reading `.env` fills in the process environment (never overriding it), so that what reads
it directly (gunicorn's log format, prometheus_client's PROMETHEUS_MULTIPROC_DIR) sees the
same values as the settings.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def required(name: str, dev_default: str = "") -> str:
    """A value production must provide: core/checks.py names it when it is missing with
    DEBUG off (and `manage.py collectstatic`, a build step, runs without it). DEBUG falls
    back to `dev_default`."""
    return env.str(name, default="") or (dev_default if DEBUG else "")
