"""The import's pages and JSON API: choose a CSV file, map its columns to fields (suggested,
then checked row by row), then the import job (`jobs.imports`), whose page is the job page.

An uploaded file is kept between the steps as a draft of this user's session, never of
anyone else's (`_draft_load` answers 404 for a token this session did not make).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render

from core.errors import AppError, ErrorCode
from crm import metadata
from crm.views.access import connection_required, page_view
from jobs import imports
from jobs.files import job_file_write
from jobs.models import Job
from jobs.services import job_create
from jobs.views import job_json

# --- the uploaded file, kept between the steps ---------------------------------------------
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
    header, rows = imports.read_csv(data)
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
    params, data = imports.import_params(
        connection=connection, module=module, header=header, rows=rows, mapping=mapping
    )
    with transaction.atomic():
        job = job_create(
            owner=request.user, connection=connection, kind=imports.IMPORT, params=params
        )
        job_file_write(job, imports.IMPORT_FILE, data)
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
    mapping = imports.mapping_from_names(found, header, given)
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
    mapping = imports.suggest_mapping(found, header)
    error, problems, checked = None, None, False
    if request.method == "POST":
        mapping = [request.POST.get(f"column-{i}") or None for i in range(len(header))]
        try:
            imports.check_mapping(found, mapping)
            problems = imports.dry_run(found, rows, mapping)
            checked = True
            if request.POST.get("action") == "import":
                job = _import_job(request, connection, found, header, rows, mapping)
                # The draft is used up: its file goes (the session's entry is left, and dropped
                # with the oldest: the session is not written while the worker starts).
                _draft_path(request, token).unlink(missing_ok=True)
                return redirect("jobs:job", job.pk)
        except AppError as refused:
            error = refused.message
    fields = imports.importable_fields(found)
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
