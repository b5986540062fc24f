"""Values made of parts: addresses, multi-select and multi-user lookups, subforms.

`clean(field, value, clean_value)` is what `crm.validation.clean_value` runs for these
types (the JSON API and the forms alike; it passes itself in, to check each row's fields),
and answers them in the shapes Zoho's Insert/Update Records take:

- `address`: an object of the parts Zoho defines (`ADDRESS_PARTS`); the parts given are
  changed, the others kept; `null` for a part clears it.
- `multiselectlookup` / `multiuserlookup`: a list of changes, as Zoho takes them:
  `{"<connected field>": {"id": "…"}}` (or the id itself) links a record or user,
  `{"id": "<link id>", "_delete": null}` unlinks one; links not named are kept.
- `subform`: the rows the record keeps: a row with an `id` changes that row, a row without
  one adds a row, a row left out is deleted. Each row's fields are checked by the subform's
  own fields with `clean_value`, as the parent's are, and the subform's mandatory fields
  must be there.

Lists and rows come back as `Rows`, which carry the types of their keys, so the SDK layer
(`crm.zoho.convert`) sends each key as its type (a lookup as a record, a user as a user).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from core.errors import AppError, ErrorCode

TYPES = frozenset({"address", "multiselectlookup", "multiuserlookup", "subform"})
LINK_TYPES = ("multiselectlookup", "multiuserlookup")
# An address's parts as Zoho's compound address field defines them, with their labels.
ADDRESS_PARTS = (
    ("address_line_1", "Street"),
    ("address_line_2", "Street, line 2"),
    ("city", "City"),
    ("state", "State"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
)
FORM_ADDRESS_PARTS = ADDRESS_PARTS[:6]  # what a person types; coordinates stay as they are
ADDRESS_PART_LENGTH = 250
MAX_LINKS = 100  # links changed in one write
MAX_ROWS = 200  # rows of a subform in one write
IGNORED_ROW_KEYS = ("id", "Parent_Id")  # a row read and sent back as it came


class Rows(list):
    """A list of rows (dicts) to send, with the data type of each key (`types`)."""

    def __init__(self, rows=(), types: dict[str, str] | None = None):
        super().__init__(rows)
        self.types = dict(types or {})


def _bad(field, reason: str) -> AppError:
    return AppError(ErrorCode.INVALID_DATA, f"{field.label} {reason}.", field=field.api_name)


def clean(field, value: Any, clean_value: Callable[[Any, Any], Any]) -> Any:
    """`value` of a compound field as Zoho takes it, or the AppError naming the field;
    `clean_value(field, value)` checks one field of a subform row."""
    if field.data_type == "address":
        return _address(field, value)
    if field.data_type in LINK_TYPES:
        return _links(field, value)
    return _subform(field, value, clean_value)


def _address(field, value) -> dict:
    if not isinstance(value, dict):
        raise _bad(field, 'must be an object of address parts ({"city": "…", …})')
    parts = dict(ADDRESS_PARTS)
    cleaned = {}
    for key, part in value.items():
        if key not in parts:
            raise _bad(field, f"has no part {str(key)[:40]!r}: use {', '.join(parts)}")
        if isinstance(part, int | float) and not isinstance(part, bool):
            part = str(part)
        if part is not None and not isinstance(part, str):
            raise _bad(field, f"{parts[key]} must be text")
        part = part.strip() if isinstance(part, str) else None
        if part and len(part) > ADDRESS_PART_LENGTH:
            raise _bad(field, f"{parts[key]} is longer than {ADDRESS_PART_LENGTH} characters")
        if part and not _encodable(part):
            raise _bad(field, f"{parts[key]} contains characters that cannot be encoded")
        cleaned[key] = part or None
    return cleaned


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _id(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 19 and int(value) < 2**63:
            return str(int(value))
    return None


def _links(field, value) -> Rows:
    connected = field.connected_field
    if not connected:
        raise _bad(field, "cannot be set from the portal (Zoho did not say what it links)")
    kind = "userlookup" if field.data_type == "multiuserlookup" else "lookup"
    what = "a user" if kind == "userlookup" else f"a record in {field.connected_module}"
    if not isinstance(value, list):
        raise _bad(field, f'must be a list of changes ([{{"{connected}": {{"id": "…"}}}}, …])')
    if len(value) > MAX_LINKS:
        raise _bad(field, f"takes at most {MAX_LINKS} changes at once")
    rows, added = Rows(types={connected: kind}), set()
    for item in value:
        if isinstance(item, dict) and "_delete" in item:
            link = _id(item.get("id"))
            if link is None:
                raise _bad(field, 'unlinks by the link\'s id: {"id": "…", "_delete": null}')
            rows.append({"id": link, "_delete": None})
            continue
        target = _id(item.get(connected) if isinstance(item, dict) else item)
        if target is None:
            raise _bad(field, f"links {what} by its id (digits only)")
        if target not in added:
            added.add(target)
            rows.append({connected: target})
    return rows


def _subform(field, value, clean_value) -> Rows:
    subfields = {f.api_name: f for f in field.subform_fields}
    if not subfields:
        raise _bad(field, "cannot be set from the portal (Zoho did not describe its fields)")
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise _bad(field, "must be a list of rows (objects of the subform's fields)")
    if len(value) > MAX_ROWS:
        raise _bad(field, f"takes at most {MAX_ROWS} rows")
    rows = Rows(types={name: f.data_type for name, f in subfields.items()})
    for number, row in enumerate(value, start=1):
        cleaned: dict[str, Any] = {}
        if row.get("id") not in (None, ""):
            ident = _id(row["id"])
            if ident is None:
                raise _bad(field, f"row {number}: id must be a row's id (digits only)")
            cleaned["id"] = ident
        for key, item in row.items():
            if key in IGNORED_ROW_KEYS or (isinstance(key, str) and key.startswith("$")):
                continue
            sub = subfields.get(key)
            if sub is None or not sub.editable:
                reason = "is read-only" if sub is not None else "is not a field of the subform"
                if sub is not None and sub.permission == "read_only":
                    reason = "is read-only for your Zoho profile"
                raise _bad(field, f"row {number}: {str(key)[:60]} {reason}")
            try:
                cleaned[key] = clean_value(sub, item)
            except AppError as error:
                raise _bad(field, f"row {number}: {error.message.rstrip('.')}") from None
        for sub in subfields.values():
            missing = sub.required and cleaned.get(sub.api_name) is None
            if missing and ("id" not in cleaned or sub.api_name in row):
                raise AppError(
                    ErrorCode.MANDATORY_NOT_FOUND,
                    f"{field.label} row {number}: {sub.label} is required.",
                    field=field.api_name,
                )
        rows.append(cleaned)
    return rows


def check_static_rows(field, rows: list, before: list) -> None:
    """A static subform's rows (`rows`, cleaned) against the record's (`before`, as read):
    every row given once by its id, none added or left out, no static field changed; the
    AppError names the field. A record without rows yet takes its first ones as Zoho does."""
    if not before:
        return
    names = " and ".join(field.static_fields)
    fixed = f"has fixed rows (one per {names})"
    was = {str(r.get("id")): r for r in before if isinstance(r, dict) and r.get("id")}
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        ident = row.get("id")
        if ident is None:
            raise _bad(field, f"{fixed}: a row cannot be added (row {number} has no id)")
        if ident not in was or ident in seen:
            raise _bad(field, f"{fixed}: row {number}'s id {ident} is not one of its rows")
        seen.add(ident)
        for name in field.static_fields:
            old = _static_text(was[ident].get(name))
            if name in row and _static_text(row[name]) != old:
                raise _bad(field, f"{fixed}: row {number}'s {name} cannot be changed from {old}")
    if seen != set(was):
        raise _bad(field, f"{fixed}: a row cannot be removed (give each of its rows by id)")


def _static_text(value) -> str:
    if isinstance(value, dict):  # a lookup or a picklist read as an object
        value = value.get("id") or value.get("name")
    return "" if value is None else str(value)


def input_spec(field) -> dict:
    """`Field.describe()["input"]` of a compound field: what a client needs to build it."""
    if field.data_type == "address":
        return {"type": "address", "parts": [key for key, _ in ADDRESS_PARTS]}
    if field.data_type in LINK_TYPES:
        kind = "users" if field.data_type == "multiuserlookup" else "records"
        return {
            "type": f"{kind}-multiple",
            "connected_field": field.connected_field,
            "module": field.connected_module,
        }
    return {
        "type": "subform",
        "fields": [f.describe() for f in field.subform_fields],
        "static_fields": list(field.static_fields),  # a static subform's fixed rows' names
    }


def with_subform_fields(fields: list, load, static: dict | None = None) -> list:
    """`fields` with each writable subform's own fields (`load(module)`: its Fields) and, for
    a static subform, its static fields (`static`: module -> api names); a subform whose
    fields Zoho does not describe stays read-only."""
    out = []
    for field in fields:
        if field.data_type == "subform" and field.subform_module and not field.read_only:
            try:
                field = replace(
                    field,
                    subform_fields=tuple(load(field.subform_module)),
                    static_fields=tuple((static or {}).get(field.subform_module) or ()),
                )
            except AppError:
                pass
        out.append(field)
    return out
