"""Field metadata for the emulated CRM modules and the validation rules derived from it.

``catalog.py`` holds the modules and fields as tables; this module turns them into one
:class:`OrgSchema` per organisation (standard modules + that org's custom fields and custom
modules) and answers the metadata calls from it: ``GET settings/modules``, ``settings/fields``
and ``settings/layouts``. The keys the SDK's ``Utility.set_data_type`` reads (``api_name``,
``data_type``, ``json_type``, ``system_mandatory``, ``read_only``, ``pick_list_values``,
``lookup``, ``associated_module``, ``formula``) are always present.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime

from . import catalog, field_rules, field_types, zoho_keys

JSON_TYPES = {
    "text": "string",
    "textarea": "string",
    "email": "string",
    "phone": "string",
    "website": "string",
    "picklist": "string",
    "autonumber": "string",
    "profileimage": "string",
    "date": "string",
    "datetime": "string",
    "event_reminder": "string",
    "integer": "integer",
    "bigint": "string",
    "double": "double",
    "currency": "double",
    "percent": "double",
    "boolean": "boolean",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "layout": "jsonobject",
    "consent_lookup": "jsonobject",
    "ALARM": "jsonobject",
    "RRULE": "jsonobject",
    "multiselectpicklist": "jsonarray",
    "subform": "jsonarray",
    "multiuserlookup": "jsonarray",
    "multireminder": "jsonarray",
    "participants": "jsonarray",
    "pricing_details": "jsonarray",
    "comments": "jsonarray",
    "territories": "jsonarray",
}
DEFAULT_LENGTH = {
    "text": 255,
    "textarea": 32000,
    "email": 100,
    "phone": 30,
    "website": 255,
    "integer": 9,
    "bigint": 18,
    "double": 16,
    "currency": 16,
    "percent": 5,
    "date": 20,
    "boolean": 5,
}
TEXTUAL = ("text", "textarea", "email", "phone", "website", "picklist", "autonumber")
NUMERIC = ("integer", "bigint", "double", "currency", "percent")
SE_MODULE = "se_module"  # What_Id / Parent_Id: the module is named by the record's $se_module
CURRENCIES = ("USD", "EUR", "GBP", "INR", "AUD", "JPY", "CAD")

# Zoho's own email regex is Unicode-aware; this ASCII-friendly version accepts the same
# everyday addresses and rejects the usual mistakes (no @, no dot in the domain, spaces).
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9+_\-][A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*@(?:[A-Za-z0-9](?:[A-Za-z0-9\-_]*[A-Za-z0-9])?\.)+[A-Za-z]{2,22}$"
)
PHONE_RE = re.compile(r"^\+?[0-9A-Za-z().\- ,;#]{1,30}$")
WEBSITE_RE = re.compile(
    r"^(?:https?://|ftp://)?(?:www\.)?[^\s./:?#]+(?:\.[^\s./:?#]+)+(?:[/?#]\S*)?$"
)

# Module ids of the first four stay what they always were; others follow on.
_FIXED_MODULE_IDS = {
    "Leads": "3652397000000002175",
    "Contacts": "3652397000000002179",
    "Accounts": "3652397000000002177",
    "Deals": "3652397000000002181",
}


@dataclass(frozen=True)
class FieldDef:
    api_name: str
    label: str
    data_type: str
    length: int = 255
    mandatory: bool = False
    read_only: bool = False
    unique: bool = False
    picklist: tuple[str, ...] = ()
    lookup_module: str | None = None
    sortable: bool = False
    search: bool = True
    decimal_place: int | None = None
    custom: bool = False
    return_type: str | None = None  # formula
    subform_module: str | None = None
    is_name: bool = False
    field_id: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def value_type(self) -> str:
        """The type values have: a formula's return type, else the data type."""
        return self.return_type or self.data_type


@dataclass
class ModuleDef:
    api_name: str
    singular: str
    plural: str
    module_id: str
    generated_type: str = "default"  # "default" or "custom"
    api_supported: bool = True
    flags: frozenset = frozenset()
    fields: dict[str, FieldDef] = field(default_factory=dict)
    sequence: int = 0
    parent_module: str | None = None  # subform modules

    @property
    def name_field(self) -> str | None:
        for fd in self.fields.values():
            if fd.is_name:
                return fd.api_name
        return None

    @property
    def creatable(self) -> bool:
        return self.api_supported and "no_write" not in self.flags

    def lookups(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.data_type == "lookup"]


