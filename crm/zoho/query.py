"""Zoho's query API (COQL) through the SDK: a page sorted by a field Get Records cannot
sort by."""

from __future__ import annotations

import logging
import re
from typing import TypeVar

from zohocrmsdk.src.com.zoho.crm.api.coql import BodyWrapper as CoqlBody
from zohocrmsdk.src.com.zoho.crm.api.coql import CoqlOperations
from zohocrmsdk.src.com.zoho.crm.api.coql import ResponseWrapper as CoqlWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    GetRecordsParam,
    RecordOperations,
    ResponseWrapper,
)

from accounts.models import ZohoConnection
from crm.zoho.convert import record_dict
from crm.zoho.errors import checked, zoho_failed
from crm.zoho.runner import run

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


# A name put into a COQL query: Zoho's own API names only (they come from its metadata).
_COQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")


IDS_PER_CALL = 100  # Get Records takes at most 100 ids


def get_records_ordered(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    sort_by: str,
    sort_order: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict], dict]:
    """One page sorted by a field Get Records cannot sort by (its `sort_by` takes id,
    Created_Time and Modified_Time only): COQL's ORDER BY names the page's ids in order (the
    id breaks ties, so pages neither repeat nor skip a record), then Get Records with those
    ids brings their values in Zoho's usual shape (COQL answers a lookup as its id alone)."""
    if not _COQL_NAME.fullmatch(module) or not _COQL_NAME.fullmatch(sort_by):
        raise zoho_failed("The portal cannot ask Zoho for this order.")
    order = "desc" if sort_order == "desc" else "asc"
    query = (
        f"select id from {module} where id is not null "  # noqa: S608 - API names, checked
        f"order by {sort_by} {order}, id asc limit {int(limit)} offset {int(offset)}"
    )

    def call():
        body = CoqlBody()
        body.set_select_query(query)
        answer = checked(CoqlOperations().get_records(body))
        empty = {
            "page": offset // limit + 1,
            "per_page": limit,
            "more_records": False,
            "count": 0,
            "next_page_token": None,
            "previous_page_token": None,
        }
        if answer is None:  # 204: no records this far
            return [], empty
        if not isinstance(answer, CoqlWrapper):
            raise zoho_failed()
        ids = [str(r.get_id()) for r in answer.get_data() or [] if r.get_id() is not None]
        info = answer.get_info()
        more = bool(info.get_more_records()) if info is not None else False
        found: dict[str, dict] = {}
        for start in range(0, len(ids), IDS_PER_CALL):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, ",".join(field_names))
            params.add(GetRecordsParam.ids, ",".join(ids[start : start + IDS_PER_CALL]))
            params.add(GetRecordsParam.per_page, IDS_PER_CALL)
            body = checked(RecordOperations(module).get_records(params))
            if body is None:  # deleted meanwhile
                continue
            if not isinstance(body, ResponseWrapper):
                raise zoho_failed()
            found.update((r["id"], r) for r in (record_dict(x) for x in body.get_data() or []))
        records = [found[i] for i in ids if i in found]
        return records, {**empty, "more_records": more, "count": len(records)}

    return run(connection, call, operation="record_list_ordered")
