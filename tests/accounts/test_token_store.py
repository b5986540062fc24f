"""DjangoTokenStore as the SDK uses it, and tokens at rest."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

from accounts import activation, services, token_crypto
from accounts.models import ZohoConnection
from accounts.token_store import DjangoTokenStore
from tests.factories import ZohoConnectionFactory
from zoho import identity as zoho_identity
from zoho import sdk as zoho_sdk

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections():
    """One person's connections to two us orgs, and another person's in India: rows only (the
    store's lookups and tokens at rest; no call to Zoho)."""
    first = ZohoConnectionFactory(data_center="us")
    second = ZohoConnectionFactory(data_center="us", user=first.user, email=first.email)
    return [first, second, ZohoConnectionFactory(data_center="in")]


def test_find_token_by_id_maps_to_the_row(connections, settings):
    store = DjangoTokenStore()
    for connection in connections:
        token = store.find_token_by_id(str(connection.pk))
        assert token.get_id() == str(connection.pk)
        assert token.get_user_signature().get_name() == connection.user_signature
        assert token.get_refresh_token() == connection.refresh_token
        assert token.get_access_token() == connection.access_token
        assert token.get_client_secret() == settings.ZOHO_CLIENT_SECRET  # from settings only
        assert token.get_api_domain() == connection.data_center_info.api_domain
    assert store.find_token_by_id("999999") is None
    assert store.find_token_by_id("not-a-number") is None


def test_sdk_user_signature_email_zgid_maps_to_the_right_row(connections):
    """Same email, two orgs: the SDK's "email:zgid" picks each org's row, no collision."""
    store = DjangoTokenStore()
    first, second, _ = connections
    assert first.email == second.email and first.org.zgid != second.org.zgid
    for connection in (first, second):
        with zoho_sdk.switched(
            environment=zoho_sdk.environment_for(connection.data_center),
            token=_Inert(),
            store=store,
        ):
            found = store.find_token(
                OAuthToken(user_signature=UserSignature(connection.user_signature))
            )
        assert found.get_id() == str(connection.pk)
        assert found.get_access_token() == connection.access_token


def test_lookup_by_signature_is_scoped_to_the_data_center(connections):
    store = DjangoTokenStore()
    in_connection = connections[2]
    with zoho_sdk.switched(environment=zoho_sdk.environment_for("eu"), token=_Inert(), store=store):
        assert (
            store.find_token(OAuthToken(user_signature=UserSignature(in_connection.user_signature)))
            is None
        )


def test_lookups_use_indexes_not_scans(connections):
    """Every lookup is one query on an indexed column (no full scan of the table)."""
    store = DjangoTokenStore()
    from django.test.utils import CaptureQueriesContext

    target = connections[0]
    with CaptureQueriesContext(db) as queries:
        store.find_token(
            OAuthToken(refresh_token=target.refresh_token, client_id="x", client_secret="y")
        )
        store.find_token_by_id(str(target.pk))
    assert len(queries) == 2
    for query in queries:
        assert "WHERE" in query["sql"]
        assert any(column in query["sql"] for column in ('"refresh_token_digest"', '"id"'))


def test_save_token_after_refresh_never_drops_the_refresh_token(connections):
    store = DjangoTokenStore()
    connection = connections[0]
    refresh_token = connection.refresh_token
    token = OAuthToken(id=str(connection.pk), access_token="1000.new-access-token")
    token.set_expires_in("9999999999999")
    store.save_token(token)
    connection.refresh_from_db()
    assert connection.refresh_token == refresh_token
    assert connection.access_token == "1000.new-access-token"


def test_repeat_login_without_refresh_token_keeps_the_stored_one(connections):
    connection = connections[2]
    refresh_token = connection.refresh_token
    exchanged = zoho_identity.ExchangedToken(
        data_center=connection.data_center,
        access_token="1000.fresh",
        refresh_token=None,
        expires_at_ms=9999999999999,
        api_domain=connection.data_center_info.api_domain,
        user_signature=connection.user_signature,
        email=connection.email,
        zoho_user_id=connection.zoho_user_id,
        zoho_account_id=connection.zoho_account_id,
        full_name=connection.full_name,
        zgid=connection.org.zgid,
        org_name=connection.org.name,
    )
    result = services.connection_register(exchanged=exchanged, user=None, scopes="x")
    assert not result.created
    connection.refresh_from_db()
    assert connection.refresh_token == refresh_token
    assert connection.access_token == "1000.fresh"
    # A response with another DC's api_domain is refused and changes nothing.
    with pytest.raises(services.SignInError):
        services.connection_register(
            exchanged=dataclasses.replace(exchanged, api_domain="https://www.zohoapis.com"),
            user=None,
            scopes="x",
        )


def test_raw_sql_shows_no_plaintext_token(connections):
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_zohoconnection")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for connection in connections:
        assert connection.refresh_token not in rows
        assert connection.access_token not in rows


def test_ciphertext_copied_to_another_row_fails_closed(connections, zoho):
    a, b, _ = connections
    ZohoConnection.objects.filter(pk=b.pk).update(
        refresh_token_encrypted=a.refresh_token_encrypted,
        access_token_encrypted=a.access_token_encrypted,
    )
    b.refresh_from_db()
    before = zoho.client.stats()["api_calls"]
    with pytest.raises(token_crypto.TokenDecryptionError, match="another connection"):
        _ = b.access_token
    with pytest.raises(token_crypto.TokenDecryptionError), activation.activated(b):
        pass
    assert zoho.client.stats()["api_calls"] == before


def test_key_rotation_command_re_encrypts_every_row(connections, settings):
    plaintext = {c.pk: (c.refresh_token, c.access_token) for c in connections}
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, *settings.TOKEN_ENCRYPTION_KEYS]
    call_command("zoho_rotate_keys")
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # old keys removed
    for connection in ZohoConnection.objects.all():
        assert (connection.refresh_token, connection.access_token) == plaintext[connection.pk]


def test_wrong_key_fails_closed_with_a_clear_message(connections, settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connection = ZohoConnection.objects.first()
    with pytest.raises(token_crypto.TokenDecryptionError, match="TOKEN_ENCRYPTION_KEYS"):
        _ = connection.refresh_token
    with pytest.raises(CommandError, match="TOKEN_ENCRYPTION_KEYS"):
        call_command("zoho_rotate_keys")


def test_str_never_contains_a_token(connections):
    for connection in connections:
        text = str(connection) + repr(connection)
        assert connection.access_token not in text and connection.refresh_token not in text


class _Inert(zoho_sdk._RefusingToken):
    """A token for switching environments in store tests: never authenticates."""

    def generate_token(self):
        return None
