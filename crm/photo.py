"""The record photo: upload, replace and remove it through Zoho's photo API (Upload Photo,
Delete Photo), with the signed-in user's own connection (what the record page shows of it:
`crm.record_values`).

Zoho's v8 "Upload a Photo" takes PNG, JPEG, GIF and BMP images of at most 10 MB and 10
megapixels, and never on a locked record: the portal checks the same before sending (the
type by the bytes, never by the name), so a refusal is a clear message naming the photo.
"""

from __future__ import annotations

import struct

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import record_state
from crm.modules import Module
from crm.record_files import upload_name
from crm.zoho import files as zoho_files
from crm.zoho import records as zoho_records

PHOTO_FIELD = "Record_Image"
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # "The maximum allowed size for the photo is 10 MB."
MAX_PHOTO_PIXELS = 10_000_000  # "The resolution of the photo must not exceed 10 MP."


def photo_size(data: bytes) -> tuple[str, int, int] | None:
    """(type, width, height) of a PNG, JPEG, GIF or BMP, read from its bytes; else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return ("image/png", *struct.unpack(">II", data[16:24]))
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return ("image/gif", *struct.unpack("<HH", data[6:10]))
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "image/bmp", abs(width), abs(height)
    if data.startswith(b"\xff\xd8\xff"):
        at = 2
        while at + 9 < len(data) and data[at] == 0xFF:
            marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return "image/jpeg", width, height
            at += 2 + length
        return "image/jpeg", 0, 0
    return None


def _bad(field, reason: str) -> AppError:
    return AppError(ErrorCode.INVALID_DATA, f"{field.label} {reason}.", field=PHOTO_FIELD)


def _photo_field(module: Module):
    """The module's photo field when the user's profile may change it; else NOT_FOUND,
    NO_PERMISSION or (a field read-only for the profile) INVALID_DATA naming it."""
    field = module.field(PHOTO_FIELD)
    if field is None or field.data_type != "profileimage":
        raise AppError(ErrorCode.NOT_FOUND, f"{module.label} have no photos.")
    module.require("edit")
    if field.permission != "read_write":
        raise _bad(field, "is read-only for your Zoho profile")
    return field


def _record(connection: ZohoConnection, module: Module, record_id: int) -> dict:
    """The record, read in the active org (else NOT_FOUND); RECORD_LOCKED or NOT_APPROVED
    when Zoho would refuse a change."""
    names = [PHOTO_FIELD, *(["Locked__s"] if module.field("Locked__s") else [])]
    record = zoho_records.get_record(connection, module.api_name, record_id, field_chunks=[names])
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    record_state.refuse_if_blocked(record)
    return record


def photo_upload(
    *, connection: ZohoConnection, module: Module, record_id: int, name: str, data: bytes
) -> None:
    """Set or replace the record's photo."""
    field = _photo_field(module)
    if not data:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Choose an image for {field.label}: this file is empty.",
            field=PHOTO_FIELD,
        )
    if len(data) > MAX_PHOTO_BYTES:
        raise AppError(
            ErrorCode.TOO_LARGE,
            f"{field.label}: Zoho takes photos of at most 10 MB.",
            field=PHOTO_FIELD,
        )
    found = photo_size(data)
    if found is None:
        raise _bad(field, "takes PNG, JPEG, GIF or BMP images only")
    _, width, height = found
    if width * height > MAX_PHOTO_PIXELS:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{field.label}: Zoho takes photos of at most 10 megapixels "
            f"(this one is {width} × {height}).",
            field=PHOTO_FIELD,
        )
    _record(connection, module, record_id)
    zoho_files.upload_photo(connection, module.api_name, record_id, upload_name(name), data)


def photo_remove(*, connection: ZohoConnection, module: Module, record_id: int) -> None:
    """Remove the record's photo (NOT_FOUND when it has none)."""
    field = _photo_field(module)
    if not _record(connection, module, record_id).get(PHOTO_FIELD):
        raise AppError(ErrorCode.NOT_FOUND, f"This record has no {field.label.lower()}.")
    zoho_files.delete_photo(connection, module.api_name, record_id)
