"""The SDK's TokenStore over Django models: one indexed query per method, never a scan.

It lives in accounts, not in the Zoho layer, because it reads and writes `ZohoConnection`
rows (zoho/ never imports the portal's models); `zoho.sdk` takes it as an argument
(`switched(store=...)`, `identify(store=...)`), so the SDK's global state stays in zoho/sdk.py.

Mapping between the SDK's `OAuthToken` and a `ZohoConnection`:
- token id              <-> connection primary key (as a string)
- user signature        <-> `user_signature` ("email:zgid"), looked up with the data center
                            of the SDK environment in use
- refresh/access token  <-> encrypted columns, looked up by SHA-256 digest
- client id and secret  <- settings only; they are never written to the database
- api domain            <- built from the connection's data-center key

Two things the SDK does not do and this store adds:
- Inside `accounts.activation.activated(connection)` (see `serving`), lookups of that
  connection are served from memory, its tokens decrypted once: an SDK call costs no query
  and no decryption.
- Inside `zoho.identity.identify(...)` (sign-in, `zoho_add_token`; `zoho.identity.current_capture`),
  the store serves the tokens the portal's token client has just obtained, and captures
  anything the SDK saves instead of writing it: the sign-in service writes the row itself,
  in one transaction, once it knows which Django user and org the token is for.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

from accounts.models import ZohoConnection, token_digest
from zoho import datacenters
from zoho import identity as zoho_identity
from zoho import sdk as zoho_sdk

logger = logging.getLogger("zohoportal.accounts")


# The connection served on this thread (inside `accounts.activation.activated`) and its SDK
# token, decrypted once per activation: the SDK asks the store for it before every call.
serving_connection: contextvars.ContextVar[ZohoConnection | None] = contextvars.ContextVar(
    "zoho_serving_connection", default=None
)
serving_token: contextvars.ContextVar[OAuthToken | None] = contextvars.ContextVar(
    "zoho_serving_token", default=None
)


# The columns a lookup needs to build the SDK's token: the tokens, their expiry, and the
# tenant key their ciphertexts are bound to. Loading only these roughly halves the ORM's
# per-lookup cost (the row has ~25 columns, and the org was joined for nothing).
TOKEN_COLUMNS = (
    "id",
    "data_center",
    "org",
    "zoho_user_id",
    "user_signature",
    "refresh_token_encrypted",
    "access_token_encrypted",
    "access_token_expires_at",
)


def oauth_token_for(connection: ZohoConnection, *, with_refresh_token: bool = True) -> OAuthToken:
    """An SDK token carrying `connection`'s tokens (decrypted) and identity.

    Inside an activation the access token is fresh (refreshed minutes ahead by the portal,
    never by the SDK), so the refresh token is not decrypted for it.
    """
    token = OAuthToken(
        client_id=settings.ZOHO_CLIENT_ID,
        client_secret=datacenters.client_secret_for(connection.data_center),
        id=str(connection.pk),
        refresh_token=connection.refresh_token if with_refresh_token else None,
        user_signature=UserSignature(connection.user_signature),
        api_domain=connection.data_center_info.api_domain,
    )
    access_token = connection.access_token
    if access_token and connection.access_token_expires_at is not None:
        token.set_access_token(access_token)
        token.set_expires_in(str(int(connection.access_token_expires_at.timestamp() * 1000)))
    return token


def _merge(target: OAuthToken, source: OAuthToken) -> OAuthToken:
    """Fill `target`'s empty fields from `source`, as the SDK's own stores do."""
    for getter, setter in (
        ("get_id", "set_id"),
        ("get_user_signature", "set_user_signature"),
        ("get_client_id", "set_client_id"),
        ("get_client_secret", "set_client_secret"),
        ("get_refresh_token", "set_refresh_token"),
        ("get_access_token", "set_access_token"),
        ("get_expires_in", "set_expires_in"),
        ("get_api_domain", "set_api_domain"),
    ):
        if getattr(target, getter)() is None:
            getattr(target, setter)(getattr(source, getter)())
    return target


@contextmanager
def serving(connection: ZohoConnection) -> Iterator[ZohoConnection]:
    """Serve the block's lookups of `connection` from memory (tokens decrypted once)."""
    connection_marker = serving_connection.set(connection)
    try:
        token_marker = serving_token.set(oauth_token_for(connection, with_refresh_token=False))
        try:
            yield connection
        finally:
            serving_token.reset(token_marker)
    finally:
        serving_connection.reset(connection_marker)


