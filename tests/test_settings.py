"""Start-up refuses a production configuration with a missing secret, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def _check(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.startswith("ZOHO_")
    }
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_configuration_starts():
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ZOHO_CLIENT_ID",
        "ZOHO_CLIENT_SECRET",
        "ZOHO_REDIRECT_URI",
        "TOKEN_ENCRYPTION_KEYS",
        "DATABASE_URL",
    ],
)
def test_missing_secret_stops_start_up_naming_it(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _check(env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {
                "ZOHO_EXTRA_DATA_CENTERS": "xx|Newland|http://accounts.zoho.xx|https://www.zohoapis.xx"
            },
            "ZOHO_EXTRA_DATA_CENTERS entry",
        ),
        ({"ZOHO_EXTRA_DATA_CENTERS": "XX|Newland"}, "ZOHO_EXTRA_DATA_CENTERS entry"),
        ({"ZOHO_CLIENT_SECRETS": "zz=secret"}, "ZOHO_CLIENT_SECRETS names unknown"),
        ({"ZOHO_SIGN_IN_DC": "zz"}, "ZOHO_SIGN_IN_DC names unknown"),
    ],
)
def test_data_center_settings_are_checked_at_start_up(env, message):
    result = _check({**PRODUCTION, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_an_added_data_center_and_its_secret_start():
    result = _check(
        {
            **PRODUCTION,
            "ZOHO_EXTRA_DATA_CENTERS": "xx|Newland|https://accounts.zoho.xx|https://www.zohoapis.xx",
            "ZOHO_CLIENT_SECRETS": "xx=secret-xx,uk=secret-uk",
        }
    )
    assert result.returncode == 0, result.stderr
