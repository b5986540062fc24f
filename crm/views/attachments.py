"""A record's attachments: the record page's upload form, downloads, the delete button's
confirmation, and the JSON API (`/crm/api/<module>/<id>/attachments/` and
`…/attachments/<attachment id>/`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import metadata, record_attachments, submit_once, validation
from crm.views.access import connection_required, page_view
from crm.views.api import api_view
from crm.views.files import file_response, uploaded_file


def _back(module: str, record_id: int) -> str:
    url = reverse("crm:record", kwargs={"module": module, "record_id": record_id})
    return f"{url}#attachments"


@page_view(["POST"])
def attachment_add(request, connection, module: str, record_id: str):
    """The record page's "Attach" form (multipart; sent once: its form token)."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    back = _back(found.api_name, ident)
    once = submit_once.claim(
        user_id=request.user.pk,
        scope=f"{connection.pk}:attach:{found.api_name}:{ident}",
        token=request.POST.get(submit_once.FIELD_NAME),
    )
    if not once.first:
        return redirect(back)
    name, data = uploaded_file(request, record_attachments.MAX_ATTACHMENT_BYTES)
    try:
        added = record_attachments.attachment_add(
            connection=connection, module=found, record_id=ident, name=name, data=data
        )
    except AppError as error:
        once.release()
        if error.field is None:  # not about the file: the error page
            raise
        messages.error(request, error.message)
        return redirect(back)
    once.done(back)
    messages.success(request, f"“{added['File_Name']}” attached.")
    return redirect(back)


@connection_required(["GET"])
def attachment_download(request, connection, module: str, record_id: str, attachment_id: str):
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    return file_response(
        record_attachments.attachment_get(
            connection=connection, module=found, record_id=ident, attachment_id=attachment_id
        )
    )


@page_view(["GET", "POST"])
def attachment_delete(request, connection, module: str, record_id: str, attachment_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    if request.method == "POST":
        record_attachments.attachment_delete(
            connection=connection, module=found, record_id=ident, attachment_id=attachment_id
        )
        name = request.POST.get("name", "")[:200]
        messages.success(request, f"“{name}” deleted." if name else "Attachment deleted.")
        return redirect(_back(found.api_name, ident))
    name = request.GET.get("name", "")[:200]
    return render(
        request,
        "records/attachment_delete.html",
        {"module": found, "record_id": ident, "attachment_id": attachment_id, "name": name},
    )


# --- the JSON API -------------------------------------------------------------------------
@api_view(["GET", "POST"])
def attachments_api(request, connection, module: str, record_id: str):
    """GET: the record's newest attachments; POST (multipart, part `file`): attach one
    (201; an `Idempotency-Key` header attaches it once)."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    if request.method == "GET":
        items, more = record_attachments.attachment_list(
            connection=connection, module=found, record_id=ident
        )
        return JsonResponse({"data": items, "info": {"count": len(items), "more_records": more}})
    once = submit_once.claim(
        user_id=request.user.pk,
        scope=f"api:{connection.pk}:attach:{found.api_name}:{ident}",
        token=request.headers.get("Idempotency-Key"),
    )
    if not once.first:
        if once.result is None:
            raise AppError(ErrorCode.IN_PROGRESS, "This request is still being carried out.")
        return JsonResponse(once.result, status=201)
    name, data = uploaded_file(request, record_attachments.MAX_ATTACHMENT_BYTES)
    try:
        added = record_attachments.attachment_add(
            connection=connection, module=found, record_id=ident, name=name, data=data
        )
    except AppError:
        once.release()
        raise
    once.done({"data": added})
    return JsonResponse({"data": added}, status=201)


@api_view(["GET", "DELETE"])
def attachment_api(request, connection, module: str, record_id: str, attachment_id: str):
    """GET: the file's bytes (a download); DELETE: remove it from the record."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    kwargs = {
        "connection": connection,
        "module": found,
        "record_id": ident,
        "attachment_id": attachment_id,
    }
    if request.method == "DELETE":
        record_attachments.attachment_delete(**kwargs)
        return JsonResponse({"data": {"id": str(attachment_id), "status": "deleted"}})
    return file_response(record_attachments.attachment_get(**kwargs))
