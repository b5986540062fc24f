"""A module's records page by page, and every record of one related list of a record."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import render

from core.errors import AppError, ErrorCode
from crm import list_filters, metadata, modules, numbers, relations, selectors, validation
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
from crm.views.bulk import bulk_bar


@page_view(["GET"])
def record_list_page(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    metadata.require_tab(connection=connection, module=found)
    filters = list_filters.parse_filters(request.GET, connection=connection, module=found)
    query = _list_query(request)
    refused = [f"{e.message} It was left out." for e in filters.errors]
    if query["query"].strip() and filters.filtering:  # Zoho searches words or criteria
        refused.append("Search or filter, not both: the filters were left out.")
        filters = replace(filters, owner=None, picks=(), start=None, end=None)
    query["cvid"] = filters.view
    query["criteria"] = filters.criteria(me=connection.zoho_user_id)
    if filters.active and query["sort_by"]:
        refused.append(
            "A view or a filter lists records in Zoho's own order: the column sort was left out."
        )
        query.update(sort_by=None, sort_order=None)
    page, notices = _forgiving_page(connection, found, query)
    notices = refused + notices
    searching = bool(query["query"] or query["criteria"])
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
        elif info.get("next_page_token") and not searching:
            next_link = {"page": next_number, "page_token": info["next_page_token"]}
        elif searching:
            notices.append(
                f"Zoho's search answers the first {selectors.MAX_PAGED_RECORDS:,} matches only: "
                "narrow the search or the filters to find the others."
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
        **filters.params(),
    }
    first = (query["page"] - 1) * query["per_page"] + 1
    total = _total(connection, found, query)
    sortable = () if filters.active else found.sortable
    columns = [column(c, query, keep, sortable) for c in page.columns]
    return render(
        request,
        "records/list.html",
        {
            "module": found,
            "page": page,
            "columns": columns,
            "columns_sortable": any(c["url"] for c in columns),
            "rows": [
                row(found, page.columns, r, currency_symbol(connection, page.columns))
                for r in page.records
            ],
            "per_page": query["per_page"],
            "query": query["query"],
            "sort_by": query["sort_by"],
            "sort_order": query["sort_order"] or "asc",
            "sort_label": list_filters.order_label(filters) or sort_label(found, query),
            "filters": list_filters.form_context(
                connection=connection,
                module=found,
                filters=filters,
                keep=keep,
                # Zoho's views only when shown: a view is asked for (its name), or the
                # panel was opened without JavaScript ("Choose a view": ?filters=open).
                show_views=bool(request.GET.get("cvid")) or _panel_opened(request),
                open_panel=_panel_opened(request),
            ),
            "per_page_choices": selectors.PER_PAGE_CHOICES,
            "previous_url": list_url(keep, previous_link),
            "next_url": list_url(keep, next_link),
            "notices": notices,
            "total": total,
            "total_text": numbers.active().number(total) if total is not None else "",
            "range_text": range_text(first, len(page.records), total),
            "page_count": -(-total // query["per_page"]) if total else None,
            "search_hint": search_hint(found),
            "bulk": bulk_bar(found, request, total, connection=connection, filters=filters),
            "filter_params": {k: v for k, v in filters.params().items() if v},
            # The Export button's note: a search exports Zoho's first 2,000 matches only.
            "search_capped": bool(query["query"].strip())
            and (total or 0) > selectors.MAX_PAGED_RECORDS,
            "search_limit": f"{selectors.MAX_PAGED_RECORDS:,}",
        },
        status=400 if filters.errors else 200,
    )


def _panel_opened(request) -> bool:
    return request.GET.get("filters") == "open"


def _total(connection, module: modules.Module, query: dict) -> int | None:
    """The count for "41–60 of 2,512": Zoho's count API; None (no total) when it fails."""
    try:
        return selectors.record_count(
            connection=connection,
            module=module,
            query=query["query"],
            cvid=query["cvid"],
            criteria=query["criteria"],
        )
    except AppError:
        return None


def _ordered(query: dict) -> bool:
    """The list is sorted by a column Get Records cannot sort by (through COQL)."""
    return (
        bool(query["sort_by"])
        and query["sort_by"] not in modules.ALWAYS_SORTABLE
        and not (query["query"])
        and not query.get("cvid")
        and not query.get("criteria")
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
    "cvid": ({"cvid": None, "page": 1, "page_token": None}, "Showing all records."),
}


# What a list page says instead of a message naming Zoho's parameters (the JSON API keeps
# them: there they are the names a developer sends).
_PLAIN = {
    "page": "Zoho lists the first 2,000 records by page number only: go on with Next.",
    "page_token": "This link to a later page no longer works.",
    "cvid": "Zoho does not know this view.",
    "sort_by": "Zoho cannot sort this list that way.",
    "q": "Zoho could not search for that.",
}
_API_WORDS = ("page_token", "invalid data", "cvid", "sort_by", "per_page", "criteria")


def _plain(error: AppError) -> str:
    """A notice in plain words: Zoho's parameter names and "invalid data" never show."""
    if any(word in error.message.lower() for word in _API_WORDS):
        return _PLAIN.get(error.field, "Zoho did not accept how this list was asked for.")
    return error.message


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
            notices.append(f"{_plain(error)} {fallback[1]}")


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
