"""Sign in with Zoho: the authorization request (state, PKCE), the callback, and the
explicit path for a known user. Registration and disconnect are `connections`' job."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_variables

from accounts import activation, sign_in_prefetch
from accounts.services import revocations
from accounts.services.connections import SignInResult, connection_register
from accounts.services.errors import InvalidState, SignInError, UnknownDataCenterError, ZohoRefused
from core.errors import ErrorCode
from zoho import datacenters
from zoho import identity as zoho_identity
from zoho import oauth as zoho_oauth

SESSION_OAUTH_KEY = "zoho_oauth_pending"
logger = logging.getLogger("zohoportal.accounts")


# --- the authorization request ------------------------------------------------------------
# Pending sign-ins per session: several tabs may sign in at once; each callback takes only
# its own state (django-allauth's statekit). Bounded, oldest dropped first.
MAX_PENDING_SIGN_INS = 8


def safe_next_url(next_url: str | None, *, allowed_hosts: set[str], secure: bool) -> str:
    """`next_url` when it is a local path on this site (`/…`), else the portal home.

    Only a path: anything else (`x`, `?a`, a full URL) would be resolved against the
    callback's URL, or read by `redirect()` as a view name."""
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


def sign_in_start(session, *, next_url: str, consent: bool = True) -> str:
    """Record a fresh single-use `state` and PKCE verifier in the session; return Zoho's
    authorize URL (with the S256 `code_challenge`).

    `consent` asks Zoho for its consent page and offline access (`prompt=consent`,
    `access_type=offline`): what brings a new refresh token. Without it (a user the portal
    already holds a usable connection for) Zoho signs them in and answers an access token
    only; the stored refresh token stays (`connection_register`), and if there is none to
    keep the callback starts a sign-in with consent (`ConsentNeeded`)."""
    state = secrets.token_urlsafe(32)  # 256 bits
    verifier, challenge = zoho_oauth.pkce_pair()
    pending = _pending_sign_ins(session)
    while len(pending) >= MAX_PENDING_SIGN_INS:
        pending.pop(min(pending, key=lambda key: pending[key]["created"]))
    pending[state] = {
        "created": time.time(),
        "next": next_url,
        "verifier": verifier,
        "consent": consent,
    }
    session[SESSION_OAUTH_KEY] = pending
    params = {
        "client_id": settings.ZOHO_CLIENT_ID,
        "response_type": "code",
        "scope": ",".join(settings.ZOHO_SCOPES),
        "access_type": "offline" if consent else "online",
    }
    if consent:
        params["prompt"] = "consent"
    params |= {
        "redirect_uri": settings.ZOHO_REDIRECT_URI,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    query = urlencode(params)
    return f"{datacenters.sign_in_data_center().authorize_url}?{query}"


@dataclass(frozen=True)
class PendingSignIn:
    next_url: str
    code_verifier: str = field(repr=False)
    consent: bool = True  # the sign-in asked Zoho for consent and offline access


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
        next_url=entry.get("next") or "/",
        code_verifier=str(entry.get("verifier") or ""),
        consent=entry.get("consent") is not False,
    )


# --- the callback -------------------------------------------------------------------------
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
    except zoho_oauth.InvalidClient as error:
        raise _refused_client(data_center, error) from None
    except zoho_oauth.ZohoOAuthError as error:
        raise _sign_in_error(error) from None
    # What the first page will need, asked at the same time as who signed in (one round
    # trip for all), when the org and profile's copy is likely not cached yet.
    prefetch = sign_in_prefetch.sign_in_prefetch_begin(data_center.key)
    with _revoked_if_refused(data_center.key, tokens.refresh_token):
        exchanged = _identify(
            data_center.key, tokens, alongside=prefetch.fetch if prefetch else None
        )
        result = connection_register(
            exchanged=exchanged,
            user=current_user,
            scopes=_granted_scopes(exchanged),
        )
    if prefetch is not None:
        prefetch.keep(result.connection)
    sign_in_prefetch.sign_in_remember(result.connection)
    return result


