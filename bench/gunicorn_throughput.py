"""Part 4 (portal level): list pages through gunicorn at 1, 8 and 32 concurrent clients.

    .venv/bin/python bench/gunicorn_throughput.py            # 12 s per level
    .venv/bin/python bench/gunicorn_throughput.py --quick    # 4 s per level

`gunicorn zohoportal.wsgi` (default 2 workers x 8 threads, gthread, DEBUG off) in front of
the emulator in its own process; `--users` signed-in users (real DB sessions, connections
with emulator-minted tokens, spread over the six demo orgs). Each client is a thread with a
keep-alive `requests.Session` sending `GET /crm/api/Leads/` (20 records) with a different
user's cookie each time. Phases per emulator latency:

- warm: every user already has its metadata cached (in both workers): requests/s, p50, p99
  at each client count, upstream calls per request, and where the CPU went;
- cold: `--users` new users, each hit once at the highest client count (first request of a
  connection: the portal's module and field metadata plus the SDK's own field file).

Database: PostgreSQL `bench_portal` on 127.0.0.1 (dropped and re-created) when reachable,
else a fresh SQLite file (`--db`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import portal  # noqa: E402


def cpu_snapshot(server: portal.Gunicorn, emulator: portal.BulkEmulator) -> dict[str, float]:
    times = os.times()
    return {
        "portal": sum(portal.cpu_seconds(pid) for pid in server.worker_pids()),
        "emulator": portal.cpu_seconds(emulator.process.pid),
        "load": times.user + times.system,
        "postgres": sum(portal.cpu_seconds(pid) for pid in portal.postgres_pids()),
    }


def measured(server, emulator, cookies, clients, **kwargs) -> dict:
    calls = emulator.stats()["api_calls"]
    cpu = cpu_snapshot(server, emulator)
    result = portal.load(server.url, cookies, clients, **kwargs)
    after = cpu_snapshot(server, emulator)
    result["upstream_per_request"] = (emulator.stats()["api_calls"] - calls) / max(
        1, result["requests"]
    )
    result["cpu"] = {k: after[k] - cpu[k] for k in cpu}
    return result


def warm_up(server, emulator, cookies: list[str]) -> None:
    """Passes over every user, a new TCP connection per request (so both workers see each
    user), until a whole pass costs one upstream call per request."""
    for _ in range(12):
        calls = emulator.stats()["api_calls"]
        result = portal.load(
            server.url,
            cookies,
            4,
            seconds=120,
            max_requests=len(cookies) * 2,
            new_connection_every=1,
        )
        assert result["ok"] == result["requests"], result
        if emulator.stats()["api_calls"] - calls == result["requests"]:
            return
    print("warning: some metadata still uncached after warm-up", file=sys.stderr)


def row(label: str, result: dict) -> list:
    cpu = result["cpu"]
    total = sum(cpu.values())
    ok = max(1, result["ok"])
    bad = result["requests"] - result["ok"]
    return [
        label,
        result["clients"],
        result["requests"],
        common.fmt(result["rps"], 1),
        common.fmt(result["p50"]),
        common.fmt(result["p99"]),
        f"{result['upstream_per_request']:.2f}",
        f"{cpu['portal'] / ok * 1000:.1f}",
        f"{total / (os.cpu_count() * result['seconds']) * 100:.0f}%",
        f"{cpu['portal']:.1f}/{cpu['emulator']:.1f}/{cpu['load']:.1f}/{cpu['postgres']:.1f}",
        bad if not result["errors"] else f"{bad} {result['errors'][0]}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 s per level instead of 12")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--users", type=int, default=60, help="signed-in users (warm phase)")
    parser.add_argument("--latency-ms", default="0,20", help="emulator latencies to run")
    parser.add_argument("--db", choices=("auto", "postgres", "sqlite"), default="auto")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="CONN_MAX_AGE through the database URL (default: the settings')",
    )
    parser.add_argument("--no-cold", action="store_true", help="skip the cold phase")
    args = parser.parse_args()
    seconds = 4.0 if args.quick else 12.0
    levels = [int(c) for c in args.clients.split(",")]
    headers = [
        "phase",
        "clients",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "upstream/req",
        "portal CPU ms/req",
        "CPU busy",
        "CPU s portal/emu/load/pg",
        "non-200",
    ]

    print(f"# {common.machine()}")
    print(f"# gunicorn {args.workers} workers x {args.threads} threads (gthread), DEBUG off\n")
    for latency in (float(x) for x in args.latency_ms.split(",")):
        users = args.users + (0 if args.no_cold else args.users)
        with portal.BulkEmulator(tokens=users, latency_ms=latency) as emulator:
            url, db_label = portal.database_url(args.db)
            if args.conn_max_age is not None:
                url += f"?conn_max_age={args.conn_max_age}"
                db_label += f", CONN_MAX_AGE={args.conn_max_age}"
            env = portal.portal_env(url, emulator.url)
            portal.setup_portal(env)
            signed_in = portal.seed_users(emulator.tokens)
            warm_users = [u["cookie"] for u in signed_in[: args.users]]
            cold_users = [u["cookie"] for u in signed_in[args.users :]]
            rows = []
            with portal.Gunicorn(env, args.workers, args.threads) as server:
                warm_up(server, emulator, warm_users)
                for clients in levels:
                    result = measured(server, emulator, warm_users, clients, seconds=seconds)
                    rows.append(row("warm", result))
                if cold_users:
                    result = measured(
                        server,
                        emulator,
                        cold_users,
                        max(levels),
                        seconds=120,
                        max_requests=len(cold_users),
                    )
                    rows.append(row("cold (1st request)", result))
            print(f"## emulator latency {latency:g} ms, {args.users} users, {db_label}\n")
            print(common.table(headers, rows))
            print()
            time.sleep(0.5)


if __name__ == "__main__":
    main()
