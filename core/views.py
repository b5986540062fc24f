"""Project-level views: the answers Django gives before any view runs.

Errors under `/crm/api/` are JSON (`static/js/app.js` shows their message); everywhere
else they are Django's own pages.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseServerError
from django.views import csrf, defaults

from core.api import API_PREFIX, MAX_BODY, error_json
from core.errors import AppError, ErrorCode

logger = logging.getLogger("zohoportal")


def bad_request(request: HttpRequest, exception=None):
    """handler400: a JSON answer under the API, Django's own page everywhere else.

    Django answers here before any view runs, e.g. when the CSRF check reads a
    form-encoded body over DATA_UPLOAD_MAX_MEMORY_SIZE (413 then, as the view would).
    """
    if not request.path_info.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        error = AppError(
            ErrorCode.TOO_LARGE, f"The request body is too large: at most {MAX_BODY:,} bytes."
        )
    else:
        error = AppError(ErrorCode.BAD_REQUEST, "The request could not be read.")
    return error_json(error)


PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>The portal failed to answer</title></head><body><main><h1>The portal failed to "
    "answer</h1><p>Something went wrong inside the portal while answering this request. Try "
    "again in a moment; if you were saving a record, open it first to check whether the change "
    'was made.</p><p><a href="/">Back to the home page</a></p></main></body></html>'
)


def server_error(request: HttpRequest):
    """handler500: a JSON answer under the API (app.js shows its message), no details; the
    portal's own 500 page elsewhere, and a plain one if even that cannot be made (a
    missing static file, a broken template): a 500 page must never fail itself."""
    if not request.path_info.startswith(API_PREFIX):
        try:
            return defaults.server_error(request)
        except Exception:  # noqa: BLE001 - the last answer there is
            logger.exception("the 500 page itself failed")
            return HttpResponseServerError(PLAIN_500)
    error = AppError(
        ErrorCode.INTERNAL_ERROR, "The portal failed to answer this request. Please try again."
    )
    return error_json(error)


def csrf_failure(request: HttpRequest, reason: str = ""):
    """CSRF_FAILURE_VIEW: a JSON 403 for the API, Django's own page everywhere else."""
    if not request.path_info.startswith(API_PREFIX):
        return csrf.csrf_failure(request, reason=reason)
    error = AppError(
        ErrorCode.CSRF_FAILED,
        "The request has no valid CSRF token: send the csrftoken cookie's value in the "
        "X-CSRFToken header. Reload the page and try again.",
    )
    return error_json(error)
