"""A record's attachments (``attachments.json``):

- ``GET {module}/{id}/Attachments?fields=`` ("Get Attachments"): the record's attachments,
  newest first, each the full ``Attachment`` object of the spec; 204 when none.
- ``POST {module}/{id}/Attachments``: a multipart ``file`` part (what the SDK's
  ``upload_attachments`` sends), or ``?attachmentUrl=`` ("Upload Url Attachments"): one
  attachment of at most 20 MB.
- ``GET {module}/{id}/Attachments/{att}`` ("Get Attachment"): the file's bytes.
- ``DELETE {module}/{id}/Attachments/{att}`` and ``DELETE {module}/{id}/Attachments?ids=``.

Attachments live in the org's ``Attachments`` module (``Parent_Id`` + ``$se_module``); an
uploaded file's bytes in the org's uploads (``files.py``). Seeded attachments have no bytes
of their own: they download as a small text stand-in. An attachment of another record is
unknown here (``INVALID_DATA``), as is a record of another org.
"""

from __future__ import annotations

import functools
import mimetypes

from .. import catalog, field_types
from ..web import Response, json_response, no_content
from .context import MAX_PER_PAGE, Ctx, int_param
from .errors import crm_error, param_missing
from .files import _parts, uploads

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # "Upload an Attachment": 20 MB a file
MAX_IDS = 100


def _unknown(index: int) -> Response:
    """An id of the URL that names nothing here (``resource_path_index`` counts from the
    module: 1 the record, 3 the attachment)."""
    return crm_error(
        "INVALID_DATA", "the id given seems to be invalid", 400, {"resource_path_index": index}
    )


def _with_attachments(handler):
    """Only modules whose records have an Attachments related list (else Zoho's answer to a
    related list the module lacks: ``INVALID_DATA`` naming the path's list)."""

    @functools.wraps(handler)
    def wrapper(ctx: Ctx, module: str, record_id: str, rel: str, **kwargs) -> Response:
        if module not in catalog.PARENT_ID_MODULES:
            return crm_error(
                "INVALID_DATA",
                "the related list name given seems to be invalid",
                400,
                {"resource_path_index": 2},
            )
        return handler(ctx, module, record_id, rel, **kwargs)

    return wrapper


def _of_record(ctx: Ctx, module: str, record_id: str) -> list[dict]:
    found = [
        rec
        for rec in ctx.org_data.records["Attachments"].values()
        if rec.get("$se_module") == module
        and isinstance(rec.get("Parent_Id"), dict)
        and rec["Parent_Id"].get("id") == record_id
    ]
    return sorted(found, key=lambda r: int(r["id"]), reverse=True)


def _shown(rec: dict, module: str) -> dict:
    """One attachment as the spec's ``Attachment`` object."""
    empty_user = {"name": "", "id": None, "email": ""}
    return {
        "Owner": rec.get("Owner") or empty_user,
        "Modified_By": rec.get("Modified_By") or empty_user,
        "Created_By": rec.get("Created_By") or empty_user,
        "Parent_Id": {
            "name": rec["Parent_Id"].get("name") or "",
            "id": rec["Parent_Id"]["id"],
        },
        "$sharing_permission": "full_access",
        "$attachment_type": 1 if not rec.get("$link_url") else 2,
        "id": rec["id"],
        "Modified_Time": rec.get("Modified_Time"),
        "Created_Time": rec.get("Created_Time"),
        "File_Name": rec.get("File_Name"),
        "Size": str(rec.get("Size") or "0"),
        "$editable": True,
        "$file_id": rec.get("$file_id") or f"demo{rec['id']}",
        "$type": "Link URL" if rec.get("$link_url") else "Attachment",
        "$se_module": module,
        "$state": "save",
        "$link_url": rec.get("$link_url"),
    }


