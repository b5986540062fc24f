"""Part 4 (SDK level): concurrent list pages through `activated()` in one process.

    .venv/bin/python bench/throughput.py            # 1, 8, 32 threads
    .venv/bin/python bench/throughput.py --quick

Each thread plays signed-in users: it loads a connection row, enters
`zoho.sdk.activated(connection)` and fetches one Leads page (45 records) with the
SDK's `get_records`, as a list view would, against the emulator in its own process. This
is the part of a portal request the fixes in accounts/ change; the full portal under
gunicorn (`/crm/api/Leads/`) waits for the crm app's JSON API (see bench/README.md).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

USERS = [  # (email, dc, org zgid): demo users whose orgs have a 45- or 9-record Leads list
    ("patricia.boyle@zylker-traders.com", "us", "720019234"),
    ("marcus.webb@zylker-traders.com", "us", "720019234"),
    ("patricia.boyle@zylker-traders.com", "us", "720019877"),
    ("sofia.lindqvist@nordwind-logistik.de", "eu", None),
    ("arjun.mehta@kaveritextiles.in", "in", None),
    ("olivia.chen@banksiasolar.com.au", "au", None),
]


def list_page(connection_id: int) -> int:
    from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

    from accounts import activation
    from accounts.models import ZohoConnection

    connection = ZohoConnection.objects.select_related("org").get(pk=connection_id)
    with activation.activated(connection):
        params = ParameterMap()
        params.add(GetRecordsParam.fields, "Last_Name,First_Name,Email,Company,Lead_Status")
        params.add(GetRecordsParam.per_page, 200)
        response = RecordOperations("Leads").get_records(params)
        return len(response.get_object().get_data())


def run(connection_ids: list[int], threads: int, requests_total: int) -> dict:
    from django.db import connections as db_connections

    latencies: list[float] = []
    errors: list[str] = []
    per_thread = max(1, requests_total // threads)
    start_line = threading.Barrier(threads + 1)

    def worker(number: int) -> None:
        start_line.wait()
        try:
            for i in range(per_thread):
                started = time.perf_counter()
                list_page(connection_ids[(number + i) % len(connection_ids)])
                latencies.append(time.perf_counter() - started)
        except Exception as error:  # noqa: BLE001 - reported in the table
            errors.append(repr(error))
        finally:
            db_connections.close_all()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "threads": threads,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": common.percentile_ms(latencies, 50),
        "p99": common.percentile_ms(latencies, 99),
        "errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--threads", default="1,8,32")
    args = parser.parse_args()
    total = 96 if args.quick else 384

    with common.Emulator() as emulator:
        common.django_setup(database_url=common.sqlite_url(), emulator_url=emulator.url)
        ids = [common.connect(emulator.client, *user).pk for user in USERS]
        for connection_id in ids:  # field metadata fetched once per connection, as in use
            list_page(connection_id)
        rows = []
        for threads in (int(t) for t in args.threads.split(",")):
            result = run(ids, threads, total)
            rows.append(
                [
                    threads,
                    result["requests"],
                    common.fmt(result["rps"], 1),
                    common.fmt(result["p50"]),
                    common.fmt(result["p99"]),
                    "; ".join(result["errors"]) or "0",
                ]
            )
    print(f"# SDK-level list pages, {len(ids)} connections ({common.machine()})\n")
    print(common.table(["threads", "requests", "pages/s", "p50 ms", "p99 ms", "errors"], rows))


if __name__ == "__main__":
    main()
