"""A record's attachments through the SDK (`attachments.json`): list, upload (multipart),
download, delete."""

from __future__ import annotations

import io

from zohocrmsdk.src.com.zoho.crm.api.attachments import (
    ActionWrapper,
    APIException,
    AttachmentsOperations,
    FileBodyWrapper,
    GetAttachmentsParam,
    ResponseWrapper,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.zoho.convert import plain
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.files import Download, _download
from crm.zoho.runner import run

FIELDS = "File_Name,Size,Created_Time,Modified_Time,Owner"


def _attachment(item) -> dict:
    owner = plain(item.get_owner()) or {}
    return {
        "id": str(item.get_id()),
        "File_Name": item.get_file_name() or "",
        "Size": str(item.get_size() or ""),
        "Created_Time": plain(item.get_created_time()),
        "Owner": owner.get("name") or "",
        "link_url": item.get_link_url() or None,
    }


def list_attachments(
    connection: ZohoConnection, module: str, record_id: int, *, per_page: int
) -> tuple[list[dict], bool]:
    """The record's newest attachments and whether there are more (204: none)."""

    def call():
        params = ParameterMap()
        params.add(GetAttachmentsParam.fields, FIELDS)
        params.add(GetAttachmentsParam.page, 1)
        params.add(GetAttachmentsParam.per_page, per_page)
        body = checked(AttachmentsOperations().get_attachments(record_id, module, params))
        if body is None:
            return [], False
        if not isinstance(body, ResponseWrapper):
            raise zoho_failed()
        info = body.get_info()
        more = bool(info.get_more_records()) if info is not None else False
        return [_attachment(item) for item in body.get_data() or []], more

    return run(connection, call, operation="attachment_list")


def _action_result(body) -> str:
    """The id of an attachment Zoho added or deleted, or its refusal as an AppError."""
    if not isinstance(body, ActionWrapper) or not body.get_data():
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    item = body.get_data()[0]
    if isinstance(item, APIException):
        raise api_error(
            text_of(item.get_code()), text_of(item.get_message()), item.get_details(), 400
        )
    ident = (item.get_details() or {}).get("id") if isinstance(item, SuccessResponse) else None
    if not ident:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    return str(ident)


def upload_attachment(
    connection: ZohoConnection, module: str, record_id: int, name: str, data: bytes
) -> str:
    """Attach one file to the record (`POST /{module}/{id}/Attachments`); its id."""

    def call():
        stream = io.BytesIO(data)
        stream.name = name  # the file name the multipart part carries
        body = FileBodyWrapper()
        body.set_file(StreamWrapper(name=name, stream=stream))
        return _action_result(
            checked(AttachmentsOperations().upload_attachments(record_id, module, body))
        )

    return run(connection, call, write=True, operation="attachment_upload")


def download_attachment(
    connection: ZohoConnection, module: str, record_id: int, attachment_id: int
) -> Download:
    def call():
        found = _download(AttachmentsOperations().get_attachment(attachment_id, record_id, module))
        if found is None:  # a link attachment: no file
            raise AppError(ErrorCode.NOT_FOUND, "This attachment is a link, not a file.")
        return found

    return run(connection, call, operation="attachment_download")


def delete_attachment(
    connection: ZohoConnection, module: str, record_id: int, attachment_id: int
) -> None:
    run(
        connection,
        lambda: _action_result(
            checked(AttachmentsOperations().delete_attachment(attachment_id, record_id, module))
        ),
        write=True,
        operation="attachment_delete",
    )
