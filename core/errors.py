"""The portal's one error model: what went wrong has a code, and one table says its status.

Services raise `AppError(ErrorCode.X, message, field=..., **extras)`; they never pick an
HTTP status. Pages, the JSON API and sign-in alike answer with `status_for(error)`, read from
`HTTP_STATUS` below, so a code means the same status everywhere. Code tells errors apart:
never a message's text, never a status number.

Codes are the portal's own (NOT_SIGNED_IN, NEEDS_RECONSENT, ZOHO_TIMEOUT, …) and the ones
Zoho gives for bad data, passed on as Zoho named them (INVALID_DATA, MANDATORY_NOT_FOUND,
DUPLICATE_DATA, RECORD_LOCKED, …): a script that reads the JSON API sees Zoho's code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # the request itself
    BAD_REQUEST = "BAD_REQUEST"  # malformed: not JSON, a NUL in a query, …
    INVALID_DATA = "INVALID_DATA"  # a value the field does not take (Zoho's code too)
    MANDATORY_NOT_FOUND = "MANDATORY_NOT_FOUND"  # a required field is missing (Zoho's too)
    INVALID_MODULE = "INVALID_MODULE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    LENGTH_REQUIRED = "LENGTH_REQUIRED"  # a chunked body the server cannot end for the portal
    TOO_LARGE = "TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    CSRF_FAILED = "CSRF_FAILED"
    INVALID_JSON = "INVALID_JSON"  # a body that is not UTF-8 JSON
    INVALID_ID = "INVALID_ID"  # a record id that is not a number
    # Zoho's own codes for a request it refused, passed on as Zoho named them
    REQUIRED_PARAM_MISSING = "REQUIRED_PARAM_MISSING"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # more of something than Zoho takes at once
    INVALID_REQUEST = "INVALID_REQUEST"
    INVALID_QUERY = "INVALID_QUERY"
    DISCRETE_PAGINATION_LIMIT_EXCEEDED = "DISCRETE_PAGINATION_LIMIT_EXCEEDED"  # page past 2,000
    PAGINATION_LIMIT_EXCEEDED = "PAGINATION_LIMIT_EXCEEDED"  # past 100,000 records
    EXPIRED_VALUE = "EXPIRED_VALUE"  # a page_token older than a day
    # who asks
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    NO_CONNECTION = "NO_CONNECTION"  # signed in, but no Zoho org connected
    NEEDS_RECONSENT = "NEEDS_RECONSENT"  # the grant is gone or lacks a scope: sign in again
    NO_PERMISSION = "NO_PERMISSION"  # the user's Zoho profile forbids it: signing in won't help
    FEATURE_NOT_SUPPORTED = "FEATURE_NOT_SUPPORTED"  # the org's Zoho edition lacks it
    # sign-in
    SIGN_IN_EXPIRED = "SIGN_IN_EXPIRED"  # state missing, used, old or from another browser
    ACCESS_DENIED = "ACCESS_DENIED"  # the user declined Zoho's consent screen
    UNKNOWN_DATA_CENTER = "UNKNOWN_DATA_CENTER"  # a location/accounts-server not in our table
    WRONG_ZOHO_USER = "WRONG_ZOHO_USER"  # a token of another Zoho user than expected
    ALREADY_CONNECTED = "ALREADY_CONNECTED"  # that Zoho account belongs to another portal user
    ZOHO_REFUSED = "ZOHO_REFUSED"  # Zoho's sign-in service said no (bad client, bad code)
    SIGN_IN_CONFLICT = "SIGN_IN_CONFLICT"  # another sign-in of that account won the race
    TOKEN_UNREADABLE = "TOKEN_UNREADABLE"  # noqa: S105 - a stored token no key decrypts
    # the record
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE_DATA = "DUPLICATE_DATA"
    RECORD_LOCKED = "RECORD_LOCKED"  # locked in Zoho: no change until it is unlocked there
    NOT_APPROVED = "NOT_APPROVED"  # awaiting approval in Zoho
    NOT_EDITABLE = "NOT_EDITABLE"  # Zoho marks the record not editable ($editable: false)
    IN_PROGRESS = "IN_PROGRESS"  # the same Idempotency-Key is still being carried out
    ID_ALREADY_CONVERTED = "ID_ALREADY_CONVERTED"  # a lead converted before (Zoho's code)
    # Zoho or the portal cannot do it now
    THROTTLED = "THROTTLED"  # Zoho's credits or concurrency cap, or the portal's rate limit
    UNAVAILABLE = "UNAVAILABLE"  # a service the portal needs (database, cache) is down
    NOT_CONFIGURED = "NOT_CONFIGURED"  # the operator has not configured it (Zoho client)
    INTERNAL_ERROR = "INTERNAL_ERROR"
    ZOHO_ERROR = "ZOHO_ERROR"
    ZOHO_TIMEOUT = "ZOHO_TIMEOUT"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.INVALID_DATA: 400,
    ErrorCode.MANDATORY_NOT_FOUND: 400,
    ErrorCode.INVALID_MODULE: 400,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.LENGTH_REQUIRED: 411,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_ID: 400,
    ErrorCode.REQUIRED_PARAM_MISSING: 400,
    ErrorCode.LIMIT_EXCEEDED: 400,
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.INVALID_QUERY: 400,
    ErrorCode.DISCRETE_PAGINATION_LIMIT_EXCEEDED: 400,
    ErrorCode.PAGINATION_LIMIT_EXCEEDED: 400,
    ErrorCode.EXPIRED_VALUE: 400,
    ErrorCode.NOT_SIGNED_IN: 401,
    ErrorCode.NO_CONNECTION: 403,
    ErrorCode.NEEDS_RECONSENT: 403,
    ErrorCode.NO_PERMISSION: 403,
    ErrorCode.FEATURE_NOT_SUPPORTED: 403,
    ErrorCode.SIGN_IN_EXPIRED: 400,
    ErrorCode.ACCESS_DENIED: 403,
    ErrorCode.UNKNOWN_DATA_CENTER: 400,
    ErrorCode.WRONG_ZOHO_USER: 400,
    ErrorCode.ALREADY_CONNECTED: 409,
    ErrorCode.ZOHO_REFUSED: 502,
    ErrorCode.SIGN_IN_CONFLICT: 409,
    ErrorCode.TOKEN_UNREADABLE: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.DUPLICATE_DATA: 409,
    ErrorCode.RECORD_LOCKED: 409,
    ErrorCode.NOT_APPROVED: 409,
    ErrorCode.NOT_EDITABLE: 409,
    ErrorCode.IN_PROGRESS: 409,
    ErrorCode.ID_ALREADY_CONVERTED: 409,
    ErrorCode.THROTTLED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.NOT_CONFIGURED: 503,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.ZOHO_ERROR: 502,
    ErrorCode.ZOHO_TIMEOUT: 504,
}


class AppError(Exception):
    """Something the portal cannot do, safe to show and to serialise.

    `message` is for the person (never a token, never a stack); `field` names the field it
    is about, when there is one; `title` heads the error page; `extras` are further facts a
    client may act on (`retry_after` seconds, `reason`, `duplicate_of`, …), all JSON-safe.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        title: str | None = None,
        **extras: Any,
    ):
        self.code = ErrorCode(code)
        self.message = message
        self.field = field
        self.title = title
        self.extras = extras
        super().__init__(message)

    @property
    def status(self) -> int:
        return status_for(self)

    @property
    def retry_after(self) -> int | None:
        return self.extras.get("retry_after")

    def as_json(self) -> dict:
        error = {"code": str(self.code), "message": self.message, "field": self.field}
        error.update(self.extras)
        return {"error": error}


def status_for(error: AppError) -> int:
    """The HTTP status the portal answers `error` with (the one table, `HTTP_STATUS`)."""
    return HTTP_STATUS[error.code]
