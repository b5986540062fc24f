"""Record photos and the files of file and image fields, read through the user's own
connection, and the org metadata the record page needs besides a module's fields (the org's
currency, a subform's fields).

A file is only ever fetched after the record itself was read in the active org and the file
was found in the named field of it: an id from another record, field or org is a 404 before
Zoho is asked for any bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.fields import FILE_TYPES, Field, file_name, is_zoho_id
from crm.metadata import cached, metadata_key
from crm.modules import Module
from crm.services import raise_for_result
from crm.zoho import files as zoho_files
from crm.zoho import metadata as zoho_metadata
from crm.zoho import records as zoho_records

IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# What a download is sent as, by the file name's extension; anything else is a plain
# download (application/octet-stream). Images are sent as images only when their bytes are.
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class FileDownload:
    name: str
    data: bytes
    content_type: str
    inline: bool  # an image, shown in the page; anything else is saved, never opened here


def image_type(data: bytes) -> str | None:
    """The image type the bytes are (by their signature), else None."""
    for signature, kind in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _typed(name: str, data: bytes) -> FileDownload:
    image = image_type(data)
    if image is not None:
        return FileDownload(name, data, image, True)
    kind = DOWNLOAD_TYPES.get(name.rpartition(".")[2].lower(), "application/octet-stream")
    return FileDownload(name, data, kind, False)


def _field_value(connection: ZohoConnection, module: Module, record_id: int, field: Field):
    record = zoho_records.get_record(
        connection, module.api_name, record_id, field_chunks=[[field.api_name]]
    )
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    return record.get(field.api_name)


def photo_get(*, connection: ZohoConnection, module: Module, record_id: int) -> FileDownload:
    """The record's photo; 404 when the module has no photos or the record has none."""
    field = module.field("Record_Image")
    if field is None or field.data_type != "profileimage":
        raise AppError(ErrorCode.NOT_FOUND, f"{module.label} have no photos.")
    if not _field_value(connection, module, record_id, field):
        raise AppError(ErrorCode.NOT_FOUND, "This record has no photo.")
    try:
        found = zoho_files.get_photo(connection, module.api_name, record_id)
    except AppError as error:
        if error.code == ErrorCode.INVALID_DATA:
            raise AppError(ErrorCode.NOT_FOUND, "This record has no photo.") from None
        raise
    if found is None:
        raise AppError(ErrorCode.NOT_FOUND, "This record has no photo.")
    return _typed(found.name, found.data)


def field_file_get(
    *, connection: ZohoConnection, module: Module, record_id: int, field_name: str, file_id: str
) -> FileDownload:
    """One file of a file or image field of the record, by the file's id in that field."""
    field = module.field(field_name)
    if field is None or field.data_type not in FILE_TYPES or not is_zoho_id(file_id):
        raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.")
    entries = _field_value(connection, module, record_id, field) or []
    entry = next((e for e in entries if isinstance(e, dict) and str(e.get("id")) == file_id), None)
    if entry is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.")
    try:
        found = zoho_files.download_field_attachment(
            connection, module.api_name, record_id, int(file_id)
        )
    except AppError as error:
        if error.code == ErrorCode.INVALID_DATA:
            raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.") from None
        raise
    return _typed(file_name(entry) or found.name, found.data)


MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # Zoho's Files API: 20 MB a file


def upload_name(name: str) -> str:
    """A file name as sent to Zoho: no folders (some browsers send them), printable, short."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?').strip()
    return base[-200:] or "file"


def field_file_add(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    field_name: str,
    name: str,
    data: bytes,
) -> str:
    """Add a file to a file or image field of the record: upload it through Zoho's Files
    API, then update the record with its id (Zoho adds it to the field's files). The name
    the file was stored under."""
    module.require("edit")
    field = module.field(field_name)
    if field is None or field.data_type not in FILE_TYPES or field.read_only:
        raise AppError(ErrorCode.NOT_FOUND, "No such file field on this record.")
    if not data:
        raise AppError(
            ErrorCode.INVALID_DATA, "Choose a file to add: this one is empty.", field=field.api_name
        )
    if len(data) > MAX_UPLOAD_BYTES:
        raise AppError(
            ErrorCode.TOO_LARGE,
            f"{field.label}: Zoho takes files of at most 20 MB.",
            field=field.api_name,
        )
    if field.data_type == "imageupload" and image_type(data) is None:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{field.label} takes images only (PNG, JPEG, GIF or WebP).",
            field=field.api_name,
        )
    _field_value(connection, module, record_id, field)  # the record is in the active org
    stored_as = upload_name(name)
    file_id = zoho_files.upload_file(connection, stored_as, data)
    result = zoho_records.update_record(
        connection,
        module.api_name,
        record_id,
        {field.api_name: [{"File_Id__s": file_id}]},
        module.types,
    )
    raise_for_result(result)
    return stored_as


def field_file_remove(
    *, connection: ZohoConnection, module: Module, record_id: int, field_name: str, file_id: str
) -> str:
    """Remove one file from a file or image field of the record (Zoho's `_delete`); the
    name of the file removed."""
    module.require("edit")
    field = module.field(field_name)
    if field is None or field.data_type not in FILE_TYPES or field.read_only:
        raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.")
    entries = _field_value(connection, module, record_id, field) or []
    entry = next((e for e in entries if isinstance(e, dict) and str(e.get("id")) == file_id), None)
    if entry is None or not is_zoho_id(file_id):
        raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.")
    result = zoho_records.update_record(
        connection,
        module.api_name,
        record_id,
        {field.api_name: [{"id": file_id, "_delete": None}]},
        module.types,
    )
    raise_for_result(result)
    return file_name(entry) or "The file"


def org_currency(*, connection: ZohoConnection) -> dict:
    """The org's currency {"symbol", "iso_code"} (cached like the other metadata)."""
    return cached(
        metadata_key(connection, "org-currency"), lambda: zoho_metadata.get_org_currency(connection)
    )


def subform_fields(*, connection: ZohoConnection, module: str) -> tuple[Field, ...]:
    """A subform's fields (cached): the columns of its table on the record page."""
    metadata = cached(
        metadata_key(connection, "fields", module),
        lambda: zoho_metadata.get_fields(connection, module),
    )
    return tuple(Field.from_metadata(meta) for meta in metadata)
