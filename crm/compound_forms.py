"""Form fields for the values made of parts (crm/compound_values.py): an address's parts, the
records or users a multi lookup links, a subform's rows.

Each is one Django form field whose widget posts several inputs (`<name>.<part>`,
`<name>.keep`/`.add`, `<name>.<row>.<field>`) and whose value is checked by the same
`crm.validation.clean_value` the JSON API runs. On an edit form the hidden initial value is
the value as read (JSON), so an untouched field is neither checked again nor sent
(`edit_values`).
"""

from __future__ import annotations

import json
from datetime import datetime

from django import forms
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from core.errors import AppError
from crm.compound_values import FORM_ADDRESS_PARTS, LINK_TYPES
from crm.fields import Field, as_utc
from crm.form_fields import ZohoFormField, user_label
from crm.validation import clean_value

NEW_ROWS = 2  # blank rows a subform offers for adding
ADD_RECORDS = 3  # "add" pickers a multi-select lookup offers at once
MAX_ROW_SLOTS = 250


class JsonHidden(forms.HiddenInput):
    """The hidden initial value of a compound field: the value as read, as JSON."""

    def format_value(self, value):
        return json.dumps(value, default=str)

    def value_from_datadict(self, data, files, name):
        try:
            return json.loads(data.get(name) or "null")
        except ValueError:
            return None


class _TemplateWidget(forms.Widget):
    template = ""

    def __init__(self, zoho_field: Field, users: list[dict] | None = None, attrs=None):
        super().__init__(attrs)
        self.zoho_field = zoho_field
        self.users = users or []

    def render(self, name, value, attrs=None, renderer=None):
        base = (attrs or {}).get("id") or f"id_{name}"
        return mark_safe(render_to_string(self.template, self.context(name, value, base)))  # noqa: S308 - a template, autoescaped

    def id_for_label(self, id_):
        return f"{id_}_{self.first}" if id_ else None

    def use_required_attribute(self, initial):
        return False


# --- address ----------------------------------------------------------------------------
class AddressWidget(_TemplateWidget):
    template = "records/widgets/address.html"
    first = FORM_ADDRESS_PARTS[0][0]

    def context(self, name, value, base):
        value = value if isinstance(value, dict) else {}
        parts = [
            {
                "label": label,
                "name": f"{name}.{key}",
                "id": f"{base}_{key}",
                "value": "" if value.get(key) is None else str(value.get(key)),
            }
            for key, label in FORM_ADDRESS_PARTS
        ]
        return {"parts": parts, "label": self.zoho_field.label}

    def value_from_datadict(self, data, files, name):
        if self.value_omitted_from_data(data, files, name):
            return None
        return {key: data.get(f"{name}.{key}", "") for key, _ in FORM_ADDRESS_PARTS}

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}.{key}" in data for key, _ in FORM_ADDRESS_PARTS)


class AddressField(ZohoFormField):
    hidden_widget = JsonHidden

    def to_python(self, value):
        if not isinstance(value, dict):
            return None
        parts = {}
        for key, _ in FORM_ADDRESS_PARTS:
            part = value.get(key)
            part = str(part).strip() if part not in (None, "") else ""
            parts[key] = part or None
        return parts if any(parts.values()) else None


# --- multi-select and multi-user lookups ------------------------------------------------
class LinksWidget(_TemplateWidget):
    template = "records/widgets/links.html"
    first = "add_0"

    def context(self, name, value, base):
        field = self.zoho_field
        state = _links_state(field, value)
        was = state["was"]
        kept = set(state["keep"])
        linked = [
            {"link": item["link"], "label": item["label"], "checked": item["link"] in kept}
            for item in was
        ]
        context = {
            "name": name,
            "base": base,
            "label": field.label,
            "linked": linked,
            "was_json": json.dumps(was),
            "users": field.data_type == "multiuserlookup",
        }
        if context["users"]:
            linked_ids = {item["target"] for item in was}
            chosen = set(state["add"])
            context["options"] = [
                {"id": u["id"], "label": user_label(u), "selected": u["id"] in chosen}
                for u in self.users
                if u["id"] not in linked_ids
            ]
        else:
            added = [*state["add"], *[""] * ADD_RECORDS][:ADD_RECORDS]
            context["adds"] = [{"id": f"{base}_add_{i}", "value": v} for i, v in enumerate(added)]
            context["module"] = field.connected_module or ""
        return context

    def id_for_label(self, id_):
        return f"{id_}_add_0" if id_ else None

    def value_from_datadict(self, data, files, name):
        if f"{name}.was" not in data:
            return None
        try:
            was = json.loads(data.get(f"{name}.was") or "[]")
        except ValueError:
            was = []
        getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
        return {
            "was": was if isinstance(was, list) else [],
            "keep": [v for v in getlist(f"{name}.keep") if v],
            "add": [v.strip() for v in getlist(f"{name}.add") if v and v.strip()],
        }

    def value_omitted_from_data(self, data, files, name):
        return f"{name}.was" not in data


