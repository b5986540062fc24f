"""Response headers Django's SecurityMiddleware does not set: the Content-Security-Policy, and
`Cache-Control: no-store` on whatever is shown to a signed-in user."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from core.api import API_PREFIX


class ContentSecurityPolicyMiddleware:
    """Adds `settings.CONTENT_SECURITY_POLICY` to every response that has none of its own.

    A view may set its own, stricter header; an empty setting sends none.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and `private`) on every response to a signed-in user and on
    the JSON API, so neither a shared proxy nor the browser's history keeps CRM data.

    Static files (WhiteNoise answers before this) keep their far-future caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(API_PREFIX):
            add_never_cache_headers(response)
        return response
