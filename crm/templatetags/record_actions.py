"""The record page's actions besides Edit and Delete (templates/records/_record_actions.html):
Convert (a lead), New task / meeting / call for the record, its notes with an "Add note"
form; and the "New …" link of a related list."""

from __future__ import annotations

from django import template
from django.urls import reverse

from core.errors import AppError
from crm import (
    lead_conversion,
    metadata,
    record_attachments,
    record_notes,
    record_prefill,
    submit_once,
)
from crm.modules import Module

register = template.Library()

ACTIVITIES = ("Tasks", "Events", "Calls")
SHOWN = "shown"  # ?notes=shown, ?attachments=shown: the card's rows read with the page


@register.inclusion_tag("records/_record_actions.html", takes_context=True)
def record_actions(context) -> dict:
    request, module, record = context.get("request"), context.get("module"), context.get("record")
    connection = getattr(request, "zoho_connection", None) if request is not None else None
    if connection is None or not isinstance(module, Module) or not isinstance(record, dict):
        return {"shown": False}
    ident = record.get("id")
    answer = {
        "shown": True,
        "module": module,
        "record_id": ident,
        "csrf_token": context.get("csrf_token"),
        "convert_url": None,
        "activities": [],
        "notes_shown": False,
    }
    if module.api_name == lead_conversion.LEADS:
        answer["convert_url"] = reverse(
            "crm:lead-convert", kwargs={"module": module.api_name, "record_id": ident}
        )
        answer["converted"] = bool(record.get("Converted__s"))
    try:
        offered = {m["api_name"] for m in metadata.module_list(connection=connection)}
        for name in ACTIVITIES:
            if name not in offered or module.api_name in ACTIVITIES:
                continue
            target = metadata.module_get(connection=connection, module=name)
            url = record_prefill.new_record_url(target, module.api_name, ident)
            if url:
                answer["activities"].append({"label": target.singular_label, "url": url})
        answer["notes_shown"] = record_notes.has_related_list(
            connection=connection, module=module, api_name=record_notes.NOTES
        )
        answer["attachments_shown"] = record_notes.has_related_list(
            connection=connection, module=module, api_name=record_attachments.ATTACHMENTS
        )
    except AppError as error:
        answer["error"] = error
        return answer
    counts = context.get("own_counts")  # Zoho's counts, when the page read them
    if not isinstance(counts, dict) or context.get("related_error"):
        counts = {}
    # Each card shows Zoho's count at once; its rows are read when the card is seen (the
    # fragment of crm/views/record_cards.py), or here when the page is asked for them
    # (`?notes=shown`: the card's link without JavaScript).
    query = request.GET
    answer["notes_count"] = counts.get(record_notes.NOTES)
    answer["attachments_count"] = counts.get(record_attachments.ATTACHMENTS)
    if answer["notes_shown"]:
        answer["form_token"] = submit_once.issue()
        if query.get("notes") == SHOWN and answer["notes_count"] != 0:
            answer["notes_loaded"] = True
            try:
                answer["notes"], answer["more_notes"] = record_notes.note_list(
                    connection=connection, module=module, record_id=int(ident)
                )
            except AppError as error:
                answer["notes_error"] = error
    if answer["attachments_shown"] and query.get("attachments") == SHOWN:
        if answer["attachments_count"] != 0:
            answer["attachments_loaded"] = True
            try:
                answer["attachments"], answer["more_attachments"] = (
                    record_attachments.attachment_list(
                        connection=connection, module=module, record_id=int(ident)
                    )
                )
            except AppError as error:
                answer["attachments_error"] = error
    if answer["attachments_shown"]:
        answer["attach_token"] = submit_once.issue()
        answer["max_mb"] = record_attachments.MAX_ATTACHMENT_BYTES // (1024 * 1024)
    return answer


@register.simple_tag(takes_context=True)
def new_related_link(context, related, parent: str, parent_id) -> dict | None:
    """A related list's "New …" link: {"url", "label"} of the create form of its module
    (`related`: the Module, or its API name) with this record filled in; None if none. Given
    a name, the org's module list (cached) says whether the user may create there: the
    form finds the lookup to fill, so no field metadata is read for the link."""
    if isinstance(related, str):
        request = context.get("request")
        connection = getattr(request, "zoho_connection", None) if request is not None else None
        if connection is None:
            return None
        try:
            entries = metadata.module_list(connection=connection)
        except AppError:
            return None
        entry = next((m for m in entries if m["api_name"] == related), None)
        url = record_prefill.parent_link(entry, parent, parent_id) if entry else None
        return {"url": url, "label": entry["singular_label"]} if url else None
    if not isinstance(related, Module):
        return None
    url = record_prefill.new_record_url(related, parent, parent_id)
    return {"url": url, "label": related.singular_label} if url else None
