"""Error reports (the DEBUG page and the admins' e-mail) without OAuth query parameters.

Django filters POST parameters and settings, but shows the query string as is: in the GET
section, in META's QUERY_STRING and in the request URL. The sign-in callback's query holds
the authorization `code` and the `state`; these classes blank them (and any parameter whose
name looks like a secret) everywhere the report shows the query.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.views import debug

HIDDEN_QUERY_PARAMETERS = frozenset({"code", "state", "refresh_token", "access_token"})


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    def is_hidden_query_parameter(self, name: str) -> bool:
        return name.lower() in HIDDEN_QUERY_PARAMETERS or bool(self.hidden_settings.search(name))

    def get_safe_query_items(self, request) -> list[tuple[str, str]]:
        return [
            (name, self.cleansed_substitute if self.is_hidden_query_parameter(name) else value)
            for name, value in request.GET.items()
        ]

    def get_safe_query_string(self, request) -> str:
        return urlencode(self.get_safe_query_items(request), safe="*")

    def cleanse_special_types(self, request, value):
        # A frame's `request` shows its full path in its repr; the request's GET in a frame
        # shows every parameter.
        if isinstance(value, HttpRequest):
            query = self.get_safe_query_string(value)
            path = f"{value.path}?{query}" if query else value.path
            return f"<{type(value).__name__}: {value.method} {path!r}>"
        if isinstance(value, QueryDict):
            value = value.copy()
            for name in list(value):
                if self.is_hidden_query_parameter(name):
                    value.setlist(name, [self.cleansed_substitute])
        return super().cleanse_special_types(request, value)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        raw_query = request.META.get("QUERY_STRING", "") if request is not None else ""
        if raw_query:
            safe_query = self.get_safe_query_string(request)
            # QUERY_STRING, and the servers' own copies of the URL (gunicorn's RAW_URI...).
            for name, value in meta.items():
                if isinstance(value, str) and raw_query in value:
                    meta[name] = value.replace(raw_query, safe_query)
        return meta


class ExceptionReporter(debug.ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and isinstance(self.filter, SafeExceptionReporterFilter):
            data["request_GET_items"] = self.filter.get_safe_query_items(self.request)
            query = self.filter.get_safe_query_string(self.request)
            data["request_insecure_uri"] = "{scheme}://{host}{path}{query}".format(
                scheme=self.request.scheme,
                host=self.request._get_raw_host(),
                path=self.request.path,
                query=f"?{query}" if query else "",
            )
        return data
