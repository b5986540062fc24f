"""Custom views: ``GET settings/custom_views`` (a module's views), ``GET
settings/custom_views/{id}`` (one view with its criteria) and the view predicate that Get
Records, Search Records and Record Count apply for ``cvid`` (``custom_views.json``,
``record.json``, ``record_count.json`` in ``zoho/crm-oas`` v8.0).

Every record module has Zoho's system views ("All Leads", "My Leads", "Recently Created
Leads", "Recently Modified Leads"); Leads and Deals have a few more, among them one a user
made ("Contacted and qualified", shared with the whole org). Ids are stable per org and
module, so a portal link naming a view keeps working across emulator restarts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from .. import schema, seed
from ..web import Response, json_response
from .context import Ctx, int_param
from .errors import crm_error, invalid_module, param_missing

# Zoho's own placeholders in a system view's criteria.
CURRENT_USER = "${CURRENTUSER}"
LAST_7_DAYS = "${LAST7DAYS}"


@dataclass(frozen=True)
class View:
    id: str
    name: str
    display_value: str
    system_name: str | None
    criteria: dict | None  # Zoho's criteria JSON (see _leaf / _group), None: every record
    default: bool = False
    system_defined: bool = True
    created_by: str | None = None  # a user's email: a view someone made (else a system view)
    sort_by: str = "Created_Time"
    sort_order: str = "desc"


def _leaf(mod: schema.ModuleDef, api_name: str, comparator: str, value) -> dict:
    fd = mod.fields.get(api_name)
    return {
        "comparator": comparator,
        "field": {"api_name": api_name, "id": fd.field_id if fd else None},
        "value": value,
        "group_operator": None,
        "group": [],
    }


def _group(operator: str, *parts: dict) -> dict:
    return {
        "comparator": None,
        "field": {"api_name": None, "id": None},
        "value": None,
        "group_operator": operator,
        "group": list(parts),
    }


def _view_id(org: seed.Org, mod: schema.ModuleDef, index: int) -> str:
    # 19 digits like every Zoho id of the org; below the users' and records' ranges
    return f"{org.id_prefix}000000{87501 + mod.sequence * 20 + index:06d}"


def module_views(org: seed.Org, mod: schema.ModuleDef) -> list[View]:
    """The views of one module, in Zoho's order (the default first)."""
    plural = mod.plural
    views = [
        View("", f"All {plural}", f"All {plural}", "ALLVIEWS", None, default=True),
    ]
    if "Owner" in mod.fields:
        views.append(
            View(
                "",
                f"My {plural}",
                f"My {plural}",
                f"MY{mod.api_name.upper()}",
                _leaf(mod, "Owner", "equal", CURRENT_USER),
            )
        )
    if "Created_Time" in mod.fields:
        views.append(
            View(
                "",
                f"Recently Created {plural}",
                f"Recently Created {plural}",
                "RECENTLYCREATED",
                _leaf(mod, "Created_Time", "equal", LAST_7_DAYS),
            )
        )
    if "Modified_Time" in mod.fields:
        views.append(
            View(
                "",
                f"Recently Modified {plural}",
                f"Recently Modified {plural}",
                "RECENTLYMODIFIED",
                _leaf(mod, "Modified_Time", "equal", LAST_7_DAYS),
                sort_by="Modified_Time",
            )
        )
    if mod.api_name == "Leads":
        views.append(
            View(
                "",
                "Not Contacted Leads",
                "Not Contacted Leads",
                "NOTCONTACTED",
                _leaf(mod, "Lead_Status", "equal", "Not Contacted"),
            )
        )
        views.append(
            View(
                "",
                "Contacted and qualified",
                "Contacted and qualified",
                None,
                _group(
                    "or",
                    _leaf(mod, "Lead_Status", "equal", "Contacted"),
                    _leaf(mod, "Lead_Status", "equal", "Pre-Qualified"),
                ),
                system_defined=False,
                created_by=seed.org_users(org.zgid)[0].email,
            )
        )
    if mod.api_name == "Deals":
        views.append(
            View(
                "",
                "Open Deals",
                "Open Deals",
                "OPENDEALS",
                _leaf(
                    mod,
                    "Stage",
                    "not_in",
                    ["Closed Won", "Closed Lost", "Closed-Lost to Competition"],
                ),
            )
        )
    return [replace(v, id=_view_id(org, mod, i)) for i, v in enumerate(views)]


def find_view(ctx: Ctx, module: str, view_id: str) -> View | None:
    mod = ctx.schema.module(module)
    if mod is None:
        return None
    return next((v for v in module_views(ctx.org, mod) if v.id == view_id), None)


