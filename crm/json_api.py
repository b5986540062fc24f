"""The JSON API used by static/js/app.js (session-authenticated, CSRF-protected writes).

Every answer is JSON; errors are `{"error": {"code", "message", "field"}}` with a 4xx/5xx
status from `CrmError` — never a 500 page or a traceback.
"""

from __future__ import annotations

import functools
import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from accounts.services import active_connection_for

from . import records
from .errors import CrmError, bad_input

logger = logging.getLogger("zohoportal.crm")
MAX_BODY = 1_000_000


def api_view(methods: list[str]):
    """JSON errors for everything; the view gets the request's active connection."""

    def decorate(view):
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                if not request.user.is_authenticated:
                    raise CrmError(401, "NOT_SIGNED_IN", "Sign in with Zoho first.")
                connection = active_connection_for(request)
                if connection is None:
                    raise CrmError(
                        403, "NO_CONNECTION", "Connect a Zoho org first: sign in with Zoho."
                    )
                if not connection.is_active:
                    raise CrmError(
                        403,
                        "NEEDS_RECONSENT",
                        "This connection needs re-consent: sign in with Zoho again "
                        "at /accounts/login/.",
                    )
                return view(request, connection, *args, **kwargs)
            except CrmError as error:
                return JsonResponse(error.as_json(), status=error.status)

        return wrapper

    return decorate


def _json_body(request: HttpRequest):
    if request.content_type != "application/json":
        raise CrmError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    if len(request.body) > MAX_BODY:
        raise CrmError(413, "TOO_LARGE", "The request body is too large.")
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: absurd nesting
        raise bad_input("The body is not valid UTF-8 JSON.", code="INVALID_JSON") from None


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise bad_input(f"{name} must be a positive number.", field=name)
    return int(raw)


@api_view(["GET"])
def modules(request, connection):
    return JsonResponse({"data": records.module_list(connection=connection)})


@api_view(["GET"])
def fields(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
    return JsonResponse({"data": found.fields})


@api_view(["GET", "POST"])
def record_collection(request, connection, module: str):
    found = records.module_get(connection=connection, module=module)
    if request.method == "POST":
        body = _json_body(request)
        many = isinstance(body, list)
        results = records.records_create(
            connection=connection, module=found, records=body if many else [body]
        )
        if not many:
            records.raise_for_result(results[0])
            return JsonResponse({"data": results[0]}, status=201)
        ok = sum(1 for r in results if r["status"] == "success")
        status = 201 if ok == len(results) else (207 if ok else 400)
        return JsonResponse({"data": results}, status=status)
    page = records.record_page(
        connection=connection,
        module=found,
        page=_int_param(request, "page", 1),
        per_page=_int_param(request, "per_page", 20),
        sort_by=request.GET.get("sort_by") or None,
        sort_order=request.GET.get("sort_order") or None,
        query=request.GET.get("q", ""),
    )
    return JsonResponse({"data": page.records, "info": page.info})


@api_view(["GET", "PATCH", "DELETE"])
def record_item(request, connection, module: str, record_id: str):
    ident = records.parse_record_id(record_id)
    found = records.module_get(connection=connection, module=module)
    if request.method == "PATCH":
        result = records.record_update(
            connection=connection, module=found, record_id=ident, values=_json_body(request)
        )
        return JsonResponse({"data": result})
    if request.method == "DELETE":
        result = records.record_delete(connection=connection, module=found, record_id=ident)
        return JsonResponse({"data": result})
    return JsonResponse(
        {"data": records.record_detail(connection=connection, module=found, record_id=ident)}
    )
