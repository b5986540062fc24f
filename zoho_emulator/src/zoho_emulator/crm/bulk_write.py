"""Bulk Write (``bulk_write.json``): import a zipped CSV into a module, as a job.

- ``POST /crm/v8/upload`` ("Upload File", on Zoho's file-upload host; scope
  ``ZohoFiles.files.ALL``; headers ``feature: bulk-write`` and ``X-CRM-ORG: <zgid>``) takes a
  multipart ``file``: a ZIP holding one CSV (header row, then at most 25,000 rows; the ZIP at
  most 25 MB) and answers ``FILE_UPLOAD_SUCCESS`` with its ``file_id``.
- ``POST /crm/bulk/v8/write`` ("Create Bulk Write Job", ``ZohoCRM.bulk.ALL`` or
  ``ZohoCRM.bulk.CREATE``) takes ``{"operation": "insert"|"update"|"upsert", "ignore_empty",
  "resource": [{"type": "data", "module": {"api_name"}, "file_id", "find_by",
  "field_mappings": [{"api_name", "index", "find_by", "default_value": {"value"}}]}]}`` and
  answers 201 with the job's id.
- ``GET /crm/bulk/v8/write/{job_id}`` answers the job; each call moves it on: ``ADDED``, then
  ``IN PROGRESS`` with ``CHUNK`` more rows written per call (the file's ``added_count``,
  ``updated_count``, ``skipped_count`` of ``total_count`` grow), then ``COMPLETED`` with
  ``result.download_url``.
- That URL answers a ZIP holding ``<Module>-<file name>.csv``: the first three mapped columns
  of each row, then ``STATUS`` (``ADDED``, ``UPDATED``, ``SKIPPED``), ``RECORD_ID`` and
  ``ERRORS`` (``<code>-<column header>``, e.g. ``MANDATORY_NOT_FOUND-Last Name``), one row per
  row of the file, in its order (Zoho's "Download Bulk Write Result").

Each row is written as Create/Update Records would write it (the same checks: mandatory and
unique fields, types, picklists, lookups, field permissions). Cells are text: numbers,
booleans (``true``/``false``), multi-select values (``;``-separated) are read from it; a
lookup or owner cell is an id unless the mapping's ``find_by`` names the looked-up module's
field (an owner: ``email``).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from email import policy
from email.parser import BytesParser

from .. import field_rules, schema, seed
from ..schema import FieldError
from ..web import Response, json_response
from . import records as record_writes
from .context import Ctx, has_scope
from .errors import crm_error, invalid_method, invalid_url, scope_mismatch

MAX_ZIP_BYTES = 25 * 1024 * 1024
MAX_ROWS = 25_000
CHUNK = 250  # rows written per status call while IN PROGRESS
WRITE_SCOPES = ("ZohoCRM.bulk.ALL", "ZohoCRM.bulk.CREATE")
UPLOAD_SCOPES = ("ZohoFiles.files.ALL", "ZohoFiles.files.CREATE")
OPERATIONS = ("insert", "update", "upsert")


def _state(ctx: Ctx) -> dict:
    return ctx.org_data.__dict__.setdefault("bulk_write", {"files": {}, "jobs": {}})


def _error(code: str, message: str, status: int = 400, details: dict | None = None) -> Response:
    return crm_error(code, message, status, details or {})


# --- upload ---------------------------------------------------------------------------------
def upload_file(ctx: Ctx) -> Response:
    if not has_scope(ctx.at.scopes, *UPLOAD_SCOPES):
        return scope_mismatch()
    if (ctx.req.header("feature") or "").lower() != "bulk-write":
        return _error("INVALID_REQUEST", "the feature header must be bulk-write")
    if (ctx.req.header("X-CRM-ORG") or "") != ctx.org.zgid:
        return _error("INVALID_REQUEST", "the X-CRM-ORG header must name the org (its zgid)")
    data, name = _file_part(ctx)
    if data is None:
        return _error("MISSING_REQUIRED_KEY", "required key file is not found in request body.")
    if len(data) > MAX_ZIP_BYTES:
        return _error("FILE_TOO_LARGE", "File size too large to process")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1 or not names[0].lower().endswith(".csv"):
                return _error("FILE_NOT_SUPPORTED", "File not supported for bulk write")
            text = archive.read(names[0]).decode("utf-8-sig")
    except zipfile.BadZipFile:
        return _error("INVALID_FILE_FORMAT", "invalid file format. only zip format is supported")
    except UnicodeDecodeError:
        return _error("FILE_NOT_SUPPORTED", "File not supported for bulk write")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        return _error("FILE_NOT_SUPPORTED", "File not supported for bulk write")
    with ctx.emu.state.lock:
        file_id = ctx.org_data.ids.next()
        _state(ctx)["files"][file_id] = {"name": names[0], "rows": rows, "zip": name}
    # file_id a number, as bulk_write.json's Success_Response has it (int64)
    details = {"file_id": int(file_id), "created_time": ctx.now()}
    return json_response(
        {
            "status": "success",
            "code": "FILE_UPLOAD_SUCCESS",
            "message": "file uploaded.",
            "details": details,
        }
    )


def _file_part(ctx: Ctx) -> tuple[bytes | None, str]:
    ctype = ctx.req.header("Content-Type") or ""
    if not ctype.lower().startswith("multipart/form-data") or "boundary=" not in ctype:
        return None, ""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + ctx.req.body
    )
    for part in message.iter_parts() if message.is_multipart() else ():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True) or b"", part.get_filename() or "file.zip"
    return None, ""


# --- jobs -----------------------------------------------------------------------------------
def handle(ctx: Ctx, parts: list[str]) -> Response:
    """``write``, ``write/{id}``, ``write/{id}/result`` (below ``/crm/bulk/v8/``)."""
    if not has_scope(ctx.at.scopes, *WRITE_SCOPES):
        return scope_mismatch()
    method = ctx.req.method
    if len(parts) == 1:
        return create_job(ctx) if method == "POST" else invalid_method()
    if method != "GET":
        return invalid_method()
    if len(parts) == 2:
        return job_details(ctx, parts[1])
    if len(parts) == 3 and parts[2] == "result":
        return job_result(ctx, parts[1])
    return invalid_url()


def create_job(ctx: Ctx) -> Response:
    try:
        body = json.loads(ctx.req.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict) or body.get("operation") not in OPERATIONS:
        return _error(
            "MISSING_REQUIRED_KEY", "required key operation is not found in request body."
        )
    resources = body.get("resource")
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        return _error("MISSING_REQUIRED_KEY", "required key resource is not found in request body.")
    resource = resources[0]
    module = resource.get("module")
    name = module.get("api_name") if isinstance(module, dict) else module
    mod = ctx.schema.module(name) if isinstance(name, str) else None
    if mod is None or not mod.api_supported or not mod.creatable:
        return _error("MODULE_NOT_AVAILABLE", f"Requested module '{name}' is not available.")
    op = "CREATE" if body["operation"] == "insert" else "UPDATE"
    denied = ctx.denied(mod.api_name, op)
    if denied is not None:
        return denied
    with ctx.emu.state.lock:
        upload = _state(ctx)["files"].get(str(resource.get("file_id")))
    if upload is None:
        return _error("INVALID_FILE_ID", "improper file id")
    if len(upload["rows"]) - 1 > MAX_ROWS:
        return _error("LIMIT_EXCEEDED", "File size too large to process")
    mappings, refused = _mappings(ctx, mod, resource.get("field_mappings"), upload["rows"][0])
    if refused is not None:
        return refused
    find_by = resource.get("find_by")
    if body["operation"] != "insert":
        mapped = {m["api_name"] for m in mappings}
        if find_by not in mapped or (find_by != "id" and not mod.fields[find_by].unique):
            return _error(
                "MANDATORY_NOT_FOUND", "required key find_by is not found in request body."
            )
    else:
        given = {m["api_name"] for m in mappings}
        if any(fd.mandatory and fd.api_name not in given for fd in mod.fields.values()):
            return _error(
                "MANDATORY_FIELDS_NOT_MAPPED", "All mandatory fields are not mapped for the layout"
            )
    with ctx.emu.state.lock:
        job = {
            "id": ctx.org_data.ids.next(),
            "operation": body["operation"],
            "ignore_empty": bool(body.get("ignore_empty")),
            "status": "ADDED",
            "module": {"api_name": mod.api_name, "id": mod.module_id},
            "file_id": str(resource["file_id"]),
            "file_name": upload["zip"],
            "rows": upload["rows"],
            "mappings": mappings,
            "find_by": find_by,
            "done": [],  # (STATUS, RECORD_ID, ERRORS) per row written
            "created_by": {"id": ctx.user_ref["id"], "name": ctx.user_ref["name"]},
            "created_time": ctx.now(),
            "dc": ctx.at.dc,
        }
        _state(ctx)["jobs"][job["id"]] = job
    details = {"id": job["id"], "created_by": job["created_by"]}
    return json_response(
        {"status": "success", "code": "SUCCESS", "message": "success", "details": details}, 201
    )


def _mappings(ctx: Ctx, mod, raw, header: list[str]):
    if not isinstance(raw, list) or not raw:
        return None, _error(
            "MISSING_REQUIRED_KEY", "required key field_mappings is not found in request body."
        )
    restricted = field_rules.restricted_fields(ctx.user.profile).get(mod.api_name, {})
    out = []
    for item in raw:
        api_name = item.get("api_name") if isinstance(item, dict) else None
        fd = mod.fields.get(api_name) if isinstance(api_name, str) else None
        if api_name != "id" and (fd is None or fd.read_only or api_name in restricted):
            return None, _error(
                "INVALID_FIELD_NAME", f"invalid mapping. invalid api_name {api_name}."
            )
        index = item.get("index")
        default = item.get("default_value")
        if index is None and not isinstance(default, dict):
            return None, _error(
                "COLUMN_INDEX_NOT_FOUND",
                f"required key index for field {api_name} is not found in request body.",
            )
        if index is not None and (
            not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(header)
        ):
            return None, _error(
                "COLUMN_INDEX_NOT_FOUND",
                f"required key index for field {api_name} is not found in request body.",
            )
        out.append(
            {
                "api_name": api_name,
                "index": index,
                "find_by": item.get("find_by"),
                "default": (default or {}).get("value"),
            }
        )
    return out, None


def _shown(ctx: Ctx, job: dict) -> dict:
    done = job["done"]
    counts = {
        "added_count": sum(1 for d in done if d[0] == "ADDED"),
        "updated_count": sum(1 for d in done if d[0] == "UPDATED"),
        "skipped_count": sum(1 for d in done if d[0] == "SKIPPED"),
        "total_count": len(job["rows"]) - 1,
    }
    resource = {
        "status": job["status"],
        "type": "data",
        "module": job["module"],
        "field_mappings": [
            {k: m[k] for k in ("api_name", "index") if m[k] is not None} for m in job["mappings"]
        ],
        "file": {"status": job["status"], "name": job["file_name"], **counts},
    }
    if job["find_by"]:
        resource["find_by"] = job["find_by"]
    out = {
        "status": job["status"],
        "character_encoding": "UTF-8",
        "resource": [resource],
        "id": job["id"],
        "created_by": job["created_by"],
        "operation": job["operation"],
        "created_time": job["created_time"],
    }
    if job["status"] == "COMPLETED":
        base = ctx.emu.api_domain(job["dc"])
        out["result"] = {"download_url": f"{base}/crm/bulk/v8/write/{job['id']}/result"}
    return out


def job_details(ctx: Ctx, job_id: str) -> Response:
    with ctx.emu.state.lock:
        job = _state(ctx)["jobs"].get(job_id)
        if job is None:
            return _error("RESOURCE_NOT_FOUND", "The requested resource doesn't exist.")
        shown = _shown(ctx, job)
        if job["status"] == "ADDED":
            job["status"] = "IN PROGRESS"
        elif job["status"] == "IN PROGRESS":
            _write_rows(ctx, job, CHUNK)
            if len(job["done"]) == len(job["rows"]) - 1:
                job["status"] = "COMPLETED"
    return json_response(shown)


def job_result(ctx: Ctx, job_id: str) -> Response:
    with ctx.emu.state.lock:
        job = _state(ctx)["jobs"].get(job_id)
        if job is None or job["status"] != "COMPLETED":
            return _error("RESOURCE_NOT_FOUND", "The requested resource doesn't exist.")
        header = job["rows"][0]
        shown = [m["index"] for m in job["mappings"] if m["index"] is not None][:3]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([header[i] for i in shown] + ["STATUS", "RECORD_ID", "ERRORS"])
        for row, (status, record_id, errors) in zip(job["rows"][1:], job["done"], strict=True):
            cells = [row[i] if i < len(row) else "" for i in shown]
            writer.writerow(cells + [status, record_id, errors])
        name = f"{job['module']['api_name']}-{job['file_name'].rsplit('.', 1)[0]}.csv"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, out.getvalue())
    body = packed.getvalue()
    return Response(
        200,
        body,
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", f'attachment; filename="{job_id}.zip"'),
            ("Content-Length", str(len(body))),
        ],
    )


# --- writing rows ---------------------------------------------------------------------------
def _write_rows(ctx: Ctx, job: dict, count: int) -> None:
    """Write the job's next `count` rows (under the state lock)."""
    module = job["module"]["api_name"]
    header = job["rows"][0]
    store = ctx.org_data.records[module]
    start = len(job["done"]) + 1
    for number in range(start, min(start + count, len(job["rows"]))):
        row = job["rows"][number]
        try:
            item = _item(ctx, job, module, row)
            existing = _existing(ctx, job, module, item)
            if job["operation"] == "update" and existing is None:
                raise FieldError("RESOURCE_NOT_FOUND", "not found", {"api_name": job["find_by"]})
            item.pop("id", None)
            if existing is not None:
                record = record_writes._apply(ctx, module, item, 0, existing)
                record["id"] = existing["id"]
                status = "UPDATED"
            else:
                record = record_writes._apply(ctx, module, item, 0, None)
                record_writes._stamp_new(ctx, module, record)
                status = "ADDED"
            store[record["id"]] = record
            ctx.org_data.version += 1
            job["done"].append((status, record["id"], ""))
        except FieldError as error:
            api_name = (error.details or {}).get("api_name") or ""
            column = next(
                (
                    header[m["index"]]
                    for m in job["mappings"]
                    if m["api_name"] == api_name and m["index"] is not None
                ),
                api_name,
            )
            job["done"].append(("SKIPPED", "", f"{error.code}-{column}"))


