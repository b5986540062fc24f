"""A record's notes: the record page's "Add note" form, a note's edit and delete pages,
and the JSON API (`/crm/api/<module>/<id>/notes/` and `…/notes/<note id>/`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode, status_for
from crm import metadata, modules, record_notes, selectors, submit_once, validation
from crm.views.access import page_view
from crm.views.api import api_view, json_body

FORM_ERRORS = (ErrorCode.INVALID_DATA, ErrorCode.MANDATORY_NOT_FOUND)


def _posted_note(request) -> dict:
    return {
        "Note_Title": request.POST.get("Note_Title", ""),
        "Note_Content": request.POST.get("Note_Content", ""),
    }


def _notes_url(module: str, record_id: int) -> str:
    return reverse("crm:record", kwargs={"module": module, "record_id": record_id}) + "#notes"


def _note_form(request, connection, found, ident, *, values, error, status, note_id=None):
    """The note form on a page of its own: editing, or an added note Zoho refused (what
    was typed is kept)."""
    record = selectors.record_detail(connection=connection, module=found, record_id=ident)
    return render(
        request,
        "records/note_form.html",
        {
            "module": found,
            "record_id": ident,
            "title": modules.record_title(found, record),
            "note_id": note_id,
            "values": values,
            "error": error,
            "form_token": submit_once.issue() if note_id is None else "",
        },
        status=status,
    )


@page_view(["POST"])
def note_add(request, connection, module: str, record_id: str):
    """The record page's "Add note" form (sent once: its form token)."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    back = _notes_url(found.api_name, ident)
    once = submit_once.claim(
        user_id=request.user.pk,
        scope=f"{connection.pk}:note:{found.api_name}:{ident}",
        token=request.POST.get(submit_once.FIELD_NAME),
    )
    if not once.first:  # a resend: the first one added (or is adding) the note
        return redirect(back)
    values = _posted_note(request)
    try:
        record_notes.note_add(connection=connection, module=found, record_id=ident, values=values)
    except AppError as error:
        once.release()
        if error.code not in FORM_ERRORS:
            raise
        return _note_form(
            request,
            connection,
            found,
            ident,
            values=values,
            error=error,
            status=status_for(error),
        )
    once.done(back)
    messages.success(request, "Note added.")
    return redirect(back)


@page_view(["GET", "POST"])
def note_edit(request, connection, module: str, record_id: str, note_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    note = record_notes.note_get(
        connection=connection, module=found, record_id=ident, note_id=note_id
    )
    values, error, status = note, None, 200
    if request.method == "POST":
        values = _posted_note(request)
        try:
            record_notes.note_update(
                connection=connection,
                module=found,
                record_id=ident,
                note_id=note_id,
                values=values,
            )
        except AppError as failed:
            if failed.code not in FORM_ERRORS:
                raise
            error, status = failed, status_for(failed)
        else:
            messages.success(request, "Note saved.")
            return redirect(_notes_url(found.api_name, ident))
    return _note_form(
        request,
        connection,
        found,
        ident,
        values=values,
        error=error,
        status=status,
        note_id=note["id"],
    )


@page_view(["GET", "POST"])
def note_delete(request, connection, module: str, record_id: str, note_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    if request.method == "POST":
        record_notes.note_delete(
            connection=connection, module=found, record_id=ident, note_id=note_id
        )
        messages.success(request, "Note deleted.")
        return redirect(_notes_url(found.api_name, ident))
    note = record_notes.note_get(
        connection=connection, module=found, record_id=ident, note_id=note_id
    )
    return render(
        request,
        "records/note_delete.html",
        {"module": found, "record_id": ident, "note": note},
    )


# --- the JSON API -------------------------------------------------------------------------
@api_view(["GET", "POST"])
def notes_api(request, connection, module: str, record_id: str):
    """GET: the record's newest notes (`info.more_records`); POST `{"Note_Title",
    "Note_Content"}` adds one (201; an `Idempotency-Key` header adds it once)."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    if request.method == "GET":
        notes, more = record_notes.note_list(connection=connection, module=found, record_id=ident)
        return JsonResponse({"data": notes, "info": {"count": len(notes), "more_records": more}})
    values = json_body(request)
    once = submit_once.claim(
        user_id=request.user.pk,
        scope=f"api:{connection.pk}:note:{found.api_name}:{ident}",
        token=request.headers.get("Idempotency-Key"),
    )
    if not once.first:
        if once.result is None:
            raise AppError(ErrorCode.IN_PROGRESS, "This request is still being carried out.")
        return JsonResponse(once.result, status=201)
    try:
        note = record_notes.note_add(
            connection=connection, module=found, record_id=ident, values=values
        )
    except AppError:
        once.release()
        raise
    once.done({"data": note})
    return JsonResponse({"data": note}, status=201)


@api_view(["GET", "PATCH", "DELETE"])
def note_api(request, connection, module: str, record_id: str, note_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    kwargs = {"connection": connection, "module": found, "record_id": ident, "note_id": note_id}
    if request.method == "PATCH":
        return JsonResponse({"data": record_notes.note_update(values=json_body(request), **kwargs)})
    if request.method == "DELETE":
        note = record_notes.note_delete(**kwargs)
        return JsonResponse({"data": {"id": note["id"], "status": "deleted"}})
    return JsonResponse({"data": record_notes.note_get(**kwargs)})
