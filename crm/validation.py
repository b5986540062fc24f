"""Where a value is validated: one field's (`clean_value`, the one check the HTML forms,
the JSON API and, through `Field.describe`, the browser share) and a whole record's
(`clean_values`: which fields may be sent, what is required), and the ids and tokens a URL
carries. Every refusal is an `AppError` naming the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, EmailValidator, URLValidator
from django.utils.dateparse import parse_date, parse_datetime

from core.errors import AppError, ErrorCode
from crm import compound_values, rich_text
from crm.fields import (
    DECIMAL_TYPES,
    MODULE_NAME,
    PICKLIST_NONE,
    SAFE_LINK,
    SCHEME,
    SE_MODULE_KEY,
    WHOLE_NUMBER,
    Field,
    encodable,
    is_zoho_id,
)
from crm.modules import Module

_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


def clean_value(field: Field, value: Any) -> Any:
    """`value` as the portal sends it to Zoho (None clears), or the AppError naming
    the field. Text is stripped; empty text is None, as an emptied form field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not field.editable:
        raise _bad(field, "cannot be set from the portal")
    if isinstance(value, str) and not encodable(value):
        raise _bad(field, "contains characters that cannot be encoded (a lone surrogate)")
    if field.data_type in compound_values.TYPES:  # addresses, multi lookups, subforms
        return compound_values.clean(field, value, clean_value)  # a row's fields: this
    cleaner = CLEANERS.get(field.data_type)
    if cleaner is not None:
        return cleaner(field, value)
    if field.data_type in DECIMAL_TYPES:
        return float(_decimal(field, value))  # the SDK sends a Python float
    return _text(field, value)


def _bad(field: Field, reason: str) -> AppError:
    return AppError(ErrorCode.INVALID_DATA, f"{field.label} {reason}.", field=field.api_name)


def _text(field: Field, value) -> str:
    if not isinstance(value, str):
        raise _bad(field, "must be text")
    value = value.strip()
    if field.length and len(value) > field.length:
        raise _bad(field, f"is longer than {field.length} characters")
    return value


def _clean_email(field: Field, value) -> str:
    value = _text(field, value)
    try:
        _email(value)
    except ValidationError:
        raise _bad(field, "is not a valid email address") from None
    return value


def _clean_website(field: Field, value) -> str:
    value = _text(field, value)
    if SCHEME.match(value) and not SAFE_LINK.match(value):
        raise _bad(field, "must be a web address (http or https)")
    candidate = value if SAFE_LINK.match(value) else f"https://{value}"
    try:
        _url(candidate)
    except ValidationError:
        raise _bad(field, "is not a valid web address") from None
    return value


def _choices_text(field: Field) -> str:
    return ", ".join(field.picklist_labels or field.picklist)


def _clean_picklist(field: Field, value) -> str:
    value = _text(field, value)
    if not field.picklist:
        return value
    actual = field.actual_value(value)
    if actual is None:
        raise _bad(field, f"must be one of: {_choices_text(field)}")
    return actual


def _clean_multiselectpicklist(field: Field, value) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise _bad(field, "must be a list of choices")
    chosen = [v.strip() for v in values if v.strip() and v.strip() != PICKLIST_NONE]
    if field.picklist:
        actual = [field.actual_value(v) for v in chosen]
        if None in actual:
            raise _bad(field, f"must be chosen from: {_choices_text(field)}")
        chosen = actual
    return list(dict.fromkeys(chosen))


def _clean_integer(field: Field, value) -> int:
    # The SDK sends both as a Python int (JSON number); anything else is its TYPE ERROR.
    text = _whole_number_text(value)
    if text is None:
        raise _bad(field, "must be a whole number")
    digits = field.max_digits or 10
    if len(text.lstrip("+-").lstrip("0")) > digits:
        raise _bad(field, f"has more than {digits} digits")
    number = int(text)
    if field.data_type == "integer" and not -(2**31) <= number < 2**31:
        raise _bad(field, "is out of range")
    return number


