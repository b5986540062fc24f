"""Every HTTP call to Zoho goes through here: timeouts always, pooled connections by default.

The SDK calls the module-level `requests.get/post/put/patch/delete`, so each CRM call opens
a new TCP (and TLS) connection and only GET gets a timeout. `zoho.sdk_patches` gives
the SDK's two HTTP-calling modules a stand-in for the `requests` module whose functions go
through one pooled `requests.Session` per thread with a timeout on every method. The
installed SDK's files are not edited; `ZOHO_HTTP_KEEPALIVE=false` keeps the timeouts and
drops the pooling.
"""

from __future__ import annotations

import threading
import time
import types
import urllib.request
from typing import Any

import requests
from django.conf import settings

from core import metrics
from core.text import json_without_lone_surrogates
from zoho import credits as api_credits

_local = threading.local()


def session() -> requests.Session:
    """This thread's pooled session (one per thread: `requests.Session` is not thread-safe).

    Without proxy variables in the environment (`HTTPS_PROXY` and the like) the session does
    not consult the environment at all: `requests` otherwise re-reads and parses it (and
    looks for a netrc file) on every call, about 0.8 ms of CPU. With them it does, as usual,
    so `NO_PROXY` keeps working.
    """
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.trust_env = bool(urllib.request.getproxies())
        _local.session = current
    return current


def timeout() -> tuple[float, float]:
    seconds = float(settings.ZOHO_HTTP_TIMEOUT)
    return (min(seconds, 5.0), seconds)


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """`requests.request` with the portal's timeout and, if enabled, connection reuse."""
    kwargs.setdefault("timeout", timeout())
    if kwargs["timeout"] is None:  # the SDK passes timeout=None when none is configured
        kwargs["timeout"] = timeout()
    started = time.monotonic()
    try:
        if getattr(settings, "ZOHO_HTTP_KEEPALIVE", True):
            response = session().request(method, url, **kwargs)
        else:
            response = requests.request(method, url, **kwargs)  # noqa: S113 - timeout set above
    except requests.Timeout:
        metrics.zoho_call_observe("timeout", time.monotonic() - started)
        raise
    except requests.RequestException:
        metrics.zoho_call_observe("error", time.monotonic() - started)
        raise
    metrics.zoho_call_observe(str(response.status_code), time.monotonic() - started)
    api_credits.spent(method, url, kwargs.get("data", kwargs.get("json")), response.status_code)
    # A value stored at Zoho with a lone surrogate ("x\ud800") must not fail every page
    # that shows it: it arrives with U+FFFD in its place.
    cleaned = json_without_lone_surrogates(response.content)
    if cleaned is not None:
        response._content = cleaned
        response.encoding = "utf-8"
    return response


def _bound(method: str):
    def call(url: str, **kwargs: Any) -> requests.Response:
        return request(method, url, **kwargs)

    call.__name__ = method.lower()
    return call


# A stand-in for the `requests` module as the SDK uses it: the HTTP verbs plus everything
# else (exceptions, etc.) from the real module.
sdk_requests = types.SimpleNamespace(
    **{name: getattr(requests, name) for name in dir(requests) if not name.startswith("__")}
)
for _method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    setattr(sdk_requests, _method.lower(), _bound(_method))
