"""The org's metadata through the SDK: modules, fields, layouts, related lists, users and
the org's currency, each as plain dicts."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsWrapper
from zohocrmsdk.src.com.zoho.crm.api.layouts import GetLayoutsParam, LayoutsOperations
from zohocrmsdk.src.com.zoho.crm.api.layouts import ResponseWrapper as LayoutsWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesWrapper
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.org import ResponseWrapper as OrgWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.related_lists import (
    GetRelatedListsParam,
    RelatedListsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.related_lists import ResponseWrapper as RelatedListsWrapper
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.users import ResponseWrapper as UsersWrapper

from accounts.models import ZohoConnection
from crm.zoho.errors import checked, text_of, zoho_failed
from crm.zoho.runner import run
from zoho import sdk as zoho_sdk

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


MAX_USER_PAGES = 10  # 2,000 users, 200 a page


# --- operations (each a function of one connection) ----------------------------------------
def get_modules(connection: ZohoConnection) -> list[dict]:
    """Every module of the org, with what this user's profile may do in it."""
    return run(connection, modules_here, operation="modules")


def modules_here() -> list[dict]:
    """`get_modules` inside a block the SDK already runs in: an activated connection's
    (`run`), or the sign-in's before its connection is stored (`accounts.sign_in_prefetch`)."""
    body = checked(ModulesOperations().get_modules())
    if not isinstance(body, ModulesWrapper):
        raise zoho_failed()
    return [
        {
            "api_name": m.get_api_name(),
            "label": m.get_plural_label() or m.get_api_name(),
            "singular_label": m.get_singular_label() or m.get_api_name(),
            "api_supported": bool(m.get_api_supported()),
            # Zoho answers these for the signed-in user's profile; absent means allowed.
            "viewable": m.get_viewable() is not False,
            "creatable": m.get_creatable() is not False,
            "editable": m.get_editable() is not False,
            "deletable": m.get_deletable() is not False,
            "custom": text_of(m.get_generated_type()) == "custom",
            "tab": _is_tab(m),
            "static_fields": _static_fields(m),
        }
        for m in body.get_modules() or []
        if m.get_api_name()
    ]


# Modules Zoho lists that are parts of records, not modules of their own (line items,
# subform rows) and modules that only track other records.
NOT_TAB_TYPES = frozenset({"subform", "static_subform", "field_tracker", "linking"})


def _is_tab(module) -> bool:
    """Whether Zoho shows the module as a tab: `show_as_tab` not false, `status` visible
    (not `system_hidden` as Notes and Attachments, nor `user_hidden`), and not a subform's
    module (`generated_type` subform/static_subform). Absent flags mean a tab."""
    if module.get_show_as_tab() is False:
        return False
    if (text_of(module.get_status()) or "visible") != "visible":
        return False
    return text_of(module.get_generated_type()) not in NOT_TAB_TYPES


def _static_fields(module) -> list[str]:
    """A static subform's module (`generated_type` static_subform): the api names of its
    static fields (`static_subform_properties.fields`), which name its fixed rows; [] else."""
    if text_of(module.get_generated_type()) != "static_subform":
        return []
    properties = module.get_static_subform_properties()
    fields = (properties.get_fields() if properties is not None else None) or []
    return [f.get_api_name() for f in fields if f.get_api_name()]


