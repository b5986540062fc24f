"""Export (and import) of a module's records as background jobs, on Zoho's Bulk Read API.

An export's job: ask Zoho for a Bulk Read job of the list's visible columns (a field the
user's profile hides is never among them: `crm.metadata` leaves hidden fields out), look at
it until Zoho has finished, download its CSV and store the portal's own CSV (column labels,
names of owners and looked-up records, every cell safe to open in a spreadsheet) as the
job's file. The job keeps Zoho's job id as its checkpoint: a worker that dies while Zoho
works resumes looking at the same Zoho job.
"""

from __future__ import annotations

import csv
import io
import time

from django.conf import settings
from django.utils import timezone

from core.errors import AppError
from crm import metadata
from crm.modules import Module
from crm.zoho import bulk as zoho_bulk
from jobs.files import job_file_write
from jobs.models import Job
from jobs.services import RETRIED_CODES, TransientError, job_advance, job_kind

EXPORT = "crm.export"
EXPORT_FILE = "export.csv"
# Field types a CSV cell cannot hold whole (rows, parts, files, linked records): left out.
NOT_FLAT = frozenset(
    {
        "subform",
        "address",
        "fileupload",
        "imageupload",
        "profileimage",
        "multiselectlookup",
        "multiuserlookup",
    }
)
USER_TYPES = ("ownerlookup", "userlookup")


# --- what an export asks Zoho for ----------------------------------------------------------
def export_columns(*, connection, module: Module) -> list[dict]:
    """The export's columns: the list's visible columns, each with its label and the Zoho
    Bulk Read fields that make its cell (an owner's first and last name, a looked-up
    record's name through Zoho's dot operator)."""
    columns = []
    for field in module.list_fields:
        if field.hidden or field.data_type in NOT_FLAT:
            continue
        zoho = [field.api_name]
        if field.data_type in USER_TYPES:
            zoho = [f"{field.api_name}.first_name", f"{field.api_name}.last_name"]
        elif field.data_type == "lookup" and field.lookup_module:
            target = _name_field(connection, field.lookup_module)
            if target:
                zoho = [f"{field.api_name}.{target}"]
        columns.append({"label": field.label, "zoho": zoho})
    return columns


def _name_field(connection, module: str) -> str | None:
    """The looked-up module's name field; None when the user may not see that module (the
    cell is then the record's id, as Zoho exports a lookup)."""
    try:
        target = metadata.module_get(connection=connection, module=module)
    except AppError:
        return None
    name = target.name_field
    return name.api_name if name is not None and not name.hidden else None


# --- cells that are safe in a spreadsheet -------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """`value` as a cell no spreadsheet runs as a formula: text starting with = + - @ (or a
    tab or carriage return) gets a leading apostrophe (OWASP "CSV Injection"); a plain
    number such as -12.5 is left as it is."""
    if not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def csv_bytes(header: list[str], rows) -> bytes:
    """A CSV (UTF-8 with a byte-order mark, which spreadsheet programs need to read UTF-8)
    of `header` and `rows`, every cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _portal_rows(zoho_csv: bytes, columns: list[dict]):
    """Zoho's CSV (`Id` and the Bulk Read fields) as the export's rows (one cell a column)."""
    text = zoho_csv.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    where = {name: index for index, name in enumerate(header)}
    for line in reader:
        cells = []
        for column in columns:
            parts = [line[where[n]] for n in column["zoho"] if n in where and where[n] < len(line)]
            cells.append(" ".join(p for p in parts if p))
        yield cells


# --- the job ------------------------------------------------------------------------------
def _zoho(call, *args):
    """A Zoho call of a job: what is worth trying again later is a TransientError."""
    try:
        return call(*args)
    except AppError as error:
        if error.code in RETRIED_CODES:
            raise TransientError(f"{error.code}: {error.message}") from error
        raise


class ExportFailed(Exception):
    """Zoho could not export the records (its job failed, or never finished)."""


@job_kind(EXPORT)
def export_records(job: Job) -> dict:
    """Export `params["module"]`'s records with `params["columns"]` (`export_columns`)."""
    if job.connection is None:
        raise ValueError("the job's Zoho connection is gone")
    module, columns = job.params["module"], job.params["columns"]
    checkpoint = dict(job.result)
    if "zoho_job" not in checkpoint:
        fields = list(dict.fromkeys(n for c in columns for n in c["zoho"]))
        checkpoint["zoho_job"] = _zoho(zoho_bulk.bulk_read_create, job.connection, module, fields)
        job_advance(job, progress=5, result=checkpoint)
    zoho_job = int(checkpoint["zoho_job"])
    for look in range(settings.ZOHO_BULK_MAX_POLLS):
        state = _zoho(zoho_bulk.bulk_read_state, job.connection, zoho_job)
        if state.state == "COMPLETED":
            break
        if state.state in ("FAILURE", "FAILED"):
            raise ExportFailed("Zoho could not export these records. Please try again.")
        # Zoho says nothing of how far it is: the bar creeps towards 80% while it works.
        job_advance(job, progress=min(80, 10 + 70 * (look + 1) // (look + 4)))
        time.sleep(settings.ZOHO_BULK_POLL_SECONDS)
    else:
        raise ExportFailed("Zoho took too long to export these records. Please try again.")
    job_advance(job, progress=85)
    zoho_csv = _zoho(zoho_bulk.bulk_read_csv, job.connection, zoho_job)
    rows = list(_portal_rows(zoho_csv, columns))
    job_file_write(job, EXPORT_FILE, csv_bytes([c["label"] for c in columns], rows))
    stamp = timezone.now().strftime("%Y-%m-%d")
    return {"rows": len(rows), "file": EXPORT_FILE, "name": f"{module}-{stamp}.csv"}
