"""The portal's CRM error type: one class, an HTTP status, a stable code and a safe message."""

from __future__ import annotations


class CrmError(Exception):
    """A CRM request that cannot be completed; safe to show and to serialise.

    `status` is the portal's HTTP answer (400 bad input, 401 not signed in, 403 re-consent,
    404 no such record, 409 duplicate, 429 throttled, 502 Zoho failed, 504 Zoho timed out).
    """

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None):
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


def bad_input(message: str, *, field: str | None = None, code: str = "INVALID_DATA") -> CrmError:
    return CrmError(400, code, message, field=field)


def not_found(message: str = "No such record in the active org.") -> CrmError:
    return CrmError(404, "NOT_FOUND", message)


def no_permission(
    message: str = "Your Zoho profile does not allow this.", *, code: str = "NO_PERMISSION"
) -> CrmError:
    """Zoho's NO_PERMISSION (or FEATURE_NOT_SUPPORTED): the user's profile, set by their
    Zoho administrator, does not allow it; signing in again changes nothing."""
    return CrmError(403, code, message)


def zoho_failed(message: str = "Zoho CRM answered with an error. Please try again.") -> CrmError:
    return CrmError(502, "ZOHO_ERROR", message)


def zoho_timed_out(*, write: bool = False) -> CrmError:
    if write:  # the request reached Zoho: it may have been carried out after we gave up
        return CrmError(
            504,
            "ZOHO_TIMEOUT",
            "Zoho CRM did not answer in time. The change may still have been saved: "
            "check the record before trying again.",
        )
    return CrmError(504, "ZOHO_TIMEOUT", "Zoho CRM did not answer in time. Please try again.")


def with_head(methods: list[str]) -> list[str]:
    """`methods` plus HEAD after GET: a HEAD is a GET without the body (RFC 9110 9.3.2)."""
    if "GET" not in methods or "HEAD" in methods:
        return list(methods)
    index = methods.index("GET") + 1
    return [*methods[:index], "HEAD", *methods[index:]]
