"""``GET {Module}/{id}/{related_list}``: the records of a related list of one record."""

from __future__ import annotations

from .. import schema
from ..web import Response
from .context import MAX_PER_PAGE, Ctx, int_param, module_scope_ok
from .errors import crm_error, not_supported, param_missing, scope_mismatch
from .records import full_key, paginate, parse_fields
from .related_counts import related_of


def related_records(ctx: Ctx, module: str, record_id: str, related: str) -> Response:
    lists = {rl.api_name.lower(): rl for rl in schema.related_lists(ctx.schema, module)}
    rl = lists.get(related.lower())
    if rl is None:
        return crm_error(
            "INVALID_DATA",
            "the related list name given seems to be invalid",
            400,
            {"resource_path_index": 2},
        )
    if not rl.href:
        return not_supported({"resource_path_index": 2})
    if not module_scope_ok(ctx.at.scopes, rl.module.lower(), "READ"):
        return scope_mismatch()
    denied = ctx.denied(rl.module, "READ")
    if denied is not None:
        return denied
    raw_fields = ctx.req.arg("fields")
    if raw_fields is None or not raw_fields.strip():
        return param_missing("fields")  # v8: fields is mandatory here as on lists
    fields, err = parse_fields(ctx, rl.module, raw_fields)
    if err:
        return err
    page, err = int_param(ctx.req, "page", 1)
    if err:
        return err
    per_page, err = int_param(ctx.req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    with ctx.emu.state.lock:
        parent = ctx.org_data.records[module].get(record_id)
        if parent is None:
            return crm_error(
                "INVALID_DATA",
                "the id given seems to be invalid",
                400,
                {"resource_path_index": 1},
            )
        records = related_of(ctx, module, record_id, rl)
    records.sort(key=full_key(ctx, rl.module, "id"), reverse=True)
    return paginate(
        ctx,
        rl.module,
        records,
        fields,
        page,
        per_page,
        None,
        "desc",
        binding=("related", module, record_id, rl.api_name),
        page_raw=ctx.req.arg("page"),
    )
