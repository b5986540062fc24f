"""Refresh every active connection whose access token expires soon (for cron, on any host)."""

import argparse
import json
import os
import time

from django.core.management.base import BaseCommand, CommandError

from accounts import selectors, services
from zoho import datacenters


def int_between(low: int, high: int, hint: str = ""):
    """An argparse type: an integer from `low` to `high` (argparse exits 2 otherwise)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}{hint}")
        return number

    return parse


MAX_AHEAD_MINUTES = 60 * 24 * 365
MAX_WORKERS = 64


class ProgressLine:
    """One self-overwriting line on a terminal, after the first two seconds of a run."""

    def __init__(self, stream):
        self.stream = stream
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int, total: int, counts: dict[str, int]) -> None:
        now = time.monotonic()
        if now - self.started < 2 or (now - self.shown < 0.5 and done < total):
            return
        self.shown = now
        rate = done / (now - self.started)
        self.stream.write(
            f"\r{done}/{total} done ({rate:.0f}/s): refreshed {counts.get('refreshed', 0)}, "
            f"failed {counts.get('failed', 0)}   ",
            ending="\n" if done == total else "",
        )
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Refresh the access token of every active connection that expires within --ahead "
        "minutes. Safe on several hosts at once: rows locked elsewhere are skipped. Exit "
        "status 1 when any refresh failed (throttled and needing re-consent are not failures)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead",
            type=int_between(0, MAX_AHEAD_MINUTES, " (a year); --all refreshes every one"),
            default=selectors.DEFAULT_AHEAD_MINUTES,
            metavar="MINUTES",
            help="Refresh tokens expiring within this many minutes (default %(default)s).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="all_",
            help="Refresh every active connection, whatever its expiry.",
        )
        parser.add_argument("--dc", choices=datacenters.keys(), help="Only this data center.")
        parser.add_argument("--email", help="Only connections of this Zoho email.")
        parser.add_argument(
            "--processes",
            type=int_between(1, MAX_WORKERS),
            default=os.cpu_count() or 1,
            help="Worker processes, one per core by default (%(default)s here; SQLite: one).",
        )
        parser.add_argument(
            "--workers",
            type=int_between(1, MAX_WORKERS),
            default=services.DEFAULT_WORKERS,
            help="Concurrent refreshes per process (default %(default)s; SQLite always one).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what is due; call nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON report.")

    def handle(self, *args, **options):
        show_progress = not options["json"] and self.stderr.isatty()
        report = services.tokens_refresh_due(
            ahead_minutes=options["ahead"],
            data_center=options["dc"],
            email=options["email"],
            all_=options["all_"],
            workers=options["workers"],
            processes=options["processes"],
            dry_run=options["dry_run"],
            progress=ProgressLine(self.stderr) if show_progress else None,
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))  # one line: JSON Lines in a log
        else:
            self.write_summary(report, verbose=options["verbosity"] > 1)
        if report.failed:
            raise CommandError(f"{report.failed} connection(s) could not be refreshed.")

    def write_summary(self, report: services.RefreshReport, *, verbose: bool) -> None:
        if report.dry_run:
            for result in report.results:
                self.stdout.write(
                    f"due  #{result.connection_id} {result.email} ({result.data_center})"
                )
            self.stdout.write(f"Dry run: {len(report.results)} connection(s) due; nothing called.")
            return
        for result in report.results:
            if verbose or result.outcome != services.Outcome.REFRESHED:
                self.stdout.write(
                    f"{result.outcome:<16} #{result.connection_id} {result.email} "
                    f"({result.data_center}) {result.reason}".rstrip()
                )
        counts = report.counts
        summary = (
            f"{len(report.results)} due: refreshed {counts['refreshed']}, skipped "
            f"{counts['skipped']}, throttled {counts['throttled']}, failed {counts['failed']}, "
            f"needing re-consent {counts['needs_reconsent']} in {report.seconds:.1f} s "
            f"({report.processes} process(es) x {report.workers} worker(s))."
        )
        style = self.style.ERROR if report.failed else self.style.SUCCESS
        self.stdout.write(style(summary))
