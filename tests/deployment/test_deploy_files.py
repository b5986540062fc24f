"""deploy/: the gunicorn configuration, the proxy settings, the systemd units and timers."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from types import SimpleNamespace

import pytest
import requests

from tests.deployment import harness

ROOT = harness.ROOT
DEPLOY = ROOT / "deploy"
UNITS = [
    "zohoportal.service",
    "zohoportal-housekeeping.service",
    "zohoportal-housekeeping.timer",
    "zohoportal-refresh.service",
    "zohoportal-refresh.timer",
    "zohoportal-worker.service",
    "zohoportal-beat.service",
]


@pytest.fixture
def behind_a_proxy(zoho, tmp_path):
    """One instance as deployed behind nginx: HTTPS required, one trusted proxy."""
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=harness.static_root(),
        resource_dir=str(tmp_path / "sdk"),
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        SESSION_COOKIE_SECURE="true",
        CSRF_COOKIE_SECURE="true",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        TRUSTED_PROXY_COUNT="1",
        LOGIN_RATE_LIMIT="2",
    )
    env["DATABASE_URL"] = harness.fresh_database("sqlite", tmp_path, env)
    with harness.Instance(env, workers=1, threads=4, log_dir=tmp_path) as instance:
        yield instance


def _via_nginx(instance, path: str, client: str, **headers) -> requests.Response:
    """What nginx (deploy/nginx.conf) sends: its own X-Forwarded-Proto, an appended XFF."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client, **headers}
    return requests.get(
        f"{instance.url}{path}", headers=forwarded, allow_redirects=False, timeout=30
    )


def test_behind_the_proxy_https_is_recognised_and_clients_are_told_apart(behind_a_proxy):
    portal = behind_a_proxy
    plain = requests.get(f"{portal.url}/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    page = _via_nginx(portal, "/", "198.51.100.1")
    assert page.status_code == 200
    assert "Strict-Transport-Security" in page.headers
    # The sign-in limit counts the client nginx saw, not nginx, and not what a client wrote.
    first = [_via_nginx(portal, "/accounts/login/", "198.51.100.7").status_code for _ in range(3)]
    assert first == [302, 302, 429]
    assert _via_nginx(portal, "/accounts/login/", "203.0.113.9, 198.51.100.7").status_code == 429
    assert _via_nginx(portal, "/accounts/login/", "198.51.100.8").status_code == 302
    # The session cookie is Secure: the request was HTTPS at the proxy.
    start = _via_nginx(portal, "/accounts/login/", "198.51.100.20")
    assert "Secure" in start.headers["Set-Cookie"] and "HttpOnly" in start.headers["Set-Cookie"]
    # Probes answer over plain HTTP, whatever the Host.
    probe = requests.get(f"{portal.url}/readyz", headers={"Host": "10.1.2.3"}, timeout=30)
    assert probe.status_code == 200


def test_the_access_log_has_pid_and_request_id_and_no_query_string(behind_a_proxy):
    portal = behind_a_proxy
    _via_nginx(
        portal,
        "/accounts/callback/?code=1000.SECRETCODE&state=SECRETSTATE",
        "198.51.100.30",
        **{"X-Request-ID": "edge-1234"},
    )
    deadline = time.monotonic() + 20  # gunicorn logs a request once its answer is sent
    while "/accounts/callback/" not in (log := portal.access_log.read_text()):
        assert time.monotonic() < deadline, log
        time.sleep(0.1)
    line = next(line for line in log.splitlines() if "/accounts/callback/" in line)
    assert "rid=edge-1234" in line and " pid=" in line
    assert "SECRET" not in log


def test_gunicorn_accepts_its_configuration():
    result = subprocess.run(
        [
            harness.GUNICORN,
            "--check-config",
            "-c",
            str(DEPLOY / "gunicorn.conf.py"),
            "zohoportal.wsgi",
        ],
        cwd=ROOT,
        env={
            **harness.base_env(),
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "zohoportal.settings.production",
            "DATABASE_URL": "sqlite:///:memory:",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_systemd_units_and_timers_verify(tmp_path):
    """`systemd-analyze verify` on the units as installed in this checkout (it checks that
    every ExecStart program exists, and every setting and calendar parses)."""
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/srv/zohoportal", str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_units_run_commands_that_exist_with_options_they_accept():
    exec_starts = [
        line.split("=", 1)[1]
        for name in ("zohoportal-housekeeping.service", "zohoportal-refresh.service")
        for line in (DEPLOY / name).read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    assert len(exec_starts) == 3
    for exec_start in exec_starts:
        _, manage_py, command, *options = exec_start.split()
        assert manage_py == "manage.py"
        result = subprocess.run(
            [harness.sys.executable, "manage.py", command, "--help"],
            cwd=ROOT,
            env={**harness.base_env(), "DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        for option in options:
            if option.startswith("--"):
                assert option in result.stdout, (command, option)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx")
def test_the_nginx_configuration_parses(tmp_path):
    site = (DEPLOY / "nginx.conf").read_text()
    for path in ("fullchain.pem", "privkey.pem"):
        site = site.replace(
            f"/etc/letsencrypt/live/portal.example.com/{path}", str(tmp_path / path)
        )
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=portal.example.com",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_worker_compiles_the_templates_and_starts_the_sdk_before_its_first_request():
    """gunicorn's `post_worker_init` (deploy/gunicorn.conf.py) runs zohoportal.wsgi.warm: the
    first page a new or recycled worker serves does not pay for them (bench/README.md)."""
    import runpy

    from django.template import engines
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    folder = ROOT / "templates"
    portal_templates = {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}
    cached = engines["django"].engine.template_loaders[0]
    cached.reset()
    assert not portal_templates & set(cached.get_template_cache)

    from zohoportal.wsgi import application

    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config["post_worker_init"](SimpleNamespace(wsgi=object(), log=logging.getLogger()))
    assert not portal_templates & set(cached.get_template_cache)  # not the portal: left alone
    config["post_worker_init"](SimpleNamespace(wsgi=application, log=logging.getLogger()))

    assert portal_templates <= set(cached.get_template_cache)
    assert Initializer.initializer is not None
