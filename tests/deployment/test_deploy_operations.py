"""deploy/ as an operator runs it: nginx's request id, gunicorn's reload and control socket.

- deploy/nginx.conf keeps a sane incoming X-Request-ID and replaces anything else (real
  nginx, in front of a server that echoes what it was sent);
- deploy/gunicorn.conf.py: `systemctl reload` (HUP) starts workers with the code now on
  disk; no control socket under an unwritable $HOME unless one is named for the instance.

The gunicorn tests serve a one-file WSGI app from a temporary folder, through the portal's
own gunicorn configuration: what they prove is the configuration, not the portal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import urllib3

from tests.deployment import harness

ROOT = harness.ROOT
DEPLOY = ROOT / "deploy"


def _wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} stopped"
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- nginx --------------------------------------------------------------------------------------
class _EchoRequestId(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        body = json.dumps({"x-request-id": self.headers.get("X-Request-ID")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx(tmp_path):
    """deploy/nginx.conf on free ports, its upstream an echo of the request id; the HTTPS URL."""
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("needs nginx and openssl")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _EchoRequestId)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = harness.free_port(), harness.free_port()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=portal.example.com", "-keyout", str(tmp_path / "privkey.pem"),
         "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text()
    for old, new in {
        "/etc/letsencrypt/live/portal.example.com/": f"{tmp_path}/",
        "/var/log/nginx/": f"{tmp_path}/",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream.server_port};",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; master_process off; pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ {temp} include {tmp_path}/site.conf; }}\n"
    )
    process = subprocess.Popen(
        ["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_port(https_port, process, "nginx")
        yield f"https://127.0.0.1:{https_port}"
    finally:
        _stop(process)
        upstream.shutdown()


def _request_id_sent(nginx_url: str, incoming: str | None) -> str:
    headers = {"Host": "portal.example.com"}
    if incoming is not None:
        headers["X-Request-ID"] = incoming
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # A throwaway self-signed certificate, on 127.0.0.1.
    answer = requests.get(f"{nginx_url}/anything", headers=headers, verify=False, timeout=30)  # noqa: S501
    assert answer.status_code == 200
    return answer.json()["x-request-id"]


def test_nginx_keeps_a_sane_incoming_request_id_and_replaces_anything_else(nginx):
    assert _request_id_sent(nginx, "edge-1234") == "edge-1234"
    assert _request_id_sent(nginx, "lb:7f3a.2_b") == "lb:7f3a.2_b"
    made = re.compile(r"[0-9a-f]{32}")
    for odd in (None, "has spaces", "x" * 129, "-starts-with-a-dash", "a<b>"):
        sent = _request_id_sent(nginx, odd)
        assert made.fullmatch(sent), (odd, sent)
    assert _request_id_sent(nginx, None) != _request_id_sent(nginx, None)


# --- gunicorn -----------------------------------------------------------------------------------
PROBE_APP = """
VERSION = {version!r}


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [VERSION.encode()]
"""


def _gunicorn(app_dir: Path, tmp_path: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = harness.free_port()
    process = subprocess.Popen(
        [harness.GUNICORN, "-c", str(DEPLOY / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--pythonpath", f"{app_dir},{ROOT}",
         "--error-logfile", str(tmp_path / "error.log"), "--access-logfile", "-",
         "reload_probe:application"],
        cwd=tmp_path,
        env={**harness.base_env(), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    _wait_for_port(port, process, "gunicorn")
    return process, f"http://127.0.0.1:{port}/"


def test_a_reload_hup_serves_the_code_now_on_disk(tmp_path):
    """What `systemctl reload zohoportal` (ExecReload: HUP) does after `git pull`."""
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "reload_probe.py").write_text(PROBE_APP.format(version="old"))
    process, url = _gunicorn(app_dir, tmp_path)
    try:
        assert requests.get(url, timeout=10).text == "old"
        (app_dir / "reload_probe.py").write_text(PROBE_APP.format(version="new"))
        shutil.rmtree(app_dir / "__pycache__", ignore_errors=True)
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        answers = set()
        while time.monotonic() < deadline:
            answer = requests.get(url, timeout=10).text  # never refused meanwhile
            answers.add(answer)
            if answer == "new" and {requests.get(url, timeout=10).text for _ in range(6)} == {
                "new"
            }:
                break
            time.sleep(0.2)
        assert requests.get(url, timeout=10).text == "new", answers
    finally:
        _stop(process)


def test_no_control_socket_under_an_unwritable_home_unless_one_is_named(tmp_path):
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "reload_probe.py").write_text(PROBE_APP.format(version="v"))
    home = tmp_path / "home"
    home.mkdir(mode=0o500)  # as under the unit's ProtectHome=
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": ""}
    process, url = _gunicorn(app_dir, tmp_path, **env)
    try:
        assert requests.get(url, timeout=10).text == "v"
    finally:
        _stop(process)
    log = (tmp_path / "error.log").read_text()
    assert "control socket" not in log.lower(), log
    assert not (home / ".gunicorn").exists()
    # Named for this instance (the unit's RuntimeDirectory), it is created there.
    ctl = tmp_path / "run" / "gunicorn.ctl"
    ctl.parent.mkdir()
    process, url = _gunicorn(app_dir, tmp_path, GUNICORN_CONTROL_SOCKET=str(ctl), **env)
    try:
        deadline = time.monotonic() + 10
        while not ctl.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ctl.exists()
    finally:
        _stop(process)
