"""Files through the SDK: uploads to Zoho's Files API, record photos and the files of file
and image fields."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TypeVar

from zohocrmsdk.src.com.zoho.crm.api.field_attachments import FieldAttachmentsOperations
from zohocrmsdk.src.com.zoho.crm.api.files import ActionWrapper as FilesActionWrapper
from zohocrmsdk.src.com.zoho.crm.api.files import BodyWrapper as FilesBodyWrapper
from zohocrmsdk.src.com.zoho.crm.api.files import FilesOperations
from zohocrmsdk.src.com.zoho.crm.api.files import SuccessResponse as FilesSuccess
from zohocrmsdk.src.com.zoho.crm.api.record import FileBodyWrapper as PhotoBody
from zohocrmsdk.src.com.zoho.crm.api.record import RecordOperations
from zohocrmsdk.src.com.zoho.crm.api.record import SuccessResponse as PhotoSuccess
from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.runner import run

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


# --- downloads: record photos and the files of file and image fields -----------------------
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024  # Zoho takes files of at most 20 MB


@dataclass(frozen=True)
class Download:
    name: str
    data: bytes


def _download(response) -> Download | None:
    """The file of a download answer (None for 204: no photo)."""
    body = checked(response)
    if body is None:
        return None
    stream = body.get_file() if hasattr(body, "get_file") else None
    if stream is None or stream.get_stream() is None:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    data = stream.get_stream().content
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise zoho_failed("The file is larger than the portal passes on.")
    return Download(name=stream.get_name() or "file", data=data)


def upload_file(connection: ZohoConnection, name: str, data: bytes) -> str:
    """Upload one file through Zoho's Files API (`POST /files`); its encrypted id, the
    `File_Id__s` a file or image field takes."""

    def call():
        stream = io.BytesIO(data)
        stream.name = name  # the file name the multipart part carries
        body = FilesBodyWrapper()
        body.set_file([StreamWrapper(name=name, stream=stream)])
        answer = checked(FilesOperations().upload_files(body))
        items = answer.get_data() if isinstance(answer, FilesActionWrapper) else None
        if not items:
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        item = items[0]
        if not isinstance(item, FilesSuccess):
            raise api_error(
                text_of(item.get_code()), text_of(item.get_message()), item.get_details(), 400
            )
        ident = (item.get_details() or {}).get("id")
        if not ident:
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        return str(ident)

    return run(connection, call, write=True, operation="file_upload")


def get_photo(connection: ZohoConnection, module: str, record_id: int) -> Download | None:
    """The record's photo (`GET /{module}/{id}/photo`), None when it has none."""
    return run(
        connection,
        lambda: _download(RecordOperations(module).get_photo(record_id)),
        operation="record_photo",
    )


def _photo_done(response) -> None:
    """Upload or Delete Photo's answer: Zoho's `success` object, else its error."""
    body = response.get_object() if response is not None else None
    if isinstance(body, PhotoSuccess) and text_of(body.get_status()) == "success":
        return  # (`checked` would read its code and message as an error's)
    checked(response)  # raises Zoho's error (its code and details)
    raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")


def upload_photo(connection: ZohoConnection, module: str, record_id: int, name: str, data: bytes):
    """Set or replace the record's photo (`POST /{module}/{id}/photo`, Upload Photo)."""

    def call():
        stream = io.BytesIO(data)
        stream.name = name
        body = PhotoBody()
        body.set_file(StreamWrapper(name=name, stream=stream))
        _photo_done(RecordOperations(module).upload_photo(record_id, body))

    run(connection, call, write=True, operation="photo_upload")


def delete_photo(connection: ZohoConnection, module: str, record_id: int) -> None:
    """Remove the record's photo (`DELETE /{module}/{id}/photo`, Delete Photo)."""
    run(
        connection,
        lambda: _photo_done(RecordOperations(module).delete_photo(record_id)),
        write=True,
        operation="photo_delete",
    )


def download_field_attachment(
    connection: ZohoConnection, module: str, record_id: int, attachment_id: int
) -> Download:
    """One file of a file or image field of a record
    (`GET /{module}/{id}/actions/download_fields_attachment`)."""

    def call():
        operations = FieldAttachmentsOperations(module, record_id, attachment_id)
        found = _download(operations.get_field_attachments())
        if found is None:
            raise AppError(ErrorCode.NOT_FOUND, "No such file on this record.")
        return found

    return run(connection, call, operation="field_attachment")
