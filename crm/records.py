"""CRM records for the active connection: modules and fields (cached), and the operations.

Views call these with the session's active connection; nothing here imports the SDK
(`crm.zoho` does). Every module the signed-in user may see and Zoho's API supports is
offered, from Zoho's own module metadata; what may be created, edited or deleted comes from
the module's permissions for that user. Field values are checked by `crm.fields.Field`
before any write is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import cached_property

from accounts.models import ZohoConnection
from core.cache import MISSING, cache_delete, cache_get, get_or_set_once
from core.errors import AppError, ErrorCode
from crm import record_state
from crm.fields import MODULE_NAME, REFERENCE_TYPES, SE_MODULE_KEY, Field, is_zoho_id
from crm.zoho import metadata as zoho_metadata
from crm.zoho import query as zoho_query
from crm.zoho import records as zoho_records
from crm.zoho import runner

METADATA_TTL = 300  # seconds; field and module metadata change rarely
PER_PAGE_CHOICES = (10, 20, 50, 100, 200)
MAX_BATCH = 100
MAX_PAGED_RECORDS = 2000  # Zoho's page/per_page limit; beyond it Zoho wants a page_token
MAX_FIELDS_PER_CALL = 50  # Zoho's limit on `fields` names per call
PAGE_TOKEN_MAX = 512
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


# --- metadata -----------------------------------------------------------------------------
def _cached(key: str, load):
    """Shared by every worker on every host; one of them loads a key the others miss.

    Each process also keeps what it read for LOCAL_TTL seconds (`_local`): a warm request
    then neither reads the shared cache nor rebuilds a module's fields.
    """
    return _local(key, lambda: get_or_set_once(key, load, METADATA_TTL))


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


def _org_modules(connection: ZohoConnection) -> list[dict]:
    """Every module of the org as Zoho describes it to this user (cached)."""
    return _cached(f"crm:modules:{connection.pk}", lambda: zoho_metadata.get_modules(connection))


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
    key = f"crm:fields:{connection.pk}:{module}"
    return _local(f"{key}:built", lambda: _build(found, key, connection))


def _build(found: dict, key: str, connection: ZohoConnection) -> Module:
    module = found["api_name"]
    metadata = _cached(key, lambda: zoho_metadata.get_fields(connection, module))
    # Whose permissions count only matters when some profile is restricted on a field.
    restricted = any(
        entry.get("permission") not in (None, "read_write")
        for meta in metadata
        for entry in meta.get("profiles") or ()
    )
    profile = user_profile(connection=connection) if restricted else None
    fields = [Field.from_metadata(meta, profile) for meta in metadata]
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
    """The signed-in user's Zoho profile ({"id", "name"}), from the org's users (cached)."""
    me = next(
        (u for u in user_list(connection=connection) if u["id"] == connection.zoho_user_id),
        None,
    )
    return (me or {}).get("profile")


def module_layouts(*, connection: ZohoConnection, module: str) -> list[dict]:
    """The module's active layouts, the default one first (cached)."""
    return _cached(
        f"crm:layouts:{connection.pk}:{module}",
        lambda: zoho_metadata.get_layouts(connection, module),
    )


def with_layout(*, connection: ZohoConnection, module: Module, layout: str | None) -> Module:
    """`module` as a record in `layout` (an id; None: the default, Zoho's first) sees it:
    each field required as that layout makes it (Zoho flags layout-mandatory fields in the
    layout, not in the field metadata). A layout the module does not have is a 400."""
    try:
        found = module_layouts(connection=connection, module=module.api_name)
    except AppError as error:
        if error.code in _NOT_ABOUT_THE_LIST:  # the connection or Zoho failed: say so
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
    return _cached(f"crm:users:{connection.pk}", lambda: zoho_metadata.get_users(connection))


def parse_record_id(raw: str) -> int:
    if not is_zoho_id(raw):
        raise AppError(ErrorCode.INVALID_ID, "Record ids are numbers.", field="id")
    return int(raw)


def parse_page_token(raw: str | None) -> str | None:
    """Zoho's opaque `page_token`, passed on as it came: printable ASCII, bounded."""
    if raw is None or raw == "":
        return None
    if len(raw) > PAGE_TOKEN_MAX or not raw.isascii() or not raw.isprintable() or " " in raw:
        raise AppError(
            ErrorCode.INVALID_DATA, "page_token is not one Zoho gave.", field="page_token"
        )
    return raw


