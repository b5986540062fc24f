"""The org's metadata, cached: modules, their fields (as `crm.modules.Module`), layouts and
sections, users. Shared by every connection of one org and Zoho profile, every worker and
every host (`core.cache`, under the connection's `metadata_scope`: `zoho.metadata_scope`),
and kept a few seconds in each process, so a warm request neither reads the shared cache
nor rebuilds a module.

Zoho's settings APIs have no change signal: entries live `ZOHO_METADATA_TTL` seconds, an
operator can drop an org's (`metadata_refresh`, the admin's "Refresh Zoho metadata"), and
an answer of Zoho's naming a field or layout the cached metadata does not know drops them
once (`refresh_if_stale`)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.core.cache import cache

from accounts.models import ZohoConnection
from core.cache import CACHE_ERRORS, MISSING, cache_get, cache_set, get_or_set_once
from core.errors import AppError, ErrorCode
from crm import compound_values
from crm.fields import Field
from crm.modules import Module
from crm.zoho import metadata as zoho_metadata
from zoho import metadata_scope

logger = logging.getLogger("zohoportal.crm")


# --- metadata -----------------------------------------------------------------------------
def metadata_key(connection: ZohoConnection, *parts: str) -> str:
    """The cache key of one piece of a connection's metadata: its scope (SDK version, data
    center, org, the org's generation, Zoho profile) and what it is (`modules`,
    `fields:Leads`, …)."""
    return scope_key(connection.metadata_scope, *parts)


def scope_key(scope: str, *parts: str) -> str:
    """`metadata_key` of a metadata scope (`zoho.metadata_scope.scope`)."""
    return ":".join(("crm:meta", scope, *parts))


def cached(key: str, load):
    """Shared by every worker on every host; one of them loads a key the others miss.

    Each process also keeps what it read for LOCAL_TTL seconds (`_local`): a warm request
    then neither reads the shared cache nor rebuilds a module's fields.
    """
    return _local(key, lambda: get_or_set_once(key, load, metadata_scope.ttl()))


LOCAL_TTL = 5.0


LOCAL_MAX = 4096


_memo: dict[str, tuple[float, object]] = {}


def _local(key: str, build):
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = build()
    if len(_memo) >= LOCAL_MAX:
        _memo.clear()  # bounded; it only saves work
    _memo[key] = (now + LOCAL_TTL, value)
    return value


def forget_local() -> None:
    """Drop this process's copies (tests that change the shared cache behind its back)."""
    _memo.clear()
    metadata_scope.forget_local()


def _org_modules(connection: ZohoConnection) -> list[dict]:
    """Every module of the org as Zoho describes it to this user (cached)."""
    return cached(
        metadata_key(connection, "modules"), lambda: zoho_metadata.get_modules(connection)
    )


def modules_keep(connection: ZohoConnection, modules: object) -> None:
    """Keep the org's modules as Zoho described them to `connection`'s profile, read at its
    sign-in (`accounts.sign_in_prefetch`): its first page finds them in the shared cache."""
    if isinstance(modules, list):
        cache_set(metadata_key(connection, "modules"), modules, metadata_scope.ttl())


def modules_held(scopes: Sequence[str]) -> bool:
    """Whether the shared cache holds the org's modules for every one of these metadata
    scopes (`zoho.metadata_scope`)."""
    keys = [scope_key(scope, "modules") for scope in scopes]
    try:
        found = cache.get_many(keys)
    except CACHE_ERRORS:
        return False
    return all(isinstance(found.get(key), list) for key in keys)


def module_list(*, connection: ZohoConnection) -> list[dict]:
    """The modules this user may see and Zoho's API supports, in Zoho's order."""
    return [m for m in _org_modules(connection) if m["api_supported"] and m["viewable"]]


def module_tabs(*, connection: ZohoConnection) -> list[dict]:
    """The modules shown as tabs (list pages, the header, the dashboard): those of
    `module_list` Zoho shows as tabs. Notes and Attachments (`system_hidden`), hidden ones
    and line-item modules are reached from their records instead."""
    return [m for m in module_list(connection=connection) if m.get("tab", True)]


def require_tab(*, connection: ZohoConnection, module: Module) -> None:
    """A list page exists only for a tab: other modules' records are reached from the
    records they belong to (their related lists)."""
    if not module.tab:
        raise AppError(
            ErrorCode.NOT_FOUND,
            f"{module.label} have no list of their own in Zoho: open them from the record "
            "they belong to (its related lists).",
        )


def module_get(*, connection: ZohoConnection, module: str) -> Module:
    """A module with its field metadata (cached); 403 when the user's profile may not see
    it, 400 for a name the org does not have or Zoho's API does not support."""
    if not isinstance(module, str) or len(module) > 100:
        raise AppError(ErrorCode.INVALID_MODULE, "Unknown module.")
    found = next((m for m in _org_modules(connection) if m["api_name"] == module), None)
    if found is None:
        raise AppError(ErrorCode.INVALID_MODULE, f"Unknown module {module[:50]!r}.")
    if not found["api_supported"]:
        raise AppError(
            ErrorCode.INVALID_MODULE, f"{found['label']} cannot be used through Zoho's API."
        )
    if not found["viewable"]:
        raise AppError(
            ErrorCode.NO_PERMISSION, f"Your Zoho profile does not allow access to {found['label']}."
        )
    key = metadata_key(connection, "fields", module)
    return _local(f"{key}:built", lambda: _build(found, key, connection))


