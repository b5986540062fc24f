"""Records: list, get one, create, update, delete."""

from __future__ import annotations

import json

from .. import field_rules, layouts, schema, seed
from ..schema import FieldError
from ..web import Response, json_response, no_content
from . import custom_views, field_values
from .context import MAX_FIELDS, MAX_PER_PAGE, MAX_WRITE, Ctx, int_param
from .errors import crm_error, invalid_param, param_missing
from .paging import page_answer
from .presentation import present
from .record_state import refusal, state_keys


def parse_fields(ctx: Ctx, module: str, raw: str | None):
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
    known = ctx.schema.fields(module)
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


def sort_key(ctx: Ctx, module: str, sort_by: str):
    fd = ctx.schema.fields(module).get(sort_by)

    def key(rec):
        if sort_by == "id":
            return (0, int(rec["id"]))
        value = rec.get(sort_by)
        if value is None:
            return (1, "")
        if fd is not None and fd.data_type == "datetime":
            parsed = schema.parse_datetime(value)
            return (0, parsed.timestamp() if parsed else 0)
        if isinstance(value, dict):  # lookups and owners sort by name
            return (0, str(value.get("name") or "").lower())
        if isinstance(value, list):
            return (0, ",".join(str(v) for v in value).lower())
        if isinstance(value, str):
            return (0, value.lower())
        if isinstance(value, bool):
            return (0, int(value))
        return (0, value)

    return key


def full_key(ctx: Ctx, module: str, sort_by: str):
    """A total order: the sort field, then the id."""
    key = sort_key(ctx, module, sort_by)
    return lambda rec: (key(rec), int(rec["id"]))


def paginate(
    ctx: Ctx,
    module: str,
    records: list[dict],
    fields,
    page: int,
    per_page: int,
    sort_by,
    sort_order,
    *,
    binding: tuple = (),
    page_raw: str | None = None,
    tokens: bool = True,
    keyed_by: str = "id",
):
    """``records`` sorted by ``keyed_by`` (``sort_order``), one page of them answered."""
    key = full_key(ctx, module, keyed_by)
    keys = [key(r) for r in records]
    return page_answer(
        ctx,
        module,
        records,
        keys,
        fields,
        page_raw=page_raw,
        page=page,
        per_page=per_page,
        binding=(ctx.org.zgid, ctx.at.email, module, tuple(fields or ()), per_page) + binding,
        sort_by=sort_by,
        sort_order=sort_order,
        tokens=tokens,
    )


# ------------------------------------------------------------------------------ entry point
SORT_BY_VALUES = ("id", "Created_Time", "Modified_Time")


CONVERTED_VALUES = ("false", "true", "both")


def converted_predicate(ctx: Ctx, module: str):
    """(predicate, None) for Get Records' and Search Records' ``converted`` parameter, or
    (None, error). Zoho lists a converted lead only when asked: ``false`` (the default) leaves
    converted leads out, ``true`` lists only them, ``both`` all (zoho/crm-oas v8.0
    record.json and module_search.json, parameter ``converted``; Zoho's "Get Records" page:
    "default value is false"). Other modules have no converted records."""
    raw = ctx.req.arg("converted")
    wanted = "false" if raw is None else raw.strip().lower()
    if wanted not in CONVERTED_VALUES:
        return None, invalid_param("converted", supported_values=list(CONVERTED_VALUES))
    if module != "Leads" or wanted == "both":
        return (lambda rec: True), None
    if wanted == "true":
        return (lambda rec: bool(rec.get("Converted__s"))), None
    return (lambda rec: not rec.get("Converted__s")), None


