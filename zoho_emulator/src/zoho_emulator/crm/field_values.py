"""Writing the field types of ``field_types``: what Insert/Update Records accept for them.

- ``userlookup``: ``{"id": "<user id>"}``, as an owner.
- ``fileupload`` / ``imageupload``: a list; ``{"File_Id__s": "<id from POST /files>"}`` adds a
  file, ``{"id": "<attachment id>", "_delete": null}`` removes one; others are kept.
- ``multiselectlookup`` / ``multiuserlookup``: a list; ``{"<connected field>": {"id"}}`` adds a
  link, ``{"id": "<link id>", "_delete": null}`` removes one.
- ``subform``: the list of rows the record keeps; a row with an ``id`` updates that row, a row
  without adds one, a row left out is deleted. A static subform's rows are fixed (one per
  value of its static field): the first write gives each once, without ids; later writes
  give every row by ``id`` and may change only its other columns.
- ``address``: an object of the address parts (``field_types.ADDRESS_PARTS``).
"""

from __future__ import annotations

from .. import field_types, schema
from ..schema import FieldError, _invalid
from .context import Ctx
from .files import stored_file

TYPES = (
    "userlookup",
    "fileupload",
    "imageupload",
    "multiselectlookup",
    "multiuserlookup",
    "subform",
    "address",
)


def _user(fd, value, path, resolve_user) -> dict:
    ref = value.get("id") if isinstance(value, dict) else None
    if isinstance(ref, int) and not isinstance(ref, bool):
        ref = str(ref)
    if not isinstance(ref, str):
        raise _invalid(fd, path, expected_data_type="jsonobject")
    user = resolve_user(ref)
    if user is None:
        raise _invalid(fd, path + ".id")
    return user


def _list(fd, value, path) -> list:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _invalid(fd, path, expected_data_type="jsonarray")
    return value


def apply_value(ctx: Ctx, module: str, fd, value, path: str, existing: dict | None, resolvers):
    """The value to store for ``fd``, or FieldError. ``None`` clears the field."""
    resolve_lookup, resolve_user = resolvers
    if value is None:
        if fd.data_type == "subform" and field_types.STATIC_SUBFORMS.get(fd.subform_module):
            if (existing or {}).get(fd.api_name):
                raise _invalid(fd, path)  # a static subform's rows are never dropped
        return None
    t = fd.data_type
    if t == "userlookup":
        return _user(fd, value, path, resolve_user)
    if t == "address":
        if not isinstance(value, dict):
            raise _invalid(fd, path, expected_data_type="jsonobject")
        out = dict((existing or {}).get(fd.api_name) or dict.fromkeys(field_types.ADDRESS_PARTS))
        for key, part in value.items():
            if key not in field_types.ADDRESS_PARTS:
                raise _invalid(fd, f"{path}.{key}")
            if part is not None and not isinstance(part, str | int | float):
                raise _invalid(fd, f"{path}.{key}", expected_data_type="string")
            if isinstance(part, str) and len(part) > 250:
                raise _invalid(fd, f"{path}.{key}", maximum_length=250)
            out[key] = part
        return out
    items = _list(fd, value, path)
    if t == "subform":
        return _subform(ctx, fd, items, path, existing, resolvers)
    kept = list((existing or {}).get(fd.api_name) or [])
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if "_delete" in item:
            before = len(kept)
            kept = [k for k in kept if k.get("id") != str(item.get("id"))]
            if len(kept) == before:
                raise _invalid(fd, f"{where}.id")
            continue
        if t in ("fileupload", "imageupload"):
            found = stored_file(ctx, item.get("File_Id__s"))
            if found is None:
                raise _invalid(fd, f"{where}.File_Id__s")
            entry = {
                "File_Name__s": found.name,
                "Size__s": str(len(found.data)),
                "File_Id__s": item["File_Id__s"],
                "id": ctx.org_data.ids.next(),
                "Created_Time__s": ctx.now(),
                "Modified_Time__s": ctx.now(),
                "Created_By__s": ctx.user_ref,
                "Modified_By__s": ctx.user_ref,
                "Owner__s": ctx.user_ref,
            }
            if t == "imageupload":
                if not found.content_type.startswith("image/"):
                    raise _invalid(fd, f"{where}.File_Id__s")
                entry.update(
                    Preview_Id__s=item["File_Id__s"],
                    Description__s=item.get("Description__s"),
                    Sequence_Number__s=len(kept) + 1,
                    State__s="active",
                )
            kept.append(entry)
            continue
        _, _, connected, target = fd.extra["linking"]
        ref = item.get(connected)
        if t == "multiuserlookup":
            linked = _user(fd, ref, f"{where}.{connected}", resolve_user)
        else:
            ident = ref.get("id") if isinstance(ref, dict) else None
            linked = resolve_lookup(target, str(ident)) if ident is not None else None
            if linked is None:
                raise _invalid(fd, f"{where}.{connected}.id")
        if any((k.get(connected) or {}).get("id") == linked["id"] for k in kept):
            continue
        kept.append({connected: linked, "id": ctx.org_data.ids.next()})
    return kept


def _subform(ctx: Ctx, fd, rows: list, path: str, existing: dict | None, resolvers) -> list:
    resolve_lookup, resolve_user = resolvers
    fields = ctx.schema.fields(fd.subform_module)
    before = {r["id"]: r for r in (existing or {}).get(fd.api_name) or []}
    out = []
    for index, row in enumerate(rows):
        where = f"{path}[{index}]"
        ident = row.get("id")
        if ident is not None and str(ident) not in before:
            raise _invalid(fd, f"{where}.id")
        stored = dict(before.get(str(ident), {})) if ident is not None else {}
        stored["id"] = str(ident) if ident is not None else ctx.org_data.ids.next()
        for key, value in row.items():
            sub = fields.get(key)
            if key == "id" or sub is None or sub.read_only:
                continue
            if sub.data_type == "userlookup" and value is not None:
                stored[key] = _user(sub, value, f"{where}.{key}", resolve_user)
            elif sub.data_type == "userlookup":
                stored[key] = None
            else:
                stored[key] = schema.validate_value(
                    sub, value, f"{where}.{key}", resolve_lookup, resolve_user
                )
        out.append(stored)
    static = field_types.STATIC_SUBFORMS.get(fd.subform_module)
    if static:
        _check_static_rows(fd, fields, static, rows, out, before, path)
    return out


def _check_static_rows(fd, fields, static, rows, out, before, path) -> None:
    """The stricter reading of a static subform (Zoho documents the module type, not its
    writes): no row is added or dropped once the rows exist, a static field's value never
    changes, and the first rows are exactly one per value of the first static field."""
    if before:
        for index, (row, stored) in enumerate(zip(rows, out, strict=True)):
            if row.get("id") is None:
                raise _invalid(fd, f"{path}[{index}].id")
            for name in static:
                if name in row and stored.get(name) != before[stored["id"]].get(name):
                    raise _invalid(fd, f"{path}[{index}].{name}")
        if sorted(r["id"] for r in out) != sorted(before):
            raise _invalid(fd, path)
        return
    first = fields[static[0]]
    given = [r.get(static[0]) for r in out]
    if sorted(map(str, given)) != sorted(first.picklist):
        raise _invalid(fd, path)


__all__ = ["TYPES", "FieldError", "apply_value"]
