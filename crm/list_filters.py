"""A list's view and filters: one of Zoho's custom views of the module (`cvid`), the owner
("me" or a user), picklist values and a Created/Modified date range. Read from a query
string, checked against the module's metadata, the org's users and Zoho's views, and turned
into Zoho's search criteria (`(Lead_Status:equals:Contacted)and(Owner:equals:…)`).

A view alone is listed by Get Records with `cvid` (in the view's own order, every page);
any filter makes it a search (Zoho's Search Records with `criteria`, and `cvid` with a
view), which answers its first 2,000 matches in Zoho's search order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import metadata
from crm.fields import is_zoho_id
from crm.modules import NAME_PARTS, Module
from crm.presenters import list_url
from crm.zoho import views as zoho_views

# Picklists a list offers as filters: at most this many, the list's columns first.
MAX_PICKLIST_FILTERS = 3
DATE_FIELDS = {"created": "Created_Time", "modified": "Modified_Time"}
PICK_PREFIX = "f_"  # a picklist filter's query parameter: f_Lead_Status=Contacted


def view_list(*, connection: ZohoConnection, module: Module) -> list[dict]:
    """Zoho's views of the module ({"id", "name", "default", "system"}), cached like the
    metadata; per connection (a user's own views are theirs), dropped with the org's
    metadata (its scope's generation)."""
    return metadata.cached(
        metadata.metadata_key(connection, "views", str(connection.pk), module.api_name),
        lambda: zoho_views.get_custom_views(connection, module.api_name),
    )


def picklist_filters(module: Module) -> list:
    """The picklist fields a list filters by: those among its columns, then the others."""
    picks = [
        f
        for f in module.fields
        if f.data_type == "picklist" and f.picklist and f.api_name not in NAME_PARTS
    ]
    columns = [f for f in module.list_fields if f in picks]
    return list(dict.fromkeys(columns + picks))[:MAX_PICKLIST_FILTERS]


@dataclass(frozen=True)
class ListFilter:
    view: str | None = None  # a cvid
    owner: str | None = None  # "me" or a user's id
    picks: tuple[tuple[str, str], ...] = ()  # (field API name, actual value)
    date: str | None = None  # "created" or "modified"
    start: dt.date | None = None
    end: dt.date | None = None
    errors: list[AppError] = field(default_factory=list, compare=False)

    @property
    def filtering(self) -> bool:
        """Anything beyond the view: the list is then a search."""
        return bool(self.owner or self.picks or self.start or self.end)

    @property
    def active(self) -> bool:
        return bool(self.view) or self.filtering

    def params(self) -> dict:
        """The query parameters that reopen this view and these filters."""
        out = {"cvid": self.view or "", "owner": self.owner or ""}
        out.update({PICK_PREFIX + name: value for name, value in self.picks})
        if self.start or self.end:
            out["date"] = self.date or "created"
            out["from"] = self.start.isoformat() if self.start else ""
            out["to"] = self.end.isoformat() if self.end else ""
        return out

    def criteria(self, *, me: str) -> str | None:
        """Zoho's search criteria for the filters (None without any)."""
        parts = []
        if self.owner:
            parts.append(f"(Owner:equals:{me if self.owner == 'me' else self.owner})")
        parts += [f"({name}:equals:{_escape(value)})" for name, value in self.picks]
        if self.start or self.end:
            name = DATE_FIELDS[self.date or "created"]
            start = f"{self.start.isoformat()}T00:00:00+00:00" if self.start else None
            end = f"{self.end.isoformat()}T23:59:59+00:00" if self.end else None
            if start and end:
                parts.append(f"({name}:between:{start},{end})")
            elif start:
                parts.append(f"({name}:greater_equal:{start})")
            else:
                parts.append(f"({name}:less_equal:{end})")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + "and".join(parts) + ")"

    def bulk_criteria(self, *, me: str) -> dict | None:
        """The same filters as Zoho's Bulk Read criteria (bulk_read.json `Criteria`: a
        condition, or an "and" group of them; None without any), for an export of the list."""
        parts = []
        if self.owner:
            parts.append(_condition("Owner", "equal", me if self.owner == "me" else self.owner))
        parts += [_condition(name, "equal", value) for name, value in self.picks]
        if self.start or self.end:
            name = DATE_FIELDS[self.date or "created"]
            start = f"{self.start.isoformat()}T00:00:00+00:00" if self.start else None
            end = f"{self.end.isoformat()}T23:59:59+00:00" if self.end else None
            if start and end:
                parts.append(_condition(name, "between", [start, end]))
            elif start:
                parts.append(_condition(name, "greater_equal", start))
            else:
                parts.append(_condition(name, "less_equal", end))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"group_operator": "and", "group": parts}


def _condition(api_name: str, comparator: str, value) -> dict:
    return {"field": {"api_name": api_name}, "comparator": comparator, "value": value}


def _escape(value: str) -> str:
    """A value inside Zoho's criteria: parentheses and commas escaped with a backslash."""
    return "".join("\\" + ch if ch in "\\()," else ch for ch in value)


def _date(raw: str | None, name: str, errors: list) -> dt.date | None:
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _not_a_date(text, name, errors)
    except ValueError:
        return _not_a_date(text, name, errors)


def _not_a_date(text: str, name: str, errors: list) -> None:
    errors.append(
        AppError(
            ErrorCode.INVALID_DATA, f"“{text[:20]}” is not a date: use YYYY-MM-DD.", field=name
        )
    )


def parse_filters(  # noqa: C901 - one check per kind of filter
    query, *, connection: ZohoConnection, module: Module
) -> ListFilter:
    """The view and filters `query` (a QueryDict or dict) asks for. What cannot be used (a
    view the module does not have, a user not in the org, a value the picklist does not
    offer, a malformed date) is left out and named in `errors`, in plain words."""
    errors: list[AppError] = []
    view = (query.get("cvid") or "").strip() or None
    if view is not None:
        names = _view_names(connection, module)
        if not is_zoho_id(view) or (names is not None and view not in names):
            errors.append(
                AppError(
                    ErrorCode.INVALID_DATA,
                    f"{module.label} has no such view (it may have been deleted in Zoho).",
                    field="cvid",
                )
            )
            view = None
    owner = (query.get("owner") or "").strip() or None
    if owner is not None and owner != "me":
        users = {u["id"] for u in metadata.user_list(connection=connection)}
        if owner not in users:
            errors.append(
                AppError(
                    ErrorCode.INVALID_DATA,
                    "That owner is not an active user of this org.",
                    field="owner",
                )
            )
            owner = None
    picks = []
    for f in picklist_filters(module):
        raw = (query.get(PICK_PREFIX + f.api_name) or "").strip()
        if not raw:
            continue
        actual = f.actual_value(raw)
        if actual is None:
            errors.append(
                AppError(
                    ErrorCode.INVALID_DATA,
                    f"{f.label} has no choice “{raw[:40]}”.",
                    field=PICK_PREFIX + f.api_name,
                )
            )
            continue
        picks.append((f.api_name, actual))
    date = (query.get("date") or "created").strip()
    if date not in DATE_FIELDS:
        errors.append(
            AppError(ErrorCode.INVALID_DATA, "Filter by Created or Modified.", field="date")
        )
        date = "created"
    start = _date(query.get("from"), "from", errors)
    end = _date(query.get("to"), "to", errors)
    if start and end and start > end:
        errors.append(
            AppError(ErrorCode.INVALID_DATA, "The date range ends before it starts.", field="to")
        )
        start = end = None
    return ListFilter(view, owner, tuple(picks), date, start, end, errors)


def _view_names(connection: ZohoConnection, module: Module) -> dict[str, str] | None:
    """{id: name} of the module's views; None when Zoho would not tell (the connection
    was not granted the custom views scope): Zoho then checks the id itself."""
    try:
        return {v["id"]: v["name"] for v in view_list(connection=connection, module=module)}
    except AppError as error:
        if error.code in (ErrorCode.NEEDS_RECONSENT, ErrorCode.NO_PERMISSION):
            return None
        raise


def order_label(filters: ListFilter) -> str | None:
    """How a filtered or view list is ordered, in words (None: the usual wording)."""
    if filters.filtering:
        return "In Zoho's search order (oldest first)"
    if filters.view:
        return "In the view's own order"
    return None


def view_picker(*, connection: ZohoConnection, module: Module, selected: str | None) -> dict:
    """The view picker (templates/records/_view_picker.html): Zoho's views of the module,
    `selected` (a cvid) marked, or a note saying why there are none. Reads the views (one
    `settings/custom_views` call when not cached): only for a page that shows them."""
    try:
        views = view_list(connection=connection, module=module)
        note = ""
    except AppError as error:
        views = []
        note = (
            "Sign in with Zoho again to see Zoho's views of this module."
            if error.code == ErrorCode.NEEDS_RECONSENT
            else "Zoho's views of this module could not be read just now."
        )
    shown = [{**v, "selected": v["id"] == selected} for v in views]
    return {
        "views": shown,
        "views_note": note,
        "view_name": next((v["name"] for v in shown if v["selected"]), ""),
    }


def form_context(
    *,
    connection: ZohoConnection,
    module: Module,
    filters: ListFilter,
    keep: dict,
    show_views: bool = True,
    open_panel: bool = False,
) -> dict:
    """What the list page's "View and filters" panel shows (templates/records/_filters.html).
    Zoho's views only with `show_views` (a view is active, or the panel was opened without
    JavaScript); otherwise the panel offers them on opening (`views_url`, `choose_url`), and
    a plain list makes no views call."""
    picker = (
        view_picker(connection=connection, module=module, selected=filters.view)
        if show_views
        else {"views": [], "views_note": "", "view_name": ""}
    )
    try:
        users = metadata.user_list(connection=connection)
    except AppError:
        users = []
    base = {"per_page": keep.get("per_page")}
    mine = {**base, **filters.params(), "owner": "me", "page": None, "page_token": None}
    return {
        "active": filters.active,
        "open": open_panel or filters.active or bool(filters.errors),
        "views_shown": show_views,
        **picker,
        "choose_url": list_url({**keep, "filters": "open"}, {}) + "#filters-panel",
        "owner": filters.owner or "",
        "me": connection.zoho_user_id,
        "users": [
            {**u, "selected": u["id"] == filters.owner}
            for u in users
            if u["id"] != connection.zoho_user_id
        ],
        "picks": [
            {
                "name": PICK_PREFIX + f.api_name,
                "label": f.label,
                "options": [
                    {
                        "value": value,
                        "label": label,
                        "selected": (f.api_name, value) in filters.picks,
                    }
                    for value, label in zip(f.picklist, f.picklist_labels, strict=False)
                ],
            }
            for f in picklist_filters(module)
        ],
        "date": filters.date or "created",
        "start": filters.start.isoformat() if filters.start else "",
        "end": filters.end.isoformat() if filters.end else "",
        "mine_url": list_url(mine, {}),
        "mine_active": filters.owner == "me",
        "clear_url": list_url(base, {}) or "?",
    }
