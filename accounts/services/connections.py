"""Connections: registering one (who owns it, one Zoho account one tenant), disconnecting
it (revoked durably), the session's active one, and re-encrypting every token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables

from accounts import revocations, signals, token_crypto
from accounts.models import ZohoConnection, ZohoOrg
from accounts.selectors import SESSION_ACTIVE_KEY
from accounts.services.errors import SignInError, ZohoRefused
from zoho import datacenters
from zoho import oauth as zoho_oauth
from zoho import sdk as zoho_sdk


@dataclass(frozen=True)
class SignInResult:
    connection: ZohoConnection
    created: bool


# --- registration ------------------------------------------------------------------------
def owner_for(exchanged: zoho_sdk.ExchangedToken, current_user) -> AbstractBaseUser:
    """Who owns a new connection: the signed-in (or chosen) user, else the owner of this Zoho
    account's connections, else a new user. Called only inside the registration's
    transaction: a registration refused later rolls a new user back with it.

    A Zoho account is known by its user id in its data center, never by its email: an email
    can move to another Zoho account, and that account must not inherit the Django user (and
    so the connections) of the first.
    """
    if current_user is not None and current_user.is_authenticated:
        return current_user
    existing = (
        ZohoConnection.objects.filter(_same_zoho_account(exchanged))
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing.user
    dc = exchanged.data_center
    account = exchanged.zoho_account_id or f"user-{exchanged.zoho_user_id}"
    user, _ = get_user_model().objects.get_or_create(
        username=f"zoho-{dc}-{account}"[:150],
        defaults={"email": exchanged.email, "first_name": exchanged.full_name[:150]},
    )
    return user


def _same_zoho_account(exchanged: zoho_sdk.ExchangedToken) -> Q:
    """The stored connections of the Zoho account (ZUID) a token belongs to, in its DC.

    Rows stored before the ZUID was kept have none; they match by the CRM user id (one per
    org) until `zoho_backfill_account_ids` or that org's next sign-in fills it in.
    """
    same_user = Q(zoho_user_id=exchanged.zoho_user_id, data_center=exchanged.data_center)
    if not exchanged.zoho_account_id:
        return same_user
    return Q(zoho_account_id=exchanged.zoho_account_id, data_center=exchanged.data_center) | (
        same_user & Q(zoho_account_id="")
    )


@sensitive_variables("old", "replaced_refresh_token")
def connection_register(
    *,
    exchanged: zoho_sdk.ExchangedToken,
    user: AbstractBaseUser | None,
    scopes: str,
) -> SignInResult:
    """Store (or update) the connection for an exchanged token, all in one transaction.

    A repeat sign-in for the same (Zoho user, org, data center) updates that connection;
    when it brings a new refresh token, the old one is revoked at Zoho afterwards, so
    repeat sign-ins never pile up toward Zoho's limit of 20 refresh tokens per user.
    A token answer without a refresh token keeps the stored one.
    """
    dc = datacenters.get(exchanged.data_center)
    if exchanged.api_domain != dc.api_domain:
        raise ZohoRefused(
            "Zoho's token answer named an API server that does not belong to your data "
            "center, so it was not accepted. Nothing was stored.",
            status=502,
        )
    if not (exchanged.email and exchanged.zoho_user_id and exchanged.zgid):
        raise ZohoRefused(
            "Zoho did not tell the portal who you are or which org you belong to. The "
            "portal needs the ZohoCRM.users.READ and ZohoCRM.org.READ scopes.",
            status=502,
        )
    signature = f"{exchanged.email}:{exchanged.zgid}"
    # The signature is the SDK's "email:zgid", or the email an operator gave (any case).
    if exchanged.user_signature.lower() not in (signature.lower(), exchanged.email.lower()):
        raise ZohoRefused("The token does not belong to the expected Zoho user.", status=400)
    claimant = user if user is not None and user.is_authenticated else None

    replaced_refresh_token = None
    try:
        with transaction.atomic():
            _lock_zoho_account(exchanged)
            if claimant is not None:
                # Claimable when no one holds the account yet, or the claimant holds part of
                # it (accounts split over two Django users before the ZUID was kept stay
                # usable by both).
                holders = set(
                    ZohoConnection.objects.filter(_same_zoho_account(exchanged)).values_list(
                        "user_id", flat=True
                    )
                )
                if holders and claimant.pk not in holders:
                    raise _held_by_another_user()
            org, _ = ZohoOrg.objects.get_or_create(
                zgid=exchanged.zgid, data_center=dc.key, defaults={"name": exchanged.org_name}
            )
            if exchanged.org_name and org.name != exchanged.org_name:
                org.name = exchanged.org_name
                org.save(update_fields=["name"])
            connection = (
                ZohoConnection.objects.select_for_update()
                .filter(zoho_user_id=exchanged.zoho_user_id, org=org, data_center=dc.key)
                .first()
            )
            created = connection is None
            if created:
                if not exchanged.refresh_token:
                    raise ZohoRefused(
                        "Zoho returned no refresh token, so the portal could not keep you "
                        "connected. Please sign in again and approve offline access.",
                        status=502,
                    )
                owner = owner_for(exchanged, user)
                connection = ZohoConnection(
                    user=owner, org=org, data_center=dc.key, zoho_user_id=exchanged.zoho_user_id
                )
            elif claimant is not None and connection.user_id != claimant.pk:
                raise _held_by_another_user()
            connection.email = exchanged.email
            connection.full_name = exchanged.full_name
            connection.zoho_account_id = exchanged.zoho_account_id or connection.zoho_account_id
            connection.user_signature = signature
            connection.api_domain = exchanged.api_domain
            connection.scopes = scopes
            connection.status = ZohoConnection.Status.ACTIVE
            connection.refresh_not_before = None
            if exchanged.refresh_token:
                if not created:
                    old = connection.refresh_token_or_none()
                    if old and old != exchanged.refresh_token:
                        replaced_refresh_token = old
                connection.refresh_token = exchanged.refresh_token
            connection.access_token = exchanged.access_token
            connection.access_token_expires_at = datetime.fromtimestamp(
                exchanged.expires_at_ms / 1000, tz=UTC
            )
            connection.save()
    except IntegrityError:
        raise SignInError(
            "Another sign-in for the same Zoho account finished at the same moment. "
            "Please try again.",
            status=409,
        ) from None
    if replaced_refresh_token:
        zoho_oauth.token_revoke_quietly(
            data_center=dc.key,
            refresh_token=replaced_refresh_token,
            what=f"the replaced refresh token of connection {connection.pk}",
        )
    return SignInResult(connection=connection, created=created)


def zoho_account_lock_key(data_center: str, zoho_account_id: str) -> str:
    return f"zohoportal:zoho-account:{data_center}:{zoho_account_id}"


def _lock_zoho_account(exchanged: zoho_sdk.ExchangedToken) -> None:
    """Serialise registrations of one Zoho account until the transaction ends (PostgreSQL).

    The one-account check reads rows another sign-in may be about to insert (two orgs of one
    account, two portal users at the same instant): an advisory lock on the account makes
    the second wait and then see the first. SQLite has a single writer and no such lock.
    """
    if db_connection.vendor != "postgresql" or not exchanged.zoho_account_id:
        return
    key = zoho_account_lock_key(exchanged.data_center, exchanged.zoho_account_id)
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _held_by_another_user() -> ZohoRefused:
    return ZohoRefused("This Zoho account is already connected to another portal user.", status=409)


# --- disconnect ----------------------------------------------------------------------------
class DisconnectError(Exception):
    def __init__(self, message: str, status: int = 502):
        self.message = message
        self.status = status
        super().__init__(message)


def connection_disconnect(
    *, connection: ZohoConnection, background: bool = True
) -> revocations.Revocation | None:
    """Delete the connection; its refresh token is revoked at its own data center.

    The revocation is queued in the delete's transaction (`signals.revoke_deleted_connection`)
    and tried as soon as it has committed: when Zoho cannot be reached, the connection is
    gone for the user all the same and `zoho_housekeeping` retries until Zoho confirms, so
    the token is never lost. Returns the queued revocation (`confirmed` tells whether Zoho
    has confirmed it yet; None when the connection was already gone). A connection whose
    stored token no configured key can decrypt is kept (it could never be revoked).

    The first attempt is a Celery task (`background`, the default): the caller answers at
    once whatever Zoho does, and `confirmed` stays None. With a broker-less setup (Celery
    eager) or `background=False` it is made here and `confirmed` says how it went.
    """
    with transaction.atomic():
        current = ZohoConnection.objects.select_for_update().filter(pk=connection.pk).first()
        if current is None:
            return None
        if current.refresh_token_encrypted and current.refresh_token_or_none() is None:
            raise DisconnectError(
                "The portal can no longer decrypt this connection's refresh token (its "
                "encryption key is no longer configured), so it cannot revoke it at Zoho and "
                "kept the connection. Sign in with Zoho again to renew it, then disconnect.",
                status=409,
            )
        setattr(current, signals.REVOCATION_REASON, "the refresh token of disconnected connection")
        setattr(current, signals.REVOCATION_BY_CALLER, True)
        current.delete()
    revocation = getattr(current, signals.REVOCATION, None)
    if revocation is not None:
        revocations.revocation_dispatch(revocation, background=background)  # committed
    return revocation


# --- the session's active connection -------------------------------------------------------
def session_activate(session, connection: ZohoConnection) -> None:
    session[SESSION_ACTIVE_KEY] = connection.pk


def connections_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored token under the newest TOKEN_ENCRYPTION_KEYS key.

    Raises TokenDecryptionError (and changes nothing further) on a row no key can read.
    """
    return token_crypto.rotate_rows(
        ZohoConnection,
        ("refresh_token_encrypted", "access_token_encrypted"),
        batch_size=batch_size,
    )
