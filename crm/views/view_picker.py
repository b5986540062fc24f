"""The list page's view picker, read when the "View and filters" panel is opened:
`GET /crm/<module>/view-picker/` answers an HTML fragment (`records/_view_picker.html`,
Zoho's views of the module; `?cvid=` marks one chosen) that static/js/app.js puts into the
opened panel. A plain list page never reads Zoho's views; without JavaScript the panel's
"Choose a view" link reloads the list with the picker (`?filters=open`)."""

from __future__ import annotations

from django.shortcuts import render

from crm import list_filters, metadata
from crm.views.access import page_view


@page_view(["GET"])
def view_picker(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    selected = (request.GET.get("cvid") or "").strip() or None
    return render(
        request,
        "records/_view_picker.html",
        {
            "filters": list_filters.view_picker(
                connection=connection, module=found, selected=selected
            )
        },
    )
