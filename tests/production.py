"""A production configuration for tests that start the portal in a subprocess (start-up
checks, deploy checks, gunicorn): the settings, a clean environment and the runner."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ZOHO_CLIENT_ID": "1000.X",
    "ZOHO_CLIENT_SECRET": "s",
    "ZOHO_REDIRECT_URI": "https://portal.example/accounts/callback/",
    "TOKEN_ENCRYPTION_KEYS": "hq5yVt0Hh0rE1nOqO3Zlq8v3rC9w1Yk7JmVxK2bQx2Q=",
    "ALLOWED_HOSTS": "portal.example",
    # Named, not connected to: `check` opens no connection.
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production start: nothing from the test run leaks in."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION
        and not k.startswith(("ZOHO_", "DJANGO_", "SECURE_", "TEST_"))
        and k not in ("DATABASE_URL", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    }
    # A real deployment's SECRET_KEY is long and random (PRODUCTION's is a placeholder).
    return {**clean, **PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50), **extra}


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python *args` in the project's folder with `env`, its output captured."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
