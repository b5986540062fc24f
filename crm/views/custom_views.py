"""`GET /crm/api/<module>/views/`: Zoho's custom views of a module, for `?cvid=` on the
module's list (page and JSON API alike)."""

from __future__ import annotations

from django.http import JsonResponse

from crm import list_filters, metadata
from crm.views.access import connection_required


@connection_required(["GET"], api=True)
def views_api(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    views = list_filters.view_list(connection=connection, module=found)
    return JsonResponse(
        {
            "data": [
                {"id": v["id"], "name": v["name"], "default": v["default"], "system": v["system"]}
                for v in views
            ]
        }
    )
