"""The one decorator in front of every CRM page and API view.

It checks, in this order: the method (405, `Allow` listing the right ones; HEAD wherever
GET is), the signed-in user (the API answers 401; a page sends the visitor to the home page,
whose sign-in button brings them back here), and `request.zoho_connection` (403 with no
connection or one that needs re-consent). The view gets the connection; a `AppError` it
raises becomes the error page or the JSON error, with the status `core.errors.status_for`
gives its code: the one table of error code → HTTP status (services raise codes, never
statuses).
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from accounts import selectors
from core.api import error_json
from core.errors import AppError, ErrorCode, status_for
from crm import numbers, user_formats
from crm.presenters import error_advice


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
                    raise AppError(
                        ErrorCode.METHOD_NOT_ALLOWED, f"Use {', '.join(allowed)} on this URL."
                    )
                if not request.user.is_authenticated:
                    if not api:
                        messages.info(request, "Sign in with Zoho to see your CRM records.")
                        return redirect(f"/?{urlencode({'next': request.get_full_path()})}")
                    raise AppError(ErrorCode.NOT_SIGNED_IN, "Sign in with Zoho first.")
                connection = selectors.connection_of(request)
                if connection is None:
                    raise AppError(
                        ErrorCode.NO_CONNECTION, "Connect a Zoho org first: sign in with Zoho."
                    )
                if not connection.is_active:
                    raise AppError(
                        ErrorCode.NEEDS_RECONSENT,
                        "This connection needs re-consent: Zoho no longer accepts its grant. "
                        "Sign in with Zoho again to reconnect.",
                    )
                if api:  # the JSON API keeps Zoho's own formats
                    return view(request, connection, *args, **kwargs)
                with numbers.using(user_formats.lazy_formats(connection)):
                    return view(request, connection, *args, **kwargs)
            except AppError as error:
                return error_response(request, error, api=api, allowed=allowed)

        return wrapper

    return decorate


def error_response(request, error: AppError, *, api: bool, allowed: list[str] | None = None):
    status = status_for(error)
    if not api:
        context = {"error": error, "status": status, "advice": error_advice(error)}
        response = render(request, "records/error.html", context, status=status)
    else:
        response = error_json(error)
    if error.code == ErrorCode.METHOD_NOT_ALLOWED and allowed and api:
        response["Allow"] = ", ".join(allowed)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def with_head(methods: list[str]) -> list[str]:
    """`methods` plus HEAD after GET: a HEAD is a GET without the body (RFC 9110 9.3.2)."""
    if "GET" not in methods or "HEAD" in methods:
        return list(methods)
    index = methods.index("GET") + 1
    return [*methods[:index], "HEAD", *methods[index:]]


def page_view(methods: list[str]):
    """A signed-in page with an active connection (`connection_required`)."""
    return connection_required(methods)