def get_fields(connection: ZohoConnection, module: str) -> list[dict]:
    """A module's fields as plain data (`crm.fields.Field.from_metadata` reads these)."""

    def call():
        params = ParameterMap()
        params.add(GetFieldsParam.module, module)
        body = checked(FieldsOperations().get_fields(params))
        if not isinstance(body, FieldsWrapper):
            raise zoho_failed()
        result = []
        for f in body.get_fields() or []:
            options = f.get_pick_list_values() or []
            picklist = [text_of(p.get_actual_value()) for p in options]
            operations = f.get_operation_type()
            lookup = f.get_lookup() if f.get_data_type() == "lookup" else None
            lookup_module = lookup.get_module() if lookup is not None else None
            result.append(
                {
                    "api_name": f.get_api_name(),
                    "label": f.get_field_label() or f.get_display_label() or f.get_api_name(),
                    "data_type": f.get_data_type() or "text",
                    "json_type": f.get_json_type() or "string",
                    "required": bool(f.get_system_mandatory()),
                    "read_only": bool(f.get_read_only()),  # for this user
                    "field_read_only": bool(f.get_field_read_only()),
                    # Owner: field_read_only, yet Zoho's API updates it (operation_type)
                    "api_update": None if operations is None else operations.get_api_update(),
                    "profiles": [
                        {
                            "id": str(p.get_id() or ""),
                            "name": p.get_name() or "",
                            "permission": p.get_permission_type() or "read_write",
                        }
                        for p in f.get_profiles() or []
                    ],
                    "picklist_labels": [
                        text_of(p.get_display_value() or p.get_actual_value()) for p in options
                    ],
                    "length": f.get_length(),
                    "decimal_place": f.get_decimal_place(),
                    "sortable": bool(f.get_sortable()),
                    "searchable": bool(f.get_searchable()),
                    "picklist": picklist,
                    "lookup_module": lookup_module.get_api_name() if lookup_module else None,
                    "custom": bool(f.get_custom_field()),
                    "unique": bool(f.get_unique()),
                    "name_field": bool(f.get_display_field()),
                    **_type_details(f),
                }
            )
        return result

    return run(connection, call, operation="fields")


def _type_details(f) -> dict:
    """What a field's type block adds (`crm.fields.Field` reads these keys): a textarea's
    `textarea.type` (rich text), a currency's own `currency.precision`, a subform's module,
    and the connected field and module of a multi-select or multi-user lookup."""
    details: dict[str, Any] = {}
    textarea = f.get_textarea()
    if textarea is not None and textarea.get_type() is not None:
        details["rich_text"] = text_of(textarea.get_type()) == "rich_text"
    currency = f.get_currency()
    if currency is not None and currency.get_precision() is not None:
        details["precision"] = currency.get_precision()
    associated = f.get_associated_module()
    kind = f.get_data_type()
    if kind == "subform" and associated is not None:
        details["subform_module"] = associated.get_module()
    linked = {
        "multiselectlookup": f.get_multiselectlookup(),
        "multiuserlookup": f.get_multiuserlookup(),
    }.get(kind)
    if linked is not None:
        link = linked.get_linking_details()
        connected = link.get_connected_lookup_field() if link is not None else None
        target = linked.get_connected_details()
        target_module = target.get_module() if target is not None else None
        details["connected_field"] = connected.get_api_name() if connected else None
        details["connected_module"] = target_module.get_api_name() if target_module else None
    return details


def warm_field_files(connection: ZohoConnection, modules: list[str]) -> list[str]:
    """The SDK's field files of these modules made ready for this connection (shared per org
    and profile); the modules that could not be."""
    return run(connection, lambda: zoho_sdk.warm_field_files(modules), operation="fields")


def get_org_currency(connection: ZohoConnection) -> dict:
    """The org's currency: {"symbol", "iso_code"} (Zoho's `GET /org`)."""

    def call():
        body = checked(OrgOperations().get_organization())
        if not isinstance(body, OrgWrapper) or not body.get_org():
            raise zoho_failed()
        org = body.get_org()[0]
        return {
            "symbol": org.get_currency_symbol() or "",
            "iso_code": org.get_iso_code() or "",
            "locale": org.get_currency_locale() or "",  # how the org writes amounts
        }

    return run(connection, call, operation="org_currency")


def get_users(connection: ZohoConnection) -> list[dict]:
    """The org's active users, as {"id", "name", "email"}: who can own a record."""

    def call():
        found, page = [], 1
        while page <= MAX_USER_PAGES:
            params = ParameterMap()
            params.add(GetUsersParam.type, "ActiveUsers")
            params.add(GetUsersParam.page, page)
            params.add(GetUsersParam.per_page, 200)
            body = checked(UsersOperations().get_users(params))
            if body is None:  # 204: none (left)
                break
            if not isinstance(body, UsersWrapper):
                raise zoho_failed()
            found += [
                {
                    "id": str(u.get_id()),
                    "name": u.get_full_name() or "",
                    "email": u.get_email(),
                    "profile": _profile_of(u),
                    "locale_settings": _locale_settings_of(u),
                }
                for u in body.get_users() or []
                if u.get_id() is not None
            ]
            info = body.get_info()
            if not (info and info.get_more_records()):
                break
            page += 1
        return found

    return run(connection, call, operation="users")