def _refused_client(
    data_center: datacenters.DataCenter, error: zoho_oauth.InvalidClient
) -> SignInError:
    """The callback's data center answered the code exchange `invalid_client`.

    The state was valid, so the sign-in is this browser's own, and the data center came
    from the callback (checked against the table): Zoho says `invalid_client` both for a
    code issued by another data center (a sign-in link replayed, or its `location` and
    `accounts-server` changed on the way back) and for a wrong client id or secret. One
    call that cannot succeed tells which: if Zoho accepts the client there, the code was
    the problem, and the person can simply sign in again (400); if not, the operator must
    fix the configuration (502, logged as an error naming the settings).
    """
    if (
        error.detail == "invalid_client"
        and zoho_oauth.client_accepted(data_center=data_center.key) is not False
    ):
        logger.warning(
            "sign-in code refused by Zoho's %s accounts server (invalid_client) although it "
            "accepts the portal's client: a code issued by another data center (a replayed "
            "or altered callback); the person was asked to sign in again",
            data_center.key,
        )
        return SignInError(
            f"Zoho's {data_center.label} data center did not accept this sign-in code: it "
            "was issued for another Zoho data center, or the sign-in link was used again. "
            "Nothing was stored. Please sign in again.",
            code=ErrorCode.SIGN_IN_EXPIRED,
            title="This sign-in code is not valid here",
        )
    logger.error(
        "Zoho's %s accounts server refused the portal's client (%s): check ZOHO_CLIENT_ID, "
        "the client secret for %s (ZOHO_CLIENT_SECRETS, else ZOHO_CLIENT_SECRET), "
        "ZOHO_REDIRECT_URI and that Multi-DC is enabled for that data center",
        data_center.key,
        error.detail or "invalid_client",
        data_center.key,
    )
    return _sign_in_error(error)


def _identify(
    data_center: str, tokens, email: str | None = None, alongside=None
) -> zoho_identity.ExchangedToken:
    try:
        return activation.identify(
            data_center=data_center, tokens=tokens, email=email, alongside=alongside
        )
    except zoho_identity.ExchangeFailed as failure:
        raise _sign_in_error(failure.error) from None


def _granted_scopes(exchanged: zoho_identity.ExchangedToken) -> str:
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
            revocations.refresh_token_let_go(
                data_center=data_center,
                refresh_token=refresh_token,
                what="the refresh token of a sign-in the portal did not keep",
            )
        raise


def _sign_in_error(error: zoho_oauth.ZohoOAuthError) -> SignInError:
    """A token-endpoint failure during sign-in, as what the person is told (by its type)."""
    if isinstance(error, zoho_oauth.InvalidGrant):
        return ZohoRefused(
            "Zoho did not accept the sign-in code: it was already used or has expired. "
            "Please sign in again.",
            code=ErrorCode.SIGN_IN_EXPIRED,
        )
    if isinstance(error, zoho_oauth.InvalidClient):
        return ZohoRefused(
            "Zoho did not accept this portal's client credentials for your data center. "
            "The portal's operator needs to check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and "
            "ZOHO_REDIRECT_URI (and that Multi-DC is enabled for the client)."
        )
    if isinstance(error, zoho_oauth.Throttled):
        return ZohoRefused(error.message, code=ErrorCode.THROTTLED, title="Zoho is busy")
    if isinstance(error, zoho_oauth.ZohoUnreachable):
        return ZohoRefused(
            "Zoho's sign-in service could not be reached or did not answer in time. Nothing "
            "was stored; please try again in a moment.",
            code=error.code,  # ZOHO_TIMEOUT or ZOHO_ERROR
            title="Zoho is not answering",
        )
    return ZohoRefused(error.message)


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
    (`connections.owner_for`, decided inside the registration's transaction, so a refused
    registration leaves no Django user behind). A connection another Django user holds is
    refused.
    """
    try:
        datacenters.get(data_center)
    except datacenters.UnknownDataCenter:
        raise SignInError(
            f"Unknown data center {data_center!r}; use one of {', '.join(datacenters.keys())}.",
            code=ErrorCode.UNKNOWN_DATA_CENTER,
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
            code=ErrorCode.ZOHO_REFUSED,
        ) from None
    except zoho_oauth.ZohoOAuthError as error:
        raise _sign_in_error(error) from None
    # A refresh token given by the operator is theirs, in use elsewhere maybe: never revoked.
    with _revoked_if_refused(data_center, tokens.refresh_token if grant_token else None):
        exchanged = _identify(data_center, tokens, email=email)
        if exchanged.email.lower() != email.lower():
            raise SignInError(
                f"The token belongs to {exchanged.email}, not {email}; nothing was stored.",
                code=ErrorCode.WRONG_ZOHO_USER,
            )
        return connection_register(
            exchanged=exchanged, user=user, scopes=scopes or _granted_scopes(exchanged)
        )
