"""Server-rendered CRM pages: they work without JavaScript (forms post normally)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from crm import record_files, record_state, record_values, records, submit_once
from crm.access import connection_required, status_for
from crm.errors import CrmError, no_permission
from crm.fields import SE_MODULE_KEY, is_zoho_id
from crm.record_forms import (
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
    records.require_tab(connection=connection, module=found)
    query = _list_query(request)
    page, notices = _forgiving_page(connection, found, query)
    info = page.info
    next_link = previous_link = None
    ordered = _ordered(query)
    if ordered and info.get("more_records"):  # sorted through COQL: by offset, no tokens
        next_number = query["page"] + 1
        if next_number * query["per_page"] <= records.COQL_MAX_RECORDS:
            next_link = {"page": next_number}
        else:
            notices.append(
                f"Sorted by a column, Zoho lists the first {records.COQL_MAX_RECORDS:,} "
                "records only: search, or sort by Created Time or Modified Time, to find the "
                "others."
            )
    elif info.get("more_records"):
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
        if ordered or previous_number * query["per_page"] <= records.MAX_PAGED_RECORDS:
            previous_link = {"page": previous_number}
        elif info.get("previous_page_token"):
            previous_link = {"page": previous_number, "page_token": info["previous_page_token"]}
    keep = {
        "per_page": query["per_page"],
        "q": query["query"],
        "sort_by": query["sort_by"] or "",
        "sort_order": query["sort_order"] or "",
    }
    first = (query["page"] - 1) * query["per_page"] + 1
    total = _total(connection, found, query["query"])
    return render(
        request,
        "records/list.html",
        {
            "module": found,
            "page": page,
            "columns": [_column(c, query, keep, found.sortable) for c in page.columns],
            "rows": [
                _row(found, page.columns, r, _currency_symbol(connection, page.columns))
                for r in page.records
            ],
            "per_page": query["per_page"],
            "query": query["query"],
            "sort_by": query["sort_by"],
            "sort_order": query["sort_order"] or "asc",
            "sort_label": _sort_label(found, query),
            "per_page_choices": records.PER_PAGE_CHOICES,
            "previous_url": _list_url(keep, previous_link),
            "next_url": _list_url(keep, next_link),
            "notices": notices,
            "total": total,
            "total_text": f"{total:,}" if total is not None else "",
            "range_text": _range_text(first, len(page.records), total),
            "page_count": -(-total // query["per_page"]) if total else None,
            "search_hint": search_hint(found),
        },
    )


def _list_url(keep: dict, link: dict | None) -> str | None:
    """The query string of a list page that keeps search, page size and sort."""
    if link is None:
        return None
    params = {key: value for key, value in {**keep, **link}.items() if value not in ("", None)}
    return "?" + urlencode(params)


def _total(connection, module: records.Module, query: str) -> int | None:
    """The count for "41–60 of 2,512": Zoho's count API; None (no total) when it fails."""
    try:
        return records.record_count(connection=connection, module=module, query=query)
    except CrmError:
        return None


def _range_text(first: int, shown: int, total: int | None) -> str:
    """ "41–60 of 2,512" (without the total when Zoho's count is not known)."""
    text = f"{first:,}–{first + shown - 1:,}"
    return f"{text} of {max(total, first + shown - 1):,}" if total is not None else text


# Columns shown as numbers (right-aligned) and as dates (never wrapped).
NUMBER_TYPES = ("integer", "bigint", "double", "currency", "decimal", "percent")
DATE_TYPES = ("date", "datetime")


def _kind(field) -> str:
    if field.data_type in NUMBER_TYPES:
        return "num"
    if field.data_type in DATE_TYPES:
        return "date"
    return field.data_type


def _ordered(query: dict) -> bool:
    """The list is sorted by a column Get Records cannot sort by (through COQL)."""
    return (
        bool(query["sort_by"])
        and query["sort_by"] not in records.ALWAYS_SORTABLE
        and not (query["query"])
    )


def _column(field, query: dict, keep: dict, sortable=()) -> dict:
    """A list column's header: its label, and when Zoho can sort by it (`Module.sortable`),
    the link that sorts (ascending first, then the other way), keeping page size and search."""
    column = {"label": field.label, "kind": _kind(field), "url": None, "sorted": None}
    if field.api_name not in sortable or query["query"]:
        return column
    current = query["sort_by"] == field.api_name
    order = query["sort_order"] or "asc"
    if current:
        column["sorted"] = "ascending" if order == "asc" else "descending"
    next_order = "desc" if current and order == "asc" else "asc"
    column["url"] = _list_url(keep, {"sort_by": field.api_name, "sort_order": next_order})
    return column


