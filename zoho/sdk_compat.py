"""The Zoho SDK internals the portal replaces or relies on, and the check that they are still
what the portal was written for.

The portal never edits the installed SDK, but it swaps some of its internals at run time
(`zoho/transport.py`: the `requests` module of the SDK's two HTTP-calling modules;
`zoho/field_cache.py`: four static methods of `Initializer` and `Utility`) and builds
the SDK's thread-local state itself (`zoho/sdk.py`, as `Initializer.switch_user`
does). Written against one SDK release (`EXPECTED_VERSION`, pinned in requirements.txt), that
is safe only on that release: another one may rename, re-sign or stop calling what is
replaced. `problems()` says what differs; `core/checks.py` turns it into errors of
`manage.py check` (and `migrate`, `runserver`), `zohoportal/wsgi.py` stops gunicorn with them,
and `zoho_sdk.ensure_initialized()` refuses to install anything on a mismatch.

Every replacement goes through `replace()`, which keeps the SDK's own attribute so that the
check still sees the SDK's signature after the portal's stand-in took its place.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from dataclasses import dataclass

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
        "zoho/field_cache.py reads known modules without the SDK's global lock",
    ),
    Internal(
        _UTILITY,
        "Utility",
        "get_fields_info",
        ("module_api_name", "handler_instance=None"),
        "zoho/field_cache.py fetches related modules' fields outside the lock",
    ),
)

# What the portal reads, calls or sets without replacing it.
RELIED_ON = (
    Internal(_INITIALIZER, "Initializer", "LOCAL", None, "zoho/sdk.py, middleware.py"),
    Internal(_INITIALIZER, "Initializer", "initializer", None, "zoho/sdk.py"),
    Internal(_INITIALIZER, "Initializer", "get_initializer", (), "accounts/token_store.py"),
    Internal(
        _INITIALIZER,
        "Initializer",
        "switch_user",
        ("environment=None", "token=None", "sdk_config=None", "proxy=None"),
        "zoho/sdk.py builds the same thread-local state (`_switched`)",
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
