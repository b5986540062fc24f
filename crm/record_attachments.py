"""A record's attachments: list, upload (at most 20 MB, Zoho's limit), download, delete,
through the user's own connection (Zoho's Attachments API).

An attachment is only downloaded or deleted through the record it is attached to: Zoho
answers an attachment id of another record as unknown, and the portal says 404."""

from __future__ import annotations

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.modules import Module
from crm.record_files import FileDownload, _typed, upload_name
from crm.record_notes import has_related_list
from crm.zoho import attachments as zoho_attachments

ATTACHMENTS = "Attachments"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # Zoho: an attachment is at most 20 MB
SHOWN = 20


def _require_attachments(connection: ZohoConnection, module: Module) -> None:
    if not has_related_list(connection=connection, module=module, api_name=ATTACHMENTS):
        raise AppError(ErrorCode.NOT_FOUND, f"{module.label} have no attachments in Zoho CRM.")


def _not_found(error: AppError, what: str) -> AppError:
    """Zoho's "invalid data" for an id of the URL (the record's or the attachment's)."""
    if error.code in (ErrorCode.INVALID_DATA, ErrorCode.NOT_FOUND) and error.field is None:
        return AppError(ErrorCode.NOT_FOUND, what)
    return error


def _attachment_id(attachment_id) -> int:
    text = str(attachment_id)
    if not (text.isascii() and text.isdigit() and len(text) <= 25):
        raise AppError(ErrorCode.NOT_FOUND, "No such attachment on this record.")
    return int(text)


def attachment_list(
    *, connection: ZohoConnection, module: Module, record_id: int, per_page: int = SHOWN
) -> tuple[list[dict], bool]:
    """The record's newest attachments and whether Zoho has more."""
    _require_attachments(connection, module)
    try:
        return zoho_attachments.list_attachments(
            connection, module.api_name, record_id, per_page=per_page
        )
    except AppError as error:
        raise _not_found(error, "No such record in the active org.") from None


def attachment_add(
    *, connection: ZohoConnection, module: Module, record_id: int, name: str, data: bytes
) -> dict:
    """Attach a file to the record: {"id", "File_Name"}."""
    module.require("edit")
    _require_attachments(connection, module)
    if not data:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Choose a file to attach: none was sent, or it is empty.",
            field="file",
        )
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AppError(
            ErrorCode.TOO_LARGE,
            "Zoho CRM takes attachments of at most 20 MB: this file is larger.",
            field="file",
        )
    stored_as = upload_name(name)
    try:
        ident = zoho_attachments.upload_attachment(
            connection, module.api_name, record_id, stored_as, data
        )
    except AppError as error:
        raise _not_found(error, "No such record in the active org.") from None
    return {"id": ident, "File_Name": stored_as}


def attachment_get(
    *, connection: ZohoConnection, module: Module, record_id: int, attachment_id
) -> FileDownload:
    """The attachment's bytes, always as a download (never shown in the portal's pages)."""
    _require_attachments(connection, module)
    try:
        found = zoho_attachments.download_attachment(
            connection, module.api_name, record_id, _attachment_id(attachment_id)
        )
    except AppError as error:
        raise _not_found(error, "No such attachment on this record.") from None
    typed = _typed(found.name, found.data)
    return FileDownload(typed.name, typed.data, typed.content_type, False)


def attachment_delete(
    *, connection: ZohoConnection, module: Module, record_id: int, attachment_id
) -> None:
    module.require("edit")
    _require_attachments(connection, module)
    try:
        zoho_attachments.delete_attachment(
            connection, module.api_name, record_id, _attachment_id(attachment_id)
        )
    except AppError as error:
        raise _not_found(error, "No such attachment on this record.") from None
