"""Zoho's Bulk Read and Bulk Write through the SDK (`bulk_read`, `bulk_write`): create an
export or import job, read its state, download its result (a ZIP holding one CSV)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from zohocrmsdk.src.com.zoho.crm.api.bulk_read import (
    ActionWrapper,
    BodyWrapper,
    BulkReadOperations,
    Criteria,
    FileBodyWrapper,
    Query,
    ResponseWrapper,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import (
    BulkWriteOperations,
    BulkWriteResponse,
    FieldMapping,
    RequestWrapper,
    Resource,
    UploadFileHeader,
)
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import FileBodyWrapper as WriteFileBody
from zohocrmsdk.src.com.zoho.crm.api.bulk_write import SuccessResponse as WriteSuccess
from zohocrmsdk.src.com.zoho.crm.api.fields import MinifiedField
from zohocrmsdk.src.com.zoho.crm.api.header_map import HeaderMap
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.util import Choice, StreamWrapper

from accounts.models import ZohoConnection
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.runner import run
from zoho import datacenters

MAX_RESULT_BYTES = 200 * 1024 * 1024  # a 200,000-record page of a wide module, unzipped


@dataclass(frozen=True)
class BulkReadState:
    state: str  # Zoho's: ADDED, IN PROGRESS, COMPLETED, FAILURE
    count: int | None = None  # records in the result, once COMPLETED
    more_records: bool = False


def _not_understood():
    return zoho_failed("Zoho CRM gave an answer the portal does not understand.")


def _sdk_criteria(node: dict) -> Criteria:
    """Bulk Read criteria (a condition `{"field": {"api_name"}, "comparator", "value"}` or a
    group `{"group_operator", "group"}`) as the SDK's `Criteria`."""
    out = Criteria()
    if "group" in node:
        out.set_group_operator(Choice(node["group_operator"]))
        out.set_group([_sdk_criteria(part) for part in node["group"]])
        return out
    field = MinifiedField()
    field.set_api_name(node["field"]["api_name"])
    out.set_field(field)
    out.set_comparator(Choice(node["comparator"]))
    out.set_value(node["value"])
    return out


def bulk_read_create(
    connection: ZohoConnection,
    module: str,
    field_names: list[str],
    *,
    cvid: str | None = None,
    criteria: dict | None = None,
) -> int:
    """Start an export of `module`'s records with `field_names` (page 1), those of the view
    `cvid` matching `criteria` when given; the job's id."""

    def call() -> int:
        target = MinifiedModule()
        target.set_api_name(module)
        query = Query()
        query.set_module(target)
        query.set_fields(list(field_names))
        query.set_page(1)
        if cvid:
            query.set_cvid(int(cvid))  # the SDK's type for it
        if criteria:
            query.set_criteria(_sdk_criteria(criteria))
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

    return _one_csv(run(connection, call, operation="bulk_read_result"))


# --- Bulk Write -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BulkWriteState:
    status: str  # Zoho's: ADDED, IN PROGRESS, COMPLETED, FAILED
    added: int = 0
    updated: int = 0
    skipped: int = 0
    total: int = 0
    download_url: str | None = None


def bulk_write_upload(connection: ZohoConnection, name: str, zipped: bytes) -> str:
    """Upload a ZIP holding one CSV for a Bulk Write job (Upload File, on Zoho's file-upload
    host, with the `feature` and `X-CRM-ORG` headers); its file id."""

    def call() -> str:
        stream = io.BytesIO(zipped)
        stream.name = name
        body = WriteFileBody()
        body.set_file(StreamWrapper(name=name, stream=stream))
        headers = HeaderMap()
        headers.add(UploadFileHeader.feature, "bulk-write")
        headers.add(UploadFileHeader.x_crm_org, str(connection.org.zgid))
        answer = _write_success(BulkWriteOperations().upload_file(body, headers))
        ident = (answer.get_details() or {}).get("file_id")
        if not str(ident or "").isdigit():
            raise _not_understood()
        return str(ident)

    return run(connection, call, write=True, operation="bulk_write_upload")


