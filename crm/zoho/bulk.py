"""Zoho's Bulk Read through the SDK (`bulk_read`): create an export job, read its state,
download its result (a ZIP holding one CSV)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from zohocrmsdk.src.com.zoho.crm.api.bulk_read import (
    ActionWrapper,
    BodyWrapper,
    BulkReadOperations,
    FileBodyWrapper,
    Query,
    ResponseWrapper,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule

from accounts.models import ZohoConnection
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.runner import run

MAX_RESULT_BYTES = 200 * 1024 * 1024  # a 200,000-record page of a wide module, unzipped


@dataclass(frozen=True)
class BulkReadState:
    state: str  # Zoho's: ADDED, IN PROGRESS, COMPLETED, FAILURE
    count: int | None = None  # records in the result, once COMPLETED
    more_records: bool = False


def _not_understood():
    return zoho_failed("Zoho CRM gave an answer the portal does not understand.")


def bulk_read_create(connection: ZohoConnection, module: str, field_names: list[str]) -> int:
    """Start an export of `module`'s records with `field_names` (page 1); the job's id."""

    def call() -> int:
        target = MinifiedModule()
        target.set_api_name(module)
        query = Query()
        query.set_module(target)
        query.set_fields(list(field_names))
        query.set_page(1)
        body = BodyWrapper()
        body.set_query(query)
        body.set_file_type("csv")
        answer = checked(BulkReadOperations().create_bulk_read_job(body))
        items = answer.get_data() if isinstance(answer, ActionWrapper) else None
        if not items:
            raise _not_understood()
        item = items[0]
        if not isinstance(item, SuccessResponse):
            raise api_error(
                text_of(item.get_code()), text_of(item.get_message()), item.get_details(), 400
            )
        ident = (item.get_details() or {}).get("id")
        if not str(ident or "").isdigit():
            raise _not_understood()
        return int(ident)

    return run(connection, call, write=True, operation="bulk_read_create")


def bulk_read_state(connection: ZohoConnection, job_id: int) -> BulkReadState:
    """Where Zoho's job is (Get Bulk Read Job Details)."""

    def call() -> BulkReadState:
        answer = checked(BulkReadOperations().get_bulk_read_job_details(job_id))
        items = answer.get_data() if isinstance(answer, ResponseWrapper) else None
        if not items:
            raise _not_understood()
        detail = items[0]
        result = detail.get_result()
        return BulkReadState(
            state=text_of(detail.get_state()),
            count=result.get_count() if result is not None else None,
            more_records=bool(result.get_more_records()) if result is not None else False,
        )

    return run(connection, call, operation="bulk_read_state")


def bulk_read_csv(connection: ZohoConnection, job_id: int) -> bytes:
    """The CSV of a COMPLETED job (Download Result: a ZIP holding one CSV file)."""

    def call() -> bytes:
        answer = checked(BulkReadOperations().download_result(job_id))
        stream = answer.get_file() if isinstance(answer, FileBodyWrapper) else None
        if stream is None or stream.get_stream() is None:
            raise _not_understood()
        return stream.get_stream().content

    packed = run(connection, call, operation="bulk_read_result")
    try:
        with zipfile.ZipFile(io.BytesIO(packed)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1 or archive.getinfo(names[0]).file_size > MAX_RESULT_BYTES:
                raise _not_understood()
            return archive.read(names[0])
    except zipfile.BadZipFile:
        raise _not_understood() from None
