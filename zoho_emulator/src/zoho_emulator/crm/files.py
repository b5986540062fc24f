"""Files, record photos and field attachments: the CRM's downloads and its one upload.

- ``POST /crm/v8/files`` (multipart, one or more ``file`` parts; ``files.json`` "Upload
  Files", scope ``ZohoCRM.files.CREATE``) stores each file in the org and answers its
  encrypted id, the value a ``fileupload``/``imageupload`` field takes as ``File_Id__s``.
- ``GET /crm/v8/files?id=`` ("Get File", ``ZohoCRM.files.READ``) answers the bytes.
- ``GET /crm/v8/{module}/{id}/photo`` (``record_photo.json`` "Get Photo") answers the record
  photo, 204 when the record has none.
- ``GET /crm/v8/{module}/{id}/actions/download_fields_attachment?fields_attachment_id=``
  (``field_attachments.json``) answers one file of a ``fileupload``/``imageupload`` value of
  that record, named by the value's own ``id``.

Every answer is the org's own: another org's ids are unknown here.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from .. import field_types
from ..web import Response, json_response, no_content
from .context import Ctx
from .errors import crm_error, param_missing

FILE_TYPES = ("fileupload", "imageupload")


def uploads(ctx: Ctx) -> dict[str, field_types.StoredFile]:
    """Files uploaded to this org since the last reset (file id -> file)."""
    return ctx.org_data.__dict__.setdefault("uploads", {})


def stored_file(ctx: Ctx, fid) -> field_types.StoredFile | None:
    if not isinstance(fid, str):
        return None
    return uploads(ctx).get(fid) or field_types.demo_file(ctx.org.zgid, fid)


def _download(name: str, data: bytes, content_type: str) -> Response:
    safe = "".join(c for c in name if c.isprintable() and c not in '"\\;') or "file"
    return Response(
        200,
        data,
        [
            ("Content-Type", content_type),
            ("Content-Disposition", f'attachment; filename="{safe}"'),
            ("Content-Length", str(len(data))),
        ],
    )


def _invalid_id(param: str) -> Response:
    return crm_error("INVALID_DATA", "the id given seems to be invalid", 400, {"param_name": param})


def _parts(ctx: Ctx) -> list[tuple[str, bytes]] | None:
    """The ``file`` parts of a multipart body as (file name, bytes); None if not multipart."""
    ctype = ctx.req.header("Content-Type") or ""
    if not ctype.lower().startswith("multipart/form-data") or "boundary=" not in ctype:
        return None
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + ctx.req.body
    )
    if not message.is_multipart():
        return None
    out = []
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") != "file":
            continue
        out.append((part.get_filename() or "file", part.get_payload(decode=True) or b""))
    return out


def upload_files(ctx: Ctx) -> Response:
    parts = _parts(ctx)
    if parts is None:
        return crm_error(
            "INVALID_DATA", "invalid data", 400, {"expected_data_type": "multipart/form-data"}
        )
    if not parts:
        return crm_error(
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            400,
            {"param_name": "file"},
        )
    if len(parts) > field_types.MAX_FILES:
        return crm_error(
            "LIMIT_EXCEEDED",
            "the number of files exceeds the limit",
            400,
            {"limit": field_types.MAX_FILES},
        )
    if any(len(data) > field_types.MAX_FILE_BYTES for _, data in parts):
        return crm_error(
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "file size is more than the allowed size",
            400,
            {"maximum_size": field_types.MAX_FILE_BYTES},
        )
    answers = []
    with ctx.emu.state.lock:
        store = uploads(ctx)
        for name, data in parts:
            fid = field_types.file_id(ctx.org.zgid, f"upload:{ctx.org_data.ids.next()}:{name}")
            store[fid] = field_types.StoredFile(ctx.org.zgid, name, data)
            answers.append(
                {
                    "code": "SUCCESS",
                    "details": {"name": name, "id": fid},
                    "message": "file uploaded.",
                    "status": "success",
                }
            )
    return json_response({"data": answers})


def get_file(ctx: Ctx) -> Response:
    fid = ctx.req.arg("id")
    if not fid:
        return param_missing("id")
    with ctx.emu.state.lock:
        found = stored_file(ctx, fid)
    if found is None:
        return _invalid_id("id")
    return _download(found.name, found.data, "application/x-download")


def get_photo(ctx: Ctx, module: str, record_id: str) -> Response:
    mod = ctx.schema.modules[module]
    if "Record_Image" not in mod.fields:
        return crm_error(
            "NOT_SUPPORTED",
            "photo is not supported for this module",
            400,
            {"resource_path_index": 0},
        )
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
    if rec is None:
        return _invalid_id("id")
    pid = rec.get("Record_Image")
    if not pid:
        return no_content()
    data = field_types.photo_bytes(ctx.org.zgid, pid)
    return _download(f"{record_id}.png", data, "image/png")


def download_field_attachment(ctx: Ctx, module: str, record_id: str) -> Response:
    wanted = ctx.req.arg("fields_attachment_id")
    if not wanted:
        return param_missing("fields_attachment_id")
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
        if rec is None:
            return _invalid_id("record_id")
        for fd in ctx.schema.fields(module).values():
            if fd.data_type not in FILE_TYPES:
                continue
            for entry in rec.get(fd.api_name) or []:
                if isinstance(entry, dict) and entry.get("id") == wanted:
                    found = stored_file(ctx, entry.get("File_Id__s"))
                    if found is not None:
                        return _download(found.name, found.data, "application/x-download")
    return _invalid_id("fields_attachment_id")
