"""Sign in with Zoho, register and disconnect connections: the accounts app's write paths."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Q
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_variables

from . import datacenters, revocations, signals, token_crypto, zoho_oauth, zoho_sdk
from .models import ZohoConnection, ZohoOrg
from .selectors import SESSION_ACTIVE_KEY

SESSION_OAUTH_KEY = "zoho_oauth_pending"


class SignInError(Exception):
    """A sign-in that must stop here; `title`/`message` are shown to the user as is."""

    status = 400
    title = "Sign-in failed"
    message = "Zoho sign-in could not be completed. Please start again."

    def __init__(self, message: str = "", *, title: str = "", status: int | None = None):
        if message:
            self.message = message
        if title:
            self.title = title
        if status:
            self.status = status
        super().__init__(self.message)


class InvalidState(SignInError):
    title = "This sign-in link has expired"
    message = (
        "The sign-in request was missing, already used, more than ten minutes old or started "
        "in another browser. Nothing was stored. Please sign in again."
    )


class AccessDenied(SignInError):
    status = 403
    title = "Access not granted"
    message = (
        "You chose not to give the portal access to your Zoho CRM data, so nothing was "
        "connected. You can sign in again at any time."
    )


class UnknownDataCenterError(SignInError):
    title = "Unknown Zoho data center"
    message = (
        "Zoho sent you back with a data center or accounts server this portal does not "
        "recognise, so the sign-in was stopped before anything was sent anywhere."
    )


class ZohoRefused(SignInError):
    title = "Zoho refused the sign-in"


# --- the authorization request ------------------------------------------------------------
# Pending sign-ins per session: several tabs may sign in at once; each callback takes only
# its own state (django-allauth's statekit). Bounded, oldest dropped first.
MAX_PENDING_SIGN_INS = 8


def safe_next_url(next_url: str | None, *, allowed_hosts: set[str], secure: bool) -> str:
    """`next_url` when it is a path on this site, else the portal home.

    Only local paths ("/crm/Leads/?page=2") pass: `redirect()` would read anything else,
    such as "x", as a view name.
    """
    if (
        isinstance(next_url, str)
        and next_url.startswith("/")
        and not next_url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts=allowed_hosts, require_https=secure
        )
    ):
        return next_url
    return "/"


def _pending_sign_ins(session) -> dict[str, dict]:
    """The session's pending sign-ins by state, expired ones dropped."""
    pending = session.get(SESSION_OAUTH_KEY)
    if not isinstance(pending, dict):
        return {}
    now = time.time()
    return {
        state: entry
        for state, entry in pending.items()
        if isinstance(entry, dict)
        and now - float(entry.get("created", 0)) <= settings.ZOHO_STATE_MAX_AGE
    }


