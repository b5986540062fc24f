"""A lookup given as text: the name of the record it should point to, never dropped.

A form's lookup input (with or without JavaScript) and the JSON API both take either the
related record's id or its name. A name is looked up in the related module: exactly one
record of that name (case and surrounding spaces aside) → its id; none, or several → an
error on that field saying so. Nothing is ever saved with the typed text silently left out.
"""

from __future__ import annotations

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import metadata, selectors
from crm.fields import SE_MODULE_KEY, Field, is_zoho_id
from crm.modules import Module

# Records of the typed name looked at: more than this many of one name is "several" anyway.
MATCHES_READ = 50
MAX_NAME = 200
NAME_SUFFIX = "__name"  # the visible name box static/js/app.js posts beside the id


def _typed_name(value) -> str | None:
    """The name in a lookup value that is not an id (text, or {"name": …} without an id)."""
    if isinstance(value, dict) and value.get("id") in (None, "") and value.get("name"):
        value = value["name"]
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if text and not is_zoho_id(text) else None


def _target(connection: ZohoConnection, field: Field, values) -> Module | None:
    """The module a lookup's record lives in (an any-module lookup's: its `$se_module`)."""
    name = values.get(SE_MODULE_KEY) if field.any_module else field.lookup_module
    if not isinstance(name, str) or not name:
        return None
    try:
        return metadata.module_get(connection=connection, module=name)
    except AppError:
        return None  # validation says what is wrong with the module


def record_by_name(*, connection: ZohoConnection, field: Field, target: Module, name: str) -> dict:
    """The one record of `target` named `name`, as {"id", "name"}; else the AppError for
    `field` (no such record, several, or a name Zoho cannot search for)."""
    what = target.singular_label.lower()
    if len(name) > MAX_NAME:
        raise AppError(
            ErrorCode.INVALID_DATA, f"{field.label}: the name is too long.", field=field.api_name
        )
    if len(name) < 2:
        matches = []  # Zoho's search needs two characters; no name is one character here
    else:
        try:
            found = selectors.lookup_search(
                connection=connection, module=target, query=name, limit=MATCHES_READ
            )
        except AppError as error:
            if error.code not in (ErrorCode.INVALID_DATA, ErrorCode.INVALID_QUERY):
                raise
            found = []
        wanted = name.casefold()
        matches = [r for r in found if (r["name"] or "").strip().casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        message = (
            f"{field.label}: no {what} is named “{name}”. Give the name of one {what} (type "
            "part of it and choose from the list) or its id, or leave the field empty."
        )
    else:
        message = (
            f"{field.label}: {len(matches)} {target.label.lower()} are named “{name}”. "
            "Choose one from the list (or give its id)."
        )
    raise AppError(ErrorCode.INVALID_DATA, message, field=field.api_name)


def resolve_names(*, connection: ZohoConnection, module: Module, values):
    """`values` (a record as the API takes it) with each lookup given by name replaced by
    the id of the one record of that name; an AppError naming the field otherwise. Values
    of any other shape are left to `crm.validation` to judge."""
    if not isinstance(values, dict):
        return values
    resolved = dict(values)
    for field in module.editable_fields:
        if field.data_type != "lookup" or field.api_name not in values:
            continue
        name = _typed_name(values[field.api_name])
        if name is None:
            continue
        target = _target(connection, field, values)
        if target is None:
            continue
        found = record_by_name(connection=connection, field=field, target=target, name=name)
        resolved[field.api_name] = found["id"]
    return resolved


def resolve_posted(*, connection: ZohoConnection, module: Module, data) -> tuple:
    """A form's posted data with each lookup typed as a name replaced by its record's id,
    and {field name: message} for the names that did not name one record (their text is
    kept in the data, so the form shows it again)."""
    data = data.copy()
    errors: dict[str, str] = {}
    for field in module.editable_fields:
        name_key = f"{field.api_name}{NAME_SUFFIX}"
        if field.data_type != "lookup" or (field.api_name not in data and name_key not in data):
            continue
        raw = (data.get(field.api_name) or "").strip()
        if not raw:  # the id was cleared while a name stayed in the box: the name counts
            raw = (data.get(name_key) or "").strip()
            if raw and field.api_name in data:
                data[field.api_name] = raw
        name = _typed_name(raw)
        target = _target(connection, field, data) if name else None
        if target is None:
            continue
        try:
            found = record_by_name(connection=connection, field=field, target=target, name=name)
        except AppError as error:
            errors[field.api_name] = error.message
            continue
        data[field.api_name] = found["id"]
        data[name_key] = found["name"]
    return data, errors


def flag(form, errors: dict[str, str]) -> None:
    """Put `resolve_posted`'s errors on the form, in place of the form's own for that field
    (which would only say that text is not an id)."""
    if not errors:
        return
    form.errors  # noqa: B018 - runs the form's validation first
    for name, message in errors.items():
        if name in form.fields:
            form.errors[name] = form.error_class([message])
            form.cleaned_data.pop(name, None)
