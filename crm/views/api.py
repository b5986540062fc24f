"""The JSON API used by static/js/app.js (session-authenticated, CSRF-protected writes).

Every answer is JSON; errors are `{"error": {"code", "message", "field"}}` with a 4xx/5xx
status from `AppError` — never a 500 page or a traceback.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from core import text
from core.api import MAX_BODY, error_json
from core.errors import AppError, ErrorCode
from crm import metadata, photo, relations, selectors, services, submit_once, validation
from crm.list_filters import parse_filters
from crm.views import bulk
from crm.views.access import connection_required

logger = logging.getLogger("zohoportal.crm")


def api_view(methods: list[str]):
    """JSON errors for everything (`crm.views.access.connection_required`); HEAD is allowed
    wherever GET is, and answered as the GET without its body."""
    return connection_required(methods, api=True)


def unknown_endpoint(request: HttpRequest, rest: str = ""):
    """Any other URL under the API: a JSON 404, not the HTML one."""
    error = AppError(ErrorCode.NOT_FOUND, "No such API endpoint (URLs end with a slash).")
    return error_json(error)


def json_body(request: HttpRequest):
    if request.content_type != "application/json":
        raise AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.")
    too_large = AppError(
        ErrorCode.TOO_LARGE, f"The request body is too large: at most {MAX_BODY:,} bytes."
    )
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large  # not even read
    try:
        body = _chunked_body(request, limit=MAX_BODY)
        if body is None:
            body = request.body
    except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE, however it was sent
        raise too_large from None
    if len(body) > MAX_BODY:
        raise too_large
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: absurd nesting
        raise AppError(ErrorCode.INVALID_JSON, "The body is not valid UTF-8 JSON.") from None
    unencodable = text.first_unencodable(data)
    if unencodable is not None:  # e.g. "\ud800": JSON allows it, no page could show it
        field = next((text.printable(p) for p in unencodable if isinstance(p, str)), None)
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{field or 'The body'} holds text that cannot be encoded as UTF-8 (a lone "
            "surrogate escape such as \\ud800). Send whole characters.",
            field=field,
        )
    return data


def _chunked_body(request: HttpRequest, *, limit: int) -> bytes | None:
    """The body of a request sent `Transfer-Encoding: chunked` without a Content-Length
    (at most `limit` + 1 bytes, enough to tell it is too large); None for any other request.

    Django reads no body without a Content-Length (it would arrive empty: "not valid
    JSON"), so it is read here from the server's input, which gunicorn has de-chunked and
    ends (`wsgi.input_terminated`, a WSGI extension). A server that does not say so may
    hand over the raw chunks or block: such a request is asked for a Content-Length.
    """
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if meta.get("CONTENT_LENGTH") or not chunked:
        return None
    if not meta.get("wsgi.input_terminated"):
        raise AppError(
            ErrorCode.LENGTH_REQUIRED, "Send the body with a Content-Length header (not chunked)."
        )
    return meta["wsgi.input"].read(limit + 1)


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise AppError(ErrorCode.INVALID_DATA, f"{name} must be a positive number.", field=name)
    return int(raw)


@api_view(["GET"])
def modules_api(request, connection):
    """The modules this user may see and Zoho's API supports, with what they may do there."""
    return JsonResponse(
        {
            "data": [
                {key: module[key] for key in MODULE_KEYS}
                for module in metadata.module_list(connection=connection)
            ]
        }
    )


MODULE_KEYS = (
    "api_name",
    "label",
    "singular_label",
    "creatable",
    "editable",
    "deletable",
    "custom",
    "tab",  # shown as a tab at Zoho (show_as_tab, status, generated_type)
)


@api_view(["GET"])
def users_api(request, connection):
    """Who may own a record: the org's active users (the values Owner accepts)."""
    users = metadata.user_list(connection=connection)
    return JsonResponse({"data": [{k: u[k] for k in ("id", "name", "email")} for u in users]})


@api_view(["GET"])
def fields_api(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    # required as the layout makes it: the default one, or ?layout=<id>
    found = metadata.with_layout(
        connection=connection, module=found, layout=request.GET.get("layout") or None
    )
    return JsonResponse({"module": found.describe(), "data": [f.describe() for f in found.fields]})


@api_view(["GET", "POST", "PATCH", "DELETE"])
def records_api(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    if request.method in ("PATCH", "DELETE"):  # bulk edits (crm/views/bulk.py)
        return bulk.bulk_api(request, connection, found, json_body)
    if request.method == "POST":
        body = json_body(request)
        many = isinstance(body, list)
        once = submit_once.claim(  # a resent request (same Idempotency-Key) writes nothing
            user_id=request.user.pk,
            scope=f"api:{connection.pk}:{found.api_name}",
            token=request.headers.get("Idempotency-Key"),
        )
        if not once.first:
            if once.result is None:
                raise AppError(ErrorCode.IN_PROGRESS, "This request is still being carried out.")
            return JsonResponse(once.result["body"], status=once.result["status"])
        try:
            results = services.records_create(
                connection=connection, module=found, records=body if many else [body]
            )
            if not many:
                services.raise_for_result(results[0])
        except AppError:
            once.release()
            raise
        if not many:
            once.done({"body": {"data": results[0]}, "status": 201})
            return JsonResponse({"data": results[0]}, status=201)
        ok = sum(1 for r in results if r["status"] == "success")
        status = 201 if ok == len(results) else (207 if ok else 400)
        once.done({"body": {"data": results}, "status": status})
        return JsonResponse({"data": results}, status=status)
    filters = parse_filters(request.GET, connection=connection, module=found)
    if filters.errors:  # a view the module does not have, an unknown owner, a bad date…
        raise filters.errors[0]
    page = selectors.record_page(
        connection=connection,
        module=found,
        cvid=filters.view,
        criteria=filters.criteria(me=connection.zoho_user_id),
        page=_int_param(request, "page", 1),
        per_page=_int_param(request, "per_page", 20),
        sort_by=request.GET.get("sort_by") or None,
        sort_order=request.GET.get("sort_order") or None,
        query=request.GET.get("q", ""),
        page_token=validation.parse_page_token(request.GET.get("page_token")),
    )
    columns = [
        {"api_name": c.api_name, "label": c.label, "data_type": c.data_type} for c in page.columns
    ]  # the fields each listed record carries (besides its id)
    return JsonResponse({"data": page.records, "info": page.info, "columns": columns})


@api_view(["GET", "PATCH", "DELETE"])
def record_api(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    if request.method == "PATCH":
        result = services.record_update(
            connection=connection, module=found, record_id=ident, values=json_body(request)
        )
        return JsonResponse({"data": result})
    if request.method == "DELETE":
        result = services.record_delete(connection=connection, module=found, record_id=ident)
        return JsonResponse({"data": result})
    return JsonResponse(
        {"data": selectors.record_detail(connection=connection, module=found, record_id=ident)}
    )


@api_view(["GET"])
def related_records_api(request, connection, module: str, record_id: str, related: str):
    """One page of one related list of a record (`info.more_records`: there is a next page)."""
    found = metadata.module_get(connection=connection, module=module)
    listing = relations.related_page(
        connection=connection,
        module=found,
        record_id=validation.parse_record_id(record_id),
        related_list=related,
        page=_int_param(request, "page", 1),
        per_page=_int_param(request, "per_page", 20),
    )
    return JsonResponse(
        {
            "data": listing.records,
            "info": {
                "page": listing.page,
                "per_page": listing.per_page,
                "count": len(listing.records),
                "more_records": listing.more,
                "total": listing.total,
            },
            "related_list": {
                "api_name": listing.api_name,
                "label": listing.label,
                "module": listing.module.api_name,
            },
            "parent": {"id": record_id, "name": listing.parent_name},
            "columns": [
                {"api_name": c.api_name, "label": c.label, "data_type": c.data_type}
                for c in listing.module.list_fields
            ],
        }
    )


@api_view(["POST", "DELETE"])
def record_photo_api(request, connection, module: str, record_id: str):
    """The record photo: `POST` (multipart, field `file`) uploads or replaces it, `DELETE`
    removes it (crm/photo.py; the photo itself is read at `/crm/<module>/<id>/photo/`)."""
    found = metadata.module_get(connection=connection, module=module)
    ident = validation.parse_record_id(record_id)
    if request.method == "DELETE":
        photo.photo_remove(connection=connection, module=found, record_id=ident)
    else:
        upload = request.FILES.get("file")
        photo.photo_upload(
            connection=connection,
            module=found,
            record_id=ident,
            name=upload.name if upload else "",
            data=upload.read(photo.MAX_PHOTO_BYTES + 1) if upload else b"",
        )
    return JsonResponse({"data": {"status": "success", "code": "SUCCESS", "id": str(ident)}})