class DjangoTokenStore(TokenStore):
    """Zoho SDK token store backed by `ZohoConnection` rows."""

    # --- lookups ----------------------------------------------------------------------
    def find_token_by_id(self, id):  # noqa: A002 - the SDK's parameter name
        active = serving_connection.get()
        if active is not None and str(active.pk) == str(id):
            return serving_token.get() or oauth_token_for(active)
        try:
            connection = ZohoConnection.objects.only(*TOKEN_COLUMNS).get(pk=int(id))
        except (ValueError, TypeError, ZohoConnection.DoesNotExist):
            return None
        return oauth_token_for(connection)

    def find_token(self, token):
        if not isinstance(token, OAuthToken):
            return None
        capture = zoho_identity.current_capture()
        if capture is not None:
            # During an exchange only the freshly obtained token counts: a stored row must
            # not stand in for the grant being redeemed.
            if capture.token is None:
                return None
            return _merge(token, capture.token)
        connection = self._find_connection(token)
        if connection is None:
            return None
        return _merge(token, oauth_token_for(connection))

    def _find_connection(self, token: OAuthToken) -> ZohoConnection | None:
        connections = ZohoConnection.objects.only(*TOKEN_COLUMNS)
        if token.get_id():
            try:
                return self._first(connections.filter(pk=int(token.get_id())))
            except (TypeError, ValueError):
                return None
        signature = token.get_user_signature()
        if signature is not None and signature.get_name():
            rows = connections.filter(user_signature=signature.get_name())
            data_center = zoho_sdk.current_data_center()
            if data_center:
                rows = rows.filter(data_center=data_center)
            return self._first(rows)
        if token.get_access_token() and not token.get_client_id():
            return self._first(
                connections.filter(access_token_digest=token_digest(token.get_access_token()))
            )
        if token.get_refresh_token():
            return self._first(
                connections.filter(refresh_token_digest=token_digest(token.get_refresh_token()))
            )
        return None  # grant tokens are never stored

    @staticmethod
    def _first(rows) -> ZohoConnection | None:
        found = list(rows[:2])
        return found[0] if len(found) == 1 else None  # ambiguous never matches

    def get_tokens(self):
        return [
            oauth_token_for(connection)
            for connection in ZohoConnection.objects.select_related("org")
        ]

    # --- writes -----------------------------------------------------------------------
    def save_token(self, token):
        if not isinstance(token, OAuthToken):
            return
        capture = zoho_identity.current_capture()
        if capture is not None:
            capture.token = token
            capture.saves += 1
            return
        active = serving_connection.get()
        if active is not None and token.get_id() == str(active.pk):
            connection = active
        else:
            connection = self._find_connection(token)
        if connection is None:
            # A new grant outside the sign-in service: without a Django user to attach it
            # to there is nothing to write. (The SDK logs and ignores this error.)
            raise ValueError("DjangoTokenStore only updates existing connections")
        self._save_fields(connection, token)
        if connection is active:
            serving_token.set(oauth_token_for(connection))

    @staticmethod
    def _save_fields(connection: ZohoConnection, token: OAuthToken) -> None:
        """Write what the SDK refreshed. A stored refresh token is never dropped."""
        if token.get_refresh_token():
            connection.refresh_token = token.get_refresh_token()
        if token.get_access_token():
            connection.access_token = token.get_access_token()
            expires_ms = token.get_expires_in()
            if expires_ms:
                connection.access_token_expires_at = datetime.fromtimestamp(
                    int(expires_ms) / 1000, tz=UTC
                )
        connection.save(
            update_fields=[
                "refresh_token_encrypted",
                "refresh_token_digest",
                "access_token_encrypted",
                "access_token_digest",
                "access_token_expires_at",
                "updated_at",
            ]
        )

    def delete_token(self, id):  # noqa: A002 - the SDK's parameter name
        try:
            ZohoConnection.objects.filter(pk=int(id)).delete()
        except (ValueError, TypeError):
            return

    def delete_tokens(self):
        """Never: the SDK's "delete every token" would wipe every tenant's connection (and
        leave their grants alive at Zoho). Connections go one at a time, revoked first
        (`accounts.services.connection_disconnect`)."""
        logger.warning("DjangoTokenStore.delete_tokens refused: it would remove every tenant")
        return None


STORE = DjangoTokenStore()  # stateless (its state is the context variables above): one for all
