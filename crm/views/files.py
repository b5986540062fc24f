"""The record photo and the files of file and image fields, passed on from Zoho with the
signed-in user's own connection: `/crm/<module>/<id>/photo/` and
`/crm/<module>/<id>/files/<field>/<file id>/`.

Same checks as every record page (signed in, an active connection, the record in the active
org: anything else is the sign-in redirect or a 404). Images (by their bytes) are sent
inline as images; every other file as a download. Never cached by a shared cache, never
sniffed into another type, never run as a page (a sandboxing CSP)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

from core.errors import AppError
from crm import metadata, photo, record_files, validation
from crm.views.access import connection_required


def file_response(found: record_files.FileDownload) -> HttpResponse:
    response = HttpResponse(found.data, content_type=found.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not found.inline, filename=found.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@connection_required(["GET"])
def record_photo(request, connection, module: str, record_id: str):
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    return file_response(
        record_files.photo_get(connection=connection, module=found, record_id=ident)
    )


@connection_required(["GET"])
def field_file(request, connection, module: str, record_id: str, field: str, file_id: str):
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    return file_response(
        record_files.field_file_get(
            connection=connection,
            module=found,
            record_id=ident,
            field_name=field,
            file_id=file_id,
        )
    )


def uploaded_file(request, limit: int) -> tuple[str, bytes]:
    """The form's `file` part: its name and at most `limit` + 1 bytes (one more than the
    limit is enough to refuse it as too large); ("", b"") when none was sent."""
    upload = request.FILES.get("file")
    if upload is None:
        return "", b""
    return upload.name, upload.read(limit + 1)


@connection_required(["POST"])
def field_file_add(request, connection, module: str, record_id: str, field: str):
    """The record page's "Add" form of a file or image field (multipart POST)."""
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    back = redirect("crm:record", module=found.api_name, record_id=ident)
    name, data = uploaded_file(request, record_files.MAX_UPLOAD_BYTES)
    try:
        stored_as = record_files.field_file_add(
            connection=connection,
            module=found,
            record_id=ident,
            field_name=field,
            name=name,
            data=data,
        )
    except AppError as error:
        if error.field is None:  # not about the file: the error page
            raise
        messages.error(request, error.message)
        return back
    messages.success(request, f"“{stored_as}” added.")
    return back


@connection_required(["POST"])
def field_file_remove(request, connection, module: str, record_id: str, field: str, file_id: str):
    """A file's "Remove" button on the record page."""
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    removed = record_files.field_file_remove(
        connection=connection, module=found, record_id=ident, field_name=field, file_id=file_id
    )
    messages.success(request, f"“{removed}” removed.")
    return redirect("crm:record", module=found.api_name, record_id=ident)


@connection_required(["POST"])
def photo_upload(request, connection, module: str, record_id: str):
    """The record page's photo form: upload or replace the photo (multipart POST)."""
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    name, data = uploaded_file(request, photo.MAX_PHOTO_BYTES)
    try:
        photo.photo_upload(
            connection=connection, module=found, record_id=ident, name=name, data=data
        )
    except AppError as error:
        if error.field is None:  # not about the image: the error page
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, "Photo saved.")
    return redirect("crm:record", module=found.api_name, record_id=ident)


@connection_required(["POST"])
def photo_remove(request, connection, module: str, record_id: str):
    """The record page's "Remove photo" button."""
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    photo.photo_remove(connection=connection, module=found, record_id=ident)
    messages.success(request, "Photo removed.")
    return redirect("crm:record", module=found.api_name, record_id=ident)
