"""Connections: registering one (who owns it, one Zoho account one tenant), disconnecting
it (revoked durably), the session's active one, and the operators' actions on them (mark as
needing re-consent, revoke and disconnect, re-encrypt every token, backfill Zoho account ids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException

from accounts import activation, refresh, token_crypto
from accounts.models import TokenRefreshLog, ZohoConnection, ZohoOrg
from accounts.selectors import SESSION_ACTIVE_KEY
from accounts.services import revocations
from accounts.services.errors import (
    ConsentNeeded,
    DisconnectError,
    SignInError,
    ZohoRefused,
)
from core.errors import ErrorCode
from zoho import datacenters
from zoho import identity as zoho_identity


@dataclass(frozen=True)
class SignInResult:
    connection: ZohoConnection
    created: bool


# --- registration ------------------------------------------------------------------------
def owner_for(exchanged: zoho_identity.ExchangedToken, current_user) -> AbstractBaseUser:
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


def _same_zoho_account(exchanged: zoho_identity.ExchangedToken) -> Q:
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
    exchanged: zoho_identity.ExchangedToken,
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
            "center, so it was not accepted. Nothing was stored."
        )
    if not (exchanged.email and exchanged.zoho_user_id and exchanged.zgid):
        raise ZohoRefused(
            "Zoho did not tell the portal who you are or which org you belong to. The "
            "portal needs the ZohoCRM.users.READ and ZohoCRM.org.READ scopes."
        )
    signature = f"{exchanged.email}:{exchanged.zgid}"
    # The signature is the SDK's "email:zgid", or the email an operator gave (any case).
    if exchanged.user_signature.lower() not in (signature.lower(), exchanged.email.lower()):
        raise ZohoRefused(
            "The token does not belong to the expected Zoho user.", code=ErrorCode.WRONG_ZOHO_USER
        )
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
            if not exchanged.refresh_token and (
                created
                or not connection.is_active
                or connection.refresh_token_or_none() is None  # none, or unreadable here
            ):
                raise ConsentNeeded()  # nothing usable to keep: ask Zoho for a new one
            if created:
                owner = owner_for(exchanged, user)
                connection = ZohoConnection(
                    user=owner, org=org, data_center=dc.key, zoho_user_id=exchanged.zoho_user_id
                )
            elif claimant is not None and connection.user_id != claimant.pk:
                raise _held_by_another_user()
            connection.email = exchanged.email
            connection.full_name = exchanged.full_name
            if exchanged.zoho_profile_id:  # else the one known, if any, stays
                connection.zoho_profile_id = exchanged.zoho_profile_id
                connection.zoho_profile_name = exchanged.zoho_profile_name
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
            code=ErrorCode.SIGN_IN_CONFLICT,
        ) from None
    if replaced_refresh_token:
        revocations.refresh_token_let_go(
            data_center=dc.key,
            refresh_token=replaced_refresh_token,
            what=f"the replaced refresh token of connection {connection.pk}",
        )
    return SignInResult(connection=connection, created=created)


def zoho_account_lock_key(data_center: str, zoho_account_id: str) -> str:
    return f"zohoportal:zoho-account:{data_center}:{zoho_account_id}"


def _lock_zoho_account(exchanged: zoho_identity.ExchangedToken) -> None:
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
    return ZohoRefused(
        "This Zoho account is already connected to another portal user.",
        code=ErrorCode.ALREADY_CONNECTED,
    )


# --- disconnect ----------------------------------------------------------------------------
def connection_disconnect(
    *, connection: ZohoConnection, background: bool = True
) -> revocations.Revocation | None:
    """Delete the connection; its refresh token is revoked at its own data center.

    Inside one transaction, with the row locked (`select_for_update`, so a refresh in flight
    finishes first and cannot write the row back), the revocation is queued and the row
    deleted; once that has committed the first attempt is made. When Zoho cannot be reached
    the connection is gone for the user all the same and `zoho_housekeeping` retries until
    Zoho confirms, so the token is never lost. Returns the queued revocation (`confirmed`
    tells whether Zoho has confirmed it yet; None when the connection was already gone or
    held no refresh token). A connection whose stored token no configured key can decrypt
    is kept (it could never be revoked): DisconnectError.

    The first attempt is a Celery task (`background`, the default): the caller answers at
    once whatever Zoho does, and `confirmed` stays None. With a broker-less setup (Celery
    eager) or `background=False` it is made here and `confirmed` says how it went.
    """
    with transaction.atomic():
        current = ZohoConnection.objects.select_for_update().filter(pk=connection.pk).first()
        if current is None:
            return None
        refresh_token = current.refresh_token_or_none()
        if current.refresh_token_encrypted and refresh_token is None:
            raise DisconnectError(
                "The portal can no longer decrypt this connection's refresh token (its "
                "encryption key is no longer configured), so it cannot revoke it at Zoho and "
                "kept the connection. Sign in with Zoho again to renew it, then disconnect."
            )
        revocation = None
        if refresh_token:
            revocation = revocations.revocation_queue(
                data_center=current.data_center,
                refresh_token=refresh_token,
                reason=f"the refresh token of disconnected connection {current.pk}",
                connection_id=current.pk,
                attempt_on_commit=False,  # attempted below, once committed
            )
        current.delete()  # the post_delete receiver finds the token queued already
    if revocation is not None:
        revocations.revocation_dispatch(revocation, background=background)
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


# --- operators' actions on one connection ----------------------------------------------
def connection_mark_needs_reconsent(
    *, connection: ZohoConnection, reason: str = "marked by an administrator", trigger="admin"
) -> ZohoConnection:
    """Stop refreshing `connection` until its user signs in with Zoho again.

    The refresh token is kept (a new sign-in revokes it); the change is in the refresh log.
    """
    with transaction.atomic():
        locked = ZohoConnection.objects.select_for_update(of=("self",)).get(pk=connection.pk)
        locked.status = ZohoConnection.Status.NEEDS_RECONSENT
        locked.last_refresh_error = f"needs_reconsent: {reason}"[:255]
        locked.save(update_fields=["status", "last_refresh_error", "updated_at"])
        TokenRefreshLog.objects.create(
            connection=locked,
            outcome=TokenRefreshLog.Outcome.NEEDS_RECONSENT,
            reason=reason[:255],
            trigger=trigger,
        )
    return locked


def connection_revoke_and_disconnect(*, connection: ZohoConnection) -> bool:
    """The admin's and `zoho_revoke`'s disconnect: the same as the user's
    (`connection_disconnect`, which holds the row lock, so a refresh in flight
    finishes first and cannot write the row back).

    True when Zoho confirmed the revocation; False when it could not be reached and the
    revocation is queued for `zoho_housekeeping`. Raises DisconnectError (nothing
    deleted) when the stored token cannot be decrypted, and ZohoConnection.DoesNotExist
    when the connection is already gone.
    """
    if not ZohoConnection.objects.filter(pk=connection.pk).exists():
        raise ZohoConnection.DoesNotExist(f"connection {connection.pk} is already gone")
    # An operator's disconnect waits for Zoho's answer, to report it.
    revocation = connection_disconnect(connection=connection, background=False)
    return revocation is None or bool(revocation.confirmed)


@dataclass
class BackfillReport:
    filled: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (connection id, reason)


def connections_backfill_account_ids() -> BackfillReport:
    """Ask Zoho for the ZUID of every connection stored before the portal kept it.

    Sign-in finds the Django user of a Zoho account by its ZUID; a row without one is only
    found by its own org's CRM user id, so that account's first sign-in to another org would
    get a new Django user. One users call per such connection; a connection Zoho cannot
    answer for (needs re-consent, unreachable) is reported and left as it is.
    """
    report = BackfillReport()
    for connection in ZohoConnection.objects.filter(zoho_account_id="").order_by("pk"):
        zuid, reason = "", ""
        try:
            zuid = activation.zoho_account_id_of(connection)
        except refresh.RefreshError as error:
            reason = error.message
        except zoho_identity.ExchangeFailed as error:
            reason = error.error.message
        except SDKException as error:
            reason = f"Zoho answered {getattr(error, 'code', None) or 'an error'}"
        except token_crypto.TokenDecryptionError:
            reason = "its token cannot be decrypted"
        if not zuid:
            report.failed.append((connection.pk, reason or "Zoho did not say the user's ZUID"))
            continue
        ZohoConnection.objects.filter(pk=connection.pk, zoho_account_id="").update(
            zoho_account_id=zuid
        )
        report.filled += 1
    return report
