"""Queue again the jobs still queued after JOB_REQUEUE_AFTER_SECONDS (what beat's
jobs-requeue does)."""

import json
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.services import jobs_requeue


class Command(BaseCommand):
    help = (
        "Queue again every job still queued JOB_REQUEUE_AFTER_SECONDS after it was queued (the "
        "broker was down when it was created): for cron or the housekeeping timer, where Celery "
        "beat does not run. Safe to run on many hosts at once: each job is queued by one of "
        "them, at most once per JOB_REQUEUE_AFTER_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--after",
            type=int,
            help="Seconds a job may stay queued (default JOB_REQUEUE_AFTER_SECONDS).",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON report.")

    def handle(self, *args, **options):
        after = options["after"]
        if after is None:
            after = settings.JOB_REQUEUE_AFTER_SECONDS
        if not 1 <= after <= 31_536_000:
            raise CommandError("--after must be from 1 to 31536000 seconds (a year).")
        report = jobs_requeue(after=timedelta(seconds=after))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))  # one line: JSON Lines in a log
            return
        self.stdout.write(f"Queued {report.requeued} job(s) again, still queued after {after} s.")
        if report.failed:
            self.stdout.write(
                f"The broker did not answer: {report.failed + report.pending} job(s) still "
                "queued, for the next runs."
            )
