"""The one table of Zoho data centers: key -> accounts server, API domain.

Everything that needs a Zoho URL builds it from a data-center key (`"eu"`) through this
module; no other module holds a Zoho host name. With `ZOHO_EMULATOR_URL` set, every data
center maps to the bundled emulator's URLs for that data center instead of Zoho's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# key: (label, accounts server, API domain), from Zoho's multi-DC documentation.
_ZOHO = {
    "us": ("United States", "https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("Europe", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("India", "https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("Australia", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("Japan", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": ("Canada", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("Saudi Arabia", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "cn": ("China", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
}

KEYS: tuple[str, ...] = tuple(_ZOHO)
CHOICES: list[tuple[str, str]] = [
    (key, f"{key.upper()} ({label})") for key, (label, *_) in _ZOHO.items()
]

# Zoho's multi-DC sign-in always starts at the US accounts server.
SIGN_IN_DC = "us"


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


def get(key: str) -> DataCenter:
    """The data center for `key`, pointing at the emulator when ZOHO_EMULATOR_URL is set."""
    try:
        label, accounts_server, api_domain = _ZOHO[key]
    except (KeyError, TypeError):
        raise UnknownDataCenter(key) from None
    emulator = settings.ZOHO_EMULATOR_URL
    if emulator:
        accounts_server = f"{emulator}/accounts/{key}"
        api_domain = f"{emulator}/api/{key}"
    return DataCenter(key=key, label=label, accounts_server=accounts_server, api_domain=api_domain)


def all_data_centers() -> list[DataCenter]:
    return [get(key) for key in KEYS]


def for_callback(location: str | None, accounts_server: str | None) -> DataCenter:
    """The data center a sign-in callback names, or UnknownDataCenter.

    The mix-up defence: `location` must be a known key and `accounts-server` must equal, by
    exact string comparison, the accounts server this table gives for that key.
    """
    if not location or location not in _ZOHO:
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
