"""Bulk edits: one field set to one value on many records, or many records deleted, up to
100 per call (Zoho's limit for Update Records and Delete Records), with one result per
record in Zoho's style. More than 100 records are a background job (jobs/bulk_edits.py),
which calls these in steps of 100.

The value is checked as the record form checks it (`crm.validation`), a lookup typed as a
name resolved as the forms do (`crm.lookup_text`), before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import list_filters, lookup_text, record_state, selectors
from crm.compound_values import TYPES as COMPOUND_TYPES
from crm.fields import Field, is_zoho_id
from crm.list_filters import ListFilter
from crm.modules import Module, record_title
from crm.selectors import count_forget
from crm.services import explain_refusal
from crm.validation import clean_values
from crm.zoho import records as zoho_records

MAX_IDS = 100  # Zoho's limit per Update Records / Delete Records call
# "All N matching" at most: the records a background job reads the ids of first.
MAX_MATCHING = 10_000
# Field types one value can be given to on many records at once (not files, subforms,
# addresses or multi lookups: their values are made of parts of each record).
NOT_MASS_UPDATABLE = COMPOUND_TYPES | {"fileupload", "imageupload", "profileimage"}


def updatable_fields(module: Module) -> list[Field]:
    """The fields a bulk update may set: editable, of one value each."""
    return [
        f
        for f in module.editable_fields
        if f.data_type not in NOT_MASS_UPDATABLE and not f.any_module
    ]


def parse_ids(raw) -> list[int]:
    """Record ids from a list (of ids or {"id"}s) or comma-separated text; duplicates
    dropped, order kept. An AppError naming `ids` when one is not an id or none is given."""
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not raw:
        raise AppError(ErrorCode.INVALID_DATA, "Choose at least one record.", field="ids")
    ids: list[int] = []
    for item in raw:
        ident = item.get("id") if isinstance(item, dict) else item
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)
        if not isinstance(ident, str) or not is_zoho_id(ident.strip()):
            raise AppError(
                ErrorCode.INVALID_DATA,
                "Each record is given by its id: digits only, as in its page's address.",
                field="ids",
            )
        number = int(ident.strip())
        if number not in ids:
            ids.append(number)
    return ids


def _at_most_one_call(ids: list[int]) -> None:
    if len(ids) > MAX_IDS:
        raise AppError(
            ErrorCode.LIMIT_EXCEEDED,
            f"At most {MAX_IDS} records at a time here; more are changed in the background.",
            field="ids",
        )


def clean_update(*, connection: ZohoConnection, module: Module, values) -> dict:
    """The one field (or few) a bulk update sets, checked as the record form checks it."""
    module.require("edit")
    if not isinstance(values, dict) or not values:
        raise AppError(
            ErrorCode.INVALID_DATA, "Choose a field and the value to give it.", field="values"
        )
    allowed = {f.api_name for f in updatable_fields(module)}
    for name in values:
        if name not in allowed:
            field = module.field(name)
            label = field.label if field else name
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"{label} cannot be changed on many records at once.",
                field=str(name)[:100],
            )
    values = lookup_text.resolve_names(connection=connection, module=module, values=values)
    return clean_values(module, values, creating=False)


def records_update_many(
    *, connection: ZohoConnection, module: Module, ids: list[int], values: dict
) -> list[dict]:
    """Give `values` (checked by `clean_update`) to up to 100 records in one call; a result
    per record, in the order of `ids`."""
    module.require("edit")
    _at_most_one_call(ids)
    records = [{"id": ident, **values} for ident in ids]
    results = zoho_records.update_records(connection, module.api_name, records, module.types)
    if any(r["status"] == "success" for r in results):
        count_forget(connection=connection, module=module.api_name)
    return [
        _result(module, ident, explain_refusal(module, values, r))
        for ident, r in _paired(ids, results)
    ]


def records_delete_many(
    *, connection: ZohoConnection, module: Module, ids: list[int]
) -> list[dict]:
    """Delete up to 100 records in one call; a result per record, in the order of `ids`."""
    module.require("delete")
    _at_most_one_call(ids)
    results = zoho_records.delete_records(connection, module.api_name, ids)
    if any(r["status"] == "success" for r in results):
        count_forget(connection=connection, module=module.api_name)
    return [_result(module, ident, r) for ident, r in _paired(ids, results)]


def _paired(ids: list[int], results: list[dict]):
    if len(results) != len(ids):  # Zoho answers one entry per record asked for
        raise AppError(
            ErrorCode.ZOHO_ERROR, "Zoho CRM gave an answer the portal does not understand."
        )
    return zip(ids, results, strict=True)


def _result(module: Module, ident: int, result: dict) -> dict:
    """One record's result in Zoho's style ({"id", "status", "code", "message"}, and the
    `field` Zoho named), its message in plain words."""
    entry = {
        "id": str(ident),
        "status": result["status"],
        "code": result["code"],
        "message": _plain_message(module, result),
    }
    if result["status"] != "success" and result.get("field") not in (None, "id"):
        entry["field"] = result["field"]
    return entry


def _plain_message(module: Module, result: dict) -> str:
    code, zoho_says = result["code"], result.get("message") or ""
    if result["status"] == "success":
        return (
            "Updated."
            if "updated" in zoho_says
            else "Deleted."
            if "deleted" in zoho_says
            else "Done."
        )
    if code in (record_state.RECORD_LOCKED, record_state.NOT_APPROVED):
        return record_state.from_zoho(code, None).message
    if result.get("field") == "id" or code == "RECORD_NOT_FOUND":
        return f"No such {module.singular_label.lower()} in the active org (deleted meanwhile?)."
    if code == "NO_PERMISSION":
        return "Your Zoho profile does not allow this."
    field = module.field(result.get("field") or "")
    if field is not None and zoho_says == "invalid data":
        return f"Zoho CRM refused the value of {field.label}."
    return zoho_says or "Zoho CRM refused the record."


def summary(results: list[dict]) -> dict:
    """How many succeeded and which failed."""
    failed = [r for r in results if r["status"] != "success"]
    return {"succeeded": len(results) - len(failed), "failed": len(failed)}


# --- "all N matching": the list's search, view and filters ----------------------------------
# The list parameters of a view and its filters (crm.list_filters); a module's picklist
# filters add theirs (`f_Lead_Status`).
FILTER_PARAMETERS = frozenset({"cvid", "owner", "date", "from", "to"})


def filter_parameters(module: Module) -> frozenset[str]:
    """The query parameters of a view and filters of `module`'s list."""
    picks = {list_filters.PICK_PREFIX + f.api_name for f in list_filters.picklist_filters(module)}
    return FILTER_PARAMETERS | picks


