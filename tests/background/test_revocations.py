"""A disconnect answers at once whatever Zoho does: the revocation leaves the request.

The queued revocation row is written in the delete's transaction, a Celery worker makes the
first attempt after the commit, and housekeeping retries what is left.
"""

import pytest

from accounts.models import PendingRevocation, ZohoConnection
from accounts.services import housekeeping
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _alive(zoho, refresh_token: str) -> bool:
    return next(
        t["alive"] for t in zoho.client.tokens()["refresh_tokens"] if t["token"] == refresh_token
    )


def _revoke_path(dc: str) -> str:
    return f"/accounts/{dc}/oauth/v2/token/revoke"


def test_a_disconnect_answers_while_zoho_hangs_on_the_revoke(
    client, zoho, demo_users, connect, settings, celery_worker
):
    user = demo_users["by_dc"]["eu"][0]
    connection = connect(user["email"])
    refresh_token = connection.refresh_token
    # Zoho holds the revoke for 4 s and then confirms; the portal would wait for it (the
    # answer and the checks below take well under a second).
    settings.ZOHO_HTTP_TIMEOUT = 20.0
    zoho.client.add_fault(_revoke_path("eu"), delay_s=4, method="POST")

    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/", follow=True)

    # The answer came while Zoho had not yet answered the revoke: no revoke has completed,
    # the token is still alive at Zoho, and its revocation is queued in the database.
    assert zoho.client.stats()["revoke_calls"] == 0
    assert _alive(zoho, refresh_token)
    assert PendingRevocation.objects.count() == 1
    assert not ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert response.status_code == 200
    assert "the portal is revoking its access at Zoho" in response.content.decode()

    # The worker's attempt then goes through: revoked at Zoho, the row gone.
    wait_until(lambda: not PendingRevocation.objects.exists(), what="the worker's revocation")
    assert zoho.client.stats()["revoke_calls"] == 1
    assert not _alive(zoho, refresh_token)


def test_a_failed_background_attempt_stays_queued_for_housekeeping(
    client, zoho, demo_users, connect, celery_worker
):
    user = demo_users["by_dc"]["us"][0]
    connection = connect(user["email"])
    refresh_token = connection.refresh_token
    zoho.client.add_fault(_revoke_path("us"), status=500, body="down", method="POST")

    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302

    row = wait_until(
        lambda: PendingRevocation.objects.filter(attempts=1).first(),
        what="the worker's failed attempt",
    )
    assert row.last_error
    assert _alive(zoho, refresh_token)
    # Housekeeping retries it (the row is due at once here) and Zoho confirms.
    PendingRevocation.objects.update(next_attempt_at=row.created_at)
    report = housekeeping.housekeeping_run()
    assert report.revocations.revoked == 1
    assert not PendingRevocation.objects.exists()
    assert not _alive(zoho, refresh_token)


def test_a_disconnect_with_the_broker_down_keeps_the_revocation(
    client, zoho, demo_users, connect, celery_broker
):
    """A broker that cannot be reached costs the disconnect nothing: the row stays queued."""
    celery_broker.conf.broker_transport = None  # the URL's own
    celery_broker.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    celery_broker.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
    user = demo_users["by_dc"]["us"][0]
    connection = connect(user["email"])

    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/")

    assert response.status_code == 302
    assert not ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert PendingRevocation.objects.count() == 1
    assert _alive(zoho, connection.refresh_token)


def test_without_a_broker_the_revocation_is_tried_in_the_request(client, zoho, demo_users, connect):
    """No CELERY_BROKER_URL (the test settings): Celery runs eagerly, as before."""
    user = demo_users["by_dc"]["us"][0]
    connection = connect(user["email"])
    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/", follow=True)
    assert "its access was revoked at Zoho" in response.content.decode()
    assert not PendingRevocation.objects.exists()
    assert not _alive(zoho, connection.refresh_token)
