"""Metadata: ``settings/modules``, ``settings/fields``, ``settings/layouts`` and
``settings/related_lists``."""

from __future__ import annotations

from .. import schema
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
    return json_response({"fields": schema.field_metadata(ctx.schema, mod.api_name)})


def layouts(ctx: Ctx) -> Response:
    mod, err = _module_param(ctx, ctx.schema.record_module)
    if err:
        return err
    return json_response({"layouts": [schema.layout_json(mod)]})


def related_lists(ctx: Ctx) -> Response:
    mod, err = _module_param(ctx, ctx.schema.record_module)
    if err:
        return err
    lists = schema.related_lists(ctx.schema, mod.api_name)
    return json_response(
        {"related_lists": [schema.related_list_json(mod.api_name, rl, ctx.schema) for rl in lists]}
    )
