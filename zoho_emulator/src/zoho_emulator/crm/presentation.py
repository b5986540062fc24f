"""How the API shows a stored record: what the list, get, search and page answers share."""

from __future__ import annotations

import json

from .. import field_rules, schema
from .context import Ctx


def present(ctx: Ctx, module: str, rec: dict, fields: list[str] | None) -> dict:
    """The record as the API shows it: the asked ``fields`` (all when ``None``) and ``id``;
    ``$se_module`` beside a What_Id/Parent_Id, ``$line_tax`` on full inventory records."""
    out = {}
    fdefs = ctx.schema.fields(module)
    names = fields if fields is not None else list(fdefs.keys())
    hidden = field_rules.hidden_fields(ctx.user.profile, module)
    for name in names:
        if name in hidden:
            continue  # a field the user's profile hides is never answered
        value = rec.get(name)
        out[name] = json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value
        fd = fdefs.get(name)
        if fd is not None and fd.lookup_module == schema.SE_MODULE:
            out["$se_module"] = rec.get("$se_module") if value is not None else None
    if fields is None and "$line_tax" in rec:
        out["$line_tax"] = json.loads(json.dumps(rec["$line_tax"]))
    out["id"] = rec["id"]
    return out
