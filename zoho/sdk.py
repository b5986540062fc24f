"""The SDK runtime: the one module that touches the Zoho SDK's global and thread-local state.

- `ensure_initialized()` initialises the SDK once per process with a placeholder token that
  refuses to authenticate and a store that holds nothing: `Initializer.initialize` demands
  both, and an SDK call made outside `switched(...)` must fail closed instead of running as
  whoever came last. (It also applies `zoho.sdk_patches`, refusing an SDK it does not fit.)
- `switched(environment=, token=, store=, resource_path=)` runs a block's SDK calls with that
  token, token store and field-metadata directory, and always clears the SDK's thread-local
  on the way out. The caller brings its objects: `accounts.activation.activated(connection)`
  passes a connection's environment, token and the portal's `DjangoTokenStore`.
- `identify(...)` asks Zoho, through the SDK, whose tokens the portal's token client just
  obtained (user and org, and at the same time whatever the caller asks `alongside`),
  without writing anything: inside `capturing(...)` the caller's store serves exactly that
  token and keeps what the SDK saves.
- `clear_thread_state()` is what the per-request middleware calls.

Nothing here knows the portal's models: tokens, stores and data-center keys come in as
arguments (zoho/ imports only core/, Django, the SDK and the standard library).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore
from zohocrmsdk.src.com.zoho.api.authenticator.token import Token
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter as SDKDataCenter
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.org import ResponseWrapper as OrgResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.users import ResponseWrapper as UsersResponseWrapper

from core.errors import AppError
from zoho import datacenters, sdk_patches
from zoho import oauth as zoho_oauth

_PLACEHOLDER_URL = "https://zoho-sdk-not-activated.invalid"
logger = logging.getLogger("zohoportal.zoho")
_init_lock = threading.Lock()


class NoActiveConnection(RuntimeError):
    """An SDK call was made outside `switched(...)` (the portal: `activated(connection)`)."""

    def __init__(self) -> None:
        super().__init__(
            "Zoho SDK call outside an activated connection: wrap it in "
            "accounts.activation.activated(connection) (zoho.sdk.switched underneath)."
        )


class _RefusingToken(Token):
    """The token the SDK is initialised with: it never authenticates anything."""

    def generate_token(self) -> None:
        return None

    def authenticate(self, url_connection) -> None:
        raise NoActiveConnection()

    def remove(self) -> bool:
        return False


class _EmptyStore(TokenStore):
    """The store the SDK is initialised with: it holds no token and keeps none."""

    def find_token(self, token):
        return None

    def find_token_by_id(self, id):  # noqa: A002 - the SDK's parameter name
        return None

    def get_tokens(self):
        return []

    def save_token(self, token):
        return None

    def delete_token(self, id):  # noqa: A002 - the SDK's parameter name
        return None

    def delete_tokens(self):
        return None


def _sdk_config() -> SDKConfig:
    return _sdk_config_for(settings.ZOHO_HTTP_TIMEOUT)


@functools.lru_cache(maxsize=8)
def _sdk_config_for(timeout: float) -> SDKConfig:
    # Picklists are validated by the portal (with messages next to the field), not the SDK.
    # One object per timeout: the SDK only reads it.
    return SDKConfig(
        auto_refresh_fields=False,
        pick_list_validation=False,
        connect_timeout=min(timeout, 5.0),
        read_timeout=timeout,
    )


def _holds_ours() -> bool:
    """Whether the SDK's process-wide initializer is the portal's refusing one, with the
    placeholder store (anything else, e.g. a test or script that initialised the SDK with
    a real token, would let an SDK call outside `switched` run as that token)."""
    current = getattr(Initializer, "initializer", None)
    return (
        current is not None
        and isinstance(getattr(current, "token", None), _RefusingToken)
        and isinstance(getattr(current, "store", None), _EmptyStore)
        and getattr(current, "resource_path", None) == str(Path(settings.ZOHO_SDK_RESOURCE_DIR))
    )


def ensure_initialized() -> None:
    """Make the SDK's global state the portal's (thread-safe, idempotent).

    Checks what the SDK actually holds rather than trusting a flag of its own: if anything
    replaced the global initializer, it is put back before the next call.
    """
    if _holds_ours():
        return
    with _init_lock:
        if _holds_ours():
            return
        sdk_patches.apply()  # refuses an SDK the patches do not fit, before replacing anything
        resource_dir = Path(settings.ZOHO_SDK_RESOURCE_DIR)
        resource_dir.mkdir(parents=True, exist_ok=True)
        Initializer.initialize(
            environment=SDKDataCenter.Environment(
                _PLACEHOLDER_URL, f"{_PLACEHOLDER_URL}/oauth/v2/token", _PLACEHOLDER_URL
            ),
            token=_RefusingToken(),
            store=_EmptyStore(),
            sdk_config=_sdk_config(),
            resource_path=str(resource_dir),
            logger=Logger.get_instance(Logger.Levels.CRITICAL),
        )


def environment_for(data_center: str) -> SDKDataCenter.Environment:
    """The SDK environment of a data-center key, from the portal's own table."""
    dc = datacenters.get(data_center)
    return SDKDataCenter.Environment(dc.api_domain, dc.token_url, dc.api_domain)


