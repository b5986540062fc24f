"""The one decorator in front of every CRM page and API view.

It checks, in this order: the method (405, `Allow` listing the right ones; HEAD wherever
GET is), the signed-in user (the API answers 401; a page sends the visitor to the home page,
whose sign-in button brings them back here), and `request.zoho_connection` (403 with no
connection or one that needs re-consent). The view gets the connection; a `CrmError` it
raises becomes the error page or the JSON error, with the status `HTTP_STATUS` gives its
code: the one table of error code → HTTP status (services raise codes, never statuses).
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render

from accounts import selectors
from crm.errors import CrmError, with_head


def connection_required(methods: list[str], *, api: bool = False):
    """Signed-in CRM views with an active connection: `view(request, connection, ...)`."""
    allowed = with_head(methods)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in allowed:
                    if not api:
                        return HttpResponseNotAllowed(allowed)
                    raise CrmError("METHOD_NOT_ALLOWED", f"Use {', '.join(allowed)} on this URL.")
                if not request.user.is_authenticated:
                    if not api:
                        messages.info(request, "Sign in with Zoho to see your CRM records.")
                        return redirect(f"/?{urlencode({'next': request.get_full_path()})}")
                    raise CrmError("NOT_SIGNED_IN", "Sign in with Zoho first.")
                connection = selectors.connection_of(request)
                if connection is None:
                    raise CrmError("NO_CONNECTION", "Connect a Zoho org first: sign in with Zoho.")
                if not connection.is_active:
                    raise CrmError(
                        "NEEDS_RECONSENT",
                        "This connection needs re-consent: Zoho no longer accepts its grant. "
                        "Sign in with Zoho again to reconnect.",
                    )
                return view(request, connection, *args, **kwargs)
            except CrmError as error:
                return error_response(request, error, api=api, allowed=allowed)

        return wrapper

    return decorate


# Error code → HTTP status. Codes not listed are Zoho's own for data it refused
# (INVALID_DATA, MANDATORY_NOT_FOUND, LIMIT_EXCEEDED, …): 400, the request was at fault.
HTTP_STATUS = {
    "NOT_SIGNED_IN": 401,
    "NO_CONNECTION": 403,  # signed in, but no Zoho org connected
    "NEEDS_RECONSENT": 403,  # the grant is gone or lacks a scope: signing in again fixes it
    "NO_PERMISSION": 403,  # the user's Zoho profile forbids it: signing in again does not
    "FEATURE_NOT_SUPPORTED": 403,  # the org's Zoho edition lacks it
    "CSRF_FAILED": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "DUPLICATE_DATA": 409,
    "RECORD_LOCKED": 409,  # locked in Zoho: no change until it is unlocked there
    "NOT_APPROVED": 409,  # awaiting approval in Zoho
    "NOT_EDITABLE": 409,  # Zoho marks the record not editable ($editable: false)
    "IN_PROGRESS": 409,  # the same Idempotency-Key is still being carried out
    "LENGTH_REQUIRED": 411,  # a chunked body the server cannot end for the portal
    "TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "THROTTLED": 429,
    "INTERNAL_ERROR": 500,
    "ZOHO_ERROR": 502,
    "ZOHO_TIMEOUT": 504,
}


def status_for(error: CrmError) -> int:
    """The HTTP status the portal answers `error` with."""
    return HTTP_STATUS.get(error.code, 400)


def error_json(error: CrmError, **kwargs) -> JsonResponse:
    return JsonResponse(error.as_json(), status=status_for(error), **kwargs)


def error_response(request, error: CrmError, *, api: bool, allowed: list[str] | None = None):
    status = status_for(error)
    if not api:
        response = render(
            request, "records/error.html", {"error": error, "status": status}, status=status
        )
    else:
        response = error_json(error)
    if status == 405 and allowed and api:
        response["Allow"] = ", ".join(allowed)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response
