"""Server-rendered CRM pages: they work without JavaScript (forms post normally)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from . import records
from .access import connection_required
from .errors import CrmError, no_permission
from .fields import SE_MODULE_KEY, is_zoho_id
from .record_forms import (
    describe_references,
    edit_form,
    edit_values,
    form_values,
    initial_from_record,
    record_form_class,
)


def page_view(methods: list[str]):
    """A signed-in page with an active connection (`crm.access.connection_required`)."""
    return connection_required(methods)


@page_view(["GET"])
def record_list(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
    query = _list_query(request)
    page, notices = _forgiving_page(connection, found, query)
    info = page.info
    next_link = previous_link = None
    if info.get("more_records"):
        next_number = query["page"] + 1
        if next_number * query["per_page"] <= records.MAX_PAGED_RECORDS and not query["page_token"]:
            next_link = {"page": next_number}
        elif info.get("next_page_token") and not query["query"]:
            next_link = {"page": next_number, "page_token": info["next_page_token"]}
        elif query["query"]:
            notices.append(
                f"Zoho's search answers the first {records.MAX_PAGED_RECORDS:,} matches only: "
                "narrow the search to find the others."
            )
        else:  # Zoho gave no page_token to go on with
            notices.append(
                f"Zoho lists only the first {records.MAX_PAGED_RECORDS:,} records page by page "
                "here: search to find the others."
            )
    if query["page"] > 1:
        previous_number = query["page"] - 1
        if previous_number * query["per_page"] <= records.MAX_PAGED_RECORDS:
            previous_link = {"page": previous_number}
        elif info.get("previous_page_token"):
            previous_link = {"page": previous_number, "page_token": info["previous_page_token"]}
    keep = {
        "per_page": query["per_page"],
        "q": query["query"],
        "sort_by": query["sort_by"] or "",
        "sort_order": query["sort_order"] or "",
    }
    rows = [
        {
            "id": r.get("id"),
            "cells": [c.display(r.get(c.api_name)) for c in page.columns],
        }
        for r in page.records
    ]
    return render(
        request,
        "records/list.html",
        {
            "module": found,
            "page": page,
            "rows": rows,
            "per_page": query["per_page"],
            "query": query["query"],
            "sort_by": query["sort_by"],
            "sort_order": query["sort_order"] or "asc",
            "per_page_choices": records.PER_PAGE_CHOICES,
            "previous_url": _list_url(keep, previous_link),
            "next_url": _list_url(keep, next_link),
            "notices": notices,
        },
    )


def _list_url(keep: dict, link: dict | None) -> str | None:
    """The query string of a list page that keeps search, page size and sort."""
    if link is None:
        return None
    params = {key: value for key, value in {**keep, **link}.items() if value not in ("", None)}
    return "?" + urlencode(params)


@page_view(["GET"])
def record_detail(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    shown = {m["api_name"]: m["singular_label"] for m in records.module_list(connection=connection)}
    rows = [
        (
            f.label,
            _shown_value(record, f, shown),
            _related_url(record, f, shown) or f.link(record.get(f.api_name)),
        )
        for f in found.fields
        if f.api_name != "id"
    ]
    return render(
        request,
        "records/detail.html",
        {
            "module": found,
            "record": record,
            "rows": rows,
            "title": records.record_title(found, record),
        },
    )


def _shown_value(record: dict, field, shown: dict[str, str]) -> str:
    """A field's value for the record page; Related To says which module it points to."""
    text = field.display(record.get(field.api_name))
    related = record.get(SE_MODULE_KEY)
    if text and field.any_module and isinstance(related, str):
        return f"{text} ({shown.get(related, related)})"
    return text


def _related_url(record: dict, field, shown) -> str | None:
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


def _form_class(connection, module: records.Module, *, editing: bool):
    """The module's form; with an owner field, its choices are the org's active users; with
    an activity's Related To, the modules a record it points to may live in."""
    has_owner = any(f.data_type == "ownerlookup" for f in module.editable_fields)
    users = records.user_list(connection=connection) if has_owner else None
    related = None
    if any(f.any_module for f in module.editable_fields):
        related = [
            (m["api_name"], m["singular_label"])
            for m in records.module_list(connection=connection)
            if m["api_name"] not in records.ACTIVITY_MODULES
        ]
    return record_form_class(module, editing=editing, users=users, related_modules=related)


