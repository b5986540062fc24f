"""A record's page, its deletion, and quick data input."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import (
    empty_values,
    metadata,
    modules,
    record_files,
    record_state,
    record_values,
    relations,
    selectors,
    services,
    validation,
)
from crm.presenters import (
    column_kind,
    related_url,
    shown_value,
    values_context,
)
from crm.record_prefill import NOT_FROM_A_FORM as OWN_CARDS
from crm.views.access import page_view


@page_view(["GET"])
def record_detail_page(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    # The record and every related list's count at once; each list's records are read only
    # when it is opened (records/_related_rows.html, crm.views.related).
    record, counts = relations.record_with_counts(
        connection=connection,
        module=found,
        record_id=ident,
        read_record=lambda connection: selectors.record_detail(
            connection=connection, module=found, record_id=ident
        ),
        warm=_page_metadata(found),
    )
    shown = {
        m["api_name"]: m["singular_label"] for m in metadata.module_list(connection=connection)
    }
    values = values_context(connection, found, record, shown)
    sections = [
        {
            "label": section.label,
            "rows": [
                {
                    "label": f.label,
                    "text": shown_value(record, f, shown),
                    "href": related_url(record, f, shown) or f.link(record.get(f.api_name)),
                    "kind": column_kind(f),
                    "value": record_values.shown(f, record, values),
                }
                for f in section.fields
            ],
        }
        for section in metadata.module_sections(connection=connection, module=found)
    ]
    show_empty = request.GET.get("empty") == empty_values.SHOW_EMPTY
    sections, empty_count = empty_values.sections_shown(sections, show_empty=show_empty)
    related_error = counts if isinstance(counts, AppError) else None
    related = [] if related_error else counts
    return render(
        request,
        "records/detail.html",
        {
            "module": found,
            "record": record,
            "sections": sections,
            "show_empty": show_empty,
            "empty_count": empty_count,
            # Notes and Attachments have cards of their own (templates/records/_record_actions.html)
            "related": [r for r in related if r.count and r.api_name not in OWN_CARDS],
            "related_empty": [r for r in related if not r.count and r.api_name not in OWN_CARDS],
            # what they hold (Zoho's count): an empty card costs no call
            "own_counts": {r.api_name: r.count for r in related if r.api_name in OWN_CARDS},
            "related_error": related_error,
            "title": modules.record_title(found, record),
            "blocked": record_state.blocked(record),
        },
    )


def _page_metadata(module):
    """What the record page reads besides the record (`record_with_counts` asks for it at
    the same time): the layout's sections, and the org's currency for a currency field."""
    warm = [lambda connection: metadata.module_sections(connection=connection, module=module)]
    if any(f.data_type == "currency" for f in module.fields):
        warm.append(lambda connection: record_files.org_currency(connection=connection))
    return tuple(warm)


@page_view(["GET", "POST"])
def record_delete_page(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    found.require("delete")
    if request.method == "POST":
        title = request.POST.get("title", "")[:200]
        services.record_delete(connection=connection, module=found, record_id=ident)
        name = f" “{title}”" if title else ""
        messages.success(request, f"{found.singular_label}{name} deleted.")
        return redirect("crm:list", module=found.api_name) if found.tab else redirect("home")
    record = selectors.record_detail(connection=connection, module=found, record_id=ident)
    record_state.refuse_if_blocked(record)
    return render(
        request,
        "records/delete.html",
        {"module": found, "record": record, "title": modules.record_title(found, record)},
    )


@page_view(["GET"])
def data_input_page(request, connection):
    """Quick input: the modules the user's profile may create records in."""
    creatable = [m for m in metadata.module_list(connection=connection) if m["creatable"]]
    if not creatable:
        raise AppError(
            ErrorCode.NO_PERMISSION, "Your Zoho profile does not allow you to create records."
        )
    default = "Leads" if any(m["api_name"] == "Leads" for m in creatable) else None
    chosen = request.GET.get("module") or default or creatable[0]["api_name"]
    module = metadata.module_get(connection=connection, module=chosen)
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