@dataclass(frozen=True)
class Matching:
    """What "all matching" means: the list's search (`query`) within its view, or its view
    and filters (`filters`), read as the list reads them (`crm.list_filters`)."""

    query: str
    filters: ListFilter

    def criteria(self, connection: ZohoConnection) -> str | None:
        return self.filters.criteria(me=connection.zoho_user_id)

    def params(self) -> dict:
        """The view and filters as list parameters (those set only): kept in a job's
        params, read again by `matching` to find the same records."""
        return {k: v for k, v in self.filters.params().items() if v}


def matching(
    *, connection: ZohoConnection, module: Module, params, drop_filters_on_search: bool = False
) -> Matching:
    """The records "all matching" `params` means (a dict or QueryDict of the list's `q`,
    `cvid`, `owner`, `f_<picklist>`, `date`, `from`, `to`; nothing else), read by the list's own
    `parse_filters`. A view or filter it cannot use (unknown view, owner or value, bad date)
    is an AppError naming it, never left out: a bulk edit of more records than the list
    showed is worse than none. A search with filters: the filters dropped, as the list page
    drops them (`drop_filters_on_search`), or an AppError, as the JSON list answers."""
    unknown = sorted(set(params) - {"q"} - filter_parameters(module))
    if unknown:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "“All matching” follows the list's search, view and filters only, "
            f"not “{unknown[0][:40]}”.",
            field="all_matching",
        )
    query = params.get("q") or ""
    if not isinstance(query, str) or any(not isinstance(params.get(k), str) for k in params):
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Each of the list's search, view and filters is given as text.",
            field="all_matching",
        )
    query = query.strip()
    filters = list_filters.parse_filters(params, connection=connection, module=module)
    if filters.errors:
        raise filters.errors[0]
    if query and filters.filtering:
        if not drop_filters_on_search:
            raise AppError(ErrorCode.INVALID_DATA, "Search or filter, not both.", field="q")
        filters = replace(filters, owner=None, picks=(), start=None, end=None)
    return Matching(query, filters)


