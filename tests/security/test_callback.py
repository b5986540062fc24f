"""Properties 1-7: the OAuth callback (SECURITY.md "The OAuth callback").

Everything runs through the real views and the emulator over real HTTP; `outbound` records
every request the portal or the SDK sends.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from accounts import activation, services
from accounts.models import ZohoConnection
from tests.helpers import path_of, query_of, rows_written
from zoho import datacenters

pytestmark = pytest.mark.django_db

NOTHING = {"connections": 0, "orgs": 0, "users": 0, "refresh_logs": 0}


def _callback(client, params: dict):
    return client.get("/accounts/callback/?" + urlencode(params))


def _user(demo_users, dc: str = "eu") -> dict:
    return demo_users["by_dc"][dc][0]


def _redeem_out_of_band(zoho, params: dict, client=None) -> dict:
    """Redeem a callback's code directly at the emulator, as an interceptor would; with
    `client`, with the PKCE verifier its session holds (as only the portal could)."""
    data = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "client_id": zoho.client_id,
        "client_secret": zoho.client_secret,
        "redirect_uri": zoho.redirect_uri,
    }
    if client is not None:
        data["code_verifier"] = client.session[services.SESSION_OAUTH_KEY][params["state"]][
            "verifier"
        ]
    return requests.post(zoho.token_url(params["location"]), data=data, timeout=5).json()


# --- 1. state ---------------------------------------------------------------------------------
def _state_cases():
    """(name, how to turn a valid callback into the broken one)."""

    def wrong(client, params):
        return client, {**params, "state": params["state"][:-1] + "x"}

    def missing(client, params):
        return client, {k: v for k, v in params.items() if k != "state"}

    def empty(client, params):
        return client, {**params, "state": ""}

    def expired(client, params):
        session = client.session
        session[services.SESSION_OAUTH_KEY][params["state"]]["created"] = time.time() - 601
        session.save()
        return client, params

    def other_session(client, params):
        other = Client()
        other.get("/accounts/login/")  # a session with a pending state of its own
        return other, params

    def no_session(client, params):
        return Client(), params

    return [wrong, missing, empty, expired, other_session, no_session]


@pytest.mark.security(1)
@pytest.mark.parametrize("broken", _state_cases(), ids=lambda f: f.__name__)
def test_p01_bad_state_is_400_with_no_outbound_http_and_no_row(
    sign_in, client, demo_users, outbound, broken
):
    params = query_of(sign_in.authorize(_user(demo_users)["email"]))
    caller, params = broken(client, params)
    outbound.calls.clear()
    response = _callback(caller, params)
    assert response.status_code == 400
    assert len(outbound) == 0, outbound.urls
    assert rows_written() == NOTHING


@pytest.mark.security(1)
def test_p01_replayed_state_is_400_with_no_outbound_http(sign_in, client, demo_users, outbound):
    callback_path = path_of(sign_in.authorize(_user(demo_users)["email"]))
    assert client.get(callback_path).status_code == 302
    before = rows_written()
    outbound.calls.clear()
    assert client.get(callback_path).status_code == 400  # same session, state used up
    assert len(outbound) == 0
    assert rows_written() == before


@pytest.mark.security(1)
def test_p01_state_is_256_bit_random_single_use_and_server_side(client, zoho):
    states = set()
    for _ in range(20):
        response = client.get("/accounts/login/")
        state = query_of(response["Location"])["state"]
        states.add(state)
        # Kept in the server-side session, never in a cookie of its own.
        assert state in client.session[services.SESSION_OAUTH_KEY]
        assert all(state not in morsel.value for morsel in client.cookies.values())
    assert len(states) == 20
    assert all(len(state) >= 43 for state in states)  # token_urlsafe(32): 256 bits
    # Server-side: the database, read through the shared cache; never a signed cookie.
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    # At most a few pending sign-ins are kept per session (several tabs), newest first.
    pending = client.session[services.SESSION_OAUTH_KEY]
    assert len(pending) == services.MAX_PENDING_SIGN_INS
    assert state in pending
    # A callback uses its own state up, whatever its outcome: it cannot be retried.
    _callback(client, {"state": state})
    assert state not in client.session.get(services.SESSION_OAUTH_KEY, {})


# --- 2. mix-up defence ------------------------------------------------------------------------
FORGED_ACCOUNTS_SERVERS = [
    "https://evil.example",
    "{server}.evil.example",
    "{server}/",
    "{server}/oauth",
    "{server}@evil.example",
    "{server_http}",
    "{server_upper}",
    "{other_dc_server}",
    " {server}",
    "",
]


@pytest.mark.security(2)
@pytest.mark.parametrize("forged", FORGED_ACCOUNTS_SERVERS)
def test_p02_forged_accounts_server_is_400_before_any_outbound_request(
    sign_in, client, demo_users, zoho, outbound, forged
):
    params = query_of(sign_in.authorize(_user(demo_users, "eu")["email"]))
    server = zoho.accounts_server("eu")
    assert params["accounts-server"] == server
    params["accounts-server"] = forged.format(
        server=server,
        server_http=server.replace("http://", "https://"),  # any other scheme
        server_upper=server.upper(),
        other_dc_server=zoho.accounts_server("us"),  # a mismatched pair
    )
    outbound.calls.clear()
    response = _callback(client, params)
    assert response.status_code == 400
    assert "data center" in response.text
    assert len(outbound) == 0, outbound.urls
    assert rows_written() == NOTHING


@pytest.mark.security(2)
@pytest.mark.parametrize("location", ["xx", "EU", "eu ", "", "https://evil.example", "us/../eu"])
def test_p02_unknown_location_is_400_before_any_outbound_request(
    sign_in, client, demo_users, outbound, location
):
    params = query_of(sign_in.authorize(_user(demo_users, "eu")["email"]))
    outbound.calls.clear()
    response = _callback(client, {**params, "location": location})
    assert response.status_code == 400
    assert len(outbound) == 0
    assert rows_written() == NOTHING


@pytest.mark.security(2)
@pytest.mark.parametrize(
    ("location", "server"),
    [
        ("eu", "https://evil.example"),
        ("eu", "https://accounts.zoho.com.evil.example"),
        ("eu", "https://accounts.zoho.eu.evil.example"),
        ("eu", "http://accounts.zoho.eu"),
        ("eu", "https://accounts.zoho.eu@evil.example"),
        ("eu", "https://accounts.zoho.eu/"),
        ("eu", "https://accounts.zoho.eu/oauth/v2"),
        ("eu", "https://accounts.zoho.com"),
        ("us", "https://accounts.zoho.eu"),
        ("au", "https://accounts.zoho.com"),
    ],
)
def test_p02_against_zohos_own_table_no_request_leaves(
    client, db, outbound, settings, location, server
):
    """With the real Zoho table (no emulator), a forged pair is refused with nothing sent."""
    settings.ZOHO_EMULATOR_URL = ""
    start = client.get("/accounts/login/")
    assert start["Location"].startswith("https://accounts.zoho.com/oauth/v2/auth?")
    state = query_of(start["Location"])["state"]
    response = _callback(
        client,
        {"state": state, "code": "1000.x.y", "location": location, "accounts-server": server},
    )
    assert response.status_code == 400
    assert len(outbound) == 0
    assert rows_written() == NOTHING


@pytest.mark.security(2)
def test_p02_client_secret_only_ever_goes_to_allow_listed_accounts_servers(
    sign_in, client, demo_users, zoho, outbound, settings
):
    """A whole life cycle: sign-in, SDK calls, refresh, revoke; where did the secret go?"""
    from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations

    from accounts import refresh

    for dc in ("us", "eu", "in"):
        sign_in(_user(demo_users, dc)["email"])
        client.post("/accounts/logout/")
    for connection in ZohoConnection.objects.all():
        refresh.connection_refresh(connection=connection, force=True)
        with activation.activated(ZohoConnection.objects.get(pk=connection.pk)):
            OrgOperations().get_organization()
    client.force_login(ZohoConnection.objects.first().user)
    client.post(f"/accounts/connections/{ZohoConnection.objects.first().pk}/disconnect/")

    secret = settings.ZOHO_CLIENT_SECRET.encode()
    allowed = {f"{dc.accounts_server}/oauth/v2/token" for dc in datacenters.all_data_centers()}
    sent_secret = [
        url for _, url, body in outbound.calls if secret in body or secret in url.encode()
    ]
    assert sent_secret, "expected the code exchange and refreshes to carry the secret"
    assert {url.split("?")[0] for url in sent_secret} <= allowed
    # Every request of any kind went to the table's own hosts.
    table_hosts = {
        urlsplit(url).netloc
        for dc in datacenters.all_data_centers()
        for url in (dc.accounts_server, dc.api_domain)
    }
    assert outbound.hosts() <= table_hosts


# --- 3. api_domain of another data center ---------------------------------------------------
@pytest.mark.security(3)
def test_p03_token_answer_with_another_dcs_api_domain_is_refused(sign_in, client, demo_users, zoho):
    params = query_of(sign_in.authorize(_user(demo_users, "eu")["email"]))
    answer = _redeem_out_of_band(zoho, params, client)
    assert answer["api_domain"] == zoho.api_domain("eu")
    # The token endpoint answers with a genuine token, but names the US API domain.
    zoho.client.add_fault(
        "/accounts/eu/oauth/v2/token",
        status=200,
        body={**answer, "api_domain": zoho.api_domain("us")},
    )
    response = _callback(client, params)
    assert response.status_code == 502
    assert "API server that does not belong to your data center" in response.text
    assert rows_written() == NOTHING


@pytest.mark.security(3)
def test_p03_refresh_answer_with_another_dcs_api_domain_is_refused(sign_in, demo_users, zoho):
    from accounts import refresh

    sign_in(_user(demo_users, "eu")["email"])
    connection = ZohoConnection.objects.get()
    before = (connection.access_token_encrypted, connection.access_token_expires_at)
    zoho.client.add_fault(
        "/accounts/eu/oauth/v2/token",
        status=200,
        body={
            "access_token": "1000.from-elsewhere",
            "expires_in": 3600,
            "api_domain": "https://www.zohoapis.com",
            "token_type": "Bearer",
        },
    )
    with pytest.raises(refresh.RefreshUnavailable):
        refresh.connection_refresh(connection=connection, force=True)
    connection.refresh_from_db()
    assert (connection.access_token_encrypted, connection.access_token_expires_at) == before
    assert connection.access_token != "1000.from-elsewhere"


# --- 4. the stored DC is a key ----------------------------------------------------------------
@pytest.mark.security(4)
def test_p04_stored_dc_is_a_key_and_every_url_is_built_from_it(
    sign_in, client, demo_users, zoho, outbound
):
    from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations

    from accounts import refresh

    sign_in(_user(demo_users, "in")["email"])
    connection = ZohoConnection.objects.get()
    assert connection.data_center == "in"
    assert connection.org.data_center == "in"
    # Even if the informational api_domain column were tampered with, nothing follows it.
    ZohoConnection.objects.filter(pk=connection.pk).update(api_domain="https://evil.example")
    connection.refresh_from_db()
    outbound.calls.clear()
    refresh.connection_refresh(connection=connection, force=True)
    with activation.activated(ZohoConnection.objects.get(pk=connection.pk)):
        OrgOperations().get_organization()
    client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert len(outbound) >= 3
    india = datacenters.get("in")
    for url in outbound.urls:
        assert url.startswith((india.accounts_server + "/", india.api_domain + "/")), url


# --- 5. access denied -------------------------------------------------------------------------
@pytest.mark.security(5)
def test_p05_access_denied_is_a_friendly_page_with_nothing_stored(sign_in, demo_users, outbound):
    response = sign_in(_user(demo_users)["email"], approve=False)
    assert response.status_code == 403
    assert "Access not granted" in response.text
    assert "sign in again" in response.text
    assert "Traceback" not in response.text
    assert not any("/oauth/v2/token" in url for url in outbound.urls)
    assert rows_written() == NOTHING


# --- 6. clean redirect, no-referrer, nothing in the logs --------------------------------------
@pytest.mark.security(6)
def test_p06_callback_redirects_to_a_clean_url_with_no_referrer(sign_in, demo_users):
    response = sign_in(_user(demo_users)["email"], next_url="/accounts/connections/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/connections/"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.security(6)
@pytest.mark.parametrize("outcome", ["success", "denied", "reused_code", "bad_state", "throttled"])
def test_p06_code_and_state_never_reach_the_logs(
    sign_in, client, demo_users, zoho, caplog, outcome
):
    # The shipped logging configuration, with the root (urllib3, requests, ...) and the
    # portal's own loggers at DEBUG, as LOG_LEVEL=DEBUG would have it.
    caplog.set_level(logging.DEBUG)
    logging.getLogger("zohoportal").setLevel(logging.DEBUG)
    try:
        callback_url = sign_in.authorize(_user(demo_users)["email"], approve=outcome != "denied")
        params = query_of(callback_url)
        if outcome == "reused_code":
            _redeem_out_of_band(zoho, params)
        if outcome == "bad_state":
            params["state"] = params["state"][::-1]
        if outcome == "throttled":
            zoho.client.add_fault(
                f"/accounts/{params['location']}/oauth/v2/token", error="throttle"
            )
        response = _callback(client, params)
    finally:
        logging.getLogger("zohoportal").setLevel(
            django_settings.LOGGING["loggers"]["zohoportal"]["level"]
        )
    assert response.status_code in (302, 400, 403, 429)
    secrets = [value for key, value in params.items() if key in ("code", "state") and value]
    assert secrets
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    for secret in secrets:
        assert secret not in logged
        assert secret not in response.get("Location", "")
        assert secret not in response.text


# --- 7. next -----------------------------------------------------------------------------------
@pytest.mark.security(7)
@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example",
        "//evil.example/path",
        "\\\\evil.example",
        "/\\evil.example",
        "https:evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "https://evil.example/",
        "https://testserver.evil.example/",
        "http://testserver@evil.example/",
        "data:text/html,<script>alert(1)</script>",
        "\t//evil.example",
    ],
)
def test_p07_unsafe_next_lands_on_the_default_page(sign_in, demo_users, next_url):
    response = sign_in(_user(demo_users)["email"], next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.security(7)
def test_p07_next_is_kept_in_the_session_not_in_the_round_trip(sign_in, client, demo_users):
    start = client.get("/accounts/login/", {"next": "/accounts/connections/"})
    assert "connections" not in start["Location"]  # not sent to Zoho
    state = query_of(start["Location"])["state"]
    assert client.session[services.SESSION_OAUTH_KEY][state]["next"] == "/accounts/connections/"
    callback = sign_in.emulator.client.authorize(
        query_of(start["Location"]), email=_user(demo_users)["email"]
    )
    # A `next` smuggled into the callback itself is ignored.
    response = client.get(path_of(callback) + "&next=//evil.example")
    assert response["Location"] == "/accounts/connections/"
