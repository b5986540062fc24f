"""Run SDK calls as one of the portal's connections: where a request's Zoho work gets its token.

`activated(connection)` makes the connection's access token fresh (`accounts.refresh`), serves
its tokens from memory for the block (`token_store.serving`), and hands the SDK runtime
(`zoho.sdk.switched`) the connection's environment, token, the portal's token store and its
own field-metadata directory, and the scope (org and profile) its metadata is shared
under. The SDK's global state itself is only touched in zoho/sdk.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from accounts import refresh, token_store
from accounts.models import ZohoConnection
from zoho import identity as zoho_identity
from zoho import oauth as zoho_oauth
from zoho import sdk as zoho_sdk


@contextmanager
def activated(connection: ZohoConnection) -> Iterator[ZohoConnection]:
    """Run the block's SDK calls as `connection`, refreshed ahead of expiry.

    Raises `refresh` errors (needs re-consent, throttled, unreachable) before any SDK call
    when the access token cannot be made fresh.
    """
    connection = refresh.connection_ensure_fresh(connection)
    scope = connection.metadata_scope  # the org and profile its metadata is shared by
    with token_store.serving(connection):
        # The SDK gets the token `serving` made (id, user signature, API domain and the
        # fresh access token), as complete as its own store lookup would make it: the
        # field-file name the SDK derives from the token is then known before the first call.
        with zoho_sdk.switched(
            environment=zoho_sdk.environment_for(connection.data_center),
            token=token_store.serving_token.get(),
            store=token_store.STORE,
            resource_path=zoho_sdk.resource_dir_for(connection.pk, scope),
            metadata_scope=scope,
        ):
            yield connection


def identify(
    *,
    data_center: str,
    tokens: zoho_oauth.TokenResponse,
    email: str | None = None,
    alongside: Callable[[], object] | None = None,
) -> zoho_identity.ExchangedToken:
    """`zoho.identity.identify` with the portal's token store (which serves the new tokens);
    `alongside` runs in the same block, at the same time (`accounts.sign_in_prefetch`)."""
    return zoho_identity.identify(
        data_center=data_center,
        tokens=tokens,
        store=token_store.STORE,
        email=email,
        alongside=alongside,
    )


def zoho_account_id_of(connection: ZohoConnection) -> str:
    """The ZUID of a stored connection's Zoho user, asked of Zoho (one users call).

    Raises ExchangeFailed, SDKException or `refresh` errors.
    """
    with activated(connection):
        return zoho_identity.current_user_zuid()
