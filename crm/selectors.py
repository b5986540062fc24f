"""Reads of records for the active connection: a page of a list or search (sorted through
COQL when Get Records cannot sort so), one record, counts, lookups by name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from accounts.models import ZohoConnection
from core.cache import MISSING, cache_get, cache_set, get_or_set_once
from core.errors import AppError, ErrorCode
from crm.fields import Field, is_zoho_id
from crm.modules import ALWAYS_SORTABLE, COQL_MAX_RECORDS, NAME_FALLBACKS, Module, record_title
from crm.zoho import query as zoho_query
from crm.zoho import records as zoho_records

PER_PAGE_CHOICES = (10, 20, 50, 100, 200)


MAX_PAGED_RECORDS = 2000  # Zoho's page/per_page limit; beyond it Zoho wants a page_token


MAX_FIELDS_PER_CALL = 50  # Zoho's limit on `fields` names per call


def search_words(query: str) -> str:
    """`query` as Zoho's search takes it (stripped); an AppError naming `q` when it is too
    long, or shorter than two characters (an email address aside: "@" searches emails)."""
    query = (query or "").strip()
    if len(query) > 200:
        raise AppError(ErrorCode.INVALID_DATA, "The search is too long.", field="q")
    if "@" not in query and len(query) < 2:
        raise AppError(ErrorCode.INVALID_DATA, "Search for at least two characters.", field="q")
    return query


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
    cvid: str | None = None,
    criteria: str | None = None,
) -> RecordPage:
    """One page of records, or of search results when `query` is given; `cvid` lists one
    of Zoho's custom views (in its own order), `criteria` filters (Zoho's search criteria,
    `crm.list_filters`), within the view when both are given.

    Zoho pages by number through the first 2,000 records; past them a page is asked for
    with the `page_token` the previous page's `info.next_page_token` gave.
    """
    if not 1 <= per_page <= 200:
        raise AppError(
            ErrorCode.INVALID_DATA, "per_page must be between 1 and 200.", field="per_page"
        )
    query = (query or "").strip()
    if query and criteria:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Search or filter, not both: the search was left out.",
            field="q",
        )
    if (cvid or criteria) and sort_by:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "A view or a filter lists records in Zoho's own order: it cannot be sorted by a "
            "column.",
            field="sort_by",
        )
    if criteria and (page_token or page * per_page > MAX_PAGED_RECORDS):
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Zoho answers the first {MAX_PAGED_RECORDS:,} records a filter finds only: "
            "narrow the filters.",
            field="page",
        )
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
    if criteria:
        records, info = zoho_records.search_records(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            criteria=criteria,
            cvid=cvid,
        )
    elif ordered:
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
        is_email = "@" in search_words(query)
        records, info = zoho_records.search_records(
            connection,
            module.api_name,
            field_names=names,
            page=page,
            per_page=per_page,
            email=query if is_email else None,
            word=None if is_email else query,
            cvid=cvid,
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
            cvid=cvid,
        )
    info["page"] = page  # Zoho numbers token pages from its own start; the portal counts on
    return RecordPage(records=records, info=info, columns=columns)


def record_detail(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    """One record with every field, in one call. Zoho takes at most 50 field names a call:
    a module with more (a Lead has 64) is read without `fields`, which Zoho answers with
    every field the profile may see, and the answer is cut down to the module's fields."""
    names = module.field_names
    if len(names) <= MAX_FIELDS_PER_CALL:
        record = zoho_records.get_record(
            connection, module.api_name, record_id, field_chunks=[names or ["id"]]
        )
    else:
        record = zoho_records.get_record(connection, module.api_name, record_id, field_chunks=[])
        if record is not None:
            known = set(names)
            record = {k: v for k, v in record.items() if k in known or k == "id" or k[:1] == "$"}
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    return record


# --- navigation reads: counts, layout sections, related lists, lookups by name --------------
COUNT_TTL = 60  # seconds: a count is a hint ("41–60 of 2,512"), refreshed after a write here


def _count_generation_key(connection: ZohoConnection, module: str) -> str:
    return f"crm:countgen:{connection.pk}:{module}"


def count_key(connection: ZohoConnection, module: str, query: str = "") -> str:
    """The cache key of a count of `module` (of the records matching `query`, when given)
    through `connection`: it carries the module's count generation, which a write made here
    moves on (`count_forget`), so that every count of the module (its total, a search's, a
    view's or filter's) is asked for again after it."""
    generation = cache_get(_count_generation_key(connection, module))
    if generation is MISSING:  # no write made here lately (or the cache is down)
        generation = 0
    # A search is hashed: its words may hold spaces or characters no cache backend keys by.
    searched = hashlib.sha256(query.casefold().encode()).hexdigest()[:16] if query else ""
    return f"crm:count:{connection.pk}:{module}:{generation}:{searched}"


def record_count(
    *,
    connection: ZohoConnection,
    module: Module,
    query: str = "",
    cvid: str | None = None,
    criteria: str | None = None,
) -> int:
    """How many records the module holds, or match the search `query`, or are in the view
    `cvid` and match `criteria` (Zoho's count API, cached briefly and asked again after a
    create, update or delete made here)."""
    query = (query or "").strip()
    is_email = "@" in query

    def load() -> int:
        return zoho_records.count_records(
            connection,
            module.api_name,
            word=query if query and not is_email and not criteria else None,
            email=query if is_email and not criteria else None,
            criteria=criteria,
            cvid=cvid,
        )

    key = count_key(connection, module.api_name, query)
    if cvid or criteria:  # a view's or filter's count
        key = f"{key}:{cvid or ''}:{hashlib.sha256((criteria or '').encode()).hexdigest()[:16]}"
    return get_or_set_once(key, load, COUNT_TTL)


def count_forget(*, connection: ZohoConnection, module: str) -> None:
    """After a write made here (a record created, changed or deleted): every count of the
    module through this connection is asked for again (a change may move a record into or
    out of a view, a filter or a search)."""
    cache_set(_count_generation_key(connection, module), secrets.token_hex(4), COUNT_TTL)


LOOKUP_RESULTS = 10


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