def _decimal(field: Field, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _bad(field, "must be a number")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise _bad(field, "must be a number") from None
    if not number.is_finite():
        raise _bad(field, "must be a finite number")
    max_digits, places = field.decimal_limits()
    try:
        DecimalValidator(max_digits, places)(number)
    except ValidationError as error:
        exponent = number.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > places:
            raise _bad(field, f"has more than {places} decimal places") from None
        if error.code == "max_whole_digits":
            whole = max_digits - (places or 0)
            raise _bad(field, f"has more than {whole} digits before the point") from None
        raise _bad(field, f"has more than {max_digits} digits") from None
    return number


def _clean_boolean(field: Field, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "on", "1", "0"):
        return value.lower() in ("true", "on", "1")
    raise _bad(field, "must be true or false")


def _clean_date(field: Field, value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        parsed = parse_date(value.strip()) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. 2024-13-45
        parsed = None
    if parsed is None:
        raise _bad(field, "must be a date (YYYY-MM-DD)")
    return parsed


def _clean_datetime(field: Field, value) -> datetime:
    try:
        parsed = parse_datetime(value.strip()) if isinstance(value, str) else value
    except ValueError:
        parsed = None
    if not isinstance(parsed, datetime) or parsed.tzinfo is None:
        raise _bad(field, "must be a date and time with a UTC offset")
    return parsed


def _clean_textarea(field: Field, value) -> str:
    """Text; rich text (HTML) is sent sanitised: no script, event handler or unsafe link
    ever reaches Zoho from the portal."""
    text = _text(field, value)
    return rich_text.sanitise(text) if field.rich_text else text


def _clean_userlookup(field: Field, value) -> str:
    return _reference_id(field, value, "a user")


def _clean_lookup(field: Field, value) -> str:
    where = f" in {field.lookup_module}" if field.lookup_module and not field.any_module else ""
    return _reference_id(field, value, f"a record{where}")


def _clean_ownerlookup(field: Field, value) -> str:
    return _reference_id(field, value, "a user")


def _reference_id(field: Field, value, what: str) -> str:
    """A lookup's or owner's id, given as Zoho's {"id": "…"} (other keys, such as the
    "name" a read answers with, are ignored, as Zoho does) or as the id itfield."""
    ident = value.get("id") if isinstance(value, dict) else value
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if isinstance(ident, str):
        ident = ident.strip()
    if not is_zoho_id(ident):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{field.label} must be the id of {what}: digits only, as in its page's "
            'address ("123…", or {"id": "123…"} in the API).',
            field=field.api_name,
        )
    return str(int(ident))


CLEANERS = {
    "email": _clean_email,
    "website": _clean_website,
    "picklist": _clean_picklist,
    "multiselectpicklist": _clean_multiselectpicklist,
    "integer": _clean_integer,
    "boolean": _clean_boolean,
    "date": _clean_date,
    "datetime": _clean_datetime,
    "textarea": _clean_textarea,
    "userlookup": _clean_userlookup,
    "lookup": _clean_lookup,
    "ownerlookup": _clean_ownerlookup,
    "bigint": _clean_integer,
}


def _whole_number_text(value) -> str | None:
    """A JSON whole number, or a string of ASCII digits (optionally signed), as text; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        return value.strip()
    return None


# --- a whole record, and what a URL carries -----------------------------------------------
PAGE_TOKEN_MAX = 512


def parse_record_id(raw: str) -> int:
    if not is_zoho_id(raw):
        raise AppError(ErrorCode.INVALID_ID, "Record ids are numbers.", field="id")
    return int(raw)


def parse_page_token(raw: str | None) -> str | None:
    """Zoho's opaque `page_token`, passed on as it came: printable ASCII, bounded."""
    if raw is None or raw == "":
        return None
    if len(raw) > PAGE_TOKEN_MAX or not raw.isascii() or not raw.isprintable() or " " in raw:
        raise AppError(
            ErrorCode.INVALID_DATA, "page_token is not one Zoho gave.", field="page_token"
        )
    return raw


# --- validation ---------------------------------------------------------------------------
def clean_values(module: Module, values, *, creating: bool) -> dict:
    """`values` checked field by field (`clean_value`); the AppError names the field."""
    if not isinstance(values, dict):
        raise AppError(
            ErrorCode.INVALID_DATA, "A record is a JSON object of field names to values."
        )
    cleaned = {}
    related_module = _related_module(module, values)
    for name, value in values.items():
        if name in ("id", SE_MODULE_KEY):
            continue
        field = module.field(name) if isinstance(name, str) else None
        if field is None or not field.editable:
            reason = "is read-only" if field is not None else "is not a field of this module"
            if field is not None and field.permission == "read_only":
                reason = "is read-only for your Zoho profile"
            if name in module.hidden:
                reason = "is hidden from your Zoho profile"
            raise AppError(
                ErrorCode.INVALID_DATA, f"{str(name)[:60]} {reason}.", field=str(name)[:100]
            )
        cleaned[name] = clean_value(field, value)
    if related_module is not None:
        cleaned[SE_MODULE_KEY] = related_module
    if creating:
        for field in module.editable_fields:
            if field.required and cleaned.get(field.api_name) is None:
                raise _required(field)
        return {k: v for k, v in cleaned.items() if v is not None and v != []}
    if not cleaned:
        raise AppError(ErrorCode.INVALID_DATA, "Nothing to change: give at least one field.")
    for name, value in cleaned.items():
        field = module.field(name)
        if value is None and field.data_type == "ownerlookup":
            raise AppError(
                ErrorCode.MANDATORY_NOT_FOUND,
                f"{field.label} cannot be cleared: every record has an owner.",
                field=name,
            )
        if value is None and field.required:
            raise _required(field)
    return cleaned


def _related_module(module: Module, values: dict) -> str | None:
    """The `$se_module` that goes with an any-module lookup (an activity's `What_Id`): the
    module of the record it points to. Required with such a lookup, refused without one."""
    given = values.get(SE_MODULE_KEY)
    lookups = [f for f in module.editable_fields if f.any_module and values.get(f.api_name)]
    if not lookups:
        if given not in (None, ""):
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"{SE_MODULE_KEY} goes with a Related To (What_Id) value only.",
                field=SE_MODULE_KEY,
            )
        return None
    if not isinstance(given, str) or not MODULE_NAME.fullmatch(given):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{lookups[0].label} needs the module of the record it points to, in "
            f'{SE_MODULE_KEY} (e.g. "Accounts").',
            field=SE_MODULE_KEY,
        )
    return given


def _required(field: Field) -> AppError:
    return AppError(
        ErrorCode.MANDATORY_NOT_FOUND, f"{field.label} is required.", field=field.api_name
    )
