"""The emulator's URL layout, in one place: data centers, accounts servers, API domains.

Real Zoho gives every data center its own hosts (``accounts.zoho.eu``, ``www.zohoapis.eu``);
the emulator serves them all from one origin, one path prefix per data center:

- accounts server ``{base}/accounts/<dc>`` (authorize, token, revoke below it)
- API domain ``{base}/api/<dc>`` (the CRM API at ``{api_domain}/crm/v8/...``)

Adding a data center is one entry in ``DCS``.
"""

from __future__ import annotations

import re

# Every data center the emulator answers for, in Zoho's multi-DC order. ``uk`` is the newest
# (Zoho's "Multi DC support" page lists accounts.zoho.uk beside the older eight).
DCS: tuple[str, ...] = ("us", "eu", "in", "au", "jp", "ca", "sa", "uk", "cn")

API_VERSION_PREFIX = "/crm/v8"

ACCOUNTS_PATH_RE = re.compile(r"^/accounts/([a-z]{2})(/.*)?$")
API_PATH_RE = re.compile(r"^/api/([a-z]{2})(/.*)?$")
CONTROL_PREFIX = "/_emulator"


def accounts_server(base: str, dc: str) -> str:
    """What the SDK and the callback's ``accounts-server`` call the accounts server."""
    return f"{base}/accounts/{dc}"


def auth_url(base: str, dc: str) -> str:
    return f"{accounts_server(base, dc)}/oauth/v2/auth"


def token_url(base: str, dc: str) -> str:
    """The SDK's ``accounts_url`` (``DataCenter.Environment(url, accounts_url, ...)``)."""
    return f"{accounts_server(base, dc)}/oauth/v2/token"


def revoke_url(base: str, dc: str) -> str:
    return f"{token_url(base, dc)}/revoke"


def api_domain(base: str, dc: str) -> str:
    """The token response's ``api_domain``."""
    return f"{base}/api/{dc}"


def crm_url(base: str, dc: str, path: str = "") -> str:
    """``{api_domain}/crm/v8/<path>``."""
    return f"{api_domain(base, dc)}{API_VERSION_PREFIX}/{path.lstrip('/')}"
