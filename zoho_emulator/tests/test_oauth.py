"""Zoho Accounts behaviour of the emulator, over real HTTP."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import requests
from emulator_support import (
    FULL_SCOPE,
    MARCUS,
    OLIVIA,
    PATRICIA,
    SOFIA,
    ZYLKER_LABS,
    ZYLKER_TRADERS,
    query_of,
)

from zoho_emulator import EmulatorError


def auth_params(emulator, **overrides):
    params = {
        "client_id": emulator.client_id,
        "response_type": "code",
        "redirect_uri": emulator.redirect_uri,
        "scope": FULL_SCOPE,
        "state": "st-123",
        "access_type": "offline",
        "prompt": "consent",
    }
    params.update(overrides)
    return params


def test_consent_page_lists_users_scopes_and_hidden_params(emulator):
    resp = requests.get(
        emulator.auth_url("us"), params=auth_params(emulator), allow_redirects=False
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    for user in emulator.client.users():
        assert user["email"] in page
    assert 'name="org" value="720019877"' in page  # multi-org choice for Patricia
    assert "ZohoCRM.settings.fields.READ" in page
    assert 'type="hidden" name="state" value="st-123"' in page
    assert "<label" in page and "Approve" in page and "Deny" in page
    assert "http://" not in page.split("<form", 1)[0].replace(
        emulator.url, ""
    )  # no external resources


def test_unregistered_client_or_redirect_uri_never_redirects(emulator):
    for overrides in (
        {"client_id": "1000.NOPE"},
        {"redirect_uri": "https://evil.example/cb"},
        {"redirect_uri": emulator.redirect_uri + "x"},
        {"client_id": ""},
    ):
        params = auth_params(emulator, **overrides)
        resp = requests.get(emulator.auth_url("us"), params=params, allow_redirects=False)
        assert resp.status_code == 400, overrides
        assert "Location" not in resp.headers
        assert "text/html" in resp.headers["Content-Type"]
        post = requests.post(
            emulator.auth_url("us"),
            data={**params, "email": SOFIA, "approve": "1"},
            allow_redirects=False,
        )
        assert post.status_code == 400 and "Location" not in post.headers


def test_bad_response_type_or_scope_redirects_with_error(emulator):
    resp = requests.get(
        emulator.auth_url("us"),
        params=auth_params(emulator, response_type="token"),
        allow_redirects=False,
    )
    assert resp.status_code == 302
    assert query_of(resp.headers["Location"]) == {
        "error": "unsupported_response_type",
        "state": "st-123",
    }
    resp = requests.get(
        emulator.auth_url("us"), params=auth_params(emulator, scope=""), allow_redirects=False
    )
    assert query_of(resp.headers["Location"])["error"] == "invalid_scope"


def test_approve_redirects_with_code_location_and_accounts_server(emulator):
    location = emulator.client.authorize(auth_params(emulator), email=SOFIA)
    assert location.startswith(emulator.redirect_uri + "?")
    q = query_of(location)
    assert q["code"].startswith("1000.")
    assert q["state"] == "st-123"
    assert q["location"] == "eu"
    assert q["accounts-server"] == f"{emulator.url}/accounts/eu"
    assert f"accounts-server={quote(emulator.url + '/accounts/eu', safe='')}" in location


def test_deny_redirects_with_access_denied(emulator):
    location = emulator.client.authorize(auth_params(emulator), email=SOFIA, approve=False)
    assert query_of(location) == {"error": "access_denied", "state": "st-123"}


def test_unknown_email_reshows_the_form(emulator):
    params = {**auth_params(emulator), "email": "nobody@example.com", "approve": "1"}
    resp = requests.post(emulator.auth_url("us"), data=params, allow_redirects=False)
    assert resp.status_code == 400
    assert "Choose one of the demo accounts" in resp.text


def test_code_exchange_returns_zoho_token_shape(emulator, zoho_http):
    q = query_of(emulator.client.authorize(auth_params(emulator), email=SOFIA))
    body = zoho_http.exchange(q["code"], "eu", redirect_uri=emulator.redirect_uri)
    assert set(body) == {
        "access_token",
        "refresh_token",
        "scope",
        "api_domain",
        "token_type",
        "expires_in",
    }
    assert body["api_domain"] == f"{emulator.url}/api/eu"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("1000.") and body["refresh_token"].startswith("1000.")
    # single use
    again = zoho_http.exchange(q["code"], "eu", redirect_uri=emulator.redirect_uri)
    assert again == {"error": "invalid_code"}


def test_online_access_gets_no_refresh_token(emulator, zoho_http):
    q = query_of(
        emulator.client.authorize(auth_params(emulator, access_type="online"), email=OLIVIA)
    )
    body = zoho_http.exchange(q["code"], "au", redirect_uri=emulator.redirect_uri)
    assert "access_token" in body and "refresh_token" not in body


def test_code_only_redeems_at_its_users_dc(emulator, zoho_http):
    q = query_of(emulator.client.authorize(auth_params(emulator), email=SOFIA))
    assert zoho_http.exchange(q["code"], "us", redirect_uri=emulator.redirect_uri) == {
        "error": "invalid_client"
    }
    assert "access_token" in zoho_http.exchange(q["code"], "eu", redirect_uri=emulator.redirect_uri)


def test_token_endpoint_errors(emulator, zoho_http):
    q = query_of(emulator.client.authorize(auth_params(emulator), email=SOFIA))
    code = q["code"]
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, client_secret="wrong"
    ) == {"error": "invalid_client"}
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, client_id="1000.OTHER"
    ) == {"error": "invalid_client"}
    assert zoho_http.exchange(code, "eu", redirect_uri="http://testserver/other/") == {
        "error": "invalid_redirect_uri"
    }
    assert zoho_http.exchange(
        code, "eu", redirect_uri=emulator.redirect_uri, grant_type="password"
    ) == {"error": "unsupported_grant_type"}
    assert zoho_http.exchange("1000.bogus", "eu", redirect_uri=emulator.redirect_uri) == {
        "error": "invalid_code"
    }
    resp = zoho_http.http.post(emulator.token_url("eu"), data={"client_id": emulator.client_id})
    assert resp.status_code == 200 and resp.json() == {"error": "invalid_request"}
    # none of the failures consumed the code
    assert "access_token" in zoho_http.exchange(code, "eu", redirect_uri=emulator.redirect_uri)


def test_expired_code_is_invalid(emulator, zoho_http):
    code = emulator.client.self_client_code(SOFIA, "eu", FULL_SCOPE)
    emulator.app.state.grants[code].expires = time.time() - 1
    assert zoho_http.exchange(code, "eu") == {"error": "invalid_code"}


def test_multi_org_user_gets_chosen_org_and_default_first_org(emulator, zoho_http):
    q = query_of(emulator.client.authorize(auth_params(emulator), email=PATRICIA, org=ZYLKER_LABS))
    at = zoho_http.exchange(q["code"], "us", redirect_uri=emulator.redirect_uri)["access_token"]
    org = zoho_http.api("GET", "us", "org", at).json()["org"][0]
    assert org["zgid"] == ZYLKER_LABS
    q = query_of(emulator.client.authorize(auth_params(emulator), email=PATRICIA))
    at = zoho_http.exchange(q["code"], "us", redirect_uri=emulator.redirect_uri)["access_token"]
    assert zoho_http.api("GET", "us", "org", at).json()["org"][0]["zgid"] == ZYLKER_TRADERS
    # an org that is not the user's falls back to the user's first org
    q = query_of(emulator.client.authorize(auth_params(emulator), email=MARCUS, org=ZYLKER_LABS))
    at = zoho_http.exchange(q["code"], "us", redirect_uri=emulator.redirect_uri)["access_token"]
    assert zoho_http.api("GET", "us", "org", at).json()["org"][0]["zgid"] == ZYLKER_TRADERS


def test_refresh_grant_and_throttle_after_ten(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    tokens = set()
    for _ in range(10):
        body = zoho_http.refresh(pair["refresh_token"], "eu")
        assert set(body) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}
        tokens.add(body["access_token"])
    assert len(tokens) == 10
    throttled = zoho_http.refresh(pair["refresh_token"], "eu")
    assert throttled == {
        "error": "Access Denied",
        "error_description": (
            "You have made too many requests continuously. Please try again after some time."
        ),
    }
    stats = emulator.client.stats()
    assert stats["refresh_calls_by_refresh_token"][pair["refresh_token"]] == 11
    assert stats["token_calls"]["refresh_token"] == 11
    # another refresh token of the same user is not throttled
    other = zoho_http.tokens(SOFIA, "eu")
    assert "access_token" in zoho_http.refresh(other["refresh_token"], "eu")


def test_refresh_window_rolls(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    for _ in range(10):
        zoho_http.refresh(pair["refresh_token"], "eu")
    rt = emulator.app.state.refresh_tokens[pair["refresh_token"]]
    rt.refresh_times[0] -= 601  # the oldest refresh left the 10-minute window
    assert "access_token" in zoho_http.refresh(pair["refresh_token"], "eu")
    assert "error" in zoho_http.refresh(pair["refresh_token"], "eu")


def test_refresh_errors(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    assert zoho_http.refresh(pair["refresh_token"], "us") == {"error": "invalid_client"}
    assert zoho_http.refresh("1000.nope.nope", "eu") == {"error": "invalid_code"}
    assert zoho_http.refresh(pair["refresh_token"], "eu", client_secret="x") == {
        "error": "invalid_client"
    }


def test_sixteenth_live_access_token_kills_the_oldest(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")  # access token no. 1
    state = emulator.app.state
    issued = [pair["access_token"]]
    for _ in range(14):
        rt = state.refresh_tokens[pair["refresh_token"]]
        rt.refresh_times.clear()  # stay clear of the 10-per-10-minutes throttle
        issued.append(zoho_http.refresh(pair["refresh_token"], "eu")["access_token"])
    assert all(zoho_http.api("GET", "eu", "org", t).status_code == 200 for t in issued)
    state.refresh_tokens[pair["refresh_token"]].refresh_times.clear()
    issued.append(zoho_http.refresh(pair["refresh_token"], "eu")["access_token"])  # no. 16
    assert zoho_http.api("GET", "eu", "org", issued[0]).status_code == 401
    assert all(zoho_http.api("GET", "eu", "org", t).status_code == 200 for t in issued[1:])


def test_twenty_first_refresh_token_kills_the_first(emulator, zoho_http):
    first = zoho_http.tokens(OLIVIA, "au")
    for _ in range(19):
        zoho_http.tokens(OLIVIA, "au")
    assert "access_token" in zoho_http.refresh(first["refresh_token"], "au")
    zoho_http.tokens(OLIVIA, "au")  # the 21st
    assert zoho_http.refresh(first["refresh_token"], "au") == {"error": "invalid_code"}
    alive = [
        r for r in emulator.client.tokens()["refresh_tokens"] if r["alive"] and r["email"] == OLIVIA
    ]
    assert len(alive) == 20


def test_revoke_kills_refresh_and_its_access_tokens(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    second = zoho_http.refresh(pair["refresh_token"], "eu")["access_token"]
    unrelated = zoho_http.tokens(SOFIA, "eu")
    resp = zoho_http.http.post(
        emulator.token_url("eu") + "/revoke", data={"token": pair["refresh_token"]}
    )
    assert resp.json() == {"status": "success"}
    assert zoho_http.refresh(pair["refresh_token"], "eu") == {"error": "invalid_code"}
    for token in (pair["access_token"], second):
        resp = zoho_http.api("GET", "eu", "org", token)
        assert resp.status_code == 401 and resp.json()["code"] == "INVALID_TOKEN"
    assert zoho_http.api("GET", "eu", "org", unrelated["access_token"]).status_code == 200
    # query-string form (as in Zoho's docs) is accepted too
    other = zoho_http.tokens(SOFIA, "eu")
    resp = zoho_http.http.post(
        emulator.token_url("eu") + "/revoke", params={"token": other["refresh_token"]}
    )
    assert resp.json() == {"status": "success"}
    assert zoho_http.refresh(other["refresh_token"], "eu") == {"error": "invalid_code"}
    assert emulator.client.stats()["revoke_calls"] == 2


def test_revoking_an_invalid_token_is_a_400(emulator, zoho_http):
    """Zoho Accounts, "Revoking a Refresh token": an invalid refresh token is not revoked
    and the answer is HTTP 400 (body undocumented: the emulator's)."""
    pair = zoho_http.tokens(SOFIA, "eu")
    url = emulator.token_url("eu") + "/revoke"
    assert zoho_http.http.post(url, data={"token": pair["refresh_token"]}).status_code == 200
    us = zoho_http.tokens(PATRICIA, "us")
    for token in (
        "1000.unknown",  # never issued
        pair["refresh_token"],  # revoked already
        pair["access_token"],  # died with its refresh token
        us["refresh_token"],  # another data center's
    ):
        resp = zoho_http.http.post(url, data={"token": token})
        assert resp.status_code == 400, token
        assert resp.json() == {"error": "invalid_token"}
    # the US token was left alone
    assert "access_token" in zoho_http.refresh(us["refresh_token"], "us")


def test_self_client_validation(emulator):
    client = emulator.client
    assert client.self_client_code(
        PATRICIA, "us", "ZohoCRM.modules.ALL", org=ZYLKER_LABS
    ).startswith("1000.")
    for kwargs in (
        {"email": SOFIA, "dc": "us"},
        {"email": "x@y.z", "dc": "us"},
        {"email": MARCUS, "dc": "us", "org": ZYLKER_LABS},
    ):
        with pytest.raises(EmulatorError) as caught:
            client.self_client_code(scope="ZohoCRM.modules.ALL", **kwargs)
        assert caught.value.status == 400


def test_tokens_listing_links_access_tokens_to_refresh_tokens(emulator, zoho_http):
    pair = zoho_http.tokens(SOFIA, "eu")
    refreshed = zoho_http.refresh(pair["refresh_token"], "eu")["access_token"]
    listing = emulator.client.tokens()
    code = next(c for c in listing["grant_codes"] if c["email"] == SOFIA)
    assert code["state"] == "used" and code["dc"] == "eu" and code["zgid"] == "20071245781"
    by_token = {a["token"]: a for a in listing["access_tokens"]}
    assert by_token[refreshed]["refresh_token"] == pair["refresh_token"]
    assert by_token[refreshed]["grant_type"] == "refresh_token"
    assert by_token[pair["access_token"]]["grant_type"] == "authorization_code"
    assert listing["refresh_tokens"][0]["alive"] is True
