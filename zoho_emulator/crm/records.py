"""Records: list, get one, create, update, delete."""

from __future__ import annotations

import json

from .. import schema, seed
from ..schema import FieldError
from ..web import Response, json_response, no_content
from .context import MAX_FIELDS, MAX_PER_PAGE, MAX_WRITE, Ctx, int_param
from .errors import crm_error, invalid_param, param_missing


def present(module: str, rec: dict, fields: list[str] | None) -> dict:
    out = {}
    names = fields if fields is not None else list(schema.FIELDS[module].keys())
    for name in names:
        value = rec.get(name)
        out[name] = json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value
    out["id"] = rec["id"]
    return out


def parse_fields(module: str, raw: str | None):
    if raw is None:
        return None, None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        return None, param_missing("fields")
    if len(names) > MAX_FIELDS:
        return None, crm_error(
            "LIMIT_EXCEEDED",
            "maximum number of fields exceeded",
            400,
            {"param_name": "fields", "limit": MAX_FIELDS},
        )
    known = schema.FIELDS[module]
    out = []
    for name in names:
        if name == "id":
            continue
        if name not in known:
            return None, crm_error(
                "INVALID_DATA", "invalid data", 400, {"param_name": "fields", "api_name": name}
            )
        if name not in out:
            out.append(name)
    return out, None


def sort_key(module: str, sort_by: str):
    fd = schema.FIELDS[module].get(sort_by)

    def key(rec):
        if sort_by == "id":
            return (0, int(rec["id"]))
        value = rec.get(sort_by)
        if value is None:
            return (1, "")
        if fd is not None and fd.data_type == "datetime":
            parsed = schema.parse_datetime(value)
            return (0, parsed.timestamp() if parsed else 0)
        if isinstance(value, str):
            return (0, value.lower())
        return (0, value)

    return key


def paginate(
    module: str, records: list[dict], fields, page: int, per_page: int, sort_by, sort_order
):
    start = (page - 1) * per_page
    chunk = records[start : start + per_page]
    if not chunk:
        return no_content()
    info = {
        "per_page": per_page,
        "next_page_token": None,
        "count": len(chunk),
        "page": page,
        "previous_page_token": None,
        "page_token_expiry": None,
        "more_records": len(records) > start + per_page,
    }
    if sort_by is not None:
        info["sort_by"] = sort_by
        info["sort_order"] = sort_order
    return json_response({"data": [present(module, r, fields) for r in chunk], "info": info})


# ------------------------------------------------------------------------------ entry point


def list_records(ctx: Ctx, module: str) -> Response:
    req = ctx.req
    raw_fields = req.arg("fields")
    if raw_fields is None or raw_fields.strip() == "":
        return param_missing("fields")
    fields, err = parse_fields(module, raw_fields)
    if err:
        return err
    page, err = int_param(req, "page", 1)
    if err:
        return err
    per_page, err = int_param(req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    sort_by = req.arg("sort_by") or "id"
    if sort_by not in ("id", "Created_Time", "Modified_Time"):
        fd = schema.FIELDS[module].get(sort_by)
        if fd is None or not fd.sortable:
            return invalid_param("sort_by")
    sort_order = (req.arg("sort_order") or "desc").lower()
    if sort_order not in ("asc", "desc"):
        return invalid_param("sort_order")
    ids_param = req.arg("ids")
    with ctx.emu.state.lock:
        records = list(ctx.org_data.records[module].values())
    if ids_param:
        wanted = {i.strip() for i in ids_param.split(",") if i.strip()}
        if len(wanted) > MAX_WRITE:
            return crm_error(
                "LIMIT_EXCEEDED",
                "the number of ids exceeds the limit",
                400,
                {"param_name": "ids", "limit": MAX_WRITE},
            )
        records = [r for r in records if r["id"] in wanted]
    records.sort(key=sort_key(module, sort_by), reverse=(sort_order == "desc"))
    return paginate(module, records, fields, page, per_page, sort_by, sort_order)


def get_record(ctx: Ctx, module: str, record_id: str) -> Response:
    fields, err = parse_fields(module, ctx.req.arg("fields"))
    if err:
        return err
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
        if rec is None:
            return no_content()
        return json_response({"data": [present(module, rec, fields)]})


# ------------------------------------------------------------------------------ search


def _read_body(ctx: Ctx):
    """Return (items, error_response)."""
    raw = ctx.req.body
    if not raw.strip():
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    if not isinstance(payload, dict):
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    if "data" not in payload:
        return None, crm_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            400,
            {"api_name": "data", "json_path": "$.data"},
        )
    items = payload["data"]
    if not isinstance(items, list) or not items:
        return None, crm_error(
            "INVALID_DATA",
            "invalid data",
            400,
            {"api_name": "data", "json_path": "$.data", "expected_data_type": "jsonarray"},
        )
    if len(items) > MAX_WRITE:
        return None, crm_error(
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            400,
            {"api_name": "data", "json_path": "$.data", "limit": MAX_WRITE},
        )
    return items, None


