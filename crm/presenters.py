"""How the CRM pages present records: list columns and rows, sort and range wording, the
record page's values and related lists, form groups and error summaries. Plain functions
of records and fields, no Zoho calls but the cached org currency and subform fields."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import (
    metadata,
    modules,
    numbers,
    record_files,
    record_state,
    record_values,
    relations,
)
from crm.fields import SE_MODULE_KEY, is_zoho_id


def list_url(keep: dict, link: dict | None) -> str | None:
    """The query string of a list page that keeps search, page size and sort."""
    if link is None:
        return None
    params = {key: value for key, value in {**keep, **link}.items() if value not in ("", None)}
    return "?" + urlencode(params)


def range_text(first: int, shown: int, total: int | None) -> str:
    """ "41–60 of 2,512" (without the total when Zoho's count is not known)."""
    number = numbers.active().number  # the user's separators
    text = f"{number(first)}–{number(first + shown - 1)}"
    return f"{text} of {number(max(total, first + shown - 1))}" if total is not None else text


# Columns shown as numbers (right-aligned) and as dates (never wrapped).
NUMERIC_TYPES = ("integer", "bigint", "double", "currency", "decimal", "percent")


DATE_TYPES = ("date", "datetime")


def column_kind(field) -> str:
    if field.data_type in NUMERIC_TYPES:
        return "num"
    if field.data_type in DATE_TYPES:
        return "date"
    return field.data_type


def column(field, query: dict, keep: dict, sortable=()) -> dict:
    """A list column's header: its label, and when Zoho can sort by it (`Module.sortable`),
    the link that sorts (ascending first, then the other way), keeping page size and search."""
    column = {"label": field.label, "kind": column_kind(field), "url": None, "sorted": None}
    if field.api_name not in sortable or query["query"]:
        return column
    current = query["sort_by"] == field.api_name
    order = query["sort_order"] or "asc"
    if current:
        column["sorted"] = "ascending" if order == "asc" else "descending"
    next_order = "desc" if current and order == "asc" else "asc"
    column["url"] = list_url(keep, {"sort_by": field.api_name, "sort_order": next_order})
    return column


def currency_symbol(connection, columns) -> str:
    """The org's currency symbol when a column is a currency (cached; "" if Zoho fails)."""
    if not any(c.data_type == "currency" for c in columns):
        return ""
    try:
        return record_files.org_currency(connection=connection)["symbol"]
    except AppError:
        return ""


def row(module: modules.Module, columns, record: dict, symbol: str = "") -> dict:
    return {
        "id": record.get("id"),
        "cells": [
            {
                "text": record_values.money(
                    c, record.get(c.api_name), symbol, record.get("Currency")
                )
                if c.data_type == "currency"
                else c.display(record.get(c.api_name)),
                "href": c.link(record.get(c.api_name)) or lookup_url(record, c),
                "kind": column_kind(c),
                "label": c.label,
            }
            for c in columns
        ],
    }


def lookup_url(record: dict, field) -> str | None:
    """A list cell's link to the record a lookup points to (the record page says 404 for
    one the user may not see); an activity's Related To names its module in `$se_module`."""
    if field.data_type != "lookup":
        return None
    value = record.get(field.api_name)
    target = record.get(SE_MODULE_KEY) if field.any_module else field.lookup_module
    ident = value.get("id") if isinstance(value, dict) else None
    if not isinstance(target, str) or not is_zoho_id(ident):
        return None
    return reverse("crm:record", kwargs={"module": target, "record_id": ident})


def sort_label(module: modules.Module, query: dict) -> str:
    if query["query"]:
        return "Best matches first (Zoho's search order)"
    if not query["sort_by"]:
        return "Newest first (Zoho's default order)"
    field = module.field(query["sort_by"])
    label = field.label if field else query["sort_by"]
    direction = "A to Z, lowest first" if query["sort_order"] != "desc" else "Z to A, highest first"
    return f"Sorted by {label}, {direction}"


def search_hint(module: modules.Module) -> str:
    """What the search box finds in this module (Zoho's word search covers text fields)."""
    names = [
        f.label.lower()
        for f in module.list_fields
        if f.data_type in ("text", "email", "phone") and f.searchable
    ][:3]
    if not names:
        return f"Search {module.label.lower()}"
    return f"Search by {', '.join(names[:-1]) + ' or ' if len(names) > 1 else ''}{names[-1]}"


def values_context(
    connection, module: modules.Module, record: dict, shown
) -> record_values.Context:
    """What the record page needs to show rich field types: the org's currency symbol (when
    the module has a currency field) and the fields of its subforms (when it has one)."""
    symbol = ""
    if any(f.data_type == "currency" for f in module.fields):
        try:
            symbol = record_files.org_currency(connection=connection)["symbol"]
        except AppError:  # the amounts are shown all the same, without the symbol
            symbol = ""
    subforms = {}
    for f in module.fields:
        if f.data_type == "subform" and f.subform_module and record.get(f.api_name):
            try:
                subforms[f.subform_module] = record_files.subform_fields(
                    connection=connection, module=f.subform_module
                )
            except AppError:
                subforms[f.subform_module] = ()
    return record_values.Context(
        module=module.api_name,
        record_id=str(record.get("id")),
        shown_modules=shown,
        currency_symbol=symbol,
        subform_fields=subforms,
        # no file added or removed where Zoho would refuse it (a locked or unapproved record)
        can_edit=module.editable and not record_state.blocked(record),
    )


def related_summary(entry: relations.RelatedList, parent: str) -> dict:
    """A related list as the record page shows it: each record's name (a link) and the
    first column after the name that does not point back to the record, as a hint."""
    second = next((c for c in entry.module.list_fields[1:] if c.lookup_module != parent), None)
    return {
        "api_name": entry.api_name,
        "label": entry.label,
        "module": entry.module,
        "more": entry.more,
        "records": [
            {
                "id": r["id"],
                "name": modules.record_title(entry.module, r),
                "detail": second.display(r.get(second.api_name)) if second else "",
            }
            for r in entry.records
        ],
    }


def shown_value(record: dict, field, shown: dict[str, str]) -> str:
    """A field's value for the record page; Related To says which module it points to."""
    text = field.display(record.get(field.api_name))
    related = record.get(SE_MODULE_KEY)
    if text and field.any_module and isinstance(related, str):
        return f"{text} ({shown.get(related, related)})"
    return text


def related_url(record: dict, field, shown) -> str | None:
    """The page of the record a lookup points to, when the portal shows that module.

    An activity's `What_Id` may point to records of several modules: Zoho names the one
    in the record's `$se_module`.
    """
    if field.data_type != "lookup":
        return None
    value = record.get(field.api_name)
    target = field.lookup_module
    if field.any_module or target is None:
        target = record.get(SE_MODULE_KEY)
    ident = value.get("id") if isinstance(value, dict) else None
    if target not in shown or not is_zoho_id(ident):
        return None
    return reverse("crm:record", kwargs={"module": target, "record_id": ident})


def form_groups(connection, module: modules.Module, form, record=None) -> list[dict]:
    """The form's fields in the layout's sections (a Related To's module just before it);
    fields no section names come last. A field the user's profile makes read-only is shown
    in its section, as text (`read_only`), never as an input: it is never sent."""
    try:
        sections = metadata.module_sections(connection=connection, module=module)
    except AppError:
        sections = []
    placed: set[str] = set()
    groups = []
    for section in sections:
        names = []
        for field in section.fields:
            if field.any_module and SE_MODULE_KEY in form.fields:
                names.append(SE_MODULE_KEY)
            names.append(field.api_name)
        names = [n for n in names if n in form.fields and n not in placed]
        placed.update(names)
        fixed = [
            {"label": f.label, "text": f.display((record or {}).get(f.api_name))}
            for f in section.fields
            if f.permission == "read_only" and f.api_name not in form.fields
        ]
        if names or fixed:
            groups.append(
                {"label": section.label, "fields": [form[n] for n in names], "read_only": fixed}
            )
    rest = [name for name in form.fields if name not in placed]
    if rest:
        label = metadata.OTHER_SECTION if groups else f"{module.singular_label} information"
        groups.append({"label": label, "fields": [form[n] for n in rest]})
    return groups


def error_summary(form) -> list[dict]:
    """Every error on the form, each linking to its field (`#id_<name>`)."""
    summary = [{"anchor": None, "label": "", "message": e} for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        for message in errors:
            summary.append({"anchor": bound.id_for_label, "label": bound.label, "message": message})
    return summary


# Which advice the error page gives, by the error's code (templates/records/error.html).
_ADVICE = {
    ErrorCode.NO_PERMISSION: "profile",  # signing in again will not help
    ErrorCode.FEATURE_NOT_SUPPORTED: "profile",
    ErrorCode.NO_CONNECTION: "reconnect",
    ErrorCode.NEEDS_RECONSENT: "reconnect",
    ErrorCode.CSRF_FAILED: "reconnect",
    ErrorCode.ACCESS_DENIED: "reconnect",
    ErrorCode.NOT_FOUND: "not_found",
    ErrorCode.THROTTLED: "busy",
    ErrorCode.ZOHO_TIMEOUT: "timeout",
    ErrorCode.ZOHO_ERROR: "failed",
    ErrorCode.ZOHO_REFUSED: "failed",
    ErrorCode.INTERNAL_ERROR: "failed",
    ErrorCode.UNAVAILABLE: "failed",
}
# Codes of a request that would fail the same way again: no "Try again" button.
_NOT_RETRIED = frozenset(
    {
        ErrorCode.NOT_FOUND,
        ErrorCode.BAD_REQUEST,
        ErrorCode.INVALID_DATA,
        ErrorCode.MANDATORY_NOT_FOUND,
        ErrorCode.INVALID_MODULE,
        ErrorCode.INVALID_JSON,
        ErrorCode.INVALID_ID,
        ErrorCode.REQUIRED_PARAM_MISSING,
        ErrorCode.LIMIT_EXCEEDED,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_QUERY,
        ErrorCode.DISCRETE_PAGINATION_LIMIT_EXCEEDED,
        ErrorCode.PAGINATION_LIMIT_EXCEEDED,
        ErrorCode.EXPIRED_VALUE,
        ErrorCode.SIGN_IN_EXPIRED,
        ErrorCode.UNKNOWN_DATA_CENTER,
        ErrorCode.WRONG_ZOHO_USER,
    }
)


def error_advice(error: AppError) -> dict:
    """What the error page says to do about `error`: `kind` picks its advice ("profile",
    "reconnect", "not_found", "credits", "busy", "timeout", "failed" or "other") and
    `try_again` whether the same request may work a second time."""
    kind = _ADVICE.get(error.code, "other")
    if kind == "busy" and error.extras.get("reason") == "credits":
        kind = "credits"
    return {"kind": kind, "try_again": error.code not in _NOT_RETRIED}
