"""The CRM v8 URL table: which handler answers which path, and the scopes each needs.

``handle()`` authenticates the access token, finds the route for the path below
``/crm/v8/``, checks the method and the token's scopes, resolves the module and calls the
handler with a :class:`~.context.Ctx`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..web import Request, Response
from . import (
    bulk,
    bulk_write,
    coql,
    custom_views,
    files,
    metadata,
    photos,
    records,
    related,
    related_counts,
    search,
    users,
)
from .context import MODULE_OPS, Ctx, has_scope, module_scope_ok
from .errors import (
    invalid_method,
    invalid_module,
    invalid_token,
    invalid_url,
    not_supported,
    scope_mismatch,
)

API_PREFIX = "/crm/v8/"


def any_scope(*accepted: str):
    """A scope rule: the token holds one of ``accepted`` (case-insensitive)."""

    def rule(scopes, method: str, module: str | None, req=None) -> bool:
        return has_scope(scopes, *accepted)

    return rule


SEARCH_SCOPES = ("ZohoSearch.securesearch.READ", "ZohoSearch.securesearch.ALL")


def search_scope(count: bool = False):
    """Search needs ``ZohoSearch.securesearch.READ`` besides the module's READ scope (v8
    "Search Records"); a count needs it too when it searches (criteria/email/phone/word)."""
    module_rule = module_scope("READ")

    def rule(scopes, method: str, module: str | None, req=None) -> bool:
        if not module_rule(scopes, method, module):
            return False
        if (
            count
            and req is not None
            and not any(
                req.arg(name) is not None for name in ("criteria", "email", "phone", "word")
            )
        ):
            return True
        return has_scope(scopes, *SEARCH_SCOPES)

    return rule


def module_scope(op: str | None = None):
    """A scope rule for record APIs: ``ZohoCRM.modules[.<module>].<op|ALL>``; the operation
    follows the HTTP method unless given (search is READ whatever the method)."""

    def rule(scopes, method: str, module: str | None, req=None) -> bool:
        return module_scope_ok(scopes, (module or "").lower(), op or MODULE_OPS[method])

    return rule


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern
    handlers: dict[str, Callable]  # HTTP method -> handler(ctx, **path_params)
    scopes: Callable  # rule(scopes, method, module, req) -> bool
    module_param: bool = False  # the path's first segment names a module
    op: str | None = None  # the profile permission checked (None: by HTTP method)


def _route(
    path: str, handlers: dict, scopes, *, module: bool = False, op: str | None = None
) -> Route:
    regex = "^" + re.sub(
        r"\{(\w+)(?::([^}]+))?\}", lambda m: f"(?P<{m[1]}>{m[2] or '[^/]+'})", path
    )
    return Route(re.compile(regex + "$"), handlers, scopes, module, op)


def files_scope(scopes, method: str, module: str | None, req=None) -> bool:
    """``files.json``: Upload Files needs ``ZohoCRM.files.CREATE``, Get File
    ``ZohoCRM.files.READ`` (``ZohoCRM.files.ALL`` covers both)."""
    op = "CREATE" if method == "POST" else "READ"
    return has_scope(scopes, f"ZohoCRM.files.{op}", "ZohoCRM.files.ALL")


SETTINGS_FIELDS = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.fields.READ",
    "ZohoCRM.settings.fields.ALL",
)
SETTINGS_LAYOUTS = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.layouts.READ",
    "ZohoCRM.settings.layouts.ALL",
)
SETTINGS_RELATED_LISTS = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.related_lists.READ",
    "ZohoCRM.settings.related_lists.ALL",
)
SETTINGS_CUSTOM_VIEWS = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.custom_views.READ",
    "ZohoCRM.settings.custom_views.ALL",
)
SETTINGS_MODULES = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.settings.modules.READ",
    "ZohoCRM.settings.modules.ALL",
)

# First match wins: fixed paths before the module catch-alls.
ROUTES: list[Route] = [
    _route("users", {"GET": users.users}, any_scope("ZohoCRM.users.READ", "ZohoCRM.users.ALL")),
    _route("org", {"GET": users.org}, any_scope("ZohoCRM.org.READ", "ZohoCRM.org.ALL")),
    _route("settings/modules", {"GET": metadata.modules}, any_scope(*SETTINGS_MODULES)),
    _route("settings/fields", {"GET": metadata.fields}, any_scope(*SETTINGS_FIELDS)),
    _route("settings/layouts", {"GET": metadata.layouts}, any_scope(*SETTINGS_LAYOUTS)),
    _route(
        "settings/related_lists",
        {"GET": metadata.related_lists},
        any_scope(*SETTINGS_RELATED_LISTS),
    ),
    _route(
        "settings/custom_views",
        {"GET": custom_views.custom_views},
        any_scope(*SETTINGS_CUSTOM_VIEWS),
    ),
    _route(
        "settings/custom_views/{view_id:\\d+}",
        {"GET": custom_views.custom_view},
        any_scope(*SETTINGS_CUSTOM_VIEWS),
    ),
    _route("settings/{rest:.*}", {}, any_scope()),  # other settings: unknown URL
    # COQL: the query's module (its READ scope, the profile) is checked by the handler.
    _route("coql", {"POST": coql.run_query}, any_scope("ZohoCRM.coql.READ")),
    _route(
        "{module}/search", {"GET": search.search_records}, search_scope(), module=True, op="READ"
    ),
    _route(
        "{module}/actions/count",
        {"GET": search.count_records},
        search_scope(count=True),
        module=True,
        op="READ",
    ),
    _route(
        "{module}/{record_id:\\d+}",
        {"GET": records.get_record, "PUT": records.update_record, "DELETE": records.delete_record},
        module_scope(),
        module=True,
    ),
    _route("files", {"GET": files.get_file, "POST": files.upload_files}, files_scope),
    # Bulk Write's Upload File (Zoho serves it on its file-upload host)
    _route("upload", {"POST": bulk_write.upload_file}, any_scope(*bulk_write.UPLOAD_SCOPES)),
    _route(
        "{module}/{record_id:\\d+}/photo",
        # Upload and Delete Photo also need the profile's Edit (photos.py checks it).
        {"GET": photos.get_photo, "POST": photos.upload_photo, "DELETE": photos.delete_photo},
        module_scope(),
        module=True,
    ),
    _route(
        "{module}/{record_id:\\d+}/actions/download_fields_attachment",
        {"GET": files.download_field_attachment},
        module_scope("READ"),
        module=True,
        op="READ",
    ),
    _route(
        "{module}/{record_id:\\d+}/actions/get_related_records_count",
        {"POST": related_counts.related_records_count},
        module_scope("READ"),
        module=True,
        op="READ",
    ),
    _route(
        "{module}/{record_id:\\d+}/{related}",
        {"GET": related.related_records},
        module_scope("READ"),
        module=True,
        op="READ",
    ),
    _route(
        "{module}",
        {
            "GET": records.list_records,
            "POST": records.create_records,
            "PUT": records.update_records,
            "DELETE": records.delete_records,
        },
        module_scope(),
        module=True,
    ),
]


def authenticate(emu, dc: str, req: Request):
    """The live access token of this request for ``dc``, else ``None``."""
    auth = req.header("Authorization") or ""
    if not auth.startswith("Zoho-oauthtoken "):
        return None
    value = auth[len("Zoho-oauthtoken ") :].strip()
    at = emu.state.access_tokens.get(value)
    if at is None or not at.alive(time.time()) or at.dc != dc:
        return None
    return at


def handle(emu, dc: str, subpath: str, req: Request) -> Response:
    with emu.state.lock:
        at = authenticate(emu, dc, req)
        if at is None:
            return invalid_token()
        ctx = Ctx(emu, at, req)
    if subpath.startswith(bulk.PREFIX):  # Bulk Read and Bulk Write (crm/bulk.py)
        return bulk.handle(ctx, subpath[len(bulk.PREFIX) :])
    if not subpath.startswith(API_PREFIX):
        return invalid_url()
    path = "/".join(p for p in subpath[len(API_PREFIX) :].split("/") if p != "")
    for route in ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        params = match.groupdict()
        params.pop("rest", None)
        if not route.handlers:
            return invalid_url()
        method = req.method
        handler = route.handlers.get(method)
        if handler is None:
            return invalid_method()
        raw_module = params.get("module")
        if not route.scopes(at.scopes, method, raw_module, req):
            return scope_mismatch()
        if route.module_param:
            mod = ctx.schema.module(raw_module)
            if mod is None:
                return invalid_module()
            if not mod.api_supported or (
                method != "GET" and route.op != "READ" and not mod.creatable
            ):
                return not_supported()
            params["module"] = mod.api_name
            denied = ctx.denied(mod.api_name, route.op or MODULE_OPS[method])
            if denied is not None:
                return denied
        return handler(ctx, **params)
    return invalid_url()
