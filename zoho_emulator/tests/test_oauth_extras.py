"""UK data center, per-DC client secrets, PKCE and refresh-token eviction, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from emulator_support import FULL_SCOPE, HARRIET, OLIVIA, SOFIA, THAMESGATE, query_of

from zoho_emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Emulator,
    EmulatorClient,
    EmulatorServer,
    urls,
)

PACKAGE = Path(__file__).resolve().parents[1]  # zoho_emulator/: pyproject.toml, src/, tests/
SRC = PACKAGE / "src"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def auth_params(emulator, **overrides):
    params = {
        "client_id": emulator.client_id,
        "response_type": "code",
        "redirect_uri": emulator.redirect_uri,
        "scope": FULL_SCOPE,
        "state": "st-1",
        "access_type": "offline",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


# ---------------------------------------------------------------------------- UK


def test_uk_is_one_of_the_data_centers():
    assert "uk" in urls.DCS
    assert urls.token_url("http://h", "uk") == "http://h/accounts/uk/oauth/v2/token"
    assert urls.api_domain("http://h", "uk") == "http://h/api/uk"


@pytest.mark.parametrize("dc", urls.DCS)
def test_every_consent_page_lists_the_uk_users(emulator, dc):
    page = requests.get(emulator.auth_url(dc), params=auth_params(emulator)).text
    assert HARRIET in page and "Thamesgate Wholesale Ltd" in page


def test_uk_user_comes_back_with_location_uk_and_uses_the_uk_api(emulator, zoho_http):
    location = emulator.client.authorize(auth_params(emulator), email=HARRIET, dc="us")
    q = query_of(location)
    assert q["location"] == "uk"
    assert q["accounts-server"] == f"{emulator.url}/accounts/uk"
    body = zoho_http.exchange(q["code"], "uk", redirect_uri=emulator.redirect_uri)
    assert body["api_domain"] == f"{emulator.url}/api/uk"
    org = zoho_http.api("GET", "uk", "org", body["access_token"]).json()["org"][0]
    assert org["zgid"] == THAMESGATE
    assert (org["currency"], org["time_zone"], org["country_code"]) == (
        "GBP",
        "Europe/London",
        "GB",
    )
    assert org["id"].startswith("8830517")
    me = zoho_http.api("GET", "uk", "users", body["access_token"], params={"type": "CurrentUser"})
    assert me.json()["users"][0]["id"].startswith("8830517")
    rec = zoho_http.api(
        "GET", "uk", "Accounts", body["access_token"], params={"fields": "Account_Name"}
    ).json()["data"][0]
    assert rec["id"].startswith("8830517")
    one = zoho_http.api("GET", "uk", f"Accounts/{rec['id']}", body["access_token"]).json()
    assert one["data"][0]["Created_Time"].endswith("+00:00")
    # the code is redeemable in the UK only
    assert zoho_http.api("GET", "eu", "org", body["access_token"]).status_code == 401


def test_uk_users_in_the_directory(emulator):
    uk = [u for u in emulator.client.users() if u["dc"] == "uk"]
    assert len(uk) >= 2
    assert all(o["zgid"] == THAMESGATE for u in uk for o in u["orgs"])


# ---------------------------------------------------------------------------- per-DC secrets


def test_a_dc_with_its_own_secret_refuses_the_global_one(emulator, zoho_http):
    emulator.client.set_dc_client_secret("uk", "uk-only-secret")
    glob = emulator.client_secret
    code = emulator.client.self_client_code(HARRIET, "uk", FULL_SCOPE)
    assert zoho_http.exchange(code, "uk", client_secret=glob) == {"error": "invalid_client"}
    pair = zoho_http.exchange(code, "uk", client_secret="uk-only-secret")
    assert "refresh_token" in pair
    assert zoho_http.refresh(pair["refresh_token"], "uk", client_secret=glob) == {
        "error": "invalid_client"
    }
    assert "access_token" in zoho_http.refresh(
        pair["refresh_token"], "uk", client_secret="uk-only-secret"
    )
    # other data centers keep the global secret, and the UK secret is wrong there
    eu = zoho_http.tokens(SOFIA, "eu")
    assert "access_token" in zoho_http.refresh(eu["refresh_token"], "eu")
    assert zoho_http.refresh(eu["refresh_token"], "eu", client_secret="uk-only-secret") == {
        "error": "invalid_client"
    }
    assert emulator.client_secret_for("uk") == "uk-only-secret"
    # back to the global secret
    assert emulator.client.set_dc_client_secret("uk", None) == []
    code = emulator.client.self_client_code(HARRIET, "uk", FULL_SCOPE)
    assert "access_token" in zoho_http.exchange(code, "uk")


def test_reset_drops_runtime_secrets(emulator):
    emulator.app.set_dc_client_secret("au", "temporary")
    assert emulator.app.client_secret_for("au") == "temporary"
    emulator.client.reset()
    assert emulator.app.client_secret_for("au") == emulator.client_secret


def test_control_plane_rejects_bad_secret_requests(emulator):
    for body in ({"dc": "xx", "secret": "s"}, {"dc": "uk", "secret": ""}, {"secret": "s"}):
        resp = requests.post(f"{emulator.url}/_emulator/client-secrets", json=body)
        assert resp.status_code == 400, body
    with pytest.raises(ValueError, match="unknown data center"):
        emulator.app.set_dc_client_secret("zz", "s")


def test_configured_dc_secrets_survive_reset():
    with pytest.raises(ValueError, match="unknown data center"):
        Emulator(dc_client_secrets={"mars": "x"})
    app = Emulator(client_id="1000.A", client_secret="global", dc_client_secrets={"eu": "eu-s"})
    with EmulatorServer(app) as server:
        client = EmulatorClient(server.url)
        client.set_dc_client_secret("eu", "changed")
        client.set_dc_client_secret("in", "in-s")
        client.reset()
        assert app.dc_client_secrets == {"eu": "eu-s"}
        code = client.self_client_code(SOFIA, "eu", "ZohoCRM.org.READ")
        form = {"grant_type": "authorization_code", "client_id": "1000.A", "code": code}
        token_url = urls.token_url(server.url, "eu")
        assert requests.post(token_url, data={**form, "client_secret": "global"}).json() == {
            "error": "invalid_client"
        }
        assert (
            "access_token"
            in requests.post(token_url, data={**form, "client_secret": "eu-s"}).json()
        )


@pytest.mark.parametrize("flag", ["uk", "uk=", "=x", "mars=x"])
def test_command_line_rejects_bad_dc_secrets(flag):
    proc = subprocess.run(
        [sys.executable, "-m", "zoho_emulator", "--port", "0", "--dc-client-secret", flag],
        cwd=PACKAGE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "--dc-client-secret" in proc.stderr


def test_command_line_dc_secret_applies_to_that_dc():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoho_emulator",
            "--port",
            "0",
            "--dc-client-secret",
            "uk=cli-uk-secret",
        ],
        cwd=PACKAGE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        url = first.split("listening on ")[1].split()[0]
        lines = [proc.stdout.readline() for _ in range(3)]
        assert any("client secret for uk: cli-uk-secret" in line for line in lines)
        client = EmulatorClient(url)
        code = client.self_client_code(HARRIET, "uk", "ZohoCRM.org.READ")
        form = {
            "grant_type": "authorization_code",
            "client_id": DEFAULT_CLIENT_ID,
            "code": code,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
        answer = requests.post(urls.token_url(url, "uk"), data=form, timeout=5).json()
        assert answer == {"error": "invalid_client"}
        form["client_secret"] = "cli-uk-secret"
        assert (
            "access_token" in requests.post(urls.token_url(url, "uk"), data=form, timeout=5).json()
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


# ---------------------------------------------------------------------------- PKCE


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_code(emulator, challenge, method="S256", email=SOFIA):
    params = auth_params(emulator, code_challenge=challenge, code_challenge_method=method)
    return query_of(emulator.client.authorize(params, email=email))["code"]


def test_rfc7636_appendix_b_vector():
    assert s256(VERIFIER) == CHALLENGE


def test_pkce_s256_round_trip(emulator, zoho_http):
    code = pkce_code(emulator, CHALLENGE)
    body = zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=VERIFIER
    )
    assert "access_token" in body and "refresh_token" in body
    listing = emulator.client.tokens()["grant_codes"]
    assert listing[0]["code_challenge_method"] == "S256"


def test_pkce_plain_and_default_method(emulator, zoho_http):
    verifier = "a" * 43
    code = pkce_code(emulator, verifier, method="plain")
    assert "access_token" in zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=verifier
    )
    # no method: RFC 7636 says plain, so the challenge is compared as is
    code = pkce_code(emulator, verifier, method=None)
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=s256(verifier)[:43]
    ) == {"error": "invalid_code"}
    code = pkce_code(emulator, verifier, method=None)
    assert "access_token" in zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=verifier
    )


@pytest.mark.parametrize("verifier", [None, "b" * 43])
def test_pkce_missing_or_wrong_verifier_burns_the_code(emulator, zoho_http, verifier):
    code = pkce_code(emulator, CHALLENGE)
    extra = {"code_verifier": verifier} if verifier else {}
    assert zoho_http.exchange(code, "eu", redirect_uri=emulator.redirect_uri, **extra) == {
        "error": "invalid_code"
    }
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=VERIFIER
    ) == {"error": "invalid_code"}
    assert emulator.client.tokens()["grant_codes"][0]["burned_reason"]


def test_pkce_verifier_for_a_code_without_challenge_is_refused(emulator, zoho_http):
    code = query_of(emulator.client.authorize(auth_params(emulator), email=SOFIA))["code"]
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=VERIFIER
    ) == {"error": "invalid_code"}


@pytest.mark.parametrize("verifier", ["short", "x" * 129, "a" * 42 + "!", "a" * 42 + " "])
def test_pkce_malformed_verifier_is_invalid_request_and_keeps_the_code(
    emulator, zoho_http, verifier
):
    code = pkce_code(emulator, CHALLENGE)
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=verifier
    ) == {"error": "invalid_request"}
    assert "access_token" in zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, code_verifier=VERIFIER
    )


@pytest.mark.parametrize(
    ("challenge", "method"),
    [
        (CHALLENGE, "S512"),
        (CHALLENGE, "s256"),
        ("tooshort", "S256"),
        ("a" * 44, "S256"),  # not a SHA-256 length
        ("a" * 129, "plain"),
        (None, "S256"),
        ("", "S256"),
    ],
)
def test_pkce_bad_challenge_redirects_with_invalid_request(emulator, challenge, method):
    params = auth_params(emulator, code_challenge_method=method)
    if challenge is not None:
        params["code_challenge"] = challenge
    resp = requests.get(emulator.auth_url("us"), params=params, allow_redirects=False)
    assert resp.status_code == 302
    assert query_of(resp.headers["Location"]) == {"error": "invalid_request", "state": "st-1"}
    form = {**params, "email": SOFIA, "approve": "1"}
    resp = requests.post(emulator.auth_url("us"), data=form, allow_redirects=False)
    assert query_of(resp.headers["Location"])["error"] == "invalid_request"


def test_consent_page_carries_the_challenge(emulator):
    params = auth_params(emulator, code_challenge=CHALLENGE, code_challenge_method="S256")
    page = requests.get(emulator.auth_url("us"), params=params).text
    assert f'name="code_challenge" value="{CHALLENGE}"' in page
    assert 'name="code_challenge_method" value="S256"' in page


# ---------------------------------------------------------------------------- eviction


def test_evicted_refresh_tokens_take_their_access_tokens_along(emulator, zoho_http):
    first = zoho_http.tokens(OLIVIA, "au")
    refreshed = zoho_http.refresh(first["refresh_token"], "au")["access_token"]
    for _ in range(19):
        zoho_http.tokens(OLIVIA, "au")
    for token in (first["access_token"], refreshed):
        assert zoho_http.api("GET", "au", "org", token).status_code == 200
    zoho_http.tokens(OLIVIA, "au")  # the 21st evicts the first
    for token in (first["access_token"], refreshed):
        resp = zoho_http.api("GET", "au", "org", token)
        assert resp.status_code == 401 and resp.json()["code"] == "INVALID_TOKEN"
    listing = {a["token"]: a for a in emulator.client.tokens()["access_tokens"]}
    assert "refresh token limit" in listing[refreshed]["revoked_reason"]


# ------------------------------------------------------------------- neutral defaults


def test_a_new_emulator_knows_a_demo_client_named_for_it_and_no_redirect_uri():
    """No app's values are built in: the demo client is the emulator's own, and the consent
    page refuses every redirect URI (a local portal's included) until one is registered."""
    app = Emulator()
    assert (app.client_id, app.client_secret) == (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert "EMULATOR" in DEFAULT_CLIENT_ID and app.redirect_uris == []
    callback = "http://127.0.0.1:8000/accounts/callback/"
    params = {
        "client_id": DEFAULT_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": callback,
        "scope": "ZohoCRM.org.READ",
        "state": "s",
    }
    with EmulatorServer(app) as server:
        page = requests.get(urls.auth_url(server.url, "us"), params=params, timeout=5)
        assert page.status_code == 400
        assert EmulatorClient(server.url).register_redirect_uri(callback) == [callback]
        page = requests.get(urls.auth_url(server.url, "us"), params=params, timeout=5)
        assert page.status_code == 200
    # a URI given twice (make run passes ZOHO_REDIRECT_URI and its default) is listed once
    assert Emulator(redirect_uris=[callback, callback]).redirect_uris == [callback]


def test_configure_client_replaces_the_known_client(emulator):
    emulator.app.configure_client(
        client_id="1000.OTHERAPP", client_secret="other", redirect_uris=["https://app.example/cb"]
    )
    code = emulator.client.self_client_code(SOFIA, "eu", "ZohoCRM.org.READ")
    form = {"grant_type": "authorization_code", "code": code}
    token_url = emulator.token_url("eu")
    old = {"client_id": emulator.client_id, "client_secret": emulator.client_secret}
    assert requests.post(token_url, data={**form, **old}, timeout=5).json() == {
        "error": "invalid_client"
    }
    new = {"client_id": "1000.OTHERAPP", "client_secret": "other"}
    assert "access_token" in requests.post(token_url, data={**form, **new}, timeout=5).json()
