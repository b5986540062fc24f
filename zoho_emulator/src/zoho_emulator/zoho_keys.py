"""Keys Zoho's metadata answers always carry that the emulator has no model of.

Zoho's OpenAPI specs for CRM v8 (``zoho/crm-oas``, ``v8.0``) require them and Zoho's own
examples show them on every entry (``fields/operations/getFields/examples/
response-200-fullexample.md``, ``modules/operations/getModules/examples/
response-200-allmoduleswithvariations.md``, ``org/operations/getOrganization/examples/
response-200-orggetresponse.md``); the values are the ones those examples show for an
ordinary field, module or org. The emulator's own keys always win over these defaults, and
``zoho_emulator/tests/test_openapi_conformance.py`` checks the result against the specs.
"""

from __future__ import annotations

# fields.json#/components/schemas/fields, as Zoho's getFields example has them on a field that
# uses none of the features they describe.
_FIELD = {
    "type": "used",
    "webhook": True,
    "separator": False,
    "crypt": None,
    "external": None,
    "currency": {},
    "display_type": -1,
    "created_time": None,
    "modified_time": None,
    "additional_column": None,
    "association_details": None,
    "auto_number": {},
    "multi_module_lookup": {},
    "convert_mapping": {},
    "customizable_properties": [],
    "businesscard_supported": False,
    "colour_code_enabled_by_system": False,
    "enable_colour_code": False,
    "pick_list_values_sorted_lexically": False,
    "hipaa_compliance": None,
    "hipaa_compliance_enabled": False,
    "email_parser": {"fields_update_supported": False, "record_operations_supported": False},
}

# modules.json#/components/schemas/modules, as Zoho's getModules example has them.
_MODULE = {
    "description": None,
    "web_link": None,
    "arguments": [],
    "visibility": 1,
    "presence_sub_menu": False,
    "recycle_bin_on_delete": False,
}

# org.json#/components/schemas/Org, as Zoho's getOrganization example has them for an org
# with no special set-up.
_ORG = {
    "deletable_org_account": False,
    "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": False},
    "call_icon": "show",
    "oauth_presence": True,
    "checkin_preferences": {"restricted_event_types": None},
}


def field(meta: dict) -> dict:
    """A ``settings/fields`` entry with Zoho's always-present keys; keys Zoho leaves out
    when empty (``multiuserlookup`` on other field types, a ``default_value`` of none) are
    left out, and every pick-list value has its ``colour_code`` (null: no colour)."""
    out = {**_FIELD, **meta}
    if out.get("multiuserlookup") == {}:
        del out["multiuserlookup"]
    if out.get("default_value", "") is None:
        del out["default_value"]
    out["pick_list_values"] = [
        {"colour_code": None, **value} for value in out.get("pick_list_values") or []
    ]
    return out


def module(meta: dict) -> dict:
    """A ``settings/modules`` entry with Zoho's always-present keys; a module whose records
    can be deleted goes to the recycle bin and has a sub-menu, as in Zoho's example."""
    out = {**_MODULE, **meta}
    if meta.get("deletable") and "recycle_bin_on_delete" not in meta:
        out["recycle_bin_on_delete"] = True
    if meta.get("creatable") and "presence_sub_menu" not in meta:
        out["presence_sub_menu"] = True
    return out


def related_list(meta: dict) -> dict:
    """A ``settings/related_lists`` entry: Zoho leaves ``sort_by`` and ``fields`` out when
    the list has none (getRelatedLists examples), it never sends them as null."""
    return {k: v for k, v in meta.items() if not (k in ("sort_by", "fields") and v is None)}


def org(meta: dict, zgid: str) -> dict:
    """The ``org`` entry with Zoho's always-present keys; ``ezgid``/``zia_zgid`` follow
    the org's zgid."""
    return {**_ORG, "ezgid": zgid, "zia_zgid": int(zgid), **meta}
