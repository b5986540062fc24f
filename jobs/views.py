"""A job's status for its owner: the JSON `GET /crm/api/jobs/<id>/` and the page
`/crm/jobs/<id>/` (progress while it runs, then its result). Only the user who started it,
through the same Zoho connection, sees a job: anyone else gets a 404, as for a job that
does not exist."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from core.errors import AppError, ErrorCode
from crm import metadata
from crm.views.access import connection_required
from jobs.models import Job


def _own_job(request, connection, job_id: str) -> Job:
    job = None
    if job_id.isascii() and job_id.isdigit() and len(job_id) < 19:
        job = Job.objects.filter(pk=int(job_id), owner=request.user, connection=connection).first()
    if job is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such job.")
    return job


def failure_text(job: Job) -> str | None:
    """Why a failed job failed, in words safe to show: an `AppError`'s message (written for
    people), else a general sentence (another exception's text may be internal)."""
    if job.state != Job.State.FAILED:
        return None
    prefix = f"{AppError.__name__}: "
    if job.error.startswith(prefix):
        return job.error[len(prefix) :][:500]
    return "Something went wrong in the background; nothing more was changed after it."


def job_json(job: Job) -> dict:
    """{"id", "state", "progress", "result", "download_url"}: `result` once done (a
    checkpoint before that is the job's own business), `download_url` for a job that made a
    file (none of the bulk edits does)."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "result": job.result if job.state == Job.State.DONE else None,
        "error": failure_text(job),
        "download_url": None,
    }


@connection_required(["GET"], api=True)
def job_api(request, connection, job_id: str):
    return JsonResponse({"job": job_json(_own_job(request, connection, job_id))})


@connection_required(["GET"])
def job_page(request, connection, job_id: str):
    job = _own_job(request, connection, job_id)
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
            "failure": failure_text(job),
            "module_name": str(name or ""),
            "action": job.params.get("action", ""),
            "fields": [module.field(n).label if module and module.field(n) else n for n in values],
        },
    )
