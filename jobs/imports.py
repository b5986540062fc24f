"""Import of a CSV file into a module as a background job, on Zoho's Bulk Write API.

The upload is read and checked here (`read_csv`), its columns mapped to fields (suggested by
label or API name, checked, tried row by row in a dry run), then the job sends the rows as a
zipped CSV to Zoho's Bulk Write and looks at Zoho's job until it has finished. Its result
counts created, updated and failed rows; the failed rows, with Zoho's reason in words, are
the job's file. Zoho's file id and job id are the job's checkpoints.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile

from django.conf import settings
from django.utils import timezone

from core.errors import AppError, ErrorCode
from crm.modules import Module
from crm.validation import clean_value
from crm.zoho import bulk as zoho_bulk
from jobs.files import job_file_path, job_file_write
from jobs.models import Job
from jobs.services import TransientError, job_advance, job_kind, zoho_step
from jobs.spreadsheet import NOT_FLAT, USER_TYPES, csv_bytes, lookup_name_field

# --- the uploaded file -------------------------------------------------------------------
IMPORT = "crm.import"
IMPORT_FILE = "upload.csv"
FAILED_FILE = "failed-rows.csv"
MAX_IMPORT_ROWS = 25_000  # Zoho's rows per Bulk Write file
RECORD_ID = "id"  # a column mapped to the record id updates that record (upsert by id)
# Field types a CSV cell cannot write: compound values, files, linked records, the photo.
NOT_IMPORTABLE = NOT_FLAT | {"multiselectlookup", "multiuserlookup"}


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """An uploaded file as a CSV's header and rows; an AppError (400) saying what is wrong
    with it in plain words. UTF-8 (a byte-order mark allowed), a header row of distinct
    names, at least one row, at most MAX_IMPORT_ROWS."""
    if not data.strip():
        raise AppError(ErrorCode.INVALID_DATA, "The file is empty.", field="file")
    if b"\x00" in data[:4096]:
        raise AppError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "The file is not a CSV file. Save it from your spreadsheet as CSV (UTF-8).",
            field="file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "The file is not UTF-8 text. Save it from your spreadsheet as CSV (UTF-8).",
            field="file",
        ) from None
    first_line = text.split("\n", 1)[0]
    # Commas, else what a spreadsheet in a comma-decimal locale writes (;), else tabs: read
    # from the header row, which holds plain names.
    delimiter = next((d for d in ",;\t" if d in first_line), ",")
    try:
        lines = [
            row
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
            if any(c.strip() for c in row)
        ]
    except csv.Error as error:
        raise AppError(
            ErrorCode.INVALID_DATA, f"The file is not a valid CSV file ({error}).", field="file"
        ) from None
    if not lines:
        raise AppError(ErrorCode.INVALID_DATA, "The file is empty.", field="file")
    header = [name.strip() for name in lines[0]]
    if any(not name for name in header):
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Every column needs a name in the first row (the header).",
            field="file",
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Column names must differ: {', '.join(repeated)} appears more than once.",
            field="file",
        )
    rows = [(row + [""] * len(header))[: len(header)] for row in lines[1:]]
    if not rows:
        raise AppError(
            ErrorCode.INVALID_DATA, "The file has a header row but no records.", field="file"
        )
    if len(rows) > MAX_IMPORT_ROWS:
        raise AppError(
            ErrorCode.LIMIT_EXCEEDED,
            f"The file has {len(rows):,} records; Zoho imports at most {MAX_IMPORT_ROWS:,} "
            "at a time. Split it into smaller files.",
            field="file",
        )
    return header, rows


def importable_fields(module: Module) -> list:
    """The fields an import may fill: editable, one value a cell."""
    return [
        f for f in module.editable_fields if f.data_type not in NOT_IMPORTABLE and not f.any_module
    ]


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def suggest_mapping(module: Module, header: list[str]) -> list[str | None]:
    """For each column, the field it fills: the field whose API name or label it is named
    by (case, spaces and underscores aside), "id" for a record id column, else None."""
    by_key = {}
    for field in importable_fields(module):
        by_key.setdefault(_key(field.label), field.api_name)
        by_key.setdefault(_key(field.api_name), field.api_name)
    by_key.update({"id": RECORD_ID, "recordid": RECORD_ID})
    taken, out = set(), []
    for name in header:
        found = by_key.get(_key(name))
        out.append(found if found not in taken else None)
        if found:
            taken.add(found)
    return out


def check_mapping(module: Module, mapping: list[str | None]) -> None:
    """A mapping (one field or None a column) an import can run: known fields, each once,
    and every required field there (unless the file updates records by id)."""
    allowed = {f.api_name for f in importable_fields(module)} | {RECORD_ID}
    chosen = [m for m in mapping if m]
    unknown = [m for m in chosen if m not in allowed]
    if unknown:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{unknown[0][:60]} is not a field an import can fill in {module.label}.",
            field="mapping",
        )
    twice = sorted({m for m in chosen if chosen.count(m) > 1})
    if twice:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Two columns fill {', '.join(twice)}: choose one.",
            field="mapping",
        )
    if not [m for m in chosen if m != RECORD_ID]:
        raise AppError(
            ErrorCode.INVALID_DATA, "Choose a field for one column at least.", field="mapping"
        )
    if RECORD_ID not in chosen:
        missing = [f for f in module.editable_fields if f.required and f.api_name not in chosen]
        if missing:
            raise AppError(
                ErrorCode.MANDATORY_NOT_FOUND,
                f"{missing[0].label} is required: choose the column that holds it.",
                field="mapping",
            )


def mapping_from_names(module: Module, header: list[str], given: dict | None) -> list[str | None]:
    """The API's `mapping` (`{"<column>": "<api name>" or null}`) over the suggestion; a
    column neither names nor skips is an unknown column (400)."""
    suggested = suggest_mapping(module, header)
    given = given or {}
    if not isinstance(given, dict) or not all(isinstance(k, str) for k in given):
        raise AppError(
            ErrorCode.INVALID_DATA,
            "mapping must be a JSON object of column names to field API names (or null).",
            field="mapping",
        )
    strangers = [k for k in given if k not in header]
    if strangers:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"mapping names a column the file does not have: {strangers[0][:60]}.",
            field="mapping",
        )
    out = [given[name] if name in given else suggested[i] for i, name in enumerate(header)]
    unknown = [
        name
        for name, chosen in zip(header, out, strict=True)
        if name not in given and chosen is None
    ]
    if unknown:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown[:5])}. Name "
            "each column by a field's label or API name, or map it (or map it to null to skip "
            "it) in mapping.",
            field="mapping",
        )
    check_mapping(module, out)
    return out


def dry_run(module: Module, rows: list[list[str]], mapping: list[str | None]) -> list[dict]:
    """What the portal can tell before Zoho sees the rows: each row's problems (the same
    checks the forms make; lookups and owners are resolved by Zoho), as
    `{"row": n, "problems": [...]}` for the rows that have some (row 1 is the first record)."""
    fields = {f.api_name: f for f in module.editable_fields}
    by_id = RECORD_ID in mapping
    found = []
    for number, row in enumerate(rows, start=1):
        problems = []
        for index, name in enumerate(mapping):
            field = fields.get(name) if name else None
            if field is None or field.is_reference:
                continue
            try:
                value = clean_value(field, row[index])
            except AppError as error:
                problems.append(error.message)
                continue
            if value is None and field.required and not by_id:
                problems.append(f"{field.label} is required.")
        if problems:
            found.append({"row": number, "problems": problems})
    return found


def import_mappings(module: Module, mapping: list[str | None]) -> list[dict]:
    """Zoho's field mappings: a column index a field; a lookup found by the looked-up
    record's name, an owner by the user's email (what a person's file holds)."""
    fields = {f.api_name: f for f in module.editable_fields}
    out = []
    for index, name in enumerate(mapping):
        if not name:
            continue
        item = {"api_name": name, "index": index}
        field = fields.get(name)
        if field is not None and field.data_type in USER_TYPES:
            item["find_by"] = "email"
        elif field is not None and field.data_type == "lookup" and field.lookup_module:
            item["lookup_module"] = field.lookup_module
        out.append(item)
    return out


def import_params(*, connection, module: Module, header, rows, mapping) -> tuple[dict, bytes]:
    """The import job's params, and the file Zoho gets (the rows as a plain comma-separated
    UTF-8 CSV, whatever the uploaded file's delimiter or byte-order mark)."""
    mappings = import_mappings(module, mapping)
    for item in mappings:
        target = item.pop("lookup_module", None)
        if target:
            name = lookup_name_field(connection, target)
            if name:
                item["find_by"] = name
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    params = {
        "module": module.api_name,
        "module_label": module.label,
        "header": header,
        "mappings": mappings,
        "find_by": RECORD_ID if RECORD_ID in mapping else None,
        "rows": len(rows),
    }
    return params, out.getvalue().encode("utf-8")


class ImportFailed(Exception):
    """Zoho could not import the file (its job failed, or never finished)."""


# What Zoho's result says of a refused row, in words (ERRORS: "<code>-<column>").
REASONS = {
    "MANDATORY_NOT_FOUND": "{column} is required.",
    "INVALID_DATA": "{column} is not a value Zoho takes.",
    "DUPLICATE_DATA": "{column} is the same as another record's: it must be unique.",
    "RESOURCE_NOT_FOUND": "No record matches {column}.",
    "NOT_APPROVED": "The record awaits approval in Zoho.",
    "BLOCKED_RECORD": "The record is locked in Zoho.",
    "LIMIT_EXCEEDED": "{column} is too long.",
    "CANNOT_PROCESS": "Zoho could not process this row.",
}


def reason_text(errors: str) -> str:
    """Zoho's ERRORS cell (`MANDATORY_NOT_FOUND-Company:INVALID_DATA-Email`) in words."""
    said = []
    for part in (p for p in errors.split(":") if p):
        code, _, column = part.partition("-")
        template = REASONS.get(code, "Zoho refused {column} (" + code + ").")
        said.append(template.format(column=column or "a value"))
    return " ".join(said) or "Zoho skipped this row."


def _failed_rows(header: list[str], rows: list[list[str]], result_csv: bytes):
    """The rows Zoho skipped, with its reason (its result lists one line a row, in order)."""
    text = result_csv.decode("utf-8-sig", errors="replace")
    lines = list(csv.reader(io.StringIO(text)))[1:]
    failed = []
    for row, line in zip(rows, lines, strict=False):
        status, errors = (line[-3], line[-1]) if len(line) >= 3 else ("", "")
        if status not in ("ADDED", "UPDATED"):
            failed.append([*row, reason_text(errors), errors])
    return failed


@job_kind(IMPORT)
def import_records(job: Job) -> dict:
    """Import the job's file (`IMPORT_FILE`) into `params["module"]` through Zoho's Bulk
    Write; the result counts created, updated and failed rows, and the failed rows (with
    Zoho's reason) are the job's file."""
    if job.connection is None:
        raise ValueError("the job's Zoho connection is gone")
    params, checkpoint = job.params, dict(job.result)
    path = job_file_path(job, IMPORT_FILE)
    if path is None:
        raise ImportFailed("The uploaded file is no longer here. Please import it again.")
    data = path.read_bytes()
    if "file_id" not in checkpoint:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{params['module']}.csv", data)
        name = f"{params['module']}.zip"
        checkpoint["file_id"] = zoho_step(
            zoho_bulk.bulk_write_upload, job.connection, name, packed.getvalue()
        )
        job_advance(job, progress=5, result=checkpoint)
    if "zoho_job" not in checkpoint:
        try:
            checkpoint["zoho_job"] = zoho_step(
                lambda: zoho_bulk.bulk_write_create(
                    job.connection,
                    params["module"],
                    checkpoint["file_id"],
                    params["mappings"],
                    find_by=params.get("find_by"),
                )
            )
        except TransientError as error:
            # Zoho may have started a job it did not answer for in time: trying again could
            # import every row twice. Anything else it refused is safe to send again.
            if isinstance(error.__cause__, AppError) and error.__cause__.code == (
                ErrorCode.ZOHO_TIMEOUT
            ):
                raise ImportFailed(
                    "Zoho did not answer in time, so the import may have started there. "
                    "Check the records in Zoho before importing this file again."
                ) from error
            raise
        job_advance(job, progress=10, result=checkpoint)
    for _ in range(settings.ZOHO_BULK_MAX_POLLS):
        state = zoho_step(zoho_bulk.bulk_write_state, job.connection, checkpoint["zoho_job"])
        if state.status == "COMPLETED" and state.download_url:
            break
        if state.status in ("FAILED", "FAILURE"):
            raise ImportFailed("Zoho could not import the file. Please try again.")
        done = state.added + state.updated + state.skipped
        total = state.total or params.get("rows") or 1
        job_advance(job, progress=min(95, 10 + 85 * done // total))
        time.sleep(settings.ZOHO_BULK_POLL_SECONDS)
    else:
        raise ImportFailed("Zoho took too long to import the file. Please try again.")
    result_csv = zoho_step(zoho_bulk.bulk_write_result, job.connection, state.download_url)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header, rows = lines[0], lines[1:]
    failed = _failed_rows(header, rows, result_csv)
    outcome = {"created": state.added, "updated": state.updated, "failed": len(failed)}
    if failed:
        job_file_write(job, FAILED_FILE, csv_bytes([*header, "Reason", "Zoho's reason"], failed))
        stamp = timezone.now().strftime("%Y-%m-%d")
        outcome.update(file=FAILED_FILE, name=f"{params['module']}-failed-rows-{stamp}.csv")
    return outcome