def matching_count(*, connection: ZohoConnection, module: Module, found: Matching) -> int:
    """How many records "all matching" `found` means now (the count beside the list's
    title: Zoho's count for that search, view and filters)."""
    return selectors.record_count(
        connection=connection,
        module=module,
        query=found.query,
        cvid=found.filters.view,
        criteria=found.criteria(connection),
    )


def matching_records(
    *,
    connection: ZohoConnection,
    module: Module,
    query: str = "",
    filters: dict | None = None,
    limit: int = MAX_MATCHING,
) -> list[dict]:
    """Every record the list shows for `query` and the view and `filters` (list parameters,
    `Matching.params`; all records without either) as {"id", "name"}, read page by page as
    the list reads them; an AppError when there are more than `limit`."""
    found = matching(connection=connection, module=module, params={**(filters or {}), "q": query})
    criteria = found.criteria(connection)
    searching = bool(found.query or criteria)  # Zoho's search: its first 2,000 matches
    ids: list[dict] = []
    page, token = 1, None
    while True:
        listing = selectors.record_page(
            connection=connection,
            module=module,
            page=page,
            per_page=200,
            query=found.query,
            page_token=token,
            cvid=found.filters.view,
            criteria=criteria,
        )
        ids.extend(
            {"id": str(r["id"]), "name": record_title(module, r)}
            for r in listing.records
            if is_zoho_id(str(r.get("id")))
        )
        if len(ids) > limit:
            raise AppError(
                ErrorCode.LIMIT_EXCEEDED,
                f"More than {limit:,} records match: narrow the list first.",
            )
        if not listing.info.get("more_records"):
            return ids
        page += 1
        if searching and page * 200 > selectors.MAX_PAGED_RECORDS:
            raise AppError(
                ErrorCode.LIMIT_EXCEEDED,
                f"Zoho's search answers the first {selectors.MAX_PAGED_RECORDS:,} matches "
                "only: narrow the search or the filters first.",
            )
        if searching or page * 200 <= selectors.MAX_PAGED_RECORDS:
            token = None
        else:
            token = listing.info.get("next_page_token")
            if not token:
                return ids


# --- more than one call: a background job ---------------------------------------------------
# The jobs app (above crm) registers the function that starts a bulk edit as a job
# (jobs/apps.py); crm never imports it. It takes the keywords of `start_background` and
# returns the job as {"id", "state", "progress"}.
_background: list = []


def register_background(start) -> None:
    _background[:] = [start]


def start_background(
    *,
    owner,
    connection: ZohoConnection,
    module: str,
    action: str,
    ids: list[int] | None,
    query: str | None,
    values: dict | None,
    names: dict | None = None,
    filters: dict | None = None,
) -> dict:
    """A bulk edit of more than 100 records (`ids`), or of every record matching `query`
    and the view and `filters` (`Matching.params`) (`ids` None), started as a background
    job; {"id", "state", "progress"}."""
    if not _background:
        raise AppError(
            ErrorCode.UNAVAILABLE,
            "Background work is not available here: choose 100 records or fewer.",
        )
    return _background[0](
        owner=owner,
        connection=connection,
        module=module,
        action=action,
        ids=ids,
        query=query,
        values=values,
        names=names,
        filters=filters,
    )
