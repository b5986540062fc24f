"""Part 2: what the portal adds to one list page, next to the bare SDK and raw HTTP.

    .venv/bin/python bench/request_overhead.py            # 300 samples of each way
    .venv/bin/python bench/request_overhead.py --quick    # 60

The same page (Leads, page 1, 20 records, the list view's 6 columns, Zylker Traders: 45
Leads) fetched five ways, interleaved round by round (the order rotates; each way runs 5 times in
a row per round) so every median comes from the same minutes of the same machine:

- raw HTTP: `requests.Session().get` to the emulator's `/crm/v8/Leads` with the token, JSON
  decoded (keep-alive);
- bare SDK: `RecordOperations.get_records` inside one long-lived `activated(connection)`;
- SDK per request: what the portal does around it (load the row, `activated()`, the call);
- portal, Django test client: `GET /crm/api/Leads/` in this process (session cookie);
- portal, gunicorn: the same URL over HTTP to `gunicorn zohoportal.wsgi` (1 worker, gthread,
  keep-alive) on the same database.

Three more ways measure the portal's fixed cost, with no Zoho call: the signed-in
`GET /crm/api/modules/` (answered from the metadata cache) through the test client and
gunicorn, and gunicorn's `/healthz` (the HTTP round trip alone).

Then it counts, per portal request, the database queries (test client, warm and cold) and
the upstream HTTP calls (emulator `api_calls` deltas, test client and gunicorn).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import portal  # noqa: E402

ORG = 0  # portal.IDENTITIES[0]: Patricia Boyle @ Zylker Traders (45 Leads)
# Each way runs BURST times in a row per round: a gunicorn worker left idle while this
# process runs the other ways wakes with cold caches, which one request at a time charged
# to gunicorn alone (8.3 ms against 5.8 ms for the same request in a row).
BURST = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 samples per way, not 300")
    parser.add_argument("--db", choices=("sqlite", "postgres", "auto"), default="sqlite")
    args = parser.parse_args()
    rounds = 60 if args.quick else 300

    with portal.BulkEmulator(tokens=1) as emulator:
        url, db_label = portal.database_url(args.db)
        env = portal.portal_env(url, emulator.url)
        portal.setup_portal(env)
        [user] = portal.seed_users(emulator.tokens)
        with portal.Gunicorn(env, workers=1, threads=2) as server:
            report(emulator, server, user, rounds, db_label)


def report(emulator, server, user, rounds: int, db_label: str) -> None:  # noqa: PLR0915
    import requests
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection as db
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

    from accounts import activation
    from accounts.models import ZohoConnection
    from crm import metadata
    from zoho import datacenters

    def api_calls() -> int:
        return emulator.stats()["api_calls"]

    cookie_name, cookie_value = user["cookie"].split("=", 1)
    client = Client()
    client.cookies[cookie_name] = cookie_value

    # --- cold and warm request through the test client: queries and upstream calls --------
    def portal_test_client():
        response = client.get(portal.LIST_PATH)
        assert response.status_code == 200, response.content[:300]
        return response

    before = api_calls()
    with CaptureQueriesContext(db) as cold_queries:
        portal_test_client()
    cold_calls = api_calls() - before
    cold_query_count = len(cold_queries.captured_queries)  # read now: later requests reset it
    paths_before = emulator.stats()["api_calls_by_path"]
    before = api_calls()
    warm_n = 20
    with CaptureQueriesContext(db) as warm_queries:
        for _ in range(warm_n):
            portal_test_client()
    warm_calls = (api_calls() - before) / warm_n
    paths_after = emulator.stats()["api_calls_by_path"]
    warm_paths = {
        p: (paths_after[p] - paths_before.get(p, 0)) / warm_n
        for p in paths_after
        if paths_after[p] != paths_before.get(p, 0)
    }
    warm_query_count = len(warm_queries.captured_queries) / warm_n
    warm_sql = [q["sql"][:110] for q in warm_queries.captured_queries[: int(warm_query_count)]]

    # --- the same page, five ways ----------------------------------------------------------
    connection = ZohoConnection.objects.select_related("org").get(pk=user["connection"])
    module = metadata.module_get(connection=connection, module="Leads")
    names = [c.api_name for c in module.list_fields]
    assert cache.get(metadata.metadata_key(connection, "fields", "Leads")) is not None

    def sdk_params() -> ParameterMap:
        params = ParameterMap()
        params.add(GetRecordsParam.fields, ",".join(names))
        params.add(GetRecordsParam.page, 1)
        params.add(GetRecordsParam.per_page, 20)
        return params

    def bare_sdk():
        response = RecordOperations("Leads").get_records(sdk_params())
        assert len(response.get_object().get_data()) == 20

    def sdk_per_request():
        row = ZohoConnection.objects.select_related("org").get(pk=user["connection"])
        with activation.activated(row):
            bare_sdk()

    raw = requests.Session()
    raw_url = f"{datacenters.get(connection.data_center).api_domain}/crm/v8/Leads"
    raw_headers = {"Authorization": f"Zoho-oauthtoken {connection.access_token}"}
    raw_params = {"fields": ",".join(names), "page": 1, "per_page": 20}

    def raw_http():
        response = raw.get(raw_url, headers=raw_headers, params=raw_params, timeout=10)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 20

    served = requests.Session()

    def portal_gunicorn():
        response = served.get(server.url + portal.LIST_PATH, headers={"Cookie": user["cookie"]})
        assert response.status_code == 200, response.text[:300]
        response.json()

    # Warm the server (its own metadata cache) and count its upstream calls.
    portal_gunicorn()
    before = api_calls()
    for _ in range(warm_n):
        portal_gunicorn()
    served_calls = (api_calls() - before) / warm_n

    # The portal's fixed cost: the same signed-in request path (session, user and connection,
    # middleware, access check, a JSON answer) for a page that needs no Zoho call
    # (`/crm/api/modules/`, from the metadata cache), and the bare HTTP round trip to
    # gunicorn (`/healthz`, answered by the second middleware).
    def portal_no_call_test_client():
        response = client.get(portal.MODULES_PATH)
        assert response.status_code == 200, response.content[:300]

    def portal_no_call_gunicorn():
        response = served.get(server.url + portal.MODULES_PATH, headers={"Cookie": user["cookie"]})
        assert response.status_code == 200, response.text[:300]
        response.json()

    def healthz_gunicorn():
        assert served.get(server.url + "/healthz").status_code == 200

    ways = {
        "raw HTTP (requests → emulator)": raw_http,
        "bare SDK get_records": None,  # inside the long-lived activation below
        "SDK per request (row + activated + call)": sdk_per_request,
        "portal, Django test client": portal_test_client,
        "portal, gunicorn (1 worker, HTTP)": portal_gunicorn,
        "no Zoho call: signed-in page, test client": portal_no_call_test_client,
        "no Zoho call: signed-in page, gunicorn": portal_no_call_gunicorn,
        "no Zoho call: /healthz, gunicorn": healthz_gunicorn,
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    long_lived = ZohoConnection.objects.select_related("org").get(pk=user["connection"])
    order = list(ways)
    for number in range(rounds // BURST + 2):
        rotated = order[number % len(order) :] + order[: number % len(order)]
        for name in rotated:
            for _ in range(BURST):
                if name == "bare SDK get_records":
                    with activation.activated(long_lived):
                        started = time.perf_counter()
                        bare_sdk()
                        elapsed = time.perf_counter() - started
                else:
                    started = time.perf_counter()
                    ways[name]()
                    elapsed = time.perf_counter() - started
                if number >= 2:  # the first rounds warm up
                    samples[name].append(elapsed)

    med = {name: common.median_ms(values) for name, values in samples.items()}
    raw_ms = med["raw HTTP (requests → emulator)"]
    sdk_ms = med["bare SDK get_records"]
    rows = [
        [
            name,
            common.fmt(med[name]),
            common.fmt(common.percentile_ms(values, 90)),
            f"{med[name] / sdk_ms:.2f}",
            f"{med[name] / raw_ms:.2f}",
        ]
        for name, values in samples.items()
    ]
    print(f"# Per-request overhead: {rounds} interleaved rounds, {db_label}")
    print(f"# {common.machine()}\n")
    print(common.table(["way", "median ms", "p90 ms", "× bare SDK", "× raw HTTP"], rows))

    tc, gu = med["portal, Django test client"], med["portal, gunicorn (1 worker, HTTP)"]
    fixed_tc = med["no Zoho call: signed-in page, test client"]
    fixed_gu = med["no Zoho call: signed-in page, gunicorn"]
    print()
    print(
        common.table(
            ["ratio (medians, same run)", "value", "target (issue 15)", ""],
            [
                [
                    "portal (test client) / bare SDK",
                    f"{tc / sdk_ms:.2f}",
                    "≤ 1.3",
                    common.met(tc / sdk_ms <= 1.3),
                ],
                [
                    "portal (gunicorn) / bare SDK",
                    f"{gu / sdk_ms:.2f}",
                    "≤ 1.6",
                    common.met(gu / sdk_ms <= 1.6),
                ],
                ["bare SDK / raw HTTP", f"{sdk_ms / raw_ms:.2f}", "-", ""],
                ["portal − bare SDK, test client (ms)", common.fmt(tc - sdk_ms), "-", ""],
                [
                    "(bare SDK + signed-in page with no call) / bare SDK, test client",
                    f"{(sdk_ms + fixed_tc) / sdk_ms:.2f}",
                    "-",
                    "",
                ],
                [
                    "(bare SDK + signed-in page with no call) / bare SDK, gunicorn",
                    f"{(sdk_ms + fixed_gu) / sdk_ms:.2f}",
                    "-",
                    "",
                ],
            ],
        )
    )
    print()
    small = warm_query_count <= 4
    print(
        common.table(
            ["per portal request", "measured", "target", ""],
            [
                ["upstream calls, cold (empty caches)", cold_calls, "-", ""],
                [
                    "upstream calls, warm (test client)",
                    f"{warm_calls:g}",
                    "1",
                    common.met(warm_calls == 1),
                ],
                [
                    "upstream calls, warm (gunicorn)",
                    f"{served_calls:g}",
                    "1",
                    common.met(served_calls == 1),
                ],
                ["DB queries, cold", cold_query_count, "-", ""],
                [
                    "DB queries, warm",
                    f"{warm_query_count:g}",
                    "small constant (≤ 4)",
                    common.met(small),
                ],
            ],
        )
    )
    print("\nwarm upstream calls by path (per request):", warm_paths)
    print("warm queries:")
    for sql in warm_sql:
        print("  ", sql)
    print(
        f"\nsessions: {settings.SESSION_ENGINE}; spread (stdev/median) of the portal test "
        f"client: {statistics.pstdev(samples['portal, Django test client']) * 1000 / tc:.2f}"
    )


if __name__ == "__main__":
    main()
