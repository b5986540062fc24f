"""A Django form for one CRM module, built from Zoho's field metadata."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.dateparse import parse_datetime

from .records import BIGINT_DIGITS, Module

_BIGINT_LIMIT = 10**BIGINT_DIGITS - 1

_WIDGETS = {
    "textarea": lambda f: forms.CharField(widget=forms.Textarea(attrs={"rows": 3})),
    "email": lambda f: forms.EmailField(),
    "phone": lambda f: forms.CharField(widget=forms.TextInput(attrs={"type": "tel"})),
    "website": lambda f: forms.CharField(
        widget=forms.TextInput(attrs={"type": "url", "inputmode": "url"})
    ),
    "integer": lambda f: forms.IntegerField(
        min_value=-_integer_limit(f), max_value=_integer_limit(f)
    ),
    "bigint": lambda f: forms.IntegerField(
        min_value=-_BIGINT_LIMIT,
        max_value=_BIGINT_LIMIT,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),  # no float rounding in browsers
    ),
    "double": lambda f: forms.FloatField(),
    "currency": lambda f: forms.DecimalField(decimal_places=2, max_digits=16),
    "date": lambda f: forms.DateField(widget=forms.DateInput(attrs={"type": "date"})),
    "datetime": lambda f: forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In UTC.",
    ),
    "boolean": lambda f: forms.BooleanField(),
    "picklist": lambda f: forms.ChoiceField(choices=[("", "—")] + [(v, v) for v in f["picklist"]]),
}


def _integer_limit(field: dict) -> int:
    """Zoho's `length` of a number field is its number of digits (within a 32-bit int)."""
    digits = int(field.get("length") or 0)
    return min(10**digits - 1, 2**31 - 1) if digits else 2**31 - 1


def record_form_class(module: Module) -> type[forms.Form]:
    """A form with one field per editable Zoho field: required, length, type, picklist."""
    form_fields = {}
    for field in module.editable_fields:
        make = _WIDGETS.get(field["data_type"], lambda f: forms.CharField())
        form_field = make(field)
        form_field.label = field["label"]
        form_field.required = field["required"] and field["data_type"] != "boolean"
        if isinstance(form_field, forms.CharField) and field.get("length"):
            # Set after construction, so the validator CharField would have added is added here.
            form_field.max_length = int(field["length"])
            form_field.validators.append(MaxLengthValidator(form_field.max_length))
            form_field.widget.attrs["maxlength"] = str(field["length"])
        form_fields[field["api_name"]] = form_field
    return type(f"{module.api_name}Form", (forms.Form,), form_fields)


def form_values(form: forms.Form, *, creating: bool) -> dict:
    """Cleaned form data as API values (JSON-like), dropping empty optional fields on create."""
    values = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "") and creating:
            continue
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        values[name] = value if value != "" else None
    return values


def initial_from_record(module: Module, record: dict) -> dict:
    """A record's values as the form's initial data; date-times shown in UTC, as they are sent."""
    initial = {}
    for field in module.editable_fields:
        value = record.get(field["api_name"])
        if isinstance(value, str) and field["data_type"] == "datetime":
            parsed = parse_datetime(value)
            value = parsed.astimezone(UTC) if parsed and parsed.tzinfo else parsed
        initial[field["api_name"]] = value
    return initial