@_with_attachments
def list_attachments(ctx: Ctx, module: str, record_id: str, rel: str) -> Response:
    raw_fields = ctx.req.arg("fields")
    if raw_fields is None or not raw_fields.strip():
        return param_missing("fields")
    page, err = int_param(ctx.req, "page", 1)
    if err:
        return err
    per_page, err = int_param(ctx.req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    with ctx.emu.state.lock:
        if record_id not in ctx.org_data.records[module]:
            return _unknown(1)
        found = _of_record(ctx, module, record_id)
    chunk = found[(page - 1) * per_page : page * per_page]
    if not chunk:
        return no_content()
    return json_response(
        {
            "data": [_shown(rec, module) for rec in chunk],
            "info": {
                "per_page": per_page,
                "page": page,
                "count": len(chunk),
                "more_records": page * per_page < len(found),
            },
        }
    )


@_with_attachments
def upload_attachment(ctx: Ctx, module: str, record_id: str, rel: str) -> Response:
    link = ctx.req.arg("attachmentUrl")
    parts = None if link else _parts(ctx)
    if not link and not parts:
        return crm_error(
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            400,
            {"param_name": "file"},
        )
    if parts and len(parts) > 1:
        return crm_error(
            "INVALID_DATA", "only one file can be attached at a time", 400, {"api_name": "file"}
        )
    name, data = parts[0] if parts else ((ctx.req.arg("title") or link)[:255], b"")
    if len(data) > MAX_ATTACHMENT_BYTES:
        return crm_error(
            "INVALID_DATA",
            "file size is more than the allowed size",
            400,
            {"api_name": "file", "maximum_size": MAX_ATTACHMENT_BYTES},
        )
    with ctx.emu.state.lock:
        parent = ctx.org_data.records[module].get(record_id)
        if parent is None:
            return _unknown(1)
        name_field = ctx.schema.name_field(module)
        now = ctx.now()
        rec = {
            "id": ctx.org_data.ids.next(),
            "Owner": dict(ctx.user_ref),
            "Created_By": dict(ctx.user_ref),
            "Modified_By": dict(ctx.user_ref),
            "Created_Time": now,
            "Modified_Time": now,
            "File_Name": name,
            "Size": str(len(data)),
            "Parent_Id": {"name": parent.get(name_field) if name_field else None, "id": record_id},
            "$se_module": module,
            "$link_url": link or None,
        }
        if not link:
            fid = field_types.file_id(ctx.org.zgid, f"attachment:{rec['id']}:{name}")
            uploads(ctx)[fid] = field_types.StoredFile(ctx.org.zgid, name, data)
            rec["$file_id"] = fid
        ctx.org_data.records["Attachments"][rec["id"]] = rec
        ctx.org_data.version += 1
    user = {"name": ctx.user_ref["name"], "id": ctx.user_ref["id"]}
    details = {
        "Modified_Time": now,
        "Modified_By": user,
        "Created_Time": now,
        "id": rec["id"],
        "Created_By": user,
    }
    return json_response(
        {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": details,
                    "message": "attachment uploaded successfully",
                    "status": "success",
                }
            ]
        }
    )


def _find(ctx: Ctx, module: str, record_id: str, att_id: str):
    """(the attachment, None) or (None, the error answer); under the state lock."""
    if record_id not in ctx.org_data.records[module]:
        return None, _unknown(1)
    rec = ctx.org_data.records["Attachments"].get(att_id)
    parent = (rec or {}).get("Parent_Id") or {}
    if rec is None or rec.get("$se_module") != module or parent.get("id") != record_id:
        return None, _unknown(3)
    return rec, None


@_with_attachments
def get_attachment(ctx: Ctx, module: str, record_id: str, rel: str, att_id: str) -> Response:
    with ctx.emu.state.lock:
        rec, err = _find(ctx, module, record_id, att_id)
        if err:
            return err
        stored = uploads(ctx).get(rec.get("$file_id") or "")
    name = rec.get("File_Name") or "attachment"
    if stored is not None:
        data = stored.data
    elif rec.get("$link_url"):
        return no_content()  # a link has no file
    else:  # a seeded attachment: a stand-in of its name
        data = f"Demo attachment {name} of the Zoho emulator.\n".encode()
    # An image as its type (the spec's "image/png"); any other file as Zoho's downloads are.
    kind = mimetypes.guess_type(name)[0] or ""
    kind = kind if kind in ("image/png", "image/jpeg", "image/gif") else "application/x-download"
    safe = "".join(c for c in name if c.isprintable() and c not in '"\\;') or "file"
    return Response(
        200,
        data,
        [
            ("Content-Type", kind),
            ("Content-Disposition", f'attachment; filename="{safe}"'),
            ("Content-Length", str(len(data))),
        ],
    )


def _deleted(att_id: str) -> dict:
    return {
        "code": "SUCCESS",
        "details": {"id": att_id},
        "message": "record deleted",
        "status": "success",
    }


@_with_attachments
def delete_attachment(ctx: Ctx, module: str, record_id: str, rel: str, att_id: str) -> Response:
    with ctx.emu.state.lock:
        rec, err = _find(ctx, module, record_id, att_id)
        if err:
            return err
        del ctx.org_data.records["Attachments"][att_id]
        uploads(ctx).pop(rec.get("$file_id") or "", None)
        ctx.org_data.version += 1
    return json_response({"data": [_deleted(att_id)]})


@_with_attachments
def delete_attachments(ctx: Ctx, module: str, record_id: str, rel: str) -> Response:
    raw = ctx.req.arg("ids")
    if not raw or not raw.strip():
        return param_missing("ids")
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        return crm_error(
            "LIMIT_EXCEEDED",
            "the number of ids exceeds the limit",
            400,
            {"param_name": "ids", "limit": MAX_IDS},
        )
    with ctx.emu.state.lock:
        found = []
        for att_id in ids:  # every id checked before any is deleted
            rec, err = _find(ctx, module, record_id, att_id)
            if err:
                if record_id not in ctx.org_data.records[module]:
                    return err
                return crm_error(
                    "INVALID_DATA", "the id given seems to be invalid", 400, {"id": att_id}
                )
            found.append(rec)
        for rec in found:
            del ctx.org_data.records["Attachments"][rec["id"]]
            uploads(ctx).pop(rec.get("$file_id") or "", None)
        ctx.org_data.version += 1
    return json_response({"data": [_deleted(rec["id"]) for rec in found]})
