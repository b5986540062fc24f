"""A quick look at every connection's status and token expiry; never prints a token."""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts import selectors
from accounts.models import ZohoConnection
from zoho import datacenters

COLUMNS = ("id", "email", "org", "dc", "status", "access token", "last refresh", "failures")


class Command(BaseCommand):
    help = "List Zoho connections with status and access-token expiry (tokens are never shown)."

    def add_arguments(self, parser):
        parser.add_argument("--dc", choices=datacenters.keys(), help="Only this data center.")
        parser.add_argument(
            "--status", choices=ZohoConnection.Status.values, help="Only this status."
        )
        parser.add_argument("--email", help="Only connections of this Zoho email.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args, **options):
        now = timezone.now()
        rows = [
            selectors.connection_summary(connection, now=now)
            for connection in selectors.connections_overview(
                data_center=options["dc"], status=options["status"], email=options["email"]
            )
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        table = [COLUMNS] + [
            (
                str(row["id"]),
                row["email"],
                row["org"],
                row["dc"],
                row["status"],
                row["expiry"],
                row["last_refreshed_at"] or "never",
                str(row["refresh_failures"]),
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
        for line in table:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            )
        self.stdout.write(f"{len(rows)} connection(s).")
