"""Bulk edits too big for one call (more than 100 records, or "all N matching" the list's
search, view and filters) as a background job: the ids first (read once, kept in the
checkpoint), then steps of 100 through `crm.bulk`, each step's results checkpointed so
that a re-run (a worker died, Zoho throttled) goes on from the next step and no record is
changed twice.

`bulk_edit_start` is what the pages and the JSON API call; the job kind is `crm.bulk_edit`.
"""

from __future__ import annotations

from core.errors import AppError
from crm import bulk, metadata
from jobs.models import Job
from jobs.services import RETRIED_CODES, TransientError, job_advance, job_create, job_kind

KIND = "crm.bulk_edit"
ACTIONS = ("update", "delete")


def bulk_edit_start(
    *,
    owner,
    connection,
    module: str,
    action: str,
    ids: list[int] | None = None,
    query: str | None = None,
    values: dict | None = None,
    names: dict | None = None,
    filters: dict | None = None,
) -> dict:
    """A queued job giving `values` to (action "update") or deleting (action "delete") the
    records `ids`, or, when `ids` is None, every record matching `query` within the list's
    view and `filters` (list parameters, `crm.bulk.Matching.params`; all records for none),
    read when the job runs exactly as the list reads them. `values` are checked already
    (`crm.bulk.clean_update`). The job as {"id", "state", "progress"} (what
    `crm.bulk.start_background` answers)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    params = {"module": module, "action": action, "values": values or {}}
    if names:  # the records' names the page knew, to name those that fail
        params["names"] = {str(k): str(v)[:200] for k, v in names.items()}
    if ids is None:
        params["query"] = query or ""
        if filters:  # the list's view and filters: {"cvid", "owner", "f_Lead_Status", …}
            params["filters"] = {str(k): str(v) for k, v in filters.items()}
    else:
        params["ids"] = [str(i) for i in ids]
    job = job_create(owner=owner, kind=KIND, connection=connection, params=params)
    return {"id": job.pk, "state": job.state, "progress": job.progress}


def _retried(call):
    try:
        return call()
    except AppError as error:
        if error.code in RETRIED_CODES:
            raise TransientError(f"{error.code}: {error.message}") from error
        raise


@job_kind(KIND)
def bulk_edit(job: Job) -> dict:
    """Run (or resume) a bulk edit; the result: {"action", "module", "total", "succeeded",
    "failed", "failures": [{"id", "code", "message", "field"?}]}."""
    connection = job.connection
    if connection is None:
        raise ValueError("the job's Zoho connection is gone")
    params = job.params
    module = _retried(lambda: metadata.module_get(connection=connection, module=params["module"]))
    done = dict(job.result)
    if "ids" not in done:  # step one: which records (kept, so a re-run changes the same ones)
        names = dict(params.get("names") or {})
        if "ids" in params:
            ids = [int(i) for i in params["ids"]]
        else:
            records = _retried(
                lambda: bulk.matching_records(
                    connection=connection,
                    module=module,
                    query=params.get("query", ""),
                    filters=params.get("filters"),
                )
            )
            ids = [int(r["id"]) for r in records]
            names = {r["id"]: r["name"] for r in records}
        done = {
            "ids": [str(i) for i in ids],
            "names": names,  # to name the records that fail
            "next": 0,
            "succeeded": 0,
            "failures": [],
        }
        job_advance(job, progress=0, result=done)
    ids = [int(i) for i in done["ids"]]
    while done["next"] < len(ids):
        step = ids[done["next"] : done["next"] + bulk.MAX_IDS]
        if params["action"] == "delete":
            results = _retried(
                lambda step=step: bulk.records_delete_many(
                    connection=connection, module=module, ids=step
                )
            )
        else:
            results = _retried(
                lambda step=step: bulk.records_update_many(
                    connection=connection, module=module, ids=step, values=params["values"]
                )
            )
        names = done.get("names") or {}
        failures = [
            {**r, "name": names.get(r["id"], "")} for r in results if r["status"] != "success"
        ]
        done = {
            **done,
            "next": done["next"] + len(step),
            "succeeded": done["succeeded"] + len(results) - len(failures),
            "failures": [*done["failures"], *failures],
        }
        job_advance(job, progress=done["next"] * 100 // len(ids), result=done)
    return {
        "action": params["action"],
        "module": module.api_name,
        "total": len(ids),
        "succeeded": done["succeeded"],
        "failed": len(done["failures"]),
        "failures": done["failures"],
    }
