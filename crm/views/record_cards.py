"""The rows of a record page's Notes and Attachments cards, read only when the card is seen:
`GET /crm/<module>/<id>/rows/notes/` and `…/rows/attachments/` answer an HTML fragment
(`records/_notes_rows.html`, `records/_attachments_rows.html`) that static/js/app.js puts into
the card when it scrolls into view or its "Show" link is followed. The page itself shows only
each card's count (from the related-list counts it already read); without JavaScript the
card's link (`?notes=shown#notes`, `?attachments=shown#attachments`) renders the rows in the
page (crm/templatetags/record_actions.py)."""

from __future__ import annotations

from django.shortcuts import render

from crm import metadata, record_attachments, record_notes, validation
from crm.views.access import page_view


@page_view(["GET"])
def notes_rows(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    notes, more = record_notes.note_list(connection=connection, module=found, record_id=ident)
    return render(
        request,
        "records/_notes_rows.html",
        {"module": found, "record_id": ident, "notes": notes, "more_notes": more},
    )


@page_view(["GET"])
def attachments_rows(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    items, more = record_attachments.attachment_list(
        connection=connection, module=found, record_id=ident
    )
    return render(
        request,
        "records/_attachments_rows.html",
        {"module": found, "record_id": ident, "attachments": items, "more_attachments": more},
    )
