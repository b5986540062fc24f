"""The SDK runtime: the one module that touches the Zoho SDK's global and thread-local state.

- `ensure_initialized()` initialises the SDK once per process with a placeholder token that
  refuses to authenticate and a store that holds nothing: `Initializer.initialize` demands
  both, and an SDK call made outside `switched(...)` must fail closed instead of running as
  whoever came last. (It also applies `zoho.sdk_patches`, refusing an SDK it does not fit.)
- `switched(environment=, token=, store=, resource_path=)` runs a block's SDK calls with that
  token, token store and field-metadata directory, and always clears the SDK's thread-local
  on the way out. The caller brings its objects: `accounts.activation.activated(connection)`
  passes a connection's environment, token and the portal's `DjangoTokenStore`.
- `in_this_block(work)` lets another thread run `work` under the calling thread's block
  (`zoho.identity` asks for the user and the org at once with it).
- `clear_thread_state()` is what the per-request middleware calls.

Nothing here knows the portal's models: tokens, stores and data-center keys come in as
arguments (zoho/ imports only core/, Django, the SDK and the standard library).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore
from zohocrmsdk.src.com.zoho.api.authenticator.token import Token
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter as SDKDataCenter
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

from zoho import datacenters, sdk_patches

T = TypeVar("T")

_PLACEHOLDER_URL = "https://zoho-sdk-not-activated.invalid"
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


def in_this_block(work: Callable[[], T]) -> Callable[[], T]:
    """`work` as a callable another thread can run under this thread's SDK block (inside
    `switched`) and context variables: for calls of one block made at the same time. The
    other thread's SDK state is cleared when `work` returns."""
    block = getattr(Initializer.LOCAL, "init", None)
    context = contextvars.copy_context()

    def run() -> T:
        Initializer.LOCAL.init = block
        try:
            return context.run(work)
        finally:
            Initializer.LOCAL.init = None

    return run
