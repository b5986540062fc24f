"""Part 1: token lookup at scale. DjangoTokenStore (SQLite, PostgreSQL) next to the SDK's FileStore.

    .venv/bin/python bench/token_lookup.py                 # 1k, 10k, 100k connections
    .venv/bin/python bench/token_lookup.py --quick         # 1k, 10k
    .venv/bin/python bench/token_lookup.py --pg-url postgres://postgres@127.0.0.1:5432/bench

The same connections (ids, "email:zgid" signatures, tokens) go into each store: rows are
bulk-created with tokens encrypted beforehand (as the portal stores them), the FileStore CSV
gets the same rows in plaintext (as the SDK stores them). Each store is timed on the same
random sample of targets: `find_token_by_id(id)` and `find_token(OAuthToken(user_signature=…))`.
Each database runs in its own child process (Django configures one database per process),
within the same run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DCS = ("us", "eu", "in", "au")
PER_ORG = 10
CLIENT_ID, CLIENT_SECRET = "1000.BENCHCLIENT", "bench-client-secret"


def identity(i: int) -> dict[str, str]:
    """Connection number `i` (0-based): the same in every store."""
    org = i // PER_ORG
    zgid = str(700000000 + org)
    email = f"user{i}@org{org}.example.com"
    secret = hashlib.sha256(str(i).encode()).hexdigest()
    return {
        "id": str(i + 1),
        "org": org,
        "zgid": zgid,
        "dc": DCS[org % len(DCS)],
        "email": email,
        "signature": f"{email}:{zgid}",
        "zoho_user_id": str(4150868000000000000 + i),
        "refresh": f"1000.{secret[:32]}.{secret[32:]}",
        "access": f"1000.{secret[32:]}.{secret[:32]}",
    }


def targets(size: int, count: int) -> list[int]:
    rng = random.Random(size)  # same targets for every store
    return [rng.randrange(size) for _ in range(count)]


def rounds_for(size: int, quick: bool, *, filestore: bool) -> tuple[int, int]:
    """(rounds, lookups per round). The summary is the best round's median: other processes
    share this machine, and a burst of theirs should not decide a figure."""
    if filestore:
        per_round = {1000: 40, 10000: 8}.get(size, 4)
        return (3 if quick else 5) if size <= 10000 else (2 if quick else 4), per_round
    return (3 if quick else 5), (100 if quick else 200)


def best_median_ms(rounds: list[list[float]]) -> float:
    return min(common.median_ms(samples) for samples in rounds)


def summary_ms(name: str, rounds: list[list[float]]) -> float:
    """Django store: the best round's median. FileStore: the median of every sample, since
    its scan stops at the row, so a round's cost depends on where its few targets sit."""
    if name.startswith("SDK"):
        return common.median_ms([t for samples in rounds for t in samples])
    return best_median_ms(rounds)


# --- the Django store (child process) --------------------------------------------------------
def fill_django(start: int, stop: int, expires_at) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accounts.models import ZohoConnection, ZohoOrg
    from zoho import datacenters

    user_model = get_user_model()
    batch = 5000
    for first in range(start, stop, batch):
        ids = [identity(i) for i in range(first, min(stop, first + batch))]
        user_model.objects.bulk_create(
            [user_model(username=f"bench-{x['id']}", email=x["email"], password="!") for x in ids]
        )
        users = dict(
            user_model.objects.filter(username__in=[f"bench-{x['id']}" for x in ids]).values_list(
                "username", "pk"
            )
        )
        new_orgs = {(x["zgid"], x["dc"]) for x in ids if int(x["id"]) - 1 == x["org"] * PER_ORG}
        ZohoOrg.objects.bulk_create(
            [ZohoOrg(zgid=z, data_center=dc, name=f"Org {z}") for z, dc in sorted(new_orgs)]
        )
        orgs = dict(
            ZohoOrg.objects.filter(zgid__in={x["zgid"] for x in ids}).values_list("zgid", "pk")
        )
        rows = []
        for x in ids:
            row = ZohoConnection(
                user_id=users[f"bench-{x['id']}"],
                org_id=orgs[x["zgid"]],
                data_center=x["dc"],
                zoho_user_id=x["zoho_user_id"],
                email=x["email"],
                full_name=f"User {x['id']}",
                user_signature=x["signature"],
                scopes=",".join(settings.ZOHO_SCOPES),
                api_domain=datacenters.get(x["dc"]).api_domain,
                access_token_expires_at=expires_at,
            )
            row.refresh_token = x["refresh"]  # encrypted (bound to the row) before the insert
            row.access_token = x["access"]
            rows.append(row)
        ZohoConnection.objects.bulk_create(rows)