def list_records(ctx: Ctx, module: str) -> Response:
    req = ctx.req
    raw_fields = req.arg("fields")
    if raw_fields is None or raw_fields.strip() == "":
        return param_missing("fields")
    fields, err = parse_fields(ctx, module, raw_fields)
    if err:
        return err
    page, err = int_param(req, "page", 1)
    if err:
        return err
    per_page, err = int_param(req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    view, err = custom_views.cvid_predicate(ctx, module)
    if err:
        return err
    if view is not None and req.arg("sort_by"):
        # Get Records: "you cannot use this param [cvid] with the sort_by param" (Zoho's
        # Get Records page): a view lists in its own order.
        return invalid_param("sort_by")
    sort_by = req.arg("sort_by") or (view[0].sort_by if view else "id")
    if sort_by not in SORT_BY_VALUES:
        # getRecords' sort_by enum (zoho/crm-oas v8.0 record operation getRecords): any other
        # field is sorted through COQL's ORDER BY, never here.
        return invalid_param("sort_by", supported_values=list(SORT_BY_VALUES))
    sort_order = (req.arg("sort_order") or (view[0].sort_order if view else "desc")).lower()
    if sort_order not in ("asc", "desc"):
        return invalid_param("sort_order")
    listed, err = converted_predicate(ctx, module)
    if err:
        return err
    ids_param = req.arg("ids")
    with ctx.emu.state.lock:
        records = [r for r in ctx.org_data.records[module].values() if listed(r)]
    if view is not None:
        records = [r for r in records if view[1](r)]
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
    records.sort(key=full_key(ctx, module, sort_by), reverse=(sort_order == "desc"))
    return paginate(
        ctx,
        module,
        records,
        fields,
        page,
        per_page,
        sort_by,
        sort_order,
        binding=(
            "list",
            sort_by,
            sort_order,
            ids_param or "",
            view[0].id if view else "",
            (req.arg("converted") or "false").lower(),
        ),
        page_raw=req.arg("page"),
        keyed_by=sort_by,
    )


def get_record(ctx: Ctx, module: str, record_id: str) -> Response:
    fields, err = parse_fields(ctx, module, ctx.req.arg("fields"))
    if err:
        return err
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
        if rec is None:
            return no_content()
        shown = present(ctx, module, rec, fields)
        if "Locked__s" in ctx.schema.fields(module):  # modules whose records lock and approve
            shown.update(state_keys(rec))
        return json_response({"data": [shown]})


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
        name_field = ctx.schema.name_field(module)
        return {"name": target.get(name_field) if name_field else None, "id": target["id"]}

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
    fdefs = ctx.schema.fields(module)
    record = dict(existing) if existing else {}
    _check_field_permissions(ctx, module, item, path)
    layout = _layout_of(ctx, module, item, existing, path)
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
    if layout is not None:
        _check_layout_required(ctx, module, item, existing, layout, path)
        record["Layout"] = layout
    resolve_lookup, resolve_user = _resolvers(ctx)
    for key, value in item.items():
        fd = fdefs.get(key)
        if fd is None or fd.read_only:
            continue  # Zoho ignores unknown and read-only keys
        if fd.lookup_module == schema.SE_MODULE:
            _apply_se_lookup(ctx, module, fd, item, record, path, resolve_lookup)
            continue
        if fd.data_type in field_values.TYPES:
            record[key] = field_values.apply_value(
                ctx, module, fd, value, f"{path}.{key}", existing, (resolve_lookup, resolve_user)
            )
            continue
        record[key] = schema.validate_value(
            fd, value, f"{path}.{key}", resolve_lookup, resolve_user
        )
    if record.get("$se_module") == "Leads" and record.get("Who_Id"):
        # A lead is not a contact: an activity related to a lead has no Who_Id.
        raise FieldError(
            "INVALID_DATA",
            "invalid data",
            {"api_name": "Who_Id", "json_path": f"{path}.Who_Id"},
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
                            "module": {
                                "api_name": module,
                                "id": ctx.schema.modules[module].module_id,
                            },
                            "id": other["id"],
                        },
                    },
                )
    if module in ("Leads", "Contacts"):
        first = record.get("First_Name") or ""
        record["Full_Name"] = f"{first} {record.get('Last_Name') or ''}".strip()
    if module == "Appointments__s":
        service = (record.get("Service_Name") or {}).get("name")
        person = (record.get("Appointment_For") or {}).get("name")
        record["Appointment_Name"] = " - ".join(p for p in (service, person) if p) or None
    return record


