"""Bulk Read (``bulk_read.json``): export a module's records as a zipped CSV, as a job.
(Bulk Write is in ``bulk_write.py``.)

- ``POST /crm/bulk/v8/read`` ("Create Bulk Read Job", scopes ``ZohoCRM.bulk.read`` or
  ``ZohoCRM.bulk.ALL`` and the module's READ) takes ``{"query": {"module": {"api_name"},
  "fields": [...], "page": n}, "file_type": "csv"}`` and answers 201 with the job ``ADDED``.
- ``GET /crm/bulk/v8/read/{job_id}`` ("Get Bulk Read Job Details") answers the job; each
  status call moves it one state on (``ADDED`` → ``IN PROGRESS`` → ``COMPLETED``), so a
  client that polls sees it progress. ``COMPLETED`` carries ``result``: ``page``, ``count``,
  ``per_page`` (200,000: Zoho's records per bulk read page), ``more_records`` and the
  ``download_url``.
- ``GET /crm/bulk/v8/read/{job_id}/result`` ("Download Result") answers a ZIP holding
  ``<job_id>.csv``: a header of ``Id`` and the asked fields' API names, then one row per
  record. A lookup or owner cell holds the record's id; ``Lookup.field`` (Zoho's dot
  operator, Kaizen #195) holds that field of the looked-up record (for an owner:
  ``first_name``, ``last_name``, ``full_name``, ``email``). Multi-select values are joined
  with ``;``.

``query.cvid`` (a view) and ``query.criteria`` narrow the records (``bulk_criteria.py``).
Jobs belong to the org; the CSV is made when the job completes, from the records then.
A field the user's profile hides is refused (``FIELD_NOT_AVAILABLE``: the stricter reading,
Zoho does not say whether it is refused or left out).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from .. import field_rules, seed
from ..web import Response, json_response
from . import bulk_criteria, bulk_write
from .context import Ctx, has_scope, module_scope_ok
from .errors import crm_error, invalid_method, invalid_url, scope_mismatch

PREFIX = "/crm/bulk/v8/"
READ_PAGE_SIZE = 200_000  # records per bulk read page (Zoho's "Bulk Read API" page)
READ_SCOPES = ("ZohoCRM.bulk.read", "ZohoCRM.bulk.ALL")
USER_KEYS = ("first_name", "last_name", "full_name", "email")
# The states a status call moves a job through, one per call.
NEXT_STATE = {"ADDED": "IN PROGRESS", "IN PROGRESS": "COMPLETED"}


def jobs(ctx: Ctx) -> dict[str, dict]:
    """This org's bulk jobs since the last reset (job id -> job)."""
    return ctx.org_data.__dict__.setdefault("bulk_jobs", {})


def handle(ctx: Ctx, path: str) -> Response:
    """A request below ``/crm/bulk/v8/`` (``path`` without that prefix)."""
    parts = [p for p in path.split("/") if p]
    method = ctx.req.method
    if parts[:1] == ["read"]:
        if not has_scope(ctx.at.scopes, *READ_SCOPES):
            return scope_mismatch()
        if len(parts) == 1:
            return create_read_job(ctx) if method == "POST" else invalid_method()
        if method != "GET":
            return invalid_method()
        if len(parts) == 2:
            return read_job_details(ctx, parts[1])
        if len(parts) == 3 and parts[2] == "result":
            return read_result(ctx, parts[1])
    if parts[:1] == ["write"]:
        return bulk_write.handle(ctx, parts)
    return invalid_url()


# --- create -----------------------------------------------------------------------------------
def _error(code: str, message: str, details: dict | None = None, status: int = 400) -> Response:
    return crm_error(code, message, status, details or {})


def create_read_job(ctx: Ctx) -> Response:
    try:
        body = json.loads(ctx.req.body.decode("utf-8")) if ctx.req.body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return _error("INVALID_REQUEST", "the request body is not valid JSON")
    if not body:
        return _error("REQUEST_BODY_IS_EMPTY", "the request body is empty")
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, dict):
        return _error("INVALID_REQUEST", "query is missing", {"api_name": "query"})
    raw_module = query.get("module")
    name = raw_module.get("api_name") if isinstance(raw_module, dict) else raw_module
    mod = ctx.schema.module(name) if isinstance(name, str) else None
    if mod is None:
        return _error("MODULE_NOT_AVAILABLE", "the module is not available", {"api_name": "module"})
    if not mod.api_supported:
        return _error("MODULE_NOT_SUPPORTED", "the module is not supported for bulk read")
    if not module_scope_ok(ctx.at.scopes, mod.api_name.lower(), "READ"):
        return scope_mismatch()
    denied = ctx.denied(mod.api_name, "READ")
    if denied is not None:
        return denied
    if body.get("file_type", "csv") != "csv" or query.get("file_type") not in (None, "csv"):
        return _error("NOT_SUPPORTED_FEATURE", "only csv files are exported here")
    cvid, refused = bulk_criteria.check(ctx, mod.api_name, query)
    if refused is not None:
        return refused
    fields, refused = _fields(ctx, mod, query.get("fields"))
    if refused is not None:
        return refused
    page = query.get("page", 1)
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        return _error("INVALID_REQUEST", "page must be a positive number", {"api_name": "page"})
    with ctx.emu.state.lock:
        job = {
            "id": ctx.org_data.ids.next(),
            "operation": "read",
            "state": "ADDED",
            "module": {"api_name": mod.api_name, "id": mod.module_id},
            "fields": fields,
            "page": page,
            "cvid": cvid,
            "criteria": query.get("criteria"),
            "created_by": {"id": ctx.user_ref["id"], "name": ctx.user_ref["name"]},
            "created_time": ctx.now(),
            "email": ctx.at.email,
        }
        jobs(ctx)[job["id"]] = job
    details = {k: job[k] for k in ("id", "operation", "state", "created_by", "created_time")}
    answer = {"status": "success", "code": "ADDED_SUCCESSFULLY", "message": "Added successfully."}
    return json_response({"data": [{**answer, "details": details}], "info": {}}, 201)


