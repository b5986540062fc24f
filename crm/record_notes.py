"""A record's notes: read (the record's Notes related list), add, edit, delete (Zoho's
Notes module, each note's `Parent_Id` the record and `$se_module` its module).

A note is only changed or deleted after it was read and found to belong to the record
named in the URL: another record's or org's note id is a 404 before anything is written.
"""

from __future__ import annotations

from django.utils.dateparse import parse_datetime

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.fields import SE_MODULE_KEY, is_zoho_id
from crm.metadata import cached, metadata_key
from crm.modules import Module
from crm.services import raise_for_result
from crm.zoho import metadata as zoho_metadata
from crm.zoho import records as zoho_records

NOTES = "Notes"
NOTE_FIELDS = ["Note_Title", "Note_Content", "Owner", "Created_Time", "Modified_Time"]
MAX_TITLE = 120  # Zoho's Note_Title length
MAX_CONTENT = 32000  # Zoho's Note_Content length
NOTES_SHOWN = 20
TYPES = {"Parent_Id": "lookup"}


def has_related_list(*, connection: ZohoConnection, module: Module, api_name: str) -> bool:
    """Whether Zoho shows the related list `api_name` (Notes, Attachments) on the module's
    records (the related-list metadata the record page reads, cached: the same key as
    `crm.relations.related_list_meta`, so the page reads it once)."""
    entries = cached(
        metadata_key(connection, "related", module.api_name),
        lambda: zoho_metadata.get_related_lists(connection, module.api_name),
    )
    return any(entry["api_name"] == api_name for entry in entries)


def _require_notes(connection: ZohoConnection, module: Module) -> None:
    if not has_related_list(connection=connection, module=module, api_name=NOTES):
        raise AppError(ErrorCode.NOT_FOUND, f"{module.label} have no notes in Zoho CRM.")


def note_list(
    *, connection: ZohoConnection, module: Module, record_id: int, per_page: int = NOTES_SHOWN
) -> tuple[list[dict], bool]:
    """The record's newest notes (Zoho's order) and whether there are more."""
    _require_notes(connection, module)
    try:
        records, info = zoho_records.get_related_records(
            connection,
            module.api_name,
            record_id,
            NOTES,
            field_names=NOTE_FIELDS,
            page=1,
            per_page=per_page,
        )
    except AppError as error:
        if error.code == ErrorCode.INVALID_DATA and error.field is None:  # the record's id
            raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.") from None
        raise
    return [_note(r) for r in records], bool(info.get("more_records"))


def _note(record: dict) -> dict:
    owner = record.get("Owner") if isinstance(record.get("Owner"), dict) else {}
    return {
        "id": str(record.get("id")),
        "Note_Title": record.get("Note_Title") or "",
        "Note_Content": record.get("Note_Content") or "",
        "Owner": owner.get("name") or "",
        "Created_Time": record.get("Created_Time"),
        "Modified_Time": record.get("Modified_Time"),
        "when": _when(record.get("Modified_Time") or record.get("Created_Time")),
    }


def _when(value) -> str:
    """A note's time as people read it ("6 Dec 2026, 14:05", in the time Zoho gave)."""
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return f"{parsed.day} {parsed:%b %Y, %H:%M}" if parsed else ""


def _clean(values) -> dict:
    """A note's title and content, checked as Zoho would (content is required)."""
    if not isinstance(values, dict):
        raise AppError(ErrorCode.INVALID_DATA, 'A note is {"Note_Title", "Note_Content"}.')
    unknown = sorted(set(values) - {"Note_Title", "Note_Content"})
    if unknown:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{str(unknown[0])[:60]} is not a field of a note (Note_Title, Note_Content).",
            field=str(unknown[0])[:100],
        )
    title, content = values.get("Note_Title", ""), values.get("Note_Content")
    if not isinstance(title, str | None) or not isinstance(content, str | None):
        raise AppError(ErrorCode.INVALID_DATA, "A note's title and text are text.")
    title, content = (title or "").strip(), (content or "").strip()
    if not content:
        raise AppError(
            ErrorCode.MANDATORY_NOT_FOUND, "Write the note's text.", field="Note_Content"
        )
    if len(title) > MAX_TITLE:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"A note's title is at most {MAX_TITLE} characters.",
            field="Note_Title",
        )
    if len(content) > MAX_CONTENT:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"A note is at most {MAX_CONTENT:,} characters.",
            field="Note_Content",
        )
    return {"Note_Title": title or None, "Note_Content": content}


def note_add(*, connection: ZohoConnection, module: Module, record_id: int, values) -> dict:
    """Add a note to the record; the note as `note_list` gives it."""
    _require_notes(connection, module)
    cleaned = _clean(values)
    cleaned = {k: v for k, v in cleaned.items() if v is not None}
    cleaned.update({"Parent_Id": str(record_id), SE_MODULE_KEY: module.api_name})
    result = zoho_records.create_records(connection, NOTES, [cleaned], TYPES)[0]
    if result["status"] != "success" and result.get("field") == "Parent_Id":
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    raise_for_result(result)
    return note_get(connection=connection, module=module, record_id=record_id, note_id=result["id"])


def note_get(*, connection: ZohoConnection, module: Module, record_id: int, note_id) -> dict:
    """One note of the record (404 for a note of any other record)."""
    note_id = str(note_id)
    if not is_zoho_id(note_id):
        raise AppError(ErrorCode.NOT_FOUND, "No such note on this record.")
    record = zoho_records.get_record(
        connection, NOTES, int(note_id), field_chunks=[[*NOTE_FIELDS, "Parent_Id"]]
    )
    parent = (record or {}).get("Parent_Id")
    if (
        record is None
        or not isinstance(parent, dict)
        or str(parent.get("id")) != str(record_id)
        or record.get(SE_MODULE_KEY) not in (None, module.api_name)
    ):
        raise AppError(ErrorCode.NOT_FOUND, "No such note on this record.")
    return _note(record)


def note_update(
    *, connection: ZohoConnection, module: Module, record_id: int, note_id, values
) -> dict:
    cleaned = _clean(values)
    note_get(connection=connection, module=module, record_id=record_id, note_id=note_id)
    result = zoho_records.update_record(connection, NOTES, int(note_id), cleaned, TYPES)
    raise_for_result(result)
    return note_get(connection=connection, module=module, record_id=record_id, note_id=note_id)


def note_delete(*, connection: ZohoConnection, module: Module, record_id: int, note_id) -> dict:
    """Delete one note of the record; the note deleted."""
    note = note_get(connection=connection, module=module, record_id=record_id, note_id=note_id)
    raise_for_result(zoho_records.delete_record(connection, NOTES, int(note_id)))
    return note