def bulk_write_create(
    connection: ZohoConnection,
    module: str,
    file_id: str,
    mappings: list[dict],
    *,
    find_by: str | None = None,
) -> str:
    """Start a Bulk Write job of the uploaded file: `insert`, or `upsert` matching on
    `find_by`; `mappings` are `{"api_name", "index", "find_by"?}`. The job's id."""

    def call() -> str:
        target = MinifiedModule()
        target.set_api_name(module)
        resource = Resource()
        resource.set_type(Choice("data"))
        resource.set_module(target)
        resource.set_file_id(str(file_id))
        if find_by:
            resource.set_find_by(find_by)
        fields = []
        for item in mappings:
            mapping = FieldMapping()
            mapping.set_api_name(item["api_name"])
            mapping.set_index(int(item["index"]))
            if item.get("find_by"):
                mapping.set_find_by(item["find_by"])
            fields.append(mapping)
        resource.set_field_mappings(fields)
        request = RequestWrapper()
        request.set_operation(Choice("upsert" if find_by else "insert"))
        request.set_resource([resource])
        answer = _write_success(BulkWriteOperations().create_bulk_write_job(request))
        ident = (answer.get_details() or {}).get("id")
        if not str(ident or "").isdigit():
            raise _not_understood()
        return str(ident)

    return run(connection, call, write=True, operation="bulk_write_create")


def bulk_write_state(connection: ZohoConnection, job_id: str) -> BulkWriteState:
    """Where Zoho's Bulk Write job is, with its counts (Get Bulk Write Job Details)."""

    def call() -> BulkWriteState:
        answer = checked(BulkWriteOperations().get_bulk_write_job_details(str(job_id)))
        if not isinstance(answer, BulkWriteResponse):
            raise _not_understood()
        resources = answer.get_resource() or []
        file = resources[0].get_file() if resources else None
        result = answer.get_result()

        def count(getter) -> int:
            value = getter() if file is not None else None
            return int(value) if isinstance(value, int) else 0

        return BulkWriteState(
            status=text_of(answer.get_status()),
            added=count(file.get_added_count if file else None),
            updated=count(file.get_updated_count if file else None),
            skipped=count(file.get_skipped_count if file else None),
            total=count(file.get_total_count if file else None),
            download_url=result.get_download_url() if result is not None else None,
        )

    return run(connection, call, operation="bulk_write_state")


def bulk_write_result(connection: ZohoConnection, download_url: str) -> bytes:
    """The CSV of a finished Bulk Write job's result (a ZIP holding one CSV).

    The SDK sends the access token to whatever absolute URL it is given: only Zoho's own
    hosts for the connection's data center are followed."""
    if not _trusted_download(connection, download_url):
        raise zoho_failed("Zoho CRM named a result file on a host the portal does not trust.")

    def call() -> bytes:
        answer = checked(BulkWriteOperations().download_bulk_write_result(download_url))
        stream = answer.get_file() if isinstance(answer, WriteFileBody) else None
        if stream is None or stream.get_stream() is None:
            raise _not_understood()
        return stream.get_stream().content

    return _one_csv(run(connection, call, operation="bulk_write_result"))


def _trusted_download(connection: ZohoConnection, url: str) -> bool:
    """`url` is on the connection's API domain, or on a Zoho host of its data center
    (`download-accl.zoho.eu` for EU: the accounts server's domain)."""
    if not isinstance(url, str):
        return False
    center = datacenters.get(connection.data_center)
    if url.startswith(center.api_domain.rstrip("/") + "/"):
        return True
    parts = urlsplit(url)
    accounts_host = urlsplit(center.accounts_server).hostname or ""
    domain = accounts_host.split(".", 1)[1] if "." in accounts_host else ""
    host = parts.hostname or ""
    return parts.scheme == "https" and bool(domain) and host.endswith("." + domain)


def _write_success(response) -> WriteSuccess:
    """Bulk Write's success answer (`checked` would read its code and message as an
    error's), else the error Zoho's answer means."""
    body = response.get_object() if response is not None else None
    if isinstance(body, WriteSuccess) and text_of(body.get_status()) == "success":
        return body
    answer = checked(response)  # raises Zoho's error when the answer is one
    if hasattr(answer, "get_code"):
        details = answer.get_details() if hasattr(answer, "get_details") else None
        raise api_error(text_of(answer.get_code()), text_of(answer.get_message()), details, 400)
    raise _not_understood()


def _one_csv(packed: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(packed)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1 or archive.getinfo(names[0]).file_size > MAX_RESULT_BYTES:
                raise _not_understood()
            return archive.read(names[0])
    except zipfile.BadZipFile:
        raise _not_understood() from None
