"""Part 5: gunicorn worker memory over 10,000 list pages across 1,000 connections.

    .venv/bin/python bench/memory.py            # 10,000 requests, 1,000 connections
    .venv/bin/python bench/memory.py --quick    # 2,000 requests, 200 connections

`gunicorn zohoportal.wsgi` (2 workers x 8 threads, gthread, DEBUG off, no --max-requests
recycling) against the emulator; 1,000 signed-in users, each with its own connection
(emulator-minted tokens, real DB sessions). The run is 10 blocks of 1,000 requests; block b
brings 100 new connections and requests each of them 10 times (16 keep-alive clients), so new
connections keep arriving at the same rate for the whole run: a per-connection leak would
grow the workers linearly to the end, a bounded cache levels off. After every block it reads
VmRSS and VmHWM (peak) of each worker from /proc/<pid>/status, the size of the SDK's
field-metadata directory and the upstream calls per request.

Target: flat, i.e. a worker's RSS grows by at most 5 % from the end of block 3 (300
connections, every bounded cache full) to the end of block 10 (1,000 connections).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import portal  # noqa: E402

BLOCKS = 10
FLAT = 0.05
PLATEAU_BLOCK = 3  # the first block after which every bounded cache is full


def dir_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 connections, 2,000 requests")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--db", choices=("auto", "postgres", "sqlite"), default="auto")
    args = parser.parse_args()
    per_block = 20 if args.quick else 100  # new connections per block
    repeats = 10

    connections = per_block * BLOCKS
    with portal.BulkEmulator(tokens=connections) as emulator:
        url, db_label = portal.database_url(args.db)
        resource_dir = Path(common.tempfile.mkdtemp(prefix="zohoportal-bench-sdk-"))
        env = portal.portal_env(url, emulator.url, resource_dir=str(resource_dir))
        portal.setup_portal(env)
        cookies = [u["cookie"] for u in portal.seed_users(emulator.tokens)]
        with portal.Gunicorn(env, args.workers, args.threads) as server:
            pids = server.worker_pids()
            # One request per worker first, so the baseline has the portal and SDK imported.
            portal.load(
                server.url, cookies[:1], 1, seconds=30, max_requests=4, new_connection_every=1
            )
            samples = [sample(pids, 0, 0, resource_dir, None)]
            for block in range(BLOCKS):
                calls = emulator.stats()["api_calls"]
                block_cookies = cookies[block * per_block : (block + 1) * per_block]
                result = portal.load(
                    server.url,
                    block_cookies,
                    args.clients,
                    seconds=300,
                    max_requests=per_block * repeats,
                )
                assert result["ok"] == result["requests"], result
                upstream = (emulator.stats()["api_calls"] - calls) / result["requests"]
                samples.append(
                    sample(
                        pids,
                        (block + 1) * per_block * repeats,
                        (block + 1) * per_block,
                        resource_dir,
                        upstream,
                        result,
                    )
                )
            alive = server.worker_pids() == pids
            print(f"# {common.machine()}")
            print(
                f"# gunicorn {args.workers} workers x {args.threads} threads, {db_label}, "
                f"{args.clients} clients; workers unchanged through the run: {alive}\n"
            )
            report(samples, pids)


def sample(pids, requests, connections, resource_dir, upstream, result=None) -> dict:
    files, size = dir_size(resource_dir)
    return {
        "requests": requests,
        "connections": connections,
        "rss": {pid: portal.rss_kb(pid) for pid in pids},
        "sdk_files": files,
        "sdk_bytes": size,
        "upstream": upstream,
        "rps": result["rps"] if result else None,
    }


def report(samples: list[dict], pids: list[int]) -> None:
    headers = ["requests", "connections"]
    for n in range(len(pids)):
        headers += [f"w{n + 1} RSS MB", f"w{n + 1} peak MB"]
    headers += ["SDK files", "SDK dir MB", "upstream/req", "req/s"]
    rows = []
    for s in samples:
        line = [f"{s['requests']:,}", f"{s['connections']:,}"]
        for pid in pids:
            line += [f"{s['rss'][pid]['VmRSS'] / 1024:.1f}", f"{s['rss'][pid]['VmHWM'] / 1024:.1f}"]
        line += [
            s["sdk_files"],
            f"{s['sdk_bytes'] / 1e6:.1f}",
            "-" if s["upstream"] is None else f"{s['upstream']:.2f}",
            "-" if s["rps"] is None else f"{s['rps']:.0f}",
        ]
        rows.append(line)
    print(common.table(headers, rows))
    plateau, end = samples[PLATEAU_BLOCK], samples[-1]
    print()
    verdict = []
    for n, pid in enumerate(pids):
        start_kb, end_kb = plateau["rss"][pid]["VmRSS"], end["rss"][pid]["VmRSS"]
        growth = (end_kb - start_kb) / start_kb
        per_conn = (end_kb - start_kb) * 1024 / max(1, end["connections"] - plateau["connections"])
        verdict.append(
            [
                f"worker {n + 1}",
                f"{samples[0]['rss'][pid]['VmRSS'] / 1024:.1f}",
                f"{start_kb / 1024:.1f}",
                f"{end_kb / 1024:.1f}",
                f"{end['rss'][pid]['VmHWM'] / 1024:.1f}",
                f"{growth * 100:+.1f}%",
                f"{per_conn:+.0f}",
                common.met(growth <= FLAT),
            ]
        )
    print(
        common.table(
            [
                "worker",
                "RSS start MB",
                f"RSS @{plateau['connections']} conns MB",
                f"RSS @{end['connections']} conns MB",
                "peak MB",
                "growth after plateau",
                "bytes per new connection",
                "flat (≤ 5 %)",
            ],
            verdict,
        )
    )


if __name__ == "__main__":
    main()
