"""Records Zoho will not let anyone change right now: locked ones (`Locked__s`), ones awaiting
approval (`$approval_state`), and any Zoho marks not editable (`$editable: false`).

The record page says so in plain words and offers no Edit or Delete; the edit and delete pages
of such a record answer 409 with the same words; a write sent anyway gets Zoho's own code
(RECORD_LOCKED, NOT_APPROVED) back, never a 404 or a 5xx (`crm.zoho.errors.api_error`,
`crm.services.raise_for_result`).
"""

from __future__ import annotations

from core.errors import AppError, ErrorCode

RECORD_LOCKED = ErrorCode.RECORD_LOCKED
NOT_APPROVED = ErrorCode.NOT_APPROVED
NOT_EDITABLE = ErrorCode.NOT_EDITABLE
# Zoho's codes for a write on a record in such a state (and the portal's own for
# `$editable: false` without a reason Zoho names).
CODES = (RECORD_LOCKED, NOT_APPROVED, NOT_EDITABLE)

LOCKED_MESSAGE = (
    "This record is locked in Zoho: it cannot be changed or deleted until it is unlocked "
    "there (an approval, a process or an administrator locked it)."
)
PENDING_MESSAGE = (
    "This record is awaiting approval in Zoho: it cannot be changed or deleted until it is "
    "approved or rejected there."
)
NOT_EDITABLE_MESSAGE = "Zoho does not allow this record to be changed or deleted right now."

PENDING_STATES = frozenset({"approval_process_pending", "review_process_pending", "merge_pending"})


def blocked(record: dict | None) -> AppError | None:
    """Why `record` (as read from Zoho) cannot be changed now, as the error a write would
    get; None when it can."""
    if not isinstance(record, dict):
        return None
    if record.get("Locked__s") is True:
        return AppError(RECORD_LOCKED, LOCKED_MESSAGE)
    if record.get("$approval_state") in PENDING_STATES:
        return AppError(NOT_APPROVED, PENDING_MESSAGE)
    if record.get("$editable") is False:
        return AppError(NOT_EDITABLE, NOT_EDITABLE_MESSAGE)
    return None


def refuse_if_blocked(record: dict | None) -> None:
    """Raise the error a write would get, before offering a form Zoho would refuse."""
    error = blocked(record)
    if error is not None:
        raise error


def from_zoho(code: str, zoho_message: str | None) -> AppError:
    """Zoho's RECORD_LOCKED or NOT_APPROVED answer to a write, said plainly."""
    plain = LOCKED_MESSAGE if code == RECORD_LOCKED else PENDING_MESSAGE
    return AppError(ErrorCode(code), f"{plain} (Zoho: {zoho_message})" if zoho_message else plain)