def _fields(ctx: Ctx, mod, raw) -> tuple[list[str], Response | None]:
    """The asked fields (every field the user may see when none are asked); an unknown or
    hidden one is refused."""
    known = ctx.schema.fields(mod.api_name)
    hidden = field_rules.hidden_fields(ctx.user.profile, mod.api_name)
    if raw is None or raw == []:
        return [n for n in known if n not in hidden], None
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        return [], _error(
            "INVALID_REQUEST", "fields must be a list of names", {"api_name": "fields"}
        )
    out = []
    for name in raw:
        base, _, sub = name.partition(".")
        fd = known.get(base)
        ok = fd is not None and base not in hidden
        if ok and sub:
            if fd.data_type == "ownerlookup" or fd.data_type == "userlookup":
                ok = sub in USER_KEYS
            elif fd.data_type == "lookup" and fd.lookup_module in ctx.schema.modules:
                target = ctx.schema.fields(fd.lookup_module)
                ok = sub in target and sub not in field_rules.hidden_fields(
                    ctx.user.profile, fd.lookup_module
                )
            else:
                ok = False
        if not ok:
            details = {"api_name": name, "module": mod.api_name}
            return [], _error("FIELD_NOT_AVAILABLE", "the field is not available", details)
        if name != "id" and name not in out:
            out.append(name)
    return out, None


# --- status and result ------------------------------------------------------------------------
def _not_found(job_id: str, status: int = 404) -> Response:
    return _error(
        "RESOURCE_NOT_FOUND", "the requested resource is not found", {"resource": job_id}, status
    )


def _job(ctx: Ctx, job_id: str) -> dict | None:
    job = jobs(ctx).get(job_id)
    return job if job is not None and job["operation"] == "read" else None


def read_job_details(ctx: Ctx, job_id: str) -> Response:
    with ctx.emu.state.lock:
        job = _job(ctx, job_id)
        if job is None:
            return _not_found(job_id)
        shown = _shown(ctx, job)  # the state this call finds; the next one finds it moved on
        following = NEXT_STATE.get(job["state"])
        if following == "COMPLETED":
            job["csv"], job["count"], job["more"] = _export(ctx, job)
        if following is not None:
            job["state"] = following
    return json_response({"data": [shown]})


def _shown(ctx: Ctx, job: dict) -> dict:
    query = {"module": job["module"], "page": job["page"], "fields": list(job["fields"])}
    if job.get("cvid"):
        query["cvid"] = job["cvid"]
    # criteria is not echoed: Zoho's examples show none, and the spec's Criteria (a
    # required "type", an object value) does not describe what a client sends
    out = {
        "id": job["id"],
        "operation": "read",
        "state": job["state"],
        "query": query,
        "created_by": job["created_by"],
        "created_time": job["created_time"],
        "file_type": "csv",
    }
    if job["state"] == "COMPLETED":
        out["result"] = {
            "page": job["page"],
            "count": job["count"],
            "download_url": f"{PREFIX}read/{job['id']}/result",
            "per_page": READ_PAGE_SIZE,
            "more_records": job["more"],
        }
    return out


def read_result(ctx: Ctx, job_id: str) -> Response:
    with ctx.emu.state.lock:
        job = _job(ctx, job_id)
        if job is None or job["state"] != "COMPLETED":
            return _not_found(job_id, 400)
        data = job["csv"]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{job_id}.csv", data)
    body = packed.getvalue()
    return Response(
        200,
        body,
        [
            ("Content-Type", "application/x-download"),
            ("Content-Disposition", f'attachment; filename="{job_id}.zip"'),
            ("Content-Length", str(len(body))),
        ],
    )


def _export(ctx: Ctx, job: dict) -> tuple[bytes, int, bool]:
    """The CSV of the job's page of records (oldest first), its row count, more_records."""
    module = job["module"]["api_name"]
    wanted = bulk_criteria.predicate(ctx, job)
    records = sorted(
        (r for r in ctx.org_data.records[module].values() if wanted(r)), key=lambda r: int(r["id"])
    )
    first = (job["page"] - 1) * READ_PAGE_SIZE
    chosen = records[first : first + READ_PAGE_SIZE]
    users = {u.crm_ids[ctx.org.zgid]: u for u in seed.org_users(ctx.org.zgid)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Id", *job["fields"]])
    for rec in chosen:
        writer.writerow(
            [rec["id"], *(_cell(ctx, module, rec, name, users) for name in job["fields"])]
        )
    return out.getvalue().encode("utf-8"), len(chosen), len(records) > first + READ_PAGE_SIZE


def _cell(ctx: Ctx, module: str, rec: dict, name: str, users: dict) -> str:
    base, _, sub = name.partition(".")
    value = rec.get(base)
    if sub:
        ref = value.get("id") if isinstance(value, dict) else None
        if ref in users:
            value = getattr(users[ref], sub)
        else:
            target_module = ctx.schema.fields(module)[base].lookup_module
            target = ctx.org_data.records[target_module].get(ref) if ref else None
            value = target.get(sub) if target else None
    return _text(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("id") or value.get("name") or "")
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    return str(value)
