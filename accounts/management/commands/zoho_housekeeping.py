"""Retry queued revocations, prune old refresh logs and sessions, drop stale SDK directories."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.services import housekeeping


class Command(BaseCommand):
    help = (
        "Housekeeping for cron, on every host (safe to run on many at once): retry queued "
        "revocations until Zoho confirms them, delete refresh logs older than "
        "TOKEN_REFRESH_LOG_RETENTION_DAYS and expired sessions, and remove this host's SDK "
        "directories of connections that no longer exist. Exit status 1 when a revocation "
        "still failed (Zoho unreachable); it stays queued."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh-log-days",
            type=int,
            help="Keep refresh logs this many days (default TOKEN_REFRESH_LOG_RETENTION_DAYS).",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON report.")

    def handle(self, *args, **options):
        days = options["refresh_log_days"]
        if days is not None and not 0 <= days <= 36500:
            raise CommandError("--refresh-log-days must be from 0 to 36500.")
        report = housekeeping.housekeeping_run(refresh_log_days=days)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))  # one line: JSON Lines in a log
        else:
            revoked = report.revocations
            self.stdout.write(
                f"Revocations: {revoked.revoked} confirmed, {revoked.failed} failed, "
                f"{revoked.pending} still queued.\n"
                f"Deleted {report.refresh_logs_deleted} refresh log(s), "
                f"{report.sessions_deleted} expired session(s), "
                f"{len(report.sdk_directories_removed)} stale SDK director(ies) "
                f"in {report.seconds:.1f} s."
            )
        if report.revocations.failed:
            raise SystemExit(1)
