"""CRM records for the active connection: metadata (cached), validation, and the operations.

Views call these with the session's active connection; nothing here imports the SDK
(`crm.zoho_crm` does). Field values are validated against Zoho's field metadata before
any write is sent, so a bad value never reaches Zoho and a rejected batch writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, EmailValidator
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import ZohoConnection
from zohoportal.cache import get_or_set_once

from . import zoho_crm
from .errors import CrmError, bad_input, not_found

METADATA_TTL = 300  # seconds; field and module metadata change rarely
SUPPORTED_MODULES = ("Leads", "Contacts", "Accounts", "Deals")
PER_PAGE_CHOICES = (10, 20, 50, 100, 200)
MAX_BATCH = 100
MAX_PAGED_RECORDS = 2000  # Zoho's page/per_page limit; beyond it Zoho wants a page_token
LIST_COLUMNS = 6
EDITABLE_TYPES = {
    "text",
    "textarea",
    "email",
    "phone",
    "website",
    "picklist",
    "integer",
    "bigint",
    "double",
    "currency",
    "date",
    "datetime",
    "boolean",
    "lookup",  # a record of lookup_module, by id
    "ownerlookup",  # a user of the org, by id; every record has one
}
REFERENCE_TYPES = ("lookup", "ownerlookup")
ALWAYS_SORTABLE = ("id", "Created_Time", "Modified_Time")
NAME_FIELDS = ("Full_Name", "Account_Name", "Deal_Name", "Name")
BIGINT_DIGITS = 18  # Zoho's long integer: at most 18 digits, whatever the metadata's length
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
FLOAT_DIGITS = 15  # significant digits a float keeps exactly
ID_DIGITS = 19  # Zoho's record and user ids are 64-bit integers (the SDK sends an int)
_email = EmailValidator()


@dataclass(frozen=True)
class Module:
    api_name: str
    label: str
    singular_label: str
    fields: list[dict]

    @property
    def editable_fields(self) -> list[dict]:
        return [f for f in self.fields if not f["read_only"] and f["data_type"] in EDITABLE_TYPES]

    @property
    def list_fields(self) -> list[dict]:
        shown = [
            f for f in self.fields if f["data_type"] in EDITABLE_TYPES | {"lookup", "ownerlookup"}
        ]
        # The record's name first (it links to the record), then what Zoho marks as key.
        names = [f for f in shown if f["api_name"] in NAME_FIELDS]
        preferred = [f for f in shown if f not in names and (f["required"] or f["sortable"])]
        rest = [f for f in shown if f not in names and f not in preferred]
        return (names[:1] + preferred + rest)[:LIST_COLUMNS]

    @property
    def field_names(self) -> list[str]:
        return [f["api_name"] for f in self.fields]

    @property
    def sortable(self) -> set[str]:
        return {f["api_name"] for f in self.fields if f["sortable"]} | set(ALWAYS_SORTABLE)

    @property
    def types(self) -> dict[str, str]:
        return {f["api_name"]: f["data_type"] for f in self.fields}

    def field(self, api_name: str) -> dict | None:
        return next((f for f in self.fields if f["api_name"] == api_name), None)


# --- metadata -----------------------------------------------------------------------------
def _cached(key: str, load):
    """Shared by every worker on every host; one of them loads a key the others miss."""
    return get_or_set_once(key, load, METADATA_TTL)


def module_list(*, connection: ZohoConnection) -> list[dict]:
    """The supported, API-enabled modules of the connection's org (cached)."""
    modules = _cached(f"crm:modules:{connection.pk}", lambda: zoho_crm.modules(connection))
    return [m for m in modules if m["api_supported"] and m["api_name"] in SUPPORTED_MODULES]


def module_get(*, connection: ZohoConnection, module: str) -> Module:
    """A supported module with its field metadata (cached), or a 400 for any other name."""
    if not isinstance(module, str) or len(module) > 100:
        raise bad_input("Unknown module.", code="INVALID_MODULE")
    found = next((m for m in module_list(connection=connection) if m["api_name"] == module), None)
    if found is None:
        raise bad_input(f"Unknown module {module[:50]!r}.", code="INVALID_MODULE")
    fields = _cached(
        f"crm:fields:{connection.pk}:{module}", lambda: zoho_crm.fields(connection, module)
    )
    return Module(module, found["label"], found["singular_label"], fields)


