"""A connection's SDK field-metadata files go with it, however it goes."""

from pathlib import Path

import pytest

from accounts.models import ZohoConnection
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection_with_files(sign_in, client, demo_users) -> tuple[ZohoConnection, Path]:
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    assert client.get("/crm/api/Leads/", {"per_page": 5}).status_code == 200
    connection = ZohoConnection.objects.get()
    directory = zoho_sdk.resource_dir_path(connection.pk)
    assert [path for path in directory.rglob("*") if path.is_file()], directory
    return connection, directory


def test_disconnect_removes_the_connections_sdk_files(
    connection_with_files, client, django_capture_on_commit_callbacks
):
    connection, directory = connection_with_files
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert not directory.exists()


def test_deleting_the_django_user_removes_its_connections_sdk_files(
    connection_with_files, django_capture_on_commit_callbacks
):
    connection, directory = connection_with_files
    with django_capture_on_commit_callbacks(execute=True):
        connection.user.delete()
    assert not ZohoConnection.objects.exists()
    assert not directory.exists()


def test_a_disconnect_zoho_cannot_confirm_still_removes_the_connection_and_its_files(
    connection_with_files, client, zoho, django_capture_on_commit_callbacks
):
    """The revocation is queued (accounts.services.revocations); the connection is gone at once."""
    connection, directory = connection_with_files
    zoho.client.add_fault(path="/accounts/eu/oauth/v2/token/revoke", status=503)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/accounts/connections/{connection.pk}/disconnect/")
    assert not ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert not directory.exists()