def _parse_fields(module_id: str, text: str, org_currency: str, start: int = 0) -> list[FieldDef]:
    out: list[FieldDef] = []
    for index, line in enumerate(ln for ln in text.strip().splitlines() if ln.strip()):
        parts = [p.strip() for p in line.split("|")]
        api_name, label, data_type = parts[0], parts[1], parts[2]
        opts = parts[3].split() if len(parts) > 3 else []
        kw: dict = {}
        flags = set()
        for opt in opts:
            key, sep, value = opt.partition("=")
            if sep:
                kw[key] = value
            else:
                flags.add(opt)
        picklist: tuple[str, ...] = ()
        if "pick" in kw:
            picklist = catalog.PICKLISTS[kw["pick"]]
        elif api_name == "Currency" and data_type == "picklist":
            picklist = (org_currency,) + tuple(c for c in CURRENCIES if c != org_currency)
        decimal = kw.get("dp")
        if decimal is None and data_type in ("currency", "double"):
            decimal = "2"
        out.append(
            FieldDef(
                api_name=api_name,
                label=label,
                data_type=data_type,
                length=int(kw.get("len", DEFAULT_LENGTH.get(data_type, 120))),
                mandatory="M" in flags,
                read_only="RO" in flags or data_type in ("autonumber", "formula"),
                unique="U" in flags,
                picklist=picklist,
                lookup_module=kw.get("lk"),
                sortable="S" in flags,
                search="NS" not in flags,
                decimal_place=int(decimal) if decimal is not None else None,
                custom="C" in flags,
                return_type=kw.get("ret"),
                subform_module=kw.get("sub"),
                is_name="name" in flags,
                field_id=str(int(module_id) + 1000 + (start + index) * 3),
            )
        )
    return out


class OrgSchema:
    """Every module an organisation has: standard, custom, subform and unsupported ones."""

    def __init__(self, zgid: str, currency: str):
        self.zgid = zgid
        self.modules: dict[str, ModuleDef] = {}
        self.subforms: dict[str, ModuleDef] = {}
        sequence = 1
        ids = iter(range(2175, 10**6, 2))

        def next_id(name: str) -> str:
            if name in _FIXED_MODULE_IDS:
                return _FIXED_MODULE_IDS[name]
            while True:
                candidate = f"3652397000000{next(ids):06d}"
                if candidate not in _FIXED_MODULE_IDS.values():
                    return candidate

        for api_name, singular, plural, flags, text in catalog.STANDARD:
            mid = next_id(api_name)
            fields = _parse_fields(mid, text, currency)
            custom = catalog.CUSTOM_FIELDS.get(zgid, {}).get(api_name)
            if custom:
                fields += _parse_fields(mid, custom, currency, start=len(fields))
            self.modules[api_name] = ModuleDef(
                api_name,
                singular,
                plural,
                mid,
                flags=frozenset(flags.split()),
                fields={f.api_name: f for f in fields},
                sequence=sequence,
            )
            sequence += 1
        for api_name, singular, plural, text in catalog.CUSTOM_MODULES.get(zgid, []):
            mid = next_id(api_name)
            self.modules[api_name] = ModuleDef(
                api_name,
                singular,
                plural,
                mid,
                generated_type="custom",
                fields={f.api_name: f for f in _parse_fields(mid, text, currency)},
                sequence=sequence,
            )
            sequence += 1
        for api_name, singular, plural in catalog.UNSUPPORTED:
            self.modules[api_name] = ModuleDef(
                api_name, singular, plural, next_id(api_name), api_supported=False, sequence=0
            )
        for api_name, (parent, text) in catalog.SUBFORMS.items():
            mid = next_id(api_name)
            self.subforms[api_name] = ModuleDef(
                api_name,
                api_name.replace("_", " "),
                api_name.replace("_", " "),
                mid,
                fields={f.api_name: f for f in _parse_fields(mid, text, currency)},
                parent_module=parent,
            )
        field_types.extend(sys.modules[__name__], self, currency)
        self._by_lower = {name.lower(): name for name in self.modules}
        self._sub_by_lower = {name.lower(): name for name in self.subforms}

    # ---- lookups ------------------------------------------------------------------------
    def module(self, name: str | None) -> ModuleDef | None:
        """A module by API name, case-insensitively (``None`` if the org has none)."""
        key = self._by_lower.get((name or "").lower())
        return self.modules[key] if key else None

    def record_module(self, name: str | None) -> ModuleDef | None:
        """A module whose records the API serves (``api_supported``)."""
        mod = self.module(name)
        return mod if mod is not None and mod.api_supported else None

    def fields_module(self, name: str | None) -> ModuleDef | None:
        """A module or subform module that ``settings/fields`` describes."""
        mod = self.record_module(name)
        if mod is not None:
            return mod
        key = self._sub_by_lower.get((name or "").lower())
        return self.subforms[key] if key else None

    def record_modules(self) -> list[ModuleDef]:
        return [m for m in self.modules.values() if m.api_supported]

    def fields(self, module: str) -> dict[str, FieldDef]:
        mod = self.modules.get(module) or self.subforms[module]
        return mod.fields

    def name_field(self, module: str) -> str | None:
        return self.modules[module].name_field

    def referencing(self, module: str) -> list[tuple[str, FieldDef]]:
        """Every (module, lookup field) that can point at records of ``module``."""
        out = []
        for mod in self.record_modules():
            for fd in mod.lookups():
                if fd.lookup_module == module or (
                    fd.lookup_module == SE_MODULE and module in se_modules(mod.api_name, fd)
                ):
                    out.append((mod.api_name, fd))
        return out


