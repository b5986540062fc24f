"""One field model: a CRM field built from Zoho's metadata.

`Field.describe()` tells the browser (`/crm/api/<module>/fields/`, read by
`static/js/app.js`) the rules `crm.validation.clean_value` applies to a value, whatever it
comes from (the JSON API, the server-rendered forms), so no list of types or limits is
written twice. `Field.display(value)` and `Field.link(value)` are how pages show a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from crm import compound_values, numbers, rich_text

BIGINT_DIGITS = 18  # Zoho's long integer: at most 18 digits, whatever the metadata's length
FLOAT_DIGITS = 15  # significant digits a float (what the SDK sends) keeps exactly
ID_DIGITS = 19  # Zoho's record and user ids are 64-bit integers (the SDK sends an int)
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
PICKLIST_NONE = "-None-"  # Zoho's label for an empty picklist: not a value of its own
SE_MODULE = "se_module"  # a lookup's module in metadata when it may point to several
SE_MODULE_KEY = "$se_module"  # the record key naming the module such a lookup points to
MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")

TEXT_TYPES = ("text", "textarea", "email", "phone", "website", "picklist")
# Numbers with decimals (the SDK sends a float); whole numbers are integer and bigint.
DECIMAL_TYPES = ("double", "currency", "decimal", "percent")
REFERENCE_TYPES = ("lookup", "ownerlookup", "userlookup")
# The types the portal can write; every other field is shown, never sent.
WRITABLE_TYPES = frozenset(
    {*TEXT_TYPES, "multiselectpicklist", "integer", "bigint", *DECIMAL_TYPES, "date", "datetime"}
    | {"boolean", *REFERENCE_TYPES}
    | compound_values.TYPES  # addresses, multi lookups, subforms: crm/compound_values.py
)
# What the browser's input for each writable type is (Field.describe()["input"]).
INPUT_TYPES = {
    "text": "text",
    "textarea": "textarea",
    "email": "email",
    "phone": "tel",
    "website": "url",
    "picklist": "select",
    "multiselectpicklist": "select-multiple",
    "integer": "number",
    "bigint": "text",  # no float rounding in browsers: 18 digits are more than a double holds
    "date": "date",
    "datetime": "datetime-local",
    "boolean": "checkbox",
    "lookup": "lookup",
    "ownerlookup": "owner",
    "userlookup": "owner",
    **dict.fromkeys(DECIMAL_TYPES, "number"),
}
MAX_INTEGER = 2**31 - 1
# Links a page may make of a stored value: never javascript:, data: and the like.
SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)
# A URL scheme ("javascript:", "ftp:"), as opposed to a host and port ("example.com:8080").
SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:(?![0-9])", re.IGNORECASE)


def is_zoho_id(text) -> bool:
    """A record's or user's id: ASCII digits of a 64-bit integer (what the SDK sends)."""
    return (
        isinstance(text, str)
        and text.isascii()
        and text.isdigit()
        and len(text) <= ID_DIGITS
        and int(text) < 2**63
    )


def encodable(text: str) -> bool:
    """Text that can be sent and shown as UTF-8 (no lone surrogates, e.g. "x\\ud800")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Field:
    """A CRM field as Zoho's field metadata describes it."""

    api_name: str
    label: str
    data_type: str
    json_type: str = "string"
    required: bool = False
    read_only: bool = False
    length: int | None = None
    decimal_place: int | None = None
    sortable: bool = False
    searchable: bool = False
    picklist: tuple[str, ...] = ()
    lookup_module: str | None = None
    custom: bool = False
    unique: bool = False
    name_field: bool = False  # Zoho's display field: the record's name
    # What Zoho shows for each picklist value (its `display_value`), in the same order as
    # `picklist` (the `actual_value`s records hold and Zoho's API takes).
    picklist_labels: tuple[str, ...] = ()
    # The signed-in user's profile's access: "read_write", "read_only" or "hidden".
    permission: str = "read_write"
    rich_text: bool = False  # a textarea whose `textarea.type` is "rich_text" (HTML)
    precision: int | None = None  # a currency's own `currency.precision`
    subform_module: str | None = None  # a subform's rows' module
    connected_field: str | None = None  # a multi-select/multi-user lookup's key in each item
    connected_module: str | None = None  # the module (or "users") those items point to
    subform_fields: tuple[Field, ...] = ()  # a subform's own fields (metadata.module_get)
    # A static subform's static fields (its module's `static_subform_properties`): they name
    # its fixed rows, which are never added, removed or renamed. Empty for other fields.
    static_fields: tuple[str, ...] = ()

    @classmethod
    def from_metadata(cls, meta: dict, profile: dict | None = None) -> Field:
        """From one entry of `settings/fields` as `crm.zoho_metadata.get_fields` reads it; `profile`
        ({"id", "name"}) is the signed-in user's, whose entry in the field's `profiles`
        says whether they may see and change it."""
        data_type = str(meta.get("data_type") or "text")
        actual = list(meta.get("picklist") or ())
        labels = list(meta.get("picklist_labels") or ())
        if len(labels) != len(actual):
            labels = actual
        options = [
            (v, label) for v, label in zip(actual, labels, strict=True) if v != PICKLIST_NONE
        ]
        permission = _permission(meta.get("profiles"), profile)
        # Owner is `field_read_only` yet Zoho's API updates it (`operation_type.api_update`):
        # `api_update` decides; without it, `field_read_only` does.
        api_update = meta.get("api_update")
        fixed = api_update is False or (
            bool(meta.get("field_read_only")) and api_update is not True
        )
        return cls(
            api_name=str(meta["api_name"]),
            label=str(meta.get("label") or meta["api_name"]),
            data_type=data_type,
            json_type=str(meta.get("json_type") or "string"),
            required=bool(meta.get("required")),
            read_only=bool(meta.get("read_only")) or fixed or permission != "read_write",
            length=_int_or_none(meta.get("length")),
            decimal_place=_int_or_none(meta.get("decimal_place")),
            sortable=bool(meta.get("sortable")),
            searchable=bool(meta.get("searchable")),
            picklist=tuple(v for v, _ in options),
            picklist_labels=tuple(label for _, label in options),
            permission=permission,
            lookup_module=meta.get("lookup_module") or None,
            custom=bool(meta.get("custom")),
            unique=bool(meta.get("unique")),
            name_field=bool(meta.get("name_field")),
            rich_text=bool(meta.get("rich_text")),
            precision=_int_or_none(meta.get("precision")),
            subform_module=meta.get("subform_module") or None,
            connected_field=meta.get("connected_field") or None,
            connected_module=meta.get("connected_module") or None,
        )

    # --- what the portal may do with it ---------------------------------------------------
    @property
    def hidden(self) -> bool:
        """The user's profile hides the field: never shown, listed or sent."""
        return self.permission == "hidden"

    @property
    def editable(self) -> bool:
        if self.data_type == "subform" and not self.subform_fields:
            return False  # its rows cannot be checked without the subform's fields
        return not self.read_only and self.data_type in WRITABLE_TYPES

    @property
    def is_reference(self) -> bool:
        return self.data_type in REFERENCE_TYPES

    @property
    def any_module(self) -> bool:
        """A lookup to a record of any of several modules (an activity's Related To,
        `What_Id`): Zoho's metadata names the module `se_module`, and the record names the
        module of each value in its `$se_module`."""
        return self.data_type == "lookup" and self.lookup_module == SE_MODULE

    @property
    def max_digits(self) -> int | None:
        """Digits a whole number may have."""
        if self.data_type == "bigint":
            return BIGINT_DIGITS
        if self.data_type == "integer":
            return self.length or 10
        return None

    def decimal_limits(self) -> tuple[int, int | None]:
        """(max_digits, decimal_places) of a number field: Zoho's `decimal_place` digits
        after the point and `length` before it, within the 15 significant digits a float
        keeps exactly."""
        places = self.decimal_place
        whole = self.length or FLOAT_DIGITS
        return min(whole + (places or 0), FLOAT_DIGITS), places

    def describe(self) -> dict:
        """What a client needs to build an input for the field and check it as the server
        will: `/crm/api/<module>/fields/` answers a list of these."""
        described = {
            "api_name": self.api_name,
            "label": self.label,
            "data_type": self.data_type,
            "json_type": self.json_type,
            "required": self.required,
            "read_only": self.read_only,
            "editable": self.editable,
            "length": self.length,
            "decimal_place": self.decimal_place,
            "sortable": self.sortable,
            "picklist": list(self.picklist),
            "picklist_labels": list(self.picklist_labels),
            "permission": self.permission,
            "lookup_module": self.lookup_module,
            "custom": self.custom,
            "input": None,
        }
        if self.editable:
            described["input"] = self._input()
        return described

    def _input(self) -> dict:
        if self.data_type in compound_values.TYPES:
            return compound_values.input_spec(self)
        spec: dict[str, Any] = {"type": INPUT_TYPES[self.data_type]}
        if self.data_type in TEXT_TYPES and self.data_type != "picklist" and self.length:
            spec["maxlength"] = self.length
        if self.data_type in ("integer", "bigint"):
            limit = 10 ** (self.max_digits or 10) - 1
            limit = min(limit, MAX_INTEGER) if self.data_type == "integer" else limit
            spec.update(min=-limit, max=limit, step=1, inputmode="numeric")
        if self.data_type in DECIMAL_TYPES:
            places = self.decimal_place
            if places is None:
                spec["step"] = "any"
            else:
                spec["step"] = f"{10**-places:.{places}f}" if places else "1"
            spec["inputmode"] = "decimal"
        if self.data_type == "website":
            spec["inputmode"] = "url"
        return spec

    def actual_value(self, value: str) -> str | None:
        """The value Zoho stores for a picklist choice given as its value or as the label
        Zoho shows (`display_value`); None when it is neither."""
        if value in self.picklist:
            return value
        by_label = dict(zip(self.picklist_labels, self.picklist, strict=False))
        return by_label.get(value)

    def label_of(self, value):
        """What Zoho shows for a stored picklist value (its own text when not an option)."""
        if not isinstance(value, str):
            return value
        return dict(zip(self.picklist, self.picklist_labels, strict=False)).get(value, value)

    # --- how pages show it ----------------------------------------------------------------
    def display(self, value) -> str:
        """A value as a person reads it (the JSON API keeps Zoho's own formats); a picklist
        value as the label Zoho shows for it."""
        if self.data_type == "picklist":
            value = self.label_of(value)
        elif self.data_type == "multiselectpicklist" and isinstance(value, list):
            value = [self.label_of(v) for v in value]
        if self.rich_text and isinstance(value, str):
            return rich_text.plain_text(value)
        if (
            self.data_type == "currency"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            return numbers.active().number(value, self.money_places)
        if self.connected_field and isinstance(value, list):
            return display([v.get(self.connected_field) for v in value if isinstance(v, dict)])
        return display(value, self.data_type)

    @property
    def money_places(self) -> int:
        """The decimals an amount of this currency field shows (its own precision first)."""
        places = self.precision if self.precision is not None else self.decimal_place
        return 2 if places is None else places

    def link(self, value) -> str | None:
        """A safe link for an email, phone or website value, else None."""
        if not isinstance(value, str) or not value.strip() or not encodable(value):
            return None
        value = value.strip()
        if self.data_type == "email" and "@" in value and not SCHEME.match(value):
            return f"mailto:{value}"
        if self.data_type == "phone":
            dialable = re.sub(r"[^0-9+]", "", value)
            return f"tel:{dialable}" if dialable else None
        if self.data_type == "website":
            if SAFE_LINK.match(value):
                return value
            return None if SCHEME.match(value) else f"https://{value}"
        return None


def display(value, data_type: str = "") -> str:  # noqa: C901 - one branch per shape
    """Any value Zoho answered with, as text for a page."""
    if value is None or value == "" or value == PICKLIST_NONE:
        return ""
    if isinstance(value, str) and not encodable(value):
        value = value.encode("utf-8", "replace").decode("utf-8")  # never a 500 on a page
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if data_type in FILE_TYPES and isinstance(value, list):
        return ", ".join(display(file_name(v)) for v in value if file_name(v))
    if data_type == "profileimage":
        return "Photo" if value else ""
    if data_type == "subform" and isinstance(value, list):
        return f"{len(value)} row{'s' if len(value) != 1 else ''}" if value else ""
    if data_type == "address" and isinstance(value, dict):
        return ", ".join(str(p) for p in address_lines(value))
    if data_type in LINKED_TYPES and isinstance(value, list):  # the linked names, never ids
        linked = [v for item in value if isinstance(item, dict) for v in item.values()]
        return display([v for v in linked if isinstance(v, dict) and v.get("name")])
    if isinstance(value, dict):
        for key in ("name", "Name", "display_value", "full_name", "Product_Name", "id"):
            if value.get(key) not in (None, ""):
                return display(value[key])
        return ", ".join(display(v) for v in value.values() if v not in (None, "", {}, []))
    if isinstance(value, list):
        return ", ".join(text for text in (display(v) for v in value) if text)
    if data_type == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return numbers.active().date_time(moment)  # the user's time zone and formats
    if data_type == "date" and isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return numbers.active().date(day)
    if data_type in ("currency", "double", "decimal") and isinstance(value, int | float):
        if data_type == "currency":
            return numbers.active().number(value, 2)
        return numbers.active().number(value)
    if data_type == "percent" and isinstance(value, int | float):
        return f"{value:g}%"
    return str(value)


def _permission(profiles, profile: dict | None) -> str:
    """The user's profile's `permission_type` in a field's `profiles` (by id, else by name);
    read_write when Zoho does not say."""
    if not profile or not isinstance(profiles, list):
        return "read_write"
    for key in ("id", "name"):
        wanted = profile.get(key)
        for entry in profiles:
            if wanted and isinstance(entry, dict) and entry.get(key) == wanted:
                kind = entry.get("permission")
                return kind if kind in ("read_write", "read_only", "hidden") else "read_write"
    return "read_write"


FILE_TYPES = ("fileupload", "imageupload")
LINKED_TYPES = ("multiselectlookup", "multiuserlookup")
# The parts of a compound address, one line each as a letter shows them.
ADDRESS_LINES = (
    ("address_line_1",),
    ("address_line_2",),
    ("city", "state", "postal_code"),
    ("country",),
)


def file_name(entry) -> str | None:
    """The name of one file of a file or image field (the SDK's `file_name__s`, Zoho's
    `File_Name__s`)."""
    if not isinstance(entry, dict):
        return None
    name = entry.get("file_name__s") or entry.get("File_Name__s")
    return name if isinstance(name, str) and name else None


def address_lines(value: dict) -> list[str]:
    """A compound address as the lines of a letter (empty parts left out)."""
    lines = []
    for parts in ADDRESS_LINES:
        words = [str(value[p]).strip() for p in parts if value.get(p) not in (None, "")]
        if words:
            lines.append(" ".join(words) if parts[0] == "city" else ", ".join(words))
    return lines


def _int_or_none(value) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def as_utc(value: datetime) -> datetime:
    """An aware date-time in UTC; a naive one (a `datetime-local` input) read as UTC."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["Field", "display", "encodable", "is_zoho_id"]
