"""The one decorator in front of every CRM page and API view.

It checks, in this order: the method (405, `Allow` listing the right ones; HEAD wherever
GET is), the signed-in user (the API answers 401; a page sends the visitor to the home page,
whose sign-in button brings them back here), and `request.zoho_connection` (403 with no
connection or one that needs re-consent). The view gets the connection; a `CrmError` it
raises becomes the error page or the JSON error, with the status `crm.errors` gives it.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render

from accounts import selectors

from .errors import CrmError, with_head


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
                    raise CrmError(
                        405, "METHOD_NOT_ALLOWED", f"Use {', '.join(allowed)} on this URL."
                    )
                if not request.user.is_authenticated:
                    if not api:
                        messages.info(request, "Sign in with Zoho to see your CRM records.")
                        return redirect(f"/?{urlencode({'next': request.get_full_path()})}")
                    raise CrmError(401, "NOT_SIGNED_IN", "Sign in with Zoho first.")
                connection = selectors.connection_of(request)
                if connection is None:
                    raise CrmError(
                        403, "NO_CONNECTION", "Connect a Zoho org first: sign in with Zoho."
                    )
                if not connection.is_active:
                    raise CrmError(
                        403,
                        "NEEDS_RECONSENT",
                        "This connection needs re-consent: Zoho no longer accepts its grant. "
                        "Sign in with Zoho again to reconnect.",
                    )
                return view(request, connection, *args, **kwargs)
            except CrmError as error:
                return error_response(request, error, api=api, allowed=allowed)

        return wrapper

    return decorate


def error_response(request, error: CrmError, *, api: bool, allowed: list[str] | None = None):
    if not api:
        return render(request, "records/error.html", {"error": error}, status=error.status)
    response = JsonResponse(error.as_json(), status=error.status)
    if error.status == 405 and allowed:
        response["Allow"] = ", ".join(allowed)
    return response
