"""Settings only read; the checks (core/checks.py) stop every kind of process at start-up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import production_env, run_python

ROOT = Path(__file__).resolve().parents[2]

IMPORT_SETTINGS = """
import json, logging, os, sys
from pathlib import Path
key_file = Path(".token-encryption-key").resolve()
before = {"environ": dict(os.environ), "key_file": key_file.exists(), "argv": list(sys.argv)}
sys.argv = ["anything", "collectstatic"]
import zohoportal.settings.production as s
print(json.dumps({
    "environ_same": dict(os.environ) == before["environ"],
    "key_file_same": key_file.exists() == before["key_file"],
    "sentry_loaded": "sentry_sdk" in sys.modules,
    "warnings_captured": logging.getLogger("py.warnings").handlers != []
    or logging._warnings_showwarning is not None,
    "secret_key": s.SECRET_KEY,
    "debug": s.DEBUG,
    "keys": s.TOKEN_ENCRYPTION_KEYS,
}))
"""


@pytest.mark.single_database
@pytest.mark.parametrize("debug", [False, True])
def test_importing_the_settings_writes_starts_and_reads_nothing_else(debug, tmp_path):
    # A copy of zohoportal/ whose BASE_DIR (tmp_path) has no development key file yet.
    shutil.copytree(ROOT / "zohoportal", tmp_path / "zohoportal")
    env = production_env(
        DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
        PYTHONPATH=f"{tmp_path}:{ROOT}",
        DEBUG=str(debug).lower(),
        SENTRY_DSN="http://publickey@127.0.0.1:9/1",
        SECRET_KEY="",
        TOKEN_ENCRYPTION_KEYS="",
    )
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SETTINGS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["environ_same"] and seen["key_file_same"]
    assert not (tmp_path / ".token-encryption-key").exists()
    assert not seen["sentry_loaded"] and not seen["warnings_captured"]
    # a missing key is only read as missing (the checks name it), whatever sys.argv says
    assert seen["keys"] == [] and seen["debug"] is debug
    assert seen["secret_key"] == ("django-insecure-development-only-key" if debug else "")


@pytest.mark.single_database
@pytest.mark.parametrize(
    "argv",
    [
        ["-c", "import zohoportal.wsgi"],
        ["-c", "import zohoportal.asgi"],
        ["-m", "celery", "-A", "zohoportal", "worker", "--pool=solo", "--without-mingle"],
        # never /dev/null: beat deletes a schedule file it cannot open and writes a new one
        ["-m", "celery", "-A", "zohoportal", "beat", "--schedule", "{tmp}/beat-schedule"],
    ],
    ids=["wsgi", "asgi", "celery-worker", "celery-beat"],
)
def test_app_servers_and_celery_stop_on_a_missing_secret(argv, tmp_path):
    env = production_env(TOKEN_ENCRYPTION_KEYS="", CELERY_BROKER_URL="memory://")
    result = run_python(*(arg.replace("{tmp}", str(tmp_path)) for arg in argv), env=env)
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS is not set" in result.stderr + result.stdout
