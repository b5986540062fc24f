"""Per-request Zoho state: the active connection, and no SDK thread-local left behind."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

from . import selectors


class ClearZohoSDKStateMiddleware:
    """Clears `Initializer.LOCAL.init` before and after every request.

    `accounts.zoho_sdk.activated` already clears it on the way out; this makes a pooled
    worker thread start each request clean even if some code path forgot to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        Initializer.LOCAL.init = None
        try:
            return self.get_response(request)
        finally:
            Initializer.LOCAL.init = None


class ZohoConnectionMiddleware:
    """Sets `request.zoho_connection`, lazily, as `AuthenticationMiddleware` sets
    `request.user`: the session's active connection (or None), looked up once, on first
    use, by whatever needs it first (a view, the template context)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.zoho_connection = SimpleLazyObject(lambda: selectors.connection_of(request))
        return self.get_response(request)