def sign_in_start(session, *, next_url: str) -> str:
    """Record a fresh single-use `state` and PKCE verifier in the session; return Zoho's
    authorize URL (with the S256 `code_challenge`)."""
    state = secrets.token_urlsafe(32)  # 256 bits
    verifier, challenge = zoho_oauth.pkce_pair()
    pending = _pending_sign_ins(session)
    while len(pending) >= MAX_PENDING_SIGN_INS:
        pending.pop(min(pending, key=lambda key: pending[key]["created"]))
    pending[state] = {"created": time.time(), "next": next_url, "verifier": verifier}
    session[SESSION_OAUTH_KEY] = pending
    query = urlencode(
        {
            "client_id": settings.ZOHO_CLIENT_ID,
            "response_type": "code",
            "scope": ",".join(settings.ZOHO_SCOPES),
            "access_type": "offline",
            "prompt": "consent",
            "redirect_uri": settings.ZOHO_REDIRECT_URI,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{datacenters.sign_in_data_center().authorize_url}?{query}"


@dataclass(frozen=True)
class PendingSignIn:
    next_url: str
    code_verifier: str = field(repr=False)


def sign_in_consume_state(session, *, state: str | None) -> PendingSignIn:
    """Check and use up the session's pending sign-in for `state` (others stay pending)."""
    if not isinstance(state, str) or not state or len(state) > 100:
        raise InvalidState()
    pending = _pending_sign_ins(session)
    match = next(
        (key for key in pending if secrets.compare_digest(key.encode(), state.encode())), None
    )
    if match is None:
        session[SESSION_OAUTH_KEY] = pending
        raise InvalidState()
    entry = pending.pop(match)
    if pending:
        session[SESSION_OAUTH_KEY] = pending
    else:
        session.pop(SESSION_OAUTH_KEY, None)
    return PendingSignIn(
        next_url=entry.get("next") or "/", code_verifier=str(entry.get("verifier") or "")
    )


# --- the callback -------------------------------------------------------------------------
@dataclass(frozen=True)
class SignInResult:
    connection: ZohoConnection
    created: bool


@sensitive_variables("code", "code_verifier", "tokens")
def sign_in_complete(
    *,
    current_user: AbstractBaseUser | None,
    location: str | None,
    accounts_server: str | None,
    code: str | None,
    code_verifier: str = "",
) -> SignInResult:
    """Redeem the callback's `code` (with its PKCE verifier) at the data center it names
    and store the connection.

    Checks come first and make no outbound call: the data center must be in the table and
    `accounts-server` must be exactly that data center's.
    """
    try:
        data_center = datacenters.for_callback(location, accounts_server)
    except datacenters.UnknownDataCenter:
        raise UnknownDataCenterError() from None
    if not code or len(code) > 512:
        raise SignInError("Zoho's answer carried no authorization code. Please sign in again.")
    try:
        tokens = zoho_oauth.token_exchange(
            data_center=data_center.key,
            code=code,
            redirect_uri=settings.ZOHO_REDIRECT_URI,
            code_verifier=code_verifier or None,
        )
    except zoho_oauth.ZohoOAuthError as error:
        raise _sign_in_error(error) from None
    with _revoked_if_refused(data_center.key, tokens.refresh_token):
        exchanged = _identify(data_center.key, tokens)
        return connection_register(
            exchanged=exchanged,
            user=current_user,
            scopes=_granted_scopes(exchanged),
        )


def _identify(data_center: str, tokens, email: str | None = None) -> zoho_sdk.ExchangedToken:
    try:
        return zoho_sdk.identify(data_center=data_center, tokens=tokens, email=email)
    except zoho_sdk.ExchangeFailed as failure:
        raise _sign_in_error(failure.error) from None


def _granted_scopes(exchanged: zoho_sdk.ExchangedToken) -> str:
    """The scopes Zoho says it granted (comma-separated), else those the portal asked for."""
    granted = [scope for scope in exchanged.scopes.replace(",", " ").split() if scope]
    return ",".join(granted or settings.ZOHO_SCOPES)


@contextmanager
def _revoked_if_refused(data_center: str, refresh_token: str | None) -> Iterator[None]:
    """Revoke a refresh token the portal was just given when it does not keep it.

    Nothing else would ever use or revoke it, yet it counts toward Zoho's 20 refresh tokens
    per user, and the 21st silently kills the oldest: possibly a live connection's, even
    another portal user's (a refused "already connected" sign-in, repeated). This covers
    everything after the code exchange: asking Zoho who signed in (missing scopes, a
    timeout, an answer the SDK cannot read), a refused registration, a database error.
    """
    try:
        yield
    except Exception:  # refused, or failed: nothing holds the token
        if refresh_token:
            zoho_oauth.token_revoke_quietly(
                data_center=data_center,
                refresh_token=refresh_token,
                what="the refresh token of a sign-in the portal did not keep",
            )
        raise


def _sign_in_error(error: zoho_oauth.ZohoOAuthError) -> SignInError:
    if isinstance(error, zoho_oauth.InvalidGrant):
        return ZohoRefused(
            "Zoho did not accept the sign-in code: it was already used or has expired. "
            "Please sign in again."
        )
    if isinstance(error, zoho_oauth.InvalidClient):
        return ZohoRefused(
            "Zoho did not accept this portal's client credentials for your data center. "
            "The portal's operator needs to check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and "
            "ZOHO_REDIRECT_URI (and that Multi-DC is enabled for the client).",
            status=502,
        )
    if isinstance(error, zoho_oauth.Throttled):
        return ZohoRefused(error.message, title="Zoho is busy", status=429)
    if isinstance(error, zoho_oauth.ZohoUnreachable):
        status = 504 if isinstance(error, zoho_oauth.ZohoTimedOut) else 502
        return ZohoRefused(
            "Zoho's sign-in service could not be reached or did not answer in time. Nothing "
            "was stored; please try again in a moment.",
            title="Zoho is not answering",
            status=status,
        )
    return ZohoRefused(error.message, status=502)


def _django_user_for(exchanged: zoho_sdk.ExchangedToken, current_user) -> AbstractBaseUser:
    """The signed-in user, else the owner of this Zoho account's connections, else a new user.

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
                owner = _django_user_for(exchanged, user)
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


def connection_disconnect(*, connection: ZohoConnection) -> revocations.Revocation | None:
    """Delete the connection; its refresh token is revoked at its own data center.

    The revocation is queued in the delete's transaction (`signals.revoke_deleted_connection`)
    and tried as soon as it has committed: when Zoho cannot be reached, the connection is
    gone for the user all the same and `zoho_housekeeping` retries until Zoho confirms, so
    the token is never lost. Returns the queued revocation (`confirmed` tells whether Zoho
    has confirmed it yet; None when the connection was already gone). A connection whose
    stored token no configured key can decrypt is kept (it could never be revoked).
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
        revocations.revocation_attempt_queued(revocation)  # the delete has committed
    return revocation


# --- the session's active connection -------------------------------------------------------
def session_activate(session, connection: ZohoConnection) -> None:
    session[SESSION_ACTIVE_KEY] = connection.pk


# --- the explicit path: a known user without the sign-in flow -----------------------------
def connection_add_explicit(
    *,
    email: str,
    data_center: str,
    grant_token: str | None = None,
    refresh_token: str | None = None,
    scopes: str = "",
    user: AbstractBaseUser | None = None,
) -> SignInResult:
    """Register a connection from a self-client grant code or a refresh token.

    The token carries an explicit `UserSignature(email)` (the article's path for a known
    user); Zoho must confirm that the token belongs to `email`. The Django user is `user`,
    else the owner of this Zoho account's other connections, else a new one
    (`_django_user_for`). A connection another Django user holds is refused.
    """
    try:
        datacenters.get(data_center)
    except datacenters.UnknownDataCenter:
        raise SignInError(
            f"Unknown data center {data_center!r}; use one of {', '.join(datacenters.keys())}."
        ) from None
    if bool(grant_token) == bool(refresh_token):
        raise SignInError("Give exactly one of a grant token or a refresh token.")
    try:
        if grant_token:
            tokens = zoho_oauth.token_exchange(data_center=data_center, code=grant_token)
        else:
            refreshed = zoho_oauth.token_refresh(
                data_center=data_center, refresh_token=refresh_token
            )
            tokens = dataclasses.replace(refreshed, refresh_token=refresh_token)
    except zoho_oauth.InvalidClient:
        raise SignInError(
            f"Zoho's {data_center} accounts server refused the portal's client for this "
            "token: either it was issued in another data center (check the data center "
            "you gave) or ZOHO_CLIENT_ID / the client secret for that data center are wrong. "
            "Nothing was stored.",
            status=502,
        ) from None
    except zoho_oauth.ZohoOAuthError as error:
        raise _sign_in_error(error) from None
    # A refresh token given by the operator is theirs, in use elsewhere maybe: never revoked.
    with _revoked_if_refused(data_center, tokens.refresh_token if grant_token else None):
        exchanged = _identify(data_center, tokens, email=email)
        if exchanged.email.lower() != email.lower():
            raise SignInError(
                f"The token belongs to {exchanged.email}, not {email}; nothing was stored."
            )
        return connection_register(
            exchanged=exchanged,
            user=_django_user_for(exchanged, user),
            scopes=scopes or _granted_scopes(exchanged),
        )


def connections_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored token under the newest TOKEN_ENCRYPTION_KEYS key.

    Raises TokenDecryptionError (and changes nothing further) on a row no key can read.
    """
    count = 0
    ids = list(ZohoConnection.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            rows = ZohoConnection.objects.select_for_update().filter(
                pk__in=ids[start : start + batch_size]
            )
            for row in rows:
                row.refresh_token_encrypted = token_crypto.rotate(row.refresh_token_encrypted)
                if row.access_token_encrypted:
                    row.access_token_encrypted = token_crypto.rotate(row.access_token_encrypted)
                row.save(update_fields=["refresh_token_encrypted", "access_token_encrypted"])
                count += 1
    return count