def _check_field_permissions(ctx: Ctx, module: str, item: dict, path: str) -> None:
    """A field the user's profile hides or makes read-only cannot be written: Zoho's
    NO_PERMISSION, "permission denied", naming the field (the stricter reading: Zoho does
    not document whether such a key is refused or dropped)."""
    restricted = field_rules.restricted_fields(ctx.user.profile).get(module, {})
    for key in item:
        if key in restricted:
            raise FieldError(
                "NO_PERMISSION",
                "permission denied",
                {"api_name": key, "json_path": f"{path}.{key}", "permission_type": restricted[key]},
            )


def _layout_of(ctx: Ctx, module: str, item: dict, existing: dict | None, path: str):
    """The ``Layout`` ``{"name", "id"}`` a record is (or is being) written in: the one the
    body names, else the record's own, else the module's default; None for a module whose
    records carry no Layout."""
    mod = ctx.schema.modules[module]
    if "Layout" not in mod.fields:
        return None
    ids = layouts.layout_ids(mod)
    given = item.get("Layout")
    if given is None:
        current = (existing or {}).get("Layout") or {}
        lid = current.get("id") if current.get("id") in ids else ids[0]
    else:
        lid = given.get("id") if isinstance(given, dict) else None
        if isinstance(lid, int) and not isinstance(lid, bool):
            lid = str(lid)
        if lid not in ids:
            raise FieldError(
                "INVALID_DATA",
                "invalid data",
                {"api_name": "Layout", "json_path": f"{path}.Layout.id"},
            )
    return {"name": layouts.layout_name(mod, lid), "id": lid}


def _check_layout_required(ctx, module, item, existing, layout, path) -> None:
    """Zoho refuses a record that leaves a field its layout makes mandatory empty: on
    create when the body lacks it, on update when neither the body nor the record has it
    (v8 updateRecord example "mandatorynotfoundlayoutrule")."""
    mod = ctx.schema.modules[module]
    required = layouts.required_fields(mod, layout["id"], ctx.org_data.layout_required)
    for name in sorted(required, key=list(mod.fields).index):
        if mod.fields[name].mandatory:
            continue  # system mandatory: checked above
        value = item[name] if name in item else (existing or {}).get(name)
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            raise FieldError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": name, "json_path": f"{path}.{name}"},
            )


def _apply_se_lookup(ctx: Ctx, module, fd, item: dict, record: dict, path, resolve_lookup):
    """What_Id / Parent_Id: ``{"id"}`` plus ``"$se_module"`` naming the target's module."""
    value = item.get(fd.api_name)
    if value is None:
        record[fd.api_name] = None
        record["$se_module"] = None
        return
    target_module = item.get("$se_module", record.get("$se_module"))
    if target_module is None:
        raise FieldError(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "$se_module", "json_path": f"{path}.$se_module"},
        )
    allowed = schema.se_modules(module, fd)
    canonical = ctx.schema.record_module(target_module) if isinstance(target_module, str) else None
    if canonical is None or canonical.api_name not in allowed:
        raise FieldError(
            "INVALID_DATA",
            "invalid data",
            {"api_name": "$se_module", "json_path": f"{path}.$se_module"},
        )
    ref_id = value.get("id") if isinstance(value, dict) else None
    if isinstance(ref_id, int) and not isinstance(ref_id, bool):
        ref_id = str(ref_id)
    if not isinstance(ref_id, str):
        raise FieldError(
            "INVALID_DATA",
            "invalid data",
            {
                "api_name": fd.api_name,
                "json_path": f"{path}.{fd.api_name}",
                "expected_data_type": "jsonobject",
            },
        )
    target = resolve_lookup(canonical.api_name, ref_id)
    if target is None:
        raise FieldError(
            "INVALID_DATA",
            "invalid data",
            {"api_name": fd.api_name, "json_path": f"{path}.{fd.api_name}.id"},
        )
    record[fd.api_name] = target
    record["$se_module"] = canonical.api_name


def _status_for(results: list[dict], success_status: int) -> int:
    ok = sum(1 for r in results if r.get("status") == "success")
    if ok == len(results):
        return success_status
    if ok == 0:
        return 400
    return 207


