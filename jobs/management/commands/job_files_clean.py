"""Delete export and import files past their retention (what beat's job-files-clean does)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.files import job_files_clean


class Command(BaseCommand):
    help = (
        "Delete the files of export and import jobs finished more than JOB_FILES_RETENTION_DAYS "
        "ago (or deleted), and import drafts never started, under JOB_FILES_DIR. For cron, "
        "where Celery beat does not run; safe to run on many hosts at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Keep files this many days.")

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.JOB_FILES_RETENTION_DAYS
        if not 0 <= days <= 36500:
            raise CommandError("--days must be from 0 to 36500.")
        removed = job_files_clean(older_than=timedelta(days=days))
        self.stdout.write(f"Deleted {removed} job folder(s) and draft(s) older than {days} days.")