def _resolvers(ctx: Ctx):
    data = ctx.org_data.records

    def resolve_lookup(module, ref_id):
        target = data[module].get(ref_id)
        if target is None:
            return None
        return {"name": target.get(schema.NAME_FIELD[module]), "id": target["id"]}

    def resolve_user(ref_id):
        for user in seed.org_users(ctx.org.zgid):
            if user.crm_ids[ctx.org.zgid] == ref_id:
                return {"name": user.full_name, "id": ref_id, "email": user.email}
        return None

    return resolve_lookup, resolve_user


def _apply(ctx: Ctx, module: str, item, index: int, existing: dict | None) -> dict:
    """Validate one input record; return the new stored record (not yet saved). Raise FieldError."""
    path = f"$.data[{index}]"
    if not isinstance(item, dict):
        raise FieldError(
            "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject", "json_path": path}
        )
    fdefs = schema.FIELDS[module]
    record = dict(existing) if existing else {}
    # mandatory first (Zoho reports a missing mandatory field before type problems)
    for fd in fdefs.values():
        if not fd.mandatory:
            continue
        present = fd.api_name in item
        value = item.get(fd.api_name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if (existing is None and (not present or blank)) or (
            existing is not None and present and blank
        ):
            raise FieldError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": fd.api_name, "json_path": f"{path}.{fd.api_name}"},
            )
    resolve_lookup, resolve_user = _resolvers(ctx)
    for key, value in item.items():
        fd = fdefs.get(key)
        if fd is None or fd.read_only:
            continue  # Zoho ignores unknown and read-only keys
        record[key] = schema.validate_value(
            fd, value, f"{path}.{key}", resolve_lookup, resolve_user
        )
    # unique fields
    for fd in fdefs.values():
        if not fd.unique:
            continue
        value = record.get(fd.api_name)
        if not isinstance(value, str) or not value:
            continue
        for other in ctx.org_data.records[module].values():
            if existing is not None and other["id"] == existing["id"]:
                continue
            other_value = other.get(fd.api_name)
            if isinstance(other_value, str) and other_value.lower() == value.lower():
                raise FieldError(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    {
                        "api_name": fd.api_name,
                        "json_path": f"{path}.{fd.api_name}",
                        "duplicate_record": {
                            "Owner": dict(other.get("Owner") or {}),
                            "module": {"api_name": module, "id": schema.MODULE_IDS[module]},
                            "id": other["id"],
                        },
                    },
                )
    if module in ("Leads", "Contacts"):
        first = record.get("First_Name") or ""
        record["Full_Name"] = f"{first} {record.get('Last_Name') or ''}".strip()
    return record


def _status_for(results: list[dict], success_status: int) -> int:
    ok = sum(1 for r in results if r.get("status") == "success")
    if ok == len(results):
        return success_status
    if ok == 0:
        return 400
    return 207


def _success(message: str, rec: dict) -> dict:
    return {
        "code": "SUCCESS",
        "details": {
            "Modified_Time": rec["Modified_Time"],
            "Modified_By": {"name": rec["Modified_By"]["name"], "id": rec["Modified_By"]["id"]},
            "Created_Time": rec["Created_Time"],
            "id": rec["id"],
            "Created_By": {"name": rec["Created_By"]["name"], "id": rec["Created_By"]["id"]},
            "$approval_state": "approved",
        },
        "message": message,
        "status": "success",
    }


