"""Defence in depth: no request leaves the Zoho SDK's thread-local behind."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer


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