def _build(found: dict, key: str, connection: ZohoConnection) -> Module:
    module = found["api_name"]
    metadata = cached(key, lambda: zoho_metadata.get_fields(connection, module))
    # Whose permissions count only matters when some profile is restricted on a field.
    restricted = any(
        entry.get("permission") not in (None, "read_write")
        for meta in metadata
        for entry in meta.get("profiles") or ()
    )
    profile = user_profile(connection=connection) if restricted else None
    fields = [Field.from_metadata(meta, profile) for meta in metadata]
    static = {m["api_name"]: m.get("static_fields") for m in _org_modules(connection)}
    fields = compound_values.with_subform_fields(  # a subform's rows are checked by its fields
        fields,
        lambda sub: [
            Field.from_metadata(meta, profile)
            for meta in cached(
                metadata_key(connection, "fields", sub),
                lambda: zoho_metadata.get_fields(connection, sub),
            )
        ],
        static,
    )
    return Module(
        api_name=module,
        label=found["label"],
        singular_label=found["singular_label"],
        fields=tuple(f for f in fields if not f.hidden),
        creatable=found["creatable"],
        editable=found["editable"],
        deletable=found["deletable"],
        custom=found["custom"],
        tab=found.get("tab", True),
        hidden=frozenset(f.api_name for f in fields if f.hidden),
    )


def user_profile(*, connection: ZohoConnection) -> dict | None:
    """The signed-in user's Zoho profile ({"id", "name"}): as Zoho said at sign-in (what the
    metadata is shared by), else from the org's users (cached)."""
    if connection.zoho_profile_id:
        return {"id": connection.zoho_profile_id, "name": connection.zoho_profile_name}
    me = next(
        (u for u in user_list(connection=connection) if u["id"] == connection.zoho_user_id),
        None,
    )
    return (me or {}).get("profile")


def module_layouts(*, connection: ZohoConnection, module: str) -> list[dict]:
    """The module's active layouts, the default one first (cached)."""
    return cached(
        metadata_key(connection, "layouts", module),
        lambda: zoho_metadata.get_layouts(connection, module),
    )


# Errors that stop the record page: the record itself, the connection or Zoho failed.
# Any other (the user may not read that list, or Zoho refuses to list it) leaves the list out.
NOT_ABOUT_THE_LIST = frozenset(
    {"NOT_FOUND", "NOT_SIGNED_IN", "THROTTLED", "ZOHO_ERROR", "ZOHO_TIMEOUT"}
)


def with_layout(*, connection: ZohoConnection, module: Module, layout: str | None) -> Module:
    """`module` as a record in `layout` (an id; None: the default, Zoho's first) sees it:
    each field required as that layout makes it (Zoho flags layout-mandatory fields in the
    layout, not in the field metadata). A layout the module does not have is a 400."""
    try:
        found = module_layouts(connection=connection, module=module.api_name)
    except AppError as error:
        if error.code in NOT_ABOUT_THE_LIST:  # the connection or Zoho failed: say so
            raise
        found = []  # Zoho describes no layout of this module: its field metadata counts
    if not found:
        if layout:
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"{module.label} have no layout {str(layout)[:30]!r}.",
                field="layout",
            )
        return module
    if layout in (None, ""):
        chosen = found[0]
    else:
        chosen = next((lay for lay in found if lay["id"] == str(layout)), None)
        if chosen is None:
            names = ", ".join(f"{lay['name']} ({lay['id']})" for lay in found)
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"{module.label} have no layout {str(layout)[:30]!r}: choose one of {names}.",
                field="layout",
            )
    required = {name for section in chosen["sections"] for name in section.get("required", ())}
    fields = tuple(replace(f, required=f.required or f.api_name in required) for f in module.fields)
    return replace(module, fields=fields, layouts=tuple(found), layout_id=chosen["id"])


def user_list(*, connection: ZohoConnection) -> list[dict]:
    """The org's active users as {"id", "name", "email"} (cached): who may own a record."""
    return cached(metadata_key(connection, "users"), lambda: zoho_metadata.get_users(connection))


def module_list_if_cached(*, connection: ZohoConnection) -> list[dict] | None:
    """`module_list` when the shared cache holds the org's modules, else None: for the
    page chrome (the header's module tabs), which never calls Zoho by itself."""
    modules = cache_get(metadata_key(connection, "modules"))
    if modules is MISSING or not isinstance(modules, list):
        return None
    return [m for m in modules if m["api_supported"] and m["viewable"] and m.get("tab", True)]


