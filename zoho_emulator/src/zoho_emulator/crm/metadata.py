"""Metadata: ``settings/modules``, ``settings/fields``, ``settings/layouts`` and
``settings/related_lists``."""

from __future__ import annotations

from .. import field_rules, profiles, schema
from ..layouts import layouts_json
from ..web import Response, json_response
from .context import Ctx
from .errors import invalid_module, param_missing


def modules(ctx: Ctx) -> Response:
    return json_response({"modules": schema.module_metadata(ctx.schema, ctx.module_access)})


def _module_param(ctx: Ctx, lookup):
    raw = ctx.req.arg("module")
    if not raw:
        return None, param_missing("module")
    mod = lookup(raw)
    if mod is None:
        return None, invalid_module({"param_name": "module"})
    parent = mod.parent_module or mod.api_name  # a subform belongs to its module
    denied = ctx.denied(parent, "READ")
    if denied is not None:
        return None, denied
    return mod, None


def fields(ctx: Ctx) -> Response:
    mod, err = _module_param(ctx, ctx.schema.fields_module)
    if err:
        return err
    entries = schema.field_metadata(ctx.schema, mod.api_name)
    for entry in entries:
        _with_permissions(ctx, mod.parent_module or mod.api_name, entry)
    return json_response({"fields": entries})


def _with_permissions(ctx: Ctx, module: str, entry: dict) -> None:
    """A field's ``profiles`` (every profile's ``permission_type``), and ``read_only``
    true when the field is read-only "for the current user" (getFields) by their profile."""
    zgid = ctx.org.zgid
    entry["profiles"] = profiles.profiles_json(zgid, module, entry["api_name"])
    if field_rules.permission(ctx.user.profile, module, entry["api_name"]) != "read_write":
        entry["read_only"] = True


def layouts(ctx: Ctx) -> Response:
    mod, err = _module_param(ctx, ctx.schema.record_module)
    if err:
        return err
    answer = layouts_json(mod, ctx.org_data.layout_required)
    zgid = ctx.org.zgid
    for layout in answer:
        layout["profiles"] = [
            {"name": name, "id": profiles.profile_id(zgid, name), "default": True}
            for name in profiles.org_profiles(zgid)
        ]
        for section in layout["sections"]:
            for entry in section["fields"]:
                _with_permissions(ctx, mod.api_name, entry)
    return json_response({"layouts": answer})


def related_lists(ctx: Ctx) -> Response:
    mod, err = _module_param(ctx, ctx.schema.record_module)
    if err:
        return err
    lists = schema.related_lists(ctx.schema, mod.api_name)
    return json_response(
        {"related_lists": [schema.related_list_json(mod.api_name, rl, ctx.schema) for rl in lists]}
    )
