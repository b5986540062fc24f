"""A Django form for one CRM module, built from Zoho's field metadata.

Every form field validates through `crm.validation.clean_value`, the portal's one validation:
the form only turns what the browser posted into a value (a checkbox into a boolean, a
`datetime-local` into a UTC date-time) and renders the input `Field.describe()` specifies.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.utils.dateparse import parse_datetime

from crm import compound_forms
from crm.compound_values import TYPES as COMPOUND_TYPES
from crm.fields import PICKLIST_NONE, REFERENCE_TYPES, SE_MODULE_KEY, Field, as_utc
from crm.form_fields import (
    BooleanField,
    DateTimeField,
    MultipleChoiceField,
    OwnerField,
    ZohoFormField,
    user_label,
)
from crm.modules import Module

EMPTY_CHOICE = ("", "-None-")  # Zoho's own label for "no value"; the only empty choice


def _widget(field: Field, choices: list[tuple[str, str]] | None) -> forms.Widget:
    spec = field.describe()["input"]
    kind = spec["type"]
    attrs = {key: str(value) for key, value in spec.items() if key not in ("type", "maxlength")}
    if "maxlength" in spec:
        attrs["maxlength"] = str(spec["maxlength"])
    if kind == "textarea":
        return forms.Textarea(attrs={"rows": 3, **attrs})
    if kind in ("select", "owner"):
        return forms.Select(choices=choices or [])
    if kind == "select-multiple":
        return forms.SelectMultiple(choices=choices or [])
    if kind == "checkbox":
        return forms.CheckboxInput()
    if kind == "datetime-local":
        # Seconds kept (step=1 makes the browser show and send them): Zoho stores them.
        return forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        )
    if kind == "lookup":
        # static/js/app.js turns it into a search-by-name picker (the id stays the value
        # sent); without JavaScript it takes the record's name or id (crm/lookup_text.py).
        return forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-lookup": field.lookup_module or "",
                "data-lookup-label": field.label,
            }
        )
    return forms.TextInput(attrs={"type": kind, **attrs})


def _form_field(field: Field, *, editing: bool, users: list[dict] | None) -> ZohoFormField:
    help_text = ""
    choices = None
    if field.data_type == "ownerlookup":
        choices = [(u["id"], user_label(u)) for u in users or []]
        if not editing:
            choices = [("", "— Me (Zoho's default) —"), *choices]
        form_class = OwnerField
    elif field.data_type == "userlookup":  # a user field other than the owner: may be empty
        choices = [("", "— Nobody —"), *((u["id"], user_label(u)) for u in users or [])]
        form_class = OwnerField
    elif field.data_type == "picklist":  # Zoho's value is sent, its display value shown
        choices = [EMPTY_CHOICE, *_options(field)]
        form_class = ZohoFormField
    elif field.data_type == "multiselectpicklist":
        choices = _options(field)
        form_class = MultipleChoiceField
    elif field.data_type == "boolean":
        form_class = BooleanField
    elif field.data_type == "datetime":
        form_class, help_text = DateTimeField, "In UTC."
    elif field.data_type == "lookup":
        where = "the module chosen above" if field.any_module else field.lookup_module
        form_class, help_text = ZohoFormField, f"The name or id of a record in {where}."
    else:
        form_class = ZohoFormField
    form_field = form_class(
        field,
        label=field.label,
        required=(field.required and field.data_type != "boolean")
        or (editing and field.data_type == "ownerlookup"),  # every record has an owner
        widget=_widget(field, choices),
        help_text=help_text,
    )
    form_field.choices = choices
    return form_field


def _options(field: Field) -> list[tuple[str, str]]:
    labels = field.picklist_labels if len(field.picklist_labels) == len(field.picklist) else ()
    return list(zip(field.picklist, labels or field.picklist, strict=True))


def record_form_class(
    module: Module,
    *,
    editing: bool = False,
    users: list[dict] | None = None,
    related_modules: list[tuple[str, str]] | None = None,
) -> type[forms.Form]:
    """A form with one field per editable Zoho field; the owner as a choice of `users` (the
    org's active users; without them the form has no owner field); an activity's Related To
    (`What_Id`) with a choice of the module it points to (`$se_module`, from
    `related_modules`).

    An editing form also renders each field's initial value in a hidden input, so that
    `edit_values` can tell what the user changed.
    """
    form_fields = {}
    for field in module.editable_fields:
        if field.data_type in ("ownerlookup", "userlookup") and users is None:
            continue
        if field.any_module:
            if related_modules is None:
                continue
            form_fields[SE_MODULE_KEY] = forms.ChoiceField(
                label=f"{field.label}: module",
                choices=[EMPTY_CHOICE, *related_modules],
                required=False,
                help_text=f"Where the record {field.label} points to lives.",
            )
            form_fields[SE_MODULE_KEY].show_hidden_initial = editing
        if field.data_type in COMPOUND_TYPES:  # addresses, multi lookups, subforms
            form_field = compound_forms.form_field(field, users=users)
            if form_field is None:
                continue
        else:
            form_field = _form_field(field, editing=editing, users=users)
        form_field.show_hidden_initial = editing
        form_fields[field.api_name] = form_field
    return type(f"{module.api_name}Form", (forms.Form,), form_fields)


def _api_value(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def form_values(form: forms.Form, *, creating: bool) -> dict:
    """Cleaned form data as API values (JSON-like), dropping empty optional fields on create."""
    values = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "", []) and creating:
            continue
        values[name] = _api_value(value)
    return values


def edit_values(form: forms.Form) -> dict | None:
    """The values the user changed (API values), or None when a changed one is invalid.

    A value left untouched is neither checked again nor sent: a record holding a value the
    form would refuse (set elsewhere, or before Zoho's metadata changed) can still be saved,
    and a change someone else made meanwhile to another field is not overwritten. A field
    posted without its hidden initial value counts as changed, except an owner or a compound
    field posted not at all: an owner cannot be cleared, and a subform's or link list's
    absence cannot mean "remove every row".
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
    touched -= {  # a compound field none of whose inputs came: not on the page posted
        name
        for name, field in form.fields.items()
        if getattr(field, "compound", False) and not _posted(form, name)
    }
    for name in [name for name in form.errors if name in form.fields and name not in touched]:
        del form.errors[name]
    if form.errors:
        return None
    if touched & _paired(form):  # a Related To goes with its module, and back
        touched |= _paired(form)
    values = form_values(form, creating=False)
    return {name: value for name, value in values.items() if name in touched}


def _posted(form: forms.Form, name: str) -> bool:
    """Any input of the field came (a compound field's are `<name>.<part>`)."""
    html_name = form[name].html_name
    return any(key == html_name or key.startswith(f"{html_name}.") for key in form.data)


def _paired(form: forms.Form) -> set[str]:
    """An any-module lookup and its `$se_module`: sent together or not at all."""
    if SE_MODULE_KEY not in form.fields:
        return set()
    return {SE_MODULE_KEY} | {
        name
        for name, field in form.fields.items()
        if isinstance(field, ZohoFormField) and field.zoho_field.any_module
    }


def edit_form(form_class: type[forms.Form], initial: dict) -> forms.Form:
    """An unbound edit form; a stored picklist value Zoho no longer offers stays selectable,
    so saving the form untouched does not clear it."""
    form = form_class(initial=initial)
    for name, field in form.fields.items():
        value = initial.get(name)
        if isinstance(field, OwnerField) or field.choices is None:
            continue  # describe_references names a former user
        offered = [choice for choice, _ in field.choices]
        missing = [v for v in (value if isinstance(value, list) else [value]) if v]
        missing = [v for v in missing if v not in offered]
        if missing:
            field.choices = [*field.choices, *((v, f"{v} (no longer offered)") for v in missing)]
            field.widget.choices = field.choices
    return form


def describe_references(form: forms.Form, module: Module, record: dict) -> None:
    """An edit form's lookups say which record they point to now (in their help text), and
    an owner who is no longer an active user stays selectable, by name."""
    for field in module.editable_fields:
        name, value = field.api_name, record.get(field.api_name)
        if name not in form.fields or not isinstance(value, dict) or not value.get("id"):
            continue
        form_field = form.fields[name]
        if field.data_type == "lookup":
            current = value.get("name") or value["id"]
            form_field.help_text = f"{form_field.help_text} Now: {current} (id {value['id']})."
            form[name].help_text = form_field.help_text  # a bound field copies it once made
            if value.get("name"):  # the picker shows the name of the record it points to
                form_field.widget.attrs["data-lookup-name"] = str(value["name"])
                form_field.widget.attrs["data-lookup-id"] = str(value["id"])
        elif value["id"] not in [choice for choice, _ in form_field.choices]:
            label = user_label({**value, "name": value.get("name") or value["id"]})
            form_field.choices = [*form_field.choices, (value["id"], f"{label}, not active")]
            form_field.widget.choices = form_field.choices


def initial_from_record(module: Module, record: dict) -> dict:
    """A record's values as the form's initial data; date-times shown in UTC, as they are
    sent; a lookup or owner as its id."""
    initial = {SE_MODULE_KEY: record.get(SE_MODULE_KEY)}
    for field in module.editable_fields:
        value = record.get(field.api_name)
        if field.data_type in REFERENCE_TYPES:
            value = value.get("id") if isinstance(value, dict) else None
        elif isinstance(value, str) and field.data_type == "datetime":
            parsed = parse_datetime(value)
            value = as_utc(parsed) if parsed and parsed.tzinfo else parsed
        elif value == PICKLIST_NONE:
            value = None
        initial[field.api_name] = value
    return initial
