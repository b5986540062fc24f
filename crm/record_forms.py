"""A Django form for one CRM module, built from Zoho's field metadata."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.dateparse import parse_datetime

from .records import BIGINT_DIGITS, ID_DIGITS, REFERENCE_TYPES, Module, decimal_limits

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
    "double": lambda f: _decimal_field(f),
    "currency": lambda f: _decimal_field(f),
    "date": lambda f: forms.DateField(widget=forms.DateInput(attrs={"type": "date"})),
    "datetime": lambda f: forms.DateTimeField(
        # Seconds kept (step=1 makes the browser show and send them): Zoho stores them.
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
        help_text="In UTC.",
    ),
    "boolean": lambda f: forms.BooleanField(),
    "picklist": lambda f: forms.ChoiceField(choices=[("", "—")] + [(v, v) for v in f["picklist"]]),
}


def _lookup_field(field: dict) -> forms.CharField:
    """The related record's id, typed (or pasted from its page's address)."""
    where = field.get("lookup_module") or "the related module"
    return forms.CharField(
        validators=[
            RegexValidator(
                rf"^[0-9]{{1,{ID_DIGITS}}}$",
                f"Enter the id of a record in {where}: digits only, as in its page's address.",
            )
        ],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=f"The id of a record in {where}.",
    )


class OwnerField(forms.ChoiceField):
    """The record's owner: one of the org's active users, by id."""


def _owner_field(users: list[dict], *, editing: bool) -> OwnerField:
    """The org's active users; on create an empty choice leaves it to Zoho (you)."""
    choices = [(u["id"], user_label(u)) for u in users]
    if not editing:
        choices = [("", "— Me (Zoho's default) —"), *choices]
    return OwnerField(choices=choices)


def user_label(user: dict) -> str:
    return f"{user['name']} ({user['email']})" if user.get("email") else user["name"]


def _decimal_field(field: dict) -> forms.DecimalField:
    """The JSON API's own limits (records.decimal_limits), so the two never disagree."""
    max_digits, places = decimal_limits(field)
    return forms.DecimalField(max_digits=max_digits, decimal_places=places)


def _integer_limit(field: dict) -> int:
    """Zoho's `length` of a number field is its number of digits (within a 32-bit int)."""
    digits = int(field.get("length") or 0)
    return min(10**digits - 1, 2**31 - 1) if digits else 2**31 - 1


def record_form_class(
    module: Module, *, editing: bool = False, users: list[dict] | None = None
) -> type[forms.Form]:
    """A form with one field per editable Zoho field: required, length, type, picklist;
    a lookup as the related record's id, the owner as a choice of `users` (the org's active
    users; without them the form has no owner field).

    An editing form also renders each field's initial value in a hidden input, so that
    `edit_values` can tell what the user changed.
    """
    form_fields = {}
    for field in module.editable_fields:
        data_type = field["data_type"]
        if data_type == "ownerlookup":
            if users is None:
                continue
            form_field = _owner_field(users, editing=editing)
        elif data_type == "lookup":
            form_field = _lookup_field(field)
        else:
            form_field = _WIDGETS.get(data_type, lambda f: forms.CharField())(field)
        form_field.label = field["label"]
        form_field.required = (field["required"] and data_type != "boolean") or (
            editing and data_type == "ownerlookup"  # every record has an owner
        )
        form_field.show_hidden_initial = editing
        if data_type in REFERENCE_TYPES:
            pass  # Zoho's length is the related name's, not the id's
        elif isinstance(form_field, forms.CharField) and field.get("length"):
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


def edit_values(form: forms.Form) -> dict | None:
    """The values the user changed (API values), or None when a changed one is invalid.

    A value left untouched is neither checked again nor sent: a record holding a value the
    form would refuse (set elsewhere, or before Zoho's metadata changed) can still be saved,
    and a change someone else made meanwhile to another field is not overwritten. A field
    posted without its hidden initial value counts as changed, except an owner posted not at
    all: an owner cannot be cleared, so its absence cannot mean that.
    """
    form.is_valid()
    changed = set(form.changed_data)
    touched = {
        name
        for name in form.fields
        if name in changed or form[name].html_initial_name not in form.data
    }
    touched -= {
        name
        for name, field in form.fields.items()
        if isinstance(field, OwnerField)
        and name not in form.data
        and form[name].html_initial_name not in form.data
    }
    for name in [name for name in form.errors if name in form.fields and name not in touched]:
        del form.errors[name]
    if form.errors:
        return None
    values = form_values(form, creating=False)
    return {name: value for name, value in values.items() if name in touched}


def edit_form(form_class: type[forms.Form], initial: dict) -> forms.Form:
    """An unbound edit form; a stored picklist value Zoho no longer offers stays selectable,
    so saving the form untouched does not clear it."""
    form = form_class(initial=initial)
    for name, field in form.fields.items():
        value = initial.get(name)
        if isinstance(field, OwnerField):
            continue  # describe_references names a former user
        if isinstance(field, forms.ChoiceField) and value not in (None, ""):
            if value not in [choice for choice, _ in field.choices]:
                field.choices = [*field.choices, (value, f"{value} (no longer offered)")]
    return form


def describe_references(form: forms.Form, module: Module, record: dict) -> None:
    """An edit form's lookups say which record they point to now (in their help text), and
    an owner who is no longer an active user stays selectable, by name."""
    for field in module.editable_fields:
        name, value = field["api_name"], record.get(field["api_name"])
        if name not in form.fields or not isinstance(value, dict) or not value.get("id"):
            continue
        form_field = form.fields[name]
        if field["data_type"] == "lookup":
            current = value.get("name") or value["id"]
            form_field.help_text = f"{form_field.help_text} Now: {current} (id {value['id']})."
            form[name].help_text = form_field.help_text  # a bound field copies it once made
        elif value["id"] not in [choice for choice, _ in form_field.choices]:
            label = user_label({**value, "name": value.get("name") or value["id"]})
            form_field.choices = [*form_field.choices, (value["id"], f"{label}, not active")]


def initial_from_record(module: Module, record: dict) -> dict:
    """A record's values as the form's initial data; date-times shown in UTC, as they are
    sent; a lookup or owner as its id."""
    initial = {}
    for field in module.editable_fields:
        value = record.get(field["api_name"])
        if field["data_type"] in REFERENCE_TYPES:
            value = value.get("id") if isinstance(value, dict) else None
        elif isinstance(value, str) and field["data_type"] == "datetime":
            parsed = parse_datetime(value)
            value = parsed.astimezone(UTC) if parsed and parsed.tzinfo else parsed
        initial[field["api_name"]] = value
    return initial
