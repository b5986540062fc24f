"""A CRM module of the connection's org as the portal sees it: its fields, the user's
permissions, its list columns, what it sorts by, and how a record of it is named."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from core.errors import AppError, ErrorCode
from crm import compound_values
from crm.fields import Field

LIST_COLUMNS = 6


QUICK_FIELDS = 8


# Activities and notes point to records; they are not what a Related To points to.
ACTIVITY_MODULES = ("Tasks", "Events", "Calls", "Notes", "Attachments")


ALWAYS_SORTABLE = ("id", "Created_Time", "Modified_Time")  # Get Records' own sort_by values


# Any other column sorts through COQL's ORDER BY, which pages by offset up to 100,000 records
# (Zoho's "Query API - Limitations"). Not offered: fields Zoho marks not sortable, and kinds
# COQL orders by something a person would not expect (a lookup by the id it stores) or not
# at all (multi-valued fields, long text, files and images).
COQL_MAX_RECORDS = 100_000


NOT_ORDERED_TYPES = (
    "lookup",
    "ownerlookup",
    "userlookup",
    "multiselectlookup",
    "multiuserlookup",
    "multiselectpicklist",
    "subform",
    "textarea",
    "fileupload",
    "imageupload",
    "profileimage",
)


# Columns people look for first in a list, after the record's name (when the module has them).
USEFUL_COLUMNS = (
    "Company",
    "Account_Name",
    "Email",
    "Phone",
    "Stage",
    "Status",
    "Lead_Status",
    "Amount",
    "Closing_Date",
    "Due_Date",
    "Priority",
    "Start_DateTime",
    "Call_Start_Time",
    "What_Id",
    "Who_Id",
    "Contact_Name",
    "Product_Code",
    "Unit_Price",
    "Grand_Total",
    "Billing_City",
    "Owner",
)


NAME_FALLBACKS = ("Full_Name", "Account_Name", "Deal_Name", "Subject", "Name", "Last_Name")


# Never a list column: they repeat the record's name (Lead Name is First and Last Name).
NAME_PARTS = ("First_Name", "Last_Name", "Salutation")


@dataclass(frozen=True)
class Module:
    """A CRM module of the connection's org, with its fields and the user's permissions."""

    api_name: str
    label: str
    singular_label: str
    fields: tuple[Field, ...]
    creatable: bool = True
    editable: bool = True
    deletable: bool = True
    custom: bool = False
    tab: bool = True  # Zoho shows it as a tab (has a list page); see module_tabs
    # Fields the user's Zoho profile hides: never shown, listed or sent (not in `fields`).
    hidden: frozenset[str] = frozenset()
    # The module's layouts ({"id", "name", "sections"}, `zoho_metadata.get_layouts`) once
    # `with_layout` chose one (`layout_id`): its sections and its required fields.
    layouts: tuple[dict, ...] = ()
    layout_id: str | None = None

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.api_name: f for f in self.fields}

    def field(self, api_name: str) -> Field | None:
        return self._by_name.get(api_name)

    @cached_property
    def editable_fields(self) -> list[Field]:
        return [f for f in self.fields if f.editable]

    @cached_property
    def name_field(self) -> Field | None:
        """The field whose value names a record (Zoho's display field)."""
        marked = next((f for f in self.fields if f.name_field), None)
        return marked or next(
            (self._by_name[name] for name in NAME_FALLBACKS if name in self._by_name), None
        )

    @cached_property
    def list_fields(self) -> list[Field]:
        """The list's columns: the record's name, what is required, then what people look
        for first; never a column that repeats the name."""
        name = self.name_field
        shown = [
            f
            for f in self.fields
            if f is not name
            and f.api_name not in NAME_PARTS
            and (f.editable or f.api_name in USEFUL_COLUMNS)
            and f.data_type not in ("textarea", "multiselectpicklist")
        ]
        required = [f for f in shown if f.required]
        useful = sorted(
            (f for f in shown if f.api_name in USEFUL_COLUMNS and f not in required),
            key=lambda f: USEFUL_COLUMNS.index(f.api_name),
        )
        rest = [f for f in shown if f not in required and f not in useful]
        return ([name] if name else []) + (required + useful + rest)[: LIST_COLUMNS - 1]

    @cached_property
    def quick_fields(self) -> list[Field]:
        """What a short form asks for (the quick input page): what Zoho requires, then the
        list's columns, then the rest; simple inputs only, at most QUICK_FIELDS."""
        simple = [
            f
            for f in self.editable_fields
            if f.data_type not in ("lookup", "ownerlookup", "userlookup", "multiselectpicklist")
            and f.data_type not in compound_values.TYPES  # parts, links and rows: not short
        ]
        columns = [f for f in self.list_fields if f in simple]
        ordered = [f for f in simple if f.required] + columns + simple
        return list(dict.fromkeys(ordered))[:QUICK_FIELDS]

    @cached_property
    def field_names(self) -> list[str]:
        return [f.api_name for f in self.fields]

    @cached_property
    def sortable(self) -> set[str]:
        """What a list may be sorted by: Get Records' three, and through COQL's ORDER BY
        the fields Zoho marks sortable whose order means something to a person."""
        ordered = {
            f.api_name for f in self.fields if f.sortable and f.data_type not in NOT_ORDERED_TYPES
        }
        return ordered | set(ALWAYS_SORTABLE)

    @cached_property
    def types(self) -> dict[str, str]:
        return {f.api_name: f.data_type for f in self.fields}

    def require(self, permission: str) -> None:
        """AppError 403 NO_PERMISSION unless the user's Zoho profile allows `permission`
        (create, edit or delete) in this module."""
        if not getattr(
            self, {"create": "creatable", "edit": "editable"}.get(permission, "deletable")
        ):
            raise AppError(
                ErrorCode.NO_PERMISSION,
                f"Your Zoho profile does not allow you to {permission} {self.label.lower()}.",
            )

    def describe(self) -> dict:
        return {
            "api_name": self.api_name,
            "label": self.label,
            "singular_label": self.singular_label,
            "creatable": self.creatable,
            "editable": self.editable,
            "deletable": self.deletable,
            "custom": self.custom,
            "quick_fields": [f.api_name for f in self.quick_fields],
            "layouts": [{"id": lay["id"], "name": lay["name"]} for lay in self.layouts],
            "layout": self.layout_id,
        }

    @property
    def layout(self) -> dict | None:
        return next((lay for lay in self.layouts if lay["id"] == self.layout_id), None)

    @property
    def sends_layout(self) -> bool:
        """A record is created in a chosen layout (`Layout: {id}`) when the module has
        several; with one, Zoho's default is that one."""
        return len(self.layouts) > 1 and self.layout_id is not None


def record_title(module: Module, record: dict) -> str:
    """A human name for a record: its name field, else its id."""
    name = module.name_field
    value = record.get(name.api_name) if name else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return name.display(value) if name else value
    for key in NAME_FALLBACKS:
        fallback = record.get(key)
        if isinstance(fallback, str) and fallback.strip():
            return fallback
    return str(record.get("id", ""))
