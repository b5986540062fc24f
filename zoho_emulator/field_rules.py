"""What an admin configures on top of the field catalog: layouts (each with its own
sections and mandatory fields), field permissions per profile, picklist display values and
Owner's flags.

Zoho keeps these apart from ``settings/fields``: a field made mandatory in a layout is
flagged ``required: true`` in that layout's section (``settings/layouts``) while its
``system_mandatory`` stays false (v8 getFields: "does not contain layout-specific
configurations such as mandatory flags"); a profile's access to a field is the field's
``profiles[].permission_type`` (``read_write``, ``read_only`` or ``hidden``); a picklist
option renamed by an admin shows its new ``display_value`` while records keep its
``actual_value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import seed

# --- layouts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtraLayout:
    """A module's layout besides its default ("Standard") one."""

    module: str
    layout_id: str
    name: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (title, field api names)
    required: frozenset[str]  # mandatory in this layout (system mandatory ones included)

    @property
    def api_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.name).strip("_")


# Beyond the system mandatory fields: what the admin made mandatory in each default layout.
# Leads: Company, as in Zoho's own standard Leads layout (not system mandatory: getFields'
# example has Company "system_mandatory": false).
DEFAULT_LAYOUT_REQUIRED: dict[str, frozenset[str]] = {"Leads": frozenset({"Company"})}

EXTRA_LAYOUTS: tuple[ExtraLayout, ...] = (
    ExtraLayout(
        module="Leads",
        layout_id="3652397000000091077",
        name="Partner Leads",
        sections=(
            (
                "Partner Lead Information",
                (
                    "Owner",
                    "First_Name",
                    "Last_Name",
                    "Company",
                    "Email",
                    "Phone",
                    "Lead_Source",
                    "Lead_Status",
                    "Industry",
                    "Rating",
                    "Annual_Revenue",
                ),
            ),
            ("Description Information", ("Description",)),
        ),
        required=frozenset({"Last_Name", "Email", "Lead_Source"}),
    ),
)
PARTNER_LAYOUT_ID = EXTRA_LAYOUTS[0].layout_id


def extra_layouts(module: str) -> list[ExtraLayout]:
    return [lay for lay in EXTRA_LAYOUTS if lay.module == module]


# --- field permissions ----------------------------------------------------------------------

# Per profile: {module: {field: "hidden" | "read_only"}}; every other field is read_write.
FIELD_PERMISSIONS: dict[str, dict[str, dict[str, str]]] = {
    "Field Sales (restricted)": {
        "Leads": {"Annual_Revenue": "hidden", "Rating": "read_only"},
    },
}

# A profile's id in an org: the org's id prefix and a number per profile (stable, so that
# the users API, the field metadata and the layouts name the same id).
_PROFILE_NUMBERS = {
    "Administrator": "000000026011",
    "Standard": "000000026014",
    "Field Sales (restricted)": "000000026017",
    "Warehouse (restricted)": "000000026020",
}


def profile_id(zgid: str, profile: str) -> str:
    org = seed.org_by_zgid()[zgid]
    return org.id_prefix + _PROFILE_NUMBERS.get(profile, "000000026099")


def org_profiles(zgid: str) -> list[str]:
    """The profiles an org has: Administrator and Standard, and those its users hold."""
    names = ["Administrator", "Standard"]
    for user in seed.org_users(zgid):
        if user.profile not in names:
            names.append(user.profile)
    return names


def permission(profile: str, module: str, field: str) -> str:
    return FIELD_PERMISSIONS.get(profile, {}).get(module, {}).get(field, "read_write")


def restricted_fields(profile: str) -> dict[str, dict[str, str]]:
    """``{module: {field: "hidden" | "read_only"}}`` of a profile (a copy)."""
    return {m: dict(f) for m, f in FIELD_PERMISSIONS.get(profile, {}).items()}


def hidden_fields(profile: str, module: str) -> set[str]:
    return {
        name
        for name, kind in FIELD_PERMISSIONS.get(profile, {}).get(module, {}).items()
        if kind == "hidden"
    }


def profiles_json(zgid: str, module: str, field: str) -> list[dict]:
    """A field's ``profiles`` array: every profile of the org with its permission."""
    return [
        {
            "permission_type": permission(name, module, field),
            "name": name,
            "id": profile_id(zgid, name),
        }
        for name in org_profiles(zgid)
    ]


# --- picklists ------------------------------------------------------------------------------

# Options an admin renamed: {module: {field: {actual_value: display_value}}}. Records keep
# (and the API takes) the actual value; Zoho's UI shows the display value.
PICKLIST_DISPLAY: dict[str, dict[str, dict[str, str]]] = {
    "Leads": {
        "Lead_Status": {
            "Not Contacted": "New",
            "Pre-Qualified": "Qualified",
            "Junk Lead": "Junk",
        },
    },
}


def display_value(module: str, field: str, actual: str) -> str:
    return PICKLIST_DISPLAY.get(module, {}).get(field, {}).get(actual, actual)


# --- per org: layouts with their mandatory fields ----------------------------------------------


def layout_ids(mod) -> list[str]:
    """A module's layout ids, the default one first."""
    from .schema import layout_id

    return [layout_id(mod)] + [lay.layout_id for lay in extra_layouts(mod.api_name)]


def layout_name(mod, lid: str) -> str | None:
    from .schema import layout_id

    if lid == layout_id(mod):
        return "Standard"
    found = next((lay for lay in extra_layouts(mod.api_name) if lay.layout_id == lid), None)
    return found.name if found else None


def required_fields(mod, lid: str, overrides: dict) -> set[str]:
    """The fields a record of ``mod`` created in layout ``lid`` must have: the system
    mandatory ones, the layout's own, and what the control plane changed
    (``overrides``: ``{(module, layout id): {field: bool}}``)."""
    from .schema import layout_id

    names = {fd.api_name for fd in mod.fields.values() if fd.mandatory}
    if lid == layout_id(mod):
        names |= DEFAULT_LAYOUT_REQUIRED.get(mod.api_name, frozenset())
    else:
        extra = next((lay for lay in extra_layouts(mod.api_name) if lay.layout_id == lid), None)
        names |= extra.required if extra else frozenset()
    for name, required in overrides.get((mod.api_name, lid), {}).items():
        fd = mod.fields.get(name)
        if fd is not None and fd.mandatory:
            continue  # a system mandatory field stays mandatory
        if required:
            names.add(name)
        else:
            names.discard(name)
    return names


def layouts_json(mod, overrides: dict) -> list[dict]:
    """``settings/layouts``: the default layout, then the module's other layouts, each
    section field flagged ``required`` as that layout makes it."""
    from .schema import _section, layout_json

    default = layout_json(mod)
    out = [default]
    for lay in extra_layouts(mod.api_name):
        base = int(lay.layout_id)
        sections = []
        for title, names in lay.sections:
            fields = [mod.fields[n] for n in names if n in mod.fields]
            sections.append(_section(mod, title, fields, len(sections) + 1, base, False))
        out.append(
            {
                **default,
                "id": lay.layout_id,
                "name": lay.name,
                "display_label": lay.name,
                "api_name": lay.api_name,
                "generated_type": "custom",
                "sections": sections,
            }
        )
    for layout in out:
        required = required_fields(mod, layout["id"], overrides)
        for section in layout["sections"]:
            for entry in section["fields"]:
                entry["required"] = entry["api_name"] in required
    return out
