"""Export and import pages and their JSON API, and the job page with its progress bar.

A job is seen only by its owner, through the connection it was made with: anyone else (or
the owner signed in to another org) gets a 404, the same as for a job that does not exist.
(These views sit in `jobs`, above `crm`, whose page guard they use: `crm` never imports
`jobs`.)
"""

from __future__ import annotations

from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import metadata
from crm.views.access import connection_required, page_view
from jobs import transfer
from jobs.files import job_file_path
from jobs.models import Job
from jobs.services import job_create

KIND_LABELS = {transfer.EXPORT: "Export"}


def job_of(request, connection, job_id) -> Job:
    """The signed-in user's job `job_id` made through `connection`, else a 404."""
    job = Job.objects.filter(
        pk=job_id, owner=request.user, connection=connection, kind__in=KIND_LABELS
    ).first()
    if job is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such export or import.")
    return job


def job_message(job: Job) -> str:
    """What a failed job tells its owner: the reason the portal gave, never an internal one."""
    kind, _, text = job.error.partition(": ")
    if kind in ("ExportFailed", "AppError") and text:
        return text
    return "The job stopped on an unexpected error. Please try again."


def job_json(job: Job) -> dict:
    """`{"id", "state", "progress", "result", "download_url"}` (and `error` once failed)."""
    done = job.state == Job.State.DONE
    result = None
    if done and job.kind == transfer.EXPORT:
        result = {"rows": job.result.get("rows", 0)}
    has_file = done and job_file_path(job, job.result.get("file", "")) is not None
    answer = {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "result": result,
        "download_url": reverse("jobs:download", args=[job.pk]) if has_file else None,
    }
    if job.state == Job.State.FAILED:
        answer["error"] = job_message(job)
    return answer


# --- JSON API -------------------------------------------------------------------------------
@connection_required(["POST"], api=True)
def export_api(request, connection, module: str):
    job = _export(request, connection, module)
    return JsonResponse({"job": job_json(job)}, status=202)


@connection_required(["GET"], api=True)
def job_api(request, connection, job_id: int):
    return JsonResponse({"job": job_json(job_of(request, connection, job_id))})


# --- pages ----------------------------------------------------------------------------------
@page_view(["POST"])
def export_page(request, connection, module: str):
    job = _export(request, connection, module)
    return redirect("jobs:job", job.pk)


@page_view(["GET"])
def job_page(request, connection, job_id: int):
    job = job_of(request, connection, job_id)
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
            "rows_text": f"{(job_data['result'] or {}).get('rows', 0):,}",
        },
    )


@page_view(["GET"])
def job_download(request, connection, job_id: int):
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


def _export(request, connection, module: str) -> Job:
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    columns = transfer.export_columns(connection=connection, module=found)
    if not columns:
        raise AppError(ErrorCode.INVALID_REQUEST, f"{found.label} has no columns to export.")
    return job_create(
        owner=request.user,
        connection=connection,
        kind=transfer.EXPORT,
        params={"module": found.api_name, "module_label": found.label, "columns": columns},
    )