def se_modules(module: str, fd: FieldDef) -> tuple[str, ...]:
    """The modules a What_Id / Parent_Id / Appointment_For field may point at."""
    if module in ("Notes", "Attachments"):
        return catalog.PARENT_ID_MODULES
    if module == "Appointments__s":
        return ("Contacts", "Deals", "Accounts", "Leads")
    if module == "Data_Subject_Requests":
        return ("Leads", "Contacts")
    return catalog.WHAT_ID_MODULES


@functools.cache
def org_schema(zgid: str, currency: str) -> OrgSchema:
    return OrgSchema(zgid, currency)


# ---------------------------------------------------------------------------- metadata


def field_json(mod: ModuleDef, fd: FieldDef, sequence: int) -> dict:
    """One entry of ``GET settings/fields`` (and of a layout section's ``fields``)."""
    json_type = JSON_TYPES.get(fd.value_type, JSON_TYPES.get(fd.data_type, "string"))
    meta = {
        "api_name": fd.api_name,
        "field_label": fd.label,
        "display_label": fd.label,
        "data_type": fd.data_type,
        "json_type": json_type,
        "column_name": fd.api_name.upper(),
        "id": fd.field_id,
        "custom_field": fd.custom,
        "created_source": "custom" if fd.custom else "default",
        "system_mandatory": fd.mandatory,
        "read_only": fd.read_only,
        "field_read_only": fd.read_only,
        "length": fd.length,
        "decimal_place": fd.decimal_place,
        "visible": True,
        "sortable": fd.sortable,
        "searchable": fd.search,
        "filterable": fd.data_type not in ("subform", "participants", "comments"),
        "mass_update": not fd.read_only and fd.data_type not in ("subform", "lookup"),
        "display_field": fd.is_name,
        "sequence_number": sequence,
        "virtual_field": fd.data_type == "subform",
        "pick_list_values": [],
        "lookup": {},
        "unique": {"casesensitive": "false"} if fd.unique else {},
        "formula": {},
        "associated_module": None,
        "multiselectlookup": {},
        "multiuserlookup": {},
        "rollup_summary": {},
        "default_value": None,
        "tooltip": None,
        "history_tracking": None,
        "view_type": {
            "view": True,
            "edit": not fd.read_only,
            "quick_create": fd.mandatory,
            "create": not fd.read_only,
        },
        "operation_type": {
            "web_update": not fd.read_only,
            "api_create": not fd.read_only,
            "web_create": not fd.read_only,
            "api_update": not fd.read_only,
        },
    }
    if fd.picklist:
        meta["pick_list_values"] = [
            {
                "display_value": field_rules.display_value(mod.api_name, fd.api_name, value),
                "actual_value": value,
                "sequence_number": seq + 1,
                "reference_value": value,
                "type": "used",
                "id": str(int(fd.field_id) * 100 + seq),
            }
            for seq, value in enumerate(fd.picklist)
        ]
    if fd.data_type == "ownerlookup" and fd.api_name == "Owner":
        # As Zoho's getFields example: "field_read_only": true (no one edits it in the
        # field's own way) yet "read_only": false and every operation_type true (an owner
        # is changed by giving another user).
        meta["field_read_only"] = True
    if fd.lookup_module == SE_MODULE:
        # Zoho describes What_Id's target as the pseudo-module "se_module"; the record names
        # the actual module in "$se_module".
        meta["lookup"] = {
            "display_label": "activities"
            if mod.api_name in ("Tasks", "Events", "Calls")
            else mod.plural.lower(),
            "api_name": None,
            "module": {"api_name": SE_MODULE},
            "id": None,
        }
    elif fd.lookup_module:
        target = _module_id_of(fd.lookup_module)
        meta["lookup"] = {
            "display_label": fd.label,
            "api_name": fd.api_name,
            "module": {"api_name": fd.lookup_module, "id": target},
            "id": str(int(fd.field_id) + 1),
        }
    if fd.data_type == "formula":
        meta["formula"] = {"return_type": fd.return_type or "double", "expression": "0"}
    if fd.subform_module:
        meta["associated_module"] = {  # api_name: the spec's Minified_Module; module: the SDK's
            "module": fd.subform_module,
            "api_name": fd.subform_module,
            "id": _module_id_of(fd.subform_module),
        }
    if fd.data_type == "autonumber":
        meta["auto_number"] = {"prefix": "", "suffix": "", "start_number": 1}
    meta.update(field_types.field_meta(fd, _module_id_of))
    return zoho_keys.field(meta)