@page_view(["GET", "POST"])
def record_create(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
    found.require("create")
    form = _form_class(connection, found, editing=False)(
        request.POST or None, initial=_owner_default(connection, found)
    )
    status = None  # the status of a Zoho error shown on the form
    if request.method == "POST" and form.is_valid():
        try:
            results = records.records_create(
                connection=connection, module=found, records=[form_values(form, creating=True)]
            )
            records.raise_for_result(results[0])
        except CrmError as error:
            status = _form_error(form, error)
        else:
            messages.success(request, f"{found.singular_label} created.")
            return redirect("crm:record", module=found.api_name, record_id=results[0]["id"])
    return render(
        request,
        "records/form.html",
        {"module": found, "form": form, "creating": True},
        status=status or (400 if form.errors else 200),
    )


@page_view(["GET", "POST"])
def record_edit(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    found.require("edit")
    form_class = _form_class(connection, found, editing=True)
    status = None  # the status of a Zoho error shown on the form
    if request.method == "POST":
        form = form_class(request.POST)
        values = edit_values(form)
        if values == {}:
            messages.info(request, "Nothing was changed.")
            return redirect("crm:record", module=found.api_name, record_id=ident)
        if values is not None:
            try:
                records.record_update(
                    connection=connection, module=found, record_id=ident, values=values
                )
            except CrmError as error:
                status = _form_error(form, error)
            else:
                messages.success(request, f"{found.singular_label} saved.")
                return redirect("crm:record", module=found.api_name, record_id=ident)
        _describe_again(connection, found, ident, form)
    else:
        record = records.record_detail(connection=connection, module=found, record_id=ident)
        form = edit_form(form_class, initial_from_record(found, record))
        describe_references(form, found, record)
    return render(
        request,
        "records/form.html",
        {"module": found, "form": form, "creating": False, "record_id": ident},
        status=status or (400 if form.errors else 200),
    )


@page_view(["GET", "POST"])
def record_delete(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    found.require("delete")
    if request.method == "POST":
        records.record_delete(connection=connection, module=found, record_id=ident)
        messages.success(request, f"{found.singular_label} deleted.")
        return redirect("crm:list", module=found.api_name)
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    return render(
        request,
        "records/delete.html",
        {"module": found, "record": record, "title": records.record_title(found, record)},
    )


@page_view(["GET"])
def data_input(request, connection):
    """Quick input: the modules the user's profile may create records in."""
    creatable = [m for m in records.module_list(connection=connection) if m["creatable"]]
    if not creatable:
        raise no_permission("Your Zoho profile does not allow you to create records.")
    default = "Leads" if any(m["api_name"] == "Leads" for m in creatable) else None
    chosen = request.GET.get("module") or default or creatable[0]["api_name"]
    module = records.module_get(connection=connection, module=chosen)
    module.require("create")
    return render(
        request,
        "records/input.html",
        {
            "module": module,
            "modules": creatable,
            "api_base": reverse("crm:api-records", kwargs={"module": module.api_name}),
        },
    )


def _describe_again(connection, module: records.Module, record_id: int, form) -> None:
    """A form shown again with errors still names each lookup's record and keeps a former
    user selectable as the owner (else the browser would pick another owner on resubmit)."""
    if not any(f.is_reference for f in module.editable_fields):
        return
    try:
        record = records.record_detail(connection=connection, module=module, record_id=record_id)
    except CrmError:
        return  # the form still works; only the hints are missing
    describe_references(form, module, record)


def _owner_default(connection, module: records.Module) -> dict:
    """A new record's owner starts as the signed-in user (what Zoho does when none is sent)."""
    owners = [f.api_name for f in module.editable_fields if f.data_type == "ownerlookup"]
    return {name: connection.zoho_user_id for name in owners}


def _form_error(form, error: CrmError) -> int:
    """Show `error` on the form (keeping what the user typed); its HTTP status.

    Re-consent and a vanished record are not about the form: they get the error page.
    """
    if error.status in (403, 404):
        raise error
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
    return error.status


# What the list page falls back to when Zoho's rules refuse a parameter (records.record_page
# names it in the error's `field`), and how the notice ends.
_LIST_FALLBACKS = {
    "sort_by": ({"sort_by": None, "sort_order": None}, "Showing the default order."),
    "q": ({"query": ""}, "Showing all records."),
    "page": ({"page": 1, "page_token": None}, "Showing the first page."),
    "page_token": ({"page": 1, "page_token": None}, "Showing the first page."),
}


def _forgiving_page(connection, module, query: dict) -> tuple[records.RecordPage, list[str]]:
    """The page `query` asks for; a parameter Zoho's rules refuse falls back to its default,
    with a notice saying why. `query` is updated to what is shown."""
    notices = []
    while True:
        try:
            token = records.parse_page_token(query["page_token"])
            page = records.record_page(
                connection=connection, module=module, **{**query, "page_token": token}
            )
            return page, notices
        except CrmError as error:
            fallback = _LIST_FALLBACKS.get(error.field) if error.status == 400 else None
            if fallback is None or all(query[k] == v for k, v in fallback[0].items()):
                raise
            query.update(fallback[0])
            notices.append(f"{error.message} {fallback[1]}")


def _list_query(request) -> dict:
    """The list page's query string, forgiving: a malformed value is the default, and one
    Zoho's rules refuse (sort_by, q, page) falls back to it with a notice (_forgiving_page)."""
    sort_order = request.GET.get("sort_order")
    return {
        "page": _positive(request.GET.get("page"), 1),
        "per_page": _choice(request.GET.get("per_page"), records.PER_PAGE_CHOICES, 20),
        "sort_by": request.GET.get("sort_by") or None,
        "sort_order": sort_order if sort_order in ("asc", "desc") else None,
        "query": request.GET.get("q", ""),
        "page_token": request.GET.get("page_token") or None,
    }


def _choice(raw, choices, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in choices else default


def _positive(raw, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 10_000 else default
