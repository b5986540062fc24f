"""Sign in with Zoho across data centers, through the emulator over real HTTP."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from accounts import services, zoho_oauth
from accounts.models import ZohoConnection, ZohoOrg
from tests.conftest import path_of, query_of

pytestmark = pytest.mark.django_db


def _token_calls(zoho) -> int:
    stats = zoho.client.stats()
    return sum(stats["token_calls"].values())


def _nothing_written():
    assert ZohoConnection.objects.count() == 0
    assert ZohoOrg.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_login_redirects_to_the_us_accounts_server_with_every_parameter(client, zoho, settings):
    response = client.get("/accounts/login/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{zoho.url}/accounts/us/oauth/v2/auth?")
    params = query_of(location)
    assert params["client_id"] == settings.ZOHO_CLIENT_ID
    assert params["response_type"] == "code"
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["redirect_uri"] == settings.ZOHO_REDIRECT_URI
    assert params["scope"] == ",".join(settings.ZOHO_SCOPES)
    assert "ZohoCRM.users.READ" in params["scope"]
    assert len(params["state"]) >= 32  # 32 url-safe chars = 192 bits; we make 256
    # The state is in the server-side session, not a cookie of its own.
    assert params["state"] in client.session[services.SESSION_OAUTH_KEY]
    # PKCE: the S256 challenge of a verifier kept in the server-side session.
    verifier = client.session[services.SESSION_OAUTH_KEY][params["state"]]["verifier"]
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == zoho_oauth.pkce_challenge(verifier)
    assert 43 <= len(verifier) <= 128


@pytest.mark.parametrize("dc", ["us", "eu", "in", "uk"])
def test_full_sign_in_per_data_center(sign_in, client, demo_users, dc):
    user = demo_users["by_dc"][dc][0]
    response = sign_in(user["email"], org=user["orgs"][0]["zgid"])
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response["Referrer-Policy"] == "no-referrer"
    connection = ZohoConnection.objects.get()
    assert connection.data_center == dc
    assert connection.email == user["email"]
    assert connection.org.zgid == user["orgs"][0]["zgid"]
    assert connection.org.name == user["orgs"][0]["name"]
    assert connection.user_signature == f"{user['email']}:{user['orgs'][0]['zgid']}"
    assert connection.status == ZohoConnection.Status.ACTIVE
    assert connection.refresh_token and connection.access_token
    assert connection.access_token_is_fresh()
    # Signed in, with this connection active, and the home page says where we are.
    assert client.session[services.SESSION_ACTIVE_KEY] == connection.pk
    home = client.get("/")
    assert user["email"] in home.content.decode()
    assert f"data center <strong>{dc.upper()}</strong>" in home.content.decode()


def test_two_org_user_gets_two_switchable_connections(sign_in, client, demo_users):
    user = demo_users["multi_org"]
    first, second = user["orgs"][0]["zgid"], user["orgs"][1]["zgid"]
    sign_in(user["email"], org=first)
    sign_in(user["email"], org=second)
    connections = ZohoConnection.objects.order_by("pk")
    assert [c.org.zgid for c in connections] == [first, second]
    assert len({c.user_id for c in connections}) == 1  # one Django user, two connections
    assert len({c.user_signature for c in connections}) == 2  # same email, no collision
    assert client.session[services.SESSION_ACTIVE_KEY] == connections[1].pk
    response = client.post(f"/accounts/connections/{connections[0].pk}/activate/")
    assert response.status_code == 302
    assert client.session[services.SESSION_ACTIVE_KEY] == connections[0].pk
    response = client.post("/accounts/connections/switch/", {"connection": connections[1].pk})
    assert client.session[services.SESSION_ACTIVE_KEY] == connections[1].pk


def test_next_is_kept_through_the_flow(sign_in):
    response = sign_in(_any_user(sign_in), next_url="/accounts/connections/")
    assert response["Location"] == "/accounts/connections/"


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "https://evil.example/x",
        "http://testserver.evil.example/",
    ],
)
def test_unsafe_next_lands_on_home(sign_in, next_url):
    response = sign_in(_any_user(sign_in), next_url=next_url)
    assert response["Location"] == "/"


def _any_user(sign_in) -> str:
    return sign_in.emulator.client.users()[0]["email"]


def test_repeat_logins_leave_one_live_refresh_token(sign_in, demo_users, zoho, settings):
    settings.LOGIN_RATE_LIMIT = (100, 60)
    user = demo_users["by_dc"]["eu"][0]
    for _ in range(25):
        response = sign_in(user["email"], org=user["orgs"][0]["zgid"])
        assert response.status_code == 302
    connection = ZohoConnection.objects.get()
    live = [
        t
        for t in zoho.client.tokens()["refresh_tokens"]
        if t["email"] == user["email"] and t["alive"]
    ]
    assert len(live) == 1
    assert live[0]["token"] == connection.refresh_token


def _live_refresh_tokens(zoho, email: str) -> list[str]:
    return [
        t["token"]
        for t in zoho.client.tokens()["refresh_tokens"]
        if t["email"] == email and t["alive"]
    ]


def test_a_refused_sign_in_revokes_the_refresh_token_it_minted(
    sign_in, client, demo_users, zoho, settings
):
    """Signing in, while signed in as another portal user, to a Zoho account that portal
    user does not own is refused (409); repeated, the refused grants must not pile up toward
    Zoho's 20 refresh tokens per user and kill the owner's."""
    settings.LOGIN_RATE_LIMIT = (100, 60)
    owner = demo_users["by_dc"]["eu"][0]["email"]
    assert sign_in(owner).status_code == 302
    stored = ZohoConnection.objects.get()
    client.post("/accounts/logout/")
    someone_else = demo_users["by_dc"]["in"][0]["email"]
    assert sign_in(someone_else).status_code == 302
    for _ in range(21):
        refused = sign_in(owner)
        assert refused.status_code == 409
        assert "already connected to another portal user" in refused.text
    assert _live_refresh_tokens(zoho, owner) == [stored.refresh_token]
    stored.refresh_from_db()
    assert stored.user.zoho_connections.count() == 1


# --- failures: each its own 4xx page, nothing written, no outbound call where the check is first
def _callback(client, **params):
    return client.get("/accounts/callback/?" + urlencode(params))


def _valid_callback_params(sign_in, email):
    return query_of(sign_in.authorize(email))


def test_wrong_state_is_refused_before_any_call(sign_in, client, zoho):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    before = _token_calls(zoho)
    response = _callback(client, **{**params, "state": "forged"})
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert _token_calls(zoho) == before
    _nothing_written()


def test_missing_state_is_refused(sign_in, client, zoho):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    params.pop("state")
    assert _callback(client, **params).status_code == 400
    _nothing_written()


def test_replayed_state_is_refused(sign_in, client, zoho):
    callback_url = sign_in.authorize(_any_user(sign_in))
    assert client.get(path_of(callback_url)).status_code == 302
    client.post("/accounts/logout/")
    before = _token_calls(zoho)
    assert client.get(path_of(callback_url)).status_code == 400
    assert _token_calls(zoho) == before


def test_expired_state_is_refused(sign_in, client, zoho):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    session = client.session
    session[services.SESSION_OAUTH_KEY][params["state"]]["created"] = time.time() - 601
    session.save()
    before = _token_calls(zoho)
    assert _callback(client, **params).status_code == 400
    assert _token_calls(zoho) == before
    _nothing_written()


def test_state_from_another_session_is_refused(sign_in, client, zoho, django_user_model):
    from django.test import Client

    params = _valid_callback_params(sign_in, _any_user(sign_in))
    other = Client()
    other.get("/accounts/login/")
    assert _callback(other, **params).status_code == 400
    _nothing_written()


@pytest.mark.parametrize(
    "server",
    [
        "https://evil.example",
        "{emu}/accounts/eu.evil.example",
        "{emu}/accounts/eu/",
        "{emu}/accounts/us",
        "https://accounts.zoho.eu",
        "{emu}/accounts/eu@evil.example",
    ],
)
def test_forged_accounts_server_is_refused_before_any_call(
    sign_in, client, zoho, demo_users, server
):
    user = demo_users["by_dc"]["eu"][0]
    params = query_of(sign_in.authorize(user["email"]))
    assert params["location"] == "eu"
    before = _token_calls(zoho)
    response = _callback(client, **{**params, "accounts-server": server.format(emu=zoho.url)})
    assert response.status_code == 400
    assert "data center" in response.content.decode()
    assert _token_calls(zoho) == before
    _nothing_written()


def test_unknown_location_is_refused(sign_in, client, zoho):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    before = _token_calls(zoho)
    response = _callback(client, **{**params, "location": "xx"})
    assert response.status_code == 400
    assert _token_calls(zoho) == before
    _nothing_written()


def test_access_denied_shows_a_friendly_page(sign_in, client):
    response = sign_in(_any_user(sign_in), approve=False)
    assert response.status_code == 403
    assert "Access not granted" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    _nothing_written()


def test_reused_code_is_refused_with_nothing_written(sign_in, client, zoho):
    email = _any_user(sign_in)
    params = _valid_callback_params(sign_in, email)
    # Redeem the code out of band first, as an attacker who intercepted it would try.
    import requests

    answer = requests.post(
        f"{zoho.accounts_server(params['location'])}/oauth/v2/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "client_id": "1000.TESTCLIENT",
            "client_secret": "test-client-secret",
            "redirect_uri": "http://testserver/accounts/callback/",
        },
        timeout=5,
    ).json()
    # PKCE: without the verifier (kept in the portal's session) the code is worth nothing,
    # and Zoho burns it.
    assert answer == {"error": "invalid_code"}
    response = _callback(client, **params)
    assert response.status_code == 400
    assert "already used or has expired" in response.content.decode()
    _nothing_written()


def test_wrong_client_secret_is_refused(sign_in, client, settings):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    settings.ZOHO_CLIENT_SECRET = "wrong"
    response = _callback(client, **params)
    assert response.status_code == 502
    assert "client credentials" in response.content.decode()
    _nothing_written()


def test_unreachable_zoho_is_a_clear_page(sign_in, client, settings):
    params = _valid_callback_params(sign_in, _any_user(sign_in))
    # Point the table at a closed port: the same check-then-call path, nothing answers.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.ZOHO_EMULATOR_URL = f"http://127.0.0.1:{port}"
    params["accounts-server"] = f"http://127.0.0.1:{port}/accounts/{params['location']}"
    response = _callback(client, **params)
    assert response.status_code == 502
    assert "could not be reached" in response.content.decode()
    _nothing_written()


def test_logout_is_post_only_and_flushes_the_session(sign_in, client):
    sign_in(_any_user(sign_in))
    page = client.get("/accounts/logout/")  # a page with the button; it signs nobody out
    assert page.status_code == 200
    assert '<form method="post" action="/accounts/logout/"' in page.text
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
    assert services.SESSION_ACTIVE_KEY not in client.session


def test_another_users_connection_cannot_be_activated(sign_in, client, demo_users):
    a, b = demo_users["by_dc"]["us"][0], demo_users["by_dc"]["eu"][0]
    sign_in(a["email"])
    client.post("/accounts/logout/")
    sign_in(b["email"])
    mine = ZohoConnection.objects.get(email=b["email"])
    theirs = ZohoConnection.objects.get(email=a["email"])
    assert client.post(f"/accounts/connections/{theirs.pk}/activate/").status_code == 404
    assert client.post(f"/accounts/connections/{theirs.pk}/disconnect/").status_code == 404
    assert client.session[services.SESSION_ACTIVE_KEY] == mine.pk
    assert ZohoConnection.objects.filter(pk=theirs.pk).exists()


def test_disconnect_revokes_at_the_connections_own_dc_then_deletes(
    sign_in, client, zoho, demo_users
):
    user = demo_users["by_dc"]["in"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    refresh_token = connection.refresh_token
    assert client.get(f"/accounts/connections/{connection.pk}/disconnect/").status_code == 405
    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert not ZohoConnection.objects.exists()
    token = next(t for t in zoho.client.tokens()["refresh_tokens"] if t["token"] == refresh_token)
    assert token["alive"] is False
    assert token["dc"] == "in"


def test_disconnect_keeps_a_connection_whose_token_cannot_be_decrypted(
    sign_in, client, zoho, demo_users, settings
):
    """Deleting it would leave its grant alive at Zoho for good: nothing could revoke it."""
    from cryptography.fernet import Fernet

    user = demo_users["by_dc"]["eu"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    old_keys = settings.TOKEN_ENCRYPTION_KEYS
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/", follow=True)
    assert "can no longer decrypt" in response.text
    assert "Sign in with Zoho again" in response.text
    assert ZohoConnection.objects.filter(pk=connection.pk).exists()
    # The way out the message gives: sign in again (a new token), then disconnect.
    assert sign_in(user["email"]).status_code == 302
    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/", follow=True)
    assert "Disconnected" in response.text
    assert not ZohoConnection.objects.exists()
    settings.TOKEN_ENCRYPTION_KEYS = old_keys
    # Only the unreadable token stays alive at Zoho: nothing could revoke it.
    assert len(_live_refresh_tokens(zoho, user["email"])) == 1


def test_a_sign_in_racing_a_disconnect_leaves_no_live_token_unheld(
    sign_in, client, zoho, demo_users, monkeypatch
):
    """A repeat sign-in that stores a new refresh token while the disconnect is revoking the
    old one: the disconnect must not then delete the row that holds the new, live token."""
    from accounts import zoho_oauth

    user = demo_users["by_dc"]["au"][0]
    sign_in(user["email"])
    connection = ZohoConnection.objects.get()
    real_revoke = zoho_oauth.token_revoke
    raced = []

    def revoke_while_signing_in_again(**kwargs):
        real_revoke(**kwargs)
        if not raced:
            raced.append(True)
            assert sign_in(user["email"]).status_code == 302  # lands between revoke and delete

    monkeypatch.setattr(zoho_oauth, "token_revoke", revoke_while_signing_in_again)
    services.connection_disconnect(connection=connection)
    assert raced
    held = [c.refresh_token for c in ZohoConnection.objects.all()]
    assert _live_refresh_tokens(zoho, user["email"]) == held


def test_connections_page_lists_org_dc_and_status(sign_in, client, demo_users):
    user = demo_users["multi_org"]
    for org in user["orgs"]:
        sign_in(user["email"], org=org["zgid"])
    page = client.get("/accounts/connections/").content.decode()
    for org in user["orgs"]:
        assert org["name"] in page
    assert "Active" in page


def test_login_start_is_rate_limited_per_client_address(client, zoho, settings):
    from django.test import Client

    settings.LOGIN_RATE_LIMIT = (3, 60)
    codes = [client.get("/accounts/login/").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.get("/accounts/login/").status_code == 302


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        ({"status": 500, "body": "Internal Server Error"}, 502, "could not be reached"),
        ({"error": "throttle"}, 429, "limiting"),
        ({"error": "invalid_client"}, 502, "client credentials"),
        ({"delay_s": 2.5}, 504, "did not answer in time"),
    ],
)
def test_token_endpoint_failures_each_get_a_clear_page(
    sign_in, client, zoho, settings, fault, status, text
):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    params = query_of(sign_in.authorize(_any_user(sign_in)))
    zoho.client.add_fault(f"/accounts/{params['location']}/oauth/v2/token", count=1, **fault)
    response = _callback(client, **params)
    assert response.status_code == status
    assert text in response.content.decode()
    assert "Traceback" not in response.content.decode()
    _nothing_written()


@pytest.mark.parametrize(
    "fault",
    [
        {"path": "users", "status": 500, "crm_code": "INTERNAL_ERROR"},
        {"path": "org", "delay_s": 2.5},
        {"path": "users", "status": 200, "body": "<html>maintenance</html>"},
        # An error body without "status": the SDK's own lookup fails before it stores the token.
        {"path": "users", "status": 400, "body": {"code": "INVALID_REQUEST", "details": {}}},
    ],
    ids=["users-500", "org-timeout", "users-not-json", "users-error-the-sdk-cannot-read"],
)
def test_a_failure_after_the_code_exchange_revokes_the_minted_token(
    sign_in, client, demo_users, zoho, settings, fault
):
    """The code is used up once redeemed: if Zoho's users or org call then fails, the
    refresh token just minted must not stay alive unheld (the 21st would kill a live one)."""
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    user = demo_users["by_dc"]["eu"][0]
    path = fault.pop("path")
    # Twice: the SDK's own who-is-this lookup, then the portal's.
    zoho.client.add_fault(f"/api/eu/crm/v8/{path}", count=2, **fault)
    response = sign_in(user["email"])
    assert 400 <= response.status_code < 600 and response.status_code != 500
    assert "Traceback" not in response.text
    _nothing_written()
    assert _live_refresh_tokens(zoho, user["email"]) == []
    zoho.client.clear_faults()
    assert sign_in(user["email"]).status_code == 302


def test_a_sign_in_without_the_users_scope_revokes_the_minted_token(
    sign_in, demo_users, zoho, settings
):
    settings.ZOHO_SCOPES = ["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"]
    user = demo_users["by_dc"]["in"][0]
    response = sign_in(user["email"])
    assert response.status_code == 502
    assert "Traceback" not in response.text
    _nothing_written()
    assert _live_refresh_tokens(zoho, user["email"]) == []


def test_head_reads_the_connections_page_but_never_runs_the_sign_in_steps(
    sign_in, client, demo_users, zoho
):
    """HEAD is GET without a body for a page; the login and callback URLs change state (a
    callback redeems its single-use code), so a link checker's HEAD must not run them."""
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    page = client.head("/accounts/connections/")
    assert page.status_code == 200 and page.content == b""
    params = query_of(sign_in.authorize(demo_users["by_dc"]["eu"][0]["email"]))
    calls = _token_calls(zoho)
    assert client.head("/accounts/callback/?" + urlencode(params)).status_code == 405
    assert client.head("/accounts/login/").status_code == 405
    assert _token_calls(zoho) == calls
    assert _callback(client, **params).status_code == 302  # the code is still good