def _currency_symbol(connection, columns) -> str:
    """The org's currency symbol when a column is a currency (cached; "" if Zoho fails)."""
    if not any(c.data_type == "currency" for c in columns):
        return ""
    try:
        return record_files.org_currency(connection=connection)["symbol"]
    except CrmError:
        return ""


def _row(module: records.Module, columns, record: dict, symbol: str = "") -> dict:
    return {
        "id": record.get("id"),
        "cells": [
            {
                "text": record_values.money(c, record.get(c.api_name), symbol)
                if c.data_type == "currency"
                else c.display(record.get(c.api_name)),
                "href": c.link(record.get(c.api_name)),
                "kind": _kind(c),
                "label": c.label,
            }
            for c in columns
        ],
    }


def _sort_label(module: records.Module, query: dict) -> str:
    if query["query"]:
        return "Best matches first (Zoho's search order)"
    if not query["sort_by"]:
        return "Newest first (Zoho's default order)"
    field = module.field(query["sort_by"])
    label = field.label if field else query["sort_by"]
    direction = "A to Z, lowest first" if query["sort_order"] != "desc" else "Z to A, highest first"
    return f"Sorted by {label}, {direction}"


def search_hint(module: records.Module) -> str:
    """What the search box finds in this module (Zoho's word search covers text fields)."""
    names = [
        f.label.lower()
        for f in module.list_fields
        if f.data_type in ("text", "email", "phone") and f.searchable
    ][:3]
    if not names:
        return f"Search {module.label.lower()}"
    return f"Search by {', '.join(names[:-1]) + ' or ' if len(names) > 1 else ''}{names[-1]}"


@page_view(["GET"])
def record_detail(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    shown = {m["api_name"]: m["singular_label"] for m in records.module_list(connection=connection)}
    values = _values_context(connection, found, record, shown)
    sections = [
        {
            "label": section.label,
            "rows": [
                {
                    "label": f.label,
                    "text": _shown_value(record, f, shown),
                    "href": _related_url(record, f, shown) or f.link(record.get(f.api_name)),
                    "kind": _kind(f),
                    "value": record_values.shown(f, record, values),
                }
                for f in section.fields
            ],
        }
        for section in records.module_sections(connection=connection, module=found)
    ]
    related, related_error = [], None
    try:
        related = [
            _related(entry, found.api_name)
            for entry in records.related_lists(connection=connection, module=found, record_id=ident)
        ]
    except CrmError as error:  # the record is shown all the same
        related_error = error
    return render(
        request,
        "records/detail.html",
        {
            "module": found,
            "record": record,
            "sections": sections,
            "related": [r for r in related if r["records"]],
            "related_empty": [r["label"] for r in related if not r["records"]],
            "related_error": related_error,
            "title": records.record_title(found, record),
            "blocked": record_state.blocked(record),
        },
    )


def _values_context(
    connection, module: records.Module, record: dict, shown
) -> record_values.Context:
    """What the record page needs to show rich field types: the org's currency symbol (when
    the module has a currency field) and the fields of its subforms (when it has one)."""
    symbol = ""
    if any(f.data_type == "currency" for f in module.fields):
        try:
            symbol = record_files.org_currency(connection=connection)["symbol"]
        except CrmError:  # the amounts are shown all the same, without the symbol
            symbol = ""
    subforms = {}
    for f in module.fields:
        if f.data_type == "subform" and f.subform_module and record.get(f.api_name):
            try:
                subforms[f.subform_module] = record_files.subform_fields(
                    connection=connection, module=f.subform_module
                )
            except CrmError:
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


@page_view(["GET"])
def record_related(request, connection, module: str, record_id: str, related: str):
    """Every record of one related list of a record ("View all"), page by page."""
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    per_page = _choice(request.GET.get("per_page"), records.PER_PAGE_CHOICES, 20)
    number = _positive(request.GET.get("page"), 1)
    notices = []
    if number * per_page > records.MAX_PAGED_RECORDS:
        notices.append(
            f"Zoho pages a related list through its first {records.MAX_PAGED_RECORDS:,} "
            "records only: this is the first page."
        )
        number = 1
    listing = records.related_page(
        connection=connection,
        module=found,
        record_id=ident,
        related_list=related,
        page=number,
        per_page=per_page,
    )
    columns = [c for c in listing.module.list_fields if c.lookup_module != found.api_name]
    next_link = previous_link = None
    if listing.more:
        if (number + 1) * per_page <= records.MAX_PAGED_RECORDS:
            next_link = {"page": number + 1}
        else:
            notices.append(
                f"Zoho pages a related list through its first {records.MAX_PAGED_RECORDS:,} "
                f"records only: find the others in {listing.module.label}."
            )
    if number > 1:
        previous_link = {"page": number - 1}
    keep = {"per_page": per_page}
    first = (number - 1) * per_page + 1
    return render(
        request,
        "records/related.html",
        {
            "module": found,
            "record_id": ident,
            "title": listing.parent_name,
            "listing": listing,
            "columns": [{"label": c.label, "kind": _kind(c)} for c in columns],
            "rows": [
                _row(listing.module, columns, r, _currency_symbol(connection, columns))
                for r in listing.records
            ],
            "range_text": _range_text(first, len(listing.records), None),
            "per_page": per_page,
            "per_page_choices": records.PER_PAGE_CHOICES,
            "previous_url": _list_url(keep, previous_link),
            "next_url": _list_url(keep, next_link),
            "notices": notices,
        },
    )


def _related(entry: records.RelatedList, parent: str) -> dict:
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
                "name": records.record_title(entry.module, r),
                "detail": second.display(r.get(second.api_name)) if second else "",
            }
            for r in entry.records
        ],
    }


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
    has_owner = any(f.data_type in ("ownerlookup", "userlookup") for f in module.editable_fields)
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
    # the layout the record is created in: the default, or the one chosen (?layout=<id>)
    found = records.with_layout(
        connection=connection, module=found, layout=request.GET.get("layout") or None
    )
    form = _form_class(connection, found, editing=False)(
        request.POST or None, initial=_owner_default(connection, found)
    )
    status = None  # the status of a Zoho error shown on the form
    if request.method == "POST" and form.is_valid():
        once = submit_once.claim(
            user_id=request.user.pk,
            scope=f"{connection.pk}:{found.api_name}",
            token=request.POST.get(submit_once.FIELD_NAME),
        )
        if not once.first:  # sent twice: the first submission made (or is making) it
            if once.result:
                messages.info(request, f"This {found.singular_label.lower()} was already saved.")
                return redirect(once.result)
            form.add_error(None, "This form was already sent and is still being saved.")
            status = 409
        else:
            try:
                results = records.records_create(
                    connection=connection,
                    module=found,
                    records=[form_values(form, creating=True)],
                )
                records.raise_for_result(results[0])
            except CrmError as error:
                once.release()
                status = _form_error(connection, found, form, error)
            else:
                url = reverse(
                    "crm:record", kwargs={"module": found.api_name, "record_id": results[0]["id"]}
                )
                once.done(url)
                messages.success(request, f"{found.singular_label} created.")
                return redirect(url)
    return _form_page(request, connection, found, form, status=status, creating=True)


