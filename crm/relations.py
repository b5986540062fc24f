"""A record's related lists: which lists a module has (cached), how many records each holds
(Zoho's related records count: every list in one call), the first few records of one list
when the record page opens it, and one list page by page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.metadata import cached, metadata_key, module_get, module_list
from crm.modules import Module
from crm.selectors import MAX_FIELDS_PER_CALL, MAX_PAGED_RECORDS, record_name
from crm.zoho import metadata as zoho_metadata
from crm.zoho import records as zoho_records
from crm.zoho import related_counts as zoho_related_counts
from crm.zoho import runner

RELATED_PER_PAGE = 5


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
    total: int | None = None  # every record of the list (Zoho's count), when asked for


@dataclass(frozen=True)
class RelatedCount:
    """One related list of one record as the record page lists it before it is opened: its
    label, the related module's API name and how many records it holds."""

    api_name: str
    label: str
    module: str
    count: int


def related_list_meta(*, connection: ZohoConnection, module: Module) -> list[dict]:
    """The module's related lists Zoho's API serves and this user may see (cached)."""
    entries = cached(
        metadata_key(connection, "related", module.api_name),
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
    try:
        records, info = zoho_records.get_related_records(
            connection,
            module.api_name,
            record_id,
            entry["api_name"],
            field_names=[f.api_name for f in related.list_fields][:MAX_FIELDS_PER_CALL],
            page=page,
            per_page=per_page,
        )
    except AppError as error:
        if error.code == ErrorCode.INVALID_DATA and error.field is None:
            # Zoho's {"resource_path_index": 1}: no such record
            raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.") from None
        raise
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


def related_counts(
    *, connection: ZohoConnection, module: Module, record_id: int
) -> list[RelatedCount]:
    """How many records each related list of a record holds, in Zoho's order: one call for
    every list (Zoho's related records count takes 20 lists a call). A list Zoho refuses to
    count (a profile that may not read that module) is left out, as Zoho's own UI does."""
    entries = related_list_meta(connection=connection, module=module)
    counts: dict[str, int | str] = {}
    step = zoho_related_counts.MAX_LISTS_PER_CALL
    for start in range(0, len(entries), step):
        counts.update(
            zoho_related_counts.get_related_records_count(
                connection,
                module.api_name,
                record_id,
                [e["api_name"] for e in entries[start : start + step]],
            )
        )
    return [
        RelatedCount(e["api_name"], e["label"], e["module"], counts[e["api_name"]])
        for e in entries
        if isinstance(counts.get(e["api_name"]), int)
    ]


def record_with_counts(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    read_record: Callable[[ZohoConnection], dict],
    warm: tuple[Callable[[ZohoConnection], object], ...] = (),
) -> tuple[dict, list[RelatedCount] | AppError]:
    """The record (`read_record(connection)`) and its related lists' counts, asked for at
    once, beside `warm`: metadata the page reads next (its layout, the org's currency), so
    that it is cached by then. Warm, one round trip to Zoho; cold, two (the counts wait
    for the related-list metadata). The counts are an `AppError` when Zoho could not give
    them (the record is shown all the same); the record's own error is raised."""

    def one(connection: ZohoConnection, job):
        if job == "record":
            return read_record(connection)
        if job == "counts":
            try:
                return related_counts(connection=connection, module=module, record_id=record_id)
            except AppError as error:
                if error.code == ErrorCode.NOT_FOUND:
                    raise
                return error
        try:
            return job(connection)
        except AppError:  # the page's own read of it says what went wrong
            return None

    record, counts, *_ = runner.run_concurrently(connection, one, ["record", "counts", *warm])
    return record, counts


def related_rows(
    *, connection: ZohoConnection, module: Module, record_id: int, related_list: str
) -> RelatedList:
    """The first few records of one related list of a record, for the record page when the
    list is opened (one call; a list the module does not have is a 404)."""
    return _related_list(connection, module, record_id, _entry(connection, module, related_list))


def _entry(connection: ZohoConnection, module: Module, related_list: str) -> dict:
    entry = next(
        (
            e
            for e in related_list_meta(connection=connection, module=module)
            if e["api_name"].lower() == str(related_list).lower()
        ),
        None,
    )
    if entry is None:
        raise AppError(
            ErrorCode.NOT_FOUND, f"{module.label} have no related list {related_list[:60]!r} here."
        )
    return entry


def related_page(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    related_list: str,
    page: int = 1,
    per_page: int = 20,
) -> RelatedList:
    """One page of one related list of a record, for its own page ("View all"), with the
    record's name and the list's total: the page first (the SDK reads the module's related
    lists into its own files before a related-records call; beside other calls of the same
    connection that read once answered "SDK error: None" in a full test run), then the
    name and the total at once. Zoho pages a related list by number through its first 2,000
    records (the SDK sends no page_token there)."""
    entry = _entry(connection, module, related_list)
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
    module_get(connection=connection, module=entry["module"])  # metadata first (cached)

    listing = _related_list(connection, module, record_id, entry, page=page, per_page=per_page)

    def one(connection: ZohoConnection, what: str):
        if what == "name":
            return record_name(connection=connection, module=module, record_id=record_id)
        counts = zoho_related_counts.get_related_records_count(
            connection, module.api_name, record_id, [entry["api_name"]]
        )
        found = counts.get(entry["api_name"])
        return found if isinstance(found, int) else None

    parent_name, total = runner.run_concurrently(connection, one, ["name", "total"])
    if parent_name is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")
    return replace(listing, parent_name=parent_name, total=total)
