"""The admin's list filters and search refuse a NUL character with a clear 400.

Django's admin turns any `?field=value` of a changelist into a database filter and `?q=`
into a search. PostgreSQL cannot hold NUL (U+0000) in text, so psycopg2 refuses such a
query ("A string literal cannot contain NUL (0x00) characters") and every `%00` in a filter
or a search was a 500. No user name, e-mail or other value the admin filters on can contain
NUL, so a query string holding one is answered here, before any view runs, on every admin
page (the portal's own and Django's: users, groups).
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.html import escape

MESSAGE = (
    "This address holds a NUL character (%00) in its filters or search, which no stored "
    "value can contain. Remove it and try again."
)


class AdminQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("admin:index")) and _has_nul(request.GET):
            return HttpResponseBadRequest(
                f"<!doctype html><title>Bad request</title><h1>Bad request</h1>"
                f'<p>{escape(MESSAGE)}</p><p><a href="{escape(request.path)}">Without '
                "filters</a></p>",
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())
