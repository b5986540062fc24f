"""HTTP server, control plane, fault injection and statistics."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from emulator_support import ARJUN, MARCUS, PATRICIA, SOFIA

from zoho_emulator import Emulator, EmulatorClient, EmulatorServer
from zoho_emulator.crm import users as crm_users

PACKAGE = Path(__file__).resolve().parents[1]  # zoho_emulator/: pyproject.toml, src/, tests/
SRC = PACKAGE / "src"


def test_keep_alive_one_connection_for_many_requests(emulator, zoho_http):
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]  # uses zoho_http's session: 1 connection
    before = emulator.client.stats()
    for _ in range(5):
        resp = zoho_http.api("GET", "eu", "Leads", token, params={"fields": "Last_Name"})
        assert resp.status_code == 200
    assert (
        zoho_http.api("GET", "eu", "Leads/1", token).status_code == 204
    )  # 204 keeps the connection too
    after = emulator.client.stats()
    # the only new connection is the stats call itself (urllib opens one per call)
    assert after["connections_accepted"] - before["connections_accepted"] == 1
    assert after["api_connections"] == 1


def test_raw_http11_pipelining_and_content_length(emulator):
    host, port = emulator.url.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    for _ in range(3):
        conn.request("GET", "/_emulator/users")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200
        assert int(resp.headers["Content-Length"]) == len(body)
        assert resp.version == 11
    conn.close()


def test_stats_keys_and_attribution(emulator, zoho_http):
    sofia = zoho_http.tokens(SOFIA, "eu")["access_token"]
    arjun = zoho_http.tokens(ARJUN, "in")["access_token"]
    zoho_http.api("GET", "eu", "org", sofia)
    zoho_http.api("GET", "in", "org", arjun)
    zoho_http.api("GET", "in", "users", arjun, params={"type": "CurrentUser"})
    stats = emulator.client.stats()
    for key in (
        "token_calls",
        "token_calls_total",
        "token_calls_by_refresh_token",
        "refresh_calls_by_refresh_token",
        "revoke_calls",
        "api_calls",
        "api_calls_by_dc",
        "api_calls_by_path",
        "api_calls_by_access_token",
        "api_calls_by_user",
        "connections_accepted",
        "api_connections",
        "faults_applied",
    ):
        assert key in stats, key
    assert stats["token_calls"] == {"authorization_code": 2}
    assert stats["api_calls_by_dc"] == {"eu": 1, "in": 2}
    assert stats["api_calls_by_access_token"] == {sofia: 1, arjun: 2}
    assert stats["api_calls_by_user"] == {SOFIA: 1, ARJUN: 2}
    assert stats["api_calls_by_path"]["/api/in/crm/v8/users"] == 1


def test_fault_on_token_endpoint_with_oauth_error_and_count(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    emulator.client.add_fault(
        emulator.token_url("eu").split(emulator.url)[1], error="throttle", count=2
    )
    assert zoho_http.refresh(pair["refresh_token"], "eu")["error"] == "Access Denied"
    assert zoho_http.refresh(pair["refresh_token"], "eu")["error"] == "Access Denied"
    assert "access_token" in zoho_http.refresh(pair["refresh_token"], "eu")
    emulator.client.add_fault("/accounts/eu/oauth/v2/token", error="invalid_code")
    assert zoho_http.refresh(pair["refresh_token"], "eu") == {"error": "invalid_code"}
    assert emulator.client.stats()["faults_applied"] == 3


def test_fault_prefix_crm_code_status_and_body(emulator, zoho_http):
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]
    emulator.client.add_fault("/api/eu/crm/v8/", match="prefix", crm_code="INTERNAL_ERROR")
    resp = zoho_http.api("GET", "eu", "org", token)
    assert resp.status_code == 500
    assert resp.json() == {
        "code": "INTERNAL_ERROR",
        "details": {},
        "message": "Internal Server Error",
        "status": "error",
    }
    assert zoho_http.api("GET", "eu", "org", token).status_code == 200
    emulator.client.add_fault("/api/eu/crm/v8/org", status=503, body="upstream down", method="GET")
    resp = zoho_http.api("GET", "eu", "org", token)
    assert resp.status_code == 503 and resp.text == "upstream down"
    emulator.client.add_fault(
        "/api/eu/crm/v8/org", status=429, body={"code": "TOO_MANY_REQUESTS"}, count=None
    )
    assert zoho_http.api("GET", "eu", "org", token).status_code == 429
    assert zoho_http.api("GET", "eu", "org", token).status_code == 429
    assert len(emulator.client.faults()["faults"]) == 1
    emulator.client.clear_faults()
    assert zoho_http.api("GET", "eu", "org", token).status_code == 200


class HeldSleep:
    """Stands in for the emulator's sleep: records each wait and holds the caller until the
    test releases it, so tests see the order of events instead of timing them."""

    def __init__(self):
        self.waits: list[float] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.entered.set()
        assert self.release.wait(timeout=30), "the test never released the sleeping request"


def test_fault_delay_does_not_block_other_requests(emulator, zoho_http, monkeypatch):
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]
    held = HeldSleep()
    monkeypatch.setattr(emulator.app, "sleep", held)
    emulator.client.add_fault("/api/eu/crm/v8/org", delay_s=1.0)
    results = {}

    def slow():
        results["slow"] = requests.get(
            f"{emulator.api_domain('eu')}/crm/v8/org",
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
            timeout=60,
        ).status_code

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert held.entered.wait(timeout=30)
        assert held.waits == [1.0]  # the delay fault's own length
        # While that request is held, another one is answered in full.
        current = zoho_http.api("GET", "eu", "users", token, params={"type": "CurrentUser"})
        assert current.status_code == 200
        assert emulator.client.stats()["api_calls"] >= 1
        assert "slow" not in results and thread.is_alive()
    finally:
        held.release.set()
        thread.join(timeout=30)
    assert results["slow"] == 200
    assert held.waits == [1.0]  # the other request did not wait


def test_a_request_sleeping_across_a_reset_neither_changes_nor_counts_in_the_new_state(
    emulator, zoho_http, monkeypatch
):
    """A test's hung request that ends during the next test must not leak into it."""
    refresh_token = zoho_http.tokens(SOFIA, "eu")["refresh_token"]
    held = HeldSleep()
    monkeypatch.setattr(emulator.app, "sleep", held)
    emulator.client.add_fault("/accounts/eu/oauth/v2/token", delay_s=0.5)
    answers = {}

    def slow_refresh():
        answers["slow"] = requests.post(
            emulator.token_url("eu"),
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
            },
            timeout=60,
        )

    thread = threading.Thread(target=slow_refresh)
    thread.start()
    try:
        assert held.entered.wait(timeout=30)  # the refresh is asleep in its delay
        emulator.client.reset()
        emulator.client.add_fault("/accounts/eu/oauth/v2/token", status=500)  # the next test's
    finally:
        held.release.set()
        thread.join(timeout=30)
    assert answers["slow"].status_code == 503
    assert answers["slow"].json()["error"] == "emulator_reset"
    stats = emulator.client.stats()
    assert stats["token_calls"].get("refresh_token", 0) == 0
    assert len(emulator.client.faults()["faults"]) == 1  # the new fault was not taken


