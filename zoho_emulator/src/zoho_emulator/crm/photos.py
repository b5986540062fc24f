"""Record photos: Upload Photo and Delete Photo (``record_photo.json``), and Get Photo for a
photo uploaded here.

- ``POST /crm/v8/{module}/{id}/photo`` (multipart, one ``file`` part) sets the record's
  photo. Zoho's v8 "Upload a Photo" page: PNG, JPEG, JPG, GIF and BMP only, at most 10 MB
  and 10 megapixels, never on a locked record; an invalid record id is ``INVALID_DATA``.
  The answer is the spec's ``success`` object (``code``, ``message``, ``status``,
  ``details``), at the top level as Zoho answers it.
- ``DELETE /crm/v8/{module}/{id}/photo`` removes it (the same answer shape).
- ``GET`` answers the uploaded bytes; a seeded photo is still made by ``files.get_photo``.

A module without ``Record_Image`` answers ``NOT_SUPPORTED`` as Get Photo does. The bytes are
checked by their signature (the file name and the part's type are the client's word).
"""

from __future__ import annotations

import hashlib
import struct

from ..web import Response, json_response
from . import files
from .context import Ctx
from .errors import crm_error, param_missing
from .record_state import is_locked

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # "The maximum allowed size for the photo is 10 MB."
MAX_PHOTO_PIXELS = 10_000_000  # "The resolution of the photo must not exceed 10 MP."
LOCKED = "You cannot perform this operation as the record is locked."


def _uploaded(ctx: Ctx) -> dict[str, tuple[str, bytes, str]]:
    """Photos uploaded to this org since the last reset: photo id -> (name, bytes, type)."""
    return ctx.org_data.__dict__.setdefault("photos", {})


def image_kind(data: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) of a PNG, JPEG, GIF or BMP, from its bytes; else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "image/bmp", abs(width), abs(height)
    if data.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg", *_jpeg_size(data))
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """A JPEG's size from its first start-of-frame marker ((0, 0) when none is found)."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return 0, 0


def _record(ctx: Ctx, module: str, record_id: str):
    """(record, None) or (None, the error answer)."""
    if "Record_Image" not in ctx.schema.modules[module].fields:
        return None, crm_error(
            "NOT_SUPPORTED", "photo is not supported for this module", 400,
            {"resource_path_index": 0},
        )  # fmt: skip
    denied = ctx.denied(module, "UPDATE")  # a photo is part of the record: editing it
    if denied is not None:
        return None, denied
    rec = ctx.org_data.records[module].get(record_id)
    if rec is None:
        return None, files._invalid_id("id")  # noqa: SLF001
    if is_locked(rec):
        return None, crm_error("RECORD_LOCKED", LOCKED, 400, {"id": record_id})
    return rec, None


def _success(message: str) -> Response:
    return json_response(
        {"code": "SUCCESS", "details": {}, "message": message, "status": "success"}
    )


def upload_photo(ctx: Ctx, module: str, record_id: str) -> Response:
    parts = files._parts(ctx)  # noqa: SLF001 - the one multipart reader of the package
    if parts is None:
        return crm_error(
            "INVALID_DATA", "invalid data", 400, {"expected_data_type": "multipart/form-data"}
        )
    if not parts:
        return param_missing("file")
    name, data = parts[0]
    if len(data) > MAX_PHOTO_BYTES:
        return crm_error(
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "file size is more than the allowed size",
            400,
            {"maximum_size": MAX_PHOTO_BYTES},
        )
    kind = image_kind(data)
    if kind is None:
        return crm_error(
            "INVALID_DATA",
            "the file is not a supported image (PNG, JPEG, JPG, GIF or BMP)",
            400,
            {"param_name": "file", "supported_formats": ["png", "jpeg", "jpg", "gif", "bmp"]},
        )
    content_type, width, height = kind
    if width * height > MAX_PHOTO_PIXELS:
        return crm_error(
            "INVALID_DATA",
            "the resolution of the photo exceeds the limit",
            400,
            {"param_name": "file", "maximum_resolution": MAX_PHOTO_PIXELS},
        )
    with ctx.emu.state.lock:
        rec, error = _record(ctx, module, record_id)
        if error is not None:
            return error
        pid = hashlib.sha256(
            f"upload-photo:{ctx.org.zgid}:{record_id}:{ctx.org_data.ids.next()}".encode()
        ).hexdigest()[:70]
        _uploaded(ctx)[pid] = (name, data, content_type)
        # a new dict, never a change in place: a reset shares the pristine records
        ctx.org_data.records[module][record_id] = {**rec, "Record_Image": pid}
        ctx.org_data.version += 1
    return _success("photo uploaded successfully")


def delete_photo(ctx: Ctx, module: str, record_id: str) -> Response:
    with ctx.emu.state.lock:
        rec, error = _record(ctx, module, record_id)
        if error is not None:
            return error
        pid = rec.get("Record_Image")
        if not pid:
            return crm_error("INVALID_DATA", "there is no photo for this record", 400, {})
        _uploaded(ctx).pop(pid, None)
        ctx.org_data.records[module][record_id] = {**rec, "Record_Image": None}
        ctx.org_data.version += 1
    return _success("photo deleted successfully")


def get_photo(ctx: Ctx, module: str, record_id: str) -> Response:
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
        found = _uploaded(ctx).get(rec.get("Record_Image")) if rec else None
    if found is None:
        return files.get_photo(ctx, module, record_id)
    _, data, content_type = found
    extension = content_type.rpartition("/")[2]
    return files._download(f"{record_id}.{extension}", data, content_type)  # noqa: SLF001


__all__ = ["delete_photo", "get_photo", "image_kind", "upload_photo"]
