"""How many records each related list of one record holds, in one call: Zoho's "Get Related
Records Count of a Record" (`POST /crm/v8/{module}/{id}/actions/get_related_records_count`,
the SDK's `get_related_records_count` package)."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.get_related_records_count import (
    ActionWrapper,
    BodyWrapper,
    GetRelatedRecordCount,
    GetRelatedRecordsCountOperations,
    RelatedList,
    SuccessResponse,
)

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm.zoho.errors import checked, text_of, zoho_failed
from crm.zoho.runner import run

MAX_LISTS_PER_CALL = 20  # the SDK's BodyWrapper takes at most 20 lists


def get_related_records_count(
    connection: ZohoConnection, module: str, record_id: int, related_lists: list[str]
) -> dict[str, int | str]:
    """{related list api_name: its count, or Zoho's error code for that list} for at most
    `MAX_LISTS_PER_CALL` lists of one record, in one call. A record Zoho does not have is a
    404 (NOT_FOUND)."""
    if not 1 <= len(related_lists) <= MAX_LISTS_PER_CALL:
        raise ValueError(f"1 to {MAX_LISTS_PER_CALL} related lists a call")

    def call():
        entries = []
        for name in related_lists:
            ref = RelatedList()
            ref.set_api_name(name)
            entry = GetRelatedRecordCount()
            entry.set_related_list(ref)
            entries.append(entry)
        request = BodyWrapper()
        request.set_get_related_records_count(entries)
        operations = GetRelatedRecordsCountOperations(record_id, module)
        response = operations.get_related_records_count(request)
        try:
            body = checked(response)
        except AppError as error:
            if error.code == ErrorCode.INVALID_DATA and error.field is None:
                # {"resource_path_index": 1}: the record id
                raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.") from None
            raise
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        answers = body.get_get_related_records_count() or []
        if len(answers) != len(related_lists):
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        counts: dict[str, int | str] = {}
        for name, answer in zip(related_lists, answers, strict=True):
            if isinstance(answer, SuccessResponse):
                counts[name] = int(answer.get_count() or 0)
            else:
                counts[name] = text_of(answer.get_code()) if hasattr(answer, "get_code") else ""
        return counts

    return run(connection, call, operation="related_records_count")
