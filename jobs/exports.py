"""Export of a module's records as a background job, on Zoho's Bulk Read API.

An export's job: ask Zoho for a Bulk Read job of the list's visible columns (a field the
user's profile hides is never among them: `crm.metadata` leaves hidden fields out), look at
it until Zoho has finished, download its CSV and store the portal's own CSV (column labels,
names of owners and looked-up records, every cell safe to open in a spreadsheet) as the
job's file. The job keeps Zoho's job id as its checkpoint: a worker that dies while Zoho
works resumes looking at the same Zoho job.

An export of a search (the list's `q`, within its view) cannot be a Bulk Read, which takes a
view and field conditions, not words: it reads the search's records as the list does (Zoho's
Search Records through `selectors.record_page`), 200 a call through Zoho's first 2,000
matches, each page's cells kept as a file of the job and the number of pages read as its
checkpoint, then writes the same CSV.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils import timezone

from core.errors import AppError, ErrorCode
from crm import list_filters, metadata, selectors
from crm.list_filters import ListFilter
from crm.modules import Module
from crm.zoho import bulk as zoho_bulk
from jobs.files import job_file_path, job_file_write
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


# --- which records: the list's search, view and filters -------------------------------------
# The list parameters an export follows (crm.list_filters); a module's picklist filters add
# theirs (`f_Lead_Status`).
SCOPE_PARAMETERS = frozenset({"q", "cvid", "owner", "date", "from", "to"})
FILTERS_LEFT_OUT = "Filters: left out (a search ignores them, as the list does)"


@dataclass(frozen=True)
class ExportScope:
    """Which records an export holds: the list's search (`query`, "" for none) within its
    view, or its view and filters; `filters_dropped` when a search left filters out."""

    query: str
    filters: ListFilter
    filters_dropped: bool = False


def export_filters(
    *, connection, module: Module, params, drop_filters_on_search: bool = False
) -> ExportScope:
    """The search, view and filters an export of `module` follows: the list's own parameters
    (`q`, `cvid`, `owner`, `f_<picklist>`, `date`, `from`, `to`; none: every record), read
    by the list's `parse_filters` and its search rules (`selectors.search_words`). What
    cannot be used is an AppError naming the parameter, never left out (an export of more
    records than the list showed is worse than none). A search with filters: the filters
    dropped, as the list page drops them (`drop_filters_on_search`), or an AppError, as the
    JSON list answers."""
    picks = {list_filters.PICK_PREFIX + f.api_name for f in list_filters.picklist_filters(module)}
    for name, value in params.items():
        if name not in SCOPE_PARAMETERS | picks:
            raise AppError(
                ErrorCode.INVALID_DATA,
                "An export follows the list's search, view and filters only, "
                f"not “{str(name)[:40]}”.",
                field=str(name)[:100],
            )
        if not isinstance(value, str):
            raise AppError(
                ErrorCode.INVALID_DATA,
                "Each of the search, view and filters is given as text.",
                field=name,
            )
    query = params.get("q", "").strip()
    if query:
        query = selectors.search_words(query)
    filters = list_filters.parse_filters(
        {k: v for k, v in params.items() if k != "q"}, connection=connection, module=module
    )
    if filters.errors:
        raise filters.errors[0]
    dropped = bool(query) and filters.filtering
    if dropped:
        if not drop_filters_on_search:
            raise AppError(
                ErrorCode.INVALID_DATA,
                "Search or filter, not both: a search is exported within the list's view only "
                "(as the list shows it). Send the search, or the filters.",
                field="q",
            )
        filters = replace(filters, owner=None, picks=(), start=None, end=None)
    return ExportScope(query, filters, dropped)


def describe_filters(*, connection, module: Module, scope: ExportScope) -> list[str]:
    """The search, view and filters in words, one a line ("Search: zylker", "View:
    Contacted and qualified", "Lead Status: Contacted"), for the job page; none for every
    record."""
    filters = scope.filters
    lines = [f"Search: {scope.query}"] if scope.query else []
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
    if scope.filters_dropped:
        lines.append(FILTERS_LEFT_OUT)
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
    those the search `params["query"]` finds (within the view `params["cvid"]`), or those
    of the view matching `params["criteria"]` (Bulk Read criteria,
    `ListFilter.bulk_criteria`) when given, else all."""
    if job.connection is None:
        raise ValueError("the job's Zoho connection is gone")
    module, columns = job.params["module"], job.params["columns"]
    if job.params.get("query"):
        return _export_search(job, module, columns)
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


# --- an export of a search ------------------------------------------------------------------
SEARCH_PER_PAGE = 200  # Zoho's largest page
SEARCH_PAGES = selectors.MAX_PAGED_RECORDS // SEARCH_PER_PAGE  # its first 2,000 matches


def _page_file(number: int) -> str:
    return f"search-page-{number}.json"


def _export_search(job: Job, module_name: str, columns: list[dict]) -> dict:
    """The records the search `params["query"]` finds, read as the list reads them, page by
    page; each page's cells are a file of the job and `{"pages", "more"}` the checkpoint, so
    a re-run (Zoho throttled, a worker died) goes on with the next page. The result says
    `more_matches` when Zoho's search found more than it answers (2,000)."""
    connection, params = job.connection, job.params
    module = zoho_step(lambda: metadata.module_get(connection=connection, module=module_name))
    checkpoint = dict(job.result)
    pages, more = int(checkpoint.get("pages", 0)), bool(checkpoint.get("more", True))
    if any(job_file_path(job, _page_file(n)) is None for n in range(1, pages + 1)):
        pages, more = 0, True  # a page's file is gone: read the search again
    while more and pages < SEARCH_PAGES:
        listing = zoho_step(
            lambda number=pages + 1: selectors.record_page(
                connection=connection,
                module=module,
                page=number,
                per_page=SEARCH_PER_PAGE,
                query=params["query"],
                cvid=params.get("cvid"),
            )
        )
        rows = [_search_row(record, columns) for record in listing.records]
        pages, more = pages + 1, bool(listing.info.get("more_records"))
        job_file_write(job, _page_file(pages), json.dumps(rows).encode())
        checkpoint = {"pages": pages, "more": more}
        job_advance(job, progress=min(90, 5 + 85 * pages // SEARCH_PAGES), result=checkpoint)
    rows = []
    for number in range(1, pages + 1):
        rows.extend(json.loads(job_file_path(job, _page_file(number)).read_bytes()))
    job_file_write(job, EXPORT_FILE, csv_bytes([c["label"] for c in columns], rows))
    for number in range(1, pages + 1):
        path = job_file_path(job, _page_file(number))
        if path is not None:
            path.unlink()
    stamp = timezone.now().strftime("%Y-%m-%d")
    result = {"rows": len(rows), "file": EXPORT_FILE, "name": f"{module_name}-{stamp}.csv"}
    if more:
        result["more_matches"] = True
    return result


def _search_row(record: dict, columns: list[dict]) -> list[str]:
    """A searched record's cells as the Bulk Read path writes them: an owner's or a
    looked-up record's name (Zoho's search gives {"id", "name"}) where the Bulk Read asks
    for it through the dot operator, else the id; a list's items joined with ";"."""
    cells = []
    for column in columns:
        name, _, part = column["zoho"][0].partition(".")
        cells.append(_search_text(record.get(name), named=bool(part)))
    return cells


def _search_text(value, *, named: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str((value.get("name") if named else value.get("id")) or "")
    if isinstance(value, list):
        return ";".join(_search_text(item, named=named) for item in value)
    return str(value)