@functools.cache
def _module_ids() -> dict[str, str]:
    # Standard and subform module ids do not depend on the org; custom ones do (per org
    # lookups into custom modules are not used).
    probe = OrgSchema("", "USD")
    ids = {name: m.module_id for name, m in probe.modules.items()}
    ids.update({name: m.module_id for name, m in probe.subforms.items()})
    return ids


def _module_id_of(name: str) -> str | None:
    return _module_ids().get(name)


def field_metadata(schema: OrgSchema, module: str) -> list[dict]:
    """The ``fields`` array of ``GET /settings/fields?module=<module>``."""
    mod = schema.fields_module(module)
    return [field_json(mod, fd, seq) for seq, fd in enumerate(mod.fields.values(), start=1)]


# Module flags as Zoho's getModules example ("all modules with variations") shows them:
# Notes are ``system_hidden`` and not a tab (Attachments likewise: reached from their
# record), Feeds ``user_hidden``. Every other module is a visible tab.
MODULE_STATUS = {"Notes": "system_hidden", "Attachments": "system_hidden", "Feeds": "user_hidden"}
NOT_TABS = frozenset({"Notes", "Attachments"})


def module_json(mod: ModuleDef, access: dict | None = None) -> dict:
    """One entry of ``GET /settings/modules``; ``access`` holds the user's per-module
    ``viewable``/``creatable``/``editable``/``deletable`` (the profile's permissions)."""
    supported = mod.api_supported
    if mod.parent_module is not None:
        return _subform_module_json(mod, access)
    out = {
        "api_name": mod.api_name,
        "module_name": mod.api_name,
        "plural_label": mod.plural,
        "singular_label": mod.singular,
        "id": mod.module_id,
        "api_supported": supported,
        "generated_type": mod.generated_type,
        "creatable": supported and mod.creatable,
        "editable": supported and mod.creatable,
        "deletable": supported and mod.creatable,
        "viewable": True,
        "convertable": "convertable" in mod.flags,
        "global_search_supported": supported,
        "show_as_tab": mod.api_name not in NOT_TABS,
        "sequence_number": mod.sequence,
        "status": MODULE_STATUS.get(mod.api_name, "visible"),
        "quick_create": supported and mod.creatable,
        "per_page": 200,
        "business_card_field_limit": 5,
        "inventory_template_supported": "inventory" in mod.flags,
        "isBlueprintSupported": supported,
        "feeds_required": False,
        "modified_time": None,
        "modified_by": None,
        "parent_module": {},
    }
    if access is not None:
        out.update(access)
    return zoho_keys.module(out)


