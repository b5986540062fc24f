"""Who a token belongs to: the sign-in's identity calls through the SDK, writing nothing.

- `identify(...)` asks Zoho, through the SDK, whose tokens the portal's token client just
  obtained (the user and the org, asked at once, and at the same time whatever the caller
  asks `alongside`), inside `zoho.sdk.switched`; while it runs, `current_capture()` tells the
  caller's token store to serve exactly that token and to keep what the SDK saves in memory.
- `ExchangedToken` is what it found, before anything is stored; `ExchangeFailed` what it
  raises, with the token endpoint's error classes (`zoho.oauth`).
- `current_user_zuid()` asks, inside a block, whose ZUID the block runs as.

Like `zoho.sdk`, nothing here knows the portal's models; unlike it, nothing here touches the
SDK's global or thread-local state (`zoho.sdk.switched` and `in_this_block` do).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.org import ResponseWrapper as OrgResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.users import ResponseWrapper as UsersResponseWrapper

from core.errors import AppError
from zoho import datacenters
from zoho import oauth as zoho_oauth
from zoho import sdk as zoho_sdk

logger = logging.getLogger("zohoportal.zoho")


@dataclass
class TokenCapture:
    """The tokens of a sign-in being identified, held in memory until the caller stores them:
    a store asked for a token inside `capturing` serves `token`, and keeps what the SDK saves
    here instead of writing it."""

    data_center: str
    token: OAuthToken | None = None
    saves: int = field(default=0)


_capture: contextvars.ContextVar[TokenCapture | None] = contextvars.ContextVar(
    "zoho_token_capture", default=None
)


def current_capture() -> TokenCapture | None:
    """The capture open on this thread (inside `identify`), for the token store."""
    return _capture.get()


@dataclass(frozen=True)
class ExchangedToken:
    """What a code (or refresh-token) exchange produced, before anything is stored."""

    data_center: str
    # Tokens stay out of repr(): error pages and error e-mails show frame variables.
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at_ms: int
    api_domain: str
    user_signature: str  # as the SDK computed it ("email:zgid"), or as given
    email: str
    zoho_user_id: str
    full_name: str
    zoho_account_id: str  # the ZUID: one per Zoho account, whatever the org
    zgid: str
    org_name: str
    scopes: str = ""  # as Zoho granted them (space-separated), when it said
    # The user's CRM profile (what Zoho's settings APIs answer depends on it), when Zoho said.
    zoho_profile_id: str = ""
    zoho_profile_name: str = ""


class ExchangeFailed(AppError):
    """Zoho could not say who a token belongs to; `error` is the classified token-endpoint
    error (`zoho.oauth`), whose code and message this one carries."""

    def __init__(self, error: zoho_oauth.ZohoOAuthError):
        self.error = error
        super().__init__(error.code, error.message)
        self.args = (str(error),)


def _classify(error: SDKException) -> zoho_oauth.ZohoOAuthError:
    """An SDK exception raised while asking Zoho who signed in, as the portal's error types."""
    import requests

    cause = getattr(error, "cause", None)
    if isinstance(cause, requests.Timeout):
        return zoho_oauth.ZohoTimedOut(type(cause).__name__)
    if isinstance(cause, requests.RequestException):
        return zoho_oauth.ZohoUnreachable(type(cause).__name__)
    if isinstance(cause, ValueError):  # a non-JSON answer (.json() failed)
        return zoho_oauth.ZohoUnreachable("not JSON")
    return zoho_oauth.UnexpectedAnswer(str(getattr(error, "code", "") or "SDK error")[:100])


def sdk_token(
    *, data_center: str, tokens: zoho_oauth.TokenResponse, email: str | None = None
) -> OAuthToken:
    """An SDK token carrying tokens the portal's token client obtained (never the SDK's)."""
    token = OAuthToken(
        client_id=settings.ZOHO_CLIENT_ID,
        client_secret=datacenters.client_secret_for(data_center),
        refresh_token=tokens.refresh_token,
        access_token=tokens.access_token,
        user_signature=UserSignature(email) if email else None,
        api_domain=datacenters.get(data_center).api_domain,
    )
    expires_at_ms = int((time.time() + tokens.expires_in) * 1000)
    token.set_expires_in(str(expires_at_ms))
    return token