def time_django(size: int, quick: bool) -> dict:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

    from accounts.token_store import DjangoTokenStore
    from zoho import sdk as zoho_sdk

    store = DjangoTokenStore()
    rounds, per_round = rounds_for(size, quick, filestore=False)
    picks = [identity(i) for i in targets(size, rounds * per_round)]
    for x in picks[:100]:  # warm-up: the first queries of a process pay one-off costs
        store.find_token_by_id(x["id"])
    by_id, by_signature = [], []
    with CaptureQueriesContext(db) as queries:
        for number in range(rounds):
            chunk = picks[number * per_round : (number + 1) * per_round]
            by_id.append([])
            for x in chunk:
                started = time.perf_counter()
                token = store.find_token_by_id(x["id"])
                by_id[-1].append(time.perf_counter() - started)
                assert token.get_refresh_token() == x["refresh"], x
            by_signature.append([])
            for dc in DCS:  # the store scopes a signature to the SDK environment's data center
                with zoho_sdk.switched(
                    environment=zoho_sdk.environment_for(dc),
                    token=zoho_sdk._RefusingToken(),
                    store=store,
                ):
                    for x in (p for p in chunk if p["dc"] == dc):
                        wanted = OAuthToken(user_signature=UserSignature(x["signature"]))
                        started = time.perf_counter()
                        token = store.find_token(wanted)
                        by_signature[-1].append(time.perf_counter() - started)
                        assert token.get_id() == x["id"], x
    return {
        "by_id": by_id,
        "by_signature": by_signature,
        "queries_per_lookup": len(queries) / len(picks) / 2,
    }


def django_child(backend: str, sizes: list[int], quick: bool) -> None:
    from datetime import timedelta

    from django.db import connection as db
    from django.utils import timezone

    from accounts.models import ZohoConnection

    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                "TRUNCATE accounts_tokenrefreshlog, accounts_zohoconnection, accounts_zohoorg, "
                "auth_user RESTART IDENTITY CASCADE"
            )
    assert not ZohoConnection.objects.exists(), "the bench database must start empty"
    expires_at = timezone.now() + timedelta(hours=1)
    results, filled = {}, 0
    for size in sizes:
        started = time.perf_counter()
        fill_django(filled, size, expires_at)
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")
        fill_seconds = time.perf_counter() - started
        filled = size
        assert ZohoConnection.objects.count() == size
        timed = time_django(size, quick)
        timed["fill_s"] = fill_seconds
        results[size] = timed
    common.emit_json({"backend": backend, "vendor": db.vendor, "results": results})


# --- the SDK's FileStore (in the parent) -----------------------------------------------------
def time_filestore(sizes: list[int], quick: bool) -> dict:
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
    from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

    path = Path(tempfile.mkdtemp(prefix="zohoportal-bench-filestore-")) / "tokens.csv"
    store = FileStore(str(path))  # writes the header row
    expiry = str(int((time.time() + 3600) * 1000))
    results, filled = {}, 0
    for size in sizes:
        with path.open("a", newline="") as handle:
            writer = csv.writer(handle)
            for i in range(filled, size):
                x = identity(i)
                api_domain = f"https://www.zohoapis.{x['dc']}"
                writer.writerow(
                    [
                        x["id"],
                        x["signature"],
                        CLIENT_ID,
                        CLIENT_SECRET,
                        x["refresh"],
                        x["access"],
                        "",
                        expiry,
                        "",
                        api_domain,
                    ]
                )
        filled = size
        rounds, per_round = rounds_for(size, quick, filestore=True)
        picks = [identity(i) for i in targets(size, rounds * per_round)]
        by_id, by_signature = [], []
        for number in range(rounds):
            by_id.append([])
            by_signature.append([])
            for x in picks[number * per_round : (number + 1) * per_round]:
                started = time.perf_counter()
                token = store.find_token_by_id(x["id"])
                by_id[-1].append(time.perf_counter() - started)
                assert token.get_refresh_token() == x["refresh"], x
                wanted = OAuthToken(user_signature=UserSignature(x["signature"]))
                started = time.perf_counter()
                token = store.find_token(wanted)
                by_signature[-1].append(time.perf_counter() - started)
                assert token.get_id() == x["id"], x
        results[str(size)] = {"by_id": by_id, "by_signature": by_signature}
    return results


