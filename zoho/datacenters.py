"""The one table of Zoho data centers: key -> accounts server, API domain.

Everything that needs a Zoho URL builds it from a data-center key (`"eu"`) through this
module; no other module holds a Zoho host name. The table is Zoho's multi-DC list (UK
included) plus whatever an operator adds with `ZOHO_EXTRA_DATA_CENTERS` (Zoho adds data
centers over time: SA, CA and UK are recent), limited to `ZOHO_DATA_CENTERS` when that is
set (a deployment for China, a separate Zoho, allows only `cn`). With `ZOHO_EMULATOR_URL`
set, every data center maps to the bundled emulator's URLs for it instead of Zoho's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# key: (label, accounts server, API domain), from Zoho's multi-DC documentation
# ("Multi DC support" in the OAuth docs; the API domain follows Zoho's pattern).
ZOHO_DATA_CENTERS: dict[str, tuple[str, str, str]] = {
    "us": ("United States", "https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("Europe", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("India", "https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("Australia", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("Japan", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": ("Canada", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("Saudi Arabia", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "uk": ("United Kingdom", "https://accounts.zoho.uk", "https://www.zohoapis.uk"),
    "cn": ("China", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
}
KEY_MAX_LENGTH = 8  # the models' data_center column


class UnknownDataCenter(ValueError):
    """A data-center key that is not in the table."""


@dataclass(frozen=True)
class DataCenter:
    key: str
    label: str
    accounts_server: str  # e.g. https://accounts.zoho.eu (exactly as Zoho sends `accounts-server`)
    api_domain: str  # e.g. https://www.zohoapis.eu

    @property
    def authorize_url(self) -> str:
        return f"{self.accounts_server}/oauth/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.accounts_server}/oauth/v2/token"

    @property
    def revoke_url(self) -> str:
        return f"{self.accounts_server}/oauth/v2/token/revoke"


def _table() -> dict[str, tuple[str, str, str]]:
    """Zoho's data centers plus the operator's, limited to the allowed ones."""
    table = {**ZOHO_DATA_CENTERS, **getattr(settings, "ZOHO_EXTRA_DATA_CENTERS", {})}
    allowed = getattr(settings, "ZOHO_DATA_CENTERS", None)
    if allowed:
        table = {key: value for key, value in table.items() if key in allowed}
    return table


def keys() -> tuple[str, ...]:
    return tuple(_table())


def choices() -> list[tuple[str, str]]:
    """Model and form choices: every known data center (stored rows stay readable even
    when a deployment later narrows ZOHO_DATA_CENTERS)."""
    table = {**ZOHO_DATA_CENTERS, **getattr(settings, "ZOHO_EXTRA_DATA_CENTERS", {})}
    return [(key, f"{key.upper()} ({label})") for key, (label, *_) in table.items()]


def sign_in_data_center() -> DataCenter:
    """Where sign-in starts: Zoho's multi-DC sign-in always starts at the US accounts
    server; a deployment for China (a separate Zoho) starts at its own (ZOHO_SIGN_IN_DC)."""
    return get(getattr(settings, "ZOHO_SIGN_IN_DC", "us"))


def get(key: str) -> DataCenter:
    """The data center for `key`, pointing at the emulator when ZOHO_EMULATOR_URL is set."""
    try:
        label, accounts_server, api_domain = _table()[key]
    except (KeyError, TypeError):
        raise UnknownDataCenter(key) from None
    emulator = settings.ZOHO_EMULATOR_URL
    if emulator:
        accounts_server = f"{emulator}/accounts/{key}"
        api_domain = f"{emulator}/api/{key}"
    return DataCenter(key=key, label=label, accounts_server=accounts_server, api_domain=api_domain)


def all_data_centers() -> list[DataCenter]:
    return [get(key) for key in keys()]


def for_callback(location: str | None, accounts_server: str | None) -> DataCenter:
    """The data center a sign-in callback names, or UnknownDataCenter.

    The mix-up defence: `location` must be a known key and `accounts-server` must equal, by
    exact string comparison, the accounts server this table gives for that key.
    """
    if not isinstance(location, str) or location not in _table():
        raise UnknownDataCenter(location)
    data_center = get(location)
    if accounts_server != data_center.accounts_server:
        raise UnknownDataCenter(location)
    return data_center


def for_api_domain(url: str | None) -> DataCenter | None:
    """The data center whose API domain is exactly `url`, if any."""
    for data_center in all_data_centers():
        if data_center.api_domain == url:
            return data_center
    return None


def client_secret_for(key: str) -> str:
    """The client secret for a data center: its own from ZOHO_CLIENT_SECRETS (the API
    console's Multi-DC settings give each enabled data center its own secret unless "use
    the same OAuth credentials for all data centers" is chosen), else ZOHO_CLIENT_SECRET."""
    return getattr(settings, "ZOHO_CLIENT_SECRETS", {}).get(key) or settings.ZOHO_CLIENT_SECRET


def check_configuration() -> None:
    """Refuse start-up on settings that name data centers the table does not have."""
    known = {**ZOHO_DATA_CENTERS, **getattr(settings, "ZOHO_EXTRA_DATA_CENTERS", {})}
    allowed = getattr(settings, "ZOHO_DATA_CENTERS", None) or list(known)
    for name, named in (
        ("ZOHO_DATA_CENTERS", allowed),
        ("ZOHO_CLIENT_SECRETS", list(getattr(settings, "ZOHO_CLIENT_SECRETS", {}))),
        ("ZOHO_SIGN_IN_DC", [getattr(settings, "ZOHO_SIGN_IN_DC", "us")]),
    ):
        unknown = sorted(set(named) - set(known))
        if unknown:
            raise ImproperlyConfigured(
                f"{name} names unknown data center(s) {', '.join(unknown)}; known: "
                f"{', '.join(known)} (add one with ZOHO_EXTRA_DATA_CENTERS)."
            )
    sign_in = getattr(settings, "ZOHO_SIGN_IN_DC", "us")
    if sign_in not in allowed:
        raise ImproperlyConfigured(
            f"ZOHO_SIGN_IN_DC ({sign_in}) is not one of ZOHO_DATA_CENTERS ({', '.join(allowed)})."
        )