def identify(
    *,
    data_center: str,
    tokens: zoho_oauth.TokenResponse,
    store: TokenStore,
    email: str | None = None,
    alongside: Callable[[], object] | None = None,
) -> ExchangedToken:
    """Ask Zoho, through the SDK, whose tokens these are (user and org); write nothing.

    The tokens come from the portal's own token client (`zoho_oauth.token_exchange`, which
    sends the PKCE verifier the SDK cannot send) and reach the SDK through the TokenStore:
    inside the capture (`current_capture`), `store` serves exactly this token. With
    `email` the token carries an explicit `UserSignature`, the article's path for a known
    user (`zoho_add_token`). Raises ExchangeFailed.

    `alongside`, when given, runs in the same block at the same time as the users and org
    calls (a page's first call made while the sign-in waits anyway: `accounts.sign_in_prefetch`),
    and is waited for; what it answers or raises is its own business (it keeps its answer
    itself), never the sign-in's.
    """
    token = sdk_token(data_center=data_center, tokens=tokens, email=email)
    capture = TokenCapture(data_center=data_center, token=token)
    marker = _capture.set(capture)
    try:
        with zoho_sdk.switched(
            environment=zoho_sdk.environment_for(data_center), token=token, store=store
        ):
            user, org = _current_user_and_org(alongside)
    except SDKException as error:
        raise ExchangeFailed(_classify(error)) from None
    finally:
        _capture.reset(marker)
    zgid = str(org.get_zgid() or "")
    user_email = str(user.get_email() or "")
    profile = user.get_profile()
    return ExchangedToken(
        data_center=data_center,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at_ms=int(token.get_expires_in()),
        api_domain=tokens.api_domain,
        user_signature=email or f"{user_email}:{zgid}",
        email=user_email,
        zoho_user_id=str(user.get_id() or ""),
        zoho_account_id=str(user.get_zuid() or ""),
        full_name=str(user.get_full_name() or ""),
        zgid=zgid,
        org_name=str(org.get_company_name() or ""),
        scopes=tokens.scope,
        zoho_profile_id=str((profile.get_id() if profile is not None else None) or ""),
        zoho_profile_name=str((profile.get_name() if profile is not None else None) or ""),
    )


def _current_user_and_org(alongside: Callable[[], object] | None = None):
    """The signed-in Zoho user and their org, through the SDK (inside `zoho_sdk.switched`):
    both asked at once, the org (and `alongside`) on other threads under this block's SDK
    state and context (the token capture), so sign-in waits one round trip for them, not
    two."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="zoho-sign-in") as pool:
        org = pool.submit(zoho_sdk.in_this_block(_current_org))
        extra = pool.submit(zoho_sdk.in_this_block(alongside)) if alongside else None
        try:
            user = _current_user()
            return user, org.result()
        finally:
            if extra is not None:
                _wait_alongside(extra)


def _wait_alongside(extra) -> None:
    try:
        extra.result()
    except Exception:  # noqa: BLE001 - its own business (see `identify`): logged, not raised
        logger.warning("a call made alongside the sign-in's identity calls failed", exc_info=True)


def _current_user():
    params = ParameterMap()
    params.add(GetUsersParam.type, "CurrentUser")
    users = UsersOperations().get_users(params)
    users_object = users.get_object() if users is not None else None
    if not isinstance(users_object, UsersResponseWrapper) or not users_object.get_users():
        raise ExchangeFailed(zoho_oauth.UnexpectedAnswer("Zoho did not say who signed in"))
    return users_object.get_users()[0]


def _current_org():
    org = OrgOperations().get_organization()
    org_object = org.get_object() if org is not None else None
    if not isinstance(org_object, OrgResponseWrapper) or not org_object.get_org():
        raise ExchangeFailed(zoho_oauth.UnexpectedAnswer("Zoho did not say which org"))
    return org_object.get_org()[0]


def current_user_zuid() -> str:
    """The ZUID of the Zoho user the block runs as (inside `switched`): one users call.

    Raises ExchangeFailed or SDKException."""
    return str(_current_user().get_zuid() or "")
