"""Server-rendered CRM pages: they work without JavaScript (forms post normally)."""

from __future__ import annotations

import functools
from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.services import active_connection_for

from . import records
from .errors import CrmError, with_head
from .record_forms import (
    describe_references,
    edit_form,
    edit_values,
    form_values,
    initial_from_record,
    record_form_class,
)


def page_view(methods: list[str]):
    """Signed-in pages with an active connection; CrmError becomes an error page.

    HEAD is allowed wherever GET is (these GETs only read)."""

    def decorate(view):
        @require_http_methods(with_head(methods))
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                messages.info(request, "Sign in with Zoho to see your CRM records.")
                return redirect("home")
            connection = active_connection_for(request)
            try:
                if connection is None:
                    raise CrmError(403, "NO_CONNECTION", "Connect a Zoho org first.")
                if not connection.is_active:
                    raise CrmError(403, "NEEDS_RECONSENT", "This connection needs re-consent.")
                return view(request, connection, *args, **kwargs)
            except CrmError as error:
                return render(request, "records/error.html", {"error": error}, status=error.status)

        return wrapper

    return decorate


def home(request):
    context = {}
    if request.user.is_authenticated:
        connection = active_connection_for(request)
        if connection is not None and connection.is_active:
            try:
                context["modules"] = records.module_list(connection=connection)
            except CrmError as error:
                context["modules_error"] = error
    return render(request, "home.html", context)


@page_view(["GET"])
def record_list(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
    query = _list_query(request)
    page, notices = _forgiving_page(connection, found, query)
    next_page = query["page"] + 1 if page.info.get("more_records") else None
    if next_page and next_page * query["per_page"] > records.MAX_PAGED_RECORDS:
        next_page = None  # Zoho would refuse it: say so instead of offering a dead link
        notices.append(
            f"Zoho lists only the first {records.MAX_PAGED_RECORDS:,} records page by page: "
            "search to find the others."
        )
    rows = [
        {
            "id": r.get("id"),
            "cells": [_display(r.get(c["api_name"]), c["data_type"]) for c in page.columns],
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
            "previous_page": query["page"] - 1 if query["page"] > 1 else None,
            "next_page": next_page,
            "notices": notices,
        },
    )


@page_view(["GET"])
def record_detail(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    supported = {m["api_name"] for m in records.module_list(connection=connection)}
    rows = [
        (
            f["label"],
            _display(record.get(f["api_name"]), f["data_type"]),
            _related_url(record.get(f["api_name"]), f, supported),
        )
        for f in found.fields
    ]
    return render(
        request,
        "records/detail.html",
        {"module": found, "record": record, "rows": rows, "title": records.record_title(record)},
    )


def _related_url(value, field: dict, supported: set[str]) -> str | None:
    """The page of the record a lookup points to, when the portal shows that module."""
    if field["data_type"] != "lookup" or field.get("lookup_module") not in supported:
        return None
    ident = value.get("id") if isinstance(value, dict) else None
    if not records.is_zoho_id(ident):
        return None
    return reverse("crm:record", kwargs={"module": field["lookup_module"], "record_id": ident})


def _form_class(connection, module: records.Module, *, editing: bool):
    """The module's form; with an owner field, its choices are the org's active users."""
    has_owner = any(f["data_type"] == "ownerlookup" for f in module.editable_fields)
    users = records.user_list(connection=connection) if has_owner else None
    return record_form_class(module, editing=editing, users=users)


@page_view(["GET", "POST"])
def record_create(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
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
    if request.method == "POST":
        records.record_delete(connection=connection, module=found, record_id=ident)
        messages.success(request, f"{found.singular_label} deleted.")
        return redirect("crm:list", module=found.api_name)
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    return render(
        request,
        "records/delete.html",
        {"module": found, "record": record, "title": records.record_title(record)},
    )


@page_view(["GET"])
def data_input(request, connection):
    module = records.module_get(connection=connection, module=request.GET.get("module", "Leads"))
    return render(
        request,
        "records/input.html",
        {
            "module": module,
            "modules": records.module_list(connection=connection),
            "api_base": reverse("crm:api-records", kwargs={"module": module.api_name}),
        },
    )


def _describe_again(connection, module: records.Module, record_id: int, form) -> None:
    """A form shown again with errors still names each lookup's record and keeps a former
    user selectable as the owner (else the browser would pick another owner on resubmit)."""
    if not any(f["data_type"] in records.REFERENCE_TYPES for f in module.editable_fields):
        return
    try:
        record = records.record_detail(connection=connection, module=module, record_id=record_id)
    except CrmError:
        return  # the form still works; only the hints are missing
    describe_references(form, module, record)


def _owner_default(connection, module: records.Module) -> dict:
    """A new record's owner starts as the signed-in user (what Zoho does when none is sent)."""
    owners = [f["api_name"] for f in module.editable_fields if f["data_type"] == "ownerlookup"]
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


def _display(value, data_type: str = "") -> str:
    """A field's value as a person reads it (the JSON API keeps Zoho's own formats)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if data_type == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        offset = moment.utcoffset()
        zone = "" if offset is None else " UTC" if not offset else f" {moment:%z}"
        if zone.startswith(" +") or zone.startswith(" -"):
            zone = f"{zone[:4]}:{zone[4:]}"  # +0200 -> +02:00, as Zoho writes it
        return f"{moment:%Y-%m-%d %H:%M}{zone}"
    if data_type == "currency" and isinstance(value, int | float):
        return f"{value:,.2f}"
    return str(value)


# What the list page falls back to when Zoho's rules refuse a parameter (records.record_page
# names it in the error's `field`), and how the notice ends.
_LIST_FALLBACKS = {
    "sort_by": ({"sort_by": None, "sort_order": None}, "Showing the default order."),
    "q": ({"query": ""}, "Showing all records."),
    "page": ({"page": 1}, "Showing the first page."),
}


def _forgiving_page(connection, module, query: dict) -> tuple[records.RecordPage, list[str]]:
    """The page `query` asks for; a parameter Zoho's rules refuse falls back to its default,
    with a notice saying why. `query` is updated to what is shown."""
    notices = []
    while True:
        try:
            return records.record_page(connection=connection, module=module, **query), notices
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
    }


def _choice(raw, choices, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) in choices else default


def _positive(raw, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 10_000 else default