def user_list(*, connection: ZohoConnection) -> list[dict]:
    """The org's active users as {"id", "name", "email"} (cached): who may own a record."""
    return _cached(f"crm:users:{connection.pk}", lambda: zoho_crm.users(connection))


def is_zoho_id(text) -> bool:
    """A record's or user's id: ASCII digits of a 64-bit integer (what the SDK sends)."""
    return (
        isinstance(text, str)
        and text.isascii()
        and text.isdigit()
        and len(text) <= ID_DIGITS
        and int(text) < 2**63
    )


def parse_record_id(raw: str) -> int:
    if not is_zoho_id(raw):
        raise bad_input("Record ids are numbers.", field="id", code="INVALID_ID")
    return int(raw)


# --- validation ---------------------------------------------------------------------------
def _clean_value(field: dict, value):  # noqa: C901 - one branch per Zoho data type
    name, data_type = field["api_name"], field["data_type"]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # empty, as the form (which strips) sees it: cleared, or left out on create
    if data_type in REFERENCE_TYPES:
        return _reference_id(field, value)
    if data_type in ("text", "textarea", "email", "phone", "website", "picklist"):
        if not isinstance(value, str):
            raise bad_input(f"{field['label']} must be text.", field=name)
        value = value.strip()
        if field.get("length") and len(value) > int(field["length"]):
            raise bad_input(
                f"{field['label']} is longer than {field['length']} characters.", field=name
            )
        if data_type == "email":
            try:
                _email(value)
            except ValidationError:
                raise bad_input(
                    f"{field['label']} is not a valid email address.", field=name
                ) from None
        if data_type == "picklist" and field["picklist"] and value not in field["picklist"]:
            raise bad_input(
                f"{field['label']} must be one of: {', '.join(field['picklist'])}.", field=name
            )
        return value
    if data_type in ("integer", "bigint"):
        # The SDK sends both as a Python int (JSON number); anything else is its TYPE ERROR.
        text = _whole_number_text(value)
        if text is None:
            raise bad_input(f"{field['label']} must be a whole number.", field=name)
        digits = BIGINT_DIGITS if data_type == "bigint" else int(field.get("length") or 10)
        if len(text.lstrip("+-").lstrip("0")) > digits:
            raise bad_input(f"{field['label']} has more than {digits} digits.", field=name)
        number = int(text)
        if data_type == "integer" and not -(2**31) <= number < 2**31:
            raise bad_input(f"{field['label']} is out of range.", field=name)
        return number
    if data_type in ("double", "currency"):
        return float(_decimal_number(field, value))  # the SDK sends a Python float
    if data_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "on", "1", "0"):
            return value.lower() in ("true", "on", "1")
        raise bad_input(f"{field['label']} must be true or false.", field=name)
    if data_type == "date":
        try:
            parsed = parse_date(value) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible, e.g. 2024-13-45
            parsed = None
        if isinstance(value, date) and not isinstance(value, datetime):
            parsed = value
        if parsed is None:
            raise bad_input(f"{field['label']} must be a date (YYYY-MM-DD).", field=name)
        return parsed
    if data_type == "datetime":
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else value
        except ValueError:
            parsed = None
        if not isinstance(parsed, datetime) or parsed.tzinfo is None:
            raise bad_input(
                f"{field['label']} must be a date and time with a UTC offset.", field=name
            )
        return parsed
    raise bad_input(f"{field['label']} cannot be set from the portal.", field=name)


def _reference_id(field: dict, value) -> str:
    """A lookup's or owner's id, given as Zoho's {"id": "…"} (other keys, such as the "name"
    a read answers with, are ignored, as Zoho does) or as the id itself."""
    ident = value.get("id") if isinstance(value, dict) else value
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if isinstance(ident, str):
        ident = ident.strip()
    if not is_zoho_id(ident):
        what = "a user" if field["data_type"] == "ownerlookup" else "a record"
        raise bad_input(
            f'{field["label"]} must be the id of {what}: digits, as "123…" or {{"id": "123…"}}.',
            field=field["api_name"],
        )
    return str(int(ident))


