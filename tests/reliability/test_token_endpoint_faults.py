"""Faults on Zoho's token endpoint, injected at the emulator, for sign-in and for refresh.

For each fault (HTTP 500, a hang past ZOHO_HTTP_TIMEOUT, the throttle answer,
`invalid_code`, a garbled answer): the user gets a clear message, the stored refresh token is
intact, nothing is half-written, and the next attempt after the fault clears succeeds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import activation, refresh
from accounts.models import TokenRefreshLog, ZohoConnection
from tests.helpers import query_of

pytestmark = pytest.mark.django_db

FAULTS = {
    "http-500": ({"status": 500, "body": "Internal Server Error"}, 502, "could not be reached"),
    "hang": ({"delay_s": 3}, 504, "did not answer in time"),
    "throttle": ({"error": "throttle"}, 429, "limiting"),
    "invalid_code": ({"error": "invalid_code"}, 400, "already used or has expired"),
    "not-json": ({"status": 200, "body": "<html>maintenance</html>"}, 502, "does not understand"),
}


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.ZOHO_HTTP_TIMEOUT = 1.0


def _row_state(connection: ZohoConnection) -> tuple:
    """Everything a refresh writes, as stored (ciphertexts, not plaintexts)."""
    row = ZohoConnection.objects.get(pk=connection.pk)
    return (
        row.refresh_token_encrypted,
        row.refresh_token_digest,
        row.access_token_encrypted,
        row.access_token_digest,
        row.access_token_expires_at,
        row.status,
    )


# --- sign-in ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_first_sign_in_during_a_fault_stores_nothing_and_the_retry_succeeds(
    sign_in, client, demo_users, zoho, fault
):
    change, status, text = FAULTS[fault]
    email = demo_users["by_dc"]["eu"][0]["email"]
    params = query_of(sign_in.authorize(email))
    zoho.client.add_fault("/accounts/eu/oauth/v2/token", count=1, **change)
    response = client.get("/accounts/callback/", params)
    assert response.status_code == status
    assert text in response.text and "Traceback" not in response.text
    assert "sign in" in response.text.lower()  # a way back
    assert not ZohoConnection.objects.exists()
    zoho.client.clear_faults()
    assert sign_in(email).status_code == 302
    assert ZohoConnection.objects.get().access_token_is_fresh()


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_repeat_sign_in_during_a_fault_keeps_the_stored_connection_intact(
    sign_in, client, demo_users, zoho, fault
):
    change, status, _ = FAULTS[fault]
    email = demo_users["by_dc"]["us"][0]["email"]
    sign_in(email)
    connection = ZohoConnection.objects.get()
    before = _row_state(connection)
    refresh_token = connection.refresh_token
    params = query_of(sign_in.authorize(email))
    zoho.client.add_fault("/accounts/us/oauth/v2/token", count=1, **change)
    assert client.get("/accounts/callback/", params).status_code == status
    assert _row_state(connection) == before
    # The stored grant still works.
    zoho.client.clear_faults()
    refreshed = refresh.connection_refresh(connection=connection, force=True)
    assert refreshed.refresh_token == refresh_token


# --- refresh ---------------------------------------------------------------------------------
REFRESH_FAULTS = {
    "http-500": ({"status": 500}, refresh.RefreshUnavailable, "Please try again"),
    "hang": ({"delay_s": 3}, refresh.RefreshTimedOut, "did not answer in time"),
    "throttle": ({"error": "throttle"}, refresh.RefreshThrottled, "try again shortly"),
    "not-json": (
        {"status": 200, "body": "<html>"},
        refresh.RefreshUnavailable,
        "does not understand",
    ),
    "invalid_code": ({"error": "invalid_code"}, refresh.NeedsReconsent, "Sign in with Zoho"),
}


@pytest.fixture
def expired_connection(sign_in, demo_users) -> ZohoConnection:
    sign_in(demo_users["by_dc"]["in"][0]["email"])
    connection = ZohoConnection.objects.get()
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    return ZohoConnection.objects.get(pk=connection.pk)


@pytest.mark.parametrize("fault", REFRESH_FAULTS, ids=str)
def test_refresh_during_a_fault_is_a_clear_error_and_leaves_the_tokens_intact(
    expired_connection, zoho, fault
):
    change, error, text = REFRESH_FAULTS[fault]
    connection = expired_connection
    before = _row_state(connection)
    refresh_token = connection.refresh_token
    zoho.client.add_fault("/accounts/in/oauth/v2/token", count=1, **change)
    with pytest.raises(error) as raised, activation.activated(connection):
        pass
    assert text in raised.value.message
    after = _row_state(connection)
    # The tokens and their expiry are untouched (nothing half-written); only the status
    # may change, and only for a revoked grant.
    assert after[:5] == before[:5]
    expected_status = "needs_reconsent" if fault == "invalid_code" else "active"
    assert after[5] == expected_status
    assert ZohoConnection.objects.get(pk=connection.pk).refresh_token == refresh_token
    log = TokenRefreshLog.objects.get(connection=connection)
    assert log.outcome != "refreshed"
    assert refresh_token not in log.reason


@pytest.mark.parametrize("fault", [f for f in REFRESH_FAULTS if f != "invalid_code"], ids=str)
def test_the_next_request_after_the_fault_clears_succeeds(expired_connection, zoho, fault):
    change, error, _ = REFRESH_FAULTS[fault]
    zoho.client.add_fault("/accounts/in/oauth/v2/token", count=1, **change)
    with pytest.raises(error), activation.activated(expired_connection):
        pass
    zoho.client.clear_faults()
    if fault == "throttle":  # the back-off: a minute later
        ZohoConnection.objects.filter(pk=expired_connection.pk).update(
            refresh_not_before=timezone.now() - timedelta(seconds=1)
        )
    with activation.activated(ZohoConnection.objects.get(pk=expired_connection.pk)) as active:
        assert active.access_token_is_fresh()
    row = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert row.status == "active" and row.refresh_not_before is None
    assert row.access_token_is_fresh()


@pytest.mark.parametrize("fault", ["http-500", "hang", "throttle"])
def test_a_failed_early_refresh_keeps_using_the_still_valid_access_token(
    sign_in, demo_users, zoho, fault
):
    """Refresh-ahead is a head start, not a new way to fail: with 4 minutes left on the
    access token, a Zoho hiccup on the token endpoint must not fail the request."""
    sign_in(demo_users["by_dc"]["in"][0]["email"])
    connection = ZohoConnection.objects.get()
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() + timedelta(minutes=4)
    )
    connection = ZohoConnection.objects.get(pk=connection.pk)
    change, _, _ = REFRESH_FAULTS[fault]
    zoho.client.add_fault("/accounts/in/oauth/v2/token", count=1, **change)
    with activation.activated(connection) as active:
        assert active.access_token == connection.access_token
    assert TokenRefreshLog.objects.get(connection=connection).outcome != "refreshed"


def test_after_invalid_code_signing_in_again_restores_the_connection(
    expired_connection, sign_in, demo_users, zoho
):
    zoho.client.add_fault("/accounts/in/oauth/v2/token", count=1, error="invalid_code")
    with pytest.raises(refresh.NeedsReconsent), activation.activated(expired_connection):
        pass
    sign_in(demo_users["by_dc"]["in"][0]["email"])
    row = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert row.status == "active" and row.access_token_is_fresh()
    with activation.activated(row) as active:
        assert active.pk == row.pk


@pytest.mark.parametrize(("fault", "status"), [("http-500", 502), ("hang", 504), ("throttle", 429)])
def test_crm_api_during_a_refresh_fault_answers_a_clear_json_error(
    sign_in, client, demo_users, zoho, fault, status
):
    """The same faults as the user of the JSON API sees them: a status and a message."""
    sign_in(demo_users["by_dc"]["in"][0]["email"])
    connection = ZohoConnection.objects.get()
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    change, error, text = REFRESH_FAULTS[fault]
    zoho.client.add_fault("/accounts/in/oauth/v2/token", count=1, **change)
    response = client.get("/crm/api/Leads/", {"per_page": 5})
    assert response.status_code == status
    assert response.json()["error"]["code"] == error.code
    assert text in response.json()["error"]["message"]
    zoho.client.clear_faults()
    ZohoConnection.objects.filter(pk=connection.pk).update(refresh_not_before=None)
    assert client.get("/crm/api/Leads/", {"per_page": 5}).status_code == 200