def _subform_module_json(mod: ModuleDef, access: dict | None) -> dict:
    """A subform module as Zoho lists it: not a tab, its parent named. An inventory line-item
    module (Quoted_Items, ...) is ``generated_type: "subform"``, read-only here; a static
    subform is ``generated_type: "static_subform"`` with ``static_subform_properties`` and,
    as in Zoho's getModules example (Subform_2), as creatable, editable and deletable as its
    parent is for the user (its rows are written through the parent's records)."""
    viewable = True if access is None else access["viewable"]
    if mod.generated_type == "static_subform":
        writable = {k: True if access is None else access[k] for k in _WRITE_FLAGS}
        static = field_types.STATIC_SUBFORMS[mod.api_name]
        properties = {"fields": [{"api_name": n, "id": mod.fields[n].field_id} for n in static]}
        extra = {
            "static_subform_properties": properties,
            "lookupable": False,
            "presence_sub_menu": False,  # as the example: creatable, yet no sub-menu
            "global_search_supported": True,
            "recycle_bin_on_delete": True,
        }
        kind = "static_subform"
    else:  # line items, the Visit Log subform ("subform") and linking modules ("linking")
        writable = dict.fromkeys(_WRITE_FLAGS, False)
        extra = {}
        kind = "linking" if mod.generated_type == "linking" else "subform"
    out = {
        "api_name": mod.api_name,
        "module_name": mod.api_name.replace("_", ""),
        "plural_label": mod.plural,
        "singular_label": mod.singular,
        "id": mod.module_id,
        "api_supported": True,
        "generated_type": kind,
        **writable,
        "viewable": viewable,
        "convertable": False,
        "global_search_supported": False,
        "show_as_tab": False,
        "sequence_number": mod.sequence,
        "status": "visible",
        "quick_create": False,
        "visibility": 2,
        "per_page": 200,
        "business_card_field_limit": 5,
        "inventory_template_supported": False,
        "isBlueprintSupported": False,
        "feeds_required": False,
        "modified_time": None,
        "modified_by": None,
        "parent_module": {"api_name": mod.parent_module, "id": _module_id_of(mod.parent_module)},
        **extra,
    }
    return zoho_keys.module(out)


_WRITE_FLAGS = ("creatable", "editable", "deletable")


def module_metadata(schema: OrgSchema, access_for=None) -> list[dict]:
    """The ``modules`` array of ``GET /settings/modules``: the org's modules, then the
    subform (line-item) modules, each under its parent's permissions."""
    out = [module_json(m, access_for(m) if access_for else None) for m in schema.modules.values()]
    for sub in schema.subforms.values():
        parent = schema.modules[sub.parent_module]
        out.append(module_json(sub, access_for(parent) if access_for else None))
    return out


# --- validation -------------------------------------------------------------------------


class FieldError(Exception):
    """A per-record failure, already shaped the way Zoho reports it."""

    def __init__(self, code: str, message: str, details: dict):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "details": self.details,
            "message": self.message,
            "status": "error",
        }


def _invalid(fd: FieldDef, path: str, **extra) -> FieldError:
    details = {"api_name": fd.api_name, "json_path": path}
    details.update(extra)
    return FieldError("INVALID_DATA", "invalid data", details)


def is_valid_date(value) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_datetime(value):
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})", value
    ):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed


