"""A request id on every response and on every log line written while serving it.

`RequestIdMiddleware` (first in MIDDLEWARE) takes a sane incoming `X-Request-ID` (from the
proxy or the load balancer: letters, digits and `._:-`, at most 128 characters), else makes
one, keeps it in a context variable for the duration of the request and echoes it in the
response. `RequestIdFilter`, on the log handlers, writes it into every record as
`request_id` ("-" outside a request: commands, start-up). Django logs a 4xx or 5xx answer
(`django.request`) after the middleware has returned, so the filter also reads the id from
the record's `request`, which the middleware marked.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

current_request_id: ContextVar[str | None] = ContextVar("zohoportal_request_id", default=None)


def request_id_from(incoming: str | None) -> str:
    """The incoming id when it is sane, else a new random one (32 hex digits)."""
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get(_META_KEY))
        request.request_id = request_id
        marker = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(marker)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id`; put it on handlers, so propagated records get it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (
                current_request_id.get()
                or getattr(getattr(record, "request", None), "request_id", None)
                or "-"
            )
        return True
