"""Per-request Zoho state: the active connection, and no SDK thread-local left behind."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from accounts import selectors
from zoho import sdk as zoho_sdk


class ClearZohoSDKStateMiddleware:
    """Clears the SDK's thread-local state before and after every request.

    `zoho.sdk.switched` already clears it on the way out; this makes a pooled
    worker thread start each request clean even if some code path forgot to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zoho_sdk.clear_thread_state()
        try:
            return self.get_response(request)
        finally:
            zoho_sdk.clear_thread_state()


class ZohoConnectionMiddleware:
    """Sets `request.zoho_connection`, lazily, as `AuthenticationMiddleware` sets
    `request.user`: the session's active connection (or None), looked up once, on first
    use, by whatever needs it first (a view, the template context).

    The signed-in user and their active connection come from one query when the session
    names both (`selectors.load_user_and_connection`): a warm request costs that query and
    the session read, which the cache usually answers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(lambda: selectors.user_of(request))
        request.zoho_connection = SimpleLazyObject(lambda: selectors.connection_of(request))
        return self.get_response(request)
