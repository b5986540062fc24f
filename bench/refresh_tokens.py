"""`zoho_refresh_tokens` throughput: N due connections, emulator with injected latency.

    .venv/bin/python bench/refresh_tokens.py                 # 1,000 and 10,000; workers 1, 4, 16
    .venv/bin/python bench/refresh_tokens.py --quick         # 1,000 only
    .venv/bin/python bench/refresh_tokens.py --database-url sqlite:////tmp/x.sqlite3

Each run starts a fresh emulator child (so Zoho's per-token throttle and the stats start
from zero) holding N refresh tokens, fills the database with N connections whose access
tokens have expired, runs the command in this process and checks that the emulator saw
exactly N refresh calls. The ceiling is `workers / latency`: every refresh costs at least
one round trip. The machine's busy CPU time over the run (/proc/stat: this process, the
emulator and the database together) gives the CPU one refresh costs, and `cores / that` the
rate the machine could not exceed whatever the worker count. The database is PostgreSQL
(database `bench_refresh_tokens`) when 127.0.0.1:5432 answers, else a fresh SQLite file;
SQLite runs one worker whatever is asked.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

# Its own database: other benches share `bench` and may empty it while this one runs.
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_refresh_tokens"


# --- the emulator child: N refresh tokens minted in its own state ---------------------------
def serve_emulator(port: int, latency_ms: float, tokens: int, tokens_file: str) -> None:
    """Run an emulator with `tokens` live refresh tokens (listed in `tokens_file`)."""
    from zoho_emulator.server import EmulatorServer

    emulator = common.bench_emulator_app()
    state = emulator.state
    with state.lock:
        minted = [
            state.mint_refresh(
                client_id=emulator.client_id,
                email=f"bench-{n}@example.com",  # Zoho keeps 20 refresh tokens per user
                zgid="990000001",
                dc="us",
                scopes=("ZohoCRM.modules.ALL",),
            ).token
            for n in range(tokens)
        ]
    Path(tokens_file).write_text("\n".join(minted))
    emulator.set_latency(latency_ms)
    server = EmulatorServer(emulator, host="127.0.0.1", port=port).start()
    try:
        server._thread.join()
    finally:
        server.stop()


class BulkEmulator(common.Emulator):
    """`serve_emulator` in a child process; `.tokens` are its refresh tokens."""

    def __init__(self, *, latency_ms: float, tokens: int):
        import subprocess

        from zoho_emulator.client import EmulatorClient

        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tokens_file = tempfile.mktemp(prefix="zohoportal-bench-tokens-")  # noqa: S306
        self.process = subprocess.Popen(
            [
                common.PYTHON,
                __file__,
                "--serve-emulator",
                f"--port={self.port}",
                f"--latency-ms={latency_ms}",
                f"--tokens={tokens}",
                f"--tokens-file={tokens_file}",
            ],
            cwd=common.ROOT,
        )
        common.wait_http(f"{self.url}/_emulator/health", timeout=60)
        self.tokens = Path(tokens_file).read_text().split("\n")
        Path(tokens_file).unlink()
        self.client = EmulatorClient(self.url)


# --- the portal side (this process) ---------------------------------------------------------
def fill(refresh_tokens: list[str]) -> None:
    """Replace every connection with one expired connection per refresh token."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from accounts.models import TokenRefreshLog, ZohoConnection, ZohoOrg
    from zoho import datacenters

    with connection.cursor() as cursor:
        for model in (TokenRefreshLog, ZohoConnection):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - our table names
    org, _ = ZohoOrg.objects.get_or_create(
        zgid="990000001", data_center="us", defaults={"name": "Bench Org"}
    )
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    expired = timezone.now() - timedelta(minutes=1)
    rows = []
    for n, token in enumerate(refresh_tokens):
        row = ZohoConnection(
            user=owner,
            org=org,
            data_center="us",
            zoho_user_id=str(5_000_000 + n),
            email=f"bench-{n}@example.com",
            user_signature=f"bench-{n}@example.com:{org.zgid}",
            api_domain=datacenters.get("us").api_domain,
            access_token_expires_at=expired,
        )
        row.refresh_token = token
        rows.append(row)
    ZohoConnection.objects.bulk_create(rows, batch_size=1000)


