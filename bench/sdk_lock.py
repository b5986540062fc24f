"""Part 4: how long portal requests hold and wait for the SDK's process-wide `Utility.lock`.

    .venv/bin/python bench/sdk_lock.py            # 8 threads, 40 requests each
    .venv/bin/python bench/sdk_lock.py --quick    # 8 threads, 15 requests each

One process, N threads, each a Django test client sending `GET /crm/api/Leads/` for
signed-in users (emulator in its own process, `--latency-ms`, default 20). `Utility.lock`
is wrapped to measure, per request, the time spent waiting for it and holding it. Rounds
alternate between the SDK's own `Utility.get_fields` (always under the lock) and the
portal's lock-free fast path (`zoho.field_cache`), same process, same users, warm
metadata; then new users (no metadata file yet) show the cold path, which stays under the
SDK's lock either way.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import portal  # noqa: E402


class TimedLock:
    """Utility.lock stand-in: the SDK's re-entrant lock, timing outermost holds."""

    def __init__(self, real):
        self.real = real
        self.local = threading.local()
        self.wait = 0.0
        self.held = 0.0
        self.count = 0
        self.guard = threading.Lock()

    def __enter__(self):
        started = time.perf_counter()
        self.real.acquire()
        now = time.perf_counter()
        depth = getattr(self.local, "depth", 0)
        self.local.depth = depth + 1
        if depth == 0:
            self.local.since = now
            with self.guard:
                self.wait += now - started
                self.count += 1
        return self

    def __exit__(self, *exc):
        self.local.depth -= 1
        if self.local.depth == 0:
            with self.guard:
                self.held += time.perf_counter() - self.local.since
        self.real.release()

    def reset(self):
        with self.guard:
            self.wait = self.held = 0.0
            self.count = 0


def run(cookies: list[str], threads: int, per_thread: int, lock: TimedLock) -> dict:
    from django.test import Client

    latencies: list[float] = []
    failures: list[int] = []
    lock.reset()

    def worker(number: int) -> None:
        client = Client()
        for i in range(per_thread):
            name, value = cookies[(number * per_thread + i) % len(cookies)].split("=", 1)
            client.cookies[name] = value
            started = time.perf_counter()
            response = client.get(portal.LIST_PATH)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures.append(response.status_code)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    n = len(latencies)
    return {
        "requests": n,
        "rps": n / elapsed,
        "p50": common.percentile_ms(latencies, 50),
        "p99": common.percentile_ms(latencies, 99),
        "acquired": lock.count / n,
        "wait": lock.wait / n * 1000,
        "held": lock.held / n * 1000,
        "share": lock.held / elapsed * 100,
        "failures": len(failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 requests per thread, 2 rounds")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--users", type=int, default=60)
    args = parser.parse_args()
    per_thread, rounds = (15, 2) if args.quick else (40, 3)

    with portal.BulkEmulator(tokens=args.users * 2, latency_ms=args.latency_ms) as emulator:
        url, _label = portal.database_url("sqlite")
        portal.setup_portal(portal.portal_env(url, emulator.url))
        from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

        from zoho import sdk as zoho_sdk

        sdk_get_fields = Utility.__dict__["get_fields"]  # before the portal wraps it
        zoho_sdk.ensure_initialized()
        fast_get_fields = Utility.__dict__["get_fields"]
        assert fast_get_fields is not sdk_get_fields
        lock = TimedLock(Utility.lock)
        Utility.lock = lock

        users = [u["cookie"] for u in portal.seed_users(emulator.tokens)]
        warm, cold = users[: args.users], users[args.users :]
        # Every warm user's metadata fetched, two threads at a time on each new connection.
        warm_up = run(warm, 4, max(1, len(warm) // 4) * 2, lock)
        results: dict[str, list[dict]] = {"SDK get_fields (lock)": [], "fast path": []}
        for _ in range(rounds):
            for name, method in (
                ("SDK get_fields (lock)", sdk_get_fields),
                ("fast path", fast_get_fields),
            ):
                Utility.get_fields = method
                results[name].append(run(warm, args.threads, per_thread, lock))
        Utility.get_fields = fast_get_fields
        cold_result = run(cold, args.threads, max(1, len(cold) // args.threads), lock)

    rows = []
    for name, runs in results.items():
        best = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]  # the median round
        rows.append(row(f"warm, {name}", best))
    rows.append(row("cold (no metadata file yet)", cold_result))
    rows.append(row("warm-up: 2 threads per new connection", warm_up))
    print(f"# {common.machine()}")
    print(f"# {args.threads} threads, one process, emulator latency {args.latency_ms:g} ms\n")
    print(
        common.table(
            [
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "lock holds/req",
                "wait ms/req",
                "held ms/req",
                "held % of wall",
                "non-200",
                "case",
            ],
            rows,
        )
    )


def row(label: str, r: dict) -> list:
    return [
        r["requests"],
        common.fmt(r["rps"], 1),
        common.fmt(r["p50"]),
        common.fmt(r["p99"]),
        f"{r['acquired']:.2f}",
        f"{r['wait']:.2f}",
        f"{r['held']:.2f}",
        f"{r['share']:.0f}%",
        r["failures"],
        label,
    ]


if __name__ == "__main__":
    main()
