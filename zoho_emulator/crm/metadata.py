"""Metadata: ``settings/modules`` and ``settings/fields``."""

from __future__ import annotations

from .. import schema
from ..web import Response, json_response
from .context import Ctx
from .errors import invalid_module, param_missing


def modules(ctx: Ctx) -> Response:
    return json_response({"modules": schema.module_metadata()})


def fields(ctx: Ctx) -> Response:
    raw = ctx.req.arg("module")
    if not raw:
        return param_missing("module")
    module = schema.canonical_module(raw)
    if module is None:
        return invalid_module({"param_name": "module"})
    return json_response({"fields": schema.field_metadata(module)})
