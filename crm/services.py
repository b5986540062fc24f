"""Writes of records for the active connection: create (up to 100 at once), update,
delete. Every value is checked first (`crm.validation`); Zoho's per-record answers
become `AppError`s naming the field."""

from __future__ import annotations

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import compound_values, lookup_text, record_state
from crm.fields import REFERENCE_TYPES, is_zoho_id
from crm.metadata import refresh_if_stale, with_layout
from crm.modules import Module
from crm.selectors import count_forget
from crm.validation import clean_values
from crm.zoho import records as zoho_records

MAX_BATCH = 100


def records_create(*, connection: ZohoConnection, module: Module, records: list) -> list[dict]:
    """Create up to 100 records; every record is validated before anything is sent."""
    module.require("create")
    if not isinstance(records, list) or not records:
        raise AppError(ErrorCode.INVALID_DATA, "Give one record or a list of records.")
    if len(records) > MAX_BATCH:
        raise AppError(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_BATCH} records at a time.")
    cleaned = []
    for index, values in enumerate(records):
        try:
            values, layout = _layout_given(values, module)
            in_layout = with_layout(connection=connection, module=module, layout=layout)
            values = lookup_text.resolve_names(
                connection=connection, module=in_layout, values=values
            )
            one = clean_values(in_layout, values, creating=True)
            if in_layout.sends_layout:
                one["Layout"] = in_layout.layout_id
            cleaned.append(one)
        except AppError as error:
            if len(records) == 1:
                raise
            raise AppError(
                error.code,
                f"Record {index + 1}: {error.message}",
                field=error.field,
                title=error.title,
                **error.extras,
            ) from None
    types = {**module.types, "Layout": "layout"}
    results = zoho_records.create_records(connection, module.api_name, cleaned, types)
    if any(result["status"] == "success" for result in results):
        count_forget(connection=connection, module=module.api_name)
    pairs = zip(cleaned, results, strict=False)
    return [
        explain_refusal(module, values, _stale_if(connection, module, result))
        for values, result in pairs
    ]


def _layout_given(values, module: Module) -> tuple:
    """A record's `Layout` (Zoho's {"id": …}, or the id) taken out of its values: the
    layout it is created in; else the one `module` was chosen in (None: the default)."""
    if not isinstance(values, dict) or "Layout" not in values:
        return values, module.layout_id
    values = dict(values)
    given = values.pop("Layout")
    ident = given.get("id") if isinstance(given, dict) else given
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if ident is not None and not is_zoho_id(ident):
        raise AppError(
            ErrorCode.INVALID_DATA, 'Layout is a layout\'s id ({"id": "…"}).', field="Layout"
        )
    return values, ident


def record_update(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    values,
    layout: str | None = None,
) -> dict:
    module.require("edit")
    if layout is not None:  # the record's layout: what clearing a field may not leave empty
        module = with_layout(connection=connection, module=module, layout=layout)
    values = lookup_text.resolve_names(connection=connection, module=module, values=values)
    cleaned = clean_values(module, values, creating=False)
    _check_static_subforms(connection, module, record_id, cleaned)
    result = zoho_records.update_record(
        connection, module.api_name, record_id, cleaned, module.types
    )
    result = explain_refusal(module, cleaned, _stale_if(connection, module, result))
    raise_for_result(result)
    count_forget(connection=connection, module=module.api_name)
    return result


def _check_static_subforms(connection, module: Module, record_id: int, cleaned: dict) -> None:
    """A static subform's rows are fixed: refused here, naming the field, when a write would
    add, remove or rename one (Zoho's own answer is a bare INVALID_DATA)."""
    static = [f for f in module.fields if f.static_fields and f.api_name in cleaned]
    if not static:
        return
    names = [f.api_name for f in static]
    record = zoho_records.get_record(connection, module.api_name, record_id, field_chunks=[names])
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    for field in static:
        before = record.get(field.api_name)
        compound_values.check_static_rows(
            field, cleaned[field.api_name] or [], before if isinstance(before, list) else []
        )


def _stale_if(connection: ZohoConnection, module: Module, result: dict) -> dict:
    """A refusal naming a field the cached metadata does not know (a field added or made
    mandatory at Zoho since): the org's metadata is dropped once (`refresh_if_stale`), so
    the next form has the field as Zoho has it."""
    field = result.get("field")
    if result["status"] == "error" and field:
        mandatory = [field] if result["code"] == "MANDATORY_NOT_FOUND" else []
        refresh_if_stale(connection=connection, module=module, fields=[field], required=mandatory)
    return result


def explain_refusal(module: Module, values: dict, result: dict) -> dict:
    """A lookup or owner Zoho refused (INVALID_DATA naming the field: no such record, or not
    an active user of the org) said plainly, keeping Zoho's own message."""
    field = module.field(result.get("field") or "")
    if (
        result["status"] != "error"
        or result["code"] != "INVALID_DATA"
        or field is None
        or field.data_type not in REFERENCE_TYPES
        or values.get(field.api_name) is None
    ):
        return result
    ident = values[field.api_name]
    if field.data_type in ("ownerlookup", "userlookup"):
        reason = f"{field.label}: user {ident} is not an active user of this org."
    else:
        where = field.lookup_module or "the related module"
        reason = f"{field.label}: no record in {where} has the id {ident}."
    zoho_says = result["message"]
    return {**result, "message": f"{reason} (Zoho: {zoho_says})" if zoho_says else reason}


def record_delete(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    module.require("delete")
    result = zoho_records.delete_record(connection, module.api_name, record_id)
    raise_for_result(result)
    count_forget(connection=connection, module=module.api_name)
    return result


def raise_for_result(result: dict) -> None:
    """A failed per-record result as the AppError a single-record call answers with."""
    if result["status"] == "success":
        return
    if result["code"] in (record_state.RECORD_LOCKED, record_state.NOT_APPROVED):
        raise record_state.from_zoho(result["code"], result["message"])
    if result.get("field") == "id" or result["code"] == "RECORD_NOT_FOUND":
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    if result["code"] == "NO_PERMISSION":
        raise AppError(
            ErrorCode.NO_PERMISSION, result["message"] or "Your Zoho profile does not allow this."
        )
    extras = {}
    if result["code"] in ErrorCode.__members__:
        code = ErrorCode(result["code"])
    else:  # a code of Zoho's the portal does not know: the record was refused all the same
        code, extras["zoho_code"] = ErrorCode.INVALID_DATA, str(result["code"])[:60]
    if result.get("duplicate_of") is not None:
        extras["duplicate_of"] = result["duplicate_of"]  # the record a duplicate matches
    raise AppError(
        code,
        result["message"] or "Zoho CRM refused the record.",
        field=result.get("field"),
        **extras,
    )
