"""A record's related lists: which lists a module has (cached), the first few records of
each for the record page, and one list page by page."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.metadata import NOT_ABOUT_THE_LIST, cached, metadata_key, module_get, module_list
from crm.modules import Module
from crm.selectors import MAX_FIELDS_PER_CALL, MAX_PAGED_RECORDS, record_name
from crm.zoho import metadata as zoho_metadata
from crm.zoho import records as zoho_records
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
            if error.code in NOT_ABOUT_THE_LIST:
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
