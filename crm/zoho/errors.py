"""Zoho's answers and the SDK's exceptions as `core.errors.AppError`s: which Zoho code
means which of the portal's, said in words a person can act on."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import requests
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException

from core.errors import AppError, ErrorCode
from crm import record_state

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


class InvalidToken(Exception):
    """Zoho answered 401 INVALID_TOKEN: refresh once and retry."""


def zoho_failed(message: str = "Zoho CRM answered with an error. Please try again.") -> AppError:
    return AppError(ErrorCode.ZOHO_ERROR, message)


def zoho_timed_out(*, write: bool = False) -> AppError:
    if write:  # the request reached Zoho: it may have been carried out after we gave up
        return AppError(
            ErrorCode.ZOHO_TIMEOUT,
            "Zoho CRM did not answer in time. The change may still have been saved: "
            "check the record before trying again.",
        )
    return AppError(ErrorCode.ZOHO_TIMEOUT, "Zoho CRM did not answer in time. Please try again.")


def api_exception_code(error: SDKException) -> str | None:
    """Zoho's error code when the SDK raised it instead of returning it.

    Before a call that sends or reads records the SDK fetches the module's field metadata
    itself (once per connection); an error answer to *that* call (e.g. 401 INVALID_TOKEN
    for a revoked grant) comes out as SDKException("API_EXCEPTION", details={"code": …}).
    """
    details = getattr(error, "details", None)
    if getattr(error, "code", None) == "API_EXCEPTION" and isinstance(details, dict):
        return str(details.get("code") or "") or None
    return None


# The SDK's own checks of a record's values against its field cache, made before sending.
_SDK_VALUE_ERRORS = {
    "TYPE ERROR",
    "MAXIMUM LENGTH ERROR",
    "MINIMUM LENGTH ERROR",
    "UNACCEPTED VALUES ERROR",
    "REGEX MISMATCH ERROR",
    "UNIQUE KEY ERROR",
}


_SDK_TYPE_NAMES = {
    "Integer": "a whole number",
    "Long": "a whole number",
    "Float": "a number",
    "Double": "a number",
    "Boolean": "true or false",
    "Date": "a date",
    "DateTime": "a date and time",
    "String": "text",
}


def _sdk_value_error(error: SDKException) -> AppError:
    """The SDK refused a value of the record being written (nothing was sent): a 400.

    The portal converts values to the SDK's types first, so this happens only when the
    portal's cached field metadata and the SDK's disagree (e.g. a field changed at Zoho).
    """
    details = getattr(error, "details", None) or {}
    field = str(details.get("field") or "")[:100] or None
    expected = _SDK_TYPE_NAMES.get(str(details.get("accepted_type") or ""))
    name = field or "A field"
    message = (
        f"{name} must be {expected} for Zoho CRM."
        if expected
        else f"{name} has a value Zoho CRM does not accept."
    )
    return AppError(ErrorCode.INVALID_DATA, message, field=field)


def sdk_error(error: SDKException, *, write: bool) -> AppError:
    code = api_exception_code(error)
    if code:
        return api_error(code, str(error.details.get("message") or ""), None, 0)
    if write and getattr(error, "code", None) in _SDK_VALUE_ERRORS:
        return _sdk_value_error(error)
    cause = getattr(error, "cause", None)
    if isinstance(cause, requests.Timeout):
        return zoho_timed_out(write=write)
    if isinstance(cause, requests.RequestException):
        return zoho_failed("Zoho CRM could not be reached. Please try again.")
    logger.warning("SDK error: %s", getattr(error, "code", type(error).__name__))
    return zoho_failed("Zoho CRM gave an answer the portal does not understand.")


def text_of(enum_or_str: Any) -> str:
    return (
        str(enum_or_str.get_value())
        if hasattr(enum_or_str, "get_value")
        else str(enum_or_str or "")
    )


def api_error(code: str, message: str, details: dict | None, status: int) -> AppError:
    details = details or {}
    field = (
        (details.get("api_name") or details.get("param_name"))
        if isinstance(details, dict)
        else None
    )
    if code == "INVALID_TOKEN":
        raise InvalidToken()
    if code == "OAUTH_SCOPE_MISMATCH":
        return AppError(
            ErrorCode.NEEDS_RECONSENT,
            "This connection was not granted access to that data. Sign in with Zoho again "
            "and approve all requested permissions.",
        )
    if code in ("NO_PERMISSION", "FEATURE_NOT_SUPPORTED"):
        # The user's Zoho profile (or the org's edition) does not allow it: signing in
        # again changes nothing, so this is never "reconnect".
        return AppError(
            ErrorCode(code),
            "Your Zoho profile does not allow this" + (f" (Zoho: {message})." if message else ".")
            if code == "NO_PERMISSION"
            else "Zoho does not offer this feature for your org"
            + (f" (Zoho: {message})." if message else "."),
        )
    if code == "DISCRETE_PAGINATION_LIMIT_EXCEEDED":
        return AppError(
            ErrorCode(code),
            "Zoho pages by number through the first 2,000 records only: continue with the "
            "page_token of the page before.",
            field="page",
        )
    if code == "DUPLICATE_DATA":
        return AppError(
            ErrorCode(code), message or "A record with this value already exists.", field=field
        )
    if code in (record_state.RECORD_LOCKED, record_state.NOT_APPROVED):
        return record_state.from_zoho(code, message)
    if code in PASSED_ON:
        if code == "INVALID_DATA" and field == "id":
            return AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
        return AppError(
            ErrorCode(code), message or "Zoho CRM did not accept the data.", field=field
        )
    if status == 429 or code in ("TOO_MANY_REQUESTS", "API_LIMIT_EXCEEDED"):
        return throttled(message)
    if code == "EXPIRED_VALUE" and field == "page_token":
        return AppError(
            ErrorCode(code),
            "This list was opened more than a day ago, and Zoho no longer goes on from where "
            "it was.",
            field="page_token",
        )
    if code == "PAGINATION_LIMIT_EXCEEDED":
        return AppError(
            ErrorCode(code),
            "Zoho goes page by page through the first 100,000 records of a list only: search "
            "or sort differently to find the others.",
            field="page_token",
        )
    logger.warning("Zoho answered a code the portal does not know: %s", code[:60])
    return AppError(
        ErrorCode.ZOHO_ERROR,
        "Zoho CRM answered with an error. Please try again.",
        zoho_code=code[:60] or None,
    )


# Zoho's codes for data or a request it refused, passed on as Zoho named them (each is an
# `ErrorCode` member of the same name).
PASSED_ON = frozenset(
    {
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
        "INVALID_MODULE",
        "REQUIRED_PARAM_MISSING",
        "LIMIT_EXCEEDED",
        "INVALID_REQUEST",
        "INVALID_QUERY",
    }
)


CREDITS_RETRY_AFTER = 3600  # seconds: credits come back as the calls that spent them age out


CONCURRENCY_RETRY_AFTER = 5


def throttled(zoho_message: str = "") -> AppError:
    """Zoho's 429: out of API credits for the rolling day, or too many calls at once.

    Zoho answers both with TOO_MANY_REQUESTS; only its message tells them apart (one that
    speaks of credits or a limit for the day). Anything else is taken for the concurrency
    cap, which clears in seconds."""
    text = (zoho_message or "").lower()
    if "credit" in text or "per day" in text or "limit reached" in text:
        return AppError(
            ErrorCode.THROTTLED,
            "Your Zoho org has used up its API credits for now. Zoho gives them back over a "
            "rolling day: please try again later today.",
            reason="credits",
            retry_after=CREDITS_RETRY_AFTER,
        )
    return AppError(
        ErrorCode.THROTTLED,
        "Zoho CRM is busy with other requests from your org right now. Please try again "
        f"in {CONCURRENCY_RETRY_AFTER} seconds.",
        reason="concurrency",
        retry_after=CONCURRENCY_RETRY_AFTER,
    )


def checked(response) -> Any:
    """The response's object, or the AppError its status and body mean. None for 204."""
    if response is None:  # the SDK swallowed an error while reading the answer
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    status = response.get_status_code()
    if status in (204, 304):
        return None
    body = response.get_object()
    if hasattr(body, "get_code") and hasattr(body, "get_message") and not hasattr(body, "get_data"):
        raise api_error(
            text_of(body.get_code()), text_of(body.get_message()), body.get_details(), status
        )
    if status == 429:
        raise throttled()
    if status >= 500:
        raise zoho_failed()
    if body is None:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    return body
