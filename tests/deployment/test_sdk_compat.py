"""The portal stops at start-up when the installed Zoho SDK is not the release whose internals
it replaces (zoho/sdk_patches.py): `manage.py check` fails, gunicorn does not start.

Another release is simulated by answering `importlib.metadata.version` differently (in this
process, or in a subprocess before Django starts): the SDK itself is never patched."""

from __future__ import annotations

import importlib.metadata
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tests.deployment.harness import ROOT
from tests.production import production_env
from zoho import sdk as zoho_sdk
from zoho import sdk_patches

OTHER_RELEASE = "8.1.0"
# Runs `argv` as a program after making importlib.metadata report another SDK release.
PRETEND_OTHER_RELEASE = f"""
import importlib.metadata as metadata, runpy, sys
real = metadata.version
metadata.version = lambda name: {OTHER_RELEASE!r} if name == "zohocrmsdk8_0" else real(name)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.fixture
def other_release(monkeypatch):
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: OTHER_RELEASE if name == sdk_patches.SDK_DISTRIBUTION else real(name),
    )
    monkeypatch.setattr(sdk_patches, "_checked", False)


def _sdk_errors():
    return [m for m in checks.run_checks() if m.id in ("zohoportal.E201", "zohoportal.E202")]


def test_the_installed_release_passes():
    assert sdk_patches.installed_version() == sdk_patches.EXPECTED_VERSION
    assert sdk_patches.problems() == []
    assert _sdk_errors() == []


def test_another_release_is_a_check_error_naming_both_versions(other_release):
    (error,) = _sdk_errors()
    assert error.level == checks.ERROR
    assert error.id == "zohoportal.E201"
    assert f"zohocrmsdk8_0 {OTHER_RELEASE} is installed" in error.msg
    assert f"zohocrmsdk8_0 {sdk_patches.EXPECTED_VERSION}" in error.msg
    assert "Upgrading the Zoho SDK" in error.hint


def test_another_release_stops_the_sdk_before_anything_is_replaced(other_release, monkeypatch):
    monkeypatch.setattr(zoho_sdk, "_holds_ours", lambda: False)
    with pytest.raises(ImproperlyConfigured, match=OTHER_RELEASE):
        zoho_sdk.ensure_initialized()


def test_every_internal_the_portal_uses_has_the_signature_it_expects():
    """After the portal's stand-ins are installed, the check still reads the SDK's own
    methods (kept by `sdk_patches.replace`), and finds each as expected."""
    zoho_sdk.ensure_initialized()
    from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

    assert Utility.__dict__["get_fields"].__func__.__module__ == "zoho.sdk_patches"
    assert sdk_patches.internal_problems() == []


def test_a_changed_signature_or_a_missing_internal_is_named():
    module = "zohocrmsdk.src.com.zoho.crm.api.util.utility"
    changed = sdk_patches.Internal(module, "Utility", "get_fields", ("module_api_name",), "why")
    gone = sdk_patches.Internal(module, "Utility", "get_fields_v9", None, "used by X")
    problems = sdk_patches.internal_problems((changed, gone))
    assert problems == [
        f"{module}.Utility.get_fields now takes (module_api_name, handler_instance=None), "
        "not (module_api_name); why.",
        f"{module}.Utility.get_fields_v9 no longer exists; used by X.",
    ]


def _run_as_other_release(*argv: str) -> tuple[int | None, str]:
    """(exit status, or None when still running after a minute; standard error)."""
    process = subprocess.Popen(
        [sys.executable, "-c", PRETEND_OTHER_RELEASE, *argv],
        cwd=ROOT,
        env=production_env(CACHE_URL="redis://127.0.0.1:6379/0"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it started after all: stop it, and its workers
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        return None, stderr
    return process.returncode, stderr


def test_manage_py_check_fails_on_another_release():
    status, stderr = _run_as_other_release("manage.py", "check")
    assert status not in (0, None)
    assert "zohoportal.E201" in stderr
    assert f"zohocrmsdk8_0 {OTHER_RELEASE} is installed" in stderr


def test_gunicorn_does_not_start_on_another_release():
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    status, stderr = _run_as_other_release(
        gunicorn, "-c", "deploy/gunicorn.conf.py", "--bind", "127.0.0.1:0", "zohoportal.wsgi"
    )
    assert status not in (0, None)
    assert "The installed Zoho SDK is not the one this portal was written for" in stderr
    assert OTHER_RELEASE in stderr