def resource_dir_path(connection_id: int | str) -> Path:
    """Per-connection field-metadata directory (named by id: no token material)."""
    return Path(settings.ZOHO_SDK_RESOURCE_DIR) / f"connection-{connection_id}"


def resource_dir_for(connection_id: int | str, metadata_scope: str | None = None) -> str:
    """`resource_dir_path`, created if needed (a stat when it exists, as on every request
    after a connection's first: `mkdir(exist_ok=True)` raises and catches inside).

    With `metadata_scope`, a folder of it inside (named by a digest of the scope): a new
    scope (the org's metadata refreshed, another profile, another SDK version) starts an
    empty field file instead of reading the old one; the old folder goes with the
    connection's (`zoho_housekeeping` removes a deleted connection's)."""
    path = resource_dir_path(connection_id)
    if metadata_scope:
        path = path / scope_folder_name(metadata_scope)
    path = str(path)
    if not os.path.isdir(path):
        os.makedirs(path, exist_ok=True)
    return path


def scope_folder_name(metadata_scope: str) -> str:
    """The folder of a metadata scope's field file inside a connection's directory."""
    return "m-" + hashlib.sha256(metadata_scope.encode()).hexdigest()[:16]


def clear_thread_state() -> None:
    """Drop this thread's SDK state (the per-request middleware, before and after)."""
    Initializer.LOCAL.init = None


def current_data_center() -> str | None:
    """The data-center key of the SDK environment in use on this thread, if it is ours."""
    environment = getattr(Initializer.get_initializer(), "environment", None)
    found = datacenters.for_api_domain(getattr(environment, "url", None))
    return found.key if found else None


@contextmanager
def switched(
    *,
    environment,
    token: Token,
    store: TokenStore,
    resource_path: str | None = None,
    metadata_scope: str | None = None,
) -> Iterator[None]:
    """The SDK's thread-local state for the block: `Initializer.switch_user`'s, built here,
    with `store` as the block's token store.

    `metadata_scope` (`zoho.metadata_scope`) names the shared copy of the block's SDK field
    file (`zoho.field_cache`): one per org and profile, not per connection.

    `switch_user` sets the same six attributes, then asks the token store for the token
    (`generate_token`) and formats a log line, on every switch; the SDK does that lookup
    again before each API call (`authenticate`), where a missing or refused token fails the
    call, so doing it here too only cost every request a second store lookup and merge.
    """
    ensure_initialized()
    shared = Initializer.initializer
    switched = Initializer()
    switched.environment = environment
    switched.sdk_config = _sdk_config()
    switched.store = store
    switched.resource_path = resource_path if resource_path is not None else shared.resource_path
    switched.request_proxy = None
    switched.token = token
    switched.metadata_scope = metadata_scope  # the portal's own attribute (zoho.field_cache)
    Initializer.LOCAL.init = switched
    try:
        yield
    finally:
        Initializer.LOCAL.init = None


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
        with switched(environment=environment_for(data_center), token=token, store=store):
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
    """The signed-in Zoho user and their org, through the SDK (inside an activation): both
    asked at once, the org (and `alongside`) on other threads that run under this block's
    SDK state and context (the token capture), so sign-in waits one round trip for them,
    not two."""
    block = getattr(Initializer.LOCAL, "init", None)

    def here(work):
        def run():
            Initializer.LOCAL.init = block
            try:
                return work()
            finally:
                Initializer.LOCAL.init = None

        return run

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="zoho-sign-in") as pool:
        org = pool.submit(contextvars.copy_context().run, here(_current_org))
        extra = pool.submit(contextvars.copy_context().run, here(alongside)) if alongside else None
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


def warm_field_files(module_api_names: list[str]) -> list[str]:
    """Fill the block's SDK field file (inside `switched`) with these modules, as the SDK's
    first record call of each would: from the shared copy when its scope has one, else
    fetched once for the fleet (`zoho.field_fetch`). The modules that could not be (no
    permission, say) are returned; their first record call meets the error itself."""
    from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

    missed = []
    for name in module_api_names:
        try:
            Utility.get_fields(name, None)
        except (SDKException, OSError, ValueError, KeyError):
            missed.append(name)
    return missed


def current_user_zuid() -> str:
    """The ZUID of the Zoho user the block runs as (inside `switched`): one users call.

    Raises ExchangeFailed or SDKException."""
    return str(_current_user().get_zuid() or "")