# --- validation ---------------------------------------------------------------------------
def clean_values(module: Module, values, *, creating: bool) -> dict:
    """`values` checked field by field (`Field.clean`); the AppError names the field."""
    if not isinstance(values, dict):
        raise AppError(
            ErrorCode.INVALID_DATA, "A record is a JSON object of field names to values."
        )
    cleaned = {}
    related_module = _related_module(module, values)
    for name, value in values.items():
        if name in ("id", SE_MODULE_KEY):
            continue
        field = module.field(name) if isinstance(name, str) else None
        if field is None or not field.editable:
            reason = "is read-only" if field is not None else "is not a field of this module"
            if field is not None and field.permission == "read_only":
                reason = "is read-only for your Zoho profile"
            if name in module.hidden:
                reason = "is hidden from your Zoho profile"
            raise AppError(
                ErrorCode.INVALID_DATA, f"{str(name)[:60]} {reason}.", field=str(name)[:100]
            )
        cleaned[name] = field.clean(value)
    if related_module is not None:
        cleaned[SE_MODULE_KEY] = related_module
    if creating:
        for field in module.editable_fields:
            if field.required and cleaned.get(field.api_name) is None:
                raise _required(field)
        return {k: v for k, v in cleaned.items() if v is not None and v != []}
    if not cleaned:
        raise AppError(ErrorCode.INVALID_DATA, "Nothing to change: give at least one field.")
    for name, value in cleaned.items():
        field = module.field(name)
        if value is None and field.data_type == "ownerlookup":
            raise AppError(
                ErrorCode.MANDATORY_NOT_FOUND,
                f"{field.label} cannot be cleared: every record has an owner.",
                field=name,
            )
        if value is None and field.required:
            raise _required(field)
    return cleaned


def _related_module(module: Module, values: dict) -> str | None:
    """The `$se_module` that goes with an any-module lookup (an activity's `What_Id`): the
    module of the record it points to. Required with such a lookup, refused without one."""
    given = values.get(SE_MODULE_KEY)
    lookups = [f for f in module.editable_fields if f.any_module and values.get(f.api_name)]
    if not lookups:
        if given not in (None, ""):
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"{SE_MODULE_KEY} goes with a Related To (What_Id) value only.",
                field=SE_MODULE_KEY,
            )
        return None
    if not isinstance(given, str) or not MODULE_NAME.fullmatch(given):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{lookups[0].label} needs the module of the record it points to, in "
            f'{SE_MODULE_KEY} (e.g. "Accounts").',
            field=SE_MODULE_KEY,
        )
    return given


def _required(field: Field) -> AppError:
    return AppError(
        ErrorCode.MANDATORY_NOT_FOUND, f"{field.label} is required.", field=field.api_name
    )


# --- operations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordPage:
    records: list[dict]
    info: dict
    columns: list[Field] = field(default_factory=list)


def record_page(
    *,
    connection: ZohoConnection,
    module: Module,
    page: int = 1,
    per_page: int = 20,
    sort_by: str | None = None,
    sort_order: str | None = None,
    query: str = "",
    page_token: str | None = None,
) -> RecordPage:
    """One page of records, or of search results when `query` is given.

    Zoho pages by number through the first 2,000 records; past them a page is asked for
    with the `page_token` the previous page's `info.next_page_token` gave.
    """
    if not 1 <= per_page <= 200:
        raise AppError(
            ErrorCode.INVALID_DATA, "per_page must be between 1 and 200.", field="per_page"
        )
    query = (query or "").strip()
    if query and (page_token or page * per_page > MAX_PAGED_RECORDS):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Zoho's search answers the first {MAX_PAGED_RECORDS:,} matches only: "
            "narrow the search.",
            field="page",
        )
    if sort_by and sort_by not in module.sortable:
        raise AppError(ErrorCode.INVALID_DATA, f"Cannot sort by {sort_by[:60]!r}.", field="sort_by")
    if sort_order not in (None, "", "asc", "desc"):
        raise AppError(ErrorCode.INVALID_DATA, "sort_order is asc or desc.", field="sort_order")
    ordered = bool(sort_by) and sort_by not in ALWAYS_SORTABLE and not query
    if ordered and (page_token or page < 1 or page * per_page > COQL_MAX_RECORDS):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Sorted by a column, Zoho lists the first {COQL_MAX_RECORDS:,} records only.",
            field="page",
        )
    if page < 1 or (not ordered and page_token is None and page * per_page > MAX_PAGED_RECORDS):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Zoho pages by number through the first {MAX_PAGED_RECORDS:,} records only: "
            "continue with the page_token of the page before (info.next_page_token).",
            field="page",
        )
    columns = module.list_fields
    names = [c.api_name for c in columns][:MAX_FIELDS_PER_CALL]
    if ordered:
        try:
            records, info = zoho_query.get_records_ordered(
                connection,
                module.api_name,
                field_names=names,
                sort_by=sort_by,
                sort_order=sort_order or None,
                offset=(page - 1) * per_page,
                limit=per_page,
            )
        except AppError as error:
            if error.code != ErrorCode.NEEDS_RECONSENT:
                raise
            # A grant from before the portal asked for ZohoCRM.coql.READ: the list still
            # works in its default order.
            raise AppError(
                ErrorCode.INVALID_DATA,
                "Sorting by this column needs a permission this connection was not given "
                "(Zoho's query API): sign in with Zoho again to allow it.",
                field="sort_by",
            ) from None
    elif query:
        if len(query) > 200:
            raise AppError(ErrorCode.INVALID_DATA, "The search is too long.", field="q")
        is_email = "@" in query
        if not is_email and len(query) < 2:
            raise AppError(ErrorCode.INVALID_DATA, "Search for at least two characters.", field="q")
        records, info = zoho_records.search_records(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            email=query if is_email else None,
            word=None if is_email else query,
        )
    else:
        records, info = zoho_records.get_records(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            sort_by=sort_by or None,
            sort_order=sort_order or None,
            page_token=page_token,
        )
    info["page"] = page  # Zoho numbers token pages from its own start; the portal counts on
    return RecordPage(records=records, info=info, columns=columns)


