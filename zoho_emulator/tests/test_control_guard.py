"""The control plane refuses requests a browser makes for another site (CSRF, DNS rebinding)."""

from __future__ import annotations

import http.client

import pytest
import requests

from zoho_emulator import Emulator, EmulatorServer

WRITES = [
    ("POST", "/_emulator/reset", None),
    ("POST", "/_emulator/redirect-uris", {"uri": "https://evil.example/cb"}),
    ("POST", "/_emulator/faults", {"path": "/x", "status": 500}),
    ("POST", "/_emulator/self-client", {"email": "x", "dc": "us", "scope": "a.b"}),
    ("POST", "/_emulator/client-secrets", {"dc": "uk", "secret": "s"}),
    ("GET", "/_emulator/tokens", None),
    ("DELETE", "/_emulator/faults", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Host": "evil.example"},  # DNS rebinding: the page's own name resolves to 127.0.0.1
        {"Host": "evil.example:8765", "Origin": "http://evil.example:8765"},
    ],
)
def test_cross_site_requests_are_refused(emulator, method, path, body, headers):
    before = emulator.app.state.stats.requests_total
    uris = list(emulator.app.redirect_uris)
    resp = requests.request(method, emulator.url + path, json=body, headers=headers)
    assert resp.status_code == 403
    assert resp.json()["error"] == "forbidden"
    assert emulator.app.redirect_uris == uris
    assert emulator.app.state.faults == []
    assert emulator.app.state.stats.requests_total == before + 1  # nothing reset


def test_same_origin_browser_and_plain_clients_pass(emulator):
    host = emulator.url.split("//", 1)[1]
    ok = [
        {},
        {"Origin": emulator.url},
        {"Origin": emulator.url + "/"},
        {"Sec-Fetch-Site": "same-origin", "Origin": emulator.url},
        {"Sec-Fetch-Site": "none"},
        {"Host": "localhost:" + host.split(":")[1]},
    ]
    for headers in ok:
        resp = requests.post(
            f"{emulator.url}/_emulator/faults", json={"latency_ms": 0}, headers=headers
        )
        assert resp.status_code == 200, headers
    assert emulator.client.users()  # urllib: no Origin, no Sec-Fetch-*


def test_requests_without_host_header_pass(emulator):
    host, port = emulator.url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.putrequest("GET", "/_emulator/health", skip_host=True)
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 200
    conn.close()


def test_oauth_and_crm_endpoints_are_not_affected(emulator):
    # the consent form is a cross-site navigation by design
    resp = requests.get(
        emulator.auth_url("us"),
        params={"client_id": emulator.client_id},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"},
    )
    assert resp.status_code == 400 and "text/html" in resp.headers["Content-Type"]


def test_public_url_host_and_origin_are_allowed():
    app = Emulator(public_url="https://zoho-emu.example.test")
    with EmulatorServer(app) as server:
        resp = requests.get(
            f"{server.url}/_emulator/health",
            headers={"Host": "zoho-emu.example.test", "Origin": "https://zoho-emu.example.test"},
        )
        assert resp.status_code == 200
        resp = requests.get(f"{server.url}/_emulator/health", headers={"Host": "other.test"})
        assert resp.status_code == 403
