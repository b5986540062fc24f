"""The files a job produces (an export's CSV, an import's failed rows), one folder per job
under `settings.JOB_FILES_DIR`. A file is reached through its job only: whoever may see the
job (its owner, through the job's connection) may download it; nobody else learns it exists.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from jobs.models import Job


def job_folder(job: Job) -> Path:
    return Path(settings.JOB_FILES_DIR) / str(int(job.pk))


def job_file_write(job: Job, name: str, data: bytes) -> Path:
    """Store `data` as the job's file `name` (written whole, then renamed into place: a
    reader never sees half a file)."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a plain file name: {name!r}")
    folder = job_folder(job)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = folder / f".{name}.partial"
    partial.write_bytes(data)
    partial.replace(target)
    return target


def job_file_path(job: Job, name: str) -> Path | None:
    """The job's file `name`, None when it has none (never written, or cleaned away)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = job_folder(job) / name
    return path if path.is_file() else None


def job_files_clean(*, older_than: timedelta) -> int:
    """Delete what jobs left behind longer ago than `older_than`: the folders of jobs
    finished before then (or deleted), and import drafts never started. The number of
    folders and drafts deleted."""
    root = Path(settings.JOB_FILES_DIR)
    if not root.is_dir():
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    folders = {p.name: p for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
    alive = {
        str(pk)
        for pk in Job.objects.filter(pk__in=[int(n) for n in folders])
        .exclude(state__in=Job.FINISHED, finished_at__lt=cutoff)
        .values_list("pk", flat=True)
    }
    for name, folder in folders.items():
        if name not in alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    drafts = root / "drafts"
    for draft in drafts.iterdir() if drafts.is_dir() else ():
        if draft.stat().st_mtime < cutoff.timestamp():
            draft.unlink(missing_ok=True)
            removed += 1
    return removed
