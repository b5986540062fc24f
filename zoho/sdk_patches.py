"""Every change the portal makes to the Zoho SDK at run time, and the check that the SDK is
still the release those changes were written for.

The portal never edits the installed SDK, but `apply()` swaps some of its internals:
- the `requests` module of the SDK's two HTTP-calling modules, for `zoho.transport`'s pooled
  sessions with a timeout on every call;
- four static methods of `Initializer` and `Utility`, for `zoho.field_cache` and
  `zoho.field_fetch` (each field file parsed once per version, written atomically, known
  modules read without the SDK's lock, missing ones fetched outside it);
and `zoho/sdk.py` builds the SDK's thread-local state itself (as `Initializer.switch_user`
does). Written against one SDK release (`EXPECTED_VERSION`, pinned in requirements.txt),
that is safe only on that release: another one may rename, re-sign or stop calling what is
replaced. `problems()` says what differs; `check_sdk` (registered by `zoho.apps`) turns it
into errors of `manage.py check` (and `migrate`, `runserver`), `zohoportal/wsgi.py` stops
gunicorn with them, and `apply()` / `zoho.sdk.ensure_initialized()` refuse to install
anything on a mismatch (`zoho.apps` applies the patches at start-up only when they fit).

Every replacement goes through `replace()`, which keeps the SDK's own attribute so that the
check still sees the SDK's signature after the portal's stand-in took its place.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import threading
from dataclasses import dataclass

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

SDK_DISTRIBUTION = "zohocrmsdk8_0"
# The release the replacements below were written and tested against (requirements.txt).
EXPECTED_VERSION = "7.0.0"

_INITIALIZER = "zohocrmsdk.src.com.zoho.crm.api.initializer"
_UTILITY = "zohocrmsdk.src.com.zoho.crm.api.util.utility"


@dataclass(frozen=True)
class Internal:
    """One SDK attribute: `module` (dotted), `owner` (a class in it, or "" for the module
    itself), `name`; `parameters`: the expected signature of a function, as
    `str(parameter)` each, or None for a plain attribute; `why`: who uses it."""

    module: str
    owner: str
    name: str
    parameters: tuple[str, ...] | None
    why: str

    @property
    def label(self) -> str:
        return f"{self.module}.{self.owner + '.' if self.owner else ''}{self.name}"


# What the portal replaces.
REPLACED = (
    Internal(
        "zohocrmsdk.src.com.zoho.api.authenticator.oauth_token",
        "",
        "requests",
        None,
        "zoho/transport.py routes the SDK's token calls through pooled sessions with timeouts",
    ),
    Internal(
        "zohocrmsdk.src.com.zoho.crm.api.util.api_http_connector",
        "",
        "requests",
        None,
        "zoho/transport.py routes the SDK's API calls through pooled sessions with timeouts",
    ),
    Internal(
        _INITIALIZER,
        "Initializer",
        "get_json",
        ("file_path",),
        "zoho/field_cache.py parses each field file once per version",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "write_to_file",
        ("file_path", "file_contents"),
        "zoho/field_cache.py writes field files atomically",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "get_fields",
        ("module_api_name", "handler_instance=None"),
        "zoho/field_fetch.py reads known modules without the SDK's global lock",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "get_fields_info",
        ("module_api_name", "handler_instance=None"),
        "zoho/field_fetch.py fetches related modules' fields outside the lock",
    ),
)

# What the portal reads, calls or sets without replacing it.
RELIED_ON = (
    Internal(_INITIALIZER, "Initializer", "LOCAL", None, "zoho/sdk.py"),
    Internal(_INITIALIZER, "Initializer", "initializer", None, "zoho/sdk.py"),
    Internal(_INITIALIZER, "Initializer", "get_initializer", (), "zoho/sdk.py"),
    Internal(
        _INITIALIZER,
        "Initializer",
        "switch_user",
        ("environment=None", "token=None", "sdk_config=None", "proxy=None"),
        "zoho/sdk.py builds the same thread-local state (`switched`)",
    ),
    Internal(_UTILITY, "Utility", "lock", None, "zoho/field_cache.py"),
    Internal(_UTILITY, "Utility", "force_refresh", None, "zoho/field_cache.py"),
    Internal(_UTILITY, "Utility", "get_modified_modules", None, "zoho/field_cache.py"),
    Internal(_UTILITY, "Utility", "new_file", None, "zoho/field_cache.py"),
    Internal(_UTILITY, "Utility", "get_file_name", (), "zoho/field_cache.py"),
    Internal(_UTILITY, "Utility", "fill_data_type", (), "zoho/field_cache.py"),
    Internal(
        _UTILITY,
        "Utility",
        "verify_module_api_name",
        ("module_api_name",),
        "zoho/field_cache.py",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "set_handler_api_path",
        ("module_api_name", "handler_instance"),
        "zoho/field_cache.py",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "get_fields_details",
        ("module_api_name",),
        "zoho/field_cache.py",
    ),
)

# (id of the owner, name) -> the SDK's own attribute, kept by `replace()`.
_originals: dict[tuple[int, str], object] = {}


def replace(owner: object, name: str, new: object) -> None:
    """Set `owner.name = new`, keeping the SDK's own value for the check (idempotent)."""
    key = (id(owner), name)
    if key not in _originals:
        _originals[key] = inspect.getattr_static(owner, name)
    setattr(owner, name, new)