# --- the report ------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only")
    parser.add_argument("--pg-url", default=common.DEFAULT_PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    sizes = sizes or ([1000, 10000] if args.quick else [1000, 10000, 100000])

    if args.child:
        common.django_setup(
            database_url=common.sqlite_url() if args.child == "sqlite" else args.pg_url
        )
        django_child(args.child, sizes, args.quick)
        return

    started = time.perf_counter()
    columns: dict[str, dict] = {}
    notes = []
    child_args = ["--sizes", ",".join(map(str, sizes))] + (["--quick"] if args.quick else [])
    me = str(Path(__file__).resolve())
    sqlite = common.run_child(
        [me, "--child", "sqlite", *child_args],
        env=common.bench_env(database_url=common.sqlite_url()),
    )
    columns["Django store, SQLite"] = sqlite["results"]
    if not args.no_postgres:
        reason = common.postgres_ready(args.pg_url)
        if reason is None:
            pg = common.run_child(
                [me, "--child", "postgres", "--pg-url", args.pg_url, *child_args],
                env=common.bench_env(database_url=args.pg_url),
            )
            columns["Django store, PostgreSQL"] = pg["results"]
        else:
            notes.append(f"PostgreSQL skipped: {reason}")
    columns["SDK FileStore (CSV)"] = time_filestore(sizes, args.quick)

    print(f"# Token lookup at scale ({common.machine()})\n")
    headers = ["store", "lookup"] + [f"{size:,} median ms" for size in sizes]
    if len(sizes) > 1:
        headers.append(f"{sizes[-1]:,}/{sizes[0]:,}")
    rows = []
    for name, results in columns.items():
        for lookup, label in (("by_id", "find_token_by_id"), ("by_signature", "find_token")):
            medians = [summary_ms(name, results[str(s)][lookup]) for s in _keys(results, sizes)]
            row = [name, label, *(common.fmt(m) for m in medians)]
            if len(sizes) > 1:
                row.append(f"{medians[-1] / medians[0]:.2f}")
            rows.append(row)
    print(common.table(headers, rows))

    print(
        "\nMedian: Django store, the best round's median; FileStore, all samples "
        "(rounds x lookups, Django / FileStore): "
        + ", ".join(
            f"{s:,}: {'x'.join(map(str, rounds_for(s, args.quick, filestore=False)))}"
            f" / {'x'.join(map(str, rounds_for(s, args.quick, filestore=True)))}"
            for s in sizes
        )
    )
    print(
        "Bulk fill (s, cumulative per step): "
        + "; ".join(
            f"{name}: " + ", ".join(common.fmt(r[str(s)]["fill_s"], 1) for s in sizes)
            for name, r in columns.items()
            if "fill_s" in r[str(sizes[0])]
        )
    )
    queries = {name: r[str(sizes[-1])].get("queries_per_lookup") for name, r in columns.items()}
    print(
        "Queries per find_token: "
        + ", ".join(f"{name}: {q:g}" for name, q in queries.items() if q is not None)
    )

    big, small = sizes[-1], sizes[0]
    file_big = columns["SDK FileStore (CSV)"][str(big)]
    print(f"\nTargets at {big:,} connections (ratios of medians, same run):")
    target_rows = []
    for name, results in columns.items():
        if name.startswith("SDK"):
            continue
        for lookup, label in (("by_id", "find_token_by_id"), ("by_signature", "find_token")):
            m_small = best_median_ms(results[str(small)][lookup])
            m_big = best_median_ms(results[str(big)][lookup])
            vs_file = summary_ms("SDK", file_big[lookup]) / m_big
            target_rows.append(
                [
                    name,
                    label,
                    f"{m_big / m_small:.2f} ({common.met(m_big / m_small <= 1.5)})",
                    f"{vs_file:,.0f}x ({common.met(vs_file >= 100)})",
                ]
            )
    print(
        common.table(
            ["store", "lookup", f"{big:,}/{small:,} <= 1.5", f"FileStore/store at {big:,} >= 100x"],
            target_rows,
        )
    )
    for note in notes:
        print(f"\nNOTE: {note}")
    print(f"\n(run took {time.perf_counter() - started:.0f} s)")


def _keys(results: dict, sizes: list[int]) -> list[int]:
    return [s for s in sizes if str(s) in results]


if __name__ == "__main__":
    main()
