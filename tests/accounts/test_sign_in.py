"""Sign in with Zoho across data centers, through the emulator over real HTTP."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model

from accounts import services
from accounts.models import ZohoConnection, ZohoOrg
from tests.helpers import query_of
from zoho import oauth as zoho_oauth

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


def test_a_us_code_replayed_with_an_eu_pair_is_a_400_asking_to_sign_in_again(
    sign_in, client, demo_users, zoho, caplog
):
    """The state is valid and the pair is a real one (EU's), so the portal goes to EU's
    accounts server, which answers `invalid_client` for a live US code (as Zoho does). The
    portal's client is fine there: the code is what is wrong, and signing in again fixes it."""
    params = _valid_callback_params(sign_in, demo_users["by_dc"]["us"][0]["email"])
    assert params["location"] == "us"
    params.update({"location": "eu", "accounts-server": zoho.accounts_server("eu")})
    with caplog.at_level("WARNING", logger="zohoportal.accounts"):
        response = _callback(client, **params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not valid here" in page
    assert "issued for another Zoho data center" in page
    assert "client credentials" not in page
    assert "another data center" in caplog.text
    assert params["code"] not in caplog.text
    _nothing_written()


def test_a_wrong_client_secret_for_one_data_center_is_logged_for_the_operator(
    sign_in, client, demo_users, settings, caplog
):
    params = _valid_callback_params(sign_in, demo_users["by_dc"]["eu"][0]["email"])
    settings.ZOHO_CLIENT_SECRETS = {"eu": "wrong"}
    with caplog.at_level("ERROR", logger="zohoportal.accounts"):
        response = _callback(client, **params)
    assert response.status_code == 502
    assert "client credentials" in response.content.decode()
    (record,) = [
        r for r in caplog.records if r.levelname == "ERROR" and r.name == "zohoportal.accounts"
    ]
    assert "refused the portal's client" in record.getMessage()
    assert "ZOHO_CLIENT_SECRETS" in record.getMessage()
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
    from zoho import oauth as zoho_oauth

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


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        ({"status": 500, "body": "Internal Server Error"}, 502, "could not be reached"),
        ({"error": "throttle"}, 429, "limiting"),
        # Twice: the code exchange, then the call that tells a wrong client from a code of
        # another data center.
        ({"error": "invalid_client", "count": 2}, 502, "client credentials"),
        ({"delay_s": 2.5}, 504, "did not answer in time"),
    ],
)
def test_token_endpoint_failures_each_get_a_clear_page(
    sign_in, client, zoho, settings, fault, status, text
):
    settings.ZOHO_HTTP_TIMEOUT = 1.0
    params = query_of(sign_in.authorize(_any_user(sign_in)))
    fault = {"count": 1, **fault}
    zoho.client.add_fault(f"/accounts/{params['location']}/oauth/v2/token", **fault)
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
