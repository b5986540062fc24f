"""Paging as CRM v8 does it: ``page``/``per_page`` for the first 2,000 records, then
``page_token``.

A list answer carries ``info.next_page_token`` whenever more records follow. The token is
bound to what it was issued for (org, user, module, fields, sort, per_page, filters): used
with anything else it is ``TOKEN_BOUND_DATA_MISMATCH``. It remembers the last record it
served by its sort key (keyset paging), so records added or deleted meanwhile neither repeat
nor skip a page. Tokens live 24 hours (``page_token_expiry``; ``EXPIRED_VALUE`` after) and die
with a reset or ``POST /_emulator/expire-page-tokens``; they reach 100,000 records, past which
``PAGINATION_LIMIT_EXCEEDED`` (getRecords examples response-400-expiredvalue and
response-400-paginationlimitexceeded in zoho/crm-oas v8.0).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from .. import seed
from ..web import Response, json_response, no_content
from .context import Ctx
from .errors import crm_error
from .presentation import present

DISCRETE_LIMIT = 2000
TOKEN_TTL = 24 * 3600.0
TOKEN_RECORD_LIMIT = 100_000  # records reachable through consecutive page tokens


@dataclass
class PageToken:
    token: str
    binding: tuple
    after: tuple  # sort key of the last record served before the page this token opens
    page: int  # the page number this token opens
    previous: str | None  # the token that opened the page before (None: the first page)
    expires: float
    issued: float = 0.0


def discrete_limit_exceeded() -> Response:
    return crm_error(
        "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
        "You can only get the first 2000 records without using page_token param",
        400,
        {},
    )


def _invalid_token() -> Response:
    return crm_error("INVALID_DATA", "invalid data", 400, {"param_name": "page_token"})


def _expired_token() -> Response:
    return crm_error(
        "EXPIRED_VALUE",
        "Page token expired",
        400,
        {"api_name": "page_token", "json_path": "$.query.page_token"},
    )


def _pagination_limit() -> Response:
    return crm_error(
        "PAGINATION_LIMIT_EXCEEDED",
        f"You can only get upto {TOKEN_RECORD_LIMIT} records using page_token param",
        400,
        {"param_name": "page_token"},
    )


def _token_mismatch() -> Response:
    return crm_error(
        "TOKEN_BOUND_DATA_MISMATCH",
        "the page_token is bound to the module, fields, sort and per_page it was issued for",
        400,
        {"param_name": "page_token"},
    )


def page_answer(
    ctx: Ctx,
    module: str,
    records: list[dict],
    keys: list[tuple],
    fields,
    *,
    page_raw: str | None,
    page: int,
    per_page: int,
    binding: tuple,
    sort_by: str | None,
    sort_order: str | None,
    tokens: bool = True,
) -> Response:
    """One page of ``records`` (already sorted; ``keys`` their sort keys, same order).

    ``tokens`` False (search): no ``page_token``, only the first 2,000 records."""
    descending = sort_order == "desc"
    token_value = ctx.req.arg("page_token")
    previous = None
    if token_value is not None and tokens:
        if page_raw is not None:
            return crm_error(
                "INVALID_REQUEST",
                "page and page_token cannot be given together",
                400,
                {"param_names": ["page", "page_token"]},
            )
        st = ctx.emu.state
        with st.lock:
            entry = st.page_tokens.get(token_value)
            expired_before = st.page_tokens_expired_before
        if entry is None:
            return _invalid_token()
        if entry.expires <= time.time() or entry.issued <= expired_before:
            return _expired_token()
        if entry.binding != binding:
            return _token_mismatch()
        if (entry.page - 1) * per_page >= TOKEN_RECORD_LIMIT:
            return _pagination_limit()
        after = entry.after
        start = next(
            (i for i, k in enumerate(keys) if (k < after if descending else k > after)),
            len(keys),
        )
        page = entry.page
        previous = entry.previous
    else:
        if page * per_page > DISCRETE_LIMIT:
            return discrete_limit_exceeded()
        start = (page - 1) * per_page
    chunk = records[start : start + per_page]
    if not chunk:
        return no_content()
    more = len(records) > start + per_page
    info = {
        "per_page": per_page,
        "next_page_token": None,
        "count": len(chunk),
        "page": page,
        "previous_page_token": previous,
        "page_token_expiry": None,
        "more_records": more,
    }
    if more and tokens:
        now = time.time()
        entry = PageToken(
            token=secrets.token_hex(32),
            binding=binding,
            after=keys[start + len(chunk) - 1],
            page=page + 1,
            previous=token_value if token_value is not None else None,
            expires=now + TOKEN_TTL,
            issued=now,
        )
        with ctx.emu.state.lock:
            ctx.emu.state.page_tokens[entry.token] = entry
        info["next_page_token"] = entry.token
        info["page_token_expiry"] = seed.format_time(
            datetime.fromtimestamp(entry.expires, UTC), ctx.org.tz_offset
        )
    if sort_by is not None:
        info["sort_by"] = sort_by
        info["sort_order"] = sort_order
    return json_response({"data": [present(ctx, module, r, fields) for r in chunk], "info": info})
