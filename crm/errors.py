"""The portal's CRM error type: one class, a stable code and a safe message.

An error says what went wrong (`code`); which HTTP status that is, is decided in one place,
the view layer's table `crm.access.HTTP_STATUS`."""

from __future__ import annotations


class CrmError(Exception):
    """A CRM request that cannot be completed; safe to show and to serialise.

    `code` is one of the portal's own (NOT_FOUND, NEEDS_RECONSENT, ZOHO_TIMEOUT, …) or the
    code Zoho gave for bad data (INVALID_DATA, MANDATORY_NOT_FOUND, …); `field` names the
    field it is about, when there is one.
    """

    # THROTTLED only: why Zoho refused ("credits" or "concurrency") and the seconds after
    # which trying again makes sense (the Retry-After header and the JSON's `retry_after`).
    reason: str | None = None
    retry_after: int | None = None

    def __init__(self, code: str, message: str, *, field: str | None = None):
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message, "field": self.field}
        if self.retry_after is not None:
            error["retry_after"] = self.retry_after
        return {"error": error}


def bad_input(message: str, *, field: str | None = None, code: str = "INVALID_DATA") -> CrmError:
    return CrmError(code, message, field=field)


def not_found(message: str = "No such record in the active org.") -> CrmError:
    return CrmError("NOT_FOUND", message)


def no_permission(
    message: str = "Your Zoho profile does not allow this.", *, code: str = "NO_PERMISSION"
) -> CrmError:
    """Zoho's NO_PERMISSION (or FEATURE_NOT_SUPPORTED): the user's profile, set by their
    Zoho administrator, does not allow it; signing in again changes nothing."""
    return CrmError(code, message)


def zoho_failed(message: str = "Zoho CRM answered with an error. Please try again.") -> CrmError:
    return CrmError("ZOHO_ERROR", message)


def zoho_timed_out(*, write: bool = False) -> CrmError:
    if write:  # the request reached Zoho: it may have been carried out after we gave up
        return CrmError(
            "ZOHO_TIMEOUT",
            "Zoho CRM did not answer in time. The change may still have been saved: "
            "check the record before trying again.",
        )
    return CrmError("ZOHO_TIMEOUT", "Zoho CRM did not answer in time. Please try again.")


def with_head(methods: list[str]) -> list[str]:
    """`methods` plus HEAD after GET: a HEAD is a GET without the body (RFC 9110 9.3.2)."""
    if "GET" not in methods or "HEAD" in methods:
        return list(methods)
    index = methods.index("GET") + 1
    return [*methods[:index], "HEAD", *methods[index:]]