def _links_state(field: Field, value) -> dict:
    """{"was": [{"link", "target", "label"}], "keep": [link ids], "add": [ids]} from the value
    as read (a list of Zoho's items) or as posted (a dict)."""
    if isinstance(value, dict):
        was = [w for w in value.get("was") or [] if isinstance(w, dict) and w.get("link")]
        links = {w["link"] for w in was}
        keep = [k for k in value.get("keep") or [] if k in links]
        return {"was": was, "keep": keep, "add": list(dict.fromkeys(value.get("add") or []))}
    was = []
    for item in value if isinstance(value, list) else []:
        target = item.get(field.connected_field) if isinstance(item, dict) else None
        if not isinstance(target, dict) or not item.get("id"):
            continue
        label = target.get("name") or target.get("id")
        was.append({"link": str(item["id"]), "target": str(target.get("id")), "label": label})
    return {"was": was, "keep": [w["link"] for w in was], "add": []}


class LinksField(ZohoFormField):
    hidden_widget = JsonHidden

    def to_python(self, value):
        return _links_state(self.zoho_field, value)

    def has_changed(self, initial, data):
        before, after = self.to_python(initial), self.to_python(data)
        return sorted(before["keep"]) != sorted(after["keep"]) or bool(after["add"])

    def validate(self, value) -> None:
        if self.required and not value["keep"] and not value["add"]:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        state = self.to_python(value)
        self.validate(state)
        kept = set(state["keep"])
        connected = self.zoho_field.connected_field
        changes = [
            {"id": w["link"], "_delete": None} for w in state["was"] if w["link"] not in kept
        ]
        changes += [{connected: {"id": target}} for target in state["add"]]
        try:
            return clean_value(self.zoho_field, changes)
        except AppError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


# --- subforms -----------------------------------------------------------------------------
def _input_text(field: Field, value) -> str:
    """A subform value as its input shows it (and as it is compared, untouched)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    if isinstance(value, bool):
        return "true" if value else ""
    if field.data_type == "datetime" and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None and parsed.tzinfo is not None:
            return as_utc(parsed).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def _shown(field: Field, value) -> str:
    """A static field's value as its read-only cell shows it (a picklist by its label)."""
    text = _input_text(field, value)
    labels = dict(zip(field.picklist, field.picklist_labels or field.picklist, strict=False))
    return labels.get(text, text)


