"""PKCE on every sign-in, redeemed by the portal's own token client; per-DC client secrets."""

from __future__ import annotations

import pytest

from accounts import refresh, services
from accounts.models import ZohoConnection
from tests.helpers import path_of, query_of

pytestmark = pytest.mark.django_db

UK_SECRET = "thamesgate-uk-secret"  # noqa: S105 - a test value


def _uk_user(demo_users) -> dict:
    return demo_users["by_dc"]["uk"][0]


def test_the_code_is_redeemed_with_the_verifier_of_its_own_sign_in(sign_in, demo_users, zoho):
    response = sign_in(demo_users["by_dc"]["eu"][0]["email"])
    assert response.status_code == 302
    assert ZohoConnection.objects.count() == 1
    # The emulator checks code_verifier against the challenge of the authorize request.
    assert zoho.client.stats()["token_errors"] == {}


def test_a_wrong_verifier_is_refused_by_zoho_and_nothing_is_stored(
    sign_in, client, demo_users, zoho
):
    callback = sign_in.authorize(demo_users["by_dc"]["eu"][0]["email"])
    state = query_of(callback)["state"]
    session = client.session
    session[services.SESSION_OAUTH_KEY][state]["verifier"] = "x" * 64  # not the challenge's
    session.save()
    response = client.get(path_of(callback))
    assert response.status_code == 400
    assert "already used or has expired" in response.text
    assert not ZohoConnection.objects.exists()
    assert zoho.client.stats()["token_errors"].get("invalid_code") == 1


def test_two_tabs_signing_in_at_once_both_succeed(sign_in, client, demo_users):
    first = sign_in.authorize(demo_users["by_dc"]["us"][0]["email"])
    second = sign_in.authorize(demo_users["by_dc"]["eu"][0]["email"])
    assert client.get(path_of(second)).status_code == 302  # the later tab finishes first
    assert client.get(path_of(first)).status_code == 302
    assert ZohoConnection.objects.count() == 2
    assert len({c.user_id for c in ZohoConnection.objects.all()}) == 1


def test_a_data_center_with_its_own_secret_signs_in_refreshes_and_revokes(
    sign_in, client, demo_users, zoho, settings
):
    zoho.app.set_dc_client_secret("uk", UK_SECRET)
    settings.ZOHO_CLIENT_SECRETS = {"uk": UK_SECRET}
    response = sign_in(_uk_user(demo_users)["email"])
    assert response.status_code == 302, response.text
    connection = ZohoConnection.objects.get()
    assert connection.data_center == "uk"

    refreshed = refresh.connection_refresh(connection=connection, force=True)
    assert refreshed.access_token != connection.access_token

    client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert not ZohoConnection.objects.exists()
    live = [t for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]]
    assert live == []
    # The secret is never stored: not in a row, not in the SDK's files.
    assert UK_SECRET not in str(list(ZohoConnection.objects.values()))


def test_the_default_secret_at_a_data_center_with_its_own_is_refused_clearly(
    sign_in, demo_users, zoho, settings
):
    zoho.app.set_dc_client_secret("uk", UK_SECRET)
    settings.ZOHO_CLIENT_SECRETS = {}
    response = sign_in(_uk_user(demo_users)["email"])
    assert response.status_code == 502
    assert "client credentials for your data center" in response.text
    assert not ZohoConnection.objects.exists()
    # The code exchange, then the check that tells a wrong client from a code of another
    # data center (accounts/services/sign_in.py: `_refused_client`).
    assert zoho.client.stats()["token_errors"].get("invalid_client") == 2
