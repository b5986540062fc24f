"""Records through the SDK: list, search, read, create, update, delete, count, and the
records of a related list."""

from __future__ import annotations

import logging
from typing import TypeVar

from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper,
    CountWrapper,
    DeleteRecordsParam,
    GetRecordParam,
    GetRecordsParam,
    RecordCountParam,
    RecordOperations,
    ResponseWrapper,
    SearchRecordsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.related_records import (
    GetRelatedRecordsParam,
    RelatedRecordsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.related_records import ResponseWrapper as RelatedWrapper

from accounts.models import ZohoConnection
from crm.zoho.convert import record_dict, records_body, write_results
from crm.zoho.errors import checked, zoho_failed
from crm.zoho.runner import run

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


def get_records(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    page: int,
    per_page: int,
    sort_by: str | None,
    sort_order: str | None,
    page_token: str | None = None,
    cvid: str | None = None,
) -> tuple[list[dict], dict]:
    def call():
        params = ParameterMap()
        params.add(GetRecordsParam.fields, ",".join(field_names))
        if cvid:  # a custom view: its records, in its own order (Zoho takes no sort_by)
            params.add(GetRecordsParam.cvid, cvid)
        if page_token:
            params.add(GetRecordsParam.page_token, page_token)
        else:
            params.add(GetRecordsParam.page, page)
        params.add(GetRecordsParam.per_page, per_page)
        if sort_by:
            params.add(GetRecordsParam.sort_by, sort_by)
            params.add(GetRecordsParam.sort_order, sort_order or "asc")
        return _page(RecordOperations(module).get_records(params), page, per_page)

    return run(connection, call, operation="record_list")


def search_records(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    page: int,
    per_page: int,
    word: str | None = None,
    email: str | None = None,
    criteria: str | None = None,
    cvid: str | None = None,
) -> tuple[list[dict], dict]:
    """Zoho's search answers the first 2,000 matches only (no page_token)."""

    def call():
        params = ParameterMap()
        if cvid:
            params.add(SearchRecordsParam.cvid, cvid)
        if criteria:
            params.add(SearchRecordsParam.criteria, criteria)
        elif email:
            params.add(SearchRecordsParam.email, email)
        else:
            params.add(SearchRecordsParam.word, word)
        params.add(SearchRecordsParam.fields, ",".join(field_names))
        params.add(SearchRecordsParam.page, page)
        params.add(SearchRecordsParam.per_page, per_page)
        return _page(RecordOperations(module).search_records(params), page, per_page)

    return run(connection, call, operation="record_search")


def _page(response, page: int, per_page: int) -> tuple[list[dict], dict]:
    body = checked(response)
    empty = {"page": page, "per_page": per_page, "more_records": False, "count": 0}
    if body is None:
        return [], {**empty, "next_page_token": None, "previous_page_token": None}
    if not isinstance(body, ResponseWrapper):
        raise zoho_failed()
    info = body.get_info()
    records = [record_dict(r) for r in body.get_data() or []]
    if info is None:
        return records, {**empty, "count": len(records)}
    return records, {
        "page": int(info.get_page() or page),
        "per_page": int(info.get_per_page() or per_page),
        "more_records": bool(info.get_more_records()),
        "count": int(info.get_count() or len(records)),
        "next_page_token": info.get_next_page_token() or None,
        "previous_page_token": info.get_previous_page_token() or None,
    }


def get_record(
    connection: ZohoConnection, module: str, record_id: int, *, field_chunks: list[list[str]]
) -> dict | None:
    """One record, read in one call per chunk of at most 50 field names and put together;
    no chunk: one call without `fields` (Zoho answers every field the profile may see)."""

    def call():
        record: dict = {}
        for names in field_chunks or [None]:
            params = ParameterMap()
            if names is not None:
                params.add(GetRecordParam.fields, ",".join(names))
            body = checked(RecordOperations(module).get_record(record_id, params))
            if body is None:
                return None
            if not isinstance(body, ResponseWrapper) or not body.get_data():
                raise zoho_failed()
            record.update(record_dict(body.get_data()[0]))
        return record

    return run(connection, call, operation="record_get")


def create_records(
    connection: ZohoConnection, module: str, records: list[dict], types: dict[str, str]
) -> list[dict]:
    def call():
        body = checked(RecordOperations(module).create_records(records_body(records, types)))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return write_results(body)

    return run(connection, call, write=True, operation="records_create")


def update_record(
    connection: ZohoConnection, module: str, record_id: int, values: dict, types: dict[str, str]
) -> dict:
    def call():
        body = checked(
            RecordOperations(module).update_record(record_id, records_body([values], types))
        )
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return write_results(body)[0]

    return run(connection, call, write=True, operation="record_update")


def delete_record(connection: ZohoConnection, module: str, record_id: int) -> dict:
    def call():
        params = ParameterMap()
        params.add(DeleteRecordsParam.ids, str(record_id))
        body = checked(RecordOperations(module).delete_records(params))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return write_results(body)[0]

    return run(connection, call, write=True, operation="record_delete")


def get_related_records(
    connection: ZohoConnection,
    module: str,
    record_id: int,
    related_list: str,
    *,
    field_names: list[str],
    page: int = 1,
    per_page: int = 5,
) -> tuple[list[dict], dict]:
    """One page of the records a related list holds for `record_id` (204: none)."""

    def call():
        params = ParameterMap()
        params.add(GetRelatedRecordsParam.fields, ",".join(field_names))
        params.add(GetRelatedRecordsParam.page, page)
        params.add(GetRelatedRecordsParam.per_page, per_page)
        response = RelatedRecordsOperations(related_list, module).get_related_records(
            record_id, params
        )
        body = checked(response)
        empty = {"page": page, "per_page": per_page, "more_records": False, "count": 0}
        if body is None:
            return [], empty
        if not isinstance(body, RelatedWrapper):
            raise zoho_failed()
        records = [record_dict(r) for r in body.get_data() or []]
        info = body.get_info()
        more = bool(info.get_more_records()) if info is not None else False
        return records, {**empty, "more_records": more, "count": len(records)}

    return run(connection, call, operation="related_records")


def count_records(
    connection: ZohoConnection,
    module: str,
    *,
    word: str | None = None,
    email: str | None = None,
    criteria: str | None = None,
    cvid: str | None = None,
) -> int:
    """How many records the module holds (or match `word`/`email`, or `criteria`, in the
    view `cvid`): Zoho's count API."""

    def call():
        params = ParameterMap()
        if cvid:
            params.add(RecordCountParam.cvid, cvid)
        if criteria:
            params.add(RecordCountParam.criteria, criteria)
        elif email:
            params.add(RecordCountParam.email, email)
        elif word:
            params.add(RecordCountParam.word, word)
        body = checked(RecordOperations(module).record_count(params))
        if body is None:
            return 0
        if not isinstance(body, CountWrapper):
            raise zoho_failed()
        return int(body.get_count() or 0)

    return run(connection, call, operation="record_count")


def update_records(
    connection: ZohoConnection, module: str, records: list[dict], types: dict[str, str]
) -> list[dict]:
    """Zoho's Update Records (PUT /{module}): up to 100 records, each with its `id`; one
    result per record, in the order sent."""

    def call():
        body = checked(RecordOperations(module).update_records(records_body(records, types)))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return write_results(body)

    return run(connection, call, write=True, operation="records_update")


def delete_records(connection: ZohoConnection, module: str, record_ids: list[int]) -> list[dict]:
    """Zoho's Delete Records (DELETE /{module}?ids=…): up to 100 ids; one result per id, in
    the order sent."""

    def call():
        params = ParameterMap()
        params.add(DeleteRecordsParam.ids, ",".join(str(i) for i in record_ids))
        body = checked(RecordOperations(module).delete_records(params))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return write_results(body)

    return run(connection, call, write=True, operation="records_delete")
