"""A module's records page by page, and every record of one related list of a record."""

from __future__ import annotations

from django.shortcuts import render

from core.errors import AppError, ErrorCode
from crm import metadata, modules, relations, selectors, validation
from crm.presenters import (
    column,
    column_kind,
    currency_symbol,
    list_url,
    range_text,
    row,
    search_hint,
    sort_label,
)
from crm.views.access import page_view


@page_view(["GET"])
def record_list_page(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    query = _list_query(request)
    page, notices = _forgiving_page(connection, found, query)
    info = page.info
    next_link = previous_link = None
    ordered = _ordered(query)
    if ordered and info.get("more_records"):  # sorted through COQL: by offset, no tokens
        next_number = query["page"] + 1
        if next_number * query["per_page"] <= modules.COQL_MAX_RECORDS:
            next_link = {"page": next_number}
        else:
            notices.append(
                f"Sorted by a column, Zoho lists the first {modules.COQL_MAX_RECORDS:,} "
                "records only: search, or sort by Created Time or Modified Time, to find the "
                "others."
            )
    elif info.get("more_records"):
        next_number = query["page"] + 1
        if (
            next_number * query["per_page"] <= selectors.MAX_PAGED_RECORDS
            and not query["page_token"]
        ):
            next_link = {"page": next_number}
        elif info.get("next_page_token") and not query["query"]:
            next_link = {"page": next_number, "page_token": info["next_page_token"]}
        elif query["query"]:
            notices.append(
                f"Zoho's search answers the first {selectors.MAX_PAGED_RECORDS:,} matches only: "
                "narrow the search to find the others."
            )
        else:  # Zoho gave no page_token to go on with
            notices.append(
                f"Zoho lists only the first {selectors.MAX_PAGED_RECORDS:,} records page by page "
                "here: search to find the others."
            )
    if query["page"] > 1:
        previous_number = query["page"] - 1
        if ordered or previous_number * query["per_page"] <= selectors.MAX_PAGED_RECORDS:
            previous_link = {"page": previous_number}
        elif info.get("previous_page_token"):
            previous_link = {"page": previous_number, "page_token": info["previous_page_token"]}
    keep = {
        "per_page": query["per_page"],
        "q": query["query"],
        "sort_by": query["sort_by"] or "",
        "sort_order": query["sort_order"] or "",
    }
    first = (query["page"] - 1) * query["per_page"] + 1
    total = _total(connection, found, query["query"])
    return render(
        request,
        "records/list.html",
        {
            "module": found,
            "page": page,
            "columns": [column(c, query, keep, found.sortable) for c in page.columns],
            "rows": [
                row(found, page.columns, r, currency_symbol(connection, page.columns))
                for r in page.records
            ],
            "per_page": query["per_page"],
            "query": query["query"],
            "sort_by": query["sort_by"],
            "sort_order": query["sort_order"] or "asc",
            "sort_label": sort_label(found, query),
            "per_page_choices": selectors.PER_PAGE_CHOICES,
            "previous_url": list_url(keep, previous_link),
            "next_url": list_url(keep, next_link),
            "notices": notices,
            "total": total,
            "total_text": f"{total:,}" if total is not None else "",
            "range_text": range_text(first, len(page.records), total),
            "page_count": -(-total // query["per_page"]) if total else None,
            "search_hint": search_hint(found),
        },
    )


def _total(connection, module: modules.Module, query: str) -> int | None:
    """The count for "41–60 of 2,512": Zoho's count API; None (no total) when it fails."""
    try:
        return selectors.record_count(connection=connection, module=module, query=query)
    except AppError:
        return None


def _ordered(query: dict) -> bool:
    """The list is sorted by a column Get Records cannot sort by (through COQL)."""
    return (
        bool(query["sort_by"])
        and query["sort_by"] not in modules.ALWAYS_SORTABLE
        and not (query["query"])
    )


# Codes of a list parameter Zoho's rules refuse (the error's `field` names it).
REFUSED_PARAMETER = frozenset(
    {
        ErrorCode.INVALID_DATA,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_QUERY,
        ErrorCode.LIMIT_EXCEEDED,
        ErrorCode.DISCRETE_PAGINATION_LIMIT_EXCEEDED,
        ErrorCode.PAGINATION_LIMIT_EXCEEDED,
        ErrorCode.EXPIRED_VALUE,
    }
)


# What the list page falls back to when Zoho's rules refuse a parameter (selectors.record_page
# names it in the error's `field`), and how the notice ends.
_LIST_FALLBACKS = {
    "sort_by": ({"sort_by": None, "sort_order": None}, "Showing the default order."),
    "q": ({"query": ""}, "Showing all records."),
    "page": ({"page": 1, "page_token": None}, "Showing the first page."),
    "page_token": ({"page": 1, "page_token": None}, "Showing the first page."),
}


def _forgiving_page(connection, module, query: dict) -> tuple[selectors.RecordPage, list[str]]:
    """The page `query` asks for; a parameter Zoho's rules refuse falls back to its default,
    with a notice saying why. `query` is updated to what is shown."""
    notices = []
    while True:
        try:
            token = validation.parse_page_token(query["page_token"])
            page = selectors.record_page(
                connection=connection, module=module, **{**query, "page_token": token}
            )
            return page, notices
        except AppError as error:
            fallback = _LIST_FALLBACKS.get(error.field) if error.code in REFUSED_PARAMETER else None
            if fallback is None or all(query[k] == v for k, v in fallback[0].items()):
                raise
            query.update(fallback[0])
            notices.append(f"{error.message} {fallback[1]}")


def _list_query(request) -> dict:
    """The list page's query string, forgiving: a malformed value is the default, and one
    Zoho's rules refuse (sort_by, q, page) falls back to it with a notice (_forgiving_page)."""
    sort_order = request.GET.get("sort_order")
    return {
        "page": _query_positive(request.GET.get("page"), 1),
        "per_page": _query_choice(request.GET.get("per_page"), selectors.PER_PAGE_CHOICES, 20),
        "sort_by": request.GET.get("sort_by") or None,
        "sort_order": sort_order if sort_order in ("asc", "desc") else None,
        "query": request.GET.get("q", ""),
        "page_token": request.GET.get("page_token") or None,
    }


@page_view(["GET"])
def record_related_page(request, connection, module: str, record_id: str, related: str):
    """Every record of one related list of a record ("View all"), page by page."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    per_page = _query_choice(request.GET.get("per_page"), selectors.PER_PAGE_CHOICES, 20)
    number = _query_positive(request.GET.get("page"), 1)
    notices = []
    if number * per_page > selectors.MAX_PAGED_RECORDS:
        notices.append(
            f"Zoho pages a related list through its first {selectors.MAX_PAGED_RECORDS:,} "
            "records only: this is the first page."
        )
        number = 1
    listing = relations.related_page(
        connection=connection,
        module=found,
        record_id=ident,
        related_list=related,
        page=number,
        per_page=per_page,
    )
    columns = [c for c in listing.module.list_fields if c.lookup_module != found.api_name]
    next_link = previous_link = None
    if listing.more:
        if (number + 1) * per_page <= selectors.MAX_PAGED_RECORDS:
            next_link = {"page": number + 1}
        else:
            notices.append(
                f"Zoho pages a related list through its first {selectors.MAX_PAGED_RECORDS:,} "
                f"records only: find the others in {listing.module.label}."
            )
    if number > 1:
        previous_link = {"page": number - 1}
    keep = {"per_page": per_page}
    first = (number - 1) * per_page + 1
    return render(
        request,
        "records/related.html",
        {
            "module": found,
            "record_id": ident,
            "title": listing.parent_name,
            "listing": listing,
            "columns": [{"label": c.label, "kind": column_kind(c)} for c in columns],
            "rows": [
                row(listing.module, columns, r, currency_symbol(connection, columns))
                for r in listing.records
            ],
            "range_text": range_text(first, len(listing.records), listing.total),
            "per_page": per_page,
            "per_page_choices": selectors.PER_PAGE_CHOICES,
            "previous_url": list_url(keep, previous_link),
            "next_url": list_url(keep, next_link),
            "notices": notices,
        },
    )


def _query_number(raw) -> int | None:
    """A query-string number as people type it: ASCII digits only ("²" is a digit to
    `str.isdigit` and not to `int`), at most six of them."""
    return int(raw) if raw and len(raw) <= 6 and raw.isascii() and raw.isdigit() else None


def _query_choice(raw, choices, default: int) -> int:
    number = _query_number(raw)
    return number if number in choices else default


def _query_positive(raw, default: int) -> int:
    number = _query_number(raw)
    return number if number is not None and 0 < number <= 10_000 else default
