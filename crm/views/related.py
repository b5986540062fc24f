"""The rows of one related list of a record, as the record page shows them when the list is
opened: `GET /crm/<module>/<id>/related/<related>/rows/` answers an HTML fragment
(`records/_related_rows.html`) that static/js/app.js puts into the opened list. Without
JavaScript the list's "View all" link (`crm:related`) is the way to its records."""

from __future__ import annotations

from django.shortcuts import render

from crm import metadata, relations, validation
from crm.presenters import related_summary
from crm.views.access import page_view


@page_view(["GET"])
def related_rows(request, connection, module: str, record_id: str, related: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    listing = relations.related_rows(
        connection=connection, module=found, record_id=ident, related_list=related
    )
    return render(
        request,
        "records/_related_rows.html",
        {
            "module": found,
            "record_id": ident,
            "list": related_summary(listing, found.api_name),
        },
    )
