"""The form fields of one Zoho field each: `ZohoFormField` turns what the browser posted
into a value and checks it with `crm.validation.clean_value` (what the JSON API runs too).
`crm.record_forms` builds a module's form of these, `crm.compound_forms` those of the values
made of parts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.dateparse import parse_datetime

from core.errors import AppError
from crm.fields import Field, as_utc
from crm.validation import clean_value


class ZohoFormField(forms.Field):
    """A form field whose validation is `crm.validation.clean_value` (what the JSON API runs
    too)."""

    def __init__(self, zoho_field: Field, **kwargs):
        self.zoho_field = zoho_field
        super().__init__(**kwargs)

    def to_python(self, value):
        """What was posted, normalised for comparison (no checks: `clean` does those)."""
        if isinstance(value, str):
            value = value.strip()
            if self.zoho_field.data_type in ("double", "currency", "decimal", "percent"):
                try:
                    return Decimal(value) if value else None
                except InvalidOperation:
                    return value
        return None if value in ("", None) else value

    def validate(self, value) -> None:
        if self.required and value in (None, "", []):
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        value = self.to_python(value)
        self.validate(value)
        try:
            return clean_value(self.zoho_field, value)
        except AppError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class DateTimeField(ZohoFormField):
    """A `datetime-local` input: no zone of its own, so it is read (and shown) in UTC."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            parsed = parse_datetime(value.strip())
            return as_utc(parsed).isoformat() if parsed else value.strip()
        if isinstance(value, datetime):
            return as_utc(value).isoformat()
        return super().to_python(value)


class BooleanField(ZohoFormField):
    widget = forms.CheckboxInput

    def to_python(self, value):
        if isinstance(value, str):
            return value.strip().lower() in ("true", "on", "1")
        return bool(value)

    def validate(self, value) -> None:
        pass  # a checkbox is always a value: checked or not


class MultipleChoiceField(ZohoFormField):
    widget = forms.SelectMultiple
    hidden_widget = forms.MultipleHiddenInput  # the initial choices, each of them

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        return [v.strip() for v in values if isinstance(v, str) and v.strip()]

    def has_changed(self, initial, data) -> bool:
        """The same choices in another order (the browser sends them in the options'
        order) are no change."""
        return set(self.to_python(initial)) != set(self.to_python(data))


class OwnerField(ZohoFormField):
    """The record's owner: one of the org's active users, by id."""


def user_label(user: dict) -> str:
    return f"{user['name']} ({user['email']})" if user.get("email") else user["name"]