def validate_value(fd: FieldDef, value, path: str, resolve_lookup, resolve_user):
    """Return the value to store, or raise FieldError. ``None`` clears the field."""
    if value is None:
        return None
    t = fd.data_type
    if t in ("text", "textarea", "email", "phone", "website", "picklist"):
        if not isinstance(value, str):
            raise _invalid(fd, path, expected_data_type=JSON_TYPES[t])
        if len(value) > fd.length:
            raise _invalid(fd, path, maximum_length=fd.length)
        if value == "":
            return value
        if t == "email" and not EMAIL_RE.match(value):
            raise _invalid(fd, path)
        if t == "phone" and not PHONE_RE.match(value):
            raise _invalid(fd, path)
        if t == "website" and not WEBSITE_RE.match(value):
            raise _invalid(fd, path)
        if t == "picklist" and value not in fd.picklist:
            raise _invalid(fd, path)
        return value
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(fd, path, expected_data_type="integer")
        if len(str(abs(value))) > fd.length:
            raise _invalid(fd, path, maximum_length=fd.length)
        return value
    if t == "bigint":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, str))
            or not str(value).lstrip("-").isdigit()
        ):
            raise _invalid(fd, path, expected_data_type="bigint")
        if len(str(value).lstrip("-")) > 18:
            raise _invalid(fd, path, maximum_length=18)
        return str(value)
    if t == "multiselectpicklist":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(fd, path, expected_data_type="jsonarray")
        if any(v not in fd.picklist for v in value):
            raise _invalid(fd, path)
        return list(dict.fromkeys(value))
    if t in ("double", "currency", "percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _invalid(fd, path, expected_data_type="double")
        if len(str(int(abs(value)))) > fd.length:
            raise _invalid(fd, path, maximum_length=fd.length)
        return value
    if t == "boolean":
        if not isinstance(value, bool):
            raise _invalid(fd, path, expected_data_type="boolean")
        return value
    if t == "date":
        if not is_valid_date(value):
            raise _invalid(fd, path, expected_data_type="date")
        return value
    if t == "datetime":
        if parse_datetime(value) is None:
            raise _invalid(fd, path, expected_data_type="datetime")
        return value
    if t == "lookup":
        ref_id = value.get("id") if isinstance(value, dict) else None
        if isinstance(ref_id, int) and not isinstance(ref_id, bool):
            ref_id = str(ref_id)
        if not isinstance(ref_id, str):
            raise _invalid(fd, path, expected_data_type="jsonobject")
        target = resolve_lookup(fd.lookup_module, ref_id)
        if target is None:
            raise _invalid(fd, path + ".id" if path else path)
        return target
    if t == "ownerlookup":
        ref_id = value.get("id") if isinstance(value, dict) else None
        if isinstance(ref_id, int) and not isinstance(ref_id, bool):
            ref_id = str(ref_id)
        if not isinstance(ref_id, str):
            raise _invalid(fd, path, expected_data_type="jsonobject")
        user = resolve_user(ref_id)
        if user is None:
            raise _invalid(fd, path + ".id")
        return user
    raise _invalid(fd, path)  # pragma: no cover


# --- layouts and related lists ------------------------------------------------------------

_ADDRESS_RE = re.compile(r"(Street|City|State|Code|Zip|Zip_Code|Country)$")
_HIDDEN_IN_LAYOUT = {
    "Created_By",
    "Modified_By",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Record_Status__s",
    "Locked__s",
    "Layout",
    "Change_Log_Time__s",
    "Last_Enriched_Time__s",
    "Enrich_Status__s",
    "Last_Activity_Time",
}


def layout_id(mod: ModuleDef) -> str:
    return "3652397000000091055" if mod.api_name == "Leads" else str(int(mod.module_id) + 88880)


def layout_json(mod: ModuleDef) -> dict:
    """The one ("Standard") layout of a module: ``sections`` -> ``fields``."""
    groups: dict[str, list[FieldDef]] = {"main": [], "address": [], "description": [], "sub": []}
    for fd in mod.fields.values():
        if fd.api_name in _HIDDEN_IN_LAYOUT:
            continue
        if fd.data_type == "subform":
            groups["sub"].append(fd)
        elif fd.data_type == "textarea" and fd.api_name in ("Description", "Terms_and_Conditions"):
            groups["description"].append(fd)
        elif fd.data_type == "text" and _ADDRESS_RE.search(fd.api_name):
            groups["address"].append(fd)
        else:
            groups["main"].append(fd)
    titles = {
        "main": f"{mod.singular} Information",
        "address": "Address Information",
        "description": "Description Information",
    }
    base = int(layout_id(mod))
    sections = []
    for key, title in titles.items():
        if not groups[key]:
            continue
        sections.append(section_json(mod, title, groups[key], len(sections) + 1, base, False))
    for fd in groups["sub"]:
        sections.append(section_json(mod, fd.label, [fd], len(sections) + 1, base, True))
    return {
        "id": layout_id(mod),
        "name": "Standard",
        "display_label": "Standard",
        "api_name": "Standard__s",
        "status": "active",
        "visible": True,
        "source": "crm",
        "generated_type": "system",
        "mode": "default_create",
        "show_business_card": True,
        "has_more_profiles": False,
        "created_time": None,
        "created_by": None,
        "modified_time": None,
        "modified_by": None,
        "profiles": [
            {"name": "Administrator", "id": "3652397000000026011", "default": True},
            {"name": "Standard", "id": "3652397000000026014", "default": True},
        ],
        "sections": sections,
    }


def section_json(mod, title, fields, sequence, base, subform) -> dict:
    api = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")
    entries = []
    for seq, fd in enumerate(fields, start=1):
        entry = field_json(mod, fd, seq)
        entry["required"] = fd.mandatory
        entries.append(entry)
    return {
        "id": str(base + sequence * 2),
        "name": title,
        "display_label": title,
        "api_name": f"{api}__s" if not subform else api,
        "sequence_number": sequence,
        "column_count": 1 if subform or title == "Description Information" else 2,
        "tab_traversal": "left_to_right",
        "type": "used",
        "generated_type": "default",
        "isSubformSection": subform,
        # layouts.json requires a tooltip object here (`{}`: no tooltip set)
        "properties": {"reorder_rows": True, "maximum_rows": 200, "tooltip": {}}
        if subform
        else None,
        "fields": entries,
    }


@dataclass(frozen=True)
class RelatedList:
    api_name: str
    display_label: str
    module: str | None  # the related records' module (None: no module, e.g. Emails)
    field: str | None  # the lookup field of ``module`` that points at the parent
    href: bool  # has a related records API
    sequence: int
    list_id: str
    status: str = "visible"  # visible, user_hidden, scheduled_for_deletion


def related_lists(schema: OrgSchema, module: str) -> list[RelatedList]:
    """A module's related lists: every other module with a lookup to it, activities through
    What_Id, Notes and Attachments through Parent_Id, and Emails (no API)."""
    parent = schema.modules[module]
    out: list[RelatedList] = []
    seen: set[str] = set()
    base = int(parent.module_id) + 55000

    def add(api_name, label, rel_module, field_name, href=True):
        if api_name in seen:
            return
        seen.add(api_name)
        out.append(
            RelatedList(
                api_name,
                label,
                rel_module,
                field_name,
                href,
                len(out) + 1,
                str(base + 2 * len(out)),
                RELATED_LIST_STATUS.get((module, api_name), "visible"),
            )
        )

    for rel_module, fd in schema.referencing(module):
        if rel_module == module or fd.read_only and fd.lookup_module != SE_MODULE:
            continue
        rel = schema.modules[rel_module]
        if rel_module in ("Attachments", "Notes", "Data_Subject_Requests"):
            continue
        add(rel_module, rel.plural, rel_module, fd.api_name)
    if module in catalog.PARENT_ID_MODULES:
        add("Notes", "Notes", "Notes", "Parent_Id")
        add("Attachments", "Attachments", "Attachments", "Parent_Id")
    add("Emails", "Emails", None, None, href=False)
    return out


# Related lists the demo shows in states Zoho's getRelatedLists examples have
# ("userhiddenrelatedlist", "scheduledfordeletionrelatedlist"): still answered by the related
# records API, not shown in Zoho's UI.
RELATED_LIST_STATUS = {
    ("Accounts", "Sales_Orders"): "user_hidden",
    ("Accounts", "Cases"): "scheduled_for_deletion",
}


def related_list_json(module: str, rl: RelatedList, schema: OrgSchema) -> dict:
    """One entry of ``settings/related_lists``. ``href`` is the related records URL of every
    list that has one ("The href attribute in the response must be used in the URL to call
    the related list API", Related Lists Meta Data; the SDK refuses a list whose href is
    null), null where there is none (Emails). Notes have ``module: null``, as Zoho's
    "allnullablefieldsnull" example shows."""
    rel = schema.modules.get(rl.module) if rl.module and rl.api_name != "Notes" else None
    shows_href = rl.href
    out = {
        "id": rl.list_id,
        "sequence_number": str(rl.sequence),
        "display_label": rl.display_label,
        "api_name": rl.api_name,
        "name": rl.api_name,
        "module": {"api_name": rel.api_name, "id": rel.module_id} if rel else None,
        "href": f"{module}/{{ENTITYID}}/{rl.api_name}" if shows_href else None,
        "type": "default",
        "action": None,
        "connectedmodule": None,
        "linkingmodule": None,
        "status": rl.status,
        "customize_sort": False,
        "customize_fields": False,
        "customize_display_label": False,
        "sort_by": None,
        "sort_order": None,
        "fields": None,
    }
    return zoho_keys.related_list(out)
