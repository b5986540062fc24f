"""How the record page shows the field types that are more than text: files and images
(links and thumbnails served through the portal), the record photo, lookups to several
records or users, user lookups, subforms (a table), rich text (sanitised HTML), addresses
(lines) and currency (its precision and the org's symbol).

`shown(field, record, ...)` answers a dict the template `records/_value.html` draws, or
None for a field the page shows as plain text. A raw id is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils.safestring import mark_safe

from crm import numbers, rich_text
from crm.fields import FILE_TYPES, Field, address_lines, file_name, is_zoho_id


@dataclass(frozen=True)
class Context:
    module: str  # the record's module
    record_id: str
    shown_modules: dict[str, str]  # modules the portal shows: api name -> singular label
    currency_symbol: str
    subform_fields: dict[str, tuple[Field, ...]]  # subform module -> its fields
    can_edit: bool = False  # the user's profile may edit the record (files may be added)


# Types a form may not change: when not editable there, a form leaves them out (never an
# empty input that would wipe them) and names them, so nobody wonders where they went.
KEPT_TYPES = (
    *FILE_TYPES,
    "profileimage",
    "multiselectlookup",
    "multiuserlookup",
    "subform",
    "address",
)


PHOTO_ACCEPT = "image/png,image/jpeg,image/gif,image/bmp"  # crm/photo.py takes these


def kept_on_forms(module) -> list[str]:
    """The labels of the module's fields of `KEPT_TYPES` a form does not change: files,
    images and the photo (changed on the record page), and what the user's profile or Zoho
    keeps read-only."""
    return [f.label for f in module.fields if f.data_type in KEPT_TYPES and not f.editable]


def money(field: Field, value, symbol: str, code: str | None = None) -> str:
    """A currency value with its own precision and the org's symbol (or, when the record is
    in another currency, `code`'s), in the user's number format (`crm.numbers`)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return field.display(value)
    formats = numbers.active()
    if symbol and not formats.currency_symbol:  # drawn outside a page's formats
        formats = replace(formats, currency_symbol=symbol)
    return formats.money(value, field.money_places, code if isinstance(code, str) else None)


def _user(value) -> dict | None:
    if not isinstance(value, dict) or not value.get("name"):
        return None
    email = value.get("email")
    href = f"mailto:{email}" if isinstance(email, str) and "@" in email else None
    return {"text": value["name"], "href": href}


def _record_link(target: str | None, value, ctx: Context) -> dict | None:
    if not isinstance(value, dict) or not value.get("name"):
        return None
    ident = value.get("id")
    href = None
    if target in ctx.shown_modules and is_zoho_id(ident):
        href = reverse("crm:record", kwargs={"module": target, "record_id": ident})
    return {"text": value["name"], "href": href}


def shown(field: Field, record: dict, ctx: Context) -> dict | None:  # noqa: C901 - per type
    value = record.get(field.api_name)
    kind = field.data_type
    if kind in FILE_TYPES:
        return _files(field, value if isinstance(value, list) else [], ctx)
    if kind == "profileimage":  # the photo, with its upload and remove forms
        return _photo(field, value, ctx)
    if value in (None, "", [], {}):
        return None
    if kind == "userlookup":
        user = _user(value)
        return {"kind": "links", "items": [user]} if user else None
    if kind in ("multiselectlookup", "multiuserlookup") and isinstance(value, list):
        items = []
        for item in value:
            linked = item.get(field.connected_field) if isinstance(item, dict) else None
            if kind == "multiuserlookup" or field.connected_module == "users":
                found = _user(linked)
            else:
                found = _record_link(field.connected_module, linked, ctx)
            if found:
                items.append(found)
        return {"kind": "links", "items": items} if items else None
    if kind == "subform" and isinstance(value, list):
        return _table(field, value, ctx)
    if kind == "textarea" and field.rich_text and isinstance(value, str):
        return {"kind": "html", "html": mark_safe(rich_text.sanitise(value))}  # noqa: S308
    if kind == "address" and isinstance(value, dict):
        lines = address_lines(value)
        return {"kind": "lines", "lines": lines} if lines else None
    if kind == "currency":
        code = record.get("Currency")  # a multi-currency org's record names its own
        return {"kind": "text", "text": money(field, value, ctx.currency_symbol, code)}
    return None


