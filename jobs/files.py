"""The files a job produces (an export's CSV, an import's failed rows), one folder per job
under `settings.JOB_FILES_DIR`. A file is reached through its job only: whoever may see the
job (its owner, through the job's connection) may download it; nobody else learns it exists.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

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