def run_once(size: int, workers: int, latency_ms: float, processes: int = 1) -> dict:
    from django.conf import settings
    from django.core.management import call_command

    with BulkEmulator(latency_ms=latency_ms, tokens=size) as emulator:
        settings.ZOHO_EMULATOR_URL = emulator.url
        fill(emulator.tokens)
        out = io.StringIO()
        busy_before = common.machine_busy_seconds()
        started = time.monotonic()
        call_command(
            "zoho_refresh_tokens",
            "--json",
            f"--workers={workers}",
            f"--processes={processes}",
            stdout=out,
        )
        seconds = time.monotonic() - started
        busy_after = common.machine_busy_seconds()
        report = json.loads(out.getvalue())
        calls = emulator.stats()["token_calls"].get("refresh_token", 0)
    refreshed = report["counts"]["refreshed"]
    if refreshed != size or calls != size:
        raise SystemExit(f"expected {size} refreshes, got {refreshed} ({calls} calls)")
    rate = size / seconds
    ceiling = report["processes"] * report["workers"] / (latency_ms / 1000)
    # What one refresh costs the machine (portal, emulator and database together), and so
    # the most refreshes per second its cores could do however many workers wait on Zoho.
    cpu_ms = (
        (busy_after - busy_before) * 1000 / size
        if busy_before is not None and busy_after is not None
        else None
    )
    cpu_ceiling = (os.cpu_count() or 1) * 1000 / cpu_ms if cpu_ms else None
    return {
        "size": size,
        "workers": workers,
        "processes": report["processes"],
        "ran_with": report["workers"],
        "seconds": seconds,
        "rate": rate,
        "ceiling": ceiling,
        "share": rate / ceiling,
        "cpu_ms": cpu_ms,
        "cpu_ceiling": cpu_ceiling,
        "cpu_share": rate / cpu_ceiling if cpu_ceiling else None,
    }


def _opt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="Due connections per run.")
    parser.add_argument("--workers", default="1,4,16", help="--workers values to run.")
    parser.add_argument(
        "--processes", default="1", help="--processes values to run (e.g. 1,2: every core)."
    )
    parser.add_argument("--latency-ms", type=float, default=20.0, help="Injected latency.")
    parser.add_argument(
        "--database-url", help="Default: PostgreSQL bench_refresh_tokens, else SQLite."
    )
    parser.add_argument("--quick", action="store_true", help="1,000 connections only.")
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tokens-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(args.port, args.latency_ms, args.tokens, args.tokens_file)
        return 0

    database_url = args.database_url
    if not database_url:
        reason = common.postgres_ready(PG_URL)
        database_url = PG_URL if reason is None else common.sqlite_url()
        if reason:
            print(f"PostgreSQL not used ({reason}); SQLite runs one worker.")
    elif database_url.startswith("postgres") and (reason := common.postgres_ready(database_url)):
        raise SystemExit(reason)
    # The benches' client; the emulator's URL is set per run (settings.ZOHO_EMULATOR_URL).
    common.django_setup(database_url=database_url, emulator_url="http://127.0.0.1:9")
    from django.db import connection

    sizes = [1000] if args.quick else [int(size) for size in args.sizes.split(",")]
    workers = [int(count) for count in args.workers.split(",")]
    process_counts = [int(count) for count in args.processes.split(",")]
    print(f"Database: {connection.vendor}; latency {args.latency_ms:g} ms; {common.machine()}")
    rows = []
    for size in sizes:
        for processes in process_counts:
            for count in workers:
                result = run_once(size, count, args.latency_ms, processes)
                rows.append(result)
                print(
                    f"  {size:>6} connections, {processes} x {count:>2} workers: "
                    f"{result['seconds']:.1f} s, {result['rate']:.0f}/s "
                    f"({result['share']:.0%} of ceiling, "
                    f"{_opt(result['cpu_share'], '.0%')} of the CPU-bound ceiling), "
                    f"machine CPU {_opt(result['cpu_ms'], '.2f')} ms per refresh",
                    flush=True,
                )
    print()
    print(
        common.table(
            [
                "due",
                "--processes",
                "--workers",
                "seconds",
                "connections/s",
                "ceiling/s",
                "% of ceiling",
                "machine CPU ms/refresh",
                "CPU-bound ceiling/s",
                "% of CPU-bound ceiling",
            ],
            [
                [
                    f"{r['size']:,}",
                    r["processes"],
                    r["workers"] if r["ran_with"] == r["workers"] else f"{r['workers']} (ran 1)",
                    f"{r['seconds']:.2f}",
                    f"{r['rate']:.0f}",
                    f"{r['ceiling']:.0f}",
                    f"{r['share']:.0%}",
                    _opt(r["cpu_ms"], ".2f"),
                    _opt(r["cpu_ceiling"], ".0f"),
                    _opt(r["cpu_share"], ".0%"),
                ]
                for r in rows
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