def _photo(field: Field, value, ctx: Context) -> dict | None:
    """What the record page shows for the photo field: the thumbnail, and where the user may
    change it, the forms to upload (or replace) and remove it."""
    kwargs = {"module": ctx.module, "record_id": ctx.record_id}
    can_change = ctx.can_edit and field.permission == "read_write"
    if not value and not can_change:
        return None
    return {
        "kind": "photo",
        "url": reverse("crm:photo", kwargs=kwargs) if value else None,
        "upload_url": reverse("crm:photo-upload", kwargs=kwargs) if can_change else None,
        "remove_url": reverse("crm:photo-remove", kwargs=kwargs) if can_change and value else None,
        "accept": PHOTO_ACCEPT,
        "label": field.label,
        "field": field.api_name,
    }


def _files(field: Field, value: list, ctx: Context) -> dict | None:
    """A file or image field: its files (links, or thumbnails for images), and the form
    that adds one where the user may edit the record."""
    image = field.data_type == "imageupload"
    files = []
    for entry in value:
        name, ident = file_name(entry), entry.get("id") if isinstance(entry, dict) else None
        if not name or not is_zoho_id(ident):
            continue
        url = reverse(
            "crm:field-file",
            kwargs={
                "module": ctx.module,
                "record_id": ctx.record_id,
                "field": field.api_name,
                "file_id": ident,
            },
        )
        remove_url = None
        if ctx.can_edit and not field.read_only:
            remove_url = reverse(
                "crm:field-file-remove",
                kwargs={
                    "module": ctx.module,
                    "record_id": ctx.record_id,
                    "field": field.api_name,
                    "file_id": ident,
                },
            )
        files.append({"name": name, "url": url, "image": image, "remove_url": remove_url})
    add_url = None
    if ctx.can_edit and not field.read_only:
        add_url = reverse(
            "crm:field-file-add",
            kwargs={"module": ctx.module, "record_id": ctx.record_id, "field": field.api_name},
        )
    if not files and add_url is None:
        return None
    return {
        "kind": "files",
        "files": files,
        "add_url": add_url,
        "accept": "image/png,image/jpeg,image/gif,image/webp" if image else "",
        "field": field.api_name,
        "label": field.label,
    }


def _table(field: Field, rows: list, ctx: Context) -> dict | None:
    """A subform as a table: one column per subform field some row has a value in."""
    fields = ctx.subform_fields.get(field.subform_module or "", ())
    rows = [r for r in rows if isinstance(r, dict)]
    if not rows:
        return None
    if not fields:  # no metadata: the keys the rows have
        names = [k for k in rows[0] if k not in ("id", "name") and not k.startswith("$")]
        fields = tuple(
            Field(api_name=n, label=n.replace("_", " "), data_type="text") for n in names
        )
    columns = [
        f
        for f in fields
        if f.api_name not in ("id", "Parent_Id")
        and any(r.get(f.api_name) not in (None, "", [], {}) for r in rows)
    ]
    body = []
    for row in rows:
        cells = []
        for f in columns:
            cell = row.get(f.api_name)
            if f.data_type == "currency":
                text = money(f, cell, ctx.currency_symbol)
            else:
                text = f.display(cell)
            href = None
            if f.data_type == "lookup" and isinstance(cell, dict):
                link = _record_link(f.lookup_module, cell, ctx)
                href = link["href"] if link else None
            cells.append({"text": text, "href": href})
        body.append(cells)
    return {
        "kind": "table",
        "label": field.label,
        "columns": [c.label for c in columns],
        "rows": body,
    }
