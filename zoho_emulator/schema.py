"""Field metadata for the emulated CRM modules and the validation rules derived from it.

The metadata mirrors what ``GET /crm/v8/settings/fields?module=X`` returns in Zoho CRM:
``api_name``, ``field_label``, ``data_type``, ``json_type``, ``system_mandatory``,
``read_only``, ``length``, ``pick_list_values`` and ``lookup`` are the keys the SDK's
``Utility.set_data_type`` reads to build its per-user field cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

MODULES = ("Leads", "Contacts", "Accounts", "Deals")

# Stable numeric ids for modules (Zoho shows 19-digit ids; these are fixed per emulator).
MODULE_IDS = {
    "Leads": "3652397000000002175",
    "Contacts": "3652397000000002179",
    "Accounts": "3652397000000002177",
    "Deals": "3652397000000002181",
}

MODULE_SINGULAR = {"Leads": "Lead", "Contacts": "Contact", "Accounts": "Account", "Deals": "Deal"}

JSON_TYPES = {
    "text": "string",
    "textarea": "string",
    "email": "string",
    "phone": "string",
    "website": "string",
    "picklist": "string",
    "integer": "integer",
    "bigint": "string",
    "double": "double",
    "currency": "double",
    "date": "string",
    "datetime": "string",
    "boolean": "boolean",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
}

# Zoho's own email regex is Unicode-aware; this ASCII-friendly version accepts the same
# everyday addresses and rejects the usual mistakes (no @, no dot in the domain, spaces).
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9+_\-][A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*@(?:[A-Za-z0-9](?:[A-Za-z0-9\-_]*[A-Za-z0-9])?\.)+[A-Za-z]{2,22}$"
)
PHONE_RE = re.compile(r"^\+?[0-9A-Za-z().\- ,;#]{1,30}$")
WEBSITE_RE = re.compile(
    r"^(?:https?://|ftp://)?(?:www\.)?[^\s./:?#]+(?:\.[^\s./:?#]+)+(?:[/?#]\S*)?$"
)


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
    extra: dict = field(default_factory=dict)


def _f(api_name, label, data_type, **kw):
    return FieldDef(api_name, label, data_type, **kw)


LEAD_SOURCES = (
    "-None-",
    "Advertisement",
    "Cold Call",
    "Employee Referral",
    "External Referral",
    "Online Store",
    "Partner",
    "Public Relations",
    "Sales Email Alias",
    "Seminar Partner",
    "Internal Seminar",
    "Trade Show",
    "Web Download",
    "Web Research",
    "Chat",
)
LEAD_STATUSES = (
    "-None-",
    "Attempted to Contact",
    "Contact in Future",
    "Contacted",
    "Junk Lead",
    "Lost Lead",
    "Not Contacted",
    "Pre-Qualified",
    "Not Qualified",
)
INDUSTRIES = (
    "-None-",
    "ASP (Application Service Provider)",
    "Data/Telecom OEM",
    "ERP (Enterprise Resource Planning)",
    "Government/Military",
    "Large Enterprise",
    "Management ISV",
    "MSP (Management Service Provider)",
    "Network Equipment Enterprise",
    "Non-management ISV",
    "Optical Networking",
    "Service Provider",
    "Small/Medium Enterprise",
    "Storage Equipment",
    "Storage Service Provider",
    "Systems Integrator",
    "Wireless Industry",
    "Communications",
    "Consulting",
    "Education",
    "Financial Services",
    "Manufacturing",
    "Retail",
    "Technology",
    "Logistics",
    "Energy",
)
RATINGS = ("-None-", "Acquired", "Active", "Market Failed", "Project Cancelled", "Shut Down")
ACCOUNT_TYPES = (
    "-None-",
    "Analyst",
    "Competitor",
    "Customer",
    "Distributor",
    "Integrator",
    "Investor",
    "Other",
    "Partner",
    "Press",
    "Prospect",
    "Reseller",
    "Supplier",
    "Vendor",
)
DEAL_STAGES = (
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Identify Decision Makers",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
    "Closed-Lost to Competition",
)
STAGE_PROBABILITY = {
    "Qualification": 10,
    "Needs Analysis": 20,
    "Value Proposition": 40,
    "Identify Decision Makers": 60,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
    "Closed-Lost to Competition": 0,
}
DEAL_TYPES = ("-None-", "Existing Business", "New Business")
SALUTATIONS = ("-None-", "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.")


def _system_fields():
    return [
        _f("Owner", "Lead Owner", "ownerlookup", length=120),
        _f("Created_By", "Created By", "ownerlookup", length=120, read_only=True, search=False),
        _f("Modified_By", "Modified By", "ownerlookup", length=120, read_only=True, search=False),
        _f("Created_Time", "Created Time", "datetime", length=120, read_only=True, sortable=True),
        _f("Modified_Time", "Modified Time", "datetime", length=120, read_only=True, sortable=True),
    ]


def _module_fields(module: str) -> list[FieldDef]:
    sys_fields = _system_fields()
    owner_label = f"{MODULE_SINGULAR[module]} Owner"
    sys_fields[0] = _f("Owner", owner_label, "ownerlookup", length=120)
    if module == "Leads":
        own = [
            _f("Salutation", "Salutation", "picklist", length=120, picklist=SALUTATIONS),
            _f("First_Name", "First Name", "text", length=40, sortable=True),
            _f("Last_Name", "Last Name", "text", length=80, mandatory=True, sortable=True),
            _f("Full_Name", "Lead Name", "text", length=120, read_only=True, sortable=True),
            _f("Company", "Company", "text", length=200, sortable=True),
            _f("Designation", "Title", "text", length=100),
            _f("Email", "Email", "email", length=100, unique=True, sortable=True),
            _f("Phone", "Phone", "phone", length=30),
            _f("Mobile", "Mobile", "phone", length=30),
            _f("Website", "Website", "website", length=255),
            _f("Lead_Source", "Lead Source", "picklist", length=120, picklist=LEAD_SOURCES),
            _f("Lead_Status", "Lead Status", "picklist", length=120, picklist=LEAD_STATUSES),
            _f("Industry", "Industry", "picklist", length=120, picklist=INDUSTRIES),
            _f("No_of_Employees", "No. of Employees", "integer", length=9),
            _f("Annual_Revenue", "Annual Revenue", "currency", length=16),
            _f("Rating", "Rating", "picklist", length=120, picklist=RATINGS),
            _f("Email_Opt_Out", "Email Opt Out", "boolean", length=5, search=False),
            _f("City", "City", "text", length=100),
            _f("State", "State", "text", length=100),
            _f("Country", "Country", "text", length=100),
            _f("Description", "Description", "textarea", length=32000),
        ]
    elif module == "Contacts":
        own = [
            _f("Salutation", "Salutation", "picklist", length=120, picklist=SALUTATIONS),
            _f("First_Name", "First Name", "text", length=40, sortable=True),
            _f("Last_Name", "Last Name", "text", length=80, mandatory=True, sortable=True),
            _f("Full_Name", "Contact Name", "text", length=120, read_only=True, sortable=True),
            _f("Account_Name", "Account Name", "lookup", length=120, lookup_module="Accounts"),
            _f("Email", "Email", "email", length=100, unique=True, sortable=True),
            _f("Phone", "Phone", "phone", length=30),
            _f("Mobile", "Mobile", "phone", length=30),
            _f("Title", "Title", "text", length=100),
            _f("Department", "Department", "text", length=30),
            _f("Date_of_Birth", "Date of Birth", "date", length=20),
            _f("Lead_Source", "Lead Source", "picklist", length=120, picklist=LEAD_SOURCES),
            _f("Email_Opt_Out", "Email Opt Out", "boolean", length=5, search=False),
            _f("Mailing_City", "Mailing City", "text", length=30),
            _f("Mailing_Country", "Mailing Country", "text", length=30),
            _f("Description", "Description", "textarea", length=32000),
        ]
    elif module == "Accounts":
        own = [
            _f(
                "Account_Name",
                "Account Name",
                "text",
                length=200,
                mandatory=True,
                unique=True,
                sortable=True,
            ),
            _f("Account_Number", "Account Number", "bigint", length=40),
            _f("Account_Type", "Account Type", "picklist", length=120, picklist=ACCOUNT_TYPES),
            _f("Industry", "Industry", "picklist", length=120, picklist=INDUSTRIES),
            _f("Website", "Website", "website", length=255),
            _f("Phone", "Phone", "phone", length=30),
            _f("Employees", "Employees", "integer", length=9),
            _f("Annual_Revenue", "Annual Revenue", "currency", length=16),
            _f("Rating", "Rating", "picklist", length=120, picklist=RATINGS),
            _f("Billing_City", "Billing City", "text", length=30),
            _f("Billing_Country", "Billing Country", "text", length=30),
            _f("Description", "Description", "textarea", length=32000),
        ]
    elif module == "Deals":
        own = [
            _f("Deal_Name", "Deal Name", "text", length=120, mandatory=True, sortable=True),
            _f("Stage", "Stage", "picklist", length=120, mandatory=True, picklist=DEAL_STAGES),
            _f("Amount", "Amount", "currency", length=16, sortable=True),
            _f("Closing_Date", "Closing Date", "date", length=20, sortable=True),
            _f("Probability", "Probability (%)", "integer", length=3),
            _f("Type", "Type", "picklist", length=120, picklist=DEAL_TYPES),
            _f("Account_Name", "Account Name", "lookup", length=120, lookup_module="Accounts"),
            _f("Contact_Name", "Contact Name", "lookup", length=120, lookup_module="Contacts"),
            _f("Lead_Source", "Lead Source", "picklist", length=120, picklist=LEAD_SOURCES),
            _f("Next_Step", "Next Step", "text", length=100),
            _f("Description", "Description", "textarea", length=32000),
        ]
    else:  # pragma: no cover - guarded by callers
        raise KeyError(module)
    return sys_fields[:1] + own + sys_fields[1:]


FIELDS: dict[str, dict[str, FieldDef]] = {
    m: {f.api_name: f for f in _module_fields(m)} for m in MODULES
}

# The field whose value is the record's "name" in lookups (Zoho's display field).
NAME_FIELD = {
    "Leads": "Full_Name",
    "Contacts": "Full_Name",
    "Accounts": "Account_Name",
    "Deals": "Deal_Name",
}

MODULE_BY_LOWER = {m.lower(): m for m in MODULES}


def canonical_module(name: str) -> str | None:
    return MODULE_BY_LOWER.get((name or "").lower())


def _field_id(module: str, index: int) -> str:
    return str(int(MODULE_IDS[module]) + 1000 + index * 3)


def field_metadata(module: str) -> list[dict]:
    """The ``fields`` array of ``GET /settings/fields?module=<module>``."""
    out = []
    for index, fd in enumerate(FIELDS[module].values()):
        meta = {
            "api_name": fd.api_name,
            "field_label": fd.label,
            "display_label": fd.label,
            "data_type": fd.data_type,
            "json_type": JSON_TYPES[fd.data_type],
            "column_name": fd.api_name.upper(),
            "id": _field_id(module, index),
            "custom_field": False,
            "system_mandatory": fd.mandatory,
            "read_only": fd.read_only,
            "field_read_only": fd.read_only,
            "length": fd.length,
            "visible": True,
            "sortable": fd.sortable or fd.api_name in ("Created_Time", "Modified_Time"),
            "searchable": fd.search,
            "filterable": True,
            "mass_update": not fd.read_only,
            "created_source": "default",
            "display_field": fd.api_name == NAME_FIELD[module],
            "decimal_place": 2 if fd.data_type in ("currency", "double") else None,
            "pick_list_values": [],
            "lookup": {},
            "unique": {"casesensitive": "false"} if fd.unique else {},
        }
        if fd.picklist:
            meta["pick_list_values"] = [
                {
                    "display_value": value,
                    "actual_value": value,
                    "sequence_number": seq + 1,
                    "reference_value": value,
                    "type": "used",
                    "id": str(int(meta["id"]) * 100 + seq),
                }
                for seq, value in enumerate(fd.picklist)
            ]
        if fd.lookup_module:
            meta["lookup"] = {
                "display_label": fd.label,
                "api_name": fd.api_name,
                "module": {"api_name": fd.lookup_module, "id": MODULE_IDS[fd.lookup_module]},
                "id": str(int(meta["id"]) + 1),
            }
        out.append(meta)
    return out


def module_metadata() -> list[dict]:
    """The ``modules`` array of ``GET /settings/modules``."""
    out = []
    for seq, module in enumerate(MODULES, start=2):
        out.append(
            {
                "api_name": module,
                "module_name": module,
                "plural_label": module,
                "singular_label": MODULE_SINGULAR[module],
                "id": MODULE_IDS[module],
                "api_supported": True,
                "generated_type": "default",
                "creatable": True,
                "editable": True,
                "deletable": True,
                "viewable": True,
                "visible": True,
                "convertable": module == "Leads",
                "global_search_supported": True,
                "show_as_tab": True,
                "sequence_number": seq,
                "status": "visible",
                "quick_create": True,
                "per_page": 200,
                "business_card_field_limit": 5,
                "modified_time": None,
                "modified_by": None,
            }
        )
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
    if t in ("double", "currency"):
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
