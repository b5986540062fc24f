"""Export and import pages and their JSON API, and the job page with its progress bar.

A job is seen only by its owner, through the connection it was made with: anyone else (or
the owner signed in to another org) gets a 404, the same as for a job that does not exist.
(These views sit in `jobs`, above `crm`, whose page guard they use: `crm` never imports
`jobs`.)
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import metadata
from crm.views.access import connection_required, page_view
from crm.views.api import json_body
from jobs import bulk_edits, transfer
from jobs.files import job_file_path, job_file_write
from jobs.models import Job
from jobs.services import job_create

KIND_LABELS = {transfer.EXPORT: "Export", transfer.IMPORT: "Import", bulk_edits.KIND: "Bulk edit"}


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
    if done and job.kind == transfer.EXPORT:
        result = {"rows": job.result.get("rows", 0)}
    elif done and job.kind == transfer.IMPORT:
        result = {k: job.result.get(k, 0) for k in ("created", "updated", "failed")}
    elif done:
        result = job.result
    files = done and job.kind in (transfer.EXPORT, transfer.IMPORT)
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
    job = _export(request, connection, module, _export_params(request, api=True))
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


def _export(request, connection, module: str, params: dict) -> Job:
    """An export job of `module`'s visible columns, of the records of the list's view and
    filters in `params` (`transfer.export_filters`); they are kept in the job's params."""
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    filters = transfer.export_filters(connection=connection, module=found, params=params)
    columns = transfer.export_columns(connection=connection, module=found)
    if not columns:
        raise AppError(ErrorCode.INVALID_REQUEST, f"{found.label} has no columns to export.")
    return job_create(
        owner=request.user,
        connection=connection,
        kind=transfer.EXPORT,
        params={
            "module": found.api_name,
            "module_label": found.label,
            "columns": columns,
            "filters": {k: v for k, v in filters.params().items() if v},
            "filters_text": transfer.describe_filters(
                connection=connection, module=found, filters=filters
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


# --- import ---------------------------------------------------------------------------------
DRAFTS = "transfer_import_drafts"  # session key: {token: {"module", "connection", "name"}}
MAX_DRAFTS = 5


def _uploaded_csv(request) -> tuple[str, list[str], list[list[str]]]:
    """The request's `file` part read as a CSV (its name, header and rows), or the AppError
    saying what is wrong with it."""
    limit = settings.IMPORT_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    too_large = AppError(
        ErrorCode.TOO_LARGE,
        f"The file is too large: at most {limit // 1_000_000} MB.",
        field="file",
    )
    if declared.isdigit() and int(declared) > limit + 100_000:
        raise too_large
    try:
        upload = request.FILES.get("file")
    except RequestDataTooBig:
        raise too_large from None
    if upload is None:
        raise AppError(
            ErrorCode.REQUIRED_PARAM_MISSING, "Choose a CSV file to import.", field="file"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    header, rows = transfer.read_csv(data)
    return upload.name or "import.csv", header, rows


def _draft_path(request, token: str) -> Path:
    return Path(settings.JOB_FILES_DIR) / "drafts" / f"{request.user.pk}-{token}.csv"


def _draft_save(request, connection, module, name, header, rows) -> str:
    token = secrets.token_urlsafe(16)
    folder = _draft_path(request, token).parent
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    _draft_path(request, token).write_text(out.getvalue(), encoding="utf-8")
    drafts = dict(request.session.get(DRAFTS, {}))
    for old in list(drafts)[: max(0, len(drafts) - MAX_DRAFTS + 1)]:  # keep the newest few
        drafts.pop(old)
        _draft_path(request, old).unlink(missing_ok=True)
    drafts[token] = {"module": module.api_name, "connection": connection.pk, "name": name}
    request.session[DRAFTS] = drafts
    return token


def _draft_load(request, connection, module, token: str):
    """The draft's header and rows; 404 for a token this session, user and connection did
    not make."""
    draft = request.session.get(DRAFTS, {}).get(token)
    path = _draft_path(request, token) if draft else None
    if (
        draft is None
        or draft["module"] != module.api_name
        or draft["connection"] != connection.pk
        or not path.is_file()
    ):
        raise AppError(ErrorCode.NOT_FOUND, "This import is no longer here: upload the file again.")
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return draft["name"], lines[0], lines[1:]


def _import_job(request, connection, module, header, rows, mapping) -> Job:
    params, data = transfer.import_params(
        connection=connection, module=module, header=header, rows=rows, mapping=mapping
    )
    with transaction.atomic():
        job = job_create(
            owner=request.user, connection=connection, kind=transfer.IMPORT, params=params
        )
        job_file_write(job, transfer.IMPORT_FILE, data)
    return job


@connection_required(["POST"], api=True)
def import_api(request, connection, module: str):
    found = _importable(connection, module)
    _, header, rows = _uploaded_csv(request)
    raw = request.POST.get("mapping")
    try:
        given = json.loads(raw) if raw else None
    except ValueError:
        raise AppError(
            ErrorCode.INVALID_JSON, "mapping is not valid JSON.", field="mapping"
        ) from None
    mapping = transfer.mapping_from_names(found, header, given)
    job = _import_job(request, connection, found, header, rows, mapping)
    return JsonResponse({"job": job_json(job)}, status=202)


def _importable(connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    if not found.creatable:
        raise AppError(
            ErrorCode.NO_PERMISSION, f"Your Zoho profile may not create {found.label.lower()}."
        )
    return found


@page_view(["GET", "POST"])
def import_page(request, connection, module: str):
    """Step 1: choose a CSV file."""
    found = _importable(connection, module)
    error = None
    if request.method == "POST":
        try:
            name, header, rows = _uploaded_csv(request)
        except AppError as refused:
            error = refused.message
        else:
            token = _draft_save(request, connection, found, name, header, rows)
            return redirect("jobs:import-map", found.api_name, token)
    context = {"module": found, "error": error, "max_mb": settings.IMPORT_MAX_BYTES // 1_000_000}
    return render(request, "records/import.html", context, status=400 if error else 200)


@page_view(["GET", "POST"])
def import_map_page(request, connection, module: str, token: str):
    """Step 2: a field for each column (suggested), a check of every row, then the job."""
    found = _importable(connection, module)
    name, header, rows = _draft_load(request, connection, found, token)
    mapping = transfer.suggest_mapping(found, header)
    error, problems, checked = None, None, False
    if request.method == "POST":
        mapping = [request.POST.get(f"column-{i}") or None for i in range(len(header))]
        try:
            transfer.check_mapping(found, mapping)
            problems = transfer.dry_run(found, rows, mapping)
            checked = True
            if request.POST.get("action") == "import":
                job = _import_job(request, connection, found, header, rows, mapping)
                # The draft is used up: its file goes (the session's entry is left, and dropped
                # with the oldest: the session is not written while the worker starts).
                _draft_path(request, token).unlink(missing_ok=True)
                return redirect("jobs:job", job.pk)
        except AppError as refused:
            error = refused.message
    fields = transfer.importable_fields(found)
    columns = [
        {
            "index": i,
            "name": column,
            "samples": [r[i] for r in rows[:3] if r[i]][:3],
            "chosen": mapping[i],
        }
        for i, column in enumerate(header)
    ]
    context = {
        "module": found,
        "file_name": name,
        "row_count": f"{len(rows):,}",
        "row_total": len(rows),
        "columns": columns,
        "fields": fields,
        "error": error,
        "checked": checked,
        "problems": (problems or [])[:50],
        "problem_count": len(problems or []),
        "clean_count": f"{len(rows) - len(problems or []):,}",
        "clean_total": len(rows) - len(problems or []),
    }
    return render(request, "records/import_map.html", context, status=400 if error else 200)


def _list_url_of(module: str, params: dict) -> str:
    """The list an export came from, with its view and filters."""
    url = reverse("crm:list", kwargs={"module": module}) if module else ""
    kept = {k: v for k, v in (params.get("filters") or {}).items() if v}
    return f"{url}?{urlencode(kept)}" if kept and url else url


def _list_url(module, params: dict) -> str:
    """The list the job came from: with the search, view and filters of "all matching"."""
    url = reverse("crm:list", kwargs={"module": module.api_name})
    kept = {"q": params.get("query") or "", **(params.get("filters") or {})}
    kept = {k: v for k, v in kept.items() if v}
    return f"{url}?{urlencode(kept)}" if kept else url
