"""Job files are kept for JOB_FILES_RETENTION_DAYS after their job finished, then deleted
(jobs.tasks.job_files_clean, run by beat), with import drafts never started."""

import os
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from jobs import tasks
from jobs.files import job_file_path, job_file_write
from jobs.models import Job


@pytest.fixture
def files_dir(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    settings.JOB_FILES_RETENTION_DAYS = 7
    return settings.JOB_FILES_DIR


def test_old_files_go_and_recent_or_running_ones_stay(db, files_dir):
    owner = get_user_model().objects.create_user("files-owner")
    long_ago = timezone.now() - timedelta(days=8)
    old = Job.objects.create(owner=owner, kind="crm.export", state="done", finished_at=long_ago)
    recent = Job.objects.create(
        owner=owner, kind="crm.export", state="done", finished_at=timezone.now()
    )
    running = Job.objects.create(owner=owner, kind="crm.import", state="running")
    gone = Job.objects.create(
        owner=owner, kind="crm.export", state="done", finished_at=timezone.now()
    )
    for job in (old, recent, running, gone):
        job_file_write(job, "export.csv", b"a\r\n")
    gone_folder = files_dir / str(gone.pk)
    gone.delete()
    drafts = files_dir / "drafts"
    drafts.mkdir()
    (drafts / "1-old.csv").write_text("x")
    os.utime(drafts / "1-old.csv", (time.time() - 9 * 86400,) * 2)
    (drafts / "1-new.csv").write_text("x")

    assert tasks.job_files_clean() == 3

    assert job_file_path(old, "export.csv") is None
    assert job_file_path(recent, "export.csv") is not None
    assert job_file_path(running, "export.csv") is not None
    assert not gone_folder.exists()
    assert sorted(p.name for p in drafts.iterdir()) == ["1-new.csv"]


def test_the_command_deletes_past_the_days_it_is_given(db, files_dir):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    owner = get_user_model().objects.create_user("files-owner")
    done = timezone.now() - timedelta(days=2)
    job = Job.objects.create(owner=owner, kind="crm.export", state="done", finished_at=done)
    job_file_write(job, "export.csv", b"a\r\n")
    call_command("job_files_clean")
    assert job_file_path(job, "export.csv") is not None  # 2 days < 7
    call_command("job_files_clean", "--days", "1")
    assert job_file_path(job, "export.csv") is None
    with pytest.raises(CommandError):
        call_command("job_files_clean", "--days", "-1")