def decimal_limits(field: dict) -> tuple[int, int | None]:
    """(max_digits, decimal_places) of a double/currency field, as Django's DecimalValidator
    takes them: Zoho's `decimal_place` digits after the point and `length` before it, within
    the 15 significant digits a float (what the SDK sends) keeps exactly."""
    places = field.get("decimal_place")
    places = None if places is None else int(places)
    whole = int(field.get("length") or FLOAT_DIGITS)
    return min(whole + (places or 0), FLOAT_DIGITS), places


def _decimal_number(field: dict, value) -> Decimal:
    name, label = field["api_name"], field["label"]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_input(f"{label} must be a number.", field=name)
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise bad_input(f"{label} must be a number.", field=name) from None
    if not number.is_finite():
        raise bad_input(f"{label} must be a finite number.", field=name)
    max_digits, places = decimal_limits(field)
    try:
        DecimalValidator(max_digits, places)(number)
    except ValidationError as error:
        exponent = number.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > places:
            reason = f"{label} has more than {places} decimal places."  # the likeliest slip
        elif error.code == "max_whole_digits":
            whole = max_digits - (places or 0)
            reason = f"{label} has more than {whole} digits before the point."
        else:
            reason = f"{label} has more than {max_digits} digits."
        raise bad_input(reason, field=name) from None
    return number


def _whole_number_text(value) -> str | None:
    """A JSON whole number, or a string of ASCII digits (optionally signed), as text; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        return value.strip()
    return None


def clean_values(module: Module, values, *, creating: bool) -> dict:
    """`values` checked against the module's field metadata; CrmError(400) names the field."""
    if not isinstance(values, dict):
        raise bad_input("A record is a JSON object of field names to values.")
    editable = {f["api_name"]: f for f in module.editable_fields}
    cleaned = {}
    for name, value in values.items():
        if name == "id":
            continue
        field = editable.get(name)
        if field is None:
            reason = "is read-only" if module.field(name) else "is not a field of this module"
            raise bad_input(f"{str(name)[:60]} {reason}.", field=str(name)[:100])
        cleaned[name] = _clean_value(field, value)
    if creating:
        for field in module.editable_fields:
            if field["required"] and cleaned.get(field["api_name"]) is None:
                raise bad_input(
                    f"{field['label']} is required.",
                    field=field["api_name"],
                    code="MANDATORY_NOT_FOUND",
                )
        cleaned = {k: v for k, v in cleaned.items() if v is not None}
    elif not cleaned:
        raise bad_input("Nothing to change: give at least one field.")
    else:
        for name, value in cleaned.items():
            if value is None and editable[name]["data_type"] == "ownerlookup":
                raise bad_input(
                    f"{editable[name]['label']} cannot be cleared: every record has an owner.",
                    field=name,
                    code="MANDATORY_NOT_FOUND",
                )
            if value is None and editable[name]["required"]:
                raise bad_input(
                    f"{editable[name]['label']} is required.",
                    field=name,
                    code="MANDATORY_NOT_FOUND",
                )
    return cleaned


# --- operations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordPage:
    records: list[dict]
    info: dict
    columns: list[dict]


