"""A connection deleted without a disconnect still has its grant revoked at Zoho."""

import pytest

from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db


def _alive(zoho, refresh_token: str) -> bool:
    return next(
        t["alive"] for t in zoho.client.tokens()["refresh_tokens"] if t["token"] == refresh_token
    )


def test_deleting_the_django_user_revokes_its_connections_at_their_dcs(
    sign_in, client, zoho, demo_users, django_capture_on_commit_callbacks
):
    patricia = demo_users["multi_org"]
    for org in patricia["orgs"]:
        assert sign_in(patricia["email"], org=org["zgid"]).status_code == 302
    eu = demo_users["by_dc"]["eu"][0]
    assert sign_in(eu["email"]).status_code == 302  # the same Django user: signed in
    connections = list(ZohoConnection.objects.all())
    assert len(connections) == 3 and len({c.user_id for c in connections}) == 1
    tokens = [c.refresh_token for c in connections]
    with django_capture_on_commit_callbacks(execute=True):
        connections[0].user.delete()
    assert not ZohoConnection.objects.exists()
    assert [_alive(zoho, token) for token in tokens] == [False, False, False]


def test_nothing_is_revoked_when_the_delete_rolls_back(
    sign_in, zoho, demo_users, django_capture_on_commit_callbacks
):
    from django.db import transaction

    assert sign_in(demo_users["by_dc"]["in"][0]["email"]).status_code == 302
    connection = ZohoConnection.objects.get()

    def delete_then_fail():
        with transaction.atomic():
            connection.user.delete()
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            delete_then_fail()
    assert callbacks == []
    assert ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert _alive(zoho, connection.refresh_token)


def test_a_disconnect_revokes_once(
    sign_in, client, zoho, demo_users, django_capture_on_commit_callbacks
):
    assert sign_in(demo_users["by_dc"]["au"][0]["email"]).status_code == 302
    connection = ZohoConnection.objects.get()
    before = zoho.client.stats()["revoke_calls"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert not ZohoConnection.objects.exists()
    assert zoho.client.stats()["revoke_calls"] == before + 1
    assert not _alive(zoho, connection.refresh_token)


def test_a_disconnect_queues_its_own_revocation_once_when_zoho_is_down(
    sign_in, zoho, demo_users, django_capture_on_commit_callbacks
):
    """The disconnect queues the revocation itself (in its transaction); the post_delete
    receiver, there for deletes by other code, finds it queued and adds nothing."""
    from accounts import services
    from accounts.models import PendingRevocation

    assert sign_in(demo_users["by_dc"]["au"][0]["email"]).status_code == 302
    connection = ZohoConnection.objects.get()
    zoho.client.add_fault(path="/accounts/au/oauth/v2/token/revoke", status=503)
    with django_capture_on_commit_callbacks(execute=True):
        revocation = services.connection_disconnect(connection=connection, background=False)
    assert revocation is not None and revocation.confirmed is False
    (row,) = PendingRevocation.objects.all()
    assert row.reason == f"the refresh token of disconnected connection {connection.pk}"
    assert row.attempts == 1
    assert _alive(zoho, connection.refresh_token)