def test_global_latency(emulator, zoho_http, monkeypatch):
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]
    waits = []
    monkeypatch.setattr(emulator.app, "sleep", waits.append)
    emulator.client.add_fault(latency_ms=150)
    assert zoho_http.api("GET", "eu", "org", token).status_code == 200
    assert waits == [0.15]  # an API call waits the latency, once
    emulator.client.users()  # the control plane is never slowed down
    emulator.client.stats()
    assert waits == [0.15]
    emulator.client.reset()
    assert emulator.client.faults()["latency_ms"] == 0
    zoho_http.api("GET", "eu", "org", zoho_http.tokens(SOFIA, "eu")["access_token"])
    assert waits == [0.15]  # no latency after a reset


def test_bad_fault_specs_are_rejected(emulator):
    for spec in (
        {"path": "no-slash", "status": 500},
        {"path": "/x"},
        {"path": "/x", "status": 500, "match": "glob"},
        {"path": "/x", "status": "abc"},
        {"path": "/x", "status": 500, "count": 0},
    ):
        resp = requests.post(f"{emulator.url}/_emulator/faults", json=spec)
        assert resp.status_code == 400, spec


def test_catch_all_answers_zoho_shaped_500(emulator, zoho_http, monkeypatch):
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(crm_users, "org_json", boom)
    resp = zoho_http.api("GET", "eu", "org", token)
    assert resp.status_code == 500
    assert resp.json() == {
        "code": "INTERNAL_ERROR",
        "details": {},
        "message": "Internal Server Error",
        "status": "error",
    }
    assert "simulated bug" not in resp.text


def test_expire_tokens_filters(emulator, zoho_http):
    sofia = zoho_http.tokens(SOFIA, "eu")["access_token"]
    marcus = zoho_http.tokens(MARCUS, "us")["access_token"]
    assert emulator.client.expire_tokens(dc="eu") == 1
    assert zoho_http.api("GET", "eu", "org", sofia).status_code == 401
    assert zoho_http.api("GET", "us", "org", marcus).status_code == 200
    assert emulator.client.expire_tokens() == 1
    assert zoho_http.api("GET", "us", "org", marcus).status_code == 401