def _success(message: str, rec: dict) -> dict:
    details = {}
    if rec.get("Modified_Time"):
        details["Modified_Time"] = rec["Modified_Time"]
    if rec.get("Modified_By"):
        details["Modified_By"] = {
            "name": rec["Modified_By"]["name"],
            "id": rec["Modified_By"]["id"],
        }
    if rec.get("Created_Time"):
        details["Created_Time"] = rec["Created_Time"]
    details["id"] = rec["id"]
    if rec.get("Created_By"):
        details["Created_By"] = {"name": rec["Created_By"]["name"], "id": rec["Created_By"]["id"]}
    details["$approval_state"] = "approved"
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}


def _stamp_new(ctx: Ctx, module: str, record: dict) -> None:
    """System fields of a new record, for the fields the module has."""
    fields = ctx.schema.fields(module)
    now = ctx.now()
    record["id"] = ctx.org_data.ids.next()
    if "Owner" in fields and record.get("Owner") is None:
        record["Owner"] = dict(ctx.user_ref)
    for key in ("Created_By", "Modified_By"):
        if key in fields:
            record[key] = dict(ctx.user_ref)
    for key in ("Created_Time", "Modified_Time"):
        if key in fields:
            record[key] = now
    if "Requested_By" in fields:
        record["Requested_By"] = dict(ctx.user_ref)
        record["Requested_Date"] = now
    defaults = {"Record_Status__s": "Available", "Locked__s": False, "Tag": []}
    for key, value in defaults.items():
        if key in fields:
            record.setdefault(key, value)
    if "Currency" in fields and not record.get("Currency"):
        record["Currency"] = ctx.org.currency
        record["Exchange_Rate"] = 1.0
    if module == "Leads":
        record.setdefault("Converted__s", False)
    for fd in fields.values():
        if fd.data_type == "autonumber":
            record[fd.api_name] = str(1000 + len(ctx.org_data.records[module]))


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
            _stamp_new(ctx, module, record)
            ctx.org_data.records[module][record["id"]] = record
            ctx.org_data.version += 1
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
            refused = refusal(existing, "update", index=index, url_id=url_id)
            if refused is not None:
                code, message, details, top_level = refused
                if top_level:
                    return crm_error(code, message, 400, details)
                results.append(
                    {"code": code, "details": details, "message": message, "status": "error"}
                )
                continue
            try:
                record = _apply(ctx, module, item, index, existing)
            except FieldError as exc:
                results.append(exc.as_json())
                continue
            record["id"] = existing["id"]
            fields = ctx.schema.fields(module)
            if "Modified_By" in fields:
                record["Modified_By"] = dict(ctx.user_ref)
            if "Modified_Time" in fields:
                record["Modified_Time"] = ctx.now()
            store[record_id] = record
            ctx.org_data.version += 1
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
            refused = refusal(store[record_id], "delete", index=None, url_id=url_id)
            if refused is not None:
                code, message, details, _ = refused
                results.append(
                    {"code": code, "details": details, "message": message, "status": "error"}
                )
                continue
            del store[record_id]
            _clear_references(ctx, module, record_id)
            ctx.org_data.version += 1
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
    """Empty the lookups that pointed at a deleted record (a new dict per changed record:
    stored records are shared with the pristine seed and never changed in place)."""
    for other_module, fd in ctx.schema.referencing(module):
        store = ctx.org_data.records[other_module]
        for rid, rec in list(store.items()):
            ref = rec.get(fd.api_name)
            if not (isinstance(ref, dict) and ref.get("id") == record_id):
                continue
            if fd.lookup_module == schema.SE_MODULE and rec.get("$se_module") != module:
                continue
            changed = {**rec, fd.api_name: None}
            if fd.lookup_module == schema.SE_MODULE:
                changed["$se_module"] = None
            store[rid] = changed


def update_record(ctx: Ctx, module: str, record_id: str) -> Response:
    return update_records(ctx, module, record_id)


def delete_record(ctx: Ctx, module: str, record_id: str) -> Response:
    return delete_records(ctx, module, record_id)
