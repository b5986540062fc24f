"""Fill in the Zoho account id (ZUID) of connections stored before the portal kept it."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = (
        "Ask Zoho for the ZUID of every connection that has none (stored before the portal "
        "kept it), so that the account's sign-ins to other orgs find its Django user. "
        "Run once after upgrading; safe to run again."
    )

    def handle(self, *args, **options):
        report = services.connections_backfill_account_ids()
        for connection_id, reason in report.failed:
            self.stderr.write(f"connection {connection_id}: not filled in: {reason}")
        self.stdout.write(f"Filled in the Zoho account id of {report.filled} connection(s).")
        if report.failed:
            raise CommandError(f"{len(report.failed)} connection(s) could not be filled in.")