@page_view(["GET", "POST"])
def record_edit(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    found.require("edit")
    record = None
    layout = request.GET.get("layout") or None  # the record's layout, kept by the form
    if request.method != "POST":
        record = records.record_detail(connection=connection, module=found, record_id=ident)
        record_state.refuse_if_blocked(record)
        layout = layout or (record.get("Layout") or {}).get("id")
    found = _in_layout(connection, found, layout)
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
                records.record_update(  # `found` is in the record's layout already
                    connection=connection, module=found, record_id=ident, values=values
                )
            except CrmError as error:
                status = _form_error(connection, found, form, error)
            else:
                messages.success(request, f"{found.singular_label} saved.")
                return redirect("crm:record", module=found.api_name, record_id=ident)
        record = _describe_again(connection, found, ident, form)
    else:
        form = edit_form(form_class, initial_from_record(found, record))
        describe_references(form, found, record)
    title = records.record_title(found, record) if record else found.singular_label
    return _form_page(
        request,
        connection,
        found,
        form,
        status=status,
        record_id=ident,
        title=title,
        record=record,
    )


def _in_layout(connection, module: records.Module, layout) -> records.Module:
    """`module` in a record's layout; the default one when Zoho no longer has that one."""
    try:
        return records.with_layout(connection=connection, module=module, layout=layout)
    except CrmError:
        return records.with_layout(connection=connection, module=module, layout=None)


def _form_page(
    request,
    connection,
    module: records.Module,
    form,
    *,
    status: int | None,
    creating: bool = False,
    record_id: int | None = None,
    title: str = "",
    record: dict | None = None,
):
    """A create or edit form: its fields grouped as Zoho's layout sections, an error
    summary linking to each field in error, a one-time token (creating) and Cancel; a
    choice of layout when a new record may be made in several."""
    if form.is_bound:  # a lookup chosen by name keeps showing that name (static/js/app.js)
        for name, field in form.fields.items():
            chosen = request.POST.get(f"{name}__name", "").strip()[:200]
            value = form.data.get(name, "")
            if "data-lookup" in field.widget.attrs and chosen and is_zoho_id(value):
                field.widget.attrs.update({"data-lookup-name": chosen, "data-lookup-id": value})
    if record_id is not None:
        cancel = reverse("crm:record", kwargs={"module": module.api_name, "record_id": record_id})
    elif module.tab:
        cancel = reverse("crm:list", kwargs={"module": module.api_name})
    else:  # Notes and the like have no list page of their own
        cancel = reverse("home")
    return render(
        request,
        "records/form.html",
        {
            "module": module,
            "form": form,
            "groups": _form_groups(connection, module, form, record),
            "errors": _error_summary(form),
            "layouts": module.layouts if creating and len(module.layouts) > 1 else (),
            "layout_id": module.layout_id,
            "form_action": f"?layout={module.layout_id}" if len(module.layouts) > 1 else "",
            "creating": creating,
            "record_id": record_id,
            "title": title,
            "cancel_url": cancel,
            "form_token": submit_once.issue() if creating else "",
            "kept_fields": record_values.kept_on_forms(module),
        },
        status=status or (400 if form.errors else 200),
    )


def _form_groups(connection, module: records.Module, form, record=None) -> list[dict]:
    """The form's fields in the layout's sections (a Related To's module just before it);
    fields no section names come last. A field the user's profile makes read-only is shown
    in its section, as text (`read_only`), never as an input: it is never sent."""
    try:
        sections = records.module_sections(connection=connection, module=module)
    except CrmError:
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
        label = records.OTHER_SECTION if groups else f"{module.singular_label} information"
        groups.append({"label": label, "fields": [form[n] for n in rest]})
    return groups


def _error_summary(form) -> list[dict]:
    """Every error on the form, each linking to its field (`#id_<name>`)."""
    summary = [{"anchor": None, "label": "", "message": e} for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        for message in errors:
            summary.append({"anchor": bound.id_for_label, "label": bound.label, "message": message})
    return summary


@page_view(["GET", "POST"])
def record_delete(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    found.require("delete")
    if request.method == "POST":
        title = request.POST.get("title", "")[:200]
        records.record_delete(connection=connection, module=found, record_id=ident)
        name = f" “{title}”" if title else ""
        messages.success(request, f"{found.singular_label}{name} deleted.")
        return redirect("crm:list", module=found.api_name) if found.tab else redirect("home")
    record = records.record_detail(connection=connection, module=found, record_id=ident)
    record_state.refuse_if_blocked(record)
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


def _describe_again(connection, module: records.Module, record_id: int, form) -> dict | None:
    """A form shown again with errors still names its record and each lookup's record, and
    keeps a former user selectable as the owner (else the browser would pick another owner
    on resubmit). The record, or None when it cannot be read now."""
    try:
        record = records.record_detail(connection=connection, module=module, record_id=record_id)
    except CrmError:
        return None  # the form still works; only the hints are missing
    describe_references(form, module, record)
    return record


def _owner_default(connection, module: records.Module) -> dict:
    """A new record's owner starts as the signed-in user (what Zoho does when none is sent)."""
    owners = [f.api_name for f in module.editable_fields if f.data_type == "ownerlookup"]
    return {name: connection.zoho_user_id for name in owners}


def _form_error(connection, module: records.Module, form, error: CrmError) -> int:
    """Show `error` on the form (keeping what the user typed); its HTTP status. A duplicate
    links to the record it duplicates.

    Re-consent and a vanished record are not about the form: they get the error page.
    """
    if status_for(error) in (403, 404) or error.code in record_state.CODES:
        raise error
    field = error.field if error.field in form.fields else None
    message = error.message
    duplicate_of = getattr(error, "duplicate_of", None)
    if error.code == "DUPLICATE_DATA" and is_zoho_id(duplicate_of):
        message = _duplicate_message(connection, module, form, field, duplicate_of)
    form.add_error(field, message)
    return status_for(error)


def _duplicate_message(connection, module: records.Module, form, field, duplicate_of: str):
    """ "A lead with this Email already exists: <a>Its name</a>." (a link to it)."""
    try:
        name = records.record_name(
            connection=connection, module=module, record_id=int(duplicate_of)
        )
    except CrmError:
        name = None
    what = form.fields[field].label if field else "these values"
    url = reverse("crm:record", kwargs={"module": module.api_name, "record_id": duplicate_of})
    return format_html(
        'A {} with this {} already exists: <a href="{}">{}</a>.',
        module.singular_label.lower(),
        what,
        url,
        name or f"open the existing {module.singular_label.lower()}",
    )


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
            fallback = _LIST_FALLBACKS.get(error.field) if status_for(error) == 400 else None
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


def _number(raw) -> int | None:
    """A query-string number as people type it: ASCII digits only ("²" is a digit to
    `str.isdigit` and not to `int`), at most six of them."""
    return int(raw) if raw and len(raw) <= 6 and raw.isascii() and raw.isdigit() else None


def _choice(raw, choices, default: int) -> int:
    number = _number(raw)
    return number if number in choices else default


def _positive(raw, default: int) -> int:
    number = _number(raw)
    return number if number is not None and 0 < number <= 10_000 else default