OTHER_SECTION = "Other information"


@dataclass(frozen=True)
class Section:
    """A section of the module's layout, with the fields it shows."""

    label: str
    fields: tuple[Field, ...]


def module_sections(*, connection: ZohoConnection, module: Module) -> list[Section]:
    """The record page's sections, as Zoho's layout groups the fields (cached). Fields no
    section names (system fields such as Created Time) come last, under "Other
    information"; without a layout every field is in that one section."""
    if module.layout is not None:  # the layout chosen for this record (`with_layout`)
        layout = module.layout["sections"]
    else:
        found = module_layouts(connection=connection, module=module.api_name)
        layout = found[0]["sections"] if found else []  # the default layout
    placed: set[str] = set()
    sections = []
    for entry in layout:
        fields = [
            module.field(name)
            for name in entry["fields"]
            if module.field(name) is not None and name not in placed and name != "id"
        ]
        placed.update(f.api_name for f in fields)
        if fields:
            sections.append(Section(label=entry["label"], fields=tuple(fields)))
    rest = [f for f in module.fields if f.api_name not in placed and f.api_name != "id"]
    if rest:
        sections.append(Section(label=OTHER_SECTION, fields=tuple(rest)))
    return sections


# --- stale metadata: Zoho named something it does not describe ---------------------------
# At most one stale-driven refresh per org this often (seconds), and per unknown name once per
# ZOHO_METADATA_TTL: a name Zoho keeps sending without describing it never loops.
STALE_REFRESH_EVERY = 60


def refresh_if_stale(
    *,
    connection: ZohoConnection,
    module: Module,
    fields: tuple[str, ...] | list[str] = (),
    required: tuple[str, ...] | list[str] = (),
    layout: str | None = None,
) -> bool:
    """When an answer of Zoho's names a field (`fields`) or a layout (`layout`) that the cached
    metadata of `module` does not know, or says a field is mandatory (`required`) that it
    does not make so (in `module`'s layout), the metadata is stale (Zoho's settings APIs send no
    change signal): drop the org's, for every profile (`zoho.metadata_scope.org_refresh`), so
    the next read fetches it again. True when it was dropped: the caller may read again, once.

    Only for names that came from Zoho (a record's fields or layout, a write error's
    `api_name`), never from what a user typed. Bounded: one refresh per org every
    STALE_REFRESH_EVERY seconds, and one per unknown name per ZOHO_METADATA_TTL.
    """
    known = {f.api_name for f in module.fields} | set(module.hidden)
    unknown = sorted({name for name in fields if _is_field_name(name) and name not in known})
    if required:  # mandatory for Zoho, in none of the cached layouts nor the field metadata
        in_a_layout = _required_in_some_layout(connection, module)
        unknown += sorted(
            f"{name} (mandatory)"
            for name in set(required)
            if (field := module.field(name)) is not None
            and not field.required
            and name not in in_a_layout
        )
    if layout and not _layout_known(connection, module, str(layout)):
        unknown.append(f"layout {layout}")
    if not unknown:
        return False
    org = connection.org
    base = f"crm:meta-stale:{metadata_scope.sdk_version()}:{connection.data_center}:{org.zgid}"
    name = hashlib.sha256(f"{module.api_name}|{unknown[0]}".encode()).hexdigest()[:24]
    name_key = f"{base}:{name}"
    if not (_claim(name_key, metadata_scope.ttl()) and _claim(base, STALE_REFRESH_EVERY)):
        return False
    logger.info(
        "Zoho named %s of %s, unknown to the cached metadata of org %s: refreshing it",
        ", ".join(unknown[:5]),
        module.api_name,
        org.zgid,
    )
    metadata_scope.org_refresh(connection.data_center, org.zgid)
    return True


# Keys of a record that are not fields: Zoho's `$`-prefixed properties, and those every
# record carries besides its fields (the SDK's `Record` members).
NOT_FIELDS = frozenset({"id", "Tag", "Layout", "$se_module", "Record_Image"})


def _is_field_name(name) -> bool:
    return (
        isinstance(name, str)
        and bool(name)
        and not name.startswith("$")
        and name not in (NOT_FIELDS)
    )


def _required_in_some_layout(connection: ZohoConnection, module: Module) -> set[str]:
    try:
        found = module_layouts(connection=connection, module=module.api_name)
    except AppError:
        return set()
    return {n for lay in found for section in lay["sections"] for n in section.get("required", ())}


def _layout_known(connection: ZohoConnection, module: Module, layout: str) -> bool:
    try:
        found = module_layouts(connection=connection, module=module.api_name)
    except AppError:
        return True  # Zoho describes no layout of it: nothing to compare with
    return not found or any(entry["id"] == layout for entry in found)


def _claim(key: str, seconds: float) -> bool:
    """True for the first caller in the fleet within `seconds` (`cache.add`)."""
    try:
        return bool(cache.add(key, 1, seconds))
    except CACHE_ERRORS:
        return False  # no cache: no refresh driven by answers (the TTL still applies)