def record_detail(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    """One record with every field: Zoho takes at most 50 field names a call, so a module
    with more (a Lead has 64) is read in several calls and put together."""
    names = module.field_names
    chunks = [
        names[start : start + MAX_FIELDS_PER_CALL]
        for start in range(0, len(names), MAX_FIELDS_PER_CALL)
    ] or [["id"]]
    record = zoho_records.get_record(connection, module.api_name, record_id, field_chunks=chunks)
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    return record


def records_create(*, connection: ZohoConnection, module: Module, records: list) -> list[dict]:
    """Create up to 100 records; every record is validated before anything is sent."""
    module.require("create")
    if not isinstance(records, list) or not records:
        raise AppError(ErrorCode.INVALID_DATA, "Give one record or a list of records.")
    if len(records) > MAX_BATCH:
        raise AppError(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_BATCH} records at a time.")
    cleaned = []
    for index, values in enumerate(records):
        try:
            values, layout = _layout_given(values, module)
            in_layout = with_layout(connection=connection, module=module, layout=layout)
            one = clean_values(in_layout, values, creating=True)
            if in_layout.sends_layout:
                one["Layout"] = in_layout.layout_id
            cleaned.append(one)
        except AppError as error:
            if len(records) > 1:
                error.message = f"Record {index + 1}: {error.message}"
            raise
    types = {**module.types, "Layout": "layout"}
    results = zoho_records.create_records(connection, module.api_name, cleaned, types)
    if any(result["status"] == "success" for result in results):
        count_forget(connection=connection, module=module.api_name)
    pairs = zip(cleaned, results, strict=False)
    return [_explain(module, values, result) for values, result in pairs]


def _layout_given(values, module: Module) -> tuple:
    """A record's `Layout` (Zoho's {"id": …}, or the id) taken out of its values: the
    layout it is created in; else the one `module` was chosen in (None: the default)."""
    if not isinstance(values, dict) or "Layout" not in values:
        return values, module.layout_id
    values = dict(values)
    given = values.pop("Layout")
    ident = given.get("id") if isinstance(given, dict) else given
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if ident is not None and not is_zoho_id(ident):
        raise AppError(
            ErrorCode.INVALID_DATA, 'Layout is a layout\'s id ({"id": "…"}).', field="Layout"
        )
    return values, ident


def record_update(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    values,
    layout: str | None = None,
) -> dict:
    module.require("edit")
    if layout is not None:  # the record's layout: what clearing a field may not leave empty
        module = with_layout(connection=connection, module=module, layout=layout)
    cleaned = clean_values(module, values, creating=False)
    result = zoho_records.update_record(
        connection, module.api_name, record_id, cleaned, module.types
    )
    result = _explain(module, cleaned, result)
    raise_for_result(result)
    return result


def _explain(module: Module, values: dict, result: dict) -> dict:
    """A lookup or owner Zoho refused (INVALID_DATA naming the field: no such record, or not
    an active user of the org) said plainly, keeping Zoho's own message."""
    field = module.field(result.get("field") or "")
    if (
        result["status"] != "error"
        or result["code"] != "INVALID_DATA"
        or field is None
        or field.data_type not in REFERENCE_TYPES
        or values.get(field.api_name) is None
    ):
        return result
    ident = values[field.api_name]
    if field.data_type in ("ownerlookup", "userlookup"):
        reason = f"{field.label}: user {ident} is not an active user of this org."
    else:
        where = field.lookup_module or "the related module"
        reason = f"{field.label}: no record in {where} has the id {ident}."
    zoho_says = result["message"]
    return {**result, "message": f"{reason} (Zoho: {zoho_says})" if zoho_says else reason}


def record_delete(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    module.require("delete")
    result = zoho_records.delete_record(connection, module.api_name, record_id)
    raise_for_result(result)
    count_forget(connection=connection, module=module.api_name)
    return result


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


def raise_for_result(result: dict) -> None:
    """A failed per-record result as the AppError a single-record call answers with."""
    if result["status"] == "success":
        return
    if result["code"] in (record_state.RECORD_LOCKED, record_state.NOT_APPROVED):
        raise record_state.from_zoho(result["code"], result["message"])
    if result.get("field") == "id" or result["code"] == "RECORD_NOT_FOUND":
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    if result["code"] == "NO_PERMISSION":
        raise AppError(
            ErrorCode.NO_PERMISSION, result["message"] or "Your Zoho profile does not allow this."
        )
    extras = {}
    if result["code"] in ErrorCode.__members__:
        code = ErrorCode(result["code"])
    else:  # a code of Zoho's the portal does not know: the record was refused all the same
        code, extras["zoho_code"] = ErrorCode.INVALID_DATA, str(result["code"])[:60]
    if result.get("duplicate_of") is not None:
        extras["duplicate_of"] = result["duplicate_of"]  # the record a duplicate matches
    raise AppError(
        code,
        result["message"] or "Zoho CRM refused the record.",
        field=result.get("field"),
        **extras,
    )


# --- navigation reads: counts, layout sections, related lists, lookups by name --------------
COUNT_TTL = 60  # seconds: a count is a hint ("41–60 of 2,512"), refreshed after a write here
RELATED_PER_PAGE = 5
# Errors that stop the record page: the record itself, the connection or Zoho failed.
# Any other (the user may not read that list, or Zoho refuses to list it) leaves the list out.
_NOT_ABOUT_THE_LIST = frozenset(
    {"NOT_FOUND", "NOT_SIGNED_IN", "THROTTLED", "ZOHO_ERROR", "ZOHO_TIMEOUT"}
)
LOOKUP_RESULTS = 10
OTHER_SECTION = "Other information"


def _count_key(connection: ZohoConnection, module: str, query: str = "") -> str:
    return f"crm:count:{connection.pk}:{module}:{query.casefold()}"


def record_count(*, connection: ZohoConnection, module: Module, query: str = "") -> int:
    """How many records the module holds, or match the search `query` (Zoho's count API,
    cached briefly and forgotten after a create or delete made here)."""
    query = (query or "").strip()
    is_email = "@" in query

    def load() -> int:
        return zoho_records.count_records(
            connection,
            module.api_name,
            word=query if query and not is_email else None,
            email=query if is_email else None,
        )

    return get_or_set_once(_count_key(connection, module.api_name, query), load, COUNT_TTL)


def count_forget(*, connection: ZohoConnection, module: str) -> None:
    """After a create or delete: the module's total is asked for again."""
    cache_delete(_count_key(connection, module))


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


@dataclass(frozen=True)
class RelatedList:
    """One page of a related list of one record: its label, the related module, the
    records, whether there are more, and (on its own page) the record's name."""

    api_name: str
    label: str
    module: Module
    records: list[dict]
    more: bool
    page: int = 1
    per_page: int = RELATED_PER_PAGE
    parent_name: str = ""


def related_list_meta(*, connection: ZohoConnection, module: Module) -> list[dict]:
    """The module's related lists Zoho's API serves and this user may see (cached)."""
    entries = _cached(
        f"crm:related:{connection.pk}:{module.api_name}",
        lambda: zoho_metadata.get_related_lists(connection, module.api_name),
    )
    visible = {m["api_name"] for m in module_list(connection=connection)}
    return [entry for entry in entries if entry["module"] in visible]


def _related_list(
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    entry: dict,
    *,
    page: int = 1,
    per_page: int = RELATED_PER_PAGE,
    parent_name: str = "",
) -> RelatedList:
    """One page of the related list `entry` (from `related_list_meta`) of a record."""
    related = module_get(connection=connection, module=entry["module"])
    records, info = zoho_records.get_related_records(
        connection,
        module.api_name,
        record_id,
        entry["api_name"],
        field_names=[f.api_name for f in related.list_fields][:MAX_FIELDS_PER_CALL],
        page=page,
        per_page=per_page,
    )
    return RelatedList(
        api_name=entry["api_name"],
        label=entry["label"],
        module=related,
        records=records,
        more=bool(info.get("more_records")),
        page=page,
        per_page=per_page,
        parent_name=parent_name,
    )


def related_lists(
    *, connection: ZohoConnection, module: Module, record_id: int, per_page: int = RELATED_PER_PAGE
) -> list[RelatedList]:
    """Every related list of a record with its first `per_page` records, asked for a few
    at a time (`runner.run_concurrently`: an Account has a dozen). A list Zoho refuses (a
    profile that may not read that module) is left out, as Zoho's own UI does."""

    def one(connection: ZohoConnection, entry: dict) -> RelatedList | None:
        try:
            return _related_list(connection, module, record_id, entry, per_page=per_page)
        except AppError as error:
            if error.code in _NOT_ABOUT_THE_LIST:
                raise
            return None

    entries = related_list_meta(connection=connection, module=module)
    return [found for found in runner.run_concurrently(connection, one, entries) if found]


def related_page(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    related_list: str,
    page: int = 1,
    per_page: int = 20,
) -> RelatedList:
    """One page of one related list of a record, for its own page ("View all"): Zoho pages
    a related list by number through its first 2,000 records (the SDK sends no page_token
    there)."""
    entry = next(
        (
            e
            for e in related_list_meta(connection=connection, module=module)
            if e["api_name"].lower() == related_list.lower()
        ),
        None,
    )
    if entry is None:
        raise AppError(
            ErrorCode.NOT_FOUND, f"{module.label} have no related list {related_list[:60]!r} here."
        )
    if not 1 <= per_page <= 200:
        raise AppError(
            ErrorCode.INVALID_DATA, "per_page must be between 1 and 200.", field="per_page"
        )
    if page < 1 or page * per_page > MAX_PAGED_RECORDS:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Zoho pages a related list through its first {MAX_PAGED_RECORDS:,} records only.",
            field="page",
        )
    parent_name = record_name(connection=connection, module=module, record_id=record_id)
    if parent_name is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    return _related_list(
        connection,
        module,
        record_id,
        entry,
        page=page,
        per_page=per_page,
        parent_name=parent_name,
    )


def lookup_search(
    *, connection: ZohoConnection, module: Module, query: str, limit: int = LOOKUP_RESULTS
) -> list[dict]:
    """Records of `module` whose name (or any text Zoho searches) matches `query`, as
    {"id", "name"}; with no query, the most recently modified. For choosing a lookup's
    record by name (the id stays what is sent)."""
    query = (query or "").strip()
    names = [module.name_field.api_name] if module.name_field else []
    names += [n for n in NAME_FALLBACKS if module.field(n) and n not in names]
    names = names[:MAX_FIELDS_PER_CALL] or ["id"]
    if query and len(query) >= 2:
        records, _ = zoho_records.search_records(
            connection,
            module.api_name,
            field_names=names,
            page=1,
            per_page=limit,
            email=query if "@" in query else None,
            word=None if "@" in query else query,
        )
    else:
        records, _ = zoho_records.get_records(
            connection,
            module.api_name,
            field_names=names,
            page=1,
            per_page=limit,
            sort_by="Modified_Time" if "Modified_Time" in module.sortable else None,
            sort_order="desc",
        )
    return [
        {"id": r["id"], "name": record_title(module, r)} for r in records if is_zoho_id(r.get("id"))
    ]


def record_name(*, connection: ZohoConnection, module: Module, record_id: int) -> str | None:
    """A record's name in one small call (its name field only); None when there is none."""
    name = module.name_field
    record = zoho_records.get_record(
        connection,
        module.api_name,
        record_id,
        field_chunks=[[name.api_name] if name else ["id"]],
    )
    return None if record is None else record_title(module, record)


def module_list_if_cached(*, connection: ZohoConnection) -> list[dict] | None:
    """`module_list` when the shared cache holds the org's modules, else None: for the
    page chrome (the header's module tabs), which never calls Zoho by itself."""
    modules = cache_get(f"crm:modules:{connection.pk}")
    if modules is MISSING or not isinstance(modules, list):
        return None
    return [m for m in modules if m["api_supported"] and m["viewable"] and m.get("tab", True)]