def test_unknown_paths(emulator):
    assert requests.get(f"{emulator.url}/nothing").status_code == 404
    assert requests.get(f"{emulator.url}/accounts/xx/oauth/v2/token").status_code == 404
    assert requests.get(f"{emulator.url}/_emulator/nothing").status_code == 404
    index = requests.get(emulator.url + "/")
    assert index.status_code == 200 and PATRICIA in index.text


def test_register_redirect_uri(emulator):
    uri = "http://127.0.0.1:9999/cb/"
    params = {
        "client_id": emulator.client_id,
        "response_type": "code",
        "redirect_uri": uri,
        "scope": "ZohoCRM.modules.ALL",
    }
    assert (
        requests.get(emulator.auth_url(), params=params, allow_redirects=False).status_code == 400
    )
    emulator.app.register_redirect_uri(uri)
    try:
        assert (
            requests.get(emulator.auth_url(), params=params, allow_redirects=False).status_code
            == 200
        )
    finally:
        emulator.app.redirect_uris.remove(uri)


def test_standalone_server_with_explicit_public_url():
    app = Emulator(
        client_id="1000.X",
        client_secret="y",
        redirect_uris=["http://a/cb"],
        public_url="https://zoho.example.test",
    )
    with EmulatorServer(app) as server:
        url = server.url
        client = EmulatorClient(url)
        data = requests.post(
            f"{server.url}/_emulator/self-client",
            data={"email": SOFIA, "dc": "eu", "scope": "ZohoCRM.org.READ"},
        ).json()
        assert data["accounts_server"] == "https://zoho.example.test/accounts/eu"
        assert client.users()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_emulator/users", timeout=2)


def test_command_line_entry_point_starts_and_prints_users():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoho_emulator", "--port", "0", "--latency-ms", "1"],
        cwd=PACKAGE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        url = first.split("listening on ")[1].split()[0]
        lines = [proc.stdout.readline() for _ in range(5)]
        assert any(PATRICIA in line for line in lines + [proc.stdout.readline() for _ in range(4)])
        assert requests.get(f"{url}/_emulator/users", timeout=5).status_code == 200
        assert requests.get(f"{url}/_emulator/faults", timeout=5).json()["latency_ms"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_runtime_imports_only_the_standard_library():
    code = (
        "import sys\n"
        "import zoho_emulator, zoho_emulator.__main__, zoho_emulator.crm\n"
        "outside = sorted({n.split('.')[0] for n in sys.modules} - set(sys.stdlib_module_names)"
        " - {'zoho_emulator', '__main__'})\n"
        "print(','.join(outside))\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.path.insert(0, {str(SRC)!r})\n" + code,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_installed_as_a_package_with_console_script_and_pytest_plugin():
    from importlib.metadata import entry_points

    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    # named after the module, so `pytest_plugins = ["zoho_emulator.pytest_plugin"]` elsewhere
    # finds it registered and does not register it twice
    assert plugins.get("zoho_emulator.pytest_plugin") == "zoho_emulator.pytest_plugin"
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("zoho-emulator") == "zoho_emulator.__main__:main"
    script = Path(sys.executable).with_name("zoho-emulator")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--dc-client-secret" in out.stdout


def test_the_installed_package_is_imported_not_the_folder_around_it():
    """From a project that holds this package's folder (the portal's repo root is on the path
    under pytest), ``zoho_emulator`` is still the installed src/ package, not the bare
    ``zoho_emulator/`` folder as a namespace package (which has no ``__file__``)."""
    import zoho_emulator

    assert zoho_emulator.__file__ is not None
    assert Path(zoho_emulator.__file__).name == "__init__.py"
    assert hasattr(zoho_emulator, "Emulator")


def test_crm_routes_are_one_table():
    from zoho_emulator.crm import ROUTES

    patterns = [route.pattern.pattern for route in ROUTES]
    assert len(patterns) == len(set(patterns))
    assert any("search" in p for p in patterns)


def test_stats_count_api_calls_in_flight(emulator, zoho_http):
    """`api_in_flight_max`: the most CRM calls answered at once (Zoho caps it per org)."""
    token = zoho_http.tokens(SOFIA, "eu")["access_token"]
    emulator.client.add_fault("/api/eu/crm/v8/org", delay_s=1.5, count=3)
    answers = []

    def call():
        answers.append(
            requests.get(
                f"{emulator.url}/api/eu/crm/v8/org",
                headers={"Authorization": f"Zoho-oauthtoken {token}"},
                timeout=30,
            ).status_code
        )

    callers = [threading.Thread(target=call) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(30)
    assert answers == [200, 200, 200]
    stats = emulator.client.stats()
    assert stats["api_in_flight_max"] == 3  # each was held 1.5 s: they overlapped
    assert stats["api_in_flight"] == 0
    zoho_http.api("GET", "eu", "org", token)
    assert emulator.client.stats()["api_in_flight_max"] == 3  # a peak, not the last