def _locale_settings_of(user) -> dict:
    """A user's own settings for how they read dates, times and numbers (Zoho's Personal
    Settings: `time_zone`, `locale`, `date_format`, `time_format`, separators)."""
    return {
        "time_zone": text_of(user.get_time_zone()),
        "locale": text_of(user.get_locale()),
        "date_format": text_of(user.get_date_format()),
        "time_format": text_of(user.get_time_format()),
        "decimal_separator": text_of(user.get_decimal_separator()),
        "number_separator": text_of(user.get_number_separator()),
    }


def _profile_of(user) -> dict | None:
    """A user's CRM profile as {"id", "name"} (what a field's `profiles` names)."""
    profile = user.get_profile()
    if profile is None:
        return None
    return {"id": str(profile.get_id() or ""), "name": profile.get_name() or ""}


# --- navigation reads: layouts, related lists, related records, counts ---------------------
# Related lists Zoho's UI no longer shows (getRelatedLists examples): the portal skips them.
HIDDEN_LIST_STATUSES = frozenset({"user_hidden", "scheduled_for_deletion", "system_hidden"})


def get_layouts(connection: ZohoConnection, module: str) -> list[dict]:
    """The module's active layouts, in Zoho's order, as {"id", "name", "sections": [{"label",
    "api_name", "subform", "fields": [api names], "required": [api names]}]}: `required`
    is what the layout makes mandatory (Zoho flags it there, not in the field metadata)."""

    def call():
        params = ParameterMap()
        params.add(GetLayoutsParam.module, module)
        body = checked(LayoutsOperations().get_layouts(params))
        if body is None:
            return []
        if not isinstance(body, LayoutsWrapper):
            raise zoho_failed()
        found = []
        for lay in body.get_layouts() or []:
            if text_of(lay.get_status()) not in ("active", "") or lay.get_id() is None:
                continue
            sections = sorted(lay.get_sections() or [], key=lambda s: s.get_sequence_number() or 0)
            found.append(
                {
                    "id": str(lay.get_id()),
                    "name": lay.get_display_label() or lay.get_name() or str(lay.get_id()),
                    "sections": [_section(s) for s in sections],
                }
            )
        return found

    return run(connection, call, operation="layouts")


def _section(section) -> dict:
    fields = sorted(section.get_fields() or [], key=lambda f: f.get_sequence_number() or 0)
    return {
        "label": section.get_display_label() or section.get_name() or "",
        "api_name": section.get_api_name() or section.get_name() or "",
        "subform": bool(section.get_issubformsection()),
        "fields": [f.get_api_name() for f in fields if f.get_api_name()],
        "required": [f.get_api_name() for f in fields if f.get_api_name() and f.get_required()],
    }


def get_related_lists(connection: ZohoConnection, module: str) -> list[dict]:
    """The module's shown related lists that Zoho's API serves, in Zoho's order, as
    {"api_name", "label", "module"} (`module`: the related records' module).

    A list without an `href` has no related records API (the SDK refuses it too). Zoho's
    samples have `module: null` on Notes: such a list's module is its `api_name` when that
    names a module (`crm.relations` keeps the lists of modules this user may read). Lists
    whose `status` is not visible (`user_hidden`, `scheduled_for_deletion`) are skipped,
    and so is a `visible: false` of older metadata."""

    def call():
        params = ParameterMap()
        params.add(GetRelatedListsParam.module, module)
        body = checked(RelatedListsOperations().get_related_lists(params))
        if body is None:
            return []
        if not isinstance(body, RelatedListsWrapper):
            raise zoho_failed()
        found = []
        entries = sorted(
            body.get_related_lists() or [], key=lambda r: int(r.get_sequence_number() or 0)
        )
        for entry in entries:
            api_name = entry.get_api_name()
            related_module = entry.get_module()
            module_name = related_module.get_api_name() if related_module is not None else None
            if (
                not api_name
                or not entry.get_href()
                or entry.get_visible() is False
                or text_of(entry.get_status()) in HIDDEN_LIST_STATUSES
            ):
                continue
            found.append(
                {
                    "api_name": api_name,
                    "label": entry.get_display_label() or api_name,
                    "module": module_name or api_name,
                }
            )
        return found

    return run(connection, call, operation="related_lists")