class SubformWidget(_TemplateWidget):
    template = "records/widgets/subform.html"
    first = "0"

    def columns(self) -> list[Field]:
        """The inputs of each row; a static subform's static fields name its fixed rows and
        are shown, never posted (`fixed_columns`)."""
        static = self.zoho_field.static_fields
        return [
            f for f in self.zoho_field.subform_fields if f.editable and f.api_name not in static
        ]

    def fixed_columns(self) -> list[Field]:
        by_name = {f.api_name: f for f in self.zoho_field.subform_fields}
        return [by_name[name] for name in self.zoho_field.static_fields if name in by_name]

    def id_for_label(self, id_):
        columns = self.columns()
        return f"{id_}_0_{columns[0].api_name}" if id_ and columns else None

    def context(self, name, value, base):
        columns = self.columns()
        rows = [r for r in (value if isinstance(value, list) else []) if isinstance(r, dict)]
        static = bool(self.zoho_field.static_fields)  # fixed rows: none added or removed
        fixed = self.fixed_columns()
        slots = [*rows, *[{} for _ in range(0 if static else NEW_ROWS)]]
        shown = []
        for index, row in enumerate(slots):
            named = [_shown(f, row.get(f.api_name)) for f in fixed]  # a fixed row's name
            where = ", ".join(t for t in named if t) or f"row {index + 1}"
            cells = []
            for column in columns:
                spec = column.describe()["input"]
                cell = {
                    "name": f"{name}.{index}.{column.api_name}",
                    "id": f"{base}_{index}_{column.api_name}",
                    "label": f"{column.label}, {where}",
                    "type": spec["type"],
                    "value": _input_text(column, row.get(column.api_name)),
                    "module": column.lookup_module or "",
                    "step": spec.get("step", ""),
                }
                if spec["type"] == "select":
                    labels = column.picklist_labels or column.picklist
                    cell["options"] = list(zip(column.picklist, labels, strict=False))
                elif spec["type"] == "owner":
                    cell["options"] = [(u["id"], user_label(u)) for u in self.users]
                cells.append(cell)
            shown.append(
                {
                    "id": str(row.get("id") or ""),
                    "number": index + 1,
                    "cells": cells,
                    "id_name": f"{name}.{index}.id",
                    "remove": f"{name}.{index}.remove",
                    "remove_id": f"{base}_{index}_remove",
                    "new": not row.get("id"),
                    "fixed": named,
                }
            )
        return {
            "name": name,
            "label": self.zoho_field.label,
            "columns": columns,
            "fixed_columns": fixed,
            "static": static,
            "rows": shown,
            "slots": len(slots),
        }

    def value_from_datadict(self, data, files, name):
        raw = data.get(f"{name}.rows")
        if raw is None:
            return None
        try:
            slots = min(int(raw), MAX_ROW_SLOTS)
        except ValueError:
            slots = 0
        rows = []
        static = bool(self.zoho_field.static_fields)
        for index in range(slots):
            prefix = f"{name}.{index}."
            if data.get(prefix + "remove") and not static:
                continue
            row = {}
            for column in self.columns():
                text = data.get(prefix + column.api_name, "")
                if column.data_type == "boolean":
                    text = "true" if text else "false"
                elif column.data_type == "datetime" and text.strip():
                    parsed = parse_datetime(text.strip())
                    text = as_utc(parsed).isoformat() if parsed else text
                row[column.api_name] = text
            ident = (data.get(prefix + "id") or "").strip()
            filled = any(v not in ("", "false") for v in row.values())
            if not ident and not filled:
                continue  # a blank row left blank
            if ident:
                row["id"] = ident
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data, files, name):
        return f"{name}.rows" not in data


class SubformField(ZohoFormField):
    hidden_widget = JsonHidden

    def _compared(self, rows) -> list:
        columns = self.widget.columns()
        out = []
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            texts = {c.api_name: _input_text(c, row.get(c.api_name)) for c in columns}
            for column in columns:
                if column.data_type == "boolean":
                    texts[column.api_name] = (
                        "true"
                        if row.get(column.api_name)
                        in (
                            True,
                            "true",
                        )
                        else ""
                    )
                elif column.data_type == "datetime" and texts[column.api_name]:
                    parsed = parse_datetime(texts[column.api_name])
                    if parsed is not None:
                        texts[column.api_name] = as_utc(parsed).strftime("%Y-%m-%dT%H:%M:%S")
            out.append((str(row.get("id") or ""), texts))
        return out

    def to_python(self, value):
        return value if isinstance(value, list) else []

    def has_changed(self, initial, data):
        return self._compared(initial) != self._compared(data)

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def form_field(field: Field, *, users: list[dict] | None) -> ZohoFormField | None:
    """The form field of a compound Zoho field; None when the form cannot offer it (a
    multi-user lookup or a subform with user columns, without the org's users)."""
    needs_users = field.data_type == "multiuserlookup" or any(
        f.data_type == "userlookup" and f.editable for f in field.subform_fields
    )
    if needs_users and users is None:
        return None
    if field.data_type == "address":
        form_class, widget = AddressField, AddressWidget(field)
    elif field.data_type in LINK_TYPES:
        form_class, widget = LinksField, LinksWidget(field, users)
    else:
        form_class, widget = SubformField, SubformWidget(field, users)
    form_field = form_class(field, label=field.label, required=field.required, widget=widget)
    form_field.choices = None
    form_field.compound = True
    return form_field
