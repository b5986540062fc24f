"""Export of a module's records as a background job, on Zoho's Bulk Read API.

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

from core.errors import AppError, ErrorCode
from crm import list_filters, metadata
from crm.list_filters import ListFilter
from crm.modules import Module
from crm.zoho import bulk as zoho_bulk
from jobs.files import job_file_write
from jobs.models import Job
from jobs.services import job_advance, job_kind, zoho_step
from jobs.spreadsheet import NOT_FLAT, USER_TYPES, csv_bytes, lookup_name_field

EXPORT = "crm.export"
EXPORT_FILE = "export.csv"


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
            target = lookup_name_field(connection, field.lookup_module)
            if target:
                zoho = [f"{field.api_name}.{target}"]
        columns.append({"label": field.label, "zoho": zoho})
    return columns


# --- which records: the list's view and filters ---------------------------------------------
# The list parameters an export follows (crm.list_filters); a module's picklist filters add
# theirs (`f_Lead_Status`). `q` (a search) is named only to be refused.
SCOPE_PARAMETERS = frozenset({"cvid", "owner", "date", "from", "to"})


def export_filters(*, connection, module: Module, params) -> ListFilter:
    """The view and filters an export of `module` follows: the list's own parameters
    (`cvid`, `owner`, `f_<picklist>`, `date`, `from`, `to`; none: every record), read by
    the list's `parse_filters`. What cannot be used is an AppError naming the parameter,
    never left out (an export of more records than the list showed is worse than none).
    A search (`q`) is refused: Zoho's Bulk Read takes a view and field conditions, not the
    words search of the list, so its records could not be the list's."""
    picks = {list_filters.PICK_PREFIX + f.api_name for f in list_filters.picklist_filters(module)}
    for name, value in params.items():
        if name == "q":
            if isinstance(value, str) and not value.strip():
                continue
            raise AppError(
                ErrorCode.INVALID_DATA,
                "A search cannot be exported: an export follows the list's view and filters "
                "only. Clear the search, or narrow the list with the filters instead.",
                field="q",
            )
        if name not in SCOPE_PARAMETERS | picks:
            raise AppError(
                ErrorCode.INVALID_DATA,
                f"An export follows the list's view and filters only, not “{str(name)[:40]}”.",
                field=str(name)[:100],
            )
        if not isinstance(value, str):
            raise AppError(
                ErrorCode.INVALID_DATA, "Each view and filter is given as text.", field=name
            )
    filters = list_filters.parse_filters(
        {k: v for k, v in params.items() if k != "q"}, connection=connection, module=module
    )
    if filters.errors:
        raise filters.errors[0]
    return filters


def describe_filters(*, connection, module: Module, filters: ListFilter) -> list[str]:
    """The view and filters in words, one a line ("View: Contacted and qualified",
    "Lead Status: Contacted"), for the job page; none for every record."""
    lines = []
    if filters.view:
        try:
            views = list_filters.view_list(connection=connection, module=module)
        except AppError:
            views = []
        name = next((v["name"] for v in views if v["id"] == filters.view), filters.view)
        lines.append(f"View: {name}")
    if filters.owner == "me":
        lines.append("Owner: me")
    elif filters.owner:
        try:
            users = metadata.user_list(connection=connection)
        except AppError:
            users = []
        name = next((u["name"] for u in users if u["id"] == filters.owner), filters.owner)
        lines.append(f"Owner: {name}")
    for api_name, value in filters.picks:
        field = module.field(api_name)
        label = value
        if field is not None and value in field.picklist:
            label = dict(zip(field.picklist, field.picklist_labels, strict=False)).get(value, value)
        lines.append(f"{field.label if field else api_name}: {label}")
    if filters.start or filters.end:
        what = "Created" if (filters.date or "created") == "created" else "Modified"
        start = filters.start.isoformat() if filters.start else "…"
        end = filters.end.isoformat() if filters.end else "…"
        lines.append(f"{what}: {start} to {end}")
    return lines


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
class ExportFailed(Exception):
    """Zoho could not export the records (its job failed, or never finished)."""


@job_kind(EXPORT)
def export_records(job: Job) -> dict:
    """Export `params["module"]`'s records with `params["columns"]` (`export_columns`):
    those of the view `params["cvid"]` matching `params["criteria"]` (Bulk Read criteria,
    `ListFilter.bulk_criteria`) when given, else all."""
    if job.connection is None:
        raise ValueError("the job's Zoho connection is gone")
    module, columns = job.params["module"], job.params["columns"]
    checkpoint = dict(job.result)
    if "zoho_job" not in checkpoint:
        fields = list(dict.fromkeys(n for c in columns for n in c["zoho"]))
        checkpoint["zoho_job"] = zoho_step(
            lambda: zoho_bulk.bulk_read_create(
                job.connection,
                module,
                fields,
                cvid=job.params.get("cvid"),
                criteria=job.params.get("criteria"),
            )
        )
        job_advance(job, progress=5, result=checkpoint)
    zoho_job = int(checkpoint["zoho_job"])
    for look in range(settings.ZOHO_BULK_MAX_POLLS):
        state = zoho_step(zoho_bulk.bulk_read_state, job.connection, zoho_job)
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
    zoho_csv = zoho_step(zoho_bulk.bulk_read_csv, job.connection, zoho_job)
    rows = list(_portal_rows(zoho_csv, columns))
    job_file_write(job, EXPORT_FILE, csv_bytes([c["label"] for c in columns], rows))
    stamp = timezone.now().strftime("%Y-%m-%d")
    return {"rows": len(rows), "file": EXPORT_FILE, "name": f"{module}-{stamp}.csv"}