def record_page(
    *,
    connection: ZohoConnection,
    module: Module,
    page: int = 1,
    per_page: int = 20,
    sort_by: str | None = None,
    sort_order: str | None = None,
    query: str = "",
) -> RecordPage:
    """One page of records, or of search results when `query` is given."""
    if not 1 <= page <= MAX_PAGED_RECORDS:
        raise bad_input(f"page must be between 1 and {MAX_PAGED_RECORDS}.", field="page")
    if not 1 <= per_page <= 200:
        raise bad_input("per_page must be between 1 and 200.", field="per_page")
    if page * per_page > MAX_PAGED_RECORDS:
        raise bad_input(
            f"Zoho pages through the first {MAX_PAGED_RECORDS:,} records only: "
            "search to narrow the list.",
            field="page",
        )
    if sort_by and sort_by not in module.sortable:
        raise bad_input(f"Cannot sort by {sort_by[:60]!r}.", field="sort_by")
    if sort_order not in (None, "", "asc", "desc"):
        raise bad_input("sort_order is asc or desc.", field="sort_order")
    columns = module.list_fields
    names = [c["api_name"] for c in columns]
    query = (query or "").strip()
    if query:
        if len(query) > 200:
            raise bad_input("The search is too long.", field="q")
        is_email = "@" in query
        if not is_email and len(query) < 2:
            raise bad_input("Search for at least two characters.", field="q")
        records, info = zoho_crm.record_search(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            email=query if is_email else None,
            word=None if is_email else query,
        )
    else:
        records, info = zoho_crm.record_list(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            sort_by=sort_by or None,
            sort_order=sort_order or None,
        )
    return RecordPage(records=records, info=info, columns=columns)


def record_detail(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    record = zoho_crm.record_get(
        connection, module.api_name, record_id, field_names=module.field_names
    )
    if record is None:
        raise not_found()
    return record


def records_create(*, connection: ZohoConnection, module: Module, records: list) -> list[dict]:
    """Create up to 100 records; every record is validated before anything is sent."""
    if not isinstance(records, list) or not records:
        raise bad_input("Give one record or a list of records.")
    if len(records) > MAX_BATCH:
        raise bad_input(f"At most {MAX_BATCH} records at a time.", code="LIMIT_EXCEEDED")
    cleaned = []
    for index, values in enumerate(records):
        try:
            cleaned.append(clean_values(module, values, creating=True))
        except CrmError as error:
            if len(records) > 1:
                error.message = f"Record {index + 1}: {error.message}"
            raise
    results = zoho_crm.records_create(connection, module.api_name, cleaned, module.types)
    pairs = zip(cleaned, results, strict=False)
    return [_explain(module, values, result) for values, result in pairs]


def record_update(*, connection: ZohoConnection, module: Module, record_id: int, values) -> dict:
    cleaned = clean_values(module, values, creating=False)
    result = zoho_crm.record_update(connection, module.api_name, record_id, cleaned, module.types)
    result = _explain(module, cleaned, result)
    raise_for_result(result)
    return result


def _explain(module: Module, values: dict, result: dict) -> dict:
    """A lookup or owner Zoho refused (INVALID_DATA naming the field: no such record, or not
    an active user of the org) said plainly, keeping Zoho's own message."""
    field = module.field(result.get("field") or "")
    if (
        result["status"] != "error"
        or result["code"] != "INVALID_DATA"
        or field is None
        or field["data_type"] not in REFERENCE_TYPES
        or values.get(field["api_name"]) is None
    ):
        return result
    ident = values[field["api_name"]]
    if field["data_type"] == "ownerlookup":
        reason = f"{field['label']}: user {ident} is not an active user of this org."
    else:
        where = field.get("lookup_module") or "the related module"
        reason = f"{field['label']}: no record in {where} has the id {ident}."
    zoho_says = result["message"]
    return {**result, "message": f"{reason} (Zoho: {zoho_says})" if zoho_says else reason}


def record_delete(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    result = zoho_crm.record_delete(connection, module.api_name, record_id)
    raise_for_result(result)
    return result


def record_title(record: dict) -> str:
    """A human name for a record, whatever its module."""
    for key in ("Full_Name", "Account_Name", "Deal_Name", "Last_Name"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    return str(record.get("id", ""))


def raise_for_result(result: dict) -> None:
    """A failed per-record result as the CrmError a single-record call answers with."""
    if result["status"] == "success":
        return
    if result.get("field") == "id" or result["code"] == "RECORD_NOT_FOUND":
        raise not_found()
    status = 409 if result["code"] == "DUPLICATE_DATA" else 400
    raise CrmError(
        status,
        result["code"],
        result["message"] or "Zoho CRM refused the record.",
        field=result.get("field"),
    )
