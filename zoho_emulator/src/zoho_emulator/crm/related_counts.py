"""``POST {Module}/{id}/actions/get_related_records_count``: how many records each of the
asked related lists of one record holds, in one call (Zoho CRM v8 "Get Related Records
Count of a Record"; the SDK's ``get_related_records_count`` package).

Request ``{"get_related_records_count": [{"related_list": {"api_name": "Contacts"}}, ...]}``
(each ``related_list`` names the list by ``api_name`` or ``id``; the SDK's body wrapper
takes at most 20 entries). Answer ``{"get_related_records_count": [...]}`` with, in the
order asked, ``{"count": 3, "related_list": {"api_name", "id"}}`` per list, or Zoho's
``{"code", "details", "message", "status": "error"}`` for an entry it refuses; 200 when
every entry counted, 207 when some did, 400 when none did. Which refusals and their
``details`` are the emulator's reading (zoho_emulator/README.md "Related records count").
"""

from __future__ import annotations

import json

from .. import schema
from ..web import Response, json_response
from .context import Ctx, module_scope_ok
from .errors import crm_error

KEY = "get_related_records_count"
MAX_LISTS = 20  # the SDK's BodyWrapper: max_length 20


def related_of(ctx: Ctx, module: str, record_id: str, rl: schema.RelatedList) -> list[dict]:
    """The records of related list ``rl`` of ``module``'s record ``record_id`` (under the
    state lock)."""
    fd = ctx.schema.fields(rl.module)[rl.field]
    return [
        rec
        for rec in ctx.org_data.records[rl.module].values()
        if isinstance(rec.get(rl.field), dict)
        and rec[rl.field].get("id") == record_id
        and (fd.lookup_module != schema.SE_MODULE or rec.get("$se_module") == module)
    ]


def _item_error(code: str, message: str, details: dict) -> dict:
    return {"code": code, "details": details, "message": message, "status": "error"}


def _body_error() -> Response:
    return crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})


def _read(ctx: Ctx):
    """(entries, error answer) from the request body."""
    raw = ctx.req.body
    try:
        payload = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return None, _body_error()
    if KEY not in payload:
        return None, crm_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            400,
            {"api_name": KEY, "json_path": f"$.{KEY}"},
        )
    entries = payload[KEY]
    if not isinstance(entries, list) or not entries:
        return None, crm_error(
            "INVALID_DATA",
            "invalid data",
            400,
            {"api_name": KEY, "json_path": f"$.{KEY}", "expected_data_type": "jsonarray"},
        )
    if len(entries) > MAX_LISTS:
        return None, crm_error(
            "LIMIT_EXCEEDED",
            "the number of related lists exceeds the limit",
            400,
            {"api_name": KEY, "json_path": f"$.{KEY}", "limit": MAX_LISTS},
        )
    return entries, None


def _find(lists: list[schema.RelatedList], entry, index: int):
    """(related list, error item) for one entry of the body."""
    path = f"$.{KEY}[{index}].related_list"
    ref = entry.get("related_list") if isinstance(entry, dict) else None
    if not isinstance(ref, dict):
        return None, _item_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "related_list", "json_path": path},
        )
    api_name, list_id = ref.get("api_name"), ref.get("id")
    if api_name in (None, "") and list_id in (None, ""):
        return None, _item_error(
            "EXPECTED_FIELD_MISSING",
            "one of the expected field is missing",
            {
                "expected_fields": [
                    {"api_name": "id", "json_path": f"{path}.id"},
                    {"api_name": "api_name", "json_path": f"{path}.api_name"},
                ]
            },
        )
    found = None
    if list_id not in (None, ""):
        found = next((rl for rl in lists if rl.list_id == str(list_id)), None)
        if found is None or (
            api_name not in (None, "") and str(api_name).lower() != found.api_name.lower()
        ):
            return None, _item_error(
                "INVALID_DATA",
                "the related list given seems to be invalid",
                {"api_name": "id", "json_path": f"{path}.id"},
            )
    else:
        found = next((rl for rl in lists if rl.api_name.lower() == str(api_name).lower()), None)
        if found is None:
            return None, _item_error(
                "INVALID_DATA",
                "the related list given seems to be invalid",
                {"api_name": "api_name", "json_path": f"{path}.api_name"},
            )
    return found, None


def related_records_count(ctx: Ctx, module: str, record_id: str) -> Response:
    entries, err = _read(ctx)
    if err:
        return err
    lists = schema.related_lists(ctx.schema, module)
    results: list[dict] = []
    with ctx.emu.state.lock:
        if ctx.org_data.records[module].get(record_id) is None:
            return crm_error(
                "INVALID_DATA",
                "the id given seems to be invalid",
                400,
                {"resource_path_index": 1},
            )
        for index, entry in enumerate(entries):
            rl, error = _find(lists, entry, index)
            if error is None and not rl.href:  # no records API (Emails): nothing to count
                error = _item_error(
                    "NOT_SUPPORTED",
                    "the related list is not supported",
                    {"api_name": "api_name", "json_path": f"$.{KEY}[{index}].related_list"},
                )
            if error is None and not module_scope_ok(ctx.at.scopes, rl.module.lower(), "READ"):
                error = _item_error(
                    "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", {}
                )
            if error is None:
                denied = ctx.denied(rl.module, "READ")
                if denied is not None:
                    error = json.loads(denied.body)
            if error is not None:
                results.append(error)
                continue
            results.append(
                {
                    "count": len(related_of(ctx, module, record_id, rl)),
                    "related_list": {"api_name": rl.api_name, "id": rl.list_id},
                }
            )
    ok = sum(1 for r in results if "count" in r)
    status = 200 if ok == len(results) else 400 if ok == 0 else 207
    return json_response({KEY: results}, status)