def create_records(ctx: Ctx, module: str) -> Response:
    items, err = _read_body(ctx)
    if err:
        return err
    results = []
    with ctx.emu.state.lock:
        for index, item in enumerate(items):
            try:
                record = _apply(ctx, module, item, index, None)
            except FieldError as exc:
                results.append(exc.as_json())
                continue
            now = ctx.now()
            record["id"] = ctx.org_data.ids.next()
            record.setdefault("Owner", dict(ctx.user_ref))
            if record.get("Owner") is None:
                record["Owner"] = dict(ctx.user_ref)
            record["Created_By"] = dict(ctx.user_ref)
            record["Modified_By"] = dict(ctx.user_ref)
            record["Created_Time"] = now
            record["Modified_Time"] = now
            ctx.org_data.records[module][record["id"]] = record
            results.append(_success("record added", record))
    return json_response({"data": results}, _status_for(results, 201))


def update_records(ctx: Ctx, module: str, url_id: str | None = None) -> Response:
    items, err = _read_body(ctx)
    if err:
        return err
    if url_id is not None and len(items) > 1:
        return crm_error(
            "INVALID_DATA",
            "only one record can be updated through this URL",
            400,
            {"api_name": "data", "json_path": "$.data"},
        )
    results = []
    with ctx.emu.state.lock:
        store = ctx.org_data.records[module]
        for index, item in enumerate(items):
            record_id = url_id
            if record_id is None:
                raw_id = item.get("id") if isinstance(item, dict) else None
                if raw_id is None:
                    results.append(
                        FieldError(
                            "MANDATORY_NOT_FOUND",
                            "required field not found",
                            {"api_name": "id", "json_path": f"$.data[{index}].id"},
                        ).as_json()
                    )
                    continue
                record_id = str(raw_id)
            existing = store.get(record_id)
            if existing is None:
                details = (
                    {"id": record_id}
                    if url_id is not None
                    else {"api_name": "id", "json_path": f"$.data[{index}].id"}
                )
                results.append(
                    FieldError(
                        "INVALID_DATA", "the id given seems to be invalid", details
                    ).as_json()
                )
                continue
            try:
                record = _apply(ctx, module, item, index, existing)
            except FieldError as exc:
                results.append(exc.as_json())
                continue
            record["id"] = existing["id"]
            record["Modified_By"] = dict(ctx.user_ref)
            record["Modified_Time"] = ctx.now()
            store[record_id] = record
            results.append(_success("record updated", record))
    return json_response({"data": results}, _status_for(results, 200))


def delete_records(ctx: Ctx, module: str, url_id: str | None = None) -> Response:
    if url_id is not None:
        ids = [url_id]
    else:
        raw = ctx.req.arg("ids")
        if not raw or not raw.strip():
            return param_missing("ids")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        if len(ids) > MAX_WRITE:
            return crm_error(
                "LIMIT_EXCEEDED",
                "the number of ids exceeds the limit",
                400,
                {"param_name": "ids", "limit": MAX_WRITE},
            )
    results = []
    with ctx.emu.state.lock:
        store = ctx.org_data.records[module]
        for record_id in ids:
            if record_id not in store:
                results.append(
                    {
                        "code": "INVALID_DATA",
                        "details": {"id": record_id},
                        "message": "the id given seems to be invalid",
                        "status": "error",
                    }
                )
                continue
            del store[record_id]
            _clear_references(ctx, module, record_id)
            results.append(
                {
                    "code": "SUCCESS",
                    "details": {"id": record_id},
                    "message": "record deleted",
                    "status": "success",
                }
            )
    return json_response({"data": results}, _status_for(results, 200))


def _clear_references(ctx: Ctx, module: str, record_id: str):
    for other_module, fdefs in schema.FIELDS.items():
        lookups = [f.api_name for f in fdefs.values() if f.lookup_module == module]
        if not lookups:
            continue
        for rec in ctx.org_data.records[other_module].values():
            for name in lookups:
                ref = rec.get(name)
                if isinstance(ref, dict) and ref.get("id") == record_id:
                    rec[name] = None


def update_record(ctx: Ctx, module: str, record_id: str) -> Response:
    return update_records(ctx, module, record_id)


def delete_record(ctx: Ctx, module: str, record_id: str) -> Response:
    return delete_records(ctx, module, record_id)
