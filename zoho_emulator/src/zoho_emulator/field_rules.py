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

The tables only, and what reads them alone: ``layouts`` builds the per-org layouts from them,
``profiles`` the profiles each org has; neither this module nor ``seed`` imports those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
