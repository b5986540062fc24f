"""Export pages and their JSON API, and the job page with its progress bar (the import's
steps are in `jobs.import_views`).

A job is seen only by its owner, through the connection it was made with: anyone else (or
the owner signed in to another org) gets a 404, the same as for a job that does not exist.
(These views sit in `jobs`, above `crm`, whose page guard they use: `crm` never imports
`jobs`.)
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import metadata, selectors
from crm.views.access import connection_required, page_view
from crm.views.api import json_body
from jobs import bulk_edits, exports, imports
from jobs.files import job_file_path
from jobs.models import Job
from jobs.services import job_create

KIND_LABELS = {exports.EXPORT: "Export", imports.IMPORT: "Import", bulk_edits.KIND: "Bulk edit"}


def job_of(request, connection, job_id: str) -> Job:
    """The signed-in user's job `job_id` made through `connection`, else a 404 (as for a job
    that does not exist: nobody learns whether another user's job is there)."""
    job = None
    if job_id.isascii() and job_id.isdigit() and len(job_id) < 19:
        job = Job.objects.filter(
            pk=int(job_id), owner=request.user, connection=connection, kind__in=KIND_LABELS
        ).first()
    if job is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such job.")
    return job


def job_message(job: Job) -> str | None:
    """Why a failed job failed, in words safe to show: the reason the portal gave (written
    for people), never an internal one."""
    if job.state != Job.State.FAILED:
        return None
    kind, _, text = job.error.partition(": ")
    if kind in ("ExportFailed", "ImportFailed", AppError.__name__) and text:
        return text[:500]
    return "The job stopped on an unexpected error; nothing more was changed after it."


def job_json(job: Job) -> dict:
    """`{"id", "kind", "state", "progress", "result", "error", "download_url"}`: `result` once
    done (a checkpoint before that is the job's own business), `error` once failed,
    `download_url` for a job that made a file (an export's CSV, an import's failed rows)."""
    done = job.state == Job.State.DONE
    result = None
    if done and job.kind == exports.EXPORT:
        result = {"rows": job.result.get("rows", 0)}
        if job.result.get("more_matches"):  # a search: Zoho answers its first 2,000 only
            result["more_matches"] = True
    elif done and job.kind == imports.IMPORT:
        result = {k: job.result.get(k, 0) for k in ("created", "updated", "failed")}
    elif done:
        result = job.result
    files = done and job.kind in (exports.EXPORT, imports.IMPORT)
    has_file = files and job_file_path(job, job.result.get("file", "")) is not None
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "result": result,
        "error": job_message(job),
        "download_url": reverse("jobs:download", args=[job.pk]) if has_file else None,
    }


# --- JSON API -------------------------------------------------------------------------------
@connection_required(["POST"], api=True)
def export_api(request, connection, module: str):
    job = _export(request, connection, module, _export_params(request, api=True), api=True)
    return JsonResponse({"job": job_json(job)}, status=202)


@connection_required(["GET"], api=True)
def job_api(request, connection, job_id: str):
    return JsonResponse({"job": job_json(job_of(request, connection, job_id))})


# --- pages ----------------------------------------------------------------------------------
@page_view(["POST"])
def export_page(request, connection, module: str):
    job = _export(request, connection, module, _export_params(request, api=False))
    return redirect("jobs:job", job.pk)


@page_view(["GET"])
def job_page(request, connection, job_id: str):
    job = job_of(request, connection, job_id)
    if job.kind == bulk_edits.KIND:
        return _bulk_edit_page(request, connection, job)
    module = job.params.get("module", "")
    job_data = job_json(job)
    return render(
        request,
        "records/job.html",
        {
            "job": job,
            "job_data": job_data,
            "what": KIND_LABELS[job.kind],
            "module_label": job.params.get("module_label", module),
            "module": module,
            "filters_text": job.params.get("filters_text") or [],
            "list_url": _list_url_of(module, job.params),
            "rows_text": f"{(job_data['result'] or {}).get('rows', 0):,}",
            "more_matches": (job_data["result"] or {}).get("more_matches", False),
            "search_limit": f"{selectors.MAX_PAGED_RECORDS:,}",
            "counts": [
                (label, f"{(job_data['result'] or {}).get(key, 0):,}")
                for key, label in (
                    ("created", "Created"),
                    ("updated", "Updated"),
                    ("failed", "Failed"),
                )
            ],
        },
    )


def _bulk_edit_page(request, connection, job: Job):
    module = None
    name = job.params.get("module")
    values = job.params.get("values") or {}
    if name:
        try:
            module = metadata.module_get(connection=connection, module=name)
        except AppError:
            module = None
    return render(
        request,
        "jobs/job.html",
        {
            "job": job,
            "module": module,
            "result": job.result if job.finished else {},
            "failure": job_message(job),
            "module_name": str(name or ""),
            "action": job.params.get("action", ""),
            "fields": [module.field(n).label if module and module.field(n) else n for n in values],
            "list_url": _list_url(module, job.params) if module else "",
        },
    )


@page_view(["GET"])
def job_download(request, connection, job_id: str):
    job = job_of(request, connection, job_id)
    path = job_file_path(job, job.result.get("file", "")) if job.state == Job.State.DONE else None
    if path is None:
        raise AppError(ErrorCode.NOT_FOUND, "This job has no file to download.")
    name = job.result.get("name") or path.name
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type="text/csv"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _export(request, connection, module: str, params: dict, *, api: bool = False) -> Job:
    """An export job of `module`'s visible columns, of the records of the list's search,
    view and filters in `params` (`exports.export_filters`: a search with filters drops
    them as the list page does, and is refused by the API as its list refuses it); they are
    kept in the job's params."""
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    scope = exports.export_filters(
        connection=connection, module=found, params=params, drop_filters_on_search=not api
    )
    filters = scope.filters
    columns = exports.export_columns(connection=connection, module=found)
    if not columns:
        raise AppError(ErrorCode.INVALID_REQUEST, f"{found.label} has no columns to export.")
    return job_create(
        owner=request.user,
        connection=connection,
        kind=exports.EXPORT,
        params={
            "module": found.api_name,
            "module_label": found.label,
            "columns": columns,
            "query": scope.query,
            "filters": {k: v for k, v in filters.params().items() if v},
            "filters_text": exports.describe_filters(
                connection=connection, module=found, scope=scope
            ),
            "cvid": filters.view,
            "criteria": filters.bulk_criteria(me=connection.zoho_user_id),
        },
    )


def _export_params(request, *, api: bool) -> dict:
    """The list's view and filters an export is asked for: form fields (the page's, its
    CSRF token aside), or for the API a JSON object body (none: every record)."""
    if not api or request.content_type != "application/json":
        return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    if not request.body.strip():
        return {}
    given = json_body(request)
    if not isinstance(given, dict):
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Send the list's view and filters as a JSON object (or nothing, for every record).",
        )
    return given


def _list_url_of(module: str, params: dict) -> str:
    """The list an export came from, with its search, view and filters."""
    url = reverse("crm:list", kwargs={"module": module}) if module else ""
    kept = {"q": params.get("query") or "", **(params.get("filters") or {})}
    kept = {k: v for k, v in kept.items() if v}
    return f"{url}?{urlencode(kept)}" if kept and url else url


def _list_url(module, params: dict) -> str:
    """The list the job came from: with the search, view and filters of "all matching"."""
    url = reverse("crm:list", kwargs={"module": module.api_name})
    kept = {"q": params.get("query") or "", **(params.get("filters") or {})}
    kept = {k: v for k, v in kept.items() if v}
    return f"{url}?{urlencode(kept)}" if kept else url
