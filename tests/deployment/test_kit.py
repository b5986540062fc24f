"""The deployment kit: what a production host installs, builds and configures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"pytest", "pytest-django", "ruff", "playwright", "hypothesis", "axe-playwright-python"}


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>~!\[ ]", line, maxsplit=1)[0].lower())
    return names


def test_production_requirements_hold_no_test_or_tool_package():
    runtime = _requirement_names(ROOT / "requirements.txt")
    assert not runtime & TOOLS
    assert {"django", "gunicorn", "redis", "sentry-sdk"} <= runtime
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev
    assert {"pytest", "pytest-django", "ruff"} <= _requirement_names(ROOT / "requirements-dev.txt")


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                assert "==" in line, f"{name}: {line} is not pinned"


def _settings_read_by_the_code() -> set[str]:
    # The settings every process outside the suite reads (test.py only overrides them).
    source = "\n".join(
        path.read_text()
        for path in sorted((ROOT / "zohoportal" / "settings").glob("*.py"))
        if path.name != "test.py"
    )
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= set(re.findall(r'required\(\s*"([A-Z][A-Z0-9_]+)"', source))
    return names


def test_env_example_lists_every_setting_the_code_reads():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    read = _settings_read_by_the_code()
    assert len(read) > 25
    assert read - listed == set(), "missing from .env.example"


def _environment_without_secrets(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZOHO_", "DJANGO_", "SECURE_", "TEST_", "CACHE_", "SENTRY_"))
        and k not in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DATABASE_URL", "ALLOWED_HOSTS")
    }
    return {**env, "DEBUG": "false", **extra}


def test_collectstatic_runs_without_any_secret(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=_environment_without_secrets(STATIC_ROOT=str(tmp_path / "static")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()  # hashed names for WhiteNoise
    assert list((tmp_path / "static" / "js").glob("app.*.js.gz"))  # compressed


def test_other_commands_still_stop_without_their_secrets(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_environment_without_secrets(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
