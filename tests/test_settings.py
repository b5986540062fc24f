"""Start-up refuses a production configuration with a missing secret, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent


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
