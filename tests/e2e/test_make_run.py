"""`make run` with any ports, from the outside: the portal and the emulator on the ports given,
a sign-in that comes back to the portal's own port, and a taken port that stops `make run`
with a message. Runs the real Makefile (a SQLite file of its own), stopped afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from zoho_emulator.client import EmulatorClient

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs `make setup` (.venv)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_run(tmp_path, port: int, emulator_port: int) -> subprocess.Popen:
    # As from a fresh shell: none of the test settings' environment (DEBUG off, a test
    # client, test keys) may leak into the demo.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ZOHO_", "DJANGO_", "DATABASE_", "TOKEN_", "CACHE_"))
        and key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PORT", "EMULATOR_PORT")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        PORT=str(port),
        EMULATOR_PORT=str(emulator_port),
    )
    return subprocess.Popen(  # noqa: S603 - our own Makefile
        ["make", "--no-print-directory", "run"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, stopped as one below
    )


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run stopped:\n{_stop(process)}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered:\n{_stop(process)}")


def test_make_run_with_other_ports_signs_in_end_to_end(tmp_path):
    port, emulator_port = _free_port(), _free_port()
    process = _make_run(tmp_path, port, emulator_port)
    try:
        portal = f"http://127.0.0.1:{port}"
        _wait_for(portal + "/", process)
        session = requests.Session()
        start = session.get(portal + "/accounts/login/?next=/crm/Leads/", allow_redirects=False)
        authorize = start.headers["Location"]
        assert authorize.startswith(f"http://127.0.0.1:{emulator_port}/accounts/us/")
        params = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
        assert params["redirect_uri"] == f"{portal}/accounts/callback/"
        emulator = EmulatorClient(f"http://127.0.0.1:{emulator_port}")
        callback = emulator.authorize(params, email="olivia.chen@banksiasolar.com.au")
        assert callback.startswith(f"{portal}/accounts/callback/?")  # Approve comes back here
        landed = session.get(callback, allow_redirects=False)
        assert landed.status_code == 302 and landed.headers["Location"] == "/crm/Leads/"
        leads = session.get(portal + "/crm/Leads/")
        assert leads.status_code == 200 and "Banksia Solar" in leads.text
        # From localhost the sign-in moves to the redirect URI's host first.
        other = requests.get(
            f"http://localhost:{port}/accounts/login/", allow_redirects=False, timeout=10
        )
        assert other.headers["Location"] == f"{portal}/accounts/login/"
        # A refused callback, and a token in a query string: runserver logs every request.
        refused = session.get(portal + "/accounts/callback/?code=1000.SECRETCODE&state=SECRETSTATE")
        assert refused.status_code == 400
        assert session.get(portal + "/nowhere/?access_token=SECRETTOKEN").status_code == 404
    finally:
        output = _stop(process)
    # runserver's request lines are there, scrubbed: no code, state, token or session id.
    assert '"GET /accounts/callback/?code=[Filtered]&state=[Filtered]' in output, output
    for secret in (
        params["state"],
        parse_qs(urlsplit(callback).query)["code"][0],
        session.cookies["sessionid"],
        "SECRETCODE",
        "SECRETSTATE",
        "SECRETTOKEN",
    ):
        assert secret not in output, [line for line in output.splitlines() if secret in line]


@pytest.mark.parametrize("taken", ["PORT", "EMULATOR_PORT"])
def test_a_taken_port_stops_make_run_with_a_message(tmp_path, taken):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        ports = {"PORT": _free_port(), "EMULATOR_PORT": _free_port(), taken: busy}
        process = _make_run(tmp_path, ports["PORT"], ports["EMULATOR_PORT"])
        try:
            output, _ = process.communicate(timeout=120)
        finally:
            _stop(process)
    assert process.returncode != 0
    assert f"port {busy} on 127.0.0.1 is already in use" in output
    assert "zohoportal is running" not in output