# ------------------------------------------------------------------------------ criteria
def view_predicate(ctx: Ctx, module: str, view: View) -> Callable[[dict], bool]:
    """Whether a record is in the view, for the asking user (``${CURRENTUSER}``)."""
    if view.criteria is None:
        return lambda rec: True
    fields = ctx.schema.fields(module)
    me = ctx.user_ref["id"]
    now = time.time()

    def compile_node(node: dict) -> Callable[[dict], bool]:
        if node.get("group"):
            parts = [compile_node(n) for n in node["group"]]
            if (node.get("group_operator") or "and").lower() == "or":
                return lambda rec: any(p(rec) for p in parts)
            return lambda rec: all(p(rec) for p in parts)
        api_name = node["field"]["api_name"]
        fd = fields.get(api_name)
        comparator, value = node["comparator"], node["value"]
        if fd is not None and fd.data_type == "datetime" and value == LAST_7_DAYS:

            def recent(rec):
                parsed = schema.parse_datetime(rec.get(api_name) or "")
                return parsed is not None and parsed.timestamp() >= now - 7 * 86400

            return recent
        wanted = value if isinstance(value, list) else [value]
        wanted = {me if w == CURRENT_USER else str(w).lower() for w in wanted}

        def value_of(rec):
            got = rec.get(api_name)
            if isinstance(got, dict):  # a lookup or the owner: by id
                return str(got.get("id", ""))
            return str(got).lower() if got is not None else None

        if comparator in ("equal", "in"):
            return lambda rec: value_of(rec) in wanted
        return lambda rec: value_of(rec) not in wanted  # not_equal, not_in

    return compile_node(view.criteria)


def cvid_predicate(ctx: Ctx, module: str):
    """(predicate, None) for the request's ``cvid`` (None: no cvid), or (None, error):
    an id that names no view of the module is Zoho's INVALID_DATA naming ``cvid``."""
    raw = ctx.req.arg("cvid")
    if raw is None or raw == "":
        return None, None
    view = find_view(ctx, module, raw.strip())
    if view is None:
        return None, crm_error(
            "INVALID_DATA", "invalid data", 400, {"param_name": "cvid", "expected_data_type": "id"}
        )
    return (view, view_predicate(ctx, module, view)), None


# ------------------------------------------------------------------------------ answers
TRANSLATION = {
    "public_views": "Public Views",
    "other_users_views": "Other Users' Views",
    "shared_with_me": "Shared With Me",
    "created_by_me": "Created By Me",
}


def view_json(ctx: Ctx, mod: schema.ModuleDef, view: View) -> dict:
    creator = None
    if view.created_by:
        user = next(u for u in seed.org_users(ctx.org.zgid) if u.email == view.created_by)
        creator = {
            "name": user.full_name,
            "id": user.crm_ids[ctx.org.zgid],
            "email": user.email,
        }
    mine = view.created_by == ctx.user.email
    sort_field = mod.fields.get(view.sort_by)
    name_field = mod.name_field
    columns = [n for n in (name_field, "Owner", "Created_Time") if n and n in mod.fields]
    return {
        "display_value": view.display_value,
        "system_name": view.system_name,
        "category": "created_by_me" if mine else "public_views",
        "created_time": None if creator is None else "2025-01-14T10:02:11+00:00",
        "modified_time": None,
        "last_accessed_time": None,
        "name": view.name,
        "created_by": creator,
        "modified_by": None,
        "module": {"name": mod.api_name, "id": mod.module_id},
        "criteria": view.criteria,
        "default": view.default,
        "system_defined": view.system_defined,
        "locked": False,
        "favorite": None,
        "offline": False,
        "access_type": "public",
        "shared_to": [],
        "fields": [
            {"id": mod.fields[n].field_id, "api_name": n, "_pin": i == 0}
            for i, n in enumerate(columns)
        ],
        "sort_by": {"id": sort_field.field_id, "api_name": view.sort_by} if sort_field else None,
        "sort_order": view.sort_order,
        "id": view.id,
    }


def _module_of(ctx: Ctx):
    raw = ctx.req.arg("module")
    if not raw:
        return None, param_missing("module")
    mod = ctx.schema.record_module(raw)
    if mod is None or mod.parent_module:
        return None, invalid_module({"param_name": "module"})
    denied = ctx.denied(mod.api_name, "READ")
    if denied is not None:
        return None, denied
    return mod, None


def custom_views(ctx: Ctx) -> Response:
    """``GET settings/custom_views?module=`` (``page``, ``per_page``: at most 200)."""
    mod, err = _module_of(ctx)
    if err:
        return err
    page, err = int_param(ctx.req, "page", 1)
    if err:
        return err
    per_page, err = int_param(ctx.req, "per_page", 200, 200)
    if err:
        return err
    views = module_views(ctx.org, mod)
    shown = views[(page - 1) * per_page : page * per_page]
    return json_response(
        {
            "custom_views": [view_json(ctx, mod, v) for v in shown],
            "info": {
                "per_page": per_page,
                "count": len(shown),
                "page": page,
                "more_records": page * per_page < len(views),
                "default": views[0].id,
                "translation": TRANSLATION,
            },
        }
    )


def custom_view(ctx: Ctx, view_id: str) -> Response:
    """``GET settings/custom_views/{id}?module=``: one view, with its criteria."""
    mod, err = _module_of(ctx)
    if err:
        return err
    view = find_view(ctx, mod.api_name, view_id)
    if view is None:
        return crm_error("INVALID_DATA", "the id given seems to be invalid", 400, {"id": view_id})
    answer = view_json(ctx, mod, view)
    return json_response(
        {
            "custom_views": [answer],
            "info": {
                "per_page": 1,
                "count": 1,
                "page": 1,
                "more_records": False,
                "default": module_views(ctx.org, mod)[0].id,
                "translation": TRANSLATION,
            },
        }
    )
