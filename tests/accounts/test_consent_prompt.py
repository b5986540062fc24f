"""Zoho's consent page, and offline access, only when a new refresh token is needed: a
known user with a usable connection signs in with `access_type=online` and no `prompt`,
keeping the refresh token the portal holds. PKCE and state stay as they are."""

from __future__ import annotations

import pytest

from accounts.models import ZohoConnection
from tests.helpers import path_of, query_of

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS, LABS = "720019234", "720019877"


def start(client, **params) -> dict[str, str]:
    response = client.get("/accounts/login/", params)
    assert response.status_code == 302
    return query_of(response["Location"])


def live_refresh_tokens(zoho, email: str) -> int:
    return sum(
        1 for t in zoho.app.state.refresh_tokens.values() if t.email == email and not t.revoked
    )


def test_a_first_sign_in_asks_for_consent_and_offline_access(client, zoho):
    params = start(client)
    assert params["prompt"] == "consent" and params["access_type"] == "offline"
    assert params["code_challenge_method"] == "S256" and len(params["state"]) >= 43


def test_a_known_user_signs_in_again_without_the_consent_page(client, sign_in, zoho):
    assert sign_in(PATRICIA).status_code == 302
    stored = ZohoConnection.objects.get().refresh_token
    client.post("/accounts/logout/")
    params = start(client)  # the browser is known: its cookie names the portal user
    assert "prompt" not in params and params["access_type"] == "online"
    assert params["code_challenge"] and params["state"]  # PKCE and state as always
    assert sign_in(PATRICIA).status_code == 302
    connection = ZohoConnection.objects.get()
    assert connection.refresh_token == stored and connection.is_active
    assert live_refresh_tokens(zoho, PATRICIA) == 1  # no second grant at Zoho


def test_signed_in_with_an_active_connection_no_consent_is_asked(client, sign_in, zoho):
    sign_in(PATRICIA)
    params = start(client)
    assert "prompt" not in params and params["access_type"] == "online"


def test_connect_another_org_asks_for_consent_and_comes_back_to_connections(client, sign_in, zoho):
    sign_in(PATRICIA)
    page = client.get("/accounts/connections/").text
    link = "/accounts/login/?consent=1&amp;next=/accounts/connections/"
    assert f'href="{link}">Connect another Zoho org</a>' in page
    params = start(client, consent="1", next="/accounts/connections/")
    assert params["prompt"] == "consent" and params["access_type"] == "offline"
    callback = zoho.client.authorize(params, email=PATRICIA, org=LABS)
    response = client.get(path_of(callback))
    assert response.status_code == 302 and response["Location"] == "/accounts/connections/"
    assert sorted(c.org.zgid for c in ZohoConnection.objects.all()) == [TRADERS, LABS]


def test_a_guess_that_was_wrong_asks_zoho_again_with_consent(client, sign_in, zoho):
    """Known user, but at Zoho they chose an org the portal holds no token for: Zoho's
    answer has no refresh token, so the callback starts one more sign-in, with consent."""
    sign_in(PATRICIA, org=TRADERS)
    params = start(client)
    assert "prompt" not in params
    response = client.get(path_of(zoho.client.authorize(params, email=PATRICIA, org=LABS)))
    assert response.status_code == 302
    again = query_of(response["Location"])
    assert again["prompt"] == "consent" and again["access_type"] == "offline"
    assert again["state"] != params["state"] and again["code_challenge"]
    assert ZohoConnection.objects.count() == 1  # nothing stored without a refresh token
    final = client.get(path_of(zoho.client.authorize(again, email=PATRICIA, org=LABS)))
    assert final.status_code == 302 and ZohoConnection.objects.count() == 2


def test_no_refresh_token_even_with_consent_is_a_clear_error(client, zoho):
    params = start(client)
    params["access_type"] = "online"  # as if Zoho had ignored the offline request
    response = client.get(path_of(zoho.client.authorize(params, email=PATRICIA)))
    assert response.status_code == 502
    assert "approve offline access" in response.text
    assert not ZohoConnection.objects.exists()


def test_a_connection_needing_reconsent_is_reconnected_with_consent(client, sign_in, zoho):
    sign_in(PATRICIA)
    ZohoConnection.objects.update(status=ZohoConnection.Status.NEEDS_RECONSENT)
    page = client.get("/accounts/connections/").text
    assert "/accounts/login/?consent=1&amp;next=/accounts/connections/" in page
    assert start(client)["prompt"] == "consent"  # no usable connection: consent
    assert sign_in(PATRICIA).status_code == 302
    assert ZohoConnection.objects.get().is_active