def installed_version() -> str | None:
    try:
        return importlib.metadata.version(SDK_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_problem() -> str | None:
    """Why the installed SDK release is not the expected one, or None."""
    version = installed_version()
    if version == EXPECTED_VERSION:
        return None
    found = (
        f"{SDK_DISTRIBUTION} {version} is installed"
        if version
        else (f"{SDK_DISTRIBUTION} is not installed")
    )
    return (
        f"{found}, but the portal replaces SDK internals written for "
        f"{SDK_DISTRIBUTION} {EXPECTED_VERSION}."
    )


def _owner_of(internal: Internal) -> object:
    module = importlib.import_module(internal.module)
    return getattr(module, internal.owner) if internal.owner else module


def _parameters(value: object) -> tuple[str, ...] | None:
    if isinstance(value, staticmethod | classmethod):
        value = value.__func__
    try:
        return tuple(str(p) for p in inspect.signature(value).parameters.values())
    except (TypeError, ValueError):
        return None


def internal_problems(internals: tuple[Internal, ...] = REPLACED + RELIED_ON) -> list[str]:
    """One line per internal that is missing or has another signature than expected."""
    problems = []
    for internal in internals:
        try:
            owner = _owner_of(internal)
        except (ImportError, AttributeError) as error:
            problems.append(f"{internal.label} cannot be imported ({error}); {internal.why}.")
            continue
        original = _originals.get((id(owner), internal.name))
        if original is None:
            try:
                original = inspect.getattr_static(owner, internal.name)
            except AttributeError:
                problems.append(f"{internal.label} no longer exists; {internal.why}.")
                continue
        if internal.parameters is None:
            continue
        if isinstance(original, staticmethod | classmethod):
            found = _parameters(original)
        else:
            # A plain function on a class is called on instances: drop `self`.
            found = _parameters(original)
            if found and internal.owner and inspect.isfunction(original):
                found = found[1:]
        if found != internal.parameters:
            problems.append(
                f"{internal.label} now takes ({', '.join(found or ('?',))}), not "
                f"({', '.join(internal.parameters)}); {internal.why}."
            )
    return problems


def problems() -> list[str]:
    """Everything that makes the installed SDK unsafe for the portal's replacements."""
    version = version_problem()
    return ([version] if version else []) + internal_problems()


HINT = (
    f"Install the release the portal was written for (pip install -r requirements.txt: "
    f'{SDK_DISTRIBUTION}=={EXPECTED_VERSION}), or follow README "Upgrading the Zoho SDK".'
)


def require_compatible() -> None:
    """Raise ImproperlyConfigured naming every problem (start-up, before any replacement)."""
    found = problems()
    if found:
        raise ImproperlyConfigured(
            "The installed Zoho SDK is not the one this portal was written for: "
            + " ".join(found)
            + " "
            + HINT
        )


_checked = False


def require_compatible_once() -> None:
    """`require_compatible()`, once per process when it passes (cheap on every later call)."""
    global _checked
    if not _checked:
        require_compatible()
        _checked = True


# --- the checks -------------------------------------------------------------------------------
def check_sdk(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The SDK internals the portal replaces are those it was written for: `manage.py
    check`, `migrate` and `runserver` stop here, gunicorn in zohoportal/wsgi.py."""
    messages: list[checks.CheckMessage] = []
    version = version_problem()
    if version:
        messages.append(checks.Error(version, hint=HINT, id="zohoportal.E201"))
    messages.extend(
        checks.Error(problem, hint=HINT, id="zohoportal.E202") for problem in internal_problems()
    )
    return messages


# --- the patches ------------------------------------------------------------------------------
_applied = False
_apply_lock = threading.Lock()


def apply() -> None:
    """Install every replacement (idempotent, thread-safe); ImproperlyConfigured, with
    nothing replaced, when the installed SDK is not the expected one."""
    global _applied
    require_compatible_once()  # before replacing anything in the SDK (cheap once it passed)
    if _applied:
        return
    with _apply_lock:
        if _applied:
            return
        _patch_transport()
        _patch_field_cache()
        _applied = True


def apply_if_compatible() -> bool:
    """`apply()` at start-up when the SDK fits; else nothing (the checks say why)."""
    if problems():
        return False
    apply()
    return True


def _patch_transport() -> None:
    """Route the SDK's HTTP through `zoho.transport.request`."""
    from zohocrmsdk.src.com.zoho.api.authenticator import oauth_token
    from zohocrmsdk.src.com.zoho.crm.api.util import api_http_connector

    from zoho import transport

    replace(oauth_token, "requests", transport.sdk_requests)
    replace(api_http_connector, "requests", transport.sdk_requests)


def _patch_field_cache() -> None:
    """Route the SDK's field-metadata reads and writes through `zoho.field_cache`."""
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
    from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

    from zoho import field_cache, field_fetch

    sdk_get_fields = Utility.get_fields
    sdk_get_fields_info = Utility.get_fields_info

    def get_fields(module_api_name, handler_instance=None):
        return field_fetch.get_fields(
            Utility, Initializer, sdk_get_fields, module_api_name, handler_instance
        )

    def get_fields_info(module_api_name, handler_instance=None):
        return field_fetch.get_fields_info(sdk_get_fields_info, module_api_name, handler_instance)

    replace(Initializer, "get_json", staticmethod(field_cache.get_json))
    replace(Utility, "write_to_file", staticmethod(field_cache.write_to_file))
    replace(Utility, "get_fields", staticmethod(get_fields))
    replace(Utility, "get_fields_info", staticmethod(get_fields_info))
