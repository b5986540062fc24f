"""Lookups by name: the JSON endpoint behind the forms' search-as-you-type record picker.

`GET /crm/api/<module>/lookup/?q=Keystone` answers `{"data": [{"id", "name"}, ...]}`: at
most ten records of `module` whose name (or any text Zoho's word search covers) matches, or
the most recently modified with no `q`. The picker shows names; the id stays what the form
sends.
"""

from __future__ import annotations

from django.http import JsonResponse

from core.errors import AppError, ErrorCode
from crm import metadata, selectors
from crm.views.access import connection_required


@connection_required(["GET"], api=True)
def lookup(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    query = request.GET.get("q", "").strip()
    if len(query) > 100:
        raise AppError(ErrorCode.INVALID_DATA, "The search is too long.", field="q")
    if len(query) == 1:  # Zoho's word search needs two characters
        return JsonResponse({"data": [], "hint": "Type at least two characters."})
    return JsonResponse(
        {"data": selectors.lookup_search(connection=connection, module=found, query=query)}
    )