def _existing(ctx: Ctx, job: dict, module: str, item: dict) -> dict | None:
    find_by = job["find_by"]
    if job["operation"] == "insert" or not find_by:
        return None
    wanted = item.get(find_by)
    if wanted in (None, ""):
        return None
    store = ctx.org_data.records[module]
    if find_by == "id":
        return store.get(str(wanted))
    text = str(wanted).lower()
    return next((r for r in store.values() if str(r.get(find_by) or "").lower() == text), None)


def _item(ctx: Ctx, job: dict, module: str, row: list[str]) -> dict:
    """The JSON record a CSV row stands for."""
    fields = ctx.schema.fields(module)
    item = {}
    for mapping in job["mappings"]:
        index = mapping["index"]
        cell = row[index].strip() if index is not None and index < len(row) else ""
        if cell == "" and mapping["default"] is not None:
            cell = str(mapping["default"])
        if cell == "":
            if not job["ignore_empty"]:
                item[mapping["api_name"]] = None
            continue
        name = mapping["api_name"]
        item[name] = cell if name == "id" else _value(ctx, fields[name], cell, mapping["find_by"])
    return item


def _value(ctx: Ctx, fd, cell: str, find_by: str | None):
    kind = fd.value_type
    try:
        if kind in ("integer", "bigint"):
            return int(cell)
        if kind in ("double", "currency", "decimal", "percent"):
            return float(cell)
    except ValueError:
        return cell  # refused as INVALID_DATA by the record checks
    if kind == "boolean":
        return {"true": True, "false": False}.get(cell.lower(), cell)
    if kind == "multiselectpicklist":
        return [v.strip() for v in cell.split(";") if v.strip()]
    if kind in ("ownerlookup", "userlookup"):
        if find_by == "email":
            user = next(
                (u for u in seed.org_users(ctx.org.zgid) if u.email.lower() == cell.lower()), None
            )
            return {"id": user.crm_ids[ctx.org.zgid] if user else "0"}
        return {"id": cell}
    if kind == "lookup" and fd.lookup_module and fd.lookup_module != schema.SE_MODULE:
        if find_by and find_by != "id":
            target = next(
                (
                    r
                    for r in ctx.org_data.records[fd.lookup_module].values()
                    if str(r.get(find_by) or "").lower() == cell.lower()
                ),
                None,
            )
            return {"id": target["id"] if target else "0"}
        return {"id": cell}
    return cell
